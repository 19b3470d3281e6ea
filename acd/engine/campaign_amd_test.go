package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// TestCampaignAnsweringMachine: with answering-machine detection, a
// machine's answer never reaches an agent nor counts as a live answer: per
// the campaign it is hung up on, or hears the machine message after its
// beep; the lead is retried after the machine delay. People still reach
// agents.
func TestCampaignAnsweringMachine(t *testing.T) {
	for _, handling := range []string{"hangup", "message"} {
		t.Run(handling, func(t *testing.T) {
			rig := newCampaignRig(t, "progressive", 1, "a1", "a2", "a3")
			cfg := strings.Replace(fmt.Sprintf(campaignConfig, "progressive", 1.0), "    safe_harbour:",
				"    answering_machine: "+handling+"\n    machine_message: [sound:machine-msg]\n    safe_harbour:", 1)
			cfg = strings.Replace(cfg, "failed: 1m}", "failed: 1m, machine: 30m}", 1)
			rig.r = rig.start(t, cfg, []string{"a1", "a2", "a3"})
			r := rig.r
			var machine string
			for id, k := range rig.kinds {
				if k == leadAnswers && machine == "" {
					machine = id
					if err := r.Switch.SetPhone("sim/"+rig.phone[id], farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 2 * time.Second, Machine: true}); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
				t.Fatal(err)
			}
			r.ServeLeads(rig.db, time.Second)
			r.RunUntil(epoch.Add(20 * time.Minute))

			leads, dials := rig.leads(t), rig.dials(t)
			l, recs := leads[machine], dials[rig.phone[machine]]
			if l.State != campaign.Scheduled || l.LastOutcome != campaign.Machine || l.Attempts != 1 || len(recs) != 1 {
				t.Fatalf("machine lead: %s, last %s, %d attempts, %d dials; want scheduled after one machine\n%s", l.State, l.LastOutcome, l.Attempts, len(recs), rig.trace)
			}
			if rec := recs[0]; rec.Agent != "" || rec.Outcome != acd.OutcomeFailed || !hasStep(rec, "machine", "") {
				t.Errorf("machine lead's record: %+v", rec)
			}
			if want := recs[0].Entered.Add(30 * time.Minute); l.NextAttempt.Before(want) {
				t.Errorf("machine lead retried at %s, want 30 min after its dial at %s", l.NextAttempt, recs[0].Entered)
			}
			played := strings.Contains(rig.trace.String(), "sound:machine-msg")
			if played != (handling == "message") {
				t.Errorf("machine message played: %v, handling %s", played, handling)
			}
			st := r.Core.Campaigns(r.Clock.Now())[0]
			if st.Stats.Machine != 1 || st.Stats.Answered != 7 || st.Stats.Abandoned != 0 {
				t.Errorf("stats %+v; want 1 machine, the 7 people answered", st.Stats)
			}
			for id, k := range rig.kinds {
				if k == leadAnswers && id != machine {
					if rs := dials[rig.phone[id]]; len(rs) != 1 || rs[0].Agent == "" {
						t.Errorf("person lead %s: %+v", id, rs)
					}
				}
			}
			if w := r.Core.Warnings(); w["illegal-transition"]+w["store"]+w["unknown-channel"] > 0 {
				t.Errorf("warnings %v\n%s", w, rig.trace)
			}
		})
	}
}
