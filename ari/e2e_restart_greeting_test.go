package ari_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Hotline is killed while a queue's 30 s greeting plays to a waiting
// caller, and started again. The restarted daemon stops the greeting the
// run before left playing (the caller then hears the queue's music):
// Asterisk queues a channel's playbacks, and without the stop the caller
// heard the rest of the greeting, up to 30 s, before anything else.
func TestAsteriskE2ERestartStopsGreeting(t *testing.T) {
	s := newE2E(t, "restart-greeting", map[string]e2ePhone{"frank": e2eNeverAnswers}, "")
	plays := newPromptLog(t, s)
	first := s.start()
	caller := s.call(e2eCaller{Number: "6420", From: "5550612", HangupAfter: time.Minute})
	const media = "sound:demo-congrats"
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
	s.eventually(10*time.Second, "the greeting plays", func() (bool, string) {
		ev := events()
		return len(ev) > 0, fmt.Sprint(ev)
	})
	started := time.Now()
	s.durable()
	time.Sleep(time.Second)
	first.kill(t)
	old := strings.TrimPrefix(events()[0], "Started ")
	s.start()
	s.eventually(30*time.Second, "the greeting cut by the restart stops", func() (bool, string) {
		ev := events()
		return len(ev) >= 2 && ev[1] == "Finished "+old, fmt.Sprint(ev)
	})
	if played := time.Since(started); played > 20*time.Second {
		t.Errorf("the greeting cut by the restart played %v of its 30 s", played.Round(time.Second))
	}
	t.Logf("greeting stopped %v after it started", time.Since(started).Round(time.Millisecond))
}
