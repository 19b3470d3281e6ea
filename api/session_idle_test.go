package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/api/auth"
)

// A browser session ends once unused for server.session_idle: each
// request counts as use, and once ended it stays ended, every request told
// why (401, reason idle). With 0 a session is never ended for lack of use.
func TestSessionIdle(t *testing.T) {
	d := newTestDaemon(t, cfgYAML)
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	later := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	h := New(d.rt, d.db, zerolog.Nop())
	h.EnableAuth(d.db, clock)
	srv := httptest.NewServer(h)
	defer srv.Close()
	u := auth.User{Name: "al", Role: auth.Agent, Agent: "alice"}
	u.Hash, _ = auth.HashPassword("right password", fastParams)
	if err := d.db.SaveUser(&u); err != nil {
		t.Fatal(err)
	}
	signIn := func() http.Header {
		t.Helper()
		resp, err := http.Post(srv.URL+"/api/v1/login", "application/json", strings.NewReader(`{"name":"al","password":"right password"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || len(resp.Cookies()) == 0 {
			t.Fatalf("sign-in: %s", resp.Status)
		}
		return http.Header{"Cookie": {resp.Cookies()[0].String()}}
	}
	who := func(cookie http.Header) (int, string) {
		return sendAs(t, "GET", srv.URL+"/api/v1/whoami", "", cookie)
	}
	s := signIn()
	for i := range 3 { // used every 20 minutes: an hour later still signed in
		later(20 * time.Minute)
		if code, body := who(s); code != 200 {
			t.Fatalf("used after %d×20 min: %d %s", i+1, code, body)
		}
	}
	later(31 * time.Minute)
	for range 2 {
		code, body := who(s)
		if code != http.StatusUnauthorized || !strings.Contains(body, `"reason": "idle"`) || !strings.Contains(body, "server.session_idle 30m0s") {
			t.Errorf("unused 31 min: %d %s; want 401 idle naming server.session_idle", code, body)
		}
	}
	h.SetSessionIdle(0)
	s = signIn()
	later(11 * time.Hour)
	if code, body := who(s); code != 200 {
		t.Errorf("session_idle 0, unused 11 h: %d %s", code, body)
	}
}

// A desk left open stays signed in while it waits for calls: its event
// stream is a use of the session. Once a gap in its use outlasts
// session_idle, it goes to sign-in and says why.
func TestBrowserSessionIdle(t *testing.T) {
	d := newTestDaemon(t, browserYAML)
	if err := d.sw.SetPhone("sim/alice", farend.Phone{Mode: farend.PhoneAnswer}); err != nil {
		t.Fatal(err)
	}
	h := New(d.rt, d.db, zerolog.Nop())
	h.KeepAlive = 200 * time.Millisecond
	ctx, cancel := browser(t)
	t.Cleanup(cancel)
	url := serveUsers(t, h, d, auth.User{Name: "al", Role: auth.Agent, Agent: "alice"})
	ctx, cancelT := context.WithTimeout(ctx, 45*time.Second)
	t.Cleanup(cancelT)
	if err := signInDesk(ctx, url); err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	h.SetSessionIdle(1500 * time.Millisecond)
	time.Sleep(3 * time.Second)
	if status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch("/api/v1/whoami").then(r => r.status)`, chromedp.EvalAwaitPromise)); err != nil || status != 200 {
		t.Fatalf("the desk, open 3 s with session_idle 1.5 s: whoami %d (%v); want still signed in", status, err)
	}
	// A gap in its use longer than session_idle (a laptop asleep, as a
	// session_idle shorter than the stream's keep-alive makes it): the
	// page goes to sign-in and says why.
	h.SetSessionIdle(time.Millisecond)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("login-name"))); err != nil {
		t.Fatalf("the desk did not go to sign-in: %v", err)
	}
	if msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("login-error"))); err != nil || !strings.Contains(msg, "unused too long") {
		t.Errorf("sign-in page says %q (%v); want that the session went unused", msg, err)
	}
	screenshot(t, ctx, "desk-session-idle")
}
