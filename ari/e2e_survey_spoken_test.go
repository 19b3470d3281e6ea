package ari_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/speech"
	"github.com/hotline-cc/hotline/acd/speech/speechtest"
	"github.com/hotline-cc/hotline/internal/surveytest"
)

// TestAsteriskE2ESurveySpoken: a survey campaign on real Asterisk whose
// lead ([hotline-leads] spoken) answers by voice. The lead hears each
// question and its beep, says "four stars" to the first, keys 2 to the
// second and says "yes, definitely" to the third, in one call; Asterisk
// records each utterance until silence, Hotline sends it to the test's
// recognizer (which refuses anything but a WAV with voice in it), and
// the lead keeps each answer's value, what was heard and how well it
// matched: in the API while the daemon runs and in the store after.
func TestAsteriskE2ESurveySpoken(t *testing.T) {
	if err := speech.CheckTools(); err != nil {
		t.Skip(err)
	}
	s := newE2E(t, "survey-spoken", nil, "")
	phone := fmt.Sprintf("+3396%05d1", os.Getpid()%100000)

	// The answers, rendered where the lead's dialplan plays them from.
	dir := filepath.Join(s.ast.root, "tmp", "hotline-lead-"+phone)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	levels := surveytest.Answers(t, dir)
	tr := &speechtest.Transcriber{Model: "hotline-test"}
	tr.Learn(levels)
	recognizer := httptest.NewServer(tr)
	t.Cleanup(recognizer.Close)
	t.Cleanup(func() { // a lead left talking by a failed test
		for _, ch := range s.ast.channelsTagged(t, phone) {
			_ = s.ast.do(context.Background(), http.MethodDelete, "/channels/"+ch.ID, nil, nil, nil)
		}
	})

	s.fillConfig("@PROMPTS@", filepath.Join(s.dir, "prompts"), "@PROMPTURL@", "http://"+s.listen+"/prompts/", "@RECOGNIZER@", recognizer.URL)
	path := filepath.Join(s.dir, "hotline.db")
	surveytest.Seed(t, path, phone)
	s.start()
	resp, err := http.Post(s.d.api+"/api/v1/campaigns/"+surveytest.Campaign+"/start", "application/json", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("start the campaign: %v %v", resp, err)
	}
	resp.Body.Close()
	var shown []campaign.Lead
	s.eventually(60*time.Second, "the survey over and its lead saved", func() (bool, string) {
		var list []engine.CampaignStatus
		s.getJSON("/api/v1/campaigns", &list)
		if len(list) != 1 {
			return false, fmt.Sprintf("%d campaigns", len(list))
		}
		st := list[0]
		if st.Stats.Dialed != 1 || st.Ringing != 0 || st.Live != 0 {
			return false, fmt.Sprintf("%+v", st)
		}
		// The campaign counts the call over before its lead is written.
		shown = nil
		s.getJSON("/api/v1/campaigns/"+surveytest.Campaign+"/leads", &shown)
		return len(shown) == 1 && shown[0].State != campaign.Dialing && shown[0].State != campaign.Answered, fmt.Sprintf("leads %+v", shown)
	})
	surveytest.CheckLead(t, "the API", shown[0])
	var steps string
	for _, r := range s.records() {
		if r.Direction == acd.DirectionOutbound && r.Called == phone {
			steps = e2eSteps(r)
		}
	}
	surveytest.CheckTimeline(t, steps)
	heard, refused := tr.Heard()
	t.Logf("answers %v; the recognizer heard %q; the call: %s", levels, heard, steps)
	if len(heard) != 2 || len(refused) != 0 {
		t.Errorf("the recognizer answered %q and refused %q; want each spoken answer once", heard, refused)
	}
	if w := s.status().Warnings; w["speech"]+w["illegal-transition"]+w["flow-action"] != 0 {
		t.Errorf("warnings %v", w)
	}
	s.d.stop(t)
	surveytest.CheckStore(t, path)
}
