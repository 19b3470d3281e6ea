package engine

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/store"
)

const surveyConfig = `
store: {path: unused.db}
pbx: {type: sim}
queues:
  - {name: people, wrap_up: 1s, ring_timeout: 10s}
agents:
  - {id: a1, endpoint: sim/a1, queues: [{queue: people}]}
flows:
  poll:
    start: q1
    nodes:
      q1: {kind: collect, prompt: [sound:rate-us], var: satisfaction, length: 1, timeout: 5s, next: q2}
      q2: {kind: collect, prompt: [sound:recommend], var: recommend, length: 1, timeout: 5s, next: bye}
      bye: {kind: hangup, prompt: [sound:thanks]}
  notice:
    start: tell
    nodes:
      tell:
        kind: menu
        prompt: [sound:your-order-shipped, sound:press-1-for-someone]
        timeout: 4s
        options: {"1": {queue: people}, "9": {node: optout}}
        default: {message: [sound:goodbye]}
      optout: {kind: set, vars: {do_not_call: "yes"}, next: bye}
      bye: {kind: hangup, prompt: [sound:you-will-not-be-called]}
campaigns:
  - name: poll
    kind: survey
    flow: poll
    endpoint: sim/{number}
    max_dials: 2
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    lead_hours: "00:00-24:00"
  - name: notice
    kind: notification
    flow: notice
    endpoint: sim/{number}
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    lead_hours: "00:00-24:00"
`

// surveyRun is a run of flow campaigns on the simulator, on a store.
type surveyRun struct {
	db    *store.DB
	r     *SimRun
	trace *strings.Builder
}

// runSurvey imports leads, sets the phones (by number, or by sim
// endpoint), logs agents in, starts every configured campaign and runs
// for d. opts adds to the core's options.
func runSurvey(t *testing.T, cfgText string, opts Options, phones map[string]farend.Phone, leads []campaign.Lead, d time.Duration, agents ...string) *surveyRun {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "hotline.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.ImportLeads(leads); err != nil {
		t.Fatal(err)
	}
	trace := &strings.Builder{}
	opts.Config, opts.Store, opts.Seed = parseConfig(t, cfgText), db, 1
	opts.Trace = func(now time.Time, line string) { fmt.Fprintf(trace, "%s %s\n", now.Format("15:04:05.000"), line) }
	r, err := NewSimRun(SimOptions{Core: opts, Start: epoch, Sim: sim.Options{Seed: 1, Latency: 20 * time.Millisecond, PromptLength: 2 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	for p, ph := range phones {
		if !strings.HasPrefix(p, "sim/") {
			p = "sim/" + p
		}
		if err := r.Switch.SetPhone(p, ph); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Login(agents...); err != nil {
		t.Fatal(err)
	}
	for _, k := range opts.Config.Campaigns {
		if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, k.Name) }); err != nil {
			t.Fatal(err)
		}
	}
	r.ServeLeads(db, time.Second)
	r.RunUntil(epoch.Add(d))
	return &surveyRun{db: db, r: r, trace: trace}
}

// TestSurveyAndNotificationFlows: a survey's answered leads go through its
// flow and their keyed answers are kept on the lead (a lead who hangs up
// halfway keeps what it answered, as partial); a notification's flow says
// its message and puts a lead who presses 1 through to an agent; one who
// presses 9 is never called again.
func TestSurveyAndNotificationFlows(t *testing.T) {
	phones := map[string]farend.Phone{
		"+3314000001": {Mode: farend.PhoneAnswer, AnswerDelay: time.Second, DTMF: "45", DTMFDelay: 2 * time.Second, HangupAfter: time.Minute},
		"+3314000002": {Mode: farend.PhoneAnswer, AnswerDelay: time.Second, DTMF: "2", DTMFDelay: 2 * time.Second, HangupAfter: 4 * time.Second},
		"+3314000003": {Mode: farend.PhoneAnswer, AnswerDelay: time.Second, DTMF: "1", DTMFDelay: 2 * time.Second, HangupAfter: time.Minute},
		"+3314000004": {Mode: farend.PhoneAnswer, AnswerDelay: time.Second, HangupAfter: time.Minute},
		"+3314000005": {Mode: farend.PhoneAnswer, AnswerDelay: time.Second, DTMF: "9", DTMFDelay: 2 * time.Second, HangupAfter: time.Minute},
		"sim/a1":      {Mode: farend.PhoneAnswer, AnswerDelay: 500 * time.Millisecond, HangupAfter: 5 * time.Second},
	}
	leads := []campaign.Lead{
		{Campaign: "poll", Phone: "+3314000001"}, {Campaign: "poll", Phone: "+3314000002"},
		{Campaign: "notice", Phone: "+3314000003"}, {Campaign: "notice", Phone: "+3314000004"}, {Campaign: "notice", Phone: "+3314000005"},
	}
	sr := runSurvey(t, surveyConfig, Options{}, phones, leads, 3*time.Minute, "a1")
	db, r, trace := sr.db, sr.r, sr.trace

	got := map[string]campaign.Lead{}
	for _, camp := range []string{"poll", "notice"} {
		if err := db.CampaignLeads(camp, func(l campaign.Lead) bool { got[l.Phone] = l; return true }); err != nil {
			t.Fatal(err)
		}
	}
	check := func(phone string, state campaign.LeadState, disposition string, answers map[string]string) {
		t.Helper()
		l := got[phone]
		if l.State != state || l.Disposition != disposition || fmt.Sprint(l.Answers) != fmt.Sprint(answers) {
			t.Errorf("lead %s: %s %q answers %v; want %s %q %v", phone, l.State, l.Disposition, l.Answers, state, disposition, answers)
		}
	}
	check("+3314000001", campaign.Done, "completed", map[string]string{"satisfaction": "4", "recommend": "5"})
	check("+3314000002", campaign.Done, "partial", map[string]string{"satisfaction": "2"})
	check("+3314000003", campaign.Done, "completed", nil)
	check("+3314000004", campaign.Done, "completed", nil)
	check("+3314000005", campaign.DoNotCall, "do_not_call", map[string]string{"do_not_call": "yes"})
	if list, blocked, err := db.Blocked("+3314000005", "notice"); !blocked || list != "notice" || err != nil {
		t.Errorf("the lead who pressed 9: on list %q %v %v; want the campaign's do-not-call list", list, blocked, err)
	}
	var toAgent, heard bool
	for rec, err := range db.Calls(store.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		if rec.Called == "+3314000003" && rec.Agent == "a1" {
			toAgent = true
		}
		if rec.Called == "+3314000004" && rec.Agent == "" && hasStep(rec, "menu-default", "") {
			heard = true
		}
		if rec.Called == "+3314000002" && (rec.Outcome != acd.OutcomeSelfService || !hasStep(rec, "caller-hangup", "flow") || hasStep(rec, "abandon", "")) {
			// Hung up halfway through the survey: no abandon of Hotline's.
			t.Errorf("the lead who hung up in the survey: outcome %s, timeline %v; want self-service, caller-hangup, no abandon", rec.Outcome, rec.Timeline)
		}
	}
	if !toAgent || !heard {
		t.Errorf("notification: pressed 1 reached a1 %v, the other heard it out %v\n%s", toAgent, heard, trace)
	}
	for _, st := range r.Core.Campaigns(r.Clock.Now()) {
		// As the campaigns report: the lead put through to a1 is connected.
		if want := map[string]int{"poll": 0, "notice": 1}[st.Name]; st.Stats.Connected != want || st.Stats.Abandoned != 0 {
			t.Errorf("campaign %s counts %+v; want %d connected, none abandoned", st.Name, st.Stats, want)
		}
	}
	if w := r.Core.Warnings(); w["illegal-transition"]+w["store"]+w["flow-action"] > 0 {
		t.Errorf("warnings %v\n%s", w, trace)
	}
}

// TestSurveyRestartLostLiveRecord: Hotline dies while an answered survey
// lead is in the flow, before the live record of its call was saved (a kill
// between the answer's write and that record's), and comes back while the
// switch still holds the call. Where the lead was in the flow went with the
// record: the flow starts over on the live call, not a hang-up and a new
// attempt; the lead answers both questions, keeps the answer it had from
// before, and is done, one attempt, one record.
func TestSurveyRestartLostLiveRecord(t *testing.T) {
	phone := "+3314000001"
	phones := map[string]farend.Phone{phone: {Mode: farend.PhoneAnswer, AnswerDelay: time.Second, DTMF: "45", DTMFDelay: 4 * time.Second, HangupAfter: time.Minute}}
	leads := []campaign.Lead{{Campaign: "poll", Phone: phone, Answers: map[string]string{"region": "north"}}}
	sr := runSurvey(t, surveyConfig, Options{IDPrefix: "run1"}, phones, leads, 0)
	r := sr.r
	first := r.Core
	r.Core.out = runOutputs{r: r, core: &first}
	r.RunUntil(epoch.Add(2500 * time.Millisecond))
	st := r.Core.Status(r.Clock.Now())
	if len(st.Calls) != 1 {
		t.Fatalf("calls at the crash: %+v; want the lead in the flow\n%s", st.Calls, sr.trace)
	}
	o := r.Core.opts
	kill(t, r)
	if err := sr.db.Write([]store.Op{store.DeleteActive(st.Calls[0].ID)}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(3 * time.Second))
	restartGap(t, &campaignRig{db: sr.db, trace: sr.trace}, r, o, "run2", false, false, 0)
	r.RunUntil(epoch.Add(2 * time.Minute))

	var got campaign.Lead
	if err := sr.db.CampaignLeads("poll", func(l campaign.Lead) bool { got = l; return true }); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"region": "north", "satisfaction": "4", "recommend": "5"}
	if got.State != campaign.Done || got.Disposition != "completed" || got.Attempts != 1 || fmt.Sprint(got.Answers) != fmt.Sprint(want) {
		t.Errorf("lead after the restart: %s %q, %d attempts, answers %v; want done, completed, one attempt, %v\n%s", got.State, got.Disposition, got.Attempts, got.Answers, want, sr.trace)
	}
	var recs []store.CallRecord
	for rec, err := range sr.db.Calls(store.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	if len(recs) != 1 || !hasStep(recs[0], "lead-readopted", "") {
		t.Errorf("records %+v; want the one call, taken up again", recs)
	}
	if w := r.Core.Warnings(); w["illegal-transition"]+w["store"]+w["flow-action"] > 0 {
		t.Errorf("warnings %v\n%s", w, sr.trace)
	}
}

// TestSurveyRestartUnattendedAnswer: a survey's, a notification flow's and
// a notification message's leads left Dialing answer while Hotline is down
// and the switch, with no application to hand them to, notes the answers
// and ends the calls itself (pbx.UnattendedReader), playing the message
// itself. Started again, Hotline counts each an answer, not a failed
// attempt, and not an abandon either (no agent was waited for), one
// attempt, its one record a self-service call that says the switch took
// the answer. The message was heard: that lead is done, completed. The
// others heard nothing of their flow: called again (unattended) after the
// campaign's delay, not ended as partial.
func TestSurveyRestartUnattendedAnswer(t *testing.T) {
	phones := map[string]farend.Phone{
		"+3314000001": {Mode: farend.PhoneAnswer, AnswerDelay: 20 * time.Second, HangupAfter: time.Minute},
		"+3314000003": {Mode: farend.PhoneAnswer, AnswerDelay: 20 * time.Second, HangupAfter: time.Minute},
		"+3314000005": {Mode: farend.PhoneAnswer, AnswerDelay: 20 * time.Second, HangupAfter: time.Minute},
	}
	leads := []campaign.Lead{{Campaign: "poll", Phone: "+3314000001"}, {Campaign: "notice", Phone: "+3314000003"}, {Campaign: "memo", Phone: "+3314000005"}}
	cfg := surveyConfig + `  - name: memo
    kind: notification
    message: [sound:your-order-shipped]
    endpoint: sim/{number}
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    lead_hours: "00:00-24:00"
    retry: {unattended: 2h}
`
	sr := runSurvey(t, cfg, Options{IDPrefix: "run1"}, phones, leads, 2*time.Second)
	r := sr.r
	o := r.Core.opts
	kill(t, r)
	hangUpAll(t, r, pbx.CauseNormal)
	r.RunUntil(epoch.Add(time.Minute))

	now := r.Clock.Now()
	left, err := ReadLeftovers(sr.db, o.Config, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(left.Records) != 3 {
		t.Fatalf("%d leads dialing at the crash; want all three\n%s", len(left.Records), sr.trace)
	}
	left.Unattended = map[pbx.ChannelID]pbx.UnattendedEnd{}
	for _, rec := range left.Records {
		left.Unattended[pbx.ChannelID(rec.Channel)] = pbx.UnattendedEnd{At: rec.Entered.Add(5 * time.Second)}
	}
	camps, err := ReadCampaigns(sr.db, o.Config, now)
	if err != nil {
		t.Fatal(err)
	}
	o.IDPrefix = "run2"
	c, err := NewCore(o, now)
	if err != nil {
		t.Fatal(err)
	}
	r.Core = c
	if err := r.Do(func(c *Core, now time.Time) error { c.ResumeCampaigns(now, camps, left, pbx.Snapshot{}); return nil }); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"poll", "notice", "memo"} {
		var st CampaignStats
		r.Do(func(c *Core, now time.Time) error { st = c.camps[name].stats; return nil })
		if st.Dialed != 1 || st.Answered != 1 || st.Abandoned != 0 || st.Failed != 0 {
			t.Errorf("campaign %s counts %+v; want one dial answered, none abandoned or failed", name, st)
		}
	}
	for rec, err := range sr.db.Calls(store.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		if rec.Outcome != acd.OutcomeSelfService || !hasStep(rec, "lead-answered", "") || !hasStep(rec, "settled-at-restart", "") {
			t.Errorf("record of %s: %s, timeline %+v; want self-service, answered, settled at the restart", rec.Called, rec.Outcome, rec.Timeline)
		}
	}
	for _, name := range []string{"poll", "notice", "memo"} {
		if err := sr.db.CampaignLeads(name, func(l campaign.Lead) bool {
			var answered time.Time
			for _, rec := range left.Records {
				if rec.Called == l.Phone {
					answered = left.Unattended[pbx.ChannelID(rec.Channel)].At
				}
			}
			switch {
			case name == "memo" && (l.State != campaign.Done || l.Disposition != "completed" || l.LastOutcome != campaign.Human || l.Attempts != 1):
				t.Errorf("lead %s of %s: %s %q, last %s, %d attempts; want done, completed (it heard the message), one attempt", l.Phone, name, l.State, l.Disposition, l.LastOutcome, l.Attempts)
			case name != "memo" && (l.State != campaign.Scheduled || l.Disposition != "" || l.LastOutcome != campaign.Unattended || l.Attempts != 1 || !l.NextAttempt.Equal(answered.Add(time.Hour))):
				t.Errorf("lead %s of %s: %s %q, last %s, %d attempts, next %v; want scheduled an hour after its answer (%v), unattended, one attempt", l.Phone, name, l.State, l.Disposition, l.LastOutcome, l.Attempts, l.NextAttempt, answered)
			}
			return true
		}); err != nil {
			t.Fatal(err)
		}
	}
	if w := c.Warnings(); w["illegal-transition"]+w["store"] > 0 {
		t.Errorf("warnings %v\n%s", w, sr.trace)
	}
}

// TestSurveyRestartAnsweredWhileDownGoesOn: a survey's lead that rang when
// Hotline died and answered while it was down, its call still up on the
// switch at the restart (a switch that keeps it for Hotline, as FreeSWITCH
// parks it), is an answer: the flow runs on the live call and the lead
// answers both questions, done, one attempt, one record, nothing failed.
func TestSurveyRestartAnsweredWhileDownGoesOn(t *testing.T) {
	phone := "+3314000001"
	phones := map[string]farend.Phone{phone: {Mode: farend.PhoneAnswer, AnswerDelay: 3 * time.Second, DTMF: "45", DTMFDelay: 5 * time.Second, HangupAfter: time.Minute}}
	sr := runSurvey(t, surveyConfig, Options{IDPrefix: "run1"}, phones, []campaign.Lead{{Campaign: "poll", Phone: phone}}, 2*time.Second)
	r := sr.r
	o := r.Core.opts
	kill(t, r)
	r.RunUntil(epoch.Add(5 * time.Second))
	restartGap(t, &campaignRig{db: sr.db, trace: sr.trace}, r, o, "run2", false, false, 0)
	r.RunUntil(epoch.Add(2 * time.Minute))

	var got campaign.Lead
	if err := sr.db.CampaignLeads("poll", func(l campaign.Lead) bool { got = l; return true }); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"satisfaction": "4", "recommend": "5"}
	if got.State != campaign.Done || got.Disposition != "completed" || got.Attempts != 1 || fmt.Sprint(got.Answers) != fmt.Sprint(want) {
		t.Errorf("lead after the restart: %s %q, %d attempts, answers %v; want done, completed, one attempt, %v\n%s", got.State, got.Disposition, got.Attempts, got.Answers, want, sr.trace)
	}
	var st CampaignStats
	r.Do(func(c *Core, now time.Time) error { st = c.camps["poll"].stats; return nil })
	if st.Answered != 1 || st.Failed != 0 {
		t.Errorf("counts %+v; want the dial answered, none failed", st)
	}
}

// TestLeadNotReachedNamesCause: a dial the switch failed with a cause that
// says more than its reason (congestion behind unreachable) is a failed
// attempt whose record's not-reached step names that cause; a busy one is
// busy, its step plain.
func TestLeadNotReachedNamesCause(t *testing.T) {
	phones := map[string]farend.Phone{
		"+3314000001": {Mode: farend.PhoneNoAnswer},
		"+3314000002": {Mode: farend.PhoneNoAnswer},
	}
	leads := []campaign.Lead{{Campaign: "poll", Phone: "+3314000001"}, {Campaign: "poll", Phone: "+3314000002"}}
	sr := runSurvey(t, surveyConfig, Options{}, phones, leads, 2*time.Second)
	r := sr.r
	causes := map[string]pbx.Cause{"+3314000001": pbx.CauseCongestion, "+3314000002": pbx.CauseBusy}
	if err := r.Do(func(c *Core, now time.Time) error {
		for _, d := range c.camps["poll"].dials {
			cause := causes[d.lead.Phone]
			c.Handle(now, pbx.OriginateFailed{Base: pbx.Base{Channel: d.ch, At: now}, Reason: pbx.ReasonForCause(cause), Cause: cause})
			c.Handle(now, pbx.HungUp{Base: pbx.Base{Channel: d.ch, At: now}, Cause: cause})
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"+3314000001": "unreachable (congestion)", "+3314000002": "busy"}
	n := 0
	for rec, err := range sr.db.Calls(store.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if w := want[rec.Called]; rec.Outcome != acd.OutcomeFailed || !slices.ContainsFunc(rec.Timeline, func(s store.Step) bool { return s.Kind == "not-reached" && s.Detail == w }) {
			t.Errorf("record of %s: %s, timeline %+v; want failed, not reached: %s", rec.Called, rec.Outcome, rec.Timeline, w)
		}
	}
	var st CampaignStats
	r.Do(func(c *Core, now time.Time) error { st = c.camps["poll"].stats; return nil })
	if n != 2 || st.Failed != 1 || st.Busy != 1 {
		t.Errorf("%d records, counts %+v; want two, one failed and one busy", n, st)
	}
}
