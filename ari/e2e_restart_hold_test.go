package ari_test

import (
	"slices"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/store"
)

// On real Asterisk, Hotline is killed with SIGKILL while alice holds her
// caller and started again: the caller is still out of alice's bridge, alice
// still on the call, and unhold brings them back together; the record counts
// the whole hold, across the restart, apart from the talk.
func TestAsteriskE2ERestartDuringHold(t *testing.T) {
	s := newE2E(t, "transfer", map[string]e2ePhone{"alice": {Answer: time.Second}, "bob": e2eNeverAnswers, "carol": e2eNeverAnswers}, "")
	first := s.start()
	pc := s.call(e2eCaller{Number: "6400", HangupAfter: 60 * time.Second})
	rec, _ := s.bridged(pc, "alice", 10*time.Second)
	alice := rec.AgentChannel
	s.callAction("alice", "hold", "")
	s.eventually(30*time.Second, "the held caller leaves the bridge, alice stays", func() (bool, string) {
		return s.inBridge(pc.Far) == "" && s.inBridge(alice) != "", "caller in " + s.inBridge(pc.Far) + ", alice in " + s.inBridge(alice)
	})
	held := time.Now()
	s.durable()
	first.kill(t)
	time.Sleep(time.Second)
	s.start()
	if a := s.agent("alice"); a.State != "on-call" {
		t.Errorf("alice after the restart: %s, want on-call", a.State)
	}
	if b := s.inBridge(pc.Far); b != "" {
		t.Errorf("after the restart the held caller is in bridge %s", b)
	}
	time.Sleep(time.Second)
	s.callAction("alice", "unhold", "")
	unheld := time.Now()
	s.eventually(30*time.Second, "the caller is back with alice", func() (bool, string) {
		_, ok := s.ast.bridgeWith(s.t, pc.Far, alice)
		return ok, "no bridge with both"
	})
	time.Sleep(2 * time.Second)
	s.ast.hangup(t, pc.Near)
	rec = s.waitRecord(pc.Far, 10*time.Second, "the call ends", e2eEnded)
	t.Logf("held %v (kill in it); record: hold %v talk %v, hung up by %s", unheld.Sub(held), rec.Hold, rec.Talk, rec.HangupBy)
	if rec.Outcome != acd.OutcomeAnswered || rec.Agent != "alice" || rec.HangupBy != acd.HangupCaller {
		t.Errorf("outcome %s, agent %q, hung up by %s; want answered by alice, ended by the caller", rec.Outcome, rec.Agent, rec.HangupBy)
	}
	if d := rec.Hold - unheld.Sub(held); d < -time.Second || d > time.Second {
		t.Errorf("hold %v, want the %v alice held (±1 s), across the restart", rec.Hold, unheld.Sub(held))
	}
	if !slices.ContainsFunc(rec.Timeline, func(st store.Step) bool { return st.Kind == "unhold" }) || rec.Talk < 2*time.Second {
		t.Errorf("talk %v, timeline %v: want an unhold and the talk after it", rec.Talk, rec.Timeline)
	}
	s.noTaggedChannels(30 * time.Second)
}

// On real Asterisk, Hotline is killed with SIGKILL while alice consults
// carol (carol answered, the caller held) and started again: alice completes
// the transfer, carol talks to the caller, and the record has both legs.
func TestAsteriskE2ERestartDuringConsult(t *testing.T) {
	s := newE2E(t, "transfer", map[string]e2ePhone{"alice": {Answer: time.Second}, "bob": e2eNeverAnswers, "carol": {Answer: time.Second}}, "")
	first := s.start()
	pc := s.call(e2eCaller{Number: "6400", HangupAfter: 60 * time.Second})
	rec, _ := s.bridged(pc, "alice", 10*time.Second)
	alice := rec.AgentChannel
	s.callAction("alice", "transfer", `{"agent":"carol","attended":true}`)
	carol := s.phoneOf("carol")
	s.eventually(10*time.Second, "alice consults carol, the caller held", func() (bool, string) {
		_, ok := s.ast.bridgeWith(s.t, alice, carol)
		return ok && s.inBridge(pc.Far) == "", "caller in " + s.inBridge(pc.Far)
	})
	s.durable()
	first.kill(t)
	time.Sleep(time.Second)
	s.start()
	s.callAction("alice", "complete", "")
	s.eventually(30*time.Second, "the caller talks to carol, alice is gone", func() (bool, string) {
		_, ok := s.ast.bridgeWith(s.t, pc.Far, carol)
		return ok && !s.ast.hasChannel(s.t, alice), "not yet"
	})
	time.Sleep(2 * time.Second)
	s.ast.hangup(t, pc.Near)
	rec = s.waitRecord(pc.Far, 10*time.Second, "the call ends", e2eEnded)
	var legs []string
	for _, l := range rec.Legs {
		legs = append(legs, l.Agent+":"+string(l.Via))
	}
	t.Logf("legs %v; hold %v talk %v, hung up by %s", legs, rec.Hold, rec.Talk, rec.HangupBy)
	if want := []string{"alice:", "carol:attended"}; !slices.Equal(legs, want) || rec.Outcome != acd.OutcomeAnswered || rec.HangupBy != acd.HangupCaller {
		t.Errorf("legs %v outcome %s hung up by %s; want %v, answered, ended by the caller", legs, rec.Outcome, rec.HangupBy, want)
	}
	if n := len(rec.Legs); n == 2 && rec.Legs[1].Talk < time.Second {
		t.Errorf("carol's leg talked %v: the caller was not bridged with her", rec.Legs[1].Talk)
	}
	for _, a := range []string{"alice", "carol"} {
		s.eventually(30*time.Second, a+" ready after the call", func() (bool, string) {
			st := s.agent(a).State
			return st == "available", st
		})
	}
	s.noTaggedChannels(30 * time.Second)
}
