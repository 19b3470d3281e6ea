package api

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/api/auth"
)

// An admin adds a supervisor with teams, who can then sign in; disabling
// her stops that; the last enabled admin cannot be disabled; names,
// roles and passwords are checked.
func TestUsersAdmin(t *testing.T) {
	d := newTestDaemon(t, cfgYAML)
	srv := authServer(t, d)
	root := addUser(t, d.db, auth.User{Name: "root", Role: auth.Admin})
	call := func(method, path, body string) (int, string) {
		return sendAs(t, method, srv.URL+path, body, http.Header{"Authorization": {"Bearer " + root}})
	}
	login := func(name, pw string) int {
		resp, err := http.Post(srv.URL+"/api/v1/login", "application/json", strings.NewReader(`{"name":"`+name+`","password":"`+pw+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code, body := call("POST", "/api/v1/users", `{"name":"sue","role":"supervisor","teams":["support"],"password":"sue's long secret"}`); code != 200 {
		t.Fatalf("add sue: %d %s", code, body)
	}
	code, body := call("GET", "/api/v1/users", "")
	var users []UserInfo
	if code != 200 || json.Unmarshal([]byte(body), &users) != nil || len(users) != 2 || strings.Contains(body, "argon2") {
		t.Fatalf("list: %d %s", code, body)
	}
	if login("sue", "sue's long secret") != 200 {
		t.Error("sue cannot sign in")
	}
	for _, c := range []struct{ body, want string }{
		{`{"name":"sue","role":"agent","password":"0123456789ab"}`, "exists already"},
		{`{"name":"Sue","role":"agent","agent":"alice","password":"0123456789ab"}`, `user \"Sue\" differs from the user \"sue\" only in case`},
		{`{"name":"al","role":"agent","password":"0123456789ab"}`, `needs field \"agent\"`},
		{`{"name":"al","role":"agent","agent":"alicee","password":"0123456789ab"}`, `unknown agent \"alicee\"`},
		{`{"name":"al","role":"agent","agent":"alice","password":"short"}`, "at least 10"},
		{`{"name":"al","role":"boss","agent":"alice","password":"0123456789ab"}`, "unknown role"},
		{`{"name":"a b","role":"agent","agent":"alice","password":"0123456789ab"}`, "name"},
		{`{"name":"tess","role":"supervisor","teams":["support","suport"],"password":"0123456789ab"}`, `field \"teams\": unknown queue \"suport\"`},
	} {
		if code, body := call("POST", "/api/v1/users", c.body); code < 400 || !strings.Contains(body, c.want) {
			t.Errorf("POST %s: %d %s, want %q", c.body, code, body, c.want)
		}
	}
	if code, body := call("PUT", "/api/v1/users/sue", `{"disabled":true}`); code != 200 || !strings.Contains(body, `"disabled": true`) {
		t.Fatalf("disable sue: %d %s", code, body)
	}
	if login("sue", "sue's long secret") != 401 {
		t.Error("a disabled user signed in")
	}
	if code, body := call("PUT", "/api/v1/users/root", `{"disabled":true}`); code != 409 || !strings.Contains(body, "last enabled admin") {
		t.Errorf("disabling the last admin: %d %s", code, body)
	}
	if code, body := call("PUT", "/api/v1/users/nobody", `{"disabled":true}`); code != 404 {
		t.Errorf("unknown user: %d %s", code, body)
	}
}

// authServer serves d's engine and store with users and tokens checked.
func authServer(t *testing.T, d *testDaemon) *httptest.Server {
	t.Helper()
	h := New(d.rt, d.db, zerolog.Nop())
	h.EnableAuth(d.db, time.Now)
	h.SetTeams(d.cfg)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// A password reset (as after a stolen password) signs out the user's
// browser sessions: the session signed in with the old password went on
// working for its 12 hours.
func TestPasswordResetEndsSessions(t *testing.T) {
	d := newTestDaemon(t, cfgYAML)
	srv := authServer(t, d)
	root := addUser(t, d.db, auth.User{Name: "root", Role: auth.Admin})
	if code, body := sendAs(t, "POST", srv.URL+"/api/v1/users", `{"name":"al","role":"agent","agent":"alice","password":"al's old secret"}`,
		http.Header{"Authorization": {"Bearer " + root}}); code != 200 {
		t.Fatalf("add al: %d %s", code, body)
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	status := func() int {
		resp, err := browser.Get(srv.URL + "/api/v1/status")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	resp, err := browser.Post(srv.URL+"/api/v1/login", "application/json", strings.NewReader(`{"name":"al","password":"al's old secret"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || status() != 200 {
		t.Fatalf("al's sign-in: %d", resp.StatusCode)
	}
	if code, body := sendAs(t, "PUT", srv.URL+"/api/v1/users/al", `{"password":"al's new secret"}`,
		http.Header{"Authorization": {"Bearer " + root}}); code != 200 {
		t.Fatalf("reset al's password: %d %s", code, body)
	}
	if got := status(); got != 401 {
		t.Errorf("al's old session after a password reset: %d, want 401", got)
	}
}

// Until the first user exists the API answers whoever reaches the port,
// but not a web page of another site the user's browser visits: its
// changes (a simple cross-origin POST needs no preflight) are refused, as
// is a host name an attacker's DNS may point at 127.0.0.1, and no user,
// let alone an admin, is created over HTTP. Reads and changes from the
// daemon's own pages and from curl go on as before.
func TestOpenAPIRefusesOtherSites(t *testing.T) {
	d := newTestDaemon(t, cfgYAML)
	srv := authServer(t, d)
	mallory := `{"name":"mallory","role":"admin","password":"Mallory-pass-123!"}`
	send := func(method, path, body string, hdr http.Header) (int, string) {
		return sendAs(t, method, srv.URL+path, body, hdr)
	}
	own := strings.TrimPrefix(srv.URL, "http://")
	for _, tc := range []struct {
		name, method, path, body string
		hdr                      http.Header
		want                     int
		says                     string
	}{
		{"another site's page creates an admin", "POST", "/api/v1/users", mallory,
			http.Header{"Origin": {"http://localhost:8194"}, "Content-Type": {"text/plain"}}, 403, "another site"},
		{"another site's page pauses an agent", "POST", "/api/v1/agents/alice/pause", `{"reason":"x"}`,
			http.Header{"Sec-Fetch-Site": {"cross-site"}}, 403, "another site"},
		{"a rebound host name reads the status", "GET", "/api/v1/status", "", http.Header{"Host": {"evil.example:80"}}, 403, `evil.example:80\" refused`},
		{"curl creates the first user", "POST", "/api/v1/users", mallory, nil, 403, "from the shell"},
		{"the daemon's own page logs an agent in", "POST", "/api/v1/agents/alice/login", "",
			http.Header{"Origin": {"http://" + own}, "Sec-Fetch-Site": {"same-origin"}}, 200, `"available"`},
		{"localhost reads the status", "GET", "/api/v1/status", "", http.Header{"Host": {"localhost"}}, 200, `"agents"`},
	} {
		if code, body := send(tc.method, tc.path, tc.body, tc.hdr); code != tc.want || !strings.Contains(body, tc.says) {
			t.Errorf("%s: %d %s; want %d saying %q", tc.name, code, body, tc.want, tc.says)
		}
	}
	if users, err := d.db.Users(); err != nil || len(users) != 0 {
		t.Errorf("users %v (%v); want none", users, err)
	}
}
