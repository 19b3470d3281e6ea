package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/api"
	"github.com/hotline-cc/hotline/esl/esltest"
)

// TestServeFreeSWITCHExampleConfig: `hotline serve --pbx freeswitch` with
// the example config, against the event-socket wire fake. A call to entry
// 200 (queue support) is answered by an agent and its record stored.
func TestServeFreeSWITCHExampleConfig(t *testing.T) {
	fs, err := esltest.New(esltest.Options{Password: "ClueCon"})
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	for _, ep := range []string{"PJSIP/1001", "PJSIP/1002", "PJSIP/1003", "PJSIP/1004"} {
		fs.AddPhone(ep, esltest.Phone{Mode: esltest.Answer, AnswerDelay: 50 * time.Millisecond, HangupAfter: 300 * time.Millisecond})
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := map[string]string{
		"HOTLINE_FREESWITCH_ADDRESS": fs.Addr(), "HOTLINE_STORE_PATH": filepath.Join(t.TempDir(), "h.db"),
		"HOTLINE_SPEECH_PROMPTS": t.TempDir(),
		"HOTLINE_SERVER_LISTEN":  addr,
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		code, _, errOut := hotlineCtx(t, ctx, env, "serve", "--config", "../../configs/hotline.example.yaml", "--pbx", "freeswitch",
			"--log-level", "warn")
		if code != 0 {
			t.Errorf("serve exited %d: %s", code, errOut)
		}
		done <- code
	}()
	defer func() { cancel(); <-done }()
	base := "http://" + addr
	waitUntil(t, 10*time.Second, "API up", func() bool {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	// Give the adapter its first Synced before the call comes in.
	time.Sleep(200 * time.Millisecond)
	if _, err := fs.PlaceCall(esltest.Call{From: "5550100", To: "200", Vars: map[string]string{"hotline_args": "entry,200"}}); err != nil {
		t.Fatal(err)
	}
	var recs []api.Call
	waitUntil(t, 15*time.Second, "an answered call record", func() bool {
		resp, err := http.Get(base + "/api/v1/calls?queue=support")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		recs = nil
		_ = json.NewDecoder(resp.Body).Decode(&recs)
		return len(recs) == 1 && recs[0].Outcome == acd.OutcomeAnswered
	})
	if r := recs[0]; r.Caller != "5550100" || r.Agent == "" || r.Entry != "200" {
		t.Errorf("record = %+v", r)
	}
}

func hotlineCtx(t *testing.T, ctx context.Context, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	for _, o := range overrides {
		t.Setenv(o.env, "")
	}
	t.Setenv("HOTLINE_CONFIG", "")
	for k, v := range env {
		t.Setenv(k, v)
	}
	var out, errOut safeBuffer
	code := run(ctx, args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func waitUntil(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
