package api

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/engine"
)

// hubEngine serves a hub the test publishes to, standing in for the engine.
type hubEngine struct{ h *engine.Hub }

func (e hubEngine) Submit(context.Context, engine.Request) (any, error) {
	return nil, engine.ErrStopped
}
func (e hubEngine) Snapshot() *engine.Snapshot { return e.h.Snapshot() }
func (e hubEngine) HubStats() engine.HubStats  { return e.h.Stats() }
func (e hubEngine) Subscribe(after uint64, buf int) (*engine.Subscription, *engine.Snapshot, []engine.Change) {
	return e.h.Subscribe(after, buf)
}

// TestEventFanout measures the change stream's delay from publishing a
// change to the last event client receiving it, and the CPU it costs. By
// default it runs small (50 clients, 200 agents, 100 changes/s, 1 s); with
// HOTLINE_FANOUT=full it runs the wallboard case: 1,000 agents, 500 open
// streams, 100 changes/s for 5 s. Goal: p99 under 250 ms.
// HOTLINE_FANOUT_COALESCE sets the streams' Coalesce (e.g. -1ns: none), to
// compare. The goal is checked only when HOTLINE_FANOUT is set (to full or
// small); a plain run checks that every stream gets the changes.
func TestEventFanout(t *testing.T) {
	clients, agents, rate, dur := 50, 200, 100, time.Second
	if os.Getenv("HOTLINE_FANOUT") == "full" {
		clients, agents, dur = 500, 1000, 5*time.Second
	}
	h := engine.NewHub(0)
	st := engine.Status{Now: time.Now()}
	for i := range agents {
		st.Agents = append(st.Agents, engine.AgentStatus{ID: fmt.Sprintf("agent%04d", i), State: "available"})
	}
	h.Publish(st, nil)
	api := New(hubEngine{h}, nil, zerolog.Nop())
	if v := os.Getenv("HOTLINE_FANOUT_COALESCE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("HOTLINE_FANOUT_COALESCE: %v", err)
		}
		api.Coalesce = d
	}
	srv := httptest.NewServer(api)
	defer srv.Close()
	defer h.Close()

	var mu sync.Mutex // guards sent and delays
	sent := map[uint64]time.Time{}
	var delays []time.Duration
	var ready, done sync.WaitGroup
	transport := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	client := &http.Client{Transport: transport}
	defer transport.CloseIdleConnections()
	for range clients {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			resp, err := client.Get(srv.URL + "/api/v1/events")
			if err != nil {
				t.Error(err)
				ready.Done()
				return
			}
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			sc.Buffer(nil, 4<<20)
			first := true
			for sc.Scan() {
				line := sc.Text()
				if !strings.HasPrefix(line, "id: ") {
					continue
				}
				if first {
					ready.Done() // the snapshot arrived
					first = false
					continue
				}
				seq, _ := strconv.ParseUint(line[4:], 10, 64)
				now := time.Now()
				mu.Lock()
				if at, ok := sent[seq]; ok {
					delays = append(delays, now.Sub(at))
				}
				mu.Unlock()
			}
		}()
	}
	ready.Wait()
	var before syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	start := time.Now()
	tick := time.NewTicker(time.Second / time.Duration(rate))
	n := 0
	for time.Since(start) < dur {
		<-tick.C
		a := st.Agents[n%agents]
		a.State = []string{"available", "ringing", "on-call", "wrap-up"}[n%4]
		st.Agents[n%agents] = a
		st.Now = time.Now()
		mu.Lock()
		h.Publish(st, []engine.Change{{Kind: engine.ChangeAgent, At: st.Now, Agent: &a}})
		sent[h.Snapshot().Seq] = st.Now
		mu.Unlock()
		n++
	}
	tick.Stop()
	// Let the last changes arrive: every stream gets at least 99% of the
	// changes (coalescing may fold a few), however loaded the machine.
	want := n * clients
	for wait := time.Now(); time.Since(wait) < 60*time.Second; time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		got := len(delays)
		mu.Unlock()
		if got >= want*99/100 {
			break
		}
	}
	var after syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	elapsed := time.Since(start)
	h.Close()
	done.Wait()

	mu.Lock()
	defer mu.Unlock()
	if len(delays) < want*99/100 {
		t.Fatalf("%d of %d events arrived", len(delays), want)
	}
	slices.Sort(delays)
	p := func(q float64) time.Duration { return delays[int(q*float64(len(delays)-1))] }
	cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()) - time.Duration(before.Utime.Nano()+before.Stime.Nano())
	t.Logf("%d clients, %d agents, %d changes in %s, coalesce %s: delay p50 %s p99 %s max %s; CPU %.2f cores (whole test process)",
		clients, agents, n, elapsed.Round(time.Millisecond), cmp.Or(api.Coalesce, DefaultCoalesce), p(0.5), p(0.99), delays[len(delays)-1], cpu.Seconds()/elapsed.Seconds())
	// The delay is a measurement, not a pass mark for every run: on a
	// machine shared with other work it says more about the load than about
	// the stream. HOTLINE_FANOUT (small or full) holds it to the goal.
	if os.Getenv("HOTLINE_FANOUT") != "" && p(0.99) > 250*time.Millisecond {
		t.Errorf("p99 delay %s, goal under 250 ms", p(0.99))
	}
}
