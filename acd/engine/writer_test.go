package engine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/store"
)

// A call counts as finished only once its record is durable: until the
// writer reports it saved, the call is listed as ended and not finished.
func TestCallFinishedOnlyWhenDurable(t *testing.T) {
	st := newMemStore()
	w := store.NewWriter(st, store.WriterOptions{}) // not started: nothing commits until Commit
	r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, basicConfig), Store: st, Writer: w}, Start: epoch})
	if err != nil {
		t.Fatal(err)
	}
	_ = r.Switch.SetPhone("sim/alice", answers(time.Second, 10*time.Second))
	if err := r.Login("alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Switch.PlaceCall(farend.CallScript{From: "555", To: "100"}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(time.Minute))
	if n := r.Core.Unsaved(); n != 1 {
		t.Fatalf("Unsaved = %d, want 1 (the call ended, nothing committed)", n)
	}
	if calls := r.Core.Status(r.Clock.Now()).Calls; len(calls) != 1 || calls[0].Phase != "ended" {
		t.Errorf("status calls before the write is durable = %+v, want the call, ended", calls)
	}
	if len(st.finished) != 0 {
		t.Fatalf("store has finished calls %v before any commit", st.finished)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	_ = r.Do(func(*Core, time.Time) error { return nil }) // the next input takes the report
	if n := r.Core.Unsaved(); n != 0 {
		t.Errorf("Unsaved = %d after the commit, want 0", n)
	}
	if calls := r.Core.Status(r.Clock.Now()).Calls; len(calls) != 0 {
		t.Errorf("status still lists %+v after the record is durable", calls)
	}
	if len(st.finished) != 1 {
		t.Errorf("finished = %v, want the call", st.finished)
	}
}

// flakyStore fails every other commit; the writer keeps and retries them.
type flakyStore struct {
	*memStore
	mu sync.Mutex // guards n
	n  int
}

var errFlaky = errors.New("disk full")

func (f *flakyStore) Write(ops []store.Op) error {
	f.mu.Lock()
	f.n++
	fail := f.n%2 == 1
	f.mu.Unlock()
	if fail {
		return errFlaky
	}
	return f.memStore.Write(ops)
}

// busyRun runs a few minutes of traffic through the simulator and returns
// what the store holds at the end.
func busyRun(t *testing.T, st Store, w *store.Writer) *SimRun {
	t.Helper()
	cfg := parseConfig(t, basicConfig)
	r, err := NewSimRun(SimOptions{Core: Options{Config: cfg, Store: st, Writer: w, Seed: 3}, Start: epoch,
		Sim: sim.Options{Seed: 3, Latency: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	_ = r.Switch.SetPhone("sim/alice", answers(2*time.Second, 40*time.Second))
	_ = r.Switch.SetPhone("sim/bob", farend.Phone{Mode: farend.PhoneNoAnswer})
	if err := r.Login("alice", "bob"); err != nil {
		t.Fatal(err)
	}
	if err := r.Switch.StartTraffic(sim.Traffic{Entries: []string{"100"}, RatePerMinute: 3, Patience: time.Minute,
		Until: epoch.Add(20 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(25 * time.Minute))
	return r
}

// With every other commit failing, the store ends up with exactly what a
// store that never fails holds: nothing lost, reordered or doubled.
func TestFailingCommitsLoseNothing(t *testing.T) {
	good := newMemStore()
	busyRun(t, good, nil)
	flaky := &flakyStore{memStore: newMemStore()}
	w := store.NewWriter(flaky, store.WriterOptions{Sync: true})
	r := busyRun(t, flaky, w)
	if w.Failures() == 0 {
		t.Fatal("no commit failed; the test proves nothing")
	}
	if err := w.Commit(); err != nil { // the last one may have failed
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	_ = r.Do(func(*Core, time.Time) error { return nil })
	if r.Core.Unsaved() != 0 {
		t.Errorf("Unsaved = %d after the last commit", r.Core.Unsaved())
	}
	if len(good.finished) < 20 {
		t.Fatalf("only %d calls finished; too few to compare", len(good.finished))
	}
	for name, pair := range map[string][2]any{
		"finished":  {good.finished, flaky.finished},
		"calls":     {good.calls, flaky.calls},
		"agents":    {good.agents, flaky.agents},
		"changes":   {good.changes, flaky.changes},
		"active":    {good.active, flaky.active},
		"callbacks": {good.callbacks, flaky.callbacks},
	} {
		if !reflect.DeepEqual(pair[0], pair[1]) {
			t.Errorf("%s differ between a failing and a sound store:\n%v\n%v", name, pair[0], pair[1])
		}
	}
}

// The daemon's runtime writes through its own writer into a real bbolt
// file; when Run returns, every finished call is in the file.
func TestRuntimeWritesThroughWriter(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "h.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg := parseConfig(t, basicConfig)
	sw, err := sim.New(sim.Options{Seed: 1, Speed: 50, Latency: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer sw.Close()
	_ = sw.SetPhone("sim/alice", answers(time.Second, 5*time.Second))
	_ = sw.SetPhone("sim/bob", answers(time.Second, 5*time.Second))
	rt, err := NewRuntime(RunOptions{Core: Options{Config: cfg, Store: db}, Switch: sw, Log: zerolog.Nop(), Now: sw.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx) }()
	if err := sw.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"alice", "bob"} {
		if _, err := Send(ctx, rt, Login{Agent: id}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 6 {
		if _, err := sw.PlaceCall(farend.CallScript{From: fmt.Sprint(5550 + i), To: "100", HangupAfter: 20 * time.Second}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(60 * time.Second) // only ends early once the calls are over
	for seen := false; time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		st, err := rt.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		seen = seen || len(st.Calls) > 0
		if seen && len(st.Calls) == 0 {
			break
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	recs, err := db.CollectCalls(store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 6 {
		t.Fatalf("%d records in the file, want 6", len(recs))
	}
	for _, rec := range recs {
		if rec.Outcome == acd.OutcomeInProgress || rec.Ended.IsZero() {
			t.Errorf("record %s not finished: %s", rec.ID, rec.Outcome)
		}
	}
	if acs, _ := db.ActiveCalls(); len(acs) != 0 {
		t.Errorf("active calls left: %+v", acs)
	}
	changes, err := db.AgentChanges("", time.Time{}, time.Time{})
	if err != nil || len(changes) < 4 {
		t.Errorf("agent changes = %d, %v; want the logins and the calls", len(changes), err)
	}
	if rt.Writer().Failing() || rt.Writer().Failures() != 0 {
		t.Errorf("writer failing=%v failures=%d", rt.Writer().Failing(), rt.Writer().Failures())
	}
}

// Queue and agent counters start again from the stored records and agent
// state changes after a restart: a new engine restored from the file
// counts what the old one counted.
func TestCountersSurviveRestart(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "h.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := busyRun(t, db, nil)
	if len(r.Core.calls) != 0 {
		t.Fatalf("%d calls still live; the run should have ended them", len(r.Core.calls))
	}
	saved, err := LoadSavedSince(db, epoch)
	if err != nil {
		t.Fatal(err)
	}
	var cmds []Command
	end := r.Clock.Now() // the restart happens where the old run stopped
	c, err := NewCore(Options{Config: parseConfig(t, basicConfig), Out: recordOutputs{cmds: &cmds}}, end)
	if err != nil {
		t.Fatal(err)
	}
	c.Restore(end, saved)
	for i, a := range r.Core.agents {
		want := a.stats
		r.Core.account(end, a) // the old run's current interval, up to the restart
		want.LoggedIn, want.Paused = a.stats.LoggedIn, a.stats.Paused
		want.Ringing = 0 // ring time is not in the records
		if want.Offered == 0 || want.LoggedIn == 0 {
			t.Fatalf("agent %s counted %+v; the run should offer calls to every agent", a.id, want)
		}
		if got := c.agents[i].stats; got != want {
			t.Errorf("agent %s after restart: %+v\nbefore: %+v", a.id, got, want)
		}
	}
	for i, q := range r.Core.queues {
		if q.stats.Offered == 0 || q.stats.Answered == 0 || q.stats.Abandoned == 0 {
			t.Fatalf("queue %s counted %+v; the run should offer, answer and lose calls", q.name, q.stats)
		}
		if got := c.queues[i].stats; got != q.stats {
			t.Errorf("queue %s after restart: %+v\nbefore: %+v", q.name, got, q.stats)
		}
	}
	// Later calls are counted on top.
	saved, _ = LoadSavedSince(db, epoch.Add(10*time.Minute))
	c2, _ := NewCore(Options{Config: parseConfig(t, basicConfig), Out: recordOutputs{cmds: &cmds}}, epoch.Add(time.Hour))
	c2.Restore(epoch.Add(time.Hour), saved)
	if got, all := c2.queues[0].stats.Offered, r.Core.queues[0].stats.Offered; got == 0 || got >= all {
		t.Errorf("counting from 10 min: offered %d of %d", got, all)
	}
}

// The agent state change log can be read back for a period.
func TestAgentChangesStored(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "h.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := busyRun(t, db, nil)
	changes, err := db.AgentChanges("alice", epoch, epoch.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) < 4 || changes[0].To != acd.Available || changes[0].From != acd.LoggedOut {
		t.Fatalf("alice's changes = %+v, want a login first", changes)
	}
	for i, ch := range changes {
		if i > 0 && (ch.At.Before(changes[i-1].At) || ch.From != changes[i-1].To) {
			t.Fatalf("change %d %+v does not follow %+v", i, ch, changes[i-1])
		}
	}
	if last := changes[len(changes)-1]; last.To != r.Core.agentIdx["alice"].state {
		t.Errorf("last stored change goes to %s, alice is %s", last.To, r.Core.agentIdx["alice"].state)
	}
	answered := 0
	for _, ch := range changes {
		if ch.To == acd.OnCall {
			answered++
			if ch.Call == "" {
				t.Errorf("change to on-call without its call: %+v", ch)
			}
		}
	}
	if answered != r.Core.agentIdx["alice"].stats.Answered {
		t.Errorf("%d changes to on-call, alice answered %d", answered, r.Core.agentIdx["alice"].stats.Answered)
	}
}

// fullStore fails every commit until room is made, as a full disk does.
type fullStore struct {
	*memStore
	room atomic.Bool
}

func (f *fullStore) Write(ops []store.Op) error {
	if !f.room.Load() {
		return errFlaky
	}
	return f.memStore.Write(ops)
}

// While the store fails, a request is not held until the disk takes writes
// again (hours, maybe): it is answered with ErrNotSaved, saying the change
// is made but not on disk; once writes succeed the change is saved.
func TestRequestWhileStoreFailsIsAnswered(t *testing.T) {
	st := &fullStore{memStore: newMemStore()}
	sw, err := sim.New(sim.Options{Seed: 1, Latency: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer sw.Close()
	rt, err := NewRuntime(RunOptions{Core: Options{Config: parseConfig(t, basicConfig), Store: st}, Switch: sw, Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx) }()
	if err := sw.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"alice", "bob"} { // bob's comes while the writer is known to fail
		wait, stop := context.WithTimeout(ctx, 30*time.Second) // guards a hang only
		_, err := Send(wait, rt, Login{Agent: id})
		stop()
		if !errors.Is(err, ErrNotSaved) {
			t.Fatalf("login %s (%d) while the store fails: %v, want ErrNotSaved", id, i, err)
		}
	}
	if s, _ := rt.Status(ctx); s.Agents[0].State != "available" {
		t.Errorf("alice is %s, want logged in all the same", s.Agents[0].State)
	}
	st.room.Store(true)
	deadline := time.Now().Add(30 * time.Second)
	for {
		st.mu.Lock()
		_, saved := st.agents["bob"]
		st.mu.Unlock()
		if saved {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("bob's login not saved once the store took writes again")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := Send(ctx, rt, Pause{Agent: "alice", Reason: "lunch"}); err != nil {
		t.Errorf("pause once the store works: %v", err)
	}
	cancel()
	<-done
}
