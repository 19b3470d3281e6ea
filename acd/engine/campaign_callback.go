package engine

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd/config"
)

// ErrBadCallback refuses a callback: its time in the past or too far
// ahead, its agent unknown, given with a disposition that is no callback,
// or for a lead already settled.
var ErrBadCallback = errors.New("bad callback")

// MaxCallbackAhead is how far ahead an agent may set a callback: a lead
// list is not kept for years, and a typo of the year is caught.
const MaxCallbackAhead = 90 * 24 * time.Hour

// checkCallbackAt checks a callback time given with disposition name of
// campaign k at now; zero is none.
func checkCallbackAt(k config.Campaign, name string, at, now time.Time) error {
	if at.IsZero() {
		return nil
	}
	var callbacks []string
	isCallback := false
	for _, rule := range k.DispositionRules() {
		if rule.Callback {
			callbacks = append(callbacks, rule.Name)
			isCallback = isCallback || rule.Name == name
		}
	}
	// In the offset the time was given in: the one its writer reads.
	when := at.Format(time.RFC3339)
	switch {
	case !isCallback && len(callbacks) == 0:
		return fmt.Errorf("campaign %q: %w: callback_at: campaign has no callback disposition", k.Name, ErrBadCallback)
	case !isCallback:
		return fmt.Errorf("campaign %q: %w: callback_at goes with a callback disposition (%s); %q is none", k.Name, ErrBadCallback, strings.Join(callbacks, ", "), name)
	case !at.After(now):
		return fmt.Errorf("campaign %q: %w: callback_at %s is not after now (%s)", k.Name, ErrBadCallback, when, now.In(at.Location()).Format(time.RFC3339))
	case at.Sub(now) > MaxCallbackAhead:
		return fmt.Errorf("campaign %q: %w: callback_at %s is more than %d days ahead", k.Name, ErrBadCallback, when, int(MaxCallbackAhead/(24*time.Hour)))
	}
	return nil
}
