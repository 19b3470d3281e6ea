package campaign

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hotline-cc/hotline/internal/textcheck"
)

// Skip reasons: an agent skipping a preview lead says why, with one of
// the campaign's reasons ("wrong person", "already customer") and a note
// of their own, both optional unless the campaign requires a reason. The
// lead counts its skips by reason, so the campaign's page shows them and
// the lead export lists the last one.
const (
	// MaxSkipReason is the longest configured reason, in characters.
	MaxSkipReason = 60
	// MaxSkipNote is the longest note an agent may add, in characters.
	MaxSkipNote = 200
	// SkipTimedOut is the reason of a skip no agent decided (the
	// campaign's preview_on_timeout); no configured reason may take it.
	SkipTimedOut = "timeout"
)

// ErrBadSkip is a skip's reason or note refused.
var ErrBadSkip = errors.New("bad skip")

// SkipError is a skip refused, naming the field (reason or note).
type SkipError struct {
	Field string
	Msg   string
}

func (e *SkipError) Error() string { return fmt.Sprintf("field %q: %s", e.Field, e.Msg) }

// Unwrap makes errors.Is(err, ErrBadSkip) hold.
func (e *SkipError) Unwrap() error { return ErrBadSkip }

// SkipNote is one skip of a lead: who, when and why.
type SkipNote struct {
	Agent  string    `json:"agent,omitempty"`
	At     time.Time `json:"at,omitzero"`
	Reason string    `json:"reason,omitempty"` // one of the campaign's, SkipTimedOut, or "" (none given)
	Note   string    `json:"note,omitempty"`   // the agent's own words
}

// SkipRule is what a campaign asks of a skip.
type SkipRule struct {
	Reasons  []string // the reasons an agent picks from
	Required bool     // a skip must give one of Reasons
}

// CheckText refuses a text of more than max characters, not UTF-8, or
// holding a character textcheck refuses (a direction override would make
// an export or a page read otherwise than it is). It may span lines, as a
// contact's notes may, and hold the joiners of Persian, Indic and emoji text.
func CheckText(s string, max int) error {
	if !utf8.ValidString(s) {
		return errors.New("not UTF-8 text")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Errorf("%d characters long; the limit is %d", n, max)
	}
	return textcheck.Check(s)
}

// CheckLine is CheckText for a text of one line (a reason, picked from a
// list and counted by): it holds no tab or line break either.
func CheckLine(s string, max int) error {
	if err := CheckText(s, max); err != nil {
		return err
	}
	if i := strings.IndexAny(s, "\t\r\n"); i >= 0 {
		what := "line break"
		if s[i] == '\t' {
			what = "tab"
		}
		return fmt.Errorf("holds the %s %U at character %d; a reason is one line", what, rune(s[i]), utf8.RuneCountInString(s[:i])+1)
	}
	return nil
}

// Check refuses a skip's reason that is not one of the rule's (or
// missing when required) and a note CheckText refuses. The note is
// returned trimmed.
func (r SkipRule) Check(reason, note string) (string, error) {
	note = strings.TrimSpace(note)
	if err := CheckText(note, MaxSkipNote); err != nil {
		return "", &SkipError{Field: "note", Msg: err.Error()}
	}
	switch {
	case reason == "" && r.Required:
		return "", &SkipError{Field: "reason", Msg: "missing; the campaign asks for one of: " + r.known()}
	case reason != "" && !slices.Contains(r.Reasons, reason):
		if err := CheckLine(reason, MaxSkipReason); err != nil {
			return "", &SkipError{Field: "reason", Msg: err.Error()}
		}
		return "", &SkipError{Field: "reason", Msg: fmt.Sprintf("%q is not one of the campaign's: %s", reason, r.known())}
	}
	return note, nil
}

func (r SkipRule) known() string {
	if len(r.Reasons) == 0 {
		return "(none configured)"
	}
	return strings.Join(r.Reasons, ", ")
}
