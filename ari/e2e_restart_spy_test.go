package ari_test

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/internal/apitest"
	"github.com/hotline-cc/hotline/store"
)

// spy rings endpoint into agent's call in mode and returns the
// supervisor's channel.
func (s *e2eScenario) spy(agent, mode, endpoint string) string {
	s.t.Helper()
	ch, err := apitest.Spy(s.d.api, agent, mode, endpoint)
	if err != nil {
		s.t.Fatal(err)
	}
	return ch
}

// spyWired waits until the supervisor's private bridge holds its leg and
// the snoop channel on the agent.
func (s *e2eScenario) spyWired(sup string, timeout time.Duration) {
	s.t.Helper()
	s.eventually(timeout, "the supervisor's leg and the snoop channel share the spy bridge", func() (bool, string) {
		_, ok := s.ast.bridgeWith(s.t, sup, "hotline-snoop-"+sup)
		return ok && s.ast.hasChannel(s.t, sup), "not yet"
	})
}

// restartKeeping kills the running daemon with SIGKILL once its state is
// on disk, starts it again and waits until pc's record says it kept the
// supervisor's leg (spy, "MODE CHANNEL").
func (s *e2eScenario) restartKeeping(running *e2eDaemon, pc e2ePlaced, spy string) {
	s.t.Helper()
	s.durable()
	running.kill(s.t)
	time.Sleep(time.Second)
	s.start()
	s.waitRecord(pc.Far, 10*time.Second, "the record keeps the "+spy, func(r store.CallRecord) bool {
		return e2eHasStep(r, "spy-kept-after-restart", spy)
	})
}

// spyOnAlice starts a daemon, puts a caller through to alice and has a
// supervisor whose phone answers after answer join her call in mode.
func spyOnAlice(t *testing.T, mode string, answer time.Duration) (s *e2eScenario, first *e2eDaemon, pc e2ePlaced, sup string) {
	t.Helper()
	s = newE2E(t, "transfer", map[string]e2ePhone{"alice": {Answer: time.Second}, "bob": e2eNeverAnswers, "carol": e2eNeverAnswers}, "")
	first = s.start()
	pc = s.call(e2eCaller{Number: "6400", HangupAfter: 60 * time.Second})
	s.bridged(pc, "alice", 10*time.Second)
	return s, first, pc, s.spy("alice", mode, e2ePhone{Answer: answer}.endpoint(s.tag, "sup"))
}

// TestAsteriskE2ERestartKeepsSpy: on real Asterisk, Hotline is killed with
// SIGKILL while a supervisor whispers to alice, and started again. The
// supervisor's leg, its snoop channel and their bridge are kept (not hung
// up as a leg the restarted daemon does not know), the record says so with
// the mode, and the caller's hang-up still takes the supervisor down.
func TestAsteriskE2ERestartKeepsSpy(t *testing.T) {
	s, first, pc, sup := spyOnAlice(t, "whisper", 500*time.Millisecond)
	s.spyWired(sup, 10*time.Second)
	s.restartKeeping(first, pc, "whisper "+sup)
	s.spyWired(sup, 30*time.Second)
	s.ast.hangup(t, pc.Near)
	rec := s.waitRecord(pc.Far, 10*time.Second, "the call ends", e2eEnded)
	if rec.Outcome != acd.OutcomeAnswered || rec.HangupBy != acd.HangupCaller || e2eHasStep(rec, "spy-cut-by-restart", "") {
		t.Errorf("outcome %s by %s; %s", rec.Outcome, rec.HangupBy, e2eSteps(rec))
	}
	s.eventually(10*time.Second, "the supervisor's leg ends with the call", func() (bool, string) {
		return !s.ast.hasChannel(t, sup), sup + " still up"
	})
	s.noTaggedChannels(30 * time.Second)
}

// TestAsteriskE2ERestartSpyStillRinging: Hotline is killed while the
// supervisor's phone still rings to listen in, and is back before it
// answers. The restarted daemon keeps the ringing leg and its snoop; when
// the supervisor picks up, the spy bridge is made as if no restart had
// happened, and the leg ends with the call.
func TestAsteriskE2ERestartSpyStillRinging(t *testing.T) {
	s, first, pc, sup := spyOnAlice(t, "listen", 8*time.Second)
	// The API answers once the spy is asked for; its legs are made after.
	// Killed before they are, there would be no ringing leg to keep.
	s.eventually(10*time.Second, "the supervisor's leg and the snoop channel exist", func() (bool, string) {
		return s.ast.hasChannel(t, sup) && s.ast.hasChannel(t, "hotline-snoop-"+sup), "not yet"
	})
	s.durable()
	first.kill(t)
	if _, ok := s.ast.bridgeWith(t, sup, "hotline-snoop-"+sup); ok {
		t.Fatal("the supervisor's phone answered before the restart; the test wants it ringing")
	}
	s.start()
	s.waitRecord(pc.Far, 10*time.Second, "the record keeps the ringing listen", func(r store.CallRecord) bool {
		return e2eHasStep(r, "spy-kept-after-restart", "listen "+sup)
	})
	s.spyWired(sup, 30*time.Second)
	s.ast.hangup(t, pc.Near)
	rec := s.waitRecord(pc.Far, 10*time.Second, "the call ends", e2eEnded)
	if rec.Outcome != acd.OutcomeAnswered || e2eHasStep(rec, "spy-cut-by-restart", "") {
		t.Errorf("outcome %s; %s", rec.Outcome, e2eSteps(rec))
	}
	s.eventually(10*time.Second, "the supervisor's leg ends with the call", func() (bool, string) {
		return !s.ast.hasChannel(t, sup), sup + " still up"
	})
	s.noTaggedChannels(30 * time.Second)
}

// TestAsteriskE2ERestartSpySnoopGone: while Hotline is down, the snoop
// channel a supervisor listens through is hung up (by an admin, or a
// module reload). The restarted daemon does not leave the supervisor on a
// bridge that hears nothing: its leg is hung up, and the conversation
// between the caller and alice goes on untouched.
func TestAsteriskE2ERestartSpySnoopGone(t *testing.T) {
	s, first, pc, sup := spyOnAlice(t, "whisper", 500*time.Millisecond)
	s.spyWired(sup, 10*time.Second)
	s.durable()
	first.kill(t)
	s.ast.hangup(t, "hotline-snoop-"+sup)
	s.start()
	s.eventually(30*time.Second, "the supervisor's leg, hearing nothing, is hung up", func() (bool, string) {
		return !s.ast.hasChannel(t, sup), sup + " still up"
	})
	s.bridged(pc, "alice", 5*time.Second)
	s.ast.hangup(t, pc.Near)
	rec := s.waitRecord(pc.Far, 10*time.Second, "the call ends", e2eEnded)
	if rec.Outcome != acd.OutcomeAnswered || rec.HangupBy != acd.HangupCaller {
		t.Errorf("outcome %s by %s; %s", rec.Outcome, rec.HangupBy, e2eSteps(rec))
	}
	s.noTaggedChannels(30 * time.Second)
}
