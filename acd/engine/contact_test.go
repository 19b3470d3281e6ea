package engine

import (
	"context"
	"errors"
	"strings"
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
			time.Sleep(2 * time.Second)
			return carla, nil
		}, []string{"contact-unmatched no answer in time", "condition else → stranger"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newMemStore()
			var asked []string
			match := func(ctx context.Context, callID, number string, at time.Time) (contact.OnCall, error) {
				asked = append(asked, number)
				return tc.match(ctx, callID, number, at)
			}
			r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, knownCallerConfig), Store: st,
				MatchCaller: match, MatchTimeout: 50 * time.Millisecond}, Start: epoch})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.Switch.PlaceCall(farend.CallScript{From: "+12125550101", To: "100", HangupAfter: 30 * time.Second}); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			r.RunUntil(epoch.Add(2 * time.Minute))
			if took := time.Since(start); tc.name == "store too slow" && took > time.Second {
				t.Errorf("the call waited %v for a slow store", took)
			}
			recs := records(st)
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
