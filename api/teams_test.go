package api

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
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
	names := func(token string) string {
		resp := get(token, "/api/v1/status")
		defer resp.Body.Close()
		var st engine.Snapshot
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, q := range st.Queues {
			out = append(out, q.Name)
		}
		for _, a := range st.Agents {
			out = append(out, a.ID)
		}
		return strings.Join(out, " ")
	}
	if got := names(tess); got != "support alice" {
		t.Errorf("tess sees %q, want support and alice", got)
	}
	if got := names(sue); got != "support sales alice bob" {
		t.Errorf("sue sees %q", got)
	}
	// tess's stream: a snapshot of her team, then alice's login but not bob's.
	resp := get(tess, "/api/v1/events")
	defer resp.Body.Close()
	events := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				events <- data
			}
		}
		close(events)
	}()
	snap := <-events
	if strings.Contains(snap, `"bob"`) || strings.Contains(snap, `"sales"`) || !strings.Contains(snap, `"alice"`) {
		t.Errorf("tess's snapshot: %s", snap)
	}
	for _, id := range []string{"bob", "alice"} {
		if _, err := engine.Send(t.Context(), d.rt, engine.Login{Agent: id}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.After(5 * time.Second)
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
	for _, c := range []struct {
		path string
		want int
	}{{"/api/v1/calls", 200}, {"/api/v1/calls?queue=support", 200}, {"/api/v1/calls?queue=sales", 403}} {
		if resp := get(tess, c.path); resp.StatusCode != c.want {
			t.Errorf("tess GET %s: %d, want %d", c.path, resp.StatusCode, c.want)
		}
	}
}
