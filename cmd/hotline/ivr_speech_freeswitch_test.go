package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/speech"
	"github.com/hotline-cc/hotline/acd/speech/speechtest"
	"github.com/hotline-cc/hotline/esl/esltest"
)

// The spoken-question flow of the Asterisk end-to-end test
// (testdata/asterisk/e2e/speech.yaml) on the event-socket fake: `hotline
// serve --pbx freeswitch` runs the record application after the beep,
// reads the file from FreeSWITCH's recordings directory, sends it to the
// test's transcription service, and plays each caller the answer of what
// it asked.
func TestServeFreeSWITCHSpokenQuestion(t *testing.T) {
	if err := speech.CheckTools(); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	fs, err := esltest.New(esltest.Options{Password: "ClueCon", PlaybackTime: 300 * time.Millisecond, RecordingDir: filepath.Join(dir, "recordings")})
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	fs.AddPhone("user/alice", esltest.Phone{Mode: esltest.Answer, AnswerDelay: 50 * time.Millisecond})

	// The fake records a caller's words as a tone as long as the
	// utterance: half a second, 400 ms a word, 2 s of silence; at most
	// the FAQ's listen, 8 s.
	questions := map[string]string{"hours": "when are you open", "office": "where is your office I would like to come and see you"}
	tr := &speechtest.Transcriber{Model: "hotline-test", Questions: map[string]time.Duration{
		questions["hours"]: 4100 * time.Millisecond, questions["office"]: 8 * time.Second}}
	recognizer := httptest.NewServer(tr)
	defer recognizer.Close()

	prompts := filepath.Join(dir, "prompts")
	flows, err := os.ReadFile("../../testdata/asterisk/e2e/speech.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.NewReplacer("@PROMPTS@", prompts, "@PROMPTURL@", "", "@RECOGNIZER@", recognizer.URL,
		"@PHONE:alice@", "user/alice").Replace(string(flows))
	base := serveFlows(t, fs, dir, cfg)

	uuids := map[string]string{}
	for _, c := range []esltest.Call{
		{From: "5550701", To: "6600", Say: questions["hours"], HangupAfter: 15 * time.Second},
		{From: "5550702", To: "6600", Say: questions["office"], HangupAfter: 15 * time.Second},
	} {
		c.Vars = map[string]string{"hotline_args": "entry," + c.To}
		uuid, err := fs.PlaceCall(c)
		if err != nil {
			t.Fatal(err)
		}
		uuids[c.From] = uuid
	}
	recs := endedCalls(t, base, 40*time.Second, 2)
	for caller, want := range map[string]struct{ entry, answer string }{
		"5550701": {"hours", "We are open from nine to six."},
		"5550702": {"address", "We are at one Main Street."},
	} {
		r := recs[caller]
		name, _ := (&speech.Prompts{Speed: 150}).File("en", want.answer)
		ch, _ := fs.Channel(uuids[caller])
		all := callSteps(r)
		if r.Outcome != acd.OutcomeSelfService || !strings.Contains(all, "→ "+want.entry+" (") || !strings.Contains(all, "faq-answer "+want.entry+" by phrase") ||
			!slices.Contains(ch.Played, filepath.Join(prompts, name)) {
			t.Errorf("caller %s: outcome %s, %s; played %v", caller, r.Outcome, all, ch.Played)
		}
	}
	if heard, refused := tr.Heard(); len(heard) != 2 || len(refused) != 0 {
		t.Errorf("the recognizer heard %q and refused %q; want each question once", heard, refused)
	}
}
