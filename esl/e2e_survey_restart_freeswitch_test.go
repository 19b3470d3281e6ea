package esl_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/internal/campaigncheck"
)

// fsPollFlow is a survey's flow of two questions answered with keys, each
// prompt hello-world.
const fsPollFlow = `
flows:
  poll:
    start: q1
    nodes:
      q1: {kind: collect, prompt: [sound:hello-world], var: satisfaction, length: 1, timeout: 6s, retries: 0, next: q2}
      q2: {kind: collect, prompt: [sound:hello-world], var: recommend, length: 1, timeout: 6s, retries: 0, next: bye}
      bye: {kind: hangup, prompt: [sound:hello-world]}
`

// fsKeyer answers and keys 4 every 2.5 s (+3399... in hotline-test-lead).
const fsKeyer fsLeadKind = "keyer"

// TestFreeSWITCHE2ESurveyRestartLostLiveRecord: Hotline is killed while an
// answered survey lead is in the flow on real FreeSWITCH, and the live
// record of its call is taken out of the store, as a kill between the
// answer's write and that record's leaves it. Started again, Hotline does
// not hang the parked lead up for a new attempt: the flow starts over on
// the live call and the lead answers both questions and is done; one
// attempt, one record, taken up again.
func TestFreeSWITCHE2ESurveyRestartLostLiveRecord(t *testing.T) {
	s := newScenario(t, "park", fsPollFlow+`
campaigns:
  - name: drive
    kind: survey
    flow: poll
    endpoint: "[hltest_run=@TAG@]loopback/{number}/hotline-test-lead"
    ring_timeout: 5s
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    lead_hours: "00:00-24:00"
`)
	path, phones := fsStartLeads(t, s, fsKeyer)
	phone := phones[0]
	var call engine.CallStatus
	s.eventually(15*time.Second, "the lead answers into the flow", func() bool {
		var st engine.Status
		if !s.getJSON("/api/v1/status", &st) || len(st.Calls) != 1 || st.Calls[0].Phase != "menu" {
			return false
		}
		call = st.Calls[0]
		return true
	})
	s.committed()
	s.d.kill()
	if err := campaigncheck.DropLive(path, call.ID); err != nil {
		t.Fatal(err)
	}
	s.start()
	rec := s.recordEnded(45*time.Second, "the survey over", call.ID)
	var st []engine.CampaignStatus
	if !s.getJSON("/api/v1/campaigns", &st) || len(st) != 1 {
		t.Fatal("no campaign status")
	}
	s.d.stop()

	leads, dials, err := campaigncheck.Read(path, "drive")
	if err != nil {
		t.Fatal(err)
	}
	l := leads[phone]
	want := map[string]string{"satisfaction": "4", "recommend": "4"}
	if l.State != campaign.Done || l.Disposition != "completed" || l.Attempts != 1 || fmt.Sprint(l.Answers) != fmt.Sprint(want) {
		t.Errorf("lead %s: %s %q after %d attempts, answers %v; want done, completed, one attempt, %v", phone, l.State, l.Disposition, l.Attempts, l.Answers, want)
	}
	if len(dials[phone]) != 1 || campaigncheck.StepAt(rec, "lead-readopted").IsZero() {
		t.Errorf("lead %s: %d records, timeline %+v; want one record, its call taken up again", phone, len(dials[phone]), rec.Timeline)
	}
	if c := st[0].Stats; c.Dialed != 1 || c.Answered != 1 || c.Failed != 0 {
		t.Errorf("campaign counts %+v; want one dial, answered", c)
	}
}
