package esl_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// Hotline is killed (SIGKILL) while a queue's 18 s greeting plays to a
// waiting caller, and started again. The restarted daemon stops the
// greeting the run before left playing: it no longer plays on, under the
// queue's music or after it.
func TestFreeSWITCHE2ERestartStopsGreeting(t *testing.T) {
	fs := needFreeSWITCH(t)
	greeting := fs.longQuestion(t)
	s := newScenario(t, "park", `entries: [{number: "7570", queue: sales}]
queues:
  - name: sales
    ring_timeout: 3s
    moh: default
    greeting: [`+greeting+`]
    announce: {interval: 0s}
  - name: other
    ring_timeout: 3s
agents:
  - {id: gina, name: Gina, endpoint: "@PHONE:answer-200-hangup-800@", queues: [{queue: other}], logged_in: true}
`)
	stop := s.fs.watch(t, "CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE")
	s.start()
	s.call(farend.CallScript{From: "5557571", To: "7570"})
	var uuid string
	s.eventually(30*time.Second, "the greeting plays", func() bool {
		c, ok := s.channelOf("5557571")
		uuid = c["uuid"]
		return ok && c["application"] == "playback"
	})
	started := time.Now()
	time.Sleep(time.Second)
	s.d.kill()
	s.start()
	// Looked at 12 s into the greeting, which would play on to 18 s: time
	// enough for a restart on a busy machine, and still before the greeting
	// could end by itself.
	time.Sleep(time.Until(started.Add(12 * time.Second)))
	var got []string
	for _, ev := range stop() {
		if ev.Get("Unique-ID") != uuid || ev.Get("Application") != "playback" || !strings.Contains(ev.Get("Application-Data"), "hotline-long-question") {
			continue
		}
		sign := "+"
		if ev.Get("Event-Name") == "CHANNEL_EXECUTE_COMPLETE" {
			sign = "-"
		}
		got = append(got, sign+ev.Get("Application-UUID"))
	}
	// +old -old, before the greeting could have ended by itself.
	if len(got) < 2 || got[1] != "-"+got[0][1:] {
		t.Errorf("the greeting's playbacks on %s: %v (%v after it started); want the one cut by the restart over", uuid, got, time.Since(started).Round(time.Second))
	}
}
