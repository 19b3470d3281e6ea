package esl_test

import (
	"slices"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

// holdRestartConfig is one support queue with music on hold, alice who
// answers in 0.5 s and carol (no queue) who answers in 1 s.
const holdRestartConfig = `
queues:
  - {name: support, ring_timeout: 5s, wrap_up: 500ms, moh: default, announce: {interval: 0s}}
agents:
  - {id: alice, endpoint: "@PHONE:answer-500@", queues: [{queue: support}], logged_in: true}
  - {id: carol, endpoint: "@PHONE:answer-1000@", logged_in: true}
`

// agentState is the agent's state in the daemon's status.
func (s *fsScenario) agentState(id string) string {
	var st struct {
		Agents []struct{ ID, State string }
	}
	if !s.getJSON("/api/v1/status", &st) {
		return ""
	}
	for _, a := range st.Agents {
		if a.ID == id {
			return a.State
		}
	}
	return ""
}

// On real FreeSWITCH, Hotline is killed with SIGKILL while alice holds her
// caller and started again: the caller still hears music, alice is still on
// the call, and unhold brings them back together; the record counts the
// whole hold, across the restart, apart from the talk.
func TestFreeSWITCHE2ERestartDuringHold(t *testing.T) {
	const caller = "5557811"
	s := newScenario(t, "park", `entries: [{number: "7810", queue: support}]`+holdRestartConfig)
	s.start()
	s.call(farend.CallScript{From: caller, To: "7810", HangupAfter: 16 * time.Second})
	s.liveRecord(caller, "alice talks to the caller", func(r store.CallRecord) bool { return r.Agent == "alice" && !r.Bridged.IsZero() })
	s.callAction("alice", "hold", "")
	s.eventually(30*time.Second, "music on hold on the held caller", func() bool { return s.onHold(caller) })
	held := time.Now()
	time.Sleep(time.Second)
	s.d.kill()
	time.Sleep(time.Second)
	s.start()
	if !s.onHold(caller) {
		t.Errorf("after the restart the caller hears no music on hold")
	}
	if st := s.agentState("alice"); st != "on-call" {
		t.Errorf("alice after the restart: %q, want on-call", st)
	}
	time.Sleep(time.Second)
	s.callAction("alice", "unhold", "")
	unheld := time.Now()
	s.eventually(30*time.Second, "the music stops when alice takes the caller back", func() bool { return s.offHold(caller) })
	s.liveRecord(caller, "the caller bridged with alice again", func(r store.CallRecord) bool {
		return slices.ContainsFunc(r.Timeline, func(st store.Step) bool { return st.Kind == "unhold" })
	})
	rec := s.waitRecord(caller, 20*time.Second)
	t.Logf("held %v (kill in it); record: hold %v talk %v, hung up by %s", unheld.Sub(held), rec.Hold, rec.Talk, rec.HangupBy)
	if rec.Outcome != acd.OutcomeAnswered || rec.Agent != "alice" || rec.HangupBy != acd.HangupCaller {
		t.Errorf("outcome %s, agent %q, hung up by %s; want answered by alice, ended by the caller", rec.Outcome, rec.Agent, rec.HangupBy)
	}
	if d := rec.Hold - unheld.Sub(held); d < -time.Second || d > time.Second {
		t.Errorf("hold %v, want the %v alice held (±1 s), across the restart", rec.Hold, unheld.Sub(held))
	}
	if rec.Talk < 5*time.Second {
		t.Errorf("talk %v: after the unhold the caller did not talk to alice", rec.Talk)
	}
	s.eventually(30*time.Second, "alice ready after wrap-up", func() bool { return s.agentState("alice") == "available" })
}

// On real FreeSWITCH, Hotline is killed with SIGKILL while alice consults
// carol (carol answered, the caller on hold) and started again: alice
// completes the transfer, carol talks to the caller, and the record has
// both legs.
func TestFreeSWITCHE2ERestartDuringConsult(t *testing.T) {
	const caller = "5557821"
	s := newScenario(t, "park", `entries: [{number: "7820", queue: support}]`+holdRestartConfig)
	s.start()
	s.call(farend.CallScript{From: caller, To: "7820", HangupAfter: 16 * time.Second})
	s.liveRecord(caller, "alice talks to the caller", func(r store.CallRecord) bool { return r.Agent == "alice" && !r.Bridged.IsZero() })
	s.callAction("alice", "transfer", `{"agent":"carol","attended":true}`)
	s.liveRecord(caller, "carol answers the consult", func(r store.CallRecord) bool {
		return slices.ContainsFunc(r.Timeline, func(st store.Step) bool { return st.Kind == "consult-answered" })
	})
	s.d.kill()
	time.Sleep(time.Second)
	s.start()
	if !s.onHold(caller) {
		t.Errorf("after the restart the caller hears no music during the consult")
	}
	s.callAction("alice", "complete", "")
	s.liveRecord(caller, "carol takes the caller", func(r store.CallRecord) bool { return r.Agent == "carol" && s.offHold(caller) })
	rec := s.waitRecord(caller, 20*time.Second)
	var legs []string
	for _, l := range rec.Legs {
		legs = append(legs, l.Agent+":"+string(l.Via))
	}
	t.Logf("legs %v; hold %v talk %v, hung up by %s", legs, rec.Hold, rec.Talk, rec.HangupBy)
	if want := []string{"alice:", "carol:attended"}; !slices.Equal(legs, want) || rec.Outcome != acd.OutcomeAnswered || rec.HangupBy != acd.HangupCaller {
		t.Errorf("legs %v outcome %s hung up by %s; want %v, answered, ended by the caller", legs, rec.Outcome, rec.HangupBy, want)
	}
	if n := len(rec.Legs); n == 2 && rec.Legs[1].Talk < 3*time.Second {
		t.Errorf("carol's leg talked %v: the caller was not bridged with her", rec.Legs[1].Talk)
	}
	for _, a := range []string{"alice", "carol"} {
		s.eventually(30*time.Second, a+" ready after the call", func() bool { return s.agentState(a) == "available" })
	}
}
