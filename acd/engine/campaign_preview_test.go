package engine

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
)

// TestCampaignPreview: in preview mode each free agent is shown a lead and
// nothing is dialed until they decide. A dialed lead rings and, answered,
// reaches the agent who dialed it; a skipped lead is put off by the
// no-answer delay with no attempt counted; an undecided preview times out
// (skip here) and the agent is shown the next lead.
func TestCampaignPreview(t *testing.T) {
	rig := newCampaignRig(t, "preview", 1, "a1", "a2")
	r := rig.r
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	r.RunUntil(epoch.Add(3 * time.Second))
	shown := func(agent string) *LeadPreview {
		for _, a := range r.Core.Status(r.Clock.Now()).Agents {
			if a.ID == agent {
				return a.Preview
			}
		}
		return nil
	}
	p1, p2 := shown("a1"), shown("a2")
	if p1 == nil || p2 == nil || p1.Lead.ID == p2.Lead.ID {
		t.Fatalf("previews: a1 %+v, a2 %+v; want a lead each\n%s", p1, p2, rig.trace)
	}
	if n := r.Switch.Stats().Originates; n != 0 {
		t.Fatalf("%d calls placed before any agent decided", n)
	}
	if p1.Campaign != "renewals" || p1.OnTimeout != "skip" || !p1.Expires.Equal(p1.Offered.Add(30*time.Second)) {
		t.Errorf("preview shape: %+v", p1)
	}
	if _, err := r.Core.PreviewDecide(r.Clock.Now(), "a3", true); !errors.Is(err, ErrNoPreview) {
		t.Errorf("a decision of an agent with no lead shown: %v", err)
	}

	var dialed, skipped LeadPreview
	if err := r.Do(func(c *Core, now time.Time) (err error) { dialed, err = c.PreviewDecide(now, "a1", true); return err }); err != nil {
		t.Fatal(err)
	}
	if err := r.Do(func(c *Core, now time.Time) (err error) { skipped, err = c.PreviewDecide(now, "a2", false); return err }); err != nil {
		t.Fatal(err)
	}
	skippedAt := r.Clock.Now()
	r.RunUntil(epoch.Add(10 * time.Second))
	if n := r.Switch.Stats().Originates; n < 2 { // the lead, then a1's phone
		t.Fatalf("after a1 dialed: %d originates\n%s", n, rig.trace)
	}
	p2b := shown("a2")
	if p2b == nil || p2b.Lead.ID == skipped.Lead.ID {
		t.Fatalf("a2 after skipping: %+v; want the next lead", p2b)
	}
	r.RunUntil(epoch.Add(3 * time.Minute))

	leads := rig.leads(t)
	if l := leads[skipped.Lead.ID]; l.State != campaign.New || l.Attempts != 0 || l.NextAttempt.Before(skippedAt.Add(5*time.Minute)) {
		t.Errorf("skipped lead: %s, %d attempts, next %s; want new, 0, 5 min on", l.State, l.Attempts, l.NextAttempt)
	}
	if l := leads[p2b.Lead.ID]; l.Attempts != 0 || l.NextAttempt.IsZero() {
		t.Errorf("lead a2 let time out: %s, %d attempts, next %s; want skipped", l.State, l.Attempts, l.NextAttempt)
	}
	if !strings.Contains(rig.trace.String(), "lead "+p2b.Lead.ID+" skipped by a2 (timeout)") {
		t.Errorf("no timeout of a2's second preview\n%s", rig.trace)
	}
	recs := rig.dials(t)[dialed.Lead.Phone]
	if len(recs) != 1 || recs[0].Agent != "a1" || recs[0].Outcome != acd.OutcomeAnswered || leads[dialed.Lead.ID].Attempts != 1 {
		t.Fatalf("dialed lead: records %+v, lead %+v; want one answered by a1", recs, leads[dialed.Lead.ID])
	}
	if !hasStep(recs[0], "lead-answered", "") || hasStep(recs[0], "safe-harbour", "") {
		t.Errorf("dialed lead's timeline: %+v", recs[0].Timeline)
	}
	for phone, rs := range rig.dials(t) {
		for _, rec := range rs {
			if rec.Agent != "" && rec.Agent != "a1" && rec.Agent != "a2" {
				t.Errorf("%s reached %s", phone, rec.Agent)
			}
		}
	}
	if w := r.Core.Warnings(); w["illegal-transition"]+w["store"] > 0 {
		t.Errorf("warnings %v\n%s", w, rig.trace)
	}
	if st := r.Core.Campaigns(r.Clock.Now())[0]; st.Stats.SkippedPreview < 2 || st.Stats.Abandoned != 0 {
		t.Errorf("stats %+v", st.Stats)
	}
}
