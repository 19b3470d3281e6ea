package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

// TestCallHoldAndTransfer drives hold, unhold and a blind transfer to a
// queue through the API on the simulated switch, with the refusals an
// agent's desk can meet on the way.
func TestCallHoldAndTransfer(t *testing.T) {
	d := newTestDaemon(t, `
entries:
  - {number: "100", queue: support}
queues:
  - {name: support, wrap_up: 1s}
  - {name: billing}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
  - {id: bob, endpoint: sim/bob, queues: [{queue: billing}]}
`)
	for _, p := range []string{"sim/alice", "sim/bob"} {
		if err := d.sw.SetPhone(p, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 10 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	base := d.srv.URL + "/api/v1/agents/"
	for _, a := range []string{"alice", "bob"} {
		if code, body := post(t, base+a+"/login", ""); code != 200 {
			t.Fatalf("login %s: %d %s", a, code, body)
		}
	}
	if code, body := post(t, base+"alice/call/hold", ""); code != http.StatusConflict || !strings.Contains(body, "agent has no call") {
		t.Fatalf("hold without a call: %d %s", code, body)
	}
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "5550100", To: "100", HangupAfter: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body := post(t, base+"alice/call/hold", "")
		if code == 200 {
			if !strings.Contains(body, `"phase": "held"`) {
				t.Fatalf("hold answered %s", body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("alice's call never took a hold: %d %s", code, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, tc := range []struct {
		path, body string
		code       int
		says       string
	}{
		{"alice/call/hold", "", http.StatusConflict, "is held, not bridged"},
		{"alice/call/hold", `{"queue":"billing"}`, http.StatusBadRequest, "hold takes no fields"},
		{"alice/call/transfer", `{"queue":"billing","agent":"bob"}`, http.StatusBadRequest, "exactly one of agent, queue or number"},
		{"alice/call/transfer", `{"queue":"sales"}`, http.StatusNotFound, "unknown queue"},
		{"alice/call/transfer", `{"number":"5551234"}`, http.StatusBadRequest, "pbx.outside is not set"},
		{"alice/call/park", "", http.StatusBadRequest, "unknown call action"},
		{"alice/call/complete", "", http.StatusConflict, "not consulting"},
		{"alice/call/unhold", "", http.StatusOK, `"phase": "bridged"`},
		{"alice/call/transfer", `{"queue":"billing"}`, http.StatusOK, `"queue": "billing"`},
	} {
		if code, body := post(t, base+tc.path, tc.body); code != tc.code || !strings.Contains(body, tc.says) {
			t.Errorf("POST %s %s: %d %s; want %d saying %q", tc.path, tc.body, code, body, tc.code, tc.says)
		}
	}
	var rec *store.CallRecord
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for r, err := range d.db.Calls(store.Filter{}) {
			if err == nil && !r.Ended.IsZero() {
				rec = &r
			}
		}
		if rec != nil {
			break
		}
	}
	if rec == nil {
		t.Fatal("no ended record")
	}
	if rec.Transfers != 1 || len(rec.Legs) != 2 || rec.Legs[0].Agent != "alice" || rec.Legs[1].Agent != "bob" || rec.Hold <= 0 {
		t.Errorf("record: transfers %d hold %v legs %+v; want one transfer, alice then bob, some hold", rec.Transfers, rec.Hold, rec.Legs)
	}
}

// A call's hold and its legs' durations go out in seconds, like its wait
// and talk, and come back the same.
func TestCallJSONLegsInSeconds(t *testing.T) {
	in := Call{store.CallRecord{ID: "c1", Hold: 1500 * time.Millisecond, Transfers: 1, Legs: []store.Leg{
		{Agent: "alice", Talk: 2 * time.Second, Hold: 500 * time.Millisecond, WrapUp: 3 * time.Second},
		{Number: "5551234", Via: "blind", From: "alice", Talk: 4 * time.Second},
	}}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"hold":1.5`, `"talk":2,"hold":0.5,"wrap_up":3`, `"number":"5551234"`, `"talk":4}`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
	var out Call
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Hold != in.Hold || len(out.Legs) != 2 || out.Legs[0] != in.Legs[0] || out.Legs[1] != in.Legs[1] {
		t.Errorf("round trip: %+v, want %+v", out.CallRecord, in.CallRecord)
	}
}
