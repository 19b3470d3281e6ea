package reorder

import (
	"math/rand"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

func TestFirstItemsWaitForTheWindow(t *testing.T) {
	b := New[uint64](50 * time.Millisecond)
	b.Push(11, 11, at(0))
	b.Push(10, 10, at(1))
	if got := b.Release(nil, at(10)); len(got) != 0 {
		t.Fatalf("released %v before the window on a fresh start", got)
	}
	if got := b.Release(nil, at(50)); !slices.Equal(got, []uint64{10, 11}) {
		t.Fatalf("got %v, want [10 11]", got)
	}
	b.Push(12, 12, at(51))
	if got := b.Release(nil, at(51)); !slices.Equal(got, []uint64{12}) {
		t.Fatalf("contiguous item not released at once: %v", got)
	}
}

func TestGapIsSkippedAfterWindow(t *testing.T) {
	b := started(t, 1)
	b.Push(4, 4, at(100))
	b.Push(2, 2, at(101))
	if got := b.Release(nil, at(101)); !slices.Equal(got, []uint64{2}) {
		t.Fatalf("got %v, want [2]", got)
	}
	if d, ok := b.Deadline(); !ok || !d.Equal(at(150)) {
		t.Fatalf("deadline %v %v, want %v", d, ok, at(150))
	}
	if got := b.Release(nil, at(149)); len(got) != 0 {
		t.Fatalf("released %v before the deadline", got)
	}
	if got := b.Release(nil, at(150)); !slices.Equal(got, []uint64{4}) {
		t.Fatalf("got %v, want [4]", got)
	}
	if late := b.Push(3, 3, at(151)); !late {
		t.Fatal("3 arrived after the gap was skipped but was not reported late")
	}
	if _, ok := b.Deadline(); ok {
		t.Fatal("deadline with nothing held")
	}
}

func TestExpiredItemReleasesEverythingBelowIt(t *testing.T) {
	b := started(t, 1)
	b.Push(9, 9, at(100)) // held longest
	b.Push(5, 5, at(140))
	b.Push(12, 12, at(145))
	got := b.Release(nil, at(150))
	if !slices.Equal(got, []uint64{5, 9}) {
		t.Fatalf("got %v, want [5 9] (12 is still within its window)", got)
	}
	if n, _ := b.Next(); n != 10 {
		t.Fatalf("next %d, want 10", n)
	}
}

func TestDuplicateIsDropped(t *testing.T) {
	b := started(t, 1)
	b.Push(3, 3, at(100))
	b.Push(3, 33, at(101))
	b.Push(2, 2, at(102))
	if got := b.Release(nil, at(102)); !slices.Equal(got, []uint64{2, 3}) {
		t.Fatalf("got %v", got)
	}
}

// TestShuffledWithinWindow: any arrival order whose displacement stays
// inside the window comes out sorted, with no wait when nothing is missing.
func TestShuffledWithinWindow(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for round := 0; round < 50; round++ {
		b := started(t, 1)
		const n = 2000
		seqs := make([]uint64, n)
		for i := range seqs {
			seqs[i] = uint64(i + 2)
		}
		// Local shuffles: swap neighbours up to 8 apart.
		for i := range seqs {
			j := i + rng.Intn(8)
			if j < n {
				seqs[i], seqs[j] = seqs[j], seqs[i]
			}
		}
		var out []uint64
		for i, s := range seqs {
			b.Push(s, s, at(i/10))
			out = b.Release(out, at(i/10))
		}
		out = b.Release(out, at(n))
		if len(out) != n || !slices.IsSorted(out) {
			t.Fatalf("round %d: %d items, sorted=%v", round, len(out), slices.IsSorted(out))
		}
	}
}

func started(t *testing.T, last uint64) *Buffer[uint64] {
	t.Helper()
	b := New[uint64](50 * time.Millisecond)
	b.Push(last, last, at(0))
	if got := b.Release(nil, at(50)); !slices.Equal(got, []uint64{last}) {
		t.Fatalf("start: %v", got)
	}
	return b
}

func BenchmarkInOrder(b *testing.B) {
	buf := New[uint64](50 * time.Millisecond)
	out := make([]uint64, 0, 16)
	buf.Push(0, 0, t0)
	now := at(50)
	buf.Release(out, now)
	for i := 1; i <= b.N; i++ {
		buf.Push(uint64(i), uint64(i), now)
		out = buf.Release(out[:0], now)
		if len(out) != 1 {
			b.Fatalf("item %d held", i)
		}
	}
}
