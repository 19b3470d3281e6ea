package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

// TestSurveyRestartMidFlowGoesOn: Hotline dies while a survey's lead, a
// notification flow's and a notification message's are answered and in
// their flow or message, the live records saved, and comes back while the
// switch still holds the calls (the sync before or after the campaigns are
// resumed). No agent is waited for in a flow, so none is abandoned: the
// survey's flow goes on where it was and keeps both answers, the
// notification's lead presses 1 and reaches the agent, the message is
// heard; each lead done, completed, one attempt, and no abandon counted
// (a survey that counted them would pause itself over its cap).
func TestSurveyRestartMidFlowGoesOn(t *testing.T) {
	for _, syncFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("syncFirst=%v", syncFirst), func(t *testing.T) {
			phones := map[string]farend.Phone{
				"+3314000001": {Mode: farend.PhoneAnswer, AnswerDelay: time.Second, DTMF: "45", DTMFDelay: 5 * time.Second, HangupAfter: time.Minute},
				"+3314000003": {Mode: farend.PhoneAnswer, AnswerDelay: time.Second, DTMF: "1", DTMFDelay: 5 * time.Second, HangupAfter: time.Minute},
				"+3314000005": {Mode: farend.PhoneAnswer, AnswerDelay: time.Second, HangupAfter: time.Minute},
				"sim/a1":      {Mode: farend.PhoneAnswer, AnswerDelay: 500 * time.Millisecond, HangupAfter: 5 * time.Second},
			}
			leads := []campaign.Lead{{Campaign: "poll", Phone: "+3314000001"}, {Campaign: "notice", Phone: "+3314000003"}, {Campaign: "memo", Phone: "+3314000005"}}
			cfg := surveyConfig + `  - name: memo
    kind: notification
    message: [sound:your-order-shipped, sound:thanks]
    endpoint: sim/{number}
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    lead_hours: "00:00-24:00"
`
			sr := runSurvey(t, cfg, Options{IDPrefix: "run1"}, phones, leads, 0, "a1")
			r := sr.r
			first := r.Core
			r.Core.out = runOutputs{r: r, core: &first}
			r.RunUntil(epoch.Add(2500 * time.Millisecond))
			if st := r.Core.Status(r.Clock.Now()); len(st.Calls) != 3 {
				t.Fatalf("calls at the crash: %+v; want the three leads answered\n%s", st.Calls, sr.trace)
			}
			o := r.Core.opts
			kill(t, r)
			r.RunUntil(epoch.Add(3 * time.Second))
			restartGap(t, &campaignRig{db: sr.db, trace: sr.trace}, r, o, "run2", syncFirst, false, 0)
			r.RunUntil(epoch.Add(2 * time.Minute))

			want := map[string]string{
				"poll":   "done completed map[recommend:5 satisfaction:4]",
				"notice": "done completed map[]",
				"memo":   "done completed map[]",
			}
			for name, w := range want {
				if err := sr.db.CampaignLeads(name, func(l campaign.Lead) bool {
					if got := fmt.Sprintf("%s %s %v", l.State, l.Disposition, l.Answers); got != w || l.Attempts != 1 || !l.AbandonedAt.IsZero() {
						t.Errorf("lead of %s: %s, %d attempts, abandoned at %v; want %s, one attempt, never abandoned\n%s", name, got, l.Attempts, l.AbandonedAt, w, sr.trace)
					}
					return true
				}); err != nil {
					t.Fatal(err)
				}
				var st CampaignStats
				var state string
				r.Do(func(c *Core, now time.Time) error {
					st, state = c.camps[name].stats, string(c.camps[name].state)
					return nil
				})
				if st.Abandoned != 0 || st.Answered != 1 || state != "running" {
					t.Errorf("campaign %s %s, counts %+v; want running, one answer, none abandoned", name, state, st)
				}
			}
			var toAgent bool
			for rec, err := range sr.db.Calls(store.Filter{}) {
				if err != nil {
					t.Fatal(err)
				}
				if hasStep(rec, "safe-harbour", "") {
					t.Errorf("record of %s heard the safe-harbour message: %+v", rec.Called, rec.Timeline)
				}
				toAgent = toAgent || rec.Called == "+3314000003" && rec.Agent == "a1"
			}
			if !toAgent {
				t.Errorf("the notification's lead who pressed 1 after the restart did not reach a1\n%s", sr.trace)
			}
			if w := r.Core.Warnings(); w["illegal-transition"]+w["store"]+w["flow-action"] > 0 {
				t.Errorf("warnings %v\n%s", w, sr.trace)
			}
		})
	}
}

// TestSurveyQuestionGivenUp: a survey's question with no fallback node ends
// the call once its retries are spent (a survey may mean that), but the
// lead who keyed nothing did not reach the flow's end: partial, not
// completed, as a lead who hangs up halfway.
func TestSurveyQuestionGivenUp(t *testing.T) {
	phones := map[string]farend.Phone{
		"+3314000001": {Mode: farend.PhoneAnswer, AnswerDelay: time.Second, HangupAfter: 5 * time.Minute},
		"+3314000002": {Mode: farend.PhoneAnswer, AnswerDelay: time.Second, DTMF: "4", DTMFDelay: 2 * time.Second, HangupAfter: 5 * time.Minute},
	}
	sr := runSurvey(t, surveyConfig, Options{}, phones, []campaign.Lead{{Campaign: "poll", Phone: "+3314000001"}, {Campaign: "poll", Phone: "+3314000002"}}, 3*time.Minute)
	want := map[string]string{"+3314000001": "done partial map[]", "+3314000002": "done partial map[satisfaction:4]"}
	if err := sr.db.CampaignLeads("poll", func(l campaign.Lead) bool {
		if got := fmt.Sprintf("%s %s %v", l.State, l.Disposition, l.Answers); got != want[l.Phone] {
			t.Errorf("lead %s: %s; want %s\n%s", l.Phone, got, want[l.Phone], sr.trace)
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
}

// TestSurveyEndsAroundRestart: a survey's call that ends while Hotline is
// down, or in the moments after it comes back but before the campaigns
// are resumed, was never waiting for an agent: its lead keeps the answers
// it gave and is done, partial when it hung up halfway and completed when
// the flow ran to its end, never abandoned (nor called again in 72 hours).
func TestSurveyEndsAroundRestart(t *testing.T) {
	cases := []struct {
		name        string
		phone       farend.Phone
		crash, back time.Duration
		gap         time.Duration
		syncFirst   bool
		want        string
	}{
		{"hangs up while down, sync last", farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: time.Second, DTMF: "4", DTMFDelay: time.Second, HangupAfter: 3 * time.Second}, 3500 * time.Millisecond, 10 * time.Second, 0, false, "done partial map[satisfaction:4]"},
		{"hangs up while down, sync first", farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: time.Second, DTMF: "4", DTMFDelay: time.Second, HangupAfter: 3 * time.Second}, 3500 * time.Millisecond, 10 * time.Second, 0, true, "done partial map[satisfaction:4]"},
		{"flow ends before the campaigns resume", farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: time.Second, DTMF: "45", DTMFDelay: 5 * time.Second, HangupAfter: time.Minute}, 2500 * time.Millisecond, 3 * time.Second, 20 * time.Second, true, "done completed map[recommend:5 satisfaction:4]"},
		{"hangs up before the campaigns resume", farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: time.Second, DTMF: "4", DTMFDelay: 3 * time.Second, HangupAfter: 5 * time.Second}, 2500 * time.Millisecond, 3 * time.Second, 10 * time.Second, true, "done partial map[satisfaction:4]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			phones := map[string]farend.Phone{"+3314000001": tc.phone}
			sr := runSurvey(t, surveyConfig, Options{IDPrefix: "run1"}, phones, []campaign.Lead{{Campaign: "poll", Phone: "+3314000001"}}, 0)
			r := sr.r
			first := r.Core
			r.Core.out = runOutputs{r: r, core: &first}
			r.RunUntil(epoch.Add(tc.crash))
			if st := r.Core.Status(r.Clock.Now()); len(st.Calls) != 1 {
				t.Fatalf("calls at the crash: %+v; want the lead answered\n%s", st.Calls, sr.trace)
			}
			o := r.Core.opts
			kill(t, r)
			r.RunUntil(epoch.Add(tc.back))
			restartGap(t, &campaignRig{db: sr.db, trace: sr.trace}, r, o, "run2", tc.syncFirst, false, tc.gap)
			r.RunUntil(epoch.Add(2 * time.Minute))
			if err := sr.db.CampaignLeads("poll", func(l campaign.Lead) bool {
				if got := fmt.Sprintf("%s %s %v", l.State, l.Disposition, l.Answers); got != tc.want || l.Attempts != 1 || !l.AbandonedAt.IsZero() {
					t.Errorf("lead: %s, %d attempts, abandoned at %v; want %s, one attempt, never abandoned\n%s", got, l.Attempts, l.AbandonedAt, tc.want, sr.trace)
				}
				return true
			}); err != nil {
				t.Fatal(err)
			}
			var st CampaignStats
			r.Do(func(c *Core, now time.Time) error { st = c.camps["poll"].stats; return nil })
			if st.Abandoned != 0 {
				t.Errorf("campaign counts %+v; want none abandoned", st)
			}
		})
	}
}
