package ari_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Hotline is killed while a menu's 30 s question plays to a caller, and
// started again. The restarted daemon stops the question the run before
// left playing and asks again at once: Asterisk, which queues a channel's
// playbacks, would otherwise play the old one out first, and the caller
// would wait half a minute to hear the question asked again.
func TestAsteriskE2ERestartStopsPrompt(t *testing.T) {
	s := newE2E(t, "restart-prompt", map[string]e2ePhone{"frank": e2eNeverAnswers}, "")
	plays := newPromptLog(t, s)
	first := s.start()
	caller := s.call(e2eCaller{Number: "6410", From: "5550611", HangupAfter: time.Minute})
	const media = "sound:demo-congrats"
	// The question's playbacks on the caller's channel: "started ID",
	// "finished ID", in order.
	events := func() []string {
		plays.mu.Lock()
		defer plays.mu.Unlock()
		var out []string
		for _, e := range plays.plays {
			if e.Playback.TargetURI == "channel:"+caller.Far && e.Playback.MediaURI == media {
				out = append(out, strings.TrimPrefix(e.Type, "Playback")+" "+e.Playback.ID)
			}
		}
		return out
	}
	s.eventually(10*time.Second, "the question plays", func() (bool, string) {
		ev := events()
		return len(ev) > 0, fmt.Sprint(ev)
	})
	s.durable()
	time.Sleep(time.Second)
	first.kill(t)
	killed := time.Now()
	old := strings.TrimPrefix(events()[0], "Started ")
	s.start()
	s.eventually(30*time.Second, "the question asked again plays", func() (bool, string) {
		ev := events()
		return len(ev) >= 3 && strings.HasPrefix(ev[2], "Started "), fmt.Sprint(ev)
	})
	t.Logf("asked again within %v of the kill", time.Since(killed).Round(time.Millisecond))
	if ev := events(); ev[1] != "Finished "+old || strings.TrimPrefix(ev[2], "Started ") == old {
		t.Errorf("playbacks of the question %v: want the cut one (%s) finished before the one asked again starts", ev, old)
	}
}
