package esl_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// agentLeg matches the uuid Hotline gives an agent leg (call id, "-a", a number).
var agentLeg = regexp.MustCompile(`-a[0-9]+$`)

// Issue 9 point 2 on FreeSWITCH: Hotline is killed with SIGKILL while an
// agent's phone rings (it answers after 8 s) and started again at once. The
// leg left ringing is hung up; the agent is rung again on a leg with a new
// uuid, is not counted as not answering, and takes the caller.
func TestFreeSWITCHE2ERestartWhileAgentRings(t *testing.T) {
	s := newScenario(t, "park", `entries: [{number: "7700", queue: sales}]`+strings.Replace(e2eQueue, "ring_timeout: 3s", "ring_timeout: 20s", 1)+`
agents:
  - {id: ian, name: Ian, endpoint: "@PHONE:answer-8000-hangup-2000@", queues: [{queue: sales}], logged_in: true}
`)
	s.start()
	s.call(farend.CallScript{From: "5557701", To: "7700"})
	var oldLegs []string
	s.eventually(5*time.Second, "ian's phone ringing", func() bool {
		oldLegs = oldLegs[:0]
		for _, c := range s.channels() {
			if agentLeg.MatchString(c["uuid"]) {
				oldLegs = append(oldLegs, c["uuid"])
			}
		}
		return len(oldLegs) > 0
	})
	s.d.kill()
	restarted := time.Now()
	s.start()

	r := s.waitRecord("5557701", 25*time.Second)
	if got := attempts(r); got != "ian:answered" || r.Outcome != acd.OutcomeAnswered {
		t.Errorf("outcome %s, attempts %s; want answered, ian:answered", r.Outcome, got)
	}
	if slices.Contains(oldLegs, r.AgentChannel) {
		t.Errorf("ian talked on %s, a leg of the killed run (%v)", r.AgentChannel, oldLegs)
	}
	var kinds []string
	for _, st := range r.Timeline {
		kinds = append(kinds, st.Kind)
	}
	if !slices.Contains(kinds, "ring-cut-by-restart") {
		t.Errorf("timeline %v lacks ring-cut-by-restart", kinds)
	}
	if waited := r.Answered.Sub(restarted); waited > 13*time.Second {
		t.Errorf("caller answered %v after the restart, want within one ring of 8 s (+5 s)", waited)
	}
	for _, c := range s.channels() {
		if slices.Contains(oldLegs, c["uuid"]) {
			t.Errorf("old leg %s still up", c["uuid"])
		}
	}
	t.Logf("restart mid-ring: answered %v after the restart on %s (old legs %v); talk %v", r.Answered.Sub(restarted), r.AgentChannel, oldLegs, r.Talk)
}
