package ari_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/internal/apitest"
)

// stopSpy stops the listen, whisper or barge of endpoint in agent's call
// through the API and waits until the supervisor's leg sup and its spy
// bridge are gone. (The snoop channel leaves with them; Asterisk frees it
// at the spied-on channel's next frame, which a silent test phone never
// sends, so it is not waited for.)
func (s *e2eScenario) stopSpy(agent, endpoint, sup string) {
	s.t.Helper()
	if got, err := apitest.SpyStop(s.d.api, agent, endpoint); err != nil || got != sup {
		s.t.Fatalf("spy-stop: %q %v; want %s", got, err, sup)
	}
	s.eventually(10*time.Second, "the supervisor's leg and its spy bridge gone", func() (bool, string) {
		leg := s.ast.hasChannel(s.t, sup)
		bridge := slices.ContainsFunc(s.ast.bridges(s.t), func(b e2eBridge) bool { return b.ID == "hotline-spy-"+sup })
		return !leg && !bridge, fmt.Sprintf("leg %s up %v, its bridge there %v", sup, leg, bridge)
	})
}

// TestAsteriskE2ESpyStop: on real Asterisk a supervisor listens to alice
// and stops; then whispers, Hotline is killed with SIGKILL and started
// again, and the whisper it kept is stopped too. Each time the
// supervisor's leg and its snoop channel go while the caller and alice
// talk on, and the record says which was stopped by whom.
func TestAsteriskE2ESpyStop(t *testing.T) {
	s, first, pc, sup := spyOnAlice(t, "listen", 500*time.Millisecond)
	phone := e2ePhone{Answer: 500 * time.Millisecond}.endpoint(s.tag, "sup")
	s.spyWired(sup, 10*time.Second)
	s.stopSpy("alice", phone, sup)
	s.bridged(pc, "alice", 5*time.Second)
	whisper := s.spy("alice", "whisper", phone)
	s.spyWired(whisper, 10*time.Second)
	s.restartKeeping(first, pc, "whisper "+whisper)
	s.stopSpy("alice", phone, whisper)
	s.bridged(pc, "alice", 5*time.Second)
	s.ast.hangup(t, pc.Near)
	rec := s.waitRecord(pc.Far, 10*time.Second, "the call ends", e2eEnded)
	if rec.Outcome != acd.OutcomeAnswered || rec.HangupBy != acd.HangupCaller ||
		!e2eHasStep(rec, "spy-stopped", "listen "+sup) || !e2eHasStep(rec, "spy-stopped", "whisper "+whisper) {
		t.Errorf("outcome %s by %s; %s", rec.Outcome, rec.HangupBy, e2eSteps(rec))
	}
	s.noTaggedChannels(30 * time.Second)
}
