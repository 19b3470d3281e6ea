package engine

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/store"
)

const spokenSurveyConfig = `
store: {path: unused.db}
pbx: {type: sim}
flows:
  poll:
    start: q1
    nodes:
      q1:
        kind: question
        prompt: [sound:how-was-it]
        var: satisfaction
        timeout: 6s
        listen: 5s
        retries: 1
        answers:
          - {value: good, key: "1", phrases: {en: ["good", "very good", "excellent"]}}
          - {value: bad, key: "2", phrases: {en: ["bad", "very bad", "terrible"]}}
        next: bye
      bye: {kind: hangup, prompt: [sound:thanks]}
campaigns:
  - name: poll
    kind: survey
    flow: poll
    endpoint: sim/{number}
    max_dials: 3
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    lead_hours: "00:00-24:00"
`

// TestSurveySpokenAnswers: a survey's question takes the lead's spoken
// answer through the recognizer, kept on the lead with what was heard and
// how well it matched; a keyed answer has neither; words that match no
// answer are asked again and, unanswered, leave the question out.
func TestSurveySpokenAnswers(t *testing.T) {
	phones := map[string]farend.Phone{
		"+3314000001": {Mode: farend.PhoneAnswer, AnswerDelay: time.Second, Say: "it was very good", HangupAfter: time.Minute},
		"+3314000002": {Mode: farend.PhoneAnswer, AnswerDelay: time.Second, DTMF: "2", DTMFDelay: 2 * time.Second, HangupAfter: time.Minute},
		"+3314000003": {Mode: farend.PhoneAnswer, AnswerDelay: time.Second, Say: "what is this about", HangupAfter: time.Minute},
	}
	var leads []campaign.Lead
	for p := range phones {
		leads = append(leads, campaign.Lead{Campaign: "poll", Phone: p})
	}
	sr := runSurvey(t, spokenSurveyConfig, Options{Recognizer: sim.Recognizer{}, RecognizeTimeout: time.Second}, phones, leads, 2*time.Minute)
	db, r, trace := sr.db, sr.r, sr.trace

	got := map[string]campaign.Lead{}
	if err := db.CampaignLeads("poll", func(l campaign.Lead) bool { got[l.Phone] = l; return true }); err != nil {
		t.Fatal(err)
	}
	spoken := got["+3314000001"].Answers
	conf, err := strconv.ParseFloat(spoken["satisfaction"+campaign.ConfidenceSuffix], 64)
	if spoken["satisfaction"] != "good" || spoken["satisfaction"+campaign.TranscriptSuffix] != "it was very good" || err != nil || conf < 0.5 || conf > 1 {
		t.Errorf("spoken answer: %v; want good, heard \"it was very good\", a confidence of 0.5 to 1\n%s", spoken, trace)
	}
	if keyed := got["+3314000002"].Answers; fmt.Sprint(keyed) != "map[satisfaction:bad]" {
		t.Errorf("keyed answer: %v; want only satisfaction=bad", keyed)
	}
	if none := got["+3314000003"]; len(none.Answers) != 0 || none.State != campaign.Done {
		t.Errorf("words matching no answer: %s, answers %v; want done with none", none.State, none.Answers)
	}
	var notUnderstood bool
	for rec, err := range db.Calls(store.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		if rec.Called == "+3314000003" && hasStep(rec, "question-not-understood", "") && hasStep(rec, "question-unanswered", "") {
			notUnderstood = true
		}
	}
	if !notUnderstood {
		t.Errorf("no question-not-understood then question-unanswered in the third lead's timeline\n%s", trace)
	}
	if w := r.Core.Warnings(); w["illegal-transition"]+w["store"]+w["flow-action"]+w["speech"] > 0 {
		t.Errorf("warnings %v\n%s", w, trace)
	}
}
