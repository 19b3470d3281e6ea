package engine

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
)

// TestCampaignCallbackAt: an agent's callback disposition may say when to
// call back. The lead is due then (not after the no-answer delay), also
// when Hotline restarts during the call; a time in the past, one more than
// MaxCallbackAhead away, or a time with a disposition that is no callback
// is refused, naming what is wrong, and changes nothing.
func TestCampaignCallbackAt(t *testing.T) {
	at := time.Date(2026, 1, 7, 14, 0, 0, 0, time.UTC) // two days on, 15:00 for the Paris leads
	for _, restart := range []bool{false, true} {
		name := "no restart"
		if restart {
			name = "restart during the call"
		}
		t.Run(name, func(t *testing.T) {
			rig, r, o := restartableCampaign(t, "")
			l, id := talkingLead(t, rig, r)
			for _, bad := range []struct {
				disposition string
				at          time.Time
				want        string
			}{
				{"sale", at, `callback_at goes with a callback disposition (call-back); "sale" is none`},
				{"call-back", epoch.Add(-time.Minute), "callback_at 2026-01-05T08:59:00Z is not after now"},
				{"call-back", epoch.Add(MaxCallbackAhead + time.Hour), "more than 90 days ahead"},
				{"call-back", epoch.Add(-time.Minute).In(time.FixedZone("", -5*3600)), "callback_at 2026-01-05T03:59:00-05:00 is not after now (2026-01-05T04:00:10-05:00)"},
			} {
				err := r.Do(func(c *Core, now time.Time) error { return c.DispositionCallback(now, id, bad.disposition, "", bad.at) })
				if !errors.Is(err, ErrBadCallback) || !strings.Contains(err.Error(), bad.want) {
					t.Errorf("%s at %s: %v; want %q", bad.disposition, bad.at, err, bad.want)
				}
			}
			if err := r.Do(func(c *Core, now time.Time) error { return c.DispositionCallback(now, id, "call-back", "", at) }); err != nil {
				t.Fatal(err)
			}
			if restart {
				r.RunUntil(epoch.Add(11 * time.Second))
				kill(t, r)
				r.RunUntil(epoch.Add(12 * time.Second))
				restartKeepingCalls(t, rig, r, o, "run2", true)
			}
			r.RunUntil(epoch.Add(time.Minute)) // the call ends at ~34 s, wrap-up 5 s
			got := rig.leads(t)[l.ID]
			if got.State != campaign.Callback || got.Disposition != "call-back" || !got.NextAttempt.Equal(at) {
				t.Errorf("lead %s %q next %s; want a callback due %s\n%s", got.State, got.Disposition, got.NextAttempt, at, rig.trace)
			}
			if recs := rig.dials(t)[l.Phone]; len(recs) != 1 || !recs[0].CallbackAt.Equal(at) {
				t.Errorf("records %+v; want one, its callback time kept", recs)
			}
		})
	}
}
