package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/api"
	"github.com/hotline-cc/hotline/esl/esltest"
	"github.com/hotline-cc/hotline/store"
)

const eslRecordingConfig = `
pbx: {type: freeswitch, freeswitch: {recording_dir: /rec}}
recordings: {template: "{call}-{agent}"}
entries: [{number: "200", queue: support}]
queues:
  - {name: support, recording: always, wrap_up: 500ms, announce: {interval: 0s}}
agents:
  - {id: alice, endpoint: user/alice, queues: [{queue: support}], logged_in: true}
  - {id: bob, endpoint: user/bob, logged_in: true}
`

// TestRecordingsPerLegOnESLFake: through "hotline serve" on the
// event-socket wire fake, a call of an always queue that alice transfers
// to bob has two recordings: uuid_record starts alice's leg's, stops it at
// the transfer and starts bob's on the same caller channel; the record
// keeps both, in order, with their agents, legs, times and paths, and the
// recordings API lists them numbered.
func TestRecordingsPerLegOnESLFake(t *testing.T) {
	fs, err := esltest.New(esltest.Options{Password: "ClueCon"})
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	for _, a := range []string{"alice", "bob"} {
		fs.AddPhone("user/"+a, esltest.Phone{Mode: esltest.Answer, AnswerDelay: 50 * time.Millisecond})
	}
	path := filepath.Join(t.TempDir(), "h.db")
	base, stop := serveOnFake(t, fs, path, writeFile(t, "hotline.yaml", eslRecordingConfig))
	defer stop()
	if _, err := fs.PlaceCall(esltest.Call{From: "5550100", To: "200", Vars: map[string]string{"hotline_args": "entry,200"}, HangupAfter: 6 * time.Second}); err != nil {
		t.Fatal(err)
	}
	// Alice's recording starts once her leg is bridged; a transfer taken
	// before that (the API accepts one from her answer on) would leave her
	// leg with no recording at all.
	waitUntil(t, 60*time.Second, "alice's leg recorded", func() bool {
		return slices.ContainsFunc(fs.Commands(), func(c string) bool { return strings.HasPrefix(c, "api uuid_record ") })
	})
	waitUntil(t, 60*time.Second, "alice's call transferred to bob", func() bool {
		resp, err := http.Post(base+"/api/v1/agents/alice/call/transfer", "application/json", strings.NewReader(`{"agent":"bob"}`))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	var list []store.RecordingEntry
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		list = nil
		if getJSON(base+"/api/v1/recordings?from=1h", &list) && len(list) == 2 && list[0].Path != "" && list[1].Path != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the call's two recordings never finished; recordings %+v\nswitch commands %q", list, fs.Commands())
		}
	}
	for i, want := range []struct {
		agent string
		leg   int
	}{{"alice", 1}, {"bob", 2}} {
		e := list[i]
		name := e.Call + "-" + want.agent
		if e.N != i+1 || e.Agent != want.agent || e.Leg != want.leg || e.Name != name || e.Path != "/rec/"+name+".wav" ||
			e.Start.IsZero() || e.End.Before(e.Start) {
			t.Errorf("recording %d: %+v, want %s's leg %d in /rec/%s.wav", i+1, e, want.agent, want.leg, name)
		}
	}
	if !list[0].End.After(list[0].Start) || list[1].Start.Before(list[0].End) {
		t.Errorf("the recordings overlap: %+v", list)
	}
	var starts, stops []string
	for _, c := range fs.Commands() {
		switch {
		case strings.Contains(c, "uuid_record") && strings.Contains(c, " start "):
			starts = append(starts, c[strings.LastIndex(c, "/")+1:])
		case strings.Contains(c, "uuid_record") && strings.Contains(c, " stop "):
			stops = append(stops, c[strings.LastIndex(c, "/")+1:])
		}
	}
	if len(starts) != 2 || !strings.HasSuffix(starts[0], "-alice.wav") || !strings.HasSuffix(starts[1], "-bob.wav") || len(stops) < 1 ||
		!strings.HasSuffix(stops[0], "-alice.wav") {
		t.Errorf("uuid_record starts %q, stops %q; want alice's started and stopped, then bob's", starts, stops)
	}
	var recs []api.Call
	waitUntil(t, 60*time.Second, "the call's record", func() bool {
		recs = nil
		return getJSON(base+"/api/v1/calls?queue=support", &recs) && len(recs) == 1 && recs[0].Outcome == acd.OutcomeAnswered && !recs[0].Ended.IsZero()
	})
	stop()
	db, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rec, err := db.Call(recs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if all := rec.AllRecordings(); len(all) != 2 || all[1].Agent != "bob" || len(rec.Legs) != 2 {
		t.Errorf("stored recordings %+v, legs %+v", all, rec.Legs)
	}
}

// serveOnFake runs "hotline serve" with cfg on the event-socket fake fs and
// the store at path until stop (which is safe to call twice); base is its
// API's URL, up and synced with the fake when it returns.
func serveOnFake(t *testing.T, fs *esltest.Server, path, cfg string) (base string, stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := map[string]string{"HOTLINE_FREESWITCH_ADDRESS": fs.Addr(), "HOTLINE_STORE_PATH": path, "HOTLINE_SERVER_LISTEN": addr}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		code, _, errOut := hotlineCtx(t, ctx, env, "serve", "--config", cfg, "--log-level", "warn")
		if code != 0 {
			t.Errorf("serve exited %d: %s", code, errOut)
		}
		done <- code
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	base = "http://" + addr
	waitUntil(t, 30*time.Second, "API up", func() bool {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	})
	// The adapter's first sync asks for the channels; the calls a test
	// places come after it on the same socket.
	waitUntil(t, 30*time.Second, "the adapter's first sync", func() bool {
		return slices.ContainsFunc(fs.Commands(), func(c string) bool { return strings.HasPrefix(c, "api show channels") })
	})
	return base, stop
}

// getJSON decodes the answer to a GET of u into out; false if it failed.
func getJSON(u string, out any) bool {
	resp, err := http.Get(u)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(out) == nil
}
