package campaigncheck

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/store"
)

// TestMostAtOnce: a machine's call stops counting once it is found a
// machine, an agent's call counts through the wrap-up, and a dial placed
// as another call stops counting is not ahead of it.
func TestMostAtOnce(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	rec := func(from, to int, agent string, steps ...store.Step) store.CallRecord {
		return store.CallRecord{Entered: at(from), Ended: at(to), Agent: agent, Timeline: steps}
	}
	machine := rec(0, 2000, "", store.Step{At: at(1000), Kind: "machine", Detail: "MACHINE"})
	for _, c := range []struct {
		name string
		recs []store.CallRecord
		want int
	}{
		{"a dial after the machine is found", []store.CallRecord{machine, rec(1000, 1500, "")}, 1},
		{"a dial before the machine is found", []store.CallRecord{machine, rec(999, 1500, "")}, 2},
		{"a dial in the wrap-up", []store.CallRecord{rec(0, 1000, "a1"), rec(1500, 3000, "")}, 2},
		{"a dial as the wrap-up ends", []store.CallRecord{rec(0, 1000, "a1"), rec(2000, 3000, "")}, 1},
		{"a dial as a no-answer ends", []store.CallRecord{rec(0, 1000, ""), rec(1000, 3000, "")}, 1},
	} {
		if got, _ := MostAtOnce(c.recs, time.Second); got != c.want {
			t.Errorf("%s: %d at once, want %d", c.name, got, c.want)
		}
	}
}
