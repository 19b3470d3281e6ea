package esl_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// A caller waits with nobody to take the call, hears the position and
// wait announcements, and presses the callback key: hotline serve, with
// FreeSWITCH's prompt settings left at their defaults, plays each from
// the stock sound pack's files, and FreeSWITCH plays every one out.
func TestFreeSWITCHE2EPromptsStockPack(t *testing.T) {
	s := newScenario(t, "park", `entries: [{number: "7570", queue: sales}]
queues:
  - name: sales
    ring_timeout: 3s
    moh: default
    callback_key: "5"
    callback: {endpoint: "error/{number}"} # never dialed: nobody is logged in
    announce: {interval: 1s, position: true, wait_estimate: true}
agents:
  - {id: kim, name: Kim, endpoint: "@PHONE:answer-200-hangup-800@", queues: [{queue: sales}], logged_in: false}
`)
	stop := s.fs.watch(t, "CHANNEL_EXECUTE_COMPLETE")
	s.start()
	s.call(farend.CallScript{From: "5557571", To: "7570", DTMF: "5", DTMFDelay: 5 * time.Second})
	r := s.waitRecord("5557571", 30*time.Second)
	if r.Outcome != acd.OutcomeCallback {
		t.Errorf("outcome %s; want a callback", r.Outcome)
	}
	time.Sleep(time.Second) // the confirmation's end
	var position, confirmation []string
	for _, ev := range stop() {
		data := ev.Get("Application-Data")
		if ev.Get("Application") != "playback" {
			continue
		}
		line := ev.Get("Application-Response") + " " + data
		switch {
		case strings.Contains(data, "queue-"), strings.Contains(data, "auth-thankyou"):
			t.Errorf("an Asterisk name was played: %s", line)
		case strings.Contains(data, "ivr/ivr-you_are_number.wav"):
			position = append(position, line)
		case strings.Contains(data, "ivr/ivr-we_will_return_your_call_at_this_number.wav"):
			confirmation = append(confirmation, line)
		}
	}
	if len(position) == 0 {
		t.Error("no position announcement from the stock pack was played")
	}
	if len(confirmation) != 1 {
		t.Errorf("callback confirmations: %q; want one", confirmation)
	}
	for _, line := range append(position, confirmation...) {
		if !strings.HasPrefix(line, "FILE PLAYED") {
			t.Errorf("not played out: %s", line)
		}
	}
	t.Logf("position: %q; confirmation: %q", position, confirmation)
}
