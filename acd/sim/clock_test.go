package sim

import (
	"slices"
	"testing"
	"time"
)

var epoch = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

func TestClockOrder(t *testing.T) {
	at := func(s int) time.Time { return epoch.Add(time.Duration(s) * time.Second) }
	tests := []struct {
		name     string
		schedule []int // seconds after epoch, in scheduling order; the label is the index
		cancel   []int // indexes cancelled before stepping
		want     []int // indexes in run order
	}{
		{"empty", nil, nil, nil},
		{"sorted by time", []int{3, 1, 2}, nil, []int{1, 2, 0}},
		{"ties in scheduling order", []int{5, 5, 1, 5}, nil, []int{2, 0, 1, 3}},
		{"cancel one of a tie", []int{5, 5, 5}, []int{1}, []int{0, 2}},
		{"cancel earliest", []int{1, 2, 3}, []int{0}, []int{1, 2}},
		{"cancel all", []int{1, 2}, []int{0, 1}, nil},
		{"past runs first without moving back", []int{-5, 0}, nil, []int{0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewClock(epoch)
			var got []int
			ids := make([]TimerID, len(tt.schedule))
			for i, s := range tt.schedule {
				ids[i] = c.Schedule(at(s), func() {
					got = append(got, i)
					if c.Now().Before(epoch) {
						t.Errorf("Now moved back to %v", c.Now())
					}
				})
			}
			for _, i := range tt.cancel {
				if !c.Cancel(ids[i]) {
					t.Errorf("Cancel(%d) = false, want true", i)
				}
			}
			if c.Len() != len(tt.schedule)-len(tt.cancel) {
				t.Errorf("Len = %d, want %d", c.Len(), len(tt.schedule)-len(tt.cancel))
			}
			for c.Step() {
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ran %v, want %v", got, tt.want)
			}
			if c.Len() != 0 {
				t.Errorf("Len after draining = %d", c.Len())
			}
		})
	}
}

func TestClockStepMovesNow(t *testing.T) {
	c := NewClock(epoch)
	if _, ok := c.Next(); ok {
		t.Fatal("Next on an empty clock reported a time")
	}
	if c.Step() {
		t.Fatal("Step on an empty clock reported work")
	}
	var seen []time.Time
	c.After(2*time.Second, func() { seen = append(seen, c.Now()) })
	c.After(time.Second, func() {
		seen = append(seen, c.Now())
		c.After(0, func() { seen = append(seen, c.Now()) }) // scheduled from inside a step
	})
	if next, _ := c.Next(); !next.Equal(epoch.Add(time.Second)) {
		t.Errorf("Next = %v, want epoch+1s", next)
	}
	for c.Step() {
	}
	want := []time.Time{epoch.Add(time.Second), epoch.Add(time.Second), epoch.Add(2 * time.Second)}
	if !slices.EqualFunc(seen, want, time.Time.Equal) {
		t.Errorf("Now during steps = %v, want %v", seen, want)
	}
}

func TestClockCancel(t *testing.T) {
	c := NewClock(epoch)
	ran := false
	id := c.After(time.Second, func() { ran = true })
	if !c.Cancel(id) {
		t.Error("first Cancel = false")
	}
	if c.Cancel(id) {
		t.Error("second Cancel = true")
	}
	if c.Cancel(TimerID(999)) {
		t.Error("Cancel of an id never issued = true")
	}
	done := c.After(time.Second, func() {})
	c.Step()
	if c.Cancel(done) {
		t.Error("Cancel of a timer that already ran = true")
	}
	if ran {
		t.Error("cancelled function ran")
	}
}

func TestClockRunUntil(t *testing.T) {
	c := NewClock(epoch)
	var ran []int
	for i, d := range []time.Duration{time.Second, 3 * time.Second, 5 * time.Second} {
		c.After(d, func() { ran = append(ran, i) })
	}
	c.RunUntil(epoch.Add(3 * time.Second)) // inclusive
	if !slices.Equal(ran, []int{0, 1}) {
		t.Errorf("ran %v, want [0 1]", ran)
	}
	if !c.Now().Equal(epoch.Add(3 * time.Second)) {
		t.Errorf("Now = %v, want epoch+3s", c.Now())
	}
	c.RunUntil(epoch.Add(4 * time.Second))
	if !c.Now().Equal(epoch.Add(4 * time.Second)) {
		t.Errorf("Now = %v after RunUntil with nothing due, want epoch+4s", c.Now())
	}
	c.RunUntil(epoch) // earlier: nothing runs, Now stays
	if !c.Now().Equal(epoch.Add(4*time.Second)) || len(ran) != 2 {
		t.Errorf("RunUntil into the past changed things: now %v, ran %v", c.Now(), ran)
	}
}

// TestClockMatchesSort checks the heap against a plain stable sort on many
// random schedules with random cancels.
func TestClockMatchesSort(t *testing.T) {
	for seed := range uint64(50) {
		rng := newTestRand(seed)
		c := NewClock(epoch)
		type item struct {
			at   time.Time
			n    int
			id   TimerID
			gone bool
		}
		var items []*item
		var got []int
		for n := range 200 {
			it := &item{at: epoch.Add(time.Duration(rng.IntN(50)) * time.Millisecond), n: n}
			it.id = c.Schedule(it.at, func() { got = append(got, it.n) })
			items = append(items, it)
			if rng.IntN(4) == 0 {
				victim := items[rng.IntN(len(items))]
				if c.Cancel(victim.id) == victim.gone {
					t.Fatalf("seed %d: Cancel(%d) disagrees with the model", seed, victim.n)
				}
				victim.gone = true
			}
		}
		var want []int
		live := slices.DeleteFunc(slices.Clone(items), func(it *item) bool { return it.gone })
		slices.SortStableFunc(live, func(a, b *item) int { return a.at.Compare(b.at) })
		for _, it := range live {
			want = append(want, it.n)
		}
		for c.Step() {
		}
		if !slices.Equal(got, want) {
			t.Fatalf("seed %d: run order differs from a stable sort", seed)
		}
	}
}
