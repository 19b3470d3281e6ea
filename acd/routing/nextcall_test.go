package routing

import (
	"math"
	"testing"
	"time"
)

func TestNextCall(t *testing.T) {
	sales, support, vip := int32(0), int32(1), int32(2)
	anyReq := Requirement{MaxPenalty: AnyPenalty}
	spanish := Requirement{Needs: []Need{{Skill: 1, Min: 3}}, MaxPenalty: AnyPenalty}
	agent := Agent{Levels: Levels{5, 4}} // skill 1 at level 4
	// The agent serves sales (penalty 0) and support (penalty 2), not vip.
	penalty := func(q int32) (int, bool) {
		switch q {
		case sales:
			return 0, true
		case support:
			return 2, true
		}
		return 0, false
	}
	call := func(q int32, waited time.Duration, weight int) Waiting {
		return Waiting{Queue: q, Enqueued: t0.Add(-waited), Req: anyReq, Weight: weight}
	}
	withPrio := func(w Waiting, p int) Waiting { w.Priority = p; return w }
	withClass := func(w Waiting, k Class) Waiting { w.Class = k; return w }
	withReq := func(w Waiting, r Requirement) Waiting { w.Req = r; return w }

	for _, tc := range []struct {
		name   string
		calls  []Waiting
		want   int
		wantOK bool
	}{
		{name: "none waiting", calls: nil, want: -1},
		{name: "longest wait across queues", calls: []Waiting{call(sales, 10*time.Second, 1), call(support, 30*time.Second, 1), call(sales, 20*time.Second, 1)}, want: 1, wantOK: true},
		{name: "not a member of vip", calls: []Waiting{call(vip, time.Hour, 1), call(sales, time.Second, 1)}, want: 1, wantOK: true},
		{name: "only vip", calls: []Waiting{call(vip, time.Hour, 1)}, want: -1},
		{name: "weight scales wait", calls: []Waiting{call(sales, 50*time.Second, 1), call(support, 30*time.Second, 2)}, want: 1, wantOK: true},
		{name: "weight below one counts as one", calls: []Waiting{call(sales, 50*time.Second, 0), call(support, 40*time.Second, -3)}, want: 0, wantOK: true},
		{name: "priority beats wait", calls: []Waiting{call(sales, time.Hour, 5), withPrio(call(support, time.Second, 1), 1)}, want: 1, wantOK: true},
		{name: "priority among several", calls: []Waiting{withPrio(call(sales, time.Minute, 1), 1), withPrio(call(support, 2*time.Minute, 1), 1), call(sales, time.Hour, 1)}, want: 1, wantOK: true},
		{name: "skills the agent lacks", calls: []Waiting{withReq(call(sales, time.Hour, 1), Requirement{Needs: []Need{{Skill: 1, Min: 5}}, MaxPenalty: AnyPenalty}), withReq(call(sales, time.Second, 1), spanish)}, want: 1, wantOK: true},
		{name: "penalty ceiling of the call", calls: []Waiting{withReq(call(support, time.Hour, 1), Requirement{MaxPenalty: 1}), call(sales, time.Second, 1)}, want: 1, wantOK: true},
		{name: "penalty within ceiling", calls: []Waiting{withReq(call(support, time.Hour, 1), Requirement{MaxPenalty: 2}), call(sales, time.Second, 1)}, want: 0, wantOK: true},
		{name: "equal effective wait: earlier enqueued", calls: []Waiting{call(support, 20*time.Second, 1), call(sales, 10*time.Second, 2)}, want: 0, wantOK: true},
		{name: "full tie: lower queue", calls: []Waiting{call(support, 10*time.Second, 1), call(sales, 10*time.Second, 1)}, want: 1, wantOK: true},
		{name: "full tie same queue: lower index", calls: []Waiting{call(sales, 10*time.Second, 1), call(sales, 10*time.Second, 1)}, want: 0, wantOK: true},
		// An agent shared by an inbound queue (sales) and a campaign's
		// (support): the campaign's class decides, not priority or wait.
		{name: "live lead before inbound callers", calls: []Waiting{withPrio(call(sales, time.Hour, 5), 9), withClass(call(support, 0, 1), ClassLive)}, want: 1, wantOK: true},
		{name: "lead after inbound callers", calls: []Waiting{withClass(withPrio(call(support, time.Hour, 5), 9), ClassAfterInbound), withPrio(call(sales, time.Second, 1), -5)}, want: 1, wantOK: true},
		{name: "lead after inbound callers, none waiting", calls: []Waiting{withClass(call(support, time.Second, 1), ClassAfterInbound)}, want: 0, wantOK: true},
		{name: "live lead the agent cannot serve", calls: []Waiting{withClass(withReq(call(support, 0, 1), Requirement{MaxPenalty: 1}), ClassLive), call(sales, time.Second, 1)}, want: 1, wantOK: true},
		{name: "two live leads: longest wait", calls: []Waiting{withClass(call(support, time.Second, 1), ClassLive), call(sales, time.Hour, 1), withClass(call(sales, 2*time.Second, 1), ClassLive)}, want: 2, wantOK: true},
		{name: "enqueued in the future counts as no wait", calls: []Waiting{call(sales, -time.Hour, 1), call(support, 0, 1)}, want: 1, wantOK: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := NextCall(agent, penalty, tc.calls, t0)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("NextCall = %d, %v; want %d, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

// TestNextCallFairShare serves two backlogged queues with equal traffic
// by one agent and checks that the weight-2 queue's callers wait about half
// as long as the weight-1 queue's.
func TestNextCallFairShare(t *testing.T) {
	member := func(int32) (int, bool) { return 0, true }
	req := Requirement{MaxPenalty: AnyPenalty}
	// Each queue gets a caller every 20 s and starts with 30 waiting; the
	// agent takes one every 10 s, so the backlog neither grows nor drains.
	var arrivals [2][]time.Time
	for q := range arrivals {
		for i := -30; i < 400; i++ {
			arrivals[q] = append(arrivals[q], t0.Add(time.Duration(i)*20*time.Second))
		}
	}
	weights := [2]int{1, 2}
	var waited [2]time.Duration
	var served [2]int
	now := t0
	for range 600 {
		now = now.Add(10 * time.Second)
		var calls []Waiting
		for q := range arrivals {
			if len(arrivals[q]) > 0 && !arrivals[q][0].After(now) {
				calls = append(calls, Waiting{Queue: int32(q), Enqueued: arrivals[q][0], Req: req, Weight: weights[q]})
			}
		}
		i, ok := NextCall(Agent{}, member, calls, now)
		if !ok {
			t.Fatal("no call picked")
		}
		q := calls[i].Queue
		waited[q] += now.Sub(arrivals[q][0])
		served[q]++
		arrivals[q] = arrivals[q][1:]
	}
	mean := func(q int) time.Duration { return waited[q] / time.Duration(served[q]) }
	if r := float64(mean(0)) / float64(mean(1)); r < 1.8 || r > 2.2 {
		t.Errorf("mean waits %v (weight 1) and %v (weight 2), served %v: ratio %.2f, want about 2", mean(0), mean(1), served, r)
	}
}

func TestEffectiveWaitSaturates(t *testing.T) {
	for _, tc := range []struct {
		waited time.Duration
		weight int
		want   time.Duration
	}{
		{time.Second, 3, 3 * time.Second},
		{-time.Second, 3, 0},
		{math.MaxInt64 / 2, 3, math.MaxInt64},
		{math.MaxInt64, 1, math.MaxInt64},
	} {
		if got := effectiveWait(tc.waited, tc.weight); got != tc.want {
			t.Errorf("effectiveWait(%v, %d) = %v, want %v", tc.waited, tc.weight, got, tc.want)
		}
	}
}
