package main

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/esl/esltest"
	"github.com/hotline-cc/hotline/internal/apitest"
)

const eslSpyConfig = `
pbx: {type: freeswitch}
entries: [{number: "200", queue: support}]
queues: [{name: support}]
agents:
  - {id: alice, endpoint: user/alice, queues: [{queue: support}], logged_in: true}
`

// TestSpyStopOnESLFake: through "hotline serve" on the event-socket wire
// fake, a supervisor whispers to alice, Hotline is restarted, and the
// whisper it kept is stopped: the status lists it after the restart, the
// stop hangs up the supervisor's eavesdrop leg (uuid_kill), the caller and
// alice talk on, and the status lists no monitor.
func TestSpyStopOnESLFake(t *testing.T) {
	fs, err := esltest.New(esltest.Options{Password: "ClueCon"})
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	fs.AddPhone("user/alice", esltest.Phone{Mode: esltest.Answer, AnswerDelay: 50 * time.Millisecond})
	fs.AddPhone("user/sup", esltest.Phone{Mode: esltest.Answer, AnswerDelay: 50 * time.Millisecond})
	path := filepath.Join(t.TempDir(), "h.db")
	cfg := writeFile(t, "hotline.yaml", eslSpyConfig)
	base, stop := serveOnFake(t, fs, path, cfg)
	defer func() { stop() }()
	caller, err := fs.PlaceCall(esltest.Call{From: "5550100", To: "200", Vars: map[string]string{"hotline_args": "entry,200"}, HangupAfter: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	monitors := func() []engine.Monitor {
		var st engine.Status
		if !getJSON(base+"/api/v1/status", &st) {
			return nil
		}
		return st.Monitors
	}
	waitUntil(t, 30*time.Second, "alice on the call", func() bool {
		var st engine.Status
		return getJSON(base+"/api/v1/status", &st) && len(st.Agents) == 1 && st.Agents[0].State == "on-call"
	})
	sup, err := apitest.Spy(base, "alice", "whisper", "user/sup")
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 30*time.Second, "the supervisor eavesdropping", func() bool {
		st, ok := fs.Channel(sup)
		return ok && st.Answered && st.App == "eavesdrop"
	})
	waitUntil(t, 30*time.Second, "the whisper saved with the call", func() bool { return len(monitors()) == 1 })
	time.Sleep(500 * time.Millisecond) // the store's writer
	stop()
	base, stop = serveOnFake(t, fs, path, cfg)
	waitUntil(t, 30*time.Second, "the kept whisper in the restarted daemon's status", func() bool {
		m := monitors()
		return len(m) == 1 && m[0].Channel == sup && m[0].Mode == "whisper"
	})
	if got, err := apitest.SpyStop(base, "alice", "user/sup"); err != nil || got != sup {
		t.Fatalf("stop: %q %v; want %s", got, err, sup)
	}
	waitUntil(t, 10*time.Second, "the supervisor's leg hung up", func() bool {
		st, _ := fs.Channel(sup)
		return st.HungUp
	})
	if st, _ := fs.Channel(caller); st.HungUp {
		t.Error("the caller was hung up with the whisper")
	}
	if m := monitors(); len(m) != 0 {
		t.Errorf("monitors after the stop %+v", m)
	}
}
