package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/api/auth"
	"github.com/hotline-cc/hotline/store"
)

var fastParams = auth.Params{Time: 1, Memory: 1024, Threads: 1}

// Every route the server registers has a line in routeAccess, and no line
// names a route that does not exist.
func TestRouteAccessCoversEveryRoute(t *testing.T) {
	routes := registeredRoutes(t)
	for _, r := range routes {
		if _, ok := routeAccess[r]; !ok {
			t.Errorf("route %q has no line in routeAccess", r)
		}
	}
	for r := range routeAccess {
		if !slices.Contains(routes, r) {
			t.Errorf("routeAccess names %q, which the server does not register", r)
		}
	}
}

// registeredRoutes reads the patterns the package's sources register.
func registeredRoutes(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob("*.go")
	re := regexp.MustCompile(`s\.mux\.Handle(?:Func)?\("([^"]+)"`)
	var routes []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			routes = append(routes, m[1])
		}
	}
	if len(routes) < 10 {
		t.Fatalf("found only %d routes: %v", len(routes), routes)
	}
	return routes
}

// teamsYAML has alice in support and bob in sales.
const teamsYAML = `
entries:
  - {number: "100", queue: support}
  - {number: "200", queue: sales}
queues:
  - {name: support}
  - {name: sales}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
  - {id: bob, endpoint: sim/bob, queues: [{queue: sales}]}
campaigns:
  - {name: winback, mode: preview, queues: [support]}
  - {name: upsell, mode: preview, queues: [sales]}
teams:
  - {name: front, queues: [support], supervisors: [tina]}
`

// teamCampaign is the campaign each agent of teamsYAML works.
var teamCampaign = map[string]string{"alice": "winback", "bob": "upsell"}

func TestAuthEveryRouteEveryRole(t *testing.T) {
	d := newTestDaemon(t, teamsYAML)
	h := New(d.rt, d.db, zerolog.Nop())
	h.EnableAuth(d.db, time.Now)
	h.SetTeams(d.cfg)
	srv := httptest.NewServer(h)
	defer srv.Close()

	// Before the first user exists the API is open, as before.
	if code := do(t, srv.URL, "GET", "/api/v1/status", "", nil); code != http.StatusOK {
		t.Fatalf("no users yet: status %d", code)
	}
	tokens := map[string]string{}
	for _, u := range []auth.User{
		{Name: "al", Role: auth.Agent, Agent: "alice"},
		{Name: "sue", Role: auth.Supervisor},
		{Name: "tess", Role: auth.Supervisor, Teams: []string{"support"}}, // alice's queue, not bob's (the user's own list)
		{Name: "tina", Role: auth.Supervisor},                             // the same by the config's teams
		{Name: "root", Role: auth.Admin},
	} {
		u.Hash, _ = auth.HashPassword("pw of "+u.Name+"!!", fastParams)
		if err := d.db.SaveUser(&u); err != nil {
			t.Fatal(err)
		}
		tok, secret, _ := auth.NewToken(u.Name, u.Role, "", time.Now())
		if err := d.db.SaveToken(&tok); err != nil {
			t.Fatal(err)
		}
		tokens[u.Name] = secret
	}
	revoked, rsecret, _ := auth.NewToken("root", auth.Admin, "", time.Now())
	revoked.Revoked = true
	d.db.SaveToken(&revoked)

	type caller struct {
		name   string
		header http.Header
		role   auth.Role // 0: nobody
		agent  string
		team   []string // the agents a supervisor with teams may act on
	}
	bearer := func(s string) http.Header { return http.Header{"Authorization": {"Bearer " + s}} }
	callers := []caller{
		{"anonymous", nil, 0, "", nil},
		{"revoked token", bearer(rsecret), 0, "", nil},
		{"garbage token", bearer("hl_000000000000_nope"), 0, "", nil},
		{"agent", bearer(tokens["al"]), auth.Agent, "alice", nil},
		{"supervisor", bearer(tokens["sue"]), auth.Supervisor, "", nil},
		{"team supervisor", bearer(tokens["tess"]), auth.Supervisor, "", []string{"alice"}},
		{"config team supervisor", bearer(tokens["tina"]), auth.Supervisor, "", []string{"alice"}},
		{"admin", bearer(tokens["root"]), auth.Admin, "", nil},
	}
	for pattern, acc := range routeAccess {
		method, path, _ := strings.Cut(pattern, " ")
		for _, target := range []string{"alice", "bob"} {
			p := strings.NewReplacer("{id}", target, "{action}", "ready", "{kind}", "queues", "{name}", teamCampaign[target]).Replace(path)
			campaign := strings.Contains(pattern, " /api/v1/campaigns/") // one campaign's route: team-scoped
			for _, c := range callers {
				want := "allowed"
				switch {
				case acc.public:
				case c.role == 0:
					want = "401"
				case !c.role.Allows(acc.role):
					want = "403"
				case acc.own && c.role == auth.Agent && target != c.agent:
					want = "403"
				case (acc.own || campaign) && c.team != nil && !slices.Contains(c.team, target):
					want = "403"
				}
				code := do(t, srv.URL, method, p, "", c.header)
				got := "allowed"
				if code == http.StatusUnauthorized || code == http.StatusForbidden {
					got = map[int]string{401: "401", 403: "403"}[code]
				}
				if pattern == "POST /api/v1/login" && code == http.StatusUnauthorized {
					got = "allowed" // a refused sign-in, not a refused route
				}
				if got != want {
					t.Errorf("%s %s as %s: %d, want %s", method, p, c.name, code, want)
				}
			}
		}
	}
}

func TestSessionLoginCSRFAndLockout(t *testing.T) {
	d := newTestDaemon(t, cfgYAML)
	h := New(d.rt, d.db, zerolog.Nop())
	h.EnableAuth(d.db, time.Now)
	srv := httptest.NewServer(h)
	defer srv.Close()
	u := auth.User{Name: "al", Role: auth.Agent, Agent: "alice"}
	u.Hash, _ = auth.HashPassword("right password", fastParams)
	d.db.SaveUser(&u)

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	req := func(method, path, body string, hdr http.Header) *http.Response {
		r, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		for k, v := range hdr {
			r.Header[k] = v
		}
		resp, err := client.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := req("POST", "/api/v1/login", `{"name":"al","password":"wrong"}`, nil); r.StatusCode != 401 {
		t.Fatalf("wrong password: %d", r.StatusCode)
	}
	if r := req("POST", "/api/v1/login", `{"name":"nobody","password":"whatever"}`, nil); r.StatusCode != 401 {
		t.Fatalf("unknown user: %d", r.StatusCode)
	}
	r, _ := http.NewRequest("POST", srv.URL+"/api/v1/login", strings.NewReader(`{"name":"al","password":"right password"}`))
	resp, err := client.Do(r)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("login: %v %v", resp, err)
	}
	var lr LoginResponse
	json.NewDecoder(resp.Body).Decode(&lr)
	resp.Body.Close()
	if lr.CSRF == "" || lr.Role != "agent" || lr.Agent != "alice" {
		t.Fatalf("login answer %+v", lr)
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == SessionCookie {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie %+v", cookie)
	}
	if r := req("GET", "/api/v1/status", "", nil); r.StatusCode != 200 {
		t.Fatalf("status with a session: %d", r.StatusCode)
	}
	if r := req("POST", "/api/v1/agents/alice/login", "", nil); r.StatusCode != 403 {
		t.Fatalf("a change without the CSRF header: %d", r.StatusCode)
	}
	if r := req("POST", "/api/v1/agents/alice/login", "", http.Header{"X-Csrf-Token": {lr.CSRF}}); r.StatusCode != 200 {
		t.Fatalf("a change with the CSRF header: %d", r.StatusCode)
	}
	if r := req("POST", "/api/v1/logout", "", http.Header{"X-Csrf-Token": {lr.CSRF}}); r.StatusCode != 200 {
		t.Fatalf("logout: %d", r.StatusCode)
	}
	if r := req("GET", "/api/v1/status", "", nil); r.StatusCode != 401 {
		t.Fatalf("after logout: %d", r.StatusCode)
	}
	// Five wrong passwords lock the user, even against the right one.
	for range 5 {
		req("POST", "/api/v1/login", `{"name":"al","password":"wrong"}`, nil)
	}
	if r := req("POST", "/api/v1/login", `{"name":"al","password":"right password"}`, nil); r.StatusCode != 401 {
		t.Fatalf("locked user signed in: %d", r.StatusCode)
	}
}

func do(t *testing.T, base, method, path, body string, hdr http.Header) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	r, _ := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
	for k, v := range hdr {
		r.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A disposition and notes are filed by the agent who took the call, or a
// supervisor over its queue or agent: another agent, or a supervisor of
// another team, gets 403 and the record keeps what it had. The same ask
// what a disposition of the call may be.
func TestDispositionOwnCallsOnly(t *testing.T) {
	d := newTestDaemon(t, teamsYAML)
	srv := authServer(t, d)
	at := time.Now().Add(-time.Hour)
	for _, c := range []store.CallRecord{
		{ID: "c-alice", Entered: at, Ended: at.Add(time.Minute), Queue: "support", Agent: "alice", Outcome: acd.OutcomeAnswered},
		{ID: "c-bob", Entered: at, Ended: at.Add(time.Minute), Queue: "sales", Agent: "bob", Outcome: acd.OutcomeAnswered},
	} {
		if err := d.db.SaveCall(&c); err != nil {
			t.Fatal(err)
		}
	}
	bearer := func(s string) http.Header { return http.Header{"Authorization": {"Bearer " + s}} }
	al := bearer(addUser(t, d.db, auth.User{Name: "al", Role: auth.Agent, Agent: "alice"}))
	tina := bearer(addUser(t, d.db, auth.User{Name: "tina", Role: auth.Supervisor}))
	sue := bearer(addUser(t, d.db, auth.User{Name: "sue", Role: auth.Supervisor}))
	for _, c := range []struct {
		who  string
		hdr  http.Header
		call string
		want int
	}{
		{"al", al, "c-bob", 403},
		{"tina", tina, "c-bob", 403},
		{"al", al, "c-alice", 200},
		{"tina", tina, "c-alice", 200},
		{"sue", sue, "c-bob", 200},
		{"al", al, "nope", 404},
	} {
		code, body := sendAs(t, "POST", srv.URL+"/api/v1/calls/"+c.call+"/disposition", `{"disposition":"by `+c.who+`"}`, c.hdr)
		if code != c.want {
			t.Errorf("%s files on %s: %d %s, want %d", c.who, c.call, code, body, c.want)
		}
		// What may be filed is asked by whoever may file.
		if code, body := sendAs(t, "GET", srv.URL+"/api/v1/calls/"+c.call+"/dispositions", "", c.hdr); code != c.want {
			t.Errorf("%s asks what to file on %s: %d %s, want %d", c.who, c.call, code, body, c.want)
		}
	}
	if rec, err := d.db.Call("c-bob"); err != nil || rec.Disposition != "by sue" {
		t.Errorf("c-bob's disposition %q (%v), want sue's only", rec.Disposition, err)
	}
}

// Listening, whispering and barging are a supervisor's: an agent may not
// have the switch join a phone of their choosing to their own call (the
// customer overheard at any number they name).
func TestSpyNeedsSupervisor(t *testing.T) {
	d := newTestDaemon(t, teamsYAML)
	srv := authServer(t, d)
	bearer := func(s string) http.Header { return http.Header{"Authorization": {"Bearer " + s}} }
	al := bearer(addUser(t, d.db, auth.User{Name: "al", Role: auth.Agent, Agent: "alice"}))
	sue := bearer(addUser(t, d.db, auth.User{Name: "sue", Role: auth.Supervisor}))
	for _, c := range []struct {
		who  string
		hdr  http.Header
		want int
	}{
		{"al", al, 403},
		{"sue", sue, 409}, // allowed; alice is on no call
	} {
		for _, mode := range []string{"listen", "whisper", "barge"} {
			code, body := sendAs(t, "POST", srv.URL+"/api/v1/agents/alice/spy", `{"mode":"`+mode+`","endpoint":"PJSIP/+19005550100@trunk"}`, c.hdr)
			if code != c.want {
				t.Errorf("%s spies (%s) on alice: %d %s, want %d", c.who, mode, code, body, c.want)
			}
		}
	}
	// A supervisor rings their own phone into a call, not an agent's
	// (bob would hear alice's customer); an admin may.
	bo := bearer(addUser(t, d.db, auth.User{Name: "bo", Role: auth.Supervisor, Agent: "bob"}))
	ada := bearer(addUser(t, d.db, auth.User{Name: "ada", Role: auth.Admin}))
	for _, c := range []struct {
		who      string
		hdr      http.Header
		endpoint string
		want     int
		says     string
	}{
		{"sue", sue, "SIM/Bob", 400, `sim/bob is agent \"bob\"'s phone`},
		{"bo", bo, "sim/bob", 409, "agent has no call"}, // bo works as bob
		{"ada", ada, "sim/bob", 409, "agent has no call"},
	} {
		code, body := sendAs(t, "POST", srv.URL+"/api/v1/agents/alice/spy", `{"mode":"listen","endpoint":"`+c.endpoint+`"}`, c.hdr)
		if code != c.want || !strings.Contains(strings.ToLower(body), strings.ToLower(c.says)) {
			t.Errorf("%s spies on alice from %s: %d %s, want %d saying %q", c.who, c.endpoint, code, body, c.want, c.says)
		}
	}
}
