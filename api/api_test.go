package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/store"
)

const cfgYAML = `
queues:
  - {name: support}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
`

// testDaemon is the daemon's runtime on the simulated switch in real time,
// as `hotline serve` runs it, with a real store and the API in front.
type testDaemon struct {
	srv *httptest.Server
	db  *store.DB
	rt  *engine.Runtime
	sw  *sim.Switch
	api *Server
	cfg config.Config // as parsed from the test's YAML
}

func newTestServer(t *testing.T) (*httptest.Server, *store.DB) {
	d := newTestDaemon(t, cfgYAML)
	return d.srv, d.db
}

func newTestDaemon(t *testing.T, yaml string) *testDaemon {
	t.Helper()
	return newTestDaemonWith(t, yaml, nil)
}

// newTestDaemonWith is newTestDaemon with engine options set by opts (whose
// store is the daemon's).
func newTestDaemonWith(t *testing.T, yaml string, opts func(*engine.Options, *store.DB)) *testDaemon {
	t.Helper()
	return newTestDaemonOn(t, yaml, opts, false)
}

// realPhones is the simulator as a real switch is to the desk: it cannot
// pick up a ringing phone, so the engine does not ask it to.
type realPhones struct{ *sim.Switch }

func (realPhones) PicksUpPhones() bool { return false }

// newTestDaemonOn is newTestDaemonWith; with real, the engine sees the
// simulator as a real switch that cannot pick up phones (realPhones).
func newTestDaemonOn(t *testing.T, yaml string, opts func(*engine.Options, *store.DB), real bool) *testDaemon {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml), "api-test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(t.TempDir()+"/h.db", store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	sw, err := sim.New(sim.Options{Seed: 1, Speed: 1, Latency: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sw.Close() })
	core := engine.Options{Config: cfg, Store: db}
	if opts != nil {
		opts(&core, db)
	}
	var run pbx.Switch = sw
	if real {
		run = realPhones{sw}
	}
	rt, err := engine.NewRuntime(engine.RunOptions{Core: core,
		Switch: run, Log: zerolog.Nop(), Now: sw.Now, PublishEvery: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("engine: %v", err)
		}
	})
	if err := sw.Start(ctx); err != nil {
		t.Fatal(err)
	}
	api := New(rt, db, zerolog.Nop())
	api.KeepAlive = 50 * time.Millisecond
	api.SetTeams(cfg)
	srv := httptest.NewUnstartedServer(api)
	srv.Listener = smallSendBuffers{srv.Listener}
	srv.Start()
	t.Cleanup(srv.Close)
	return &testDaemon{srv: srv, db: db, rt: rt, sw: sw, api: api, cfg: cfg}
}

// smallSendBuffers makes the kernel hold little of what the server writes,
// so a client that stops reading stalls the server's writes soon.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4096)
	}
	return c, err
}

func post(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

func TestAgentLifecycle(t *testing.T) {
	srv, _ := newTestServer(t)
	steps := []struct {
		action, body string
		code         int
		state        string
	}{
		{"login", "", 200, "available"},
		{"pause", `{"reason":"lunch"}`, 200, "paused"},
		{"ready", "", 200, "available"},
		{"logout", "", 200, "logged-out"},
		{"pause", "", 409, ""},
	}
	for _, s := range steps {
		code, body := post(t, srv.URL+"/api/v1/agents/alice/"+s.action, s.body)
		if code != s.code {
			t.Fatalf("%s: status %d, want %d: %s", s.action, code, s.code, body)
		}
		if s.state == "" {
			continue
		}
		var a engine.AgentStatus
		if err := json.Unmarshal([]byte(body), &a); err != nil {
			t.Fatal(err)
		}
		if a.State != s.state {
			t.Errorf("%s: state %q, want %q", s.action, a.State, s.state)
		}
		if s.action == "pause" && a.Reason != "lunch" {
			t.Errorf("pause reason %q", a.Reason)
		}
	}
}

func TestBadInput(t *testing.T) {
	srv, _ := newTestServer(t)
	cases := []struct {
		method, path, body string
		code               int
		mention            string
	}{
		{"POST", "/api/v1/agents/nobody/login", "", 404, "nobody"},
		{"POST", "/api/v1/agents/alice/dance", "", 400, "dance"},
		{"POST", "/api/v1/agents/alice/pause", `{"reason": 5}`, 400, "reason"},
		{"POST", "/api/v1/agents/alice/pause", `{"reasn": "x"}`, 400, "reasn"},
		{"POST", "/api/v1/agents/alice/pause", `{"rea\u202Esn": "x"}`, 400, `unknown field "rea\u202esn"`},
		{"POST", "/api/v1/agents/alice/pause", `{"reason": `, 400, "body"},
		{"POST", "/api/v1/agents/alice/spy", `{"mode":"peek","endpoint":"PJSIP/1"}`, 400, "peek"},
		{"GET", "/api/v1/calls?outcome=won", "", 400, "won"},
		{"GET", "/api/v1/calls?limit=-3", "", 400, "limit"},
		{"GET", "/api/v1/calls?from=yesterday", "", 400, "from"},
		{"GET", "/api/v1/calls/nope", "", 404, "nope"},
		{"POST", "/api/v1/calls/nope/disposition", `{"disposition":""}`, 400, "disposition"},
		{"POST", "/api/v1/agents/alice/pause", `{"reason":"x"} {"reason":"y"}`, 400, "after the JSON value"},
		{"POST", "/api/v1/agents/alice/pause", `{"reason":"x"}junk`, 400, "after the JSON value"},
		{"POST", "/api/v1/agents/alice/pause", `{"reason":"` + strings.Repeat("é", MaxReason+1) + `"}`, 400, `"reason" is 201 characters`},
		{"POST", "/api/v1/agents/alice/pause", `{"reason":"` + strings.Repeat("x", 10<<20) + `"}`, 413, "limit"},
		{"POST", "/api/v1/calls/c1/disposition", `{"disposition":"ok","notes":"` + strings.Repeat("n", MaxNotes+1) + `"}`, 400, "notes"},
		{"POST", "/api/v1/agents/alice/pause", `{"reason":"lunch\u0000\u001b[2J"}`, 400, `"reason" holds the control character U+0000 at character 6`},
		{"POST", "/api/v1/calls/c1/disposition", `{"disposition":"ok","notes":"line\n\tnext\u0007"}`, 400, `"notes" holds the control character U+0007 at character 11`},
		// One-line fields: a line break would split a CSV cell.
		{"POST", "/api/v1/agents/alice/pause", `{"reason":"line1\nline2"}`, 400, `"reason" holds a line break at character 6: it is one line`},
		{"POST", "/api/v1/calls/c1/disposition", `{"disposition":"a\nb"}`, 400, `"disposition" holds a line break at character 2`},
		{"POST", "/api/v1/calls/c1/disposition", `{"disposition":"x\ud800"}`, 400, `"disposition" holds U+FFFD at character 2`},
		{"POST", "/api/v1/agents/alice/pause", `{"reason":"lunch\u202Egnikooc"}`, 400, `field "reason" holds the direction control character U+202E at character 6`},
		{"POST", "/api/v1/agents/alice/pause", "{\"reason\":\"lu\u2067nch\"}", 400, `field "reason" holds the direction control character U+2067 at character 3`},
		{"POST", "/api/v1/agents/alice/pause", `{"reason":"\uFEFFlunch"}`, 400, `field "reason" holds the invisible formatting character U+FEFF at character 1`},
		{"POST", "/api/v1/calls/c1/disposition", `{"disposition":"sa\u200Ble"}`, 400, `field "disposition" holds the invisible formatting character U+200B at character 3`},
		{"POST", "/api/v1/calls/c1/disposition", `{"disposition":"ok","notes":"pa\u200Did"}`, 400, `field "notes" holds the zero-width joiner U+200D at character 3, allowed only after`},
		{"POST", "/api/v1/agents/alice/pause", `{"reason":"x","reason":"y"}`, 400, `key "reason" is given twice (at reason)`},
		{"POST", "/api/v1/agents/alice/pause", `{"reason":"x","REASON":"y"}`, 400, `keys "reason" and "REASON" are the same key: keys match regardless of case (at REASON)`},
		{"POST", "/api/v1/agents/alice/pause", `{"reason":"x","rea\u017Fon":"y"}`, 400, `keys "reason" and "rea\u017fon" are the same key`},
		{"GET", "/api/v1/calls?direction=sideways", "", 400, "direction"},
		{"GET", "/api/v1/calls?from=2199-01-01T00:00:00Z", "", 400, "future"},
		{"GET", "/api/v1/calls?from=2999-01-01T00:00:00Z", "", 400, "years 1900 to 2200"},
		{"GET", "/api/v1/calls?from=-2h", "", 400, "negative"},
		{"GET", "/api/v1/calls?from=2h&to=3h", "", 400, "not after"},
		{"GET", "/api/v1/calls?limit=5000", "", 400, "limit"},
		{"GET", "/api/v1/calls?limit=0", "", 400, "limit"},
		{"GET", "/api/v1/calls?offset=x", "", 400, "offset"},
		{"GET", "/api/v1/calls?order=up", "", 400, "order"},
		{"POST", "/api/v1/config/reload", "", 501, "cannot reload"},
		{"GET", "/api/v1/nope", "", 404, "no such route: GET /api/v1/nope"},
		{"DELETE", "/api/v1/status", "", 405, "allowed: GET, HEAD"},
		{"GET", "/api/v1/agents/alice/login", "", 405, "allowed: POST"},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e Error
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
			t.Errorf("%s %s: answer is not JSON: %v", c.method, c.path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.code || !strings.Contains(e.Error, c.mention) {
			t.Errorf("%s %s: %d %q, want %d mentioning %q", c.method, c.path, resp.StatusCode, e.Error, c.code, c.mention)
		}
	}
}

func TestCallsAndMetrics(t *testing.T) {
	srv, db := newTestServer(t)
	rec := &store.CallRecord{ID: "c1", Direction: acd.DirectionInbound, Queue: "support", Caller: "555", Agent: "alice",
		Entered: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC), Outcome: acd.OutcomeAnswered}
	if err := db.SaveCall(rec); err != nil {
		t.Fatal(err)
	}
	// A caller who reached no agent has no agent's account to file.
	gone := &store.CallRecord{ID: "c0", Direction: acd.DirectionInbound, Queue: "support", Caller: "556",
		Entered: time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC), Outcome: acd.OutcomeAbandoned}
	if err := db.SaveCall(gone); err != nil {
		t.Fatal(err)
	}
	if code, body := post(t, srv.URL+"/api/v1/calls/c0/disposition", `{"disposition":"resolved"}`); code != 409 || !strings.Contains(body, "reached no agent (abandoned)") {
		t.Errorf("disposition of an abandoned call: %d %s, want 409 naming it", code, body)
	}
	resp, err := http.Get(srv.URL + "/api/v1/calls?queue=support&outcome=answered")
	if err != nil {
		t.Fatal(err)
	}
	var recs []store.CallRecord
	_ = json.NewDecoder(resp.Body).Decode(&recs)
	resp.Body.Close()
	if len(recs) != 1 || recs[0].ID != "c1" {
		t.Errorf("calls = %+v", recs)
	}
	code, body := post(t, srv.URL+"/api/v1/calls/c1/disposition", `{"disposition":"resolved","notes":"reset password"}`)
	if code != 200 {
		t.Fatalf("disposition: %d %s", code, body)
	}
	got, err := db.Call("c1")
	if err != nil || got.Disposition != "resolved" || got.Notes != "reset password" {
		t.Errorf("stored disposition = %+v, %v", got, err)
	}
	// Notes left out stay as they are (a supervisor correcting the
	// disposition keeps the agent's); notes given empty clear them.
	for _, tc := range []struct{ body, disposition, notes string }{
		{`{"disposition":"escalated"}`, "escalated", "reset password"},
		{`{"disposition":"escalated","notes":""}`, "escalated", ""},
	} {
		if code, body := post(t, srv.URL+"/api/v1/calls/c1/disposition", tc.body); code != 200 {
			t.Fatalf("%s: %d %s", tc.body, code, body)
		}
		if got, err := db.Call("c1"); err != nil || got.Disposition != tc.disposition || got.Notes != tc.notes {
			t.Errorf("after %s: stored %q %q, %v; want %q %q", tc.body, got.Disposition, got.Notes, err, tc.disposition, tc.notes)
		}
	}
	resp, err = http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`hotline_agents{state="logged-out"} 1`, `hotline_queue_waiting{queue="support"} 0`,
		`hotline_event_streams 0`, `hotline_config_reloads_total{result="refused"} 0`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// Calls come newest first, a page at a time, with a Link to the next page;
// durations are seconds.
func TestCallsPagingAndDurations(t *testing.T) {
	srv, db := newTestServer(t)
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	for i := range 5 {
		rec := &store.CallRecord{ID: fmt.Sprintf("c%d", i+1), Direction: acd.DirectionInbound, Queue: "support",
			Entered: t0.Add(time.Duration(i) * time.Minute), Outcome: acd.OutcomeAnswered,
			Wait: 1500 * time.Millisecond, Talk: time.Duration(i+1) * time.Minute}
		if err := db.SaveCall(rec); err != nil {
			t.Fatal(err)
		}
	}
	var pages [][]string
	next := srv.URL + "/api/v1/calls?limit=2&from=2h"
	for next != "" && len(pages) < 5 {
		resp, err := http.Get(next)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %s %s", next, resp.Status, raw)
		}
		var calls []Call
		if err := json.Unmarshal(raw, &calls); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range calls {
			ids = append(ids, c.ID)
		}
		pages = append(pages, ids)
		if len(pages) == 1 {
			if !strings.Contains(string(raw), `"wait": 1.5`) || !strings.Contains(string(raw), `"talk": 300`) {
				t.Errorf("durations are not seconds: %s", raw)
			}
			if calls[0].Wait != 1500*time.Millisecond || calls[0].Talk != 5*time.Minute {
				t.Errorf("decoded durations: wait %s talk %s", calls[0].Wait, calls[0].Talk)
			}
		}
		next = ""
		if link := resp.Header.Get("Link"); link != "" {
			target, _, _ := strings.Cut(link, ";")
			next = srv.URL + strings.Trim(target, "<>")
		}
		if len(pages) == 1 {
			// A call comes in while the pages are read: it is not on
			// them, and does not push c4 onto the next page again.
			late := &store.CallRecord{ID: "c6", Direction: acd.DirectionInbound, Queue: "support", Entered: time.Now().Add(time.Second), Outcome: acd.OutcomeAnswered}
			if err := db.SaveCall(late); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := "[[c5 c4] [c3 c2] [c1]]"
	if got := fmt.Sprint(pages); got != want {
		t.Errorf("pages %s, want %s", got, want)
	}
	resp, err := http.Get(srv.URL + "/api/v1/calls/c2")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(raw), `"talk": 120`) {
		t.Errorf("one call's talk is not in seconds: %s", raw)
	}
}

// A path the router cleans (a double slash) is redirected to its clean
// form, with the Location a redirect needs, and says so in JSON like every
// answer: the 307 came without a Location, a redirect to nowhere that said
// "no such route".
func TestUncleanPathRedirects(t *testing.T) {
	srv, _ := newTestServer(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(srv.URL + "/api/v1//status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e Error
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatalf("answer is not JSON: %v", err)
	}
	if resp.StatusCode/100 != 3 || resp.Header.Get("Location") != "/api/v1/status" || !strings.Contains(e.Error, "/api/v1/status") {
		t.Errorf("GET /api/v1//status: %d, Location %q, %q; want a redirect to /api/v1/status", resp.StatusCode, resp.Header.Get("Location"), e.Error)
	}
	// A change is not redirected: a client following the redirect paused
	// agent a1 when asked to pause campaign "../agents/a1".
	resp, err = client.Post(srv.URL+"/api/v1/campaigns/..%2Fagents%2Fa1/pause", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Location") != "" {
		t.Errorf("POST campaigns/..%%2Fagents%%2Fa1/pause: %d, Location %q; want 404 and no redirect", resp.StatusCode, resp.Header.Get("Location"))
	}
}
