package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/internal/seal"
	"github.com/hotline-cc/hotline/store"
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
	deadline := time.Now().Add(5 * time.Second)
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
