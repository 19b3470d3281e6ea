package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
)

const flowConfig = `
entries:
  - {number: "100", flow: main}
flows:
  main:
    start: order
    nodes:
      order:
        kind: collect
        prompt: ["sound:enter-order"]
        var: order
        length: 4
        timeout: 3s
        retries: 0
        next: vip
        fallback: bye
      vip:
        kind: condition
        cases: [{var: order, matches: "^9", goto: priority}]
        else: normal
      priority:
        kind: queue
        queue: support
        priority: 5
        skills: {orders: 2}
      normal:
        kind: queue
        queue: support
      bye:
        kind: hangup
        prompt: ["sound:goodbye"]
queues:
  - name: support
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
`

// A caller entering a flow by its entry number goes through its nodes, and
// what the flow learned (digits, priority, skills) lands in the record.
func TestEntryStartsConfiguredFlow(t *testing.T) {
	for _, tc := range []struct {
		name, dtmf string
		want       []string    // timeline steps, in order
		outcome    acd.Outcome // "" = not checked (the queue part is not this test's)
	}{
		{"priority order", "9123", []string{"collect main/order", "collected order=9123", "condition main/vip", "queue main/priority", "flow-skills map[orders:2]", "flow-priority 5", "enqueue support"}, ""},
		{"plain order", "1234", []string{"collected order=1234", "queue main/normal", "enqueue support"}, ""},
		{"silence", "", []string{"collect main/order", "collect-fallback timeout", "hangup main/bye"}, acd.OutcomeSelfService},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newMemStore()
			r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, flowConfig), Store: st}, Start: epoch,
				Sim: sim.Options{PromptLength: 2 * time.Second}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.Switch.PlaceCall(farend.CallScript{From: "555", To: "100", DTMF: tc.dtmf, DTMFDelay: 3 * time.Second, HangupAfter: 90 * time.Second}); err != nil {
				t.Fatal(err)
			}
			r.RunUntil(epoch.Add(20 * time.Second))
			if tc.dtmf != "" {
				// Waiting in the queue: the status shows the way through the flow.
				calls := r.Core.Status(epoch.Add(20 * time.Second)).Calls
				if len(calls) != 1 || !strings.Contains(calls[0].IVR, "collected order="+tc.dtmf+";") {
					t.Errorf("status calls %+v, want the IVR path with the digits", calls)
				}
			}
			r.RunUntil(epoch.Add(2 * time.Minute))
			recs := records(st)
			if len(recs) != 1 {
				t.Fatalf("records = %+v", recs)
			}
			var steps []string
			for _, s := range recs[0].Timeline {
				steps = append(steps, strings.TrimSpace(s.Kind+" "+s.Detail))
			}
			all := strings.Join(steps, " | ")
			at := 0
			for _, w := range tc.want {
				i := indexFrom(steps, at, w)
				if i < 0 {
					t.Fatalf("timeline lacks %q after step %d:\n%s", w, at, all)
				}
				at = i + 1
			}
			if tc.outcome != "" && recs[0].Outcome != tc.outcome {
				t.Errorf("outcome %s, want %s (%s)", recs[0].Outcome, tc.outcome, all)
			}
		})
	}
}

func indexFrom(steps []string, from int, want string) int {
	for i := from; i < len(steps); i++ {
		if steps[i] == want {
			return i
		}
	}
	return -1
}

const faqFlowConfig = `
entries:
  - {number: "100", flow: main}
flows:
  main:
    start: ask
    nodes:
      ask:
        kind: faq
        prompt: ["sound:ask"]
        timeout: 5s
        agent: agent
        entries:
          - {id: hours, key: "1", prompt: ["sound:hours"]}
      agent: {kind: queue, queue: support}
queues:
  - name: support
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
`

// A caller who hangs up after the flow answered the question was served
// (self-service), while one who hangs up before any answer abandoned.
func TestHangupAfterFAQAnswerIsServed(t *testing.T) {
	for _, tc := range []struct {
		dtmf string
		want acd.Outcome
	}{{"1", acd.OutcomeSelfService}, {"", acd.OutcomeAbandoned}} {
		st := newMemStore()
		r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, faqFlowConfig), Store: st}, Start: epoch,
			Sim: sim.Options{PromptLength: 2 * time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Switch.PlaceCall(farend.CallScript{From: "555", To: "100", DTMF: tc.dtmf, DTMFDelay: 3 * time.Second, HangupAfter: 6 * time.Second}); err != nil {
			t.Fatal(err)
		}
		r.RunUntil(epoch.Add(time.Minute))
		if recs := records(st); len(recs) != 1 || recs[0].Outcome != tc.want || recs[0].HangupBy != acd.HangupCaller {
			t.Errorf("keys %q: records %+v, want %s by the caller", tc.dtmf, recs, tc.want)
		}
	}
}

// A caller who hangs up during a flow's prompt goes no further in the
// flow: the switch ends the prompt, stopped, just before the hang-up, and
// that is no prompt heard to its end. Taken for one, the play node went on
// to its queue and rang an agent for a caller already gone, and a
// voicemail's greeting went on to record nothing and leave a callback for
// a message never left.
func TestHangupDuringPromptGoesNoFurther(t *testing.T) {
	const cfg = `
entries:
  - {number: "100", flow: main}
  - {number: "200", flow: closed}
flows:
  main:
    start: greet
    nodes:
      greet: {kind: play, prompt: ["sound:welcome"], next: agent}
      agent: {kind: queue, queue: support}
  closed:
    start: message
    nodes:
      message: {kind: voicemail, queue: support, prompt: ["sound:closed-leave-a-message"]}
queues:
  - name: support
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}], logged_in: true}
`
	for _, to := range []string{"100", "200"} {
		st := newMemStore()
		r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, cfg), Store: st}, Start: epoch,
			Sim: sim.Options{PromptLength: 5 * time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Switch.PlaceCall(farend.CallScript{From: "555", To: to, HangupAfter: 2 * time.Second}); err != nil {
			t.Fatal(err)
		}
		r.RunUntil(epoch.Add(time.Minute))
		recs := records(st)
		if len(recs) != 1 || recs[0].Outcome != acd.OutcomeAbandoned || recs[0].HangupBy != acd.HangupCaller {
			t.Fatalf("entry %s: records %+v, want one abandoned by the caller", to, recs)
		}
		var steps []string
		for _, s := range recs[0].Timeline {
			steps = append(steps, s.Kind)
		}
		if got := strings.Join(steps, " "); strings.Contains(got, "enqueue") || strings.Contains(got, "offer") ||
			strings.Contains(got, "voicemail-left") || strings.Contains(got, "callback") {
			t.Errorf("entry %s: the flow went on after the caller hung up mid-prompt: %s", to, got)
		}
		if n := r.Switch.Stats().Originates; n != 0 {
			t.Errorf("entry %s: %d originates for a caller who hung up during the prompt", to, n)
		}
		if n := r.Switch.Stats().Recordings; n != 0 {
			t.Errorf("entry %s: %d recordings started for a caller who hung up during the prompt", to, n)
		}
	}
}

// A prompt the switch ends as stopped with no hang-up after it (another
// program stopped it) does not leave the caller in silence: after
// playStoppedWait the flow goes on, with a warning.
func TestPromptStoppedWithoutHangupGoesOn(t *testing.T) {
	const cfg = `
entries:
  - {number: "100", flow: main}
flows:
  main:
    start: greet
    nodes:
      greet: {kind: play, prompt: ["sound:welcome"], next: agent}
      agent: {kind: queue, queue: support}
queues:
  - name: support
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}], logged_in: true}
`
	st := newMemStore()
	r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, cfg), Store: st}, Start: epoch,
		Sim: sim.Options{PromptLength: 20 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Switch.PlaceCall(farend.CallScript{From: "555", To: "100", HangupAfter: time.Minute}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(2 * time.Second))
	var cl *call
	for _, x := range r.Core.calls {
		cl = x
	}
	if cl == nil || cl.playback == "" {
		t.Fatalf("no call playing its greeting at 2 s")
	}
	r.Core.Handle(r.Clock.Now(), pbx.PlaybackFinished{Base: pbx.Base{Channel: cl.ch, At: r.Clock.Now()}, Playback: cl.playback, Stopped: true})
	r.RunUntil(epoch.Add(3 * time.Second))
	if hasStep(cl.rec, "enqueue", "") {
		t.Fatalf("the flow went on at once after the stop: %s", timelineKinds(cl.rec))
	}
	r.RunUntil(epoch.Add(10 * time.Second))
	if !hasStep(cl.rec, "enqueue", "") || r.Core.Warnings()["playback-stopped"] != 1 {
		t.Errorf("after the stop with no hang-up: %s, warnings %v; want the caller queued and one warning", timelineKinds(cl.rec), r.Core.Warnings())
	}
}
