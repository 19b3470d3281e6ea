package esl_test

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/internal/apitest"
	"github.com/hotline-cc/hotline/store"
)

// stopSpy stops endpoint's listen, whisper or barge in agent's call
// through the API and waits until the supervisor's eavesdrop leg sup is
// gone.
func (s *fsScenario) stopSpy(agent, endpoint, sup string) {
	s.t.Helper()
	if got, err := apitest.SpyStop("http://"+s.api, agent, endpoint); err != nil || got != sup {
		s.t.Fatalf("spy-stop: %q %v; want %s", got, err, sup)
	}
	s.eventually(10*time.Second, "the supervisor's leg hung up", func() bool {
		for _, c := range s.channels() {
			if c["uuid"] == sup {
				return false
			}
		}
		return true
	})
}

// TestFreeSWITCHE2ESpyStop: on real FreeSWITCH a supervisor listens to
// alice and stops; then whispers, Hotline is killed with SIGKILL and
// started again, and the whisper it kept is stopped too. Each time the
// supervisor's eavesdrop leg goes while the caller and alice talk on, and
// the record says which was stopped by whom.
func TestFreeSWITCHE2ESpyStop(t *testing.T) {
	const caller = "5557814"
	s := newScenario(t, "park", `entries: [{number: "7811", queue: support}]`+holdRestartConfig)
	s.start()
	s.call(farend.CallScript{From: caller, To: "7811", HangupAfter: 40 * time.Second})
	s.liveRecord(caller, "alice talks to the caller", func(r store.CallRecord) bool { return r.Agent == "alice" && !r.Bridged.IsZero() })
	// No per-leg variables: a supervisor phone is one plain dial string.
	phone := "loopback/answer-200/hotline-test-phone"
	talking := func(what string) {
		s.liveRecord(caller, what, func(r store.CallRecord) bool { return r.Agent == "alice" && r.Ended.IsZero() })
	}
	listen := s.spy("alice", "listen", phone)
	s.eventually(30*time.Second, "the supervisor eavesdrops", func() bool {
		up, _ := s.eavesdropping(listen)
		return up
	})
	s.stopSpy("alice", phone, listen)
	talking("alice talks on after the listen stopped")
	whisper := s.whisperAcrossRestart(caller, phone)
	s.stopSpy("alice", phone, whisper)
	talking("alice talks on after the whisper stopped")
	rec := s.waitRecord(caller, 60*time.Second)
	if rec.Outcome != acd.OutcomeAnswered || rec.HangupBy != acd.HangupCaller ||
		!apitest.HasStep(rec, "spy-stopped", "listen "+listen) || !apitest.HasStep(rec, "spy-stopped", "whisper "+whisper) {
		t.Errorf("outcome %s by %s; timeline %+v", rec.Outcome, rec.HangupBy, rec.Timeline)
	}
}
