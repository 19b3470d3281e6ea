package store

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
)

// Every commit fsyncs, so the write benchmarks measure the disk as much as
// the store; the NoSync variants show the store's own cost.

func benchOpen(b *testing.B, opts Options) *DB {
	b.Helper()
	db, err := Open(filepath.Join(b.TempDir(), "bench.db"), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	return db
}

func BenchmarkSaveCall(b *testing.B) {
	for _, sync := range []bool{true, false} {
		b.Run(fmt.Sprintf("fsync=%t", sync), func(b *testing.B) {
			db := benchOpen(b, Options{NoSync: !sync})
			i := 0
			for b.Loop() {
				if err := db.SaveCall(fullCall(fmt.Sprintf("c%09d", i), t0.Add(time.Duration(i)*time.Second))); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkFinishCall is the engine's end of a call: record, active call
// deleted, agent state, in one transaction.
func BenchmarkFinishCall(b *testing.B) {
	for _, sync := range []bool{true, false} {
		b.Run(fmt.Sprintf("fsync=%t", sync), func(b *testing.B) {
			db := benchOpen(b, Options{NoSync: !sync})
			agent := &AgentState{ID: "a1", State: acd.WrapUp}
			i := 0
			for b.Loop() {
				b.StopTimer()
				c := fullCall(fmt.Sprintf("c%09d", i), t0.Add(time.Duration(i)*time.Second))
				if err := db.SaveActive(&ActiveCall{CallID: c.ID, State: acd.CallBridged}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				agent.CallsTaken++
				if err := db.FinishCall(c, agent); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkCallsDay lists one day (1440 calls, a minute apart) out of ten.
func BenchmarkCallsDay(b *testing.B) {
	db := benchOpen(b, Options{NoSync: true})
	seedCalls(b, db, 10*1440)
	f := Filter{From: t0.Add(24 * time.Hour), To: t0.Add(48 * time.Hour)}
	for b.Loop() {
		n := 0
		for _, err := range db.Calls(f) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 1440 {
			b.Fatalf("listed %d calls, want 1440", n)
		}
	}
}
