package esl_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// TestFreeSWITCHE2EHangupDuringPrompt: callers hang up a second into a
// flow's prompt. FreeSWITCH ends the playback as the channel hangs up, and
// Hotline goes no further in the flow: no agent's phone rings for the
// caller of a play node followed by a queue, and the one who hung up
// during the voicemail's greeting leaves no message and no callback.
func TestFreeSWITCHE2EHangupDuringPrompt(t *testing.T) {
	s := newScenario(t, "park", `entries: [{number: "6700", flow: hold}, {number: "6701", flow: closed}]
flows:
  hold:
    start: greet
    nodes:
      greet: {kind: play, prompt: [sound:hello-world, sound:hello-world, sound:hello-world, sound:hello-world], next: agent}
      agent: {kind: queue, queue: support}
  closed:
    start: message
    nodes:
      message: {kind: voicemail, queue: support, prompt: [sound:hello-world, sound:hello-world, sound:hello-world, sound:hello-world]}
queues:
  - name: support
    ring_timeout: 10s
    announce: {interval: 0s}
agents:
  - {id: alice, endpoint: "@PHONE:answer-100@", queues: [{queue: support}], logged_in: true}
`)
	stop := s.fs.watch(t, "CHANNEL_CREATE")
	s.start()
	s.call(farend.CallScript{From: "5556701", To: "6700", HangupAfter: time.Second})
	s.call(farend.CallScript{From: "5556702", To: "6701", HangupAfter: time.Second})
	for _, caller := range []string{"5556701", "5556702"} {
		r := s.waitRecord(caller, 30*time.Second)
		var steps []string
		for _, st := range r.Timeline {
			steps = append(steps, st.Kind+" "+st.Detail)
		}
		all := strings.Join(steps, " | ")
		if r.Outcome != acd.OutcomeAbandoned || r.HangupBy != acd.HangupCaller || len(r.Attempts) != 0 ||
			strings.Contains(all, "offer") || strings.Contains(all, "voicemail-left") || strings.Contains(all, "callback") {
			t.Errorf("caller %s: %s by %s, attempts %s; want abandoned by the caller, the flow gone no further: %s",
				caller, r.Outcome, r.HangupBy, attempts(r), all)
		}
	}
	time.Sleep(time.Second) // an agent leg would have been created by now
	for _, ev := range stop() {
		if strings.HasPrefix(ev.Get("Channel-Name"), "loopback/answer-100") {
			t.Errorf("alice's phone was dialed (%s) for a caller who hung up during the prompt", ev.Get("Unique-ID"))
		}
	}
}
