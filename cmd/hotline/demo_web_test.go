package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/store"
)

// demo --web serves the desk on the simulated call center: it prints the
// URL and the random passwords of a demo admin, supervisor and agent; the
// API wants them, each gets their role's rights, and the change stream
// carries the simulator's agents and calls as they happen.
func TestDemoWeb(t *testing.T) {
	addr := freeAddr(t)
	base, pw, agent := demoWebStart(t, "--web="+addr, "--speed", "60", "--duration", "30m")
	if base != "http://"+addr {
		t.Errorf("URL %s, want http://%s", base, addr)
	}
	if resp, err := http.Get(base + "/api/v1/status"); err != nil || resp.StatusCode != 401 {
		t.Fatalf("status without signing in: %v %v", resp, err)
	}
	c, _ := demoSignIn(t, base, "admin", pw["admin"])
	demoWebCampaignMoves(t, c, base)
	demoWebRoles(t, base, pw, agent)
	// The wallboard's chart of today: the run is on the wall clock.
	if resp, err := c.Get(base + "/api/v1/charts/today"); err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("chart: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	resp, err := c.Get(base + "/api/v1/events")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("events: %v %v", resp, err)
	}
	defer resp.Body.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() && !(seen["snapshot"] && seen["agent"] && seen["call"]) {
		if ev, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
			seen[ev] = true
		}
	}
	if !seen["snapshot"] || !seen["agent"] || !seen["call"] {
		t.Errorf("events seen %v; want a snapshot, then agent and call changes", seen)
	}
}

// With a store the user names, demo --web adds no user to it.
func TestDemoWebOwnStoreGetsNoUsers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mine.db")
	code, out, errOut := hotline(t, nil, "demo", "--web=127.0.0.1:0", "--store", path, "--speed", "0", "--duration", "2m", "--plain")
	if code != 0 || !strings.Contains(out, "sign in with a user of the store") {
		t.Fatalf("exit %d:\n%s\n%s", code, out, errOut)
	}
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if users, err := db.Users(); err != nil || len(users) != 0 {
		t.Errorf("users in the named store: %v %v", users, err)
	}
}

// demoWebCampaignMoves reads the Campaigns page's list until the demo's
// campaign, running, has dialed more than at the first read and connected
// a lead to an agent.
func demoWebCampaignMoves(t *testing.T, c *http.Client, base string) {
	t.Helper()
	read := func() engine.CampaignStatus {
		resp, err := c.Get(base + "/api/v1/campaigns")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("campaigns: %v %v", resp, err)
		}
		defer resp.Body.Close()
		var list []engine.CampaignStatus
		if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || len(list) != 1 || list[0].Name != "follow-up" {
			t.Fatalf("campaigns: %+v %v; want the demo's follow-up", list, err)
		}
		return list[0]
	}
	first, last := read(), engine.CampaignStatus{}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if last = read(); last.Stats.Dialed > first.Stats.Dialed && last.Stats.Connected > 0 {
			break
		}
	}
	if last.State != "running" || last.Stats.Dialed <= first.Stats.Dialed || last.Stats.Connected == 0 ||
		last.AbandonRate > last.AbandonCap {
		t.Errorf("campaign first %+v, last %+v; want it running, dialing more, leads connected, under its cap", first, last)
	}
}

// demoWebRoles signs in as the demo's supervisor and agent: the supervisor
// reads the wallboard's figures and chart, the calls, reports and
// campaigns and may pause and resume the campaign, but is refused the
// admin's users, settings, reload, audit, backup and do-not-call lists;
// the agent reads the status and works their own agent, nothing more.
func demoWebRoles(t *testing.T, base string, pw map[string]string, agentID string) {
	t.Helper()
	type try struct {
		method, path string
		want         int
	}
	tries := map[string][]try{
		"supervisor": {
			{"GET", "/api/v1/whoami", 200},
			{"GET", "/api/v1/status", 200},
			{"GET", "/api/v1/charts/today", 200},
			{"GET", "/api/v1/calls", 200},
			{"GET", "/api/v1/reports/queues?from=2020-01-01&to=2100-01-01", 200},
			{"GET", "/api/v1/campaigns", 200},
			{"POST", "/api/v1/campaigns/follow-up/pause", 200},
			{"POST", "/api/v1/campaigns/follow-up/resume", 200},
			{"GET", "/api/v1/users", 403},
			{"POST", "/api/v1/users", 403},
			{"GET", "/api/v1/config/queues", 403},
			{"POST", "/api/v1/config/reload", 403},
			{"GET", "/api/v1/audit", 403},
			{"GET", "/api/v1/store/backup", 403},
			{"GET", "/api/v1/dnc/follow-up", 403},
		},
		"agent": {
			{"GET", "/api/v1/whoami", 200},
			{"GET", "/api/v1/status", 200},
			{"GET", "/api/v1/campaigns", 403},
			{"GET", "/api/v1/calls", 403},
			{"POST", "/api/v1/campaigns/follow-up/pause", 403},
			{"GET", "/api/v1/users", 403},
		},
	}
	for _, name := range []string{"supervisor", "agent"} {
		c, who := demoSignIn(t, base, name, pw[name])
		if who.Role != name || (name == "agent") != (who.Agent == agentID) {
			t.Errorf("signed in as %s: %+v; want role %s (agent %s for the agent)", name, who, name, agentID)
		}
		for _, x := range tries[name] {
			req, _ := http.NewRequest(x.method, base+x.path, strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-CSRF-Token", who.CSRF)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != x.want {
				t.Errorf("%s: %s %s answered %d, want %d", name, x.method, x.path, resp.StatusCode, x.want)
			}
		}
	}
}

// demoWebStart runs the demo with args (and --plain) until the test ends,
// and reads from its output the web desk's URL, the sign-ins' passwords by
// user name and the agent user's agent.
func demoWebStart(t *testing.T, args ...string) (base string, pw map[string]string, agent string) {
	t.Helper()
	var out, errOut safeBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- run(ctx, append([]string{"demo", "--plain"}, args...), &out, &errOut) }()
	t.Cleanup(func() { cancel(); <-done })
	login := regexp.MustCompile(`Web desk: (http://\S+)  sign in as admin / (\S+) \(admin\), supervisor / (\S+) \(supervisor\) or agent / (\S+) \(agent (\S+)\)\n`)
	var m []string
	deadline := time.Now().Add(60 * time.Second)
	for m = login.FindStringSubmatch(out.String()); m == nil; m = login.FindStringSubmatch(out.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("no URL and sign-ins printed:\n%s\n%s", out.String(), errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return strings.TrimSuffix(m[1], "/"), map[string]string{"admin": m[2], "supervisor": m[3], "agent": m[4]}, m[5]
}

// demoWhoami is what signing in answers.
type demoWhoami struct{ Role, Agent, CSRF string }

// demoSignIn signs in as name and returns a client with the session.
func demoSignIn(t *testing.T, base, name, pw string) (*http.Client, demoWhoami) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Post(base+"/api/v1/login", "application/json", strings.NewReader(`{"name":"`+name+`","password":"`+pw+`"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("sign in as the demo's %s: %v %v", name, resp, err)
	}
	defer resp.Body.Close()
	var who demoWhoami
	if err := json.NewDecoder(resp.Body).Decode(&who); err != nil {
		t.Fatalf("sign in as the demo's %s: %v", name, err)
	}
	return c, who
}
