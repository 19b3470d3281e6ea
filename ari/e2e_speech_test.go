package ari_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/speech"
	"github.com/hotline-cc/hotline/acd/speech/speechtest"
)

// Issue 11's spoken question on a real Asterisk: callers play an
// espeak-ng recording of their question after the prompt and the beep;
// Asterisk records it until silence, Hotline fetches the file and sends
// it to the test's recognizer, and the answer of the entry matched is
// played to each caller, who hangs up: contained, with the phrase and
// its confidence in the record.
func TestAsteriskE2ESpokenQuestion(t *testing.T) {
	if err := speech.CheckTools(); err != nil {
		t.Skip(err)
	}
	s := newE2E(t, "speech", map[string]e2ePhone{"alice": {Answer: time.Second}}, "")

	// The questions, rendered where the callers' dialplan plays them from.
	dir := filepath.Join(s.ast.root, "tmp", "hotline-"+s.tag)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	files, levels, err := speechtest.Say(context.Background(), dir, "When are you open?", "Where is your office? I would like to come and see you next week.")
	if err != nil {
		t.Fatal(err)
	}
	tr := &speechtest.Transcriber{Model: "hotline-test"}
	tr.Learn(levels)
	questions := map[string]string{} // text → file inside Asterisk's root, without extension
	for text, file := range files {
		rel, err := filepath.Rel(s.ast.root, strings.TrimSuffix(file, ".wav"))
		if err != nil {
			t.Fatal(err)
		}
		questions[text] = "/" + filepath.ToSlash(rel)
	}
	recognizer := httptest.NewServer(tr)
	t.Cleanup(recognizer.Close)

	prompts := newPromptLog(t, s)
	s.fillConfig("@PROMPTS@", filepath.Join(s.dir, "prompts"), "@PROMPTURL@", prompts.url, "@RECOGNIZER@", recognizer.URL)
	s.start()

	hours := s.call(e2eCaller{Number: "6600", From: "5550701", Say: questions["When are you open?"]})
	office := s.call(e2eCaller{Number: "6600", From: "5550702", Say: questions["Where is your office? I would like to come and see you next week."]})
	// Each caller hangs up once its answer was played to its end.
	hangUp := func(c e2ePlaced) func() {
		return func() {
			_ = s.ast.do(context.Background(), http.MethodDelete, "/channels/"+url.PathEscape(c.Near), nil, nil, nil)
		}
	}
	heardHours := prompts.whenPlayed(t, hours.Far, "We are open from nine to six.", 45*time.Second, hangUp(hours))
	heardOffice := prompts.whenPlayed(t, office.Far, "We are at one Main Street.", 45*time.Second, hangUp(office))
	for _, w := range []<-chan string{heardHours, heardOffice} {
		if why := <-w; why != "" {
			heard, refused := tr.Heard()
			t.Errorf("a spoken question's answer was not played: %s (recognizer answered %q, refused %q)", why, heard, refused)
		}
	}
	for c, want := range map[e2ePlaced]string{
		hours:  `faq-recognized "When are you open?" → hours (`,
		office: `faq-recognized "Where is your office? I would like to come and see you next week." → address (`,
	} {
		rec := s.waitRecord(c.Far, 20*time.Second, "the caller hangs up", e2eEnded)
		if steps := e2eSteps(rec); rec.Outcome != acd.OutcomeSelfService || !strings.Contains(steps, want) || !strings.Contains(steps, "by phrase") {
			t.Errorf("%s: outcome %s; want %s and the answer by phrase in %s", c.Far, rec.Outcome, want, steps)
		}
	}
	heard, refused := tr.Heard()
	t.Logf("questions %v; the recognizer heard %q", levels, heard)
	if len(heard) != 2 || len(refused) != 0 {
		t.Errorf("recognizer answered %q and refused %q; want each question once", heard, refused)
	}
	if w := s.status().Warnings; w["speech"] != 0 {
		t.Errorf("warnings %v", w)
	}
}
