package esl_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// TestFreeSWITCHE2EHupall: an administrator runs hupall while hank talks to
// one caller, ivy's phone rings for a second and a third caller waits. No
// party ended those calls: every record says the system did (cause
// manager-request), none counts as abandoned, and no agent is offered a
// caller after the hupall (the channels it kills hang up one by one, and an
// agent freed by the first must not be handed a caller the next kills).
func TestFreeSWITCHE2EHupall(t *testing.T) {
	for _, mode := range switchModes {
		t.Run(mode.name, func(t *testing.T) {
			s := newScenario(t, mode.name, `entries: [{number: "7470", queue: sales}]
queues:
  - name: sales
    strategy: top-down
    ring_timeout: 20s
    wrap_up: 0s
    moh: default
    announce: {interval: 0s}
agents:
  - {id: hank, name: Hank, endpoint: "@PHONE:answer-200@", queues: [{queue: sales}], logged_in: true}
  - {id: ivy, name: Ivy, endpoint: "@PHONE:answer-30000@", queues: [{queue: sales}], logged_in: true}
`)
			s.start()
			s.call(farend.CallScript{From: "5557471", To: "7470", HangupAfter: time.Minute})
			s.eventually(30*time.Second, "hank talking", func() bool { return s.agentState("hank") == acd.OnCall.String() })
			s.call(farend.CallScript{From: "5557472", To: "7470", HangupAfter: time.Minute})
			s.eventually(30*time.Second, "ivy ringing", func() bool { return s.agentState("ivy") == acd.Ringing.String() })
			s.call(farend.CallScript{From: "5557473", To: "7470", HangupAfter: time.Minute})
			s.eventually(30*time.Second, "the third caller waiting", func() bool {
				c, ok := s.channelOf("5557473")
				return ok && c["application"] == "playback" && strings.HasPrefix(c["application_data"], "local_stream://")
			})
			kill := time.Now()
			t.Logf("hupall: %s", strings.TrimSpace(s.fs.api(t, "hupall MANAGER_REQUEST hltest_run "+s.tag)))
			for _, caller := range []string{"5557471", "5557472", "5557473"} {
				r := s.waitRecord(caller, 15*time.Second)
				if r.HangupBy != acd.HangupSystem || r.Outcome == acd.OutcomeAbandoned {
					t.Errorf("%s: hung up by %s, outcome %s, cause %q; want by the system, not abandoned (timeline %+v)", caller, r.HangupBy, r.Outcome, r.Cause, r.Timeline)
				}
				for _, st := range r.Timeline {
					if st.Kind == "offer" && st.At.After(kill) {
						t.Errorf("%s: offered to %s at %s, after the hupall at %s (timeline %+v)", caller, st.Agent, st.At.Format("15:04:05.000"), kill.Format("15:04:05.000"), r.Timeline)
					}
				}
			}
			var st engine.Status
			if !s.getJSON("/api/v1/status", &st) || len(st.Queues) != 1 || st.Queues[0].Abandoned != 0 {
				t.Errorf("queues %+v: want sales with no abandon", st.Queues)
			}
		})
	}
}
