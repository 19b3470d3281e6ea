package engine

import (
	"context"
	"errors"
	"io"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/report"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/acd/speech"
	"github.com/hotline-cc/hotline/store"
)

const speechFlowConfig = `
entries:
  - {number: "100", flow: main}
flows:
  main:
    start: ask
    nodes:
      ask:
        kind: faq
        prompt: ["sound:ask"]
        timeout: 8s
        retries: 0
        agent: agent
        listen: 6s
        agent_phrases: {en: ["a person", "an operator"]}
        entries:
          - id: hours
            key: "1"
            prompt: ["sound:hours"]
            phrases: {en: ["opening hours", "when are you open"]}
          - id: address
            key: "2"
            prompt: ["sound:address"]
            phrases: {en: ["where is the office", "your address"]}
      agent: {kind: queue, queue: support}
queues:
  - name: support
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
`

// recognizerFunc adapts a function to speech.Recognizer.
type recognizerFunc func(ctx context.Context, audio io.Reader, filename, lang string) (string, error)

func (f recognizerFunc) Recognize(ctx context.Context, audio io.Reader, filename, lang string) (string, error) {
	return f(ctx, audio, filename, lang)
}

var _ speech.Recognizer = sim.Recognizer{}

type speechRun struct {
	r     *SimRun
	st    *memStore
	trace []string
}

// runSpoken runs one caller of speechFlowConfig to its end.
func runSpoken(t *testing.T, rec speech.Recognizer, script farend.CallScript) *speechRun {
	t.Helper()
	return runSpokenOn(t, speechFlowConfig, rec, script)
}

// spokenRecognizeTimeout is the wall-time bound runSpokenOn gives a
// transcription: long, so that a loaded machine does not make a
// recognizer that answers at once late. A test of the bound shortens it.
var spokenRecognizeTimeout = 30 * time.Second

// runSpokenOn runs one caller of the flow configured by cfg to its end.
func runSpokenOn(t *testing.T, cfg string, rec speech.Recognizer, script farend.CallScript) *speechRun {
	t.Helper()
	sr := &speechRun{st: newMemStore()}
	r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, cfg), Store: sr.st, Recognizer: rec,
		RecognizeTimeout: spokenRecognizeTimeout,
		Trace:            func(_ time.Time, line string) { sr.trace = append(sr.trace, line) }},
		Start: epoch, Sim: sim.Options{PromptLength: 2 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	sr.r = r
	script.From, script.To = "555", "100"
	if script.HangupAfter == 0 {
		script.HangupAfter = 40 * time.Second
	}
	if _, err := r.Switch.PlaceCall(script); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(2 * time.Minute))
	return sr
}

func (sr *speechRun) record(t *testing.T) store.CallRecord {
	t.Helper()
	recs := records(sr.st)
	if len(recs) != 1 {
		t.Fatalf("records = %+v", recs)
	}
	return recs[0]
}

// steps are the record's timeline as "kind detail" lines.
func steps(rec store.CallRecord) []string {
	var out []string
	for _, s := range rec.Timeline {
		out = append(out, strings.TrimSpace(s.Kind+" "+s.Detail))
	}
	return out
}

func (sr *speechRun) has(t *testing.T, rec store.CallRecord, want ...string) {
	t.Helper()
	all := steps(rec)
	at := 0
	for _, w := range want {
		i := slices.IndexFunc(all[at:], func(s string) bool { return strings.HasPrefix(s, w) })
		if i < 0 {
			t.Fatalf("timeline lacks %q after step %d:\n%s", w, at, strings.Join(all, "\n"))
		}
		at += i + 1
	}
}

func oneRecord(rec store.CallRecord) iter.Seq2[store.CallRecord, error] {
	return func(yield func(store.CallRecord, error) bool) { yield(rec, nil) }
}

func (sr *speechRun) traced(what string) bool {
	return slices.ContainsFunc(sr.trace, func(l string) bool { return strings.Contains(l, what) })
}

// A caller says the question after the beep: the sim records it, the
// recognizer transcribes it off the loop, the FAQ answers the entry
// matched, and the path (phrase, confidence, entry) is in the record and
// in the IVR report's recognition rate.
func TestSpokenQuestionAnswered(t *testing.T) {
	sr := runSpoken(t, sim.Recognizer{}, farend.CallScript{Say: "when are you open", HangupAfter: 20 * time.Second})
	rec := sr.record(t)
	sr.has(t, rec, "faq main/ask", `faq-recognized "when are you open" → hours (`, "faq-answer hours by phrase")
	if rec.Outcome != acd.OutcomeSelfService {
		t.Errorf("outcome %s, want self-service: %s", rec.Outcome, strings.Join(steps(rec), " | "))
	}
	if !sr.traced("listen sim-in-1 utterance-") {
		t.Errorf("no listen command traced:\n%s", strings.Join(sr.trace, "\n"))
	}
	if w := sr.r.Core.Warnings(); len(w) != 0 {
		t.Errorf("warnings = %v", w)
	}
	r, err := report.FigureIVR(oneRecord(rec), "")
	if err != nil || len(r.Flows) != 1 || r.Flows[0].Heard != 1 || r.Flows[0].Rate != 1 || r.Flows[0].Contained != 1 {
		t.Errorf("IVR report %+v, %v; want one phrase heard, recognition 100%%, contained", r.Flows, err)
	}
}

// A phrase that asks for a person goes to the agent node.
func TestSpokenAskForPerson(t *testing.T) {
	sr := runSpoken(t, sim.Recognizer{}, farend.CallScript{Say: "an operator please"})
	rec := sr.record(t)
	sr.has(t, rec, "faq-recognized", "faq-agent asked", "queue main/agent", "enqueue support")
}

// What matches nothing counts as not understood and is asked again
// (here: no retries left, to the agent), and lowers the recognition rate.
func TestSpokenNotUnderstood(t *testing.T) {
	sr := runSpoken(t, sim.Recognizer{}, farend.CallScript{Say: "blue giraffes dancing"})
	rec := sr.record(t)
	sr.has(t, rec, `faq-not-understood "blue giraffes dancing"`, "faq-fallback not understood", "queue main/agent")
	r, _ := report.FigureIVR(oneRecord(rec), "")
	if len(r.Flows) != 1 || r.Flows[0].Missed != 1 || r.Flows[0].Rate != 0 {
		t.Errorf("IVR report %+v, want one phrase missed", r.Flows)
	}
}

// A recognizer that fails or is too slow leaves the call to keys, with no
// loss of function: the key pressed later is answered, and the failure is
// in the timeline and the warnings.
func TestSpokenRecognizerFailsFallsBackToKeys(t *testing.T) {
	for name, rec := range map[string]speech.Recognizer{
		"error": recognizerFunc(func(context.Context, io.Reader, string, string) (string, error) {
			return "", errors.New("speech recognizer: http://stt/v1/audio/transcriptions answered 500")
		}),
		"timeout": recognizerFunc(func(ctx context.Context, _ io.Reader, _, _ string) (string, error) {
			<-ctx.Done()
			return "", ctx.Err()
		}),
	} {
		t.Run(name, func(t *testing.T) {
			if name == "timeout" {
				defer func(d time.Duration) { spokenRecognizeTimeout = d }(spokenRecognizeTimeout)
				spokenRecognizeTimeout = 50 * time.Millisecond
			}
			sr := runSpoken(t, rec, farend.CallScript{Say: "when are you open", DTMF: "2", DTMFDelay: 10 * time.Second, HangupAfter: 25 * time.Second})
			rec := sr.record(t)
			sr.has(t, rec, "speech-failed", "faq-answer address by key 2")
			if rec.Outcome != acd.OutcomeSelfService {
				t.Errorf("outcome %s, want self-service", rec.Outcome)
			}
			if w := sr.r.Core.Warnings(); w["speech"] != 1 {
				t.Errorf("warnings = %v, want one speech warning", w)
			}
			if n := strings.Count(strings.Join(sr.trace, "\n"), "listen sim-in-1"); n != 1 {
				t.Errorf("%d listens after the recognizer failed, want none after the first", n-1)
			}
		})
	}
}

// A key pressed while the caller is listened to wins: the recording is
// stopped and what it held is not sent to the recognizer.
func TestKeyWhileListening(t *testing.T) {
	called := 0
	rec := recognizerFunc(func(context.Context, io.Reader, string, string) (string, error) {
		called++
		return "opening hours", nil
	})
	sr := runSpoken(t, rec, farend.CallScript{Say: "your address", SayDelay: 1500 * time.Millisecond, DTMF: "2", DTMFDelay: 3 * time.Second, HangupAfter: 20 * time.Second})
	record := sr.record(t)
	sr.has(t, record, "faq-answer address by key 2")
	if called != 0 || !sr.traced("record-stop utterance-") {
		t.Errorf("recognizer called %d times, record-stop traced %v; want the listen stopped unheard", called, sr.traced("record-stop utterance-"))
	}
	if w := sr.r.Core.Warnings(); len(w) != 0 {
		t.Errorf("warnings = %v", w)
	}
}

// A caller who says nothing: the flow waits for a key as without a
// recognizer, then its timeout runs as usual.
func TestSilentCallerTimesOut(t *testing.T) {
	called := 0
	rec := recognizerFunc(func(context.Context, io.Reader, string, string) (string, error) { called++; return "", nil })
	sr := runSpoken(t, rec, farend.CallScript{})
	sr.has(t, sr.record(t), "faq main/ask", "faq-fallback timeout", "queue main/agent")
	if called != 0 {
		t.Errorf("the recognizer heard %d silent utterances; silence has no audio worth sending", called)
	}
}

// Without a recognizer the FAQ does not listen at all.
func TestNoRecognizerNoListen(t *testing.T) {
	sr := runSpoken(t, nil, farend.CallScript{Say: "when are you open", DTMF: "1", DTMFDelay: 4 * time.Second, HangupAfter: 20 * time.Second})
	sr.has(t, sr.record(t), "faq-answer hours by key 1")
	if sr.traced("listen ") {
		t.Errorf("listened without a recognizer")
	}
}

// The silence that ends an utterance is the FAQ node's listen_silence,
// else speech.listen_silence, and the switch is asked for it.
func TestListenSilenceSetting(t *testing.T) {
	for _, tc := range []struct{ name, cfg, want string }{
		{"default", speechFlowConfig, "max=6s silence=2s"},
		{"global", speechFlowConfig + "speech: {listen_silence: 4s}\n", "max=6s silence=4s"},
		{"node", strings.Replace(speechFlowConfig, "listen: 6s", "listen: 6s\n        listen_silence: 3s", 1) + "speech: {listen_silence: 4s}\n", "max=6s silence=3s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sr := runSpokenOn(t, tc.cfg, sim.Recognizer{}, farend.CallScript{Say: "when are you open", HangupAfter: 20 * time.Second})
			if !sr.traced(tc.want) {
				t.Errorf("no listen with %q traced:\n%s", tc.want, strings.Join(sr.trace, "\n"))
			}
			sr.has(t, sr.record(t), "faq main/ask", "faq-answer hours by phrase")
		})
	}
}
