package esl_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/speech"
	"github.com/hotline-cc/hotline/acd/speech/speechtest"
)

// Issue 11's spoken question on a real FreeSWITCH: a caller plays an
// espeak-ng recording of its question after the prompt and the beep; the
// record application keeps it until silence, the daemon reads the file
// and sends it to the test's recognizer, and the FAQ answers the entry
// the transcript matches.
func TestFreeSWITCHE2ESpokenQuestion(t *testing.T) {
	if err := speech.CheckTools(); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil { // FreeSWITCH plays the questions from here
		t.Fatal(err)
	}
	const hours, office, ask = "When are you open?", "Where is your office? I would like to come and see you next week.", "Say your question after the beep."
	files, levels, err := speechtest.Say(context.Background(), dir, hours, office, ask)
	if err != nil {
		t.Fatal(err)
	}
	prompt := levels[ask].Duration
	delete(levels, ask)
	tr := &speechtest.Transcriber{Model: "hotline-test"}
	tr.Learn(levels)
	recognizer := httptest.NewServer(tr)
	defer recognizer.Close()
	flows, err := os.ReadFile("../testdata/asterisk/e2e/speech.yaml")
	if err != nil {
		t.Fatal(err)
	}
	prompts := filepath.Join(dir, "prompts")
	if err := os.MkdirAll(prompts, 0o755); err != nil {
		t.Fatal(err)
	}
	body := strings.NewReplacer("@PROMPTS@", prompts, "@PROMPTURL@", "", "@RECOGNIZER@", recognizer.URL,
		"@PHONE:alice@", "@PHONE:answer-300@").Replace(string(flows))
	s := newScenario(t, "park", body)
	s.start()
	// The caller speaks once the prompt and the beep are over.
	say := prompt + 900*time.Millisecond
	want := map[string]string{"5557601": "hours", "5557602": "address"}
	s.call(farend.CallScript{From: "5557601", To: "6600", Say: strings.TrimSuffix(files[hours], ".wav"), SayDelay: say})
	s.call(farend.CallScript{From: "5557602", To: "6600", Say: strings.TrimSuffix(files[office], ".wav"), SayDelay: say})
	for caller, entry := range want {
		r := s.waitRecord(caller, 40*time.Second)
		var steps []string
		for _, st := range r.Timeline {
			steps = append(steps, strings.TrimSpace(st.Kind+" "+st.Detail))
		}
		all := strings.Join(steps, " | ")
		if r.Outcome != acd.OutcomeSelfService || !strings.Contains(all, "→ "+entry+" (") || !strings.Contains(all, "faq-answer "+entry+" by phrase") {
			t.Errorf("caller %s: outcome %s: %s", caller, r.Outcome, all)
		}
	}
	heard, refused := tr.Heard()
	t.Logf("questions %v; the recognizer heard %q", levels, heard)
	if len(heard) != 2 || len(refused) != 0 {
		t.Errorf("the recognizer heard %q and refused %q; want each question once", heard, refused)
	}
}
