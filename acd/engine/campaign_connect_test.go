package engine

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// TestCampaignRungIsNotConnected: the first lead answers 4 s into its ring
// and a1, the one agent, is rung for it at once; connect_within is 2 s. An
// agent ringing at 6 s is not an agent connected: the answer counts as
// abandoned, once, and the lead rests 72 hours as abandoned leads do. If
// a1 answers late, the person still talks to them; if a1 never answers,
// the lead hears the safe-harbour message once no agent rings for it, or
// has hung up before.
func TestCampaignRungIsNotConnected(t *testing.T) {
	for _, tc := range []struct {
		name        string
		agent       farend.Phone
		leadHangup  time.Duration // after its answer
		at          time.Duration // when to look, before a1 could take another lead
		talks       bool          // a1 talks to the lead
		safeHarbour bool
	}{
		{name: "agent answers late", agent: farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 5 * time.Second},
			leadHangup: 20 * time.Second, at: 27 * time.Second, talks: true},
		{name: "agent never answers, lead hangs up", agent: farend.Phone{Mode: farend.PhoneNoAnswer},
			leadHangup: 8 * time.Second, at: 13 * time.Second},
		{name: "agent never answers, lead waits", agent: farend.Phone{Mode: farend.PhoneNoAnswer},
			leadHangup: 5 * time.Minute, at: 40 * time.Second, safeHarbour: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rig := newCampaignRig(t, "progressive", 1, "a1")
			r := rig.r
			first := "" // the lead dialed first, the first in the list
			for id, phone := range rig.phone {
				if phone == "+33140000001" {
					first = id
				}
			}
			if err := r.Switch.SetPhone("sim/a1", tc.agent); err != nil {
				t.Fatal(err)
			}
			for id, phone := range rig.phone { // the leads dialed next answer no one
				if id != first {
					if err := r.Switch.SetPhone("sim/"+phone, farend.Phone{Mode: farend.PhoneBusy}); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := r.Switch.SetPhone("sim/"+rig.phone[first], farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 4 * time.Second, HangupAfter: tc.leadHangup}); err != nil {
				t.Fatal(err)
			}
			if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
				t.Fatal(err)
			}
			r.ServeLeads(rig.db, time.Second)
			r.RunUntil(epoch.Add(tc.at))

			recs := rig.dials(t)[rig.phone[first]]
			if len(recs) != 1 {
				t.Fatalf("lead %s dialed %d times by %s, want once\n%s", first, len(recs), tc.at, rig.trace)
			}
			rec := recs[0]
			st := r.Core.Campaigns(r.Clock.Now())[0]
			if st.Stats.Abandoned != 1 || st.Stats.Connected != 0 || st.AbandonRate != 1 {
				t.Errorf("counted %d abandoned, %d connected (rate %g); want the one answer abandoned\n%s", st.Stats.Abandoned, st.Stats.Connected, st.AbandonRate, rig.trace)
			}
			if !hasStep(rec, "not-connected", "") {
				t.Errorf("no not-connected step: %+v", rec.Timeline)
			}
			if talked := rec.Agent == "a1" && rec.Talk > 0; talked != tc.talks {
				t.Errorf("record agent %q talk %s; want a1 talking %v", rec.Agent, rec.Talk, tc.talks)
			}
			if got := hasStep(rec, "safe-harbour", ""); got != tc.safeHarbour {
				t.Errorf("safe-harbour step %v, want %v: %+v", got, tc.safeHarbour, rec.Timeline)
			}
			if !tc.talks && rec.Outcome != acd.OutcomeAbandoned {
				t.Errorf("record outcome %s, want %s", rec.Outcome, acd.OutcomeAbandoned)
			}
			l := rig.leads(t)[first]
			if l.AbandonedAt.IsZero() {
				t.Fatalf("lead %s %s with no abandon time", first, l.State)
			}
			if !tc.talks {
				if l.State != campaign.Scheduled || l.LastOutcome != campaign.Abandoned || l.NextAttempt.Before(l.AbandonedAt.Add(72*time.Hour)) {
					t.Errorf("lead %s %s (%s) next %s; want scheduled as abandoned 72 h after %s", first, l.State, l.LastOutcome, l.NextAttempt, l.AbandonedAt)
				}
			}
			if w := r.Core.Warnings(); w["illegal-transition"]+w["store"] > 0 {
				t.Errorf("warnings %v\n%s", w, rig.trace)
			}
		})
	}
}
