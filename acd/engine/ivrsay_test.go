package engine

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/acd/speech"
)

var _ Speaker = (*speech.Prompts)(nil)

// A text the flow speaks reaches the switch as a rendered prompt file: one
// with the call's own values (a looked-up status) is rendered off the loop
// when the call gets there, then played.
func TestSayPlaysRenderedPrompt(t *testing.T) {
	if err := speech.CheckTools(); err != nil {
		t.Skip(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"order":{"status":"shipped"}}`))
	}))
	defer srv.Close()
	prompts := &speech.Prompts{Dir: t.TempDir()}
	st := newMemStore()
	var trace []string
	cfg := parseConfig(t, strings.Replace(lookupFlowConfig, "URL", srv.URL, 1))
	r, err := NewSimRun(SimOptions{Core: Options{Config: cfg, Store: st, Speaker: prompts,
		Trace: func(_ time.Time, line string) { trace = append(trace, line) }},
		Start: epoch, Sim: sim.Options{PromptLength: 2 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Switch.PlaceCall(farend.CallScript{From: "555", To: "100", DTMF: "1234", DTMFDelay: 3 * time.Second}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(time.Minute))
	name, err := prompts.File("en", "Your order 1234 is shipped.")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(prompts.Dir, name)
	all := strings.Join(trace, "\n")
	if !strings.Contains(all, "file:"+file) || strings.Contains(all, "say:") {
		t.Errorf("the prompt file %s was not played in place of the text:\n%s", file, all)
	}
	if err := speech.CheckWAV(file); err != nil {
		t.Error(err)
	}
	if w := r.Core.Warnings(); len(w) != 0 {
		t.Errorf("warnings = %v", w)
	}
	if recs := records(st); len(recs) != 1 || recs[0].Outcome != acd.OutcomeSelfService {
		t.Errorf("records %+v", recs)
	}
}
