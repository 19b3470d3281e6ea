package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/api/auth"
	"github.com/hotline-cc/hotline/internal/seal"
	"github.com/hotline-cc/hotline/store"
	"github.com/rs/zerolog"
)

// A known customer who hangs up waiting becomes an open task; an agent
// claims it with the customer's number and closes it with a result. The
// event stream says "tasks" at each of those moves, so desks need not poll.
func TestMissedCallTaskThroughTheAPI(t *testing.T) {
	key, _ := seal.Generate("k1")
	keys, _ := seal.New(key)
	d := newTestDaemonWith(t, "entries:\n  - {number: \"100\", queue: support}\n"+cfgYAML, func(o *engine.Options, db *store.DB) {
		db.SealCalls(keys, "US")
		o.MatchCaller = db.Contacts(keys).CallerMatcher("US")
	})
	d.api.EnableContacts(d.db, d.db.Contacts(keys), "US")
	base := d.srv.URL + "/api/v1"
	stream := openEvents(t, d.srv.URL, "")
	stream.next(t, "snapshot")
	if code, body := send(t, "POST", base+"/contacts", `{"phones":["+12125550101"],"name":"Carla"}`); code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "+12125550101", To: "100", HangupAfter: 300 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	var open []contact.Task
	deadline := time.Now().Add(30 * time.Second)
	for getJSON(t, base+"/tasks?state=open", &open); len(open) != 1; getJSON(t, base+"/tasks?state=open", &open) {
		if time.Now().After(deadline) {
			t.Fatalf("no task for the abandoned call: %+v", open)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if open[0].Reason != contact.MissedAbandoned || open[0].Contact == 0 {
		t.Fatalf("task %+v", open[0])
	}
	if ev := stream.next(t, "tasks"); ev.id != "" {
		t.Errorf("the tasks event has id %q; it must leave the stream's ids alone", ev.id)
	}
	code, body := send(t, "POST", base+"/agents/alice/tasks/next", "")
	if code != 200 || !strings.Contains(body, `"+12125550101"`) || !strings.Contains(body, `"claimed"`) || !strings.Contains(body, `"missed_call"`) {
		t.Fatalf("next: %d %s", code, body)
	}
	stream.next(t, "tasks")
	if code, body := send(t, "POST", base+"/agents/bob/tasks/next", ""); code != http.StatusNotFound {
		t.Fatalf("bob finds a task already claimed: %d %s", code, body)
	}
	closeURL := fmt.Sprintf("%s/agents/%%s/tasks/%s/close", base, open[0].ID)
	if code, body := send(t, "POST", fmt.Sprintf(closeURL, "bob"), `{"result":"reached"}`); code != http.StatusConflict {
		t.Fatalf("bob closes alice's task: %d %s", code, body)
	}
	if code, body := send(t, "POST", fmt.Sprintf(closeURL, "alice"), `{}`); code != http.StatusBadRequest {
		t.Fatalf("close without a result: %d %s", code, body)
	}
	if code, body := send(t, "POST", fmt.Sprintf(closeURL, "alice"), `{"result":"reached"}`); code != 200 || !strings.Contains(body, `"closed"`) {
		t.Fatalf("close: %d %s", code, body)
	}
	stream.next(t, "tasks")
	var closed []contact.Task
	getJSON(t, base+"/tasks?state=closed", &closed)
	if len(closed) != 1 || closed[0].Result != "reached" || closed[0].Agent != "alice" {
		t.Fatalf("closed tasks %+v", closed)
	}
}

// Two agents of different teams each hear of, list and take only the
// callback tasks of their own queues (and those of no queue); the front
// team's supervisor those of its queue. Each "tasks" event carries the
// task, so a desk updates its list without reading it again.
func TestTaskEventsFollowTeams(t *testing.T) {
	key, _ := seal.Generate("k1")
	keys, _ := seal.New(key)
	d := newTestDaemonWith(t, teamsYAML, func(o *engine.Options, db *store.DB) { db.SealCalls(keys, "US") })
	h := New(d.rt, d.db, zerolog.Nop())
	h.EnableAuth(d.db, time.Now)
	h.SetTeams(d.cfg)
	h.EnableContacts(d.db, d.db.Contacts(keys), "US")
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	tokens := map[string]string{
		"alice": addUser(t, d.db, auth.User{Name: "al", Role: auth.Agent, Agent: "alice"}),
		"bob":   addUser(t, d.db, auth.User{Name: "bo", Role: auth.Agent, Agent: "bob"}),
		"tina":  addUser(t, d.db, auth.User{Name: "tina", Role: auth.Supervisor}),
	}
	streams := map[string]*sseClient{}
	for who, tok := range tokens {
		streams[who] = openEventsAs(t, srv.URL, "", tok)
		streams[who].next(t, "snapshot")
	}
	missed := func(id, queue string) {
		t.Helper()
		at := time.Now().UTC()
		c := store.CallRecord{ID: id, Caller: "+12125550101", Contact: 1, Queue: queue, Entered: at, Ended: at.Add(time.Second), Outcome: acd.OutcomeAbandoned}
		if err := d.db.SaveCall(&c); err != nil {
			t.Fatal(err)
		}
	}
	missed("c-support", "support")
	missed("c-sales", "sales")
	missed("c-none", "")
	// bob takes the next: sales' task, not support's older one.
	code, body := sendAs(t, "POST", srv.URL+"/api/v1/agents/bob/tasks/next", "", http.Header{"Authorization": {"Bearer " + tokens["bob"]}})
	if code != http.StatusOK || !strings.Contains(body, `"t-c-sales"`) {
		t.Fatalf("bob's next: %d %s, want the sales task", code, body)
	}
	want := map[string][]string{
		"alice": {"t-c-support open", "t-c-none open"},
		"bob":   {"t-c-sales open", "t-c-none open", "t-c-sales claimed"},
		"tina":  {"t-c-support open", "t-c-none open"},
	}
	for who, events := range want {
		for _, w := range events {
			ev := streams[who].next(t, "tasks")
			var te TaskEvent
			if err := json.Unmarshal([]byte(ev.data), &te); err != nil || te.Task == nil {
				t.Fatalf("%s: tasks event %q (%v), want a task in it", who, ev.data, err)
			}
			if got := te.Task.ID + " " + string(te.Task.State); got != w {
				t.Errorf("%s told of %s, want %s", who, got, w)
			}
		}
	}
	for who, list := range map[string]string{"alice": "t-c-support t-c-none", "bob": "t-c-none", "tina": "t-c-support t-c-none"} {
		var open []contact.Task
		_, body := sendAs(t, "GET", srv.URL+"/api/v1/tasks?state=open", "", http.Header{"Authorization": {"Bearer " + tokens[who]}})
		if err := json.Unmarshal([]byte(body), &open); err != nil {
			t.Fatalf("%s lists %s: %v", who, body, err)
		}
		var ids []string
		for _, k := range open {
			ids = append(ids, k.ID)
		}
		if got := strings.Join(ids, " "); got != list {
			t.Errorf("%s lists open tasks %q, want %q", who, got, list)
		}
	}
	// One more of each queue: alice's stream says support's, and nothing of sales' came before it.
	missed("c-sales-2", "sales")
	missed("c-support-2", "support")
	if ev := streams["alice"].next(t, "tasks"); !strings.Contains(ev.data, `"t-c-support-2"`) {
		t.Errorf("alice's next tasks event is %s, want support's second task", ev.data)
	}
}
