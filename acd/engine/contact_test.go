package engine

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

const knownCallerConfig = `
entries:
  - {number: "100", flow: main}
flows:
  main:
    start: who
    nodes:
      who:
        kind: condition
        cases:
          - {tag: vip, goto: vip}
          - {known: true, goto: known}
        else: stranger
      vip: {kind: queue, queue: support, priority: 9}
      known: {kind: queue, queue: support, priority: 5}
      stranger: {kind: queue, queue: support}
queues:
  - name: support
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
`

// The caller's contact is matched before the flow starts, so its first
// node can branch on it; a matcher that fails or is late sends the call on
// without one, within the bound.
func TestCallerMatchedBeforeRouting(t *testing.T) {
	carla := contact.OnCall{ID: 7, Known: true, Tags: []string{"vip"}, PreferredAgent: "alice"}
	bob := contact.OnCall{ID: 8, Known: true}
	tooSlow := make(chan struct{})
	for _, tc := range []struct {
		name    string
		match   CallerMatcher
		want    []string // timeline steps, in order
		contact contact.ID
	}{
		{"vip", func(context.Context, string, string, time.Time) (contact.OnCall, error) { return carla, nil },
			[]string{"contact id=7 known=true", "condition case 0 → vip", "queue main/vip"}, 7},
		{"known", func(context.Context, string, string, time.Time) (contact.OnCall, error) { return bob, nil },
			[]string{"contact id=8 known=true", "condition case 1 → known"}, 8},
		{"new number", func(context.Context, string, string, time.Time) (contact.OnCall, error) {
			return contact.OnCall{ID: 9}, nil
		}, []string{"contact id=9 known=false", "condition else → stranger"}, 9},
		{"store fails", func(context.Context, string, string, time.Time) (contact.OnCall, error) {
			return contact.OnCall{}, errors.New("disk on fire")
		}, []string{"contact-unmatched disk on fire", "condition else → stranger"}, 0},
		{"store too slow", func(ctx context.Context, _, _ string, _ time.Time) (contact.OnCall, error) {
			// Answers only once the run is over (or after 30 s, when the
			// call waited for it: the timeline then shows the match).
			select {
			case <-tooSlow:
			case <-time.After(30 * time.Second):
			}
			return carla, nil
		}, []string{"contact-unmatched no answer in time", "condition else → stranger"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newMemStore()
			var mu sync.Mutex // guards asked: the matcher runs in its own goroutine
			var asked []string
			match := func(ctx context.Context, callID, number string, at time.Time) (contact.OnCall, error) {
				mu.Lock()
				asked = append(asked, number)
				mu.Unlock()
				return tc.match(ctx, callID, number, at)
			}
			// The bound is wall time: long for the matchers that answer at
			// once, so a loaded machine does not make them late; short for
			// the one that never answers in time.
			bound := 30 * time.Second
			if tc.name == "store too slow" {
				bound = 50 * time.Millisecond
			}
			r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, knownCallerConfig), Store: st,
				MatchCaller: match, MatchTimeout: bound}, Start: epoch})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.Switch.PlaceCall(farend.CallScript{From: "+12125550101", To: "100", HangupAfter: 30 * time.Second}); err != nil {
				t.Fatal(err)
			}
			r.RunUntil(epoch.Add(2 * time.Minute))
			if tc.name == "store too slow" {
				close(tooSlow)
			}
			recs := records(st)
			mu.Lock()
			defer mu.Unlock()
			if len(recs) != 1 || len(asked) != 1 || asked[0] != "+12125550101" {
				t.Fatalf("records %+v, matcher asked for %v", recs, asked)
			}
			var steps []string
			for _, s := range recs[0].Timeline {
				steps = append(steps, strings.TrimSpace(s.Kind+" "+s.Detail))
			}
			at := 0
			for _, w := range tc.want {
				i := indexFrom(steps, at, w)
				if i < 0 {
					t.Fatalf("timeline lacks %q after step %d:\n%s", w, at, strings.Join(steps, " | "))
				}
				at = i + 1
			}
			if recs[0].Contact != tc.contact {
				t.Errorf("record's contact %d, want %d", recs[0].Contact, tc.contact)
			}
		})
	}
}

const contactRoutingConfig = `
entries:
  - {number: "100", queue: support}
queues:
  - name: support
    strategy: top-down
    announce: {interval: 0s}
    contacts: {agent: preferred-or-last, wait: 20s, tag_priority: {vip: 10}}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
  - {id: bob, endpoint: sim/bob, queues: [{queue: support}]}
`

// A known caller rings their preferred (or last) agent, waits for them up
// to the queue's contact wait while they are busy, then takes anyone; a
// tag's priority puts a caller ahead of those who waited longer.
func TestKnownCallerRouting(t *testing.T) {
	book := map[string]contact.OnCall{
		"+12125550101": {ID: 1, Known: true, PreferredAgent: "bob"},
		"+12125550102": {ID: 2, Known: true, LastAgent: "bob"},
		"+12125550103": {ID: 3, Known: true, Tags: []string{"vip"}},
		"+12125550104": {ID: 4, Known: true, PreferredAgent: "ghost"},
	}
	match := func(_ context.Context, _, number string, _ time.Time) (contact.OnCall, error) {
		return book[number], nil // unknown numbers get contact 0: none
	}
	type call struct {
		at   time.Duration
		from string
	}
	// firstRing is the first agent rung for a caller, and how long after
	// the call's arrival.
	type firstRing struct {
		agent string
		after time.Duration
	}
	for _, tc := range []struct {
		name  string
		calls []call
		want  map[string]firstRing
	}{
		{"preferred agent free: rung though top-down says alice", []call{{0, "+12125550101"}},
			map[string]firstRing{"+12125550101": {"bob", 0}}},
		{"last agent", []call{{0, "+12125550102"}},
			map[string]firstRing{"+12125550102": {"bob", 0}}},
		{"preferred agent busy: waits the contact wait, then alice", []call{{0, "555"}, {0, "555"}, {5 * time.Second, "+12125550101"}},
			map[string]firstRing{"+12125550101": {"alice", 20 * time.Second}}},
		{"preferred agent not configured: the queue's way", []call{{0, "+12125550104"}},
			map[string]firstRing{"+12125550104": {"alice", 0}}},
		{"vip ahead of an older caller", []call{{0, "555"}, {0, "555"}, {1 * time.Second, "556"}, {2 * time.Second, "+12125550103"}},
			map[string]firstRing{"+12125550103": {"alice", 8 * time.Second}, "556": {"alice", 19 * time.Second}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newMemStore()
			r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, contactRoutingConfig), Store: st,
				MatchCaller: match}, Start: epoch})
			if err != nil {
				t.Fatal(err)
			}
			// alice's calls last 5 s (then 5 s of wrap-up), bob's 2 min.
			_ = r.Switch.SetPhone("sim/alice", answers(0, 5*time.Second))
			_ = r.Switch.SetPhone("sim/bob", answers(0, 2*time.Minute))
			if err := r.Login("alice", "bob"); err != nil {
				t.Fatal(err)
			}
			for _, c := range tc.calls {
				r.RunUntil(epoch.Add(c.at))
				if _, err := r.Switch.PlaceCall(farend.CallScript{From: c.from, To: "100", HangupAfter: 10 * time.Minute}); err != nil {
					t.Fatal(err)
				}
			}
			r.RunUntil(epoch.Add(15 * time.Minute))
			seen := map[string]bool{}
			for _, rec := range records(st) {
				w, ok := tc.want[rec.Caller]
				if !ok {
					continue
				}
				seen[rec.Caller] = true
				if len(rec.Attempts) == 0 {
					t.Fatalf("%s: never rung: %+v", rec.Caller, rec)
				}
				first := rec.Attempts[0]
				if after := first.At.Sub(rec.Entered).Round(time.Second); first.Agent != w.agent || after != w.after {
					t.Errorf("%s: first rang %s after %v, want %s after %v", rec.Caller, first.Agent, after, w.agent, w.after)
				}
			}
			if len(seen) != len(tc.want) {
				t.Fatalf("records of %v, want %v", seen, tc.want)
			}
		})
	}
}
