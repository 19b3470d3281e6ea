package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/api/auth"
)

// streamServer is a daemon with users (root, an admin; sue and tess,
// supervisors; al, alice's agent) whose streams keep alive every every, and
// open, which starts a stream and returns a channel closed when the server
// ends it.
func streamServer(t *testing.T, every time.Duration) (d *testDaemon, srv *httptest.Server, tokens map[string]string, open func(*http.Client, http.Header) <-chan struct{}) {
	d = newTestDaemon(t, cfgYAML)
	h := New(d.rt, d.db, zerolog.Nop())
	h.EnableAuth(d.db, time.Now)
	h.KeepAlive = every
	srv = httptest.NewServer(h)
	t.Cleanup(srv.Close)
	tokens = map[string]string{
		"root": addUser(t, d.db, auth.User{Name: "root", Role: auth.Admin}),
		"sue":  addUser(t, d.db, auth.User{Name: "sue", Role: auth.Supervisor}),
		"tess": addUser(t, d.db, auth.User{Name: "tess", Role: auth.Supervisor}),
		"al":   addUser(t, d.db, auth.User{Name: "al", Role: auth.Agent, Agent: "alice"}),
	}
	open = func(c *http.Client, hdr http.Header) <-chan struct{} {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/api/v1/events", nil)
		for k, v := range hdr {
			req.Header[k] = v
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 {
			t.Fatalf("stream: %d", resp.StatusCode)
		}
		done := make(chan struct{})
		go func() { _, _ = io.Copy(io.Discard, resp.Body); resp.Body.Close(); close(done) }()
		return done
	}
	return d, srv, tokens, open
}

// streamEnds fails unless done closes within within; streamStays unless it
// stays open for 200 ms.
func streamEnds(t *testing.T, done <-chan struct{}, within time.Duration, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(within):
		t.Errorf("%s: the stream goes on", what)
	}
}

func streamStays(t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
		t.Errorf("%s: the stream ended", what)
	case <-time.After(200 * time.Millisecond):
	}
}

// An open change stream lasts no longer than the credentials it was opened
// with: signing out, a user disabled or demoted by an admin end it at once
// (the keep-alives here are an hour apart), and the client's reconnect is
// then asked to sign in or gets what the new role may see. A wallboard
// left open after its supervisor was disabled went on showing every call;
// one left open at a sign-out went on for up to a keep-alive interval.
func TestEventStreamEndsWithItsCredentials(t *testing.T) {
	_, srv, tokens, open := streamServer(t, time.Hour)
	root := http.Header{"Authorization": {"Bearer " + tokens["root"]}}
	sue, tess := tokens["sue"], tokens["tess"]
	ends := func(done <-chan struct{}, what string) { t.Helper(); streamEnds(t, done, 5*time.Second, what) }
	stays := func(done <-chan struct{}, what string) { t.Helper(); streamStays(t, done, what) }

	// A browser session signs out (in another tab of the same browser).
	jar, _ := cookiejar.New(nil)
	br := &http.Client{Jar: jar}
	resp, err := br.Post(srv.URL+"/api/v1/login", "application/json", strings.NewReader(`{"name":"al","password":"pw of al!!"}`))
	if err != nil {
		t.Fatal(err)
	}
	var signed struct{ CSRF string }
	_ = json.NewDecoder(resp.Body).Decode(&signed)
	resp.Body.Close()
	alStream := open(br, nil)
	stays(alStream, "al signed in")
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/logout", nil)
	req.Header.Set("X-CSRF-Token", signed.CSRF)
	if resp, err := br.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("sign out: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	ends(alStream, "al signed out")

	// An admin disables sue, and makes tess an agent.
	sueStream := open(http.DefaultClient, http.Header{"Authorization": {"Bearer " + sue}})
	tessStream := open(http.DefaultClient, http.Header{"Authorization": {"Bearer " + tess}})
	stays(sueStream, "sue")
	if code, body := sendAs(t, "PUT", srv.URL+"/api/v1/users/sue", `{"disabled":true}`, root); code != 200 {
		t.Fatalf("disable sue: %d %s", code, body)
	}
	ends(sueStream, "sue disabled")
	stays(tessStream, "tess, while sue was disabled")
	if code, body := sendAs(t, "PUT", srv.URL+"/api/v1/users/tess", `{"role":"agent","agent":"alice"}`, root); code != 200 {
		t.Fatalf("demote tess: %d %s", code, body)
	}
	ends(tessStream, "tess made an agent")
}

// A change the CLI makes in the store (a user disabled while the daemon
// runs) ends the user's open streams by the next keep-alive.
func TestEventStreamEndsAtKeepAliveForAStoreChange(t *testing.T) {
	d, _, tokens, open := streamServer(t, 20*time.Millisecond)
	stream := open(http.DefaultClient, http.Header{"Authorization": {"Bearer " + tokens["sue"]}})
	streamStays(t, stream, "sue") // ten keep-alives
	u, err := d.db.User("sue")
	if err != nil {
		t.Fatal(err)
	}
	u.Disabled = true
	if err := d.db.SaveUser(u); err != nil {
		t.Fatal(err)
	}
	streamEnds(t, stream, 30*time.Second, "sue disabled in the store")
}
