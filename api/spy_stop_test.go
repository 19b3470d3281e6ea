package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/api/auth"
)

// A supervisor stops the listen she started with POST
// /api/v1/agents/{id}/spy-stop: the status and the change stream list the
// monitor for supervisors, never for agents, until it is stopped; an agent is refused
// (403), a body without the phone is a 400, a phone not in the call a 404.
func TestSpyStop(t *testing.T) {
	d := newTestDaemon(t, teamsYAML)
	for ep, ph := range map[string]farend.Phone{"sim/alice": {Mode: farend.PhoneAnswer, AnswerDelay: 50 * time.Millisecond},
		"sim/sue": {Mode: farend.PhoneAnswer, AnswerDelay: 50 * time.Millisecond}} {
		if err := d.sw.SetPhone(ep, ph); err != nil {
			t.Fatal(err)
		}
	}
	srv := authServer(t, d)
	bearer := func(s string) http.Header { return http.Header{"Authorization": {"Bearer " + s}} }
	alToken, sueToken := addUser(t, d.db, auth.User{Name: "al", Role: auth.Agent, Agent: "alice"}), addUser(t, d.db, auth.User{Name: "sue", Role: auth.Supervisor})
	al, sue := bearer(alToken), bearer(sueToken)
	if code, body := sendAs(t, "POST", srv.URL+"/api/v1/agents/alice/login", "", al); code != 200 {
		t.Fatalf("login: %d %s", code, body)
	}
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "555", To: "100", HangupAfter: time.Minute}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		for _, a := range d.rt.Snapshot().Agents {
			if a.ID == "alice" && a.State == "on-call" {
				return true
			}
		}
		return false
	}, "alice on the call")
	sueStream, alStream := openEventsAs(t, srv.URL, "", sueToken), openEventsAs(t, srv.URL, "", alToken)
	if code, body := sendAs(t, "POST", srv.URL+"/api/v1/agents/alice/spy", `{"mode":"listen","endpoint":"sim/sue"}`, sue); code != 200 {
		t.Fatalf("listen: %d %s", code, body)
	}
	monitors := func(hdr http.Header) []engine.Monitor {
		t.Helper()
		_, body := sendAs(t, "GET", srv.URL+"/api/v1/status", "", hdr)
		var st engine.Status
		if err := json.Unmarshal([]byte(body), &st); err != nil {
			t.Fatal(err)
		}
		return st.Monitors
	}
	waitFor(t, func() bool { return len(monitors(sue)) == 1 }, "the listen in sue's status")
	if m := monitors(sue)[0]; m.Agent != "alice" || m.Endpoint != "sim/sue" || m.Mode != "listen" || m.By != "sue" {
		t.Errorf("monitor %+v; want sue listening to alice from sim/sue", m)
	}
	if m := monitors(al); len(m) != 0 {
		t.Errorf("alice's own status shows who listens: %+v", m)
	}
	for _, c := range []struct {
		who  string
		hdr  http.Header
		body string
		want int
		says string
	}{
		{"al", al, `{"endpoint":"sim/sue"}`, 403, "need supervisor"},
		{"sue", sue, `{}`, 400, `\"endpoint\" is required for spy-stop`},
		{"sue", sue, `{"endpoint":"sim/other"}`, 404, "no such monitor"},
		{"sue", sue, `{"endpoint":"sim/sue"}`, 200, `"mode": "listen"`},
		{"sue", sue, `{"endpoint":"sim/sue"}`, 404, "no such monitor"}, // stopped already
	} {
		if code, body := sendAs(t, "POST", srv.URL+"/api/v1/agents/alice/spy-stop", c.body, c.hdr); code != c.want || !strings.Contains(body, c.says) {
			t.Errorf("%s stops %s: %d %s; want %d with %s", c.who, c.body, code, body, c.want, c.says)
		}
	}
	waitFor(t, func() bool { return len(monitors(sue)) == 0 }, "the listen gone from the status")
	for _, kind := range []string{"monitor", "monitor-ended"} {
		if ev := sueStream.next(t, kind); !strings.Contains(ev.data, `"endpoint":"sim/sue"`) {
			t.Errorf("sue's %s event: %s", kind, ev.data)
		}
	}
	time.Sleep(200 * time.Millisecond) // al's stream had the same time
	for len(alStream.events) > 0 {
		if ev := <-alStream.events; strings.HasPrefix(ev.event, "monitor") {
			t.Errorf("alice's stream tells her who listens: %s %s", ev.event, ev.data)
		}
	}
}

// The wallboard shows a Stop beside each phone in a live call; a click
// hangs up that phone's listen and the Stop goes.
func TestBrowserSpyStop(t *testing.T) {
	ctx, cancel := browser(t)
	defer cancel()
	d := newTestDaemon(t, browserYAML)
	for _, ep := range []string{"sim/alice", "sim/sue"} {
		if err := d.sw.SetPhone(ep, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 50 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	h := New(d.rt, d.db, zerolog.Nop())
	url := serveUsers(t, h, d, auth.User{Name: "sue", Role: auth.Supervisor})
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
	if err := chromedp.Do(ctx, signInTasks(url, "sue"), chromedp.Navigate(url+"/#wallboard"),
		chromedp.WaitVisible(chromedp.CSS(`#agents tr[data-agent="alice"]`))); err != nil {
		t.Fatalf("wallboard: %v", err)
	}
	if _, err := engine.Send(context.Background(), d.rt, engine.Login{Agent: "alice"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "555", To: "100", HangupAfter: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#calls tr button[data-spy="listen"][data-agent="alice"]`)),
		chromedp.SendKeys(chromedp.ID("spy-endpoint"), "sim/sue"), chromedp.Click(chromedp.CSS(`#calls tr button[data-spy="listen"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#calls tr button[data-stop="sim/sue"]`))); err != nil {
		errText, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("wall-error")))
		t.Fatalf("the listen's Stop: %v (%q)", err, errText)
	}
	screenshot(t, ctx, "wallboard-spy-stop")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#calls tr button[data-stop="sim/sue"]`)),
		poll(`document.querySelector('#calls tr button[data-stop]') === null && document.getElementById("wall-error").textContent === ""`)); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if m := d.rt.Snapshot().Monitors; len(m) != 0 {
		t.Errorf("monitors after Stop %+v", m)
	}
}
