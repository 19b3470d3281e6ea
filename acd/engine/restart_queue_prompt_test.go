package engine

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
)

const queuePromptConfig = `
entries:
  - {number: "100", queue: support}
queues:
  - name: support
    ring_timeout: 2m
    greeting: [sound:welcome]
    announce: {interval: 40s, position: true}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
`

// TestRestartCutsQueuePrompt: the daemon dies while a waiting caller hears
// the queue's greeting, or a position announcement (20 s prompts). The
// restarted daemon stops the prompt the run before left playing, as it
// does an IVR question's, instead of letting it play out (Asterisk queues a
// channel's playbacks: the caller would hear nothing else until its end).
func TestRestartCutsQueuePrompt(t *testing.T) {
	for _, tc := range []struct {
		name      string
		restartAt time.Duration
		playing   string // the prompt cut
	}{
		{"greeting", 5 * time.Second, "sound:welcome"},
		{"announcement", 43 * time.Second, "sound:queue-youarenext"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newMemStore()
			var trace []string
			r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, queuePromptConfig), Store: st, IDPrefix: "run1",
				Trace: func(_ time.Time, l string) { trace = append(trace, l) }},
				Start: epoch, Sim: sim.Options{Seed: 3, Latency: 20 * time.Millisecond, PromptLength: 20 * time.Second}})
			if err != nil {
				t.Fatal(err)
			}
			first := r.Core
			r.Core.out = runOutputs{r: r, core: &first}
			// alice is logged in and paused: the caller waits, and nothing
			// but the prompts changes the call's live record.
			if err := r.Login("alice"); err != nil {
				t.Fatal(err)
			}
			if err := r.Core.Pause(r.Clock.Now(), "alice", "lunch"); err != nil {
				t.Fatal(err)
			}
			if _, err := r.Switch.PlaceCall(farend.CallScript{From: "555", To: "100", HangupAfter: 90 * time.Second}); err != nil {
				t.Fatal(err)
			}
			r.RunUntil(epoch.Add(tc.restartAt))
			before, _ := r.Switch.Channel("sim-in-1")
			if len(before.Playing) != 1 {
				t.Fatalf("at %v the caller hears %v, want the %s", tc.restartAt, before.Playing, tc.name)
			}
			cut := before.Playing[0]
			var played bool
			for _, l := range trace {
				played = played || strings.Contains(l, "id="+string(cut)) && strings.Contains(l, tc.playing)
			}
			if !played {
				t.Fatalf("%s is not %s:\n%s", cut, tc.playing, strings.Join(trace, "\n"))
			}
			restart(t, r, st, "run2", nil)
			r.RunUntil(epoch.Add(tc.restartAt + time.Second))
			after, _ := r.Switch.Channel("sim-in-1")
			if slices.Contains(after.Playing, cut) {
				t.Errorf("a second after the restart the caller still hears %s (%v)", cut, after.Playing)
			}
			if !slices.ContainsFunc(trace, func(l string) bool { return strings.Contains(l, "stop-cut-playback id="+string(cut)) }) {
				t.Errorf("the %s cut by the restart is not stopped:\n%s", tc.name, strings.Join(trace, "\n"))
			}
		})
	}
}
