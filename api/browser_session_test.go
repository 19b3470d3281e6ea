package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/api/auth"
)

// An agent reloads the desk during wrap-up: the disposition form is still
// there for the call just ended (it was gone, and the call went without
// one). Ready ends the wrap-up, which saves the record. Then the session
// ends elsewhere (a sign-out in another tab): the desk does not go on
// looking live, it asks to sign in again.
func TestBrowserDeskReloadInWrapUpAndSignedOut(t *testing.T) {
	d := newTestDaemon(t, browserYAML)
	if err := d.sw.SetPhone("sim/alice", farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 100 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	h := New(d.rt, d.db, zerolog.Nop())
	h.KeepAlive = 200 * time.Millisecond
	ctx := openDesk(t, d, h)
	logIn(t, ctx)
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "+12125550187", To: "100", HangupAfter: time.Second}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("desk-call")), chromedp.WaitVisible(chromedp.CSS(`#desk-state.state-wrap-up`))); err != nil {
		t.Fatalf("the call and its wrap-up: %v", err)
	}
	callID, err := chromedp.Run(ctx, chromedp.Evaluate[string](`state.agents.get("alice").call || ""`))
	if err != nil || callID == "" {
		t.Fatalf("alice's call in wrap-up: %q %v", callID, err)
	}
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#desk-state.state-wrap-up`))); err != nil {
		t.Fatalf("reload: %v", err)
	}
	if err := chromedp.Do(ctx, poll(`!document.getElementById("dispo-form").hidden`)); err != nil {
		t.Fatalf("no disposition form after a reload in wrap-up: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("dispo"), "resolved"), chromedp.Click(chromedp.ID("dispo-submit")),
		poll(`document.getElementById("dispo").value === ""`), chromedp.Click(chromedp.ID("btn-ready"))); err != nil {
		t.Fatalf("filing the disposition: %v", err)
	}
	if msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("dispo-error"))); msg != "" {
		t.Fatalf("filing the disposition: %s", msg)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if rec, err := d.db.Call(callID); err == nil && rec.Disposition == "resolved" {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("call %s record: %+v %v", callID, rec, err)
		}
	}
	// Signed out elsewhere: the stream ends, its reconnect is refused.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`fetch("/api/v1/logout", {method: "POST", headers: {"X-CSRF-Token": csrf}}).then(r => r.ok)`,
		chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("login-name"))); err != nil {
		t.Fatalf("the desk did not ask to sign in again: %v", err)
	}
	if msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("login-error"))); err != nil || !strings.Contains(msg, "sign in") {
		t.Errorf("sign-in page says %q (%v); want why", msg, err)
	}
	screenshot(t, ctx, "desk-signed-out")
}

// An admin makes a supervisor an agent while her wallboard is open: the
// page follows at its stream's next keep-alive, shows her desk and no
// longer offers the wallboard or the campaigns (it kept them, every
// action refused).
func TestBrowserRoleChangedUnderAnOpenPage(t *testing.T) {
	ctx, cancel := browser(t)
	defer cancel()
	d := newTestDaemon(t, browserYAML)
	h := New(d.rt, d.db, zerolog.Nop())
	h.KeepAlive = 200 * time.Millisecond
	srv := serveUsers(t, h, d, auth.User{Name: "sue", Role: auth.Supervisor})
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
	if err := chromedp.Do(ctx, signInTasks(srv, "sue"), chromedp.Navigate(srv+"/#wallboard"),
		chromedp.WaitVisible(chromedp.CSS(`#agents tr[data-agent="alice"]`))); err != nil {
		t.Fatalf("wallboard: %v", err)
	}
	u, err := d.db.User("sue")
	if err != nil {
		t.Fatal(err)
	}
	u.Role, u.Agent = auth.Agent, "alice"
	if err := d.db.SaveUser(u); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("btn-login")),
		poll(`document.getElementById("nav-wallboard").hidden && document.getElementById("nav-campaigns").hidden`)); err != nil {
		t.Fatalf("the page did not follow sue's new role: %v", err)
	}
	if who, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("who"))); err != nil || who != "sue (agent)" {
		t.Errorf("signed in as %q (%v)", who, err)
	}
}

// Notes typed for a call and never saved do not carry over to the agent's
// next call: the form starts empty for each call (they stayed in the
// field, and Save filed them on the next caller).
func TestBrowserDeskFormStartsEmptyForTheNextCall(t *testing.T) {
	ctx, d := aliceDesk(t, browserYAML, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 100 * time.Millisecond})
	logIn(t, ctx)
	call := func(from string) string {
		t.Helper()
		if _, err := d.sw.PlaceCall(farend.CallScript{From: from, To: "100", HangupAfter: time.Minute}); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, poll(`document.getElementById("call-caller").textContent === "`+from+`" && !document.getElementById("dispo-form").hidden`)); err != nil {
			t.Fatalf("the desk with %s's call: %v", from, err)
		}
		id, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`lastCall`))
		return id
	}
	first := call("+12125550101")
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("dispo"), "sale"), chromedp.SendKeys(chromedp.ID("notes"), "wants the blue one"),
		chromedp.Click(chromedp.ID("btn-hangup")), chromedp.WaitVisible(chromedp.CSS(`#desk-state.state-wrap-up`)),
		chromedp.Click(chromedp.ID("btn-ready")), chromedp.WaitVisible(chromedp.CSS(`#desk-state.state-available`))); err != nil {
		t.Fatalf("hang up and ready: %v", err)
	}
	second := call("+12125550102")
	if second == first {
		t.Fatalf("the desk still shows call %s", first)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("dispo").value + "|" + document.getElementById("notes").value`))
	if err != nil || got != "|" {
		t.Errorf("the form for the next caller holds %q (%v); want it empty", got, err)
	}
}

// An agent signs out while a call rings the desk: the ringing stops with
// the desk (it went on, every two seconds, over the sign-in page).
func TestBrowserSignOutStopsTheRing(t *testing.T) {
	ctx, d := aliceDesk(t, browserYAML, farend.Phone{Mode: farend.PhoneNoAnswer})
	logIn(t, ctx)
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "+12125550101", To: "100", HangupAfter: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#desk-state.state-ringing`)), poll(`ringTimer !== null`),
		chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-name"))); err != nil {
		t.Fatalf("ringing, then sign out: %v", err)
	}
	if ringing, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`ringTimer !== null`)); err != nil || ringing {
		t.Errorf("the sign-in page rings (%v)", err)
	}
}

// The daemon goes away under an open wallboard (a proxy in front answers
// 502 for it): the page says its figures are not live, and once the
// daemon is back it follows the stream again and says nothing more. A
// stream refused with a 502 is closed for good by the browser: the page
// showed the figures of the moment the daemon went, as if live.
func TestBrowserWallboardOfflineAndBack(t *testing.T) {
	ctx, cancel := browser(t)
	defer cancel()
	var down atomic.Bool
	ctx, d, hs := gatedWallboard(t, ctx, 0, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if down.Load() {
				http.Error(w, "bad gateway", http.StatusBadGateway)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	if hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("offline").hidden`)); err != nil || !hidden {
		t.Errorf("offline shown while connected (%v)", err)
	}
	down.Store(true)
	hs.CloseClientConnections()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("offline"))); err != nil {
		t.Fatalf("the page does not say it is offline: %v", err)
	}
	screenshot(t, ctx, "wallboard-offline")
	// The browser's own retry meets the 502 and gives up.
	if err := chromedp.Do(ctx, poll(`stream && stream.readyState === EventSource.CLOSED`)); err != nil {
		t.Fatalf("the stream was not refused: %v", err)
	}
	down.Store(false)
	if _, err := engine.Send(ctx, d.rt, engine.Login{Agent: "alice"}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitNotVisible(chromedp.ID("offline")),
		chromedp.WaitVisible(chromedp.CSS(`#agents tr[data-agent="alice"] td.state-available`))); err != nil {
		t.Fatalf("the page did not come back: %v", err)
	}
}

// logIn starts alice's shift from her desk, as its Log in button does.
func logIn(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("btn-login")), chromedp.WaitVisible(chromedp.CSS(`#desk-state.state-available`))); err != nil {
		t.Fatalf("log in: %v", err)
	}
}

// gatedWallboard serves the browser daemon through gate (keepAlive 0: the
// default) and shows sue's wallboard; the context it returns ends in 60 s.
func gatedWallboard(t *testing.T, ctx context.Context, keepAlive time.Duration, gate func(http.Handler) http.Handler) (context.Context, *testDaemon, *httptest.Server) {
	t.Helper()
	d := newTestDaemon(t, browserYAML)
	h := New(d.rt, d.db, zerolog.Nop())
	h.KeepAlive = keepAlive
	h.EnableAuth(d.db, time.Now)
	hs := httptest.NewServer(gate(h))
	t.Cleanup(hs.Close)
	u := auth.User{Name: "sue", Role: auth.Supervisor}
	u.Hash, _ = auth.HashPassword("pw of sue!!", fastParams)
	if err := d.db.SaveUser(&u); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, signInTasks(hs.URL, "sue"), chromedp.Navigate(hs.URL+"/#wallboard"),
		chromedp.WaitVisible(chromedp.CSS(`#agents tr[data-agent="alice"]`))); err != nil {
		t.Fatalf("wallboard: %v", err)
	}
	return ctx, d, hs
}

// stallWriter holds every write and flush of a stream while stalled: a
// daemon stopped (SIGSTOP) or a dead network path, the connection open.
type stallWriter struct {
	http.ResponseWriter
	stalled *atomic.Bool
	ctx     context.Context
}

func (s stallWriter) wait() {
	for s.stalled.Load() && s.ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
}

func (s stallWriter) Write(b []byte) (int, error) { s.wait(); return s.ResponseWriter.Write(b) }
func (s stallWriter) Flush()                      { s.wait(); s.ResponseWriter.(http.Flusher).Flush() }

// The stream stalls under an open wallboard, its connection still open:
// the page hears no keep-alive and says its figures are not live (it
// showed them as live for as long as the stall lasted), then follows the
// stream again once it flows.
func TestBrowserWallboardStalledStream(t *testing.T) {
	ctx, cancel := browser(t)
	defer cancel()
	var stalled atomic.Bool
	ctx, d, _ := gatedWallboard(t, ctx, 300*time.Millisecond, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/v1/events" {
				w = stallWriter{ResponseWriter: w, stalled: &stalled, ctx: r.Context()}
			}
			h.ServeHTTP(w, r)
		})
	})
	time.Sleep(time.Second) // keep-alives come, the page stays live
	if hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("offline").hidden`)); err != nil || !hidden {
		t.Fatalf("offline shown while the stream flows (%v)", err)
	}
	stalled.Store(true)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("offline"))); err != nil {
		t.Fatalf("the page does not say its stream stalled: %v", err)
	}
	stalled.Store(false)
	if _, err := engine.Send(ctx, d.rt, engine.Login{Agent: "alice"}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitNotVisible(chromedp.ID("offline")),
		chromedp.WaitVisible(chromedp.CSS(`#agents tr[data-agent="alice"] td.state-available`))); err != nil {
		t.Fatalf("the page did not come back: %v", err)
	}
}
