package engine

import (
	"context"
	"sync"

	"github.com/rs/zerolog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
)

const lookupFlowConfig = `
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
        next: status
        fallback: bye
      status:
        kind: lookup
        url: "URL/orders/{order}"
        read: {order_status: order.status}
        timeout: 300ms
        next: tell
        on_failure: sorry
        on_timeout: slow
      tell:
        kind: play
        say: {en: "Your order {order} is {order_status}."}
        next: bye
      sorry:
        kind: hangup
        say: {en: "We cannot find that order."}
      slow:
        kind: hangup
        say: {en: "Our system is slow today."}
      bye:
        kind: hangup
        prompt: ["sound:goodbye"]
queues:
  - name: support
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
`

// A lookup runs off the engine's loop and its answer comes back to the
// flow: the JSON value is spoken; an error status takes the failure branch
// and a service slower than the lookup's timeout the timeout branch.
func TestFlowLookup(t *testing.T) {
	slow := make(chan struct{}) // the slow service answers only once the test is over
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/orders/1234":
			w.Write([]byte(`{"order":{"status":"shipped"}}`))
		case "/orders/5555":
			<-slow
			w.Write([]byte(`{"order":{"status":"late"}}`))
		default:
			http.Error(w, "no such order", http.StatusNotFound)
		}
	}))
	defer srv.Close()
	defer close(slow)
	for _, tc := range []struct {
		order, want, step string
	}{
		{"1234", "say:en:Your order 1234 is shipped.", "lookup lookup-result order_status=shipped"},
		{"4040", "say:en:We cannot find that order.", "lookup-failed HTTP 404"},
		{"5555", "say:en:Our system is slow today.", "lookup-timeout 300ms"},
	} {
		t.Run(tc.order, func(t *testing.T) {
			st := newMemStore()
			var trace []string
			// The lookup's timeout is wall time: the services that answer
			// get 30 s, so that a loaded machine does not make them late.
			flow := strings.Replace(lookupFlowConfig, "URL", srv.URL, 1)
			if tc.order != "5555" {
				flow = strings.Replace(flow, "300ms", "30s", 1)
			}
			cfg := parseConfig(t, flow)
			r, err := NewSimRun(SimOptions{Core: Options{Config: cfg, Store: st,
				Trace: func(_ time.Time, line string) { trace = append(trace, line) }},
				Start: epoch, Sim: sim.Options{PromptLength: 2 * time.Second}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.Switch.PlaceCall(farend.CallScript{From: "555", To: "100", DTMF: tc.order, DTMFDelay: 3 * time.Second}); err != nil {
				t.Fatal(err)
			}
			r.RunUntil(epoch.Add(time.Minute))
			all := strings.Join(trace, "\n")
			if !strings.Contains(all, tc.want) {
				t.Errorf("nothing played %q:\n%s", tc.want, all)
			}
			recs := records(st)
			if len(recs) != 1 {
				t.Fatalf("records = %+v", recs)
			}
			var steps []string
			for _, s := range recs[0].Timeline {
				steps = append(steps, strings.TrimSpace(s.Kind+" "+s.Detail))
			}
			if indexFrom(steps, 0, tc.step) < 0 {
				t.Errorf("timeline lacks %q: %s", tc.step, strings.Join(steps, " | "))
			}
			if w := r.Core.Warnings(); len(w) != 0 {
				t.Errorf("warnings = %v", w)
			}
		})
	}
}

// On the daemon's runtime a lookup waits in its own goroutine: the engine
// answers while the service holds the request, and the answer still
// reaches the flow.
func TestRuntimeLookupOffLoop(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.Write([]byte(`{"order":{"status":"packed"}}`))
	}))
	defer srv.Close()
	// The digits and the lookup get a minute of the switch's time: at 20
	// times real time the collect's 3 s were 150 ms of wall time, which a
	// loaded machine let pass before the digits came, and the flow hung up.
	cfg := parseConfig(t, strings.NewReplacer("URL", srv.URL, "300ms", "60s", "timeout: 3s", "timeout: 60s").Replace(lookupFlowConfig))
	sw, err := sim.New(sim.Options{Seed: 1, Speed: 5, Latency: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer sw.Close()
	st := newMemStore()
	var mu sync.Mutex
	var played []string
	rt, err := NewRuntime(RunOptions{Core: Options{Config: cfg, Store: st, Trace: func(_ time.Time, line string) {
		mu.Lock()
		played = append(played, line)
		mu.Unlock()
	}}, Switch: sw, Log: zerolog.Nop(), Now: sw.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	if err := sw.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := sw.PlaceCall(farend.CallScript{From: "555", To: "100", DTMF: "1234", DTMFDelay: time.Second, HangupAfter: 5 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	waitFor := func(what string, ok func(s Status) bool) {
		t.Helper()
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			s, err := rt.Status(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if ok(s) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %s; status %+v", what, s.Calls)
			}
		}
	}
	waitFor("call at the lookup", func(s Status) bool {
		return len(s.Calls) == 1 && strings.Contains(s.Calls[0].IVR, "collected order=1234")
	})
	close(release) // the engine answered Status while the lookup was held
	want := "say:en:Your order 1234 is packed."
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		all := strings.Join(played, "\n")
		mu.Unlock()
		if strings.Contains(all, want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%q not played:\n%s", want, all)
		}
	}
}
