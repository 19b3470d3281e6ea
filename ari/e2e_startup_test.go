package ari_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/api"
)

// Issue 9.8: Hotline starts while Asterisk is still starting. In front of
// the real Asterisk an HTTP proxy answers as a starting Asterisk does — 503,
// then 404 — for the first seconds, then passes everything through.
// `hotline serve` must stay up, report the link down meanwhile, connect by
// itself once Asterisk is ready, and serve a call.
func TestAsteriskE2EStartsBeforeAsterisk(t *testing.T) {
	ast := e2eNeed(t)
	target, err := url.Parse(ast.url)
	if err != nil {
		t.Fatal(err)
	}
	pass := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	var ready atomic.Bool
	var starting atomic.Int64 // when the daemon starts, in Unix ns
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case ready.Load():
			pass.ServeHTTP(w, r)
		case time.Since(time.Unix(0, starting.Load())) < 1500*time.Millisecond:
			http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
		default:
			http.Error(w, "Not Found", http.StatusNotFound) // HTTP up, ARI not loaded yet
		}
	}))
	defer front.Close()
	s := newE2E(t, "linkcut", map[string]e2ePhone{
		"jack": {Answer: 500 * time.Millisecond, Hangup: 2 * time.Second},
		"kim":  {Answer: 500 * time.Millisecond},
	}, front.URL+target.Path)

	starting.Store(time.Now().UnixNano())
	go func() { time.Sleep(3 * time.Second); ready.Store(true) }()
	// start returns once /healthz says 200 and the application is
	// registered; meanwhile the daemon must not exit.
	d := s.start()
	if !ready.Load() {
		t.Fatal("hotline reported healthy before Asterisk was ready")
	}
	if n := d.logLines("cannot reach ARI; retrying", "503"); n == 0 {
		t.Errorf("no retry after a 503 in the log:\n%s", d.log.String())
	}
	var h api.Health
	body, err := d.get("/healthz")
	if err != nil || json.Unmarshal(body, &h) != nil || h.PBX == nil || !h.PBX.Up {
		t.Errorf("/healthz once connected: %s %v, want the link up", body, err)
	}
	pc := s.call(e2eCaller{Number: "6600"})
	rec := s.waitRecord(pc.Far, 15*time.Second, "the first call after start-up ends", e2eEnded)
	if rec.Outcome != acd.OutcomeAnswered || rec.Agent != "jack" {
		t.Errorf("record: outcome %s, agent %q; want answered by jack", rec.Outcome, rec.Agent)
	}
}
