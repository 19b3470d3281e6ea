package esl_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/internal/sipptest"
)

// TestFreeSWITCHE2ESIPConsoleKill: real SIP callers (SIPp) wait in a queue
// on a sofia profile. One is killed from the console with a bare uuid_kill,
// which FreeSWITCH reports as NORMAL_CLEARING exactly as a caller's own
// hang-up: Hotline tells them apart by the BYE (only the caller's leaves a
// SIP status on the channel), so the killed caller's record says the system
// hung up (manager-request) and no abandon is counted, while the caller who
// hangs up by himself is an abandon, by the caller.
func TestFreeSWITCHE2ESIPConsoleKill(t *testing.T) {
	s := newScenario(t, "park", `entries: [{number: "7460", queue: sales}]`+e2eQueue+`
agents:
  - {id: fred, name: Fred, endpoint: "@PHONE:answer-200@", queues: [{queue: sales}]}
`)
	env := sipptest.Local(t, s.fs.needSofiaInto(t, "hotline"), nil)
	s.start()
	killed := env.Call(t, "7460", sipptest.Caller{From: "5557461", Name: "Killed", HoldMs: 30000})
	var uuid string
	s.eventually(30*time.Second, "music on hold on the SIP caller", func() bool {
		for _, c := range s.channels() {
			if c["cid_num"] == "5557461" && strings.HasPrefix(c["name"], "sofia/") && c["application"] == "playback" &&
				strings.HasPrefix(c["application_data"], "local_stream://") {
				uuid = c["uuid"]
				return true
			}
		}
		return false
	})
	t.Logf("uuid_kill: %s", strings.TrimSpace(s.fs.api(t, "uuid_kill "+uuid)))
	r := s.waitRecord("5557461", 10*time.Second)
	if r.Outcome != acd.OutcomeFailed || r.HangupBy != acd.HangupSystem || r.Cause != "manager-request" {
		t.Errorf("killed caller: outcome %s hung up by %s cause %q, want failed, by the system, manager-request", r.Outcome, r.HangupBy, r.Cause)
	}
	if err := killed.Wait(t, 10*time.Second); err != nil {
		t.Errorf("killed caller's sipp: %v\n%s", err, killed.Messages())
	}
	// A caller who hangs up (a BYE after 4 s of waiting) has abandoned.
	gaveUp := env.Call(t, "7460", sipptest.Caller{From: "5557462", Name: "GaveUp", HoldMs: 4000})
	r = s.waitRecord("5557462", 20*time.Second)
	if r.Outcome != acd.OutcomeAbandoned || r.HangupBy != acd.HangupCaller {
		t.Errorf("caller who hung up: outcome %s hung up by %s cause %q, want abandoned by the caller", r.Outcome, r.HangupBy, r.Cause)
	}
	if err := gaveUp.Wait(t, 10*time.Second); err != nil {
		t.Errorf("second caller's sipp: %v\n%s", err, gaveUp.Messages())
	}
	// The published counters follow the records a moment later.
	var st engine.Status
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		ok := s.getJSON("/api/v1/status", &st) && len(st.Queues) == 1 && st.Queues[0].Abandoned == 1 && st.Queues[0].Waiting == 0
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("queues %+v: want sales with one abandon, no one waiting", st.Queues)
			break
		}
	}
}
