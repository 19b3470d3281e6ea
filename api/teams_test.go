package api

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/report"
	"github.com/hotline-cc/hotline/api/auth"
	"github.com/hotline-cc/hotline/store"
)

// A supervisor overseeing the support queue sees support and alice (its
// member) in the status and on the change stream, never sales or bob; a
// supervisor without teams sees both; the call records are cut the same way.
func TestTeamScoping(t *testing.T) {
	d := newTestDaemon(t, teamsYAML)
	srv := authServer(t, d)
	tess := addUser(t, d.db, auth.User{Name: "tess", Role: auth.Supervisor, Teams: []string{"support"}})
	sue := addUser(t, d.db, auth.User{Name: "sue", Role: auth.Supervisor})
	get := func(token, path string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	names := func(token string) string { return statusNames(t, srv.URL, token) }
	if got := names(tess); got != "support alice winback" {
		t.Errorf("tess sees %q, want support and alice", got)
	}
	if got := names(sue); got != "support sales alice bob winback upsell" {
		t.Errorf("sue sees %q", got)
	}
	// tess's stream: a snapshot of her team, then alice's login but not bob's.
	resp := get(tess, "/api/v1/events")
	defer resp.Body.Close()
	events := dataLines(resp.Body)
	snap := <-events
	if strings.Contains(snap, `"bob"`) || strings.Contains(snap, `"sales"`) || !strings.Contains(snap, `"alice"`) {
		t.Errorf("tess's snapshot: %s", snap)
	}
	for _, id := range []string{"bob", "alice"} {
		if _, err := engine.Send(t.Context(), d.rt, engine.Login{Agent: id}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.After(30 * time.Second)
	for seenAlice := false; !seenAlice; {
		select {
		case ev := <-events:
			if strings.Contains(ev, `"bob"`) || strings.Contains(ev, `"sales"`) {
				t.Fatalf("tess got an event about sales or bob: %s", ev)
			}
			seenAlice = strings.Contains(ev, `"id":"alice"`) && strings.Contains(ev, `"available"`)
		case <-deadline:
			t.Fatal("tess never saw alice log in")
		}
	}
	// A call in each queue, then the report: tess's has support's only.
	for _, to := range []string{"100", "200"} {
		if _, err := d.sw.PlaceCall(farend.CallScript{From: "555" + to, To: to, HangupAfter: 300 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, func() bool {
		recs, _ := d.db.CollectCalls(store.Filter{})
		return len(recs) == 2 && !recs[0].Ended.IsZero() && !recs[1].Ended.IsZero()
	}, "both calls recorded as ended")
	day := time.Now().UTC().Format("2006-01-02")
	report := func(token string) string {
		resp := get(token, "/api/v1/reports/queues?from="+day+"&to="+time.Now().UTC().Add(24*time.Hour).Format("2006-01-02"))
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if all := report(sue); !strings.Contains(all, `"sales"`) || !strings.Contains(all, `"support"`) {
		t.Errorf("sue's report lacks a queue: %s", all)
	}
	if mine := report(tess); strings.Contains(mine, `"sales"`) || !strings.Contains(mine, `"support"`) {
		t.Errorf("tess's report: %s", mine)
	}
	// The queue log too: it gave tess every queue's lines, callers' numbers included.
	qlog := func(token string) string {
		resp := get(token, "/api/v1/reports/queue-log?from="+day+"&to="+time.Now().UTC().Add(24*time.Hour).Format("2006-01-02"))
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if all := qlog(sue); !strings.Contains(all, "|sales|") || !strings.Contains(all, "|support|") {
		t.Errorf("sue's queue log lacks a queue:\n%s", all)
	}
	if mine := qlog(tess); strings.Contains(mine, "|sales|") || strings.Contains(mine, "|bob|") || !strings.Contains(mine, "|support|") {
		t.Errorf("tess's queue log:\n%s", mine)
	}
	for _, c := range []struct {
		path string
		want int
	}{{"/api/v1/calls", 200}, {"/api/v1/calls?queue=support", 200}, {"/api/v1/calls?queue=sales", 403}} {
		if resp := get(tess, c.path); resp.StatusCode != c.want {
			t.Errorf("tess GET %s: %d, want %d", c.path, resp.StatusCode, c.want)
		}
	}
}

// Teams from the config: tina supervises the front team (the support
// queue), bea a team of bob alone (whose campaign is solo, and upsell, in
// bob's queue). Each sees her team's queues, agents and campaigns only, in the status, the campaign list and the campaign report
// rows; acting on the other team's agent or campaign is refused (403).
func TestConfigTeamScoping(t *testing.T) {
	yaml := strings.Replace(teamsYAML, "queues: [sales]}\n", "queues: [sales]}\n  - {name: solo, mode: preview, team: bobs}\n", 1) +
		"  - {name: bobs, agents: [bob], supervisors: [bea]}\n"
	d := newTestDaemon(t, yaml)
	srv := authServer(t, d)
	tina := addUser(t, d.db, auth.User{Name: "tina", Role: auth.Supervisor})
	bea := addUser(t, d.db, auth.User{Name: "bea", Role: auth.Supervisor})
	call := func(token, method, path string) (int, string) {
		return sendAs(t, method, srv.URL+path, "", http.Header{"Authorization": {"Bearer " + token}})
	}
	seen := func(token string) string { return statusNames(t, srv.URL, token) }
	if got := seen(tina); got != "support alice winback" {
		t.Errorf("tina sees %q, want support and alice", got)
	}
	if got := seen(bea); got != "campaign:solo bob upsell solo" {
		t.Errorf("bea sees %q, want bob and the queue of her team's campaign", got)
	}
	for _, c := range []struct {
		who, token, method, path string
		want                     int
	}{
		{"tina", tina, "POST", "/api/v1/agents/alice/login", 200},
		{"tina", tina, "POST", "/api/v1/agents/bob/login", 403},
		{"bea", bea, "POST", "/api/v1/agents/alice/logout", 403},
		{"tina", tina, "POST", "/api/v1/campaigns/upsell/start", 403},
		{"bea", bea, "POST", "/api/v1/campaigns/winback/start", 403},
		{"tina", tina, "GET", "/api/v1/calls?queue=sales", 403},
		{"bea", bea, "GET", "/api/v1/calls?agent=bob", 200},
		{"bea", bea, "GET", "/api/v1/calls?campaign=winback", 403},
	} {
		if code, body := call(c.token, c.method, c.path); code != c.want {
			t.Errorf("%s %s %s: %d %s, want %d", c.who, c.method, c.path, code, body, c.want)
		}
	}
	// A dial of bea's team's campaign, still ringing (no queue, no agent
	// on its record yet): she finds it by the campaign, or by its queue;
	// a refusal names what she may ask for, each kind apart.
	dial := &store.CallRecord{ID: "o-solo-1", Direction: "outbound", Entry: "campaign:solo", Entered: time.Now().Add(-time.Minute),
		Timeline: []store.Step{{At: time.Now().Add(-time.Minute), Kind: "dial", Detail: "campaign=solo lead=solo-1 attempt=1 agent=bob"}}}
	if err := d.db.SaveCall(dial); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/calls?campaign=solo", "/api/v1/calls?queue=campaign:solo"} {
		if code, body := call(bea, "GET", path); code != 200 || !strings.Contains(body, `"o-solo-1"`) {
			t.Errorf("bea GET %s: %d %s, want her campaign's dial", path, code, body)
		}
	}
	if code, body := call(bea, "GET", "/api/v1/calls"); code != 403 || !strings.Contains(body, "campaigns with ?campaign= (agents bob; campaigns ") || !strings.Contains(body, "solo") {
		t.Errorf("bea GET /api/v1/calls: %d %s, want 403 naming her agents and campaigns apart", code, body)
	}
	campaigns := func(token string) string {
		_, body := call(token, "GET", "/api/v1/campaigns")
		var list []engine.CampaignStatus
		if err := json.Unmarshal([]byte(body), &list); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		var out []string
		for _, c := range list {
			out = append(out, c.Name)
		}
		return strings.Join(out, " ")
	}
	if got := campaigns(tina); got != "winback" {
		t.Errorf("tina's campaigns: %q", got)
	}
	if got := campaigns(bea); got != "upsell solo" {
		t.Errorf("bea's campaigns: %q", got)
	}
	// The campaign report's rows, cut the same way.
	members := d.rt.Snapshot().Members
	for _, c := range []struct {
		user, want string
	}{{"tina", "winback"}, {"bea", "upsell"}} {
		rep := &report.Report{Rows: report.Rows{Campaigns: []report.CampaignRow{{Campaign: "winback"}, {Campaign: "upsell"}, {Campaign: "gone"}}}}
		rep.Totals = rep.Rows
		rep.Totals.Campaigns = slices.Clone(rep.Rows.Campaigns)
		u, _ := d.db.User(c.user)
		d.api.teamFor(&principal{user: u, role: auth.Supervisor}).report(rep, members)
		for _, rows := range []report.Rows{rep.Rows, rep.Totals} {
			if len(rows.Campaigns) != 1 || rows.Campaigns[0].Campaign != c.want {
				t.Errorf("%s's campaign rows: %+v, want %s only", c.user, rows.Campaigns, c.want)
			}
		}
	}
}

// statusNames are the queues, agents and campaigns the status token's user sees.
func statusNames(t *testing.T, base, token string) string {
	t.Helper()
	_, body := sendAs(t, "GET", base+"/api/v1/status", "", http.Header{"Authorization": {"Bearer " + token}})
	var st engine.Snapshot
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	var out []string
	for _, q := range st.Queues {
		out = append(out, q.Name)
	}
	for _, a := range st.Agents {
		out = append(out, a.ID)
	}
	for _, k := range st.Campaigns {
		out = append(out, k.Name)
	}
	return strings.Join(out, " ")
}

// A team supervisor's metrics and IVR report hold the team's queues and
// agents only; both gave every queue's figures. Process-wide health
// figures (the link, store writes, streams) stay, as they name no queue.
func TestTeamScopedMetricsAndIVR(t *testing.T) {
	d := newTestDaemon(t, teamsYAML)
	srv := authServer(t, d)
	tess := addUser(t, d.db, auth.User{Name: "tess", Role: auth.Supervisor, Teams: []string{"support"}})
	sue := addUser(t, d.db, auth.User{Name: "sue", Role: auth.Supervisor})
	get := func(token, path string) string {
		code, body := sendAs(t, "GET", srv.URL+path, "", http.Header{"Authorization": {"Bearer " + token}})
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, code, body)
		}
		return body
	}
	all, mine := get(sue, "/metrics"), get(tess, "/metrics")
	for _, want := range []string{`queue="sales"`, `queue="support"`, `hotline_agents{state="logged-out"} 2`, "hotline_event_streams"} {
		if !strings.Contains(all, want) {
			t.Errorf("sue's metrics lack %s", want)
		}
	}
	for _, want := range []string{`queue="support"`, `hotline_agents{state="logged-out"} 1`, "hotline_event_streams"} {
		if !strings.Contains(mine, want) {
			t.Errorf("tess's metrics lack %s", want)
		}
	}
	if strings.Contains(mine, `queue="sales"`) {
		t.Errorf("tess's metrics hold the sales queue")
	}

	now := time.Now()
	for i, c := range []struct{ queue, agent, flow string }{
		{"support", "alice", "help"}, {"sales", "bob", "shop"}, {"", "bob", "late"}, {"", "", "gone"},
	} {
		rec := &store.CallRecord{ID: "ivr" + strconv.Itoa(i), Queue: c.queue, Agent: c.agent, Entered: now, Ended: now,
			Timeline: []store.Step{{Kind: "menu", Detail: c.flow + "/start"}, {Kind: "menu-choice", Detail: "1"}}}
		if err := d.db.SaveCall(rec); err != nil {
			t.Fatal(err)
		}
	}
	flows := func(token string) string {
		var rep report.IVRReport
		if err := json.Unmarshal([]byte(get(token, "/api/v1/reports/ivr")), &rep); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range rep.Flows {
			out = append(out, f.Flow)
		}
		slices.Sort(out)
		return strings.Join(out, " ")
	}
	if got := flows(sue); got != "gone help late shop" {
		t.Errorf("sue's IVR flows: %q", got)
	}
	if got := flows(tess); got != "help" {
		t.Errorf("tess's IVR flows: %q, want help only", got)
	}
}

// A call transferred from support (ben) to billing (hugo) is both teams':
// each supervisor reads its record, as the calls list's queue and agent
// filters show it to both, but each plays only the recording of the leg
// its team had.
func TestTeamReadsTransferredCall(t *testing.T) {
	members := map[string][]string{"ben": {"support"}, "hugo": {"billing"}}
	support := &team{queues: []string{"support"}}
	billing := &team{queues: []string{"billing"}}
	sales := &team{queues: []string{"sales"}}
	rec := &store.CallRecord{ID: "x", Queue: "billing", Agent: "hugo",
		Timeline:       []store.Step{{Kind: "enqueue", Detail: "support"}, {Kind: "transfer", Detail: "blind → queue billing"}, {Kind: "enqueue", Detail: "billing"}},
		Legs:           []store.Leg{{Agent: "ben", Queue: "support"}, {Agent: "hugo", Queue: "billing"}},
		Recording:      store.Recording{Name: "x-1", Agent: "ben", Leg: 1},
		MoreRecordings: []store.Recording{{Name: "x-2", Agent: "hugo", Leg: 2}},
	}
	for _, tc := range []struct {
		name                 string
		t                    *team
		reads, first, second bool
	}{
		{"support", support, true, true, false},
		{"billing", billing, true, false, true},
		{"sales", sales, false, false, false},
	} {
		if got := tc.t.record(members, rec); got != tc.reads {
			t.Errorf("%s reads the call: %v, want %v", tc.name, got, tc.reads)
		}
		if got := tc.t.recording(members, rec, &rec.Recording); got != tc.first {
			t.Errorf("%s plays ben's leg: %v, want %v", tc.name, got, tc.first)
		}
		if got := tc.t.recording(members, rec, &rec.MoreRecordings[0]); got != tc.second {
			t.Errorf("%s plays hugo's leg: %v, want %v", tc.name, got, tc.second)
		}
	}
}

// A dial of a team's campaign is the team's from its start, ringing with
// no queue or agent on its record yet: its supervisor may read it and file
// its disposition (the engine then says it is not answered yet, not 403).
func TestTeamReadsItsCampaignsDials(t *testing.T) {
	members := map[string][]string{"ben": {"support"}}
	camps := []config.Campaign{{Name: "winback", Queues: []string{"support"}}, {Name: "upsell", Queues: []string{"sales"}}}
	support := &team{queues: []string{"support"}, campaigns: camps}
	rec := func(camp string) *store.CallRecord {
		return &store.CallRecord{ID: "o1", Direction: "outbound", Entry: "campaign:" + camp,
			Timeline: []store.Step{{Kind: "dial", Detail: "campaign=" + camp + " lead=L1 attempt=1 agent=ben"}}}
	}
	if !support.record(members, rec("winback")) {
		t.Error("support does not read the ringing dial of its campaign winback")
	}
	if support.record(members, rec("upsell")) {
		t.Error("support reads a dial of sales' campaign upsell")
	}
}
