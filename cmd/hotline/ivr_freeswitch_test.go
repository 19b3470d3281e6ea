package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/speech"
	"github.com/hotline-cc/hotline/api"
	"github.com/hotline-cc/hotline/esl/esltest"
)

// The IVR flows of the Asterisk end-to-end test (testdata/asterisk/e2e/ivr.yaml)
// on the event-socket fake: `hotline serve --pbx freeswitch` plays the
// rendered prompts by path, routes by the flow's skill, counts a FAQ caller
// who hangs up as served and speaks a looked-up value.
func TestServeFreeSWITCHIVRFlows(t *testing.T) {
	if err := speech.CheckTools(); err != nil {
		t.Skip(err)
	}
	fs, err := esltest.New(esltest.Options{Password: "ClueCon", PlaybackTime: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	fs.AddPhone("user/alice", esltest.Phone{Mode: esltest.Answer, AnswerDelay: 50 * time.Millisecond}) // stays on: must not get the call
	fs.AddPhone("user/bob", esltest.Phone{Mode: esltest.Answer, AnswerDelay: 50 * time.Millisecond, HangupAfter: time.Second})
	orders := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/orders/4711" {
			w.Write([]byte(`{"status": "on its way"}`))
			return
		}
		http.NotFound(w, r)
	}))
	defer orders.Close()
	dir := t.TempDir()
	prompts := filepath.Join(dir, "prompts")
	flows, err := os.ReadFile("../../testdata/asterisk/e2e/ivr.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.NewReplacer("@PROMPTS@", prompts, "@PROMPTURL@", "", "@LOOKUP@", orders.URL, "@TODAY@", time.Now().UTC().Format(time.DateOnly),
		"@PHONE:alice@", "user/alice", "@PHONE:bob@", "user/bob").Replace(string(flows))
	base := serveFlows(t, fs, dir, cfg)
	if resp, err := http.Post(base+"/api/v1/agents/bob/login", "", nil); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("bob login: %v %v", resp, err)
	}
	callers := map[string]esltest.Call{
		"faq":    {From: "5550601", To: "6500", DTMF: "1", DTMFDelay: 700 * time.Millisecond, HangupAfter: 2 * time.Second},
		"person": {From: "5550602", To: "6500", DTMF: "0", DTMFDelay: 700 * time.Millisecond},
		"silent": {From: "5550603", To: "6500"},
		"order":  {From: "5550604", To: "6501", DTMF: "4711", DTMFDelay: 700 * time.Millisecond},
		"closed": {From: "5550605", To: "6502", HangupAfter: 3 * time.Second},
	}
	byCaller, uuids := map[string]string{}, map[string]string{}
	for name, c := range callers {
		c.Vars = map[string]string{"hotline_args": "entry," + c.To}
		uuid, err := fs.PlaceCall(c)
		if err != nil {
			t.Fatal(err)
		}
		byCaller[c.From], uuids[name] = name, uuid
	}
	recs := endedCalls(t, base, 30*time.Second, 5)
	for caller, name := range byCaller {
		recs[name] = recs[caller]
	}
	steps := callSteps
	played := func(caller, text string) bool {
		name, _ := (&speech.Prompts{Speed: 150}).File("en", text)
		ch, _ := fs.Channel(uuids[caller])
		return slices.Contains(ch.Played, filepath.Join(prompts, name))
	}
	if r := recs["faq"]; r.Outcome != acd.OutcomeSelfService || !played("faq", "We are open from nine to six.") {
		t.Errorf("FAQ call %s: %s; answer played: %v", r.Outcome, steps(r), played("faq", "We are open from nine to six."))
	}
	if r := recs["person"]; r.Agent != "bob" || !strings.Contains(steps(r), "flow-skills map[orders:2]") {
		t.Errorf("person: taken by %q: %s", r.Agent, steps(r))
	}
	if r := recs["silent"]; !strings.Contains(steps(r), "faq-fallback timeout") || !strings.Contains(steps(r), "hangup faq/bye") {
		t.Errorf("silent: %s", steps(r))
	}
	if r := recs["order"]; !played("order", "Your order 4711 is on its way.") {
		t.Errorf("order: the looked-up status was not spoken: %s", steps(r))
	}
	if r := recs["closed"]; r.Outcome != acd.OutcomeCallback || !strings.Contains(steps(r), "voicemail-left hung up") ||
		!strings.HasSuffix(r.Recording.Path, r.Recording.Name+".wav") || !strings.HasPrefix(r.Recording.Name, "voicemail-") {
		t.Errorf("after hours: outcome %s, recording %+v: %s", r.Outcome, r.Recording, steps(r))
	}
}

// serveFlows runs `hotline serve --pbx freeswitch` with cfg (a config
// without its pbx section) on the event-socket fake until the test ends,
// and returns the base URL of its API once it is up.
func serveFlows(t *testing.T, fs *esltest.Server, dir, cfg string) string {
	t.Helper()
	path := filepath.Join(dir, "hotline.yaml")
	if err := os.WriteFile(path, []byte("pbx: {type: freeswitch}\n"+cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	base, stop := serveOnFake(t, fs, filepath.Join(dir, "h.db"), path)
	t.Cleanup(stop)
	return base
}

// endedCalls waits until n calls have ended and returns them by caller.
func endedCalls(t *testing.T, base string, timeout time.Duration, n int) map[string]api.Call {
	t.Helper()
	recs := map[string]api.Call{}
	waitUntil(t, timeout, fmt.Sprintf("%d ended calls", n), func() bool {
		resp, err := http.Get(base + "/api/v1/calls")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var list []api.Call
		_ = json.NewDecoder(resp.Body).Decode(&list)
		for _, r := range list {
			if r.Outcome != acd.OutcomeInProgress {
				recs[r.Caller] = r
			}
		}
		return len(recs) == n
	})
	return recs
}

// callSteps is a call's timeline on one line.
func callSteps(r api.Call) string {
	var out []string
	for _, s := range r.Timeline {
		out = append(out, strings.TrimSpace(s.Kind+" "+s.Detail))
	}
	return strings.Join(out, " | ")
}
