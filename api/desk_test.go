package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

// agentIs waits up to 5 s for agent id to be in state.
func agentIs(t *testing.T, d *testDaemon, id, state string) {
	t.Helper()
	waitFor(t, func() bool {
		return slices.ContainsFunc(d.rt.Snapshot().Agents, func(a engine.AgentStatus) bool { return a.ID == id && a.State == state })
	}, "agent "+id+" "+state)
}

// The desk answers a ringing call (the simulator picks the phone up) and
// hangs it up: the caller is gone, the agent in wrap-up, the record says
// the agent ended it. Refusals: no call (409), a body (400).
func TestDeskAnswerAndHangUpRoutes(t *testing.T) {
	d := newTestDaemon(t, browserYAML)
	if err := d.sw.SetPhone("sim/alice", farend.Phone{Mode: farend.PhoneNoAnswer}); err != nil {
		t.Fatal(err)
	}
	base := d.srv.URL + "/api/v1/agents/alice/"
	if code, body := post(t, base+"call/hangup", ""); code != http.StatusConflict || !strings.Contains(body, "no call") {
		t.Errorf("hang up without a call: %d %s, want 409", code, body)
	}
	if code, body := post(t, base+"login", ""); code != http.StatusOK {
		t.Fatalf("login: %d %s", code, body)
	}
	caller, err := d.sw.PlaceCall(farend.CallScript{From: "+12125550187", To: "100", HangupAfter: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	agentIs(t, d, "alice", "ringing")
	if code, body := post(t, base+"call/answer", `{"now": true}`); code != http.StatusBadRequest || !strings.Contains(body, "now") {
		t.Errorf("answer with a body: %d %s, want 400 naming the field", code, body)
	}
	if code, body := post(t, base+"call/answer", ""); code != http.StatusOK || !strings.Contains(body, `"caller": "+12125550187"`) {
		t.Fatalf("answer: %d %s", code, body)
	}
	agentIs(t, d, "alice", "on-call")
	if code, body := post(t, base+"call/hangup", ""); code != http.StatusOK {
		t.Fatalf("hang up: %d %s", code, body)
	}
	agentIs(t, d, "alice", "wrap-up")
	rec := endedCall(t, d, caller)
	if rec.HangupBy != acd.HangupAgent {
		t.Errorf("hang-up by %q, want the agent", rec.HangupBy)
	}
	if code, body := post(t, base+"call/hangup", ""); code != http.StatusConflict {
		t.Errorf("hang up twice: %d %s, want 409", code, body)
	}
}

// On a real switch the desk cannot pick up a ringing phone: Answer for an
// agent with answer: phone is a 409 that names the agent and what to do,
// the agent's status says desk_answer false, and the phone keeps ringing
// (the call is not taken).
func TestDeskAnswerRefusedOnARealSwitch(t *testing.T) {
	d := newTestDaemonOn(t, browserYAML, nil, true)
	if err := d.sw.SetPhone("sim/alice", farend.Phone{Mode: farend.PhoneNoAnswer}); err != nil {
		t.Fatal(err)
	}
	base := d.srv.URL + "/api/v1/agents/alice/"
	if code, body := post(t, base+"login", ""); code != http.StatusOK {
		t.Fatalf("login: %d %s", code, body)
	}
	if resp, body := get(t, d.srv.URL+"/api/v1/agents", nil); resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"desk_answer": false`) {
		t.Errorf("agents: %d %s; want desk_answer false for alice", resp.StatusCode, body)
	}
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "+12125550187", To: "100", HangupAfter: time.Minute}); err != nil {
		t.Fatal(err)
	}
	agentIs(t, d, "alice", "ringing")
	code, body := post(t, base+"call/answer", "")
	if code != http.StatusConflict || !strings.Contains(body, `agent \"alice\" answers on the phone (answer: phone); pick up the phone, or set answer: desk`) {
		t.Fatalf("answer from the desk on a real switch: %d %s; want 409 naming alice and answer: phone", code, body)
	}
	time.Sleep(50 * time.Millisecond)
	agentIs(t, d, "alice", "ringing")
}

// consultYAML has alice take the calls and bob, in no queue, to consult.
const consultYAML = `
entries:
  - {number: "100", queue: support}
queues:
  - {name: support, wrap_up: 30s}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
  - {id: bob, endpoint: sim/bob}
`

// Hang up during a consult whose target still rings is a 200: the agent
// leaves for wrap-up and the caller goes on to the ringing target (blind).
func TestDeskHangUpDuringConsult(t *testing.T) {
	d := newTestDaemon(t, consultYAML)
	if err := d.sw.SetPhone("sim/bob", farend.Phone{Mode: farend.PhoneNoAnswer}); err != nil {
		t.Fatal(err)
	}
	base := d.srv.URL + "/api/v1/agents/"
	for _, a := range []string{"alice", "bob"} {
		if code, body := post(t, base+a+"/login", ""); code != http.StatusOK {
			t.Fatalf("login %s: %d %s", a, code, body)
		}
	}
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "+12125550187", To: "100", HangupAfter: time.Minute}); err != nil {
		t.Fatal(err)
	}
	agentIs(t, d, "alice", "on-call")
	if code, body := post(t, base+"alice/call/transfer", `{"agent":"bob","attended":true}`); code != http.StatusOK || !strings.Contains(body, `"phase": "consulting"`) {
		t.Fatalf("consult bob: %d %s", code, body)
	}
	agentIs(t, d, "bob", "ringing")
	if code, body := post(t, base+"alice/call/hangup", ""); code != http.StatusOK || !strings.Contains(body, `"phase": "transferring"`) {
		t.Fatalf("hang up during the consult: %d %s; want 200, the call transferring to bob", code, body)
	}
	agentIs(t, d, "alice", "wrap-up")
	agentIs(t, d, "bob", "ringing")
}

// endedCall waits for the one call's caller to be gone from the switch and
// its record to be finished, and returns the record.
func endedCall(t *testing.T, d *testDaemon, caller pbx.ChannelID) store.CallRecord {
	t.Helper()
	var rec store.CallRecord
	waitFor(t, func() bool {
		recs, _ := d.db.CollectCalls(store.Filter{})
		if _, up := d.sw.Channel(caller); up || len(recs) != 1 || recs[0].Ended.IsZero() {
			return false
		}
		rec = recs[0]
		return true
	}, "the caller hung up and the call recorded")
	return rec
}
