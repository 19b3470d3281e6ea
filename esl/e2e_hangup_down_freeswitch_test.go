package esl_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// TestFreeSWITCHE2EHangupWhileDown: a caller waits (no agent logged in),
// "hotline serve" is killed, the caller hangs up while it is down, and it
// is started again: the record is the caller's abandon, with the wait the
// caller had before the kill, as the last heartbeat saw it (every 2 s).
func TestFreeSWITCHE2EHangupWhileDown(t *testing.T) {
	for _, mode := range switchModes {
		t.Run(mode.name, func(t *testing.T) {
			s := newScenario(t, mode.name, `entries: [{number: "7480", queue: sales}]`+e2eQueue+`
agents:
  - {id: hank, name: Hank, endpoint: "@PHONE:answer-200@", queues: [{queue: sales}]}
`)
			s.start()
			placed := time.Now()
			s.call(farend.CallScript{From: "5557481", To: "7480", HangupAfter: 9 * time.Second})
			s.eventually(30*time.Second, "the caller waiting", func() bool {
				c, ok := s.channelOf("5557481")
				return ok && c["application"] == "playback" && strings.HasPrefix(c["application_data"], "local_stream://")
			})
			time.Sleep(5 * time.Second)
			s.d.kill()
			killed := time.Now()
			s.eventually(15*time.Second, "the caller gone", func() bool { _, ok := s.channelOf("5557481"); return !ok })
			s.start()
			r := s.waitRecord("5557481", 15*time.Second)
			t.Logf("%s: outcome %s by %s, wait %v (killed %v after the call was placed)", mode.name, r.Outcome, r.HangupBy, r.Wait, killed.Sub(placed))
			if r.Outcome != acd.OutcomeAbandoned || r.HangupBy != acd.HangupCaller {
				t.Errorf("outcome %s by %s; want abandoned by the caller", r.Outcome, r.HangupBy)
			}
			if r.Wait < 2*time.Second {
				t.Errorf("wait %v; want at least 2 s of the 5 s the caller waited before the kill (timeline %+v)", r.Wait, r.Timeline)
			}
		})
	}
}
