package ari_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/internal/campaigncheck"
	"github.com/hotline-cc/hotline/store"
)

// TestAsteriskE2ESurveyRestartLostLiveRecord: Hotline is killed while an
// answered survey lead (a Local channel that keys 4 after every prompt it
// hears) is in the flow, and the live record of its call is taken out of
// the store, as a kill between the answer's write and that record's leaves
// it. Started again, Hotline does not hang the lead up for a new attempt:
// the flow starts over on the live call, the lead answers both questions,
// keeps the answer it had from before, and is done; one attempt, one
// record, taken up again.
func TestAsteriskE2ESurveyRestartLostLiveRecord(t *testing.T) {
	phone := fmt.Sprintf("+3399%d00001", os.Getpid()%10)
	s, path := e2eSurveyStart(t, []campaign.Lead{{Campaign: "poll", Phone: phone, Answers: map[string]string{"region": "north"}}})
	var call engine.CallStatus
	s.eventually(15*time.Second, "the lead answers into the flow", func() (bool, string) {
		calls := s.status().Calls
		if len(calls) == 1 && calls[0].Phase == "menu" {
			call = calls[0]
			return true, ""
		}
		return false, fmt.Sprintf("calls %+v", calls)
	})
	s.durable()
	s.d.kill(t)
	if err := campaigncheck.DropLive(path, call.ID); err != nil {
		t.Fatal(err)
	}
	s.start()
	rec := s.recordEnded(45*time.Second, "the survey over", call.ID)
	var st []engine.CampaignStatus
	s.getJSON("/api/v1/campaigns", &st)
	s.d.stop(t)

	leads, dials, err := campaigncheck.Read(path, "poll")
	if err != nil {
		t.Fatal(err)
	}
	l := leads[phone]
	want := map[string]string{"region": "north", "satisfaction": "4", "recommend": "4"}
	if l.State != campaign.Done || l.Disposition != "completed" || l.Attempts != 1 || fmt.Sprint(l.Answers) != fmt.Sprint(want) {
		t.Errorf("lead %s: %s %q after %d attempts, answers %v; want done, completed, one attempt, %v", phone, l.State, l.Disposition, l.Attempts, l.Answers, want)
	}
	if len(dials[phone]) != 1 || !e2eHasStep(rec, "lead-readopted", "") {
		t.Errorf("lead %s: %d records, timeline %+v; want one record, its call taken up again", phone, len(dials[phone]), rec.Timeline)
	}
	if c := st[0].Stats; c.Dialed != 1 || c.Answered != 1 || c.Failed != 0 {
		t.Errorf("campaign counts %+v; want one dial, answered", c)
	}
}

// e2eSurveyStart imports leads into a new "survey" scenario's store, starts
// the daemon and the poll campaign; it returns the scenario and its
// store's path.
func e2eSurveyStart(t *testing.T, leads []campaign.Lead) (*e2eScenario, string) {
	t.Helper()
	s := newE2E(t, "survey", nil, "")
	path := filepath.Join(s.dir, "hotline.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportLeads(leads); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s.start()
	resp, err := http.Post(s.d.api+"/api/v1/campaigns/poll/start", "application/json", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("start the campaign: %v %v", resp, err)
	}
	resp.Body.Close()
	return s, path
}

// TestAsteriskE2ESurveyAnsweredWhileDown: Hotline is killed while a survey's
// lead rings (a Local channel that answers 3 s after its dial); it answers
// while Hotline is down. The lead context takes the answer (nothing to
// play: the campaign has no safe-harbour message), notes it and hangs up.
// Started again, Hotline counts the attempt as answered, not failed, and
// the lead, which heard nothing of the survey, is called again later
// (unattended), one attempt, one record.
func TestAsteriskE2ESurveyAnsweredWhileDown(t *testing.T) {
	phone := fmt.Sprintf("+3390%d00001", os.Getpid()%10)
	s, path := e2eSurveyStart(t, []campaign.Lead{{Campaign: "poll", Phone: phone}})
	rec := s.leadRings(phone)
	s.durable()
	s.d.kill(t)
	s.eventually(20*time.Second, "the lead answers and the switch ends the call", func() (bool, string) {
		return !s.ast.hasChannel(t, rec.Channel), "channel " + rec.Channel + " still up"
	})
	s.start()
	rec = s.recordEnded(10*time.Second, "the attempt settled", rec.ID)
	var st []engine.CampaignStatus
	s.getJSON("/api/v1/campaigns", &st)
	s.d.stop(t)

	leads, dials, err := campaigncheck.Read(path, "poll")
	if err != nil {
		t.Fatal(err)
	}
	l := leads[phone]
	if l.State != campaign.Scheduled || l.Disposition != "" || l.LastOutcome != campaign.Unattended || l.Attempts != 1 || len(dials[phone]) != 1 {
		t.Errorf("lead %s: %s %q, last %s after %d attempts, %d records; want scheduled again, unattended, one attempt, one record", phone, l.State, l.Disposition, l.LastOutcome, l.Attempts, len(dials[phone]))
	}
	if rec.Outcome != acd.OutcomeSelfService || !e2eHasStep(rec, "lead-answered", "") {
		t.Errorf("record %s, timeline %+v; want self-service, its answer in it", rec.Outcome, rec.Timeline)
	}
	if c := st[0].Stats; c.Dialed != 1 || c.Answered != 1 || c.Failed != 0 || c.Abandoned != 0 {
		t.Errorf("campaign counts %+v; want one dial, answered, none failed or abandoned", c)
	}
}

// TestAsteriskE2ESurveyAnsweredWhileDownInDetection: Hotline is killed
// while a survey's answered lead (a person) is in answering-machine
// detection; detection ends while Hotline is down, the person goes to the
// lead context's unattended extension (noted, nothing to play) and is hung
// up. Started again, Hotline counts the attempt as answered, not failed,
// and calls the lead again later (unattended).
func TestAsteriskE2ESurveyAnsweredWhileDownInDetection(t *testing.T) {
	phone := fmt.Sprintf("+3391%d00002", os.Getpid()%10)
	s, path := e2eSurveyStart(t, []campaign.Lead{{Campaign: "pollamd", Phone: phone}})
	resp, err := http.Post(s.d.api+"/api/v1/campaigns/pollamd/start", "application/json", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("start the campaign: %v %v", resp, err)
	}
	resp.Body.Close()
	watch := watchDialplan(t, s.ast, fmt.Sprintf("survey-detection-watch-%d", time.Now().UnixNano()))
	rec := s.inDetection(watch, phone)
	s.d.kill(t)
	s.eventually(20*time.Second, "detection over and the switch ends the call", func() (bool, string) {
		return !s.ast.hasChannel(t, rec.Channel), "channel " + rec.Channel + " still up"
	})
	s.start()
	rec = s.recordEnded(10*time.Second, "the attempt settled", rec.ID)
	s.d.stop(t)

	leads, _, err := campaigncheck.Read(path, "pollamd")
	if err != nil {
		t.Fatal(err)
	}
	if l := leads[phone]; l.State != campaign.Scheduled || l.Disposition != "" || l.LastOutcome != campaign.Unattended || l.Attempts != 1 {
		t.Errorf("lead %s: %s %q, last %s after %d attempts; want scheduled again, unattended, one attempt", phone, l.State, l.Disposition, l.LastOutcome, l.Attempts)
	}
	if rec.Outcome != acd.OutcomeSelfService || !e2eHasStep(rec, "lead-answered", "") {
		t.Errorf("record %s, timeline %+v; want self-service, its answer in it", rec.Outcome, rec.Timeline)
	}
}
