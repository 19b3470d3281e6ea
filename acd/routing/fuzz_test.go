package routing

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func FuzzParseStrategy(f *testing.F) {
	for _, s := range Strategies() {
		f.Add(s)
	}
	for _, s := range []string{"", "RING-ALL", " rrmemory\t", "fastest", "ring-all\x00", "ringäll"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		st, err := ParseStrategy(s)
		if err != nil {
			if !errors.Is(err, ErrUnknownStrategy) {
				t.Fatalf("ParseStrategy(%q): error %v does not wrap ErrUnknownStrategy", s, err)
			}
			return
		}
		if !st.Valid() {
			t.Fatalf("ParseStrategy(%q) = invalid %d", s, st)
		}
		if back, err := ParseStrategy(st.String()); err != nil || back != st {
			t.Fatalf("canonical name %q of %q does not parse back: %v, %v", st, s, back, err)
		}
	})
}

// bytes is a reader that yields zeros once the fuzz input runs out.
type fuzzBytes []byte

func (b *fuzzBytes) next() byte {
	if len(*b) == 0 {
		return 0
	}
	c := (*b)[0]
	*b = (*b)[1:]
	return c
}

// fuzzQueue builds agents, members and a request from fuzz input: small
// numbers everywhere so that ties, shared penalties and tiers are common.
func fuzzQueue(data []byte) ([]Agent, QueueState, Request) {
	b := fuzzBytes(data)
	agents := make([]Agent, int(b.next())%24)
	for i := range agents {
		a := &agents[i]
		flags := b.next()
		a.Available, a.LoggedIn = flags&1 != 0, flags&2 != 0
		a.Levels = make(Levels, int(b.next())%5)
		for s := range a.Levels {
			a.Levels[s] = b.next() % 4
		}
		a.IdleSince = t0.Add(-time.Duration(b.next()%8) * time.Minute)
		a.Calls, a.TalkTime, a.Weight = int(b.next()%4), time.Duration(b.next()%4)*time.Minute, int(b.next()%5)-1
	}
	q := QueueState{Strategy: Strategy(b.next() % uint8(numStrategies))}
	// Each agent is a member at most once; membership is decided per agent.
	for i := range agents {
		if b.next()%4 == 0 {
			continue
		}
		q.Members = append(q.Members, Member{Agent: int32(i), Penalty: int(b.next() % 3), Tier: int(b.next() % 3), Order: int(b.next() % 6)})
	}
	r := Request{Waited: time.Duration(b.next()%6) * 10 * time.Second, RingStep: time.Duration(b.next()%3) * 10 * time.Second}
	r.Req.MaxPenalty = int(b.next()%4) - 1
	for range int(b.next()) % 4 {
		r.Req.Needs = append(r.Req.Needs, Need{Skill: SkillID(b.next() % 6), Min: b.next() % 4})
	}
	r.Rand = uint64(b.next())<<56 | uint64(b.next())<<8 | uint64(b.next())
	return agents, q, r
}

func FuzzSelect(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{5, 1, 2, 3, 3, 1, 1, 1, 1, 3, 4, 1, 2, 2, 2, 2, 3, 3, 3, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	for st := range numStrategies {
		f.Add([]byte{8, 3, 4, 1, 2, 3, 3, 0, 1, 2, 1, 3, 1, 2, 3, 2, 1, 0, 3, 3, 1, 2, 3, 1, 2, 3, 1, 3, 1, 1, 1, 0, 0, byte(st), 1, 1, 2, 3, 1, 0, 0, 2, 1, 2, 1, 1, 2, 3, 4, 5, 6})
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		agents, q, r := fuzzQueue(data)
		got := q.Select(agents, r, t0, nil)

		eligible := map[int32]int{} // agent → penalty
		minPen := -1
		for i := range q.Members {
			m := &q.Members[i]
			if r.Req.admits(&agents[m.Agent], m) {
				eligible[m.Agent] = m.Penalty
				if minPen < 0 || m.Penalty < minPen {
					minPen = m.Penalty
				}
			}
		}
		seen := map[int32]bool{}
		for _, a := range got {
			pen, ok := eligible[a]
			switch {
			case !ok:
				t.Fatalf("%v returned ineligible agent %d (got %v)", q.Strategy, a, got)
			case seen[a]:
				t.Fatalf("%v returned agent %d twice (got %v)", q.Strategy, a, got)
			case pen != minPen:
				t.Fatalf("%v returned agent %d of penalty %d while %d was eligible", q.Strategy, a, pen, minPen)
			}
			seen[a] = true
		}
		if (len(got) == 0) != (len(eligible) == 0) {
			t.Fatalf("%v returned %v with %d eligible", q.Strategy, got, len(eligible))
		}
		switch q.Strategy {
		case RingAll:
			n := 0
			for _, pen := range eligible {
				if pen == minPen {
					n++
				}
			}
			if len(got) != n {
				t.Fatalf("ring-all returned %d of %d eligible", len(got), n)
			}
		case RingProgressively:
		default:
			if len(got) > 1 {
				t.Fatalf("%v returned %d agents", q.Strategy, len(got))
			}
		}
		if len(got) == 1 && slices.Contains([]Strategy{LongestIdle, FewestCalls, LeastTalkTime}, q.Strategy) {
			best := &agents[got[0]]
			for a, pen := range eligible {
				if pen == minPen && rankKey(q.Strategy, &agents[a]) < rankKey(q.Strategy, best) {
					t.Fatalf("%v chose agent %d over better agent %d", q.Strategy, got[0], a)
				}
			}
		}
	})
}

// rankKey is the primary key of the key-ranked strategies, lower better.
func rankKey(st Strategy, a *Agent) int64 {
	switch st {
	case FewestCalls:
		return int64(a.Calls)
	case LeastTalkTime:
		return int64(a.TalkTime)
	}
	return a.IdleSince.UnixNano()
}
