package esl_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// On real FreeSWITCH an agent rings for the whole ring_timeout: one who
// picks up 2.7 s into a 3 s ring takes the call, every time. FreeSWITCH
// counts originate_timeout in whole seconds of its clock, so a ring begun
// late in a second ended up to a second early: most such agents got a
// no-answer (and, three in a row, a pause).
func TestFreeSWITCHE2ERingsTheWholeRingTimeout(t *testing.T) {
	s := newScenario(t, "park", `entries: [{number: "7970", queue: sales}]
queues:
  - {name: sales, ring_timeout: 3s, retry_delay: 200ms, wrap_up: 300ms, announce: {interval: 0s}}
agents:
  - {id: dan, endpoint: "@PHONE:answer-2700-hangup-500@", queues: [{queue: sales}], logged_in: true}
`)
	s.start()
	for i := range 4 {
		from := fmt.Sprintf("555797%d", i)
		s.call(farend.CallScript{From: from, To: "7970", HangupAfter: 10 * time.Second})
		r := s.waitRecord(from, 15*time.Second)
		if got := attempts(r); r.Outcome != acd.OutcomeAnswered || got != "dan:answered" {
			t.Errorf("call %d: outcome %s, attempts %s; want answered at dan's first ring", i+1, r.Outcome, got)
		}
		time.Sleep(time.Duration(100+i*230) * time.Millisecond) // the next ring begins elsewhere in a second
	}
}
