package esl_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/api"
	"github.com/hotline-cc/hotline/internal/apitest"
	"github.com/hotline-cc/hotline/store"
)

// spy rings endpoint into agent's call in mode and returns the
// supervisor's channel.
func (s *fsScenario) spy(agent, mode, endpoint string) string {
	s.t.Helper()
	ch, err := apitest.Spy("http://"+s.api, agent, mode, endpoint)
	if err != nil {
		s.t.Fatal(err)
	}
	return ch
}

// eavesdropping reports whether FreeSWITCH runs eavesdrop on the
// supervisor's channel sup, and whispers to the agent from it.
func (s *fsScenario) eavesdropping(sup string) (up, whisper bool) {
	for _, c := range s.channels() {
		if c["uuid"] == sup {
			up = c["application"] == "eavesdrop"
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return up, strings.TrimSpace(s.fs.command(ctx, "api uuid_getvar "+sup+" eavesdrop_whisper_bleg")) == "true"
}

// whisperAcrossRestart has the supervisor's phone whisper to alice on
// caller's call, kills Hotline with SIGKILL once the call is saved with the
// whisper and starts it again; it returns the supervisor's channel once
// the record says the restarted daemon kept it.
func (s *fsScenario) whisperAcrossRestart(caller, phone string) string {
	s.t.Helper()
	sup := s.spy("alice", "whisper", phone)
	s.eventually(30*time.Second, "the supervisor eavesdrops, whispering", func() bool {
		up, whisper := s.eavesdropping(sup)
		return up && whisper
	})
	s.eventually(30*time.Second, "the call saved with its spy", func() bool {
		var h api.Health
		return s.getJSON("/healthz", &h) && h.Store != nil && h.Store.Queued == 0
	})
	s.d.kill()
	time.Sleep(time.Second)
	s.start()
	s.liveRecord(caller, "the record keeps the whisper", func(r store.CallRecord) bool {
		return apitest.HasStep(r, "spy-kept-after-restart", "whisper "+sup)
	})
	return sup
}

// On real FreeSWITCH, Hotline is killed with SIGKILL while a supervisor
// whispers to alice, and started again: the supervisor's eavesdrop goes on,
// still whispering (not hung up as a leg the restarted daemon does not
// know), the record says so with the mode, and the caller's hang-up ends
// the supervisor's leg with the call.
func TestFreeSWITCHE2ERestartKeepsSpy(t *testing.T) {
	const caller = "5557813"
	s := newScenario(t, "park", `entries: [{number: "7810", queue: support}]`+holdRestartConfig)
	s.start()
	s.call(farend.CallScript{From: caller, To: "7810", HangupAfter: 12 * time.Second})
	s.liveRecord(caller, "alice talks to the caller", func(r store.CallRecord) bool { return r.Agent == "alice" && !r.Bridged.IsZero() })
	sup := s.whisperAcrossRestart(caller, "loopback/answer-200/hotline-test-phone")
	if up, whisper := s.eavesdropping(sup); !up || !whisper {
		t.Errorf("after the restart the supervisor's leg eavesdrops %v, whispers %v; want both", up, whisper)
	}
	rec := s.waitRecord(caller, 20*time.Second)
	if rec.Outcome != acd.OutcomeAnswered || rec.HangupBy != acd.HangupCaller || apitest.HasStep(rec, "spy-cut-by-restart", "") {
		t.Errorf("outcome %s by %s; timeline %+v", rec.Outcome, rec.HangupBy, rec.Timeline)
	}
	s.eventually(10*time.Second, "the supervisor's leg ends with the call", func() bool {
		up, _ := s.eavesdropping(sup)
		return !up
	})
}
