package engine

import (
	"strconv"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
)

const twoQuestionSurveyConfig = `
store: {path: unused.db}
pbx: {type: sim}
flows:
  poll:
    start: stars
    nodes:
      stars:
        kind: question
        prompt: [sound:how-many-stars]
        var: stars
        timeout: 6s
        listen: 5s
        answers:
          - {value: "2", key: "2", phrases: {en: ["two", "two stars"]}}
          - {value: "4", key: "4", phrases: {en: ["four", "four stars"]}}
        next: recommend
      recommend:
        kind: question
        prompt: [sound:would-you-recommend-us]
        var: recommend
        timeout: 6s
        listen: 5s
        answers:
          - {value: "yes", key: "1", phrases: {en: ["yes", "yes definitely", "sure"]}}
          - {value: "no", key: "2", phrases: {en: ["no", "not really"]}}
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

// TestSurveyTwoSpokenAnswers: a lead answers two questions in one call,
// each in its own words (the sim's phone says one utterance to each
// Listen); another says nothing to the first, which it answers with a
// key, and its words to the second.
func TestSurveyTwoSpokenAnswers(t *testing.T) {
	phones := map[string]farend.Phone{
		"+3314100001": {AnswerDelay: time.Second, Say: "four stars", SayNext: []string{"yes definitely"}, HangupAfter: time.Minute},
		"+3314100002": {AnswerDelay: time.Second, DTMF: "2", DTMFDelay: 3 * time.Second, SayNext: []string{"not really"}, HangupAfter: time.Minute},
	}
	var leads []campaign.Lead
	for p := range phones {
		leads = append(leads, campaign.Lead{Campaign: "poll", Phone: p})
	}
	sr := runSurvey(t, twoQuestionSurveyConfig, Options{Recognizer: sim.Recognizer{}, RecognizeTimeout: time.Second}, phones, leads, 2*time.Minute)
	got := map[string]campaign.Lead{}
	if err := sr.db.CampaignLeads("poll", func(l campaign.Lead) bool { got[l.Phone] = l; return true }); err != nil {
		t.Fatal(err)
	}
	for phone, want := range map[string]map[string]string{
		"+3314100001": {"stars": "4", "stars.transcript": "four stars", "recommend": "yes", "recommend.transcript": "yes definitely"},
		"+3314100002": {"stars": "2", "recommend": "no", "recommend.transcript": "not really"},
	} {
		l := got[phone]
		if l.State != campaign.Done || l.Disposition != "completed" {
			t.Errorf("%s: %s %q; want done, completed\n%s", phone, l.State, l.Disposition, sr.trace)
		}
		spoken := 0
		for v, w := range want {
			if l.Answers[v] != w {
				t.Errorf("%s: %s = %q, want %q (answers %v)\n%s", phone, v, l.Answers[v], w, l.Answers, sr.trace)
			}
			if v == "stars" || v == "recommend" {
				if _, ok := want[v+campaign.TranscriptSuffix]; ok {
					spoken++
					if c, err := strconv.ParseFloat(l.Answers[v+campaign.ConfidenceSuffix], 64); err != nil || c < 0.5 || c > 1 {
						t.Errorf("%s: %s confidence %q; want 0.5 to 1", phone, v, l.Answers[v+campaign.ConfidenceSuffix])
					}
				}
			}
		}
		if len(l.Answers) != len(want)+spoken {
			t.Errorf("%s: answers %v; want %v with a confidence for each spoken one", phone, l.Answers, want)
		}
	}
	if w := sr.r.Core.Warnings(); w["illegal-transition"]+w["store"]+w["flow-action"]+w["speech"] > 0 {
		t.Errorf("warnings %v\n%s", w, sr.trace)
	}
}
