package routing

import (
	"bytes"
	"fmt"
	"github.com/hotline-cc/hotline/internal/golden"
	"path/filepath"
	"testing"
	"time"
)

// TestTraceGolden replays one scripted shift under every strategy: every 20 s
// a caller needing skill 0 asks for agents, the first agent returned takes
// the call for 50 s and becomes available again with its counters updated.
// The picks are compared with testdata/trace.golden.
func TestTraceGolden(t *testing.T) {
	var buf bytes.Buffer
	for st := range numStrategies {
		fmt.Fprintf(&buf, "== %v\n", st)
		traceShift(&buf, st)
	}
	golden.Check(t, filepath.Join("testdata", "trace.golden"), buf.Bytes())
}

func traceShift(buf *bytes.Buffer, st Strategy) {
	const step, handle = 20 * time.Second, 50 * time.Second
	agents := []Agent{
		ready(3*time.Minute, 4, 1), ready(time.Minute, 9, 0), ready(5*time.Minute, 2, 5),
		ready(2*time.Minute, 0, 9), ready(4*time.Minute, 6, 2), ready(30*time.Second, 7, 7),
	}
	for i := range agents {
		agents[i].Weight = i%3 + 1
	}
	q := QueueState{Strategy: st, Members: []Member{
		{Agent: 0, Order: 2, Tier: 1}, {Agent: 1, Order: 0, Tier: 1}, {Agent: 2, Order: 4, Tier: 2},
		{Agent: 3, Order: 1, Tier: 1}, {Agent: 4, Order: 3, Tier: 2, Penalty: 1}, {Agent: 5, Order: 5, Tier: 3},
	}}
	freeAt := make([]time.Time, len(agents))
	rng := splitmix(7)
	var out []int32
	for k := range 10 {
		now := t0.Add(time.Duration(k) * step)
		for i := range agents {
			if !agents[i].Available && !freeAt[i].After(now) {
				agents[i].Available, agents[i].IdleSince = true, freeAt[i]
				agents[i].Calls++
				agents[i].TalkTime += handle
			}
		}
		r := Request{
			Req:      Requirement{Needs: []Need{{Skill: 0, Min: 2}}, MaxPenalty: AnyPenalty},
			Waited:   time.Duration(k%4) * step,
			RingStep: step,
			Rand:     rng.next(),
		}
		out = q.Select(agents, r, now, out)
		fmt.Fprintf(buf, "%3.0fs waited %3.0fs: %v\n", now.Sub(t0).Seconds(), r.Waited.Seconds(), out)
		if len(out) > 0 {
			q.Offered(out[0])
			agents[out[0]].Available, freeAt[out[0]] = false, now.Add(handle)
		}
	}
}
