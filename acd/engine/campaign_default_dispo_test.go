package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/store"
)

// A campaign that lists no dispositions gets the default ones: its agents
// can keep a callback, take a number off the list and record a sale
// without a config; any other name still ends the lead.
func TestCampaignDefaultDispositions(t *testing.T) {
	at := time.Date(2026, 1, 7, 14, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		disposition string
		check       func(t *testing.T, rig *campaignRig, l campaign.Lead)
	}{
		{"call-back", func(t *testing.T, rig *campaignRig, l campaign.Lead) {
			if got := rig.leads(t)[l.ID]; got.State != campaign.Callback || !got.NextAttempt.Equal(at) {
				t.Errorf("lead %s next %s; want a callback due %s", got.State, got.NextAttempt, at)
			}
		}},
		{"do-not-call", func(t *testing.T, rig *campaignRig, l campaign.Lead) {
			if got := rig.leads(t)[l.ID]; got.State != campaign.DoNotCall {
				t.Errorf("lead %s; want %s", got.State, campaign.DoNotCall)
			}
			list, listed, err := rig.db.Blocked(l.Phone, store.GlobalDNC, "renewals")
			if err != nil || !listed {
				t.Errorf("number %s listed %v on %q (%v); want it on a list", l.Phone, listed, list, err)
			}
		}},
		{"sale", func(t *testing.T, rig *campaignRig, l campaign.Lead) {
			if got := rig.leads(t)[l.ID]; got.State != campaign.Done || got.Disposition != "sale" {
				t.Errorf("lead %s %q; want done, sale", got.State, got.Disposition)
			}
		}},
		{"anything-else", func(t *testing.T, rig *campaignRig, l campaign.Lead) {
			if got := rig.leads(t)[l.ID]; got.State != campaign.Done {
				t.Errorf("lead %s; want done", got.State)
			}
		}},
	} {
		t.Run(tc.disposition, func(t *testing.T) {
			cfg := fmt.Sprintf(campaignConfig, "progressive", 1.0)
			cfg = cfg[:strings.Index(cfg, "    dispositions:")]
			rig := newCampaignRigConfig(t, cfg, "a1")
			r := rig.r
			if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
				t.Fatal(err)
			}
			r.ServeLeads(rig.db, time.Second)
			l, id := talkingLead(t, rig, r)
			var when time.Time
			if tc.disposition == "call-back" {
				when = at
			}
			if err := r.Do(func(c *Core, now time.Time) error { return c.DispositionCallback(now, id, tc.disposition, "", when) }); err != nil {
				t.Fatal(err)
			}
			r.RunUntil(epoch.Add(time.Minute))
			tc.check(t, rig, l)
			choices := r.Core.dispositionChoices(id)
			if len(choices.Dispositions) != 5 || choices.Dispositions[2] != (DispositionChoice{Name: "call-back", Callback: true}) {
				t.Errorf("choices %+v; want the five defaults, call-back a callback", choices.Dispositions)
			}
		})
	}
}
