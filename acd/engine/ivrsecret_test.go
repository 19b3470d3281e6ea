package engine

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/store"
)

const secretFlowConfig = `
entries:
  - {number: "100", flow: main}
flows:
  main:
    start: card
    nodes:
      card:
        kind: collect
        prompt: ["sound:enter-card"]
        var: card
        length: 16
        luhn: true
        secret: true
        timeout: 3s
        retries: 0
        next: mark
        fallback: agent
      mark:
        kind: set
        vars: {topic: "card {card}"}
        next: check
      check:
        kind: lookup
        url: "http://127.0.0.1:1/cards/{card}"
        read: {ok: ok}
        timeout: 2s
        next: agent
        on_failure: agent
      agent:
        kind: queue
        queue: support
queues:
  - name: support
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
`

// A secret the caller keys in (a card number) is used by the flow (its
// lookup) but is never in clear in what Hotline shows or keeps: the
// timeline, the status, the saved live-call state, the records, warnings.
func TestSecretNeverShownOrStored(t *testing.T) {
	const card = "4111111111111111"
	st := newMemStore()
	var trace []string
	var seen []string
	look := func(what string, v any) {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, what+": "+string(raw))
	}
	every := writeSpy{memStore: st, each: func(v any) { look("write", v) }}
	r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, secretFlowConfig), Store: every,
		Trace: func(_ time.Time, line string) { trace = append(trace, line) }},
		Start: epoch, Sim: sim.Options{PromptLength: 2 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Switch.PlaceCall(farend.CallScript{From: "555", To: "100", DTMF: card, DTMFDelay: 3 * time.Second, HangupAfter: 2 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	// While the digits come in, and while the call waits after the flow.
	for _, at := range []time.Duration{10 * time.Second, 30 * time.Second, 90 * time.Second} {
		r.RunUntil(epoch.Add(at))
		look("status", r.Core.Status(epoch.Add(at)))
		st.mu.Lock()
		look("active", st.active)
		look("records", st.calls)
		st.mu.Unlock()
	}
	r.RunUntil(epoch.Add(3 * time.Minute))
	look("records", records(st))
	look("warnings", r.Core.Warnings())
	look("trace", trace)
	all := strings.Join(seen, "\n")
	for _, part := range []string{card, card[:8], card[8:]} {
		if strings.Contains(all, part) {
			t.Errorf("%q found in clear:\n%s", part, grepLines(all, part))
		}
	}
	if !strings.Contains(all, "collected card=16 digits") || !strings.Contains(all, "topic=card ****") || !strings.Contains(all, "lookup-failed") {
		t.Errorf("the flow did not run through the card, the set and the lookup:\n%s", all)
	}
}

// writeSpy hands every record the engine writes to each, then stores it.
type writeSpy struct {
	*memStore
	each func(v any)
}

func (w writeSpy) Write(ops []store.Op) error {
	for _, op := range ops {
		if v := op.Saves(); v != nil {
			w.each(v)
		}
	}
	return w.memStore.Write(ops)
}

func grepLines(text, part string) string {
	var out []string
	for line := range strings.SplitSeq(text, "\n") {
		if i := strings.Index(line, part); i >= 0 {
			out = append(out, line[max(0, i-200):min(len(line), i+100)])
		}
	}
	return strings.Join(out, "\n")
}
