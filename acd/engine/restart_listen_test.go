package engine

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
)

// restartSpoken runs one caller of speechFlowConfig (a 2 s question) on a
// restartable run, restarts it at restartAt, and runs it to its end; the
// trace covers both runs.
func restartSpoken(t *testing.T, script farend.CallScript, restartAt time.Duration) *speechRun {
	t.Helper()
	return restartSpokenThen(t, script, restartAt, nil)
}

// restartSpokenThen is restartSpoken calling after, if set, 100 ms after
// the restart.
func restartSpokenThen(t *testing.T, script farend.CallScript, restartAt time.Duration, after func(r *SimRun)) *speechRun {
	t.Helper()
	st := newMemStore()
	sr := &speechRun{st: st}
	r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, speechFlowConfig), Store: st, IDPrefix: "run1",
		Recognizer: sim.Recognizer{}, RecognizeTimeout: time.Second,
		Trace: func(_ time.Time, l string) { sr.trace = append(sr.trace, l) }},
		Start: epoch, Sim: sim.Options{Seed: 3, Latency: 20 * time.Millisecond, PromptLength: 2 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	first := r.Core
	r.Core.out = runOutputs{r: r, core: &first}
	script.From, script.To, script.HangupAfter = "555", "100", 40*time.Second
	if _, err := r.Switch.PlaceCall(script); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(restartAt))
	restart(t, r, st, "run2", nil)
	if after != nil {
		r.RunUntil(epoch.Add(restartAt + 100*time.Millisecond))
		after(r)
	}
	r.RunUntil(epoch.Add(2 * time.Minute))
	return sr
}

// The daemon dies while the switch records what a FAQ's caller says (the
// question ends at 2 s, the caller speaks from 3 s, the restart is at
// 3.5 s). The restarted daemon stops that recording and asks again; the
// utterance cut by the restart is dropped, not taken for the answer to the
// question asked again nor a reason to give up on speech, and what the
// caller says then is answered.
func TestRestartWhileListening(t *testing.T) {
	sr := restartSpoken(t, farend.CallScript{Say: "when are you open", SayDelay: time.Second,
		SayNext: []string{"where is the office"}}, 3500*time.Millisecond)
	rec := sr.record(t)
	sr.has(t, rec, "restored", "speech-cut", "faq main/ask", `faq-recognized "where is the office" → address`, "faq-answer address by phrase")
	for _, s := range steps(rec) {
		if strings.HasPrefix(s, "faq-answer hours") || strings.HasPrefix(s, "speech-failed") {
			t.Errorf("step %q: the cut utterance was taken, or speech given up:\n%s", s, strings.Join(steps(rec), "\n"))
		}
	}
	if rec.Outcome != acd.OutcomeSelfService {
		t.Errorf("outcome %s, want self-service:\n%s", rec.Outcome, strings.Join(steps(rec), "\n"))
	}
	if !sr.traced("record-stop utterance-run1-c260105090000-1-1 on sim-in-1") || !sr.traced("listen sim-in-1 utterance-run1-c260105090000-1-run2-1 ") {
		t.Errorf("the cut utterance is not stopped, or the new one not named apart:\n%s", strings.Join(sr.trace, "\n"))
	}
}

// The daemon dies while the FAQ's question plays. The restarted daemon
// stops that playback, asks again under a playback id of its own, and the
// caller's answer to it is heard. The question cut by the restart does
// not play on beside (or, on a switch that queues playbacks, before) the
// one asked again.
func TestRestartWhileAsking(t *testing.T) {
	var playing []pbx.PlaybackID
	sr := restartSpokenThen(t, farend.CallScript{Say: "where is the office", SayDelay: time.Second}, time.Second, func(r *SimRun) {
		st, _ := r.Switch.Channel("sim-in-1")
		playing = st.Playing
	})
	if want := []pbx.PlaybackID{"run1-c260105090000-1-prun2-1"}; !slices.Equal(playing, want) {
		t.Errorf("after the restart the caller hears %v, want only %v", playing, want)
	}
	if !sr.traced("stop-cut-playback id=run1-c260105090000-1-p1 on sim-in-1") {
		t.Errorf("the question cut by the restart is not stopped:\n%s", strings.Join(sr.trace, "\n"))
	}
	sr.has(t, sr.record(t), "restored", "faq main/ask", `faq-recognized "where is the office" → address`, "faq-answer address by phrase")
	if !sr.traced("play sim-in-1 id=run1-c260105090000-1-prun2-1 ") {
		t.Errorf("the question asked again is not played under an id of the new run:\n%s", strings.Join(sr.trace, "\n"))
	}
}

// listenStopper is a simulated switch that, like FreeSWITCH, stops a
// listen of a run before only by its channel.
type listenStopper struct {
	*sim.Switch
	stopped []string // "channel name"
}

func (s *listenStopper) StopListen(_ context.Context, ch pbx.ChannelID, name string) error {
	s.stopped = append(s.stopped, string(ch)+" "+name)
	return nil
}

// The stop of a cut utterance names its channel, and goes to a switch's
// StopListen where it has one.
func TestCutUtteranceStoppedByChannel(t *testing.T) {
	const name = "utterance-run1-c260105090000-1-1"
	sr := restartSpoken(t, farend.CallScript{Say: "when are you open", SayDelay: time.Second}, 3500*time.Millisecond)
	if !sr.traced("record-stop " + name + " on sim-in-1") {
		t.Errorf("the stop of the cut utterance does not name its channel:\n%s", strings.Join(sr.trace, "\n"))
	}
	ls := &listenStopper{}
	stop := Command{Op: OpStopRecording, Channel: "sim-in-1", Name: name}
	if err := stop.Exec(context.Background(), ls); err != nil || len(ls.stopped) != 1 || ls.stopped[0] != "sim-in-1 "+name {
		t.Errorf("Exec on a ListenStopper: %v, stopped %v; want StopListen(sim-in-1, %s)", err, ls.stopped, name)
	}
}
