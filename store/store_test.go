package store

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/hotline-cc/hotline/acd"
)

var t0 = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

func openTemp(t testing.TB) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hotline.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db, path
}

// rawPut writes bytes under a key with bbolt itself, as damage or an older
// Hotline would, on a closed store file.
func rawPut(t *testing.T, path string, bucket, key, value []byte) {
	t.Helper()
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("bbolt.Open: %v", err)
	}
	defer bdb.Close()
	err = bdb.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucket)
		if err != nil {
			return err
		}
		return b.Put(key, value)
	})
	if err != nil {
		t.Fatalf("raw put: %v", err)
	}
}

func fullCall(id string, entered time.Time) *CallRecord {
	return &CallRecord{
		ID: id, Direction: acd.DirectionInbound, Caller: "+15550001", CallerName: "Ada", Called: "100",
		Entry: "100", Queue: "sales", Agent: "a1", AgentChannel: "PJSIP/a1-01", Channel: "PJSIP/trunk-07",
		Entered: entered, Answered: entered.Add(20 * time.Second), Ended: entered.Add(3 * time.Minute),
		Wait: 20 * time.Second, Talk: 160 * time.Second, WrapUp: 30 * time.Second,
		Outcome: acd.OutcomeAnswered, HangupBy: acd.HangupCaller, Cause: "16",
		Recording:   Recording{Name: id, Path: "/var/spool/rec/" + id + ".wav"},
		Disposition: "sale", Notes: "wants the blue one",
		Attempts: []Attempt{
			{Agent: "a2", At: entered.Add(5 * time.Second), Result: acd.AttemptNoAnswer},
			{Agent: "a1", At: entered.Add(15 * time.Second), Result: acd.AttemptAnswered},
		},
		Timeline: []Step{
			{At: entered, Kind: "entered", Detail: "100"},
			{At: entered.Add(20 * time.Second), Kind: "bridged", Agent: "a1"},
		},
	}
}

func TestRoundTrips(t *testing.T) {
	db, _ := openTemp(t)
	want := sampleForms()

	if err := db.SaveCall(want.Call); err != nil {
		t.Fatal(err)
	}
	gotCall, err := db.Call(want.Call.ID)
	if err != nil || !reflect.DeepEqual(gotCall, want.Call) {
		t.Errorf("Call = %+v, %v\nwant %+v", gotCall, err, want.Call)
	}
	if err := db.SaveAgent(&want.Agent); err != nil {
		t.Fatal(err)
	}
	agents, err := db.Agents()
	if err != nil || !reflect.DeepEqual(agents, []AgentState{want.Agent}) {
		t.Errorf("Agents = %+v, %v; want [%+v]", agents, err, want.Agent)
	}
	if err := db.SaveCallback(&want.Callback); err != nil {
		t.Fatal(err)
	}
	cbs, err := db.Callbacks()
	if err != nil || !reflect.DeepEqual(cbs, []Callback{want.Callback}) {
		t.Errorf("Callbacks = %+v, %v; want [%+v]", cbs, err, want.Callback)
	}
	if err := db.SaveActive(&want.Active); err != nil {
		t.Fatal(err)
	}
	acs, err := db.ActiveCalls()
	if err != nil || !reflect.DeepEqual(acs, []ActiveCall{want.Active}) {
		t.Errorf("ActiveCalls = %+v, %v; want [%+v]", acs, err, want.Active)
	}
}

func TestSaveReplacesAndDeleteRemoves(t *testing.T) {
	db, _ := openTemp(t)
	for _, st := range []acd.AgentState{acd.Available, acd.OnCall} {
		if err := db.SaveAgent(&AgentState{ID: "a1", State: st}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.SaveAgent(&AgentState{ID: "a2", State: acd.LoggedOut}); err != nil {
		t.Fatal(err)
	}
	agents, err := db.Agents()
	if err != nil {
		t.Fatal(err)
	}
	want := []AgentState{{ID: "a1", State: acd.OnCall}, {ID: "a2", State: acd.LoggedOut}}
	if !reflect.DeepEqual(agents, want) {
		t.Errorf("Agents = %+v, want %+v", agents, want)
	}

	if err := db.DeleteAgent("a1"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteAgent("nobody"); err != nil {
		t.Errorf("deleting a missing agent: %v", err)
	}
	if err := db.SaveCallback(&Callback{ID: "cb1", State: acd.CallbackDone}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteCallback("cb1"); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveActive(&ActiveCall{CallID: "c1", State: acd.CallQueued}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteActive("c1"); err != nil {
		t.Fatal(err)
	}
	agents, _ = db.Agents()
	cbs, _ := db.Callbacks()
	acs, _ := db.ActiveCalls()
	if len(agents) != 1 || agents[0].ID != "a2" || len(cbs) != 0 || len(acs) != 0 {
		t.Errorf("after deletes: agents %+v, callbacks %+v, active %+v", agents, cbs, acs)
	}
}

func TestCallNotFound(t *testing.T) {
	db, _ := openTemp(t)
	_, err := db.Call("nope")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("Call(missing) = %v, want ErrNotFound", err)
	}
	err = db.View(func(tx *Tx) error {
		_, err := tx.Agent("nope")
		return err
	})
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("Agent(missing) = %v, want ErrNotFound", err)
	}
}

func TestInvalidRecordsAreRefused(t *testing.T) {
	db, _ := openTemp(t)
	for name, err := range map[string]error{
		"call without id":        db.SaveCall(&CallRecord{Entered: t0}),
		"call without entered":   db.SaveCall(&CallRecord{ID: "c1"}),
		"unknown outcome":        db.SaveCall(&CallRecord{ID: "c1", Entered: t0, Outcome: "won"}),
		"unknown attempt":        db.SaveCall(&CallRecord{ID: "c1", Entered: t0, Attempts: []Attempt{{Agent: "a", Result: "meh"}}}),
		"agent without id":       db.SaveAgent(&AgentState{State: acd.Available}),
		"unknown agent state":    db.SaveAgent(&AgentState{ID: "a1", State: acd.AgentState(42)}),
		"unknown call phase":     db.SaveActive(&ActiveCall{CallID: "c1", State: acd.CallPhase(42)}),
		"unknown callback state": db.SaveCallback(&Callback{ID: "cb1", State: "lost"}),
		"callback without id":    db.SaveCallback(&Callback{State: acd.CallbackPending}),
		"active without id":      db.SaveActive(&ActiveCall{State: acd.CallQueued}),
	} {
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	if _, err := db.Call("c1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("an invalid call was stored: %v", err)
	}
}

func TestApplyIsAtomic(t *testing.T) {
	db, _ := openTemp(t)
	if err := db.SaveAgent(&AgentState{ID: "a1", State: acd.OnCall}); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := db.Apply(func(tx *Tx) error {
		if err := tx.SaveCall(fullCall("c1", t0)); err != nil {
			return err
		}
		if err := tx.SaveAgent(&AgentState{ID: "a1", State: acd.WrapUp}); err != nil {
			return err
		}
		if err := tx.SaveActive(&ActiveCall{CallID: "c1", State: acd.CallEnded}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Apply = %v, want boom", err)
	}
	if _, err := db.Call("c1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("call written by a failed Apply: %v", err)
	}
	if calls, _ := db.CollectCalls(Filter{}); len(calls) != 0 {
		t.Errorf("index written by a failed Apply: %+v", calls)
	}
	agents, _ := db.Agents()
	if len(agents) != 1 || agents[0].State != acd.OnCall {
		t.Errorf("agent changed by a failed Apply: %+v", agents)
	}
	if acs, _ := db.ActiveCalls(); len(acs) != 0 {
		t.Errorf("active call written by a failed Apply: %+v", acs)
	}
}

func TestApplyLetsCallerPanicsThrough(t *testing.T) {
	db, _ := openTemp(t)
	defer func() {
		if r := recover(); r != "caller bug" {
			t.Errorf("recovered %v, want the caller's own panic", r)
		}
		if _, err := db.Call("c1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("call written by a panicking Apply: %v", err)
		}
		// The writer lock must have been released.
		if err := db.SaveAgent(&AgentState{ID: "a1"}); err != nil {
			t.Errorf("write after a panic: %v", err)
		}
	}()
	_ = db.Apply(func(tx *Tx) error {
		_ = tx.SaveCall(fullCall("c1", t0))
		panic("caller bug")
	})
}

func TestFinishCall(t *testing.T) {
	db, _ := openTemp(t)
	if err := db.SaveActive(&ActiveCall{CallID: "c1", State: acd.CallBridged, Agent: "a1"}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveActive(&ActiveCall{CallID: "c2", State: acd.CallQueued}); err != nil {
		t.Fatal(err)
	}
	rec := fullCall("c1", t0)
	if err := db.FinishCall(rec, &AgentState{ID: "a1", State: acd.WrapUp, CallsTaken: 1}); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Call("c1"); err != nil || got.Outcome != acd.OutcomeAnswered {
		t.Errorf("Call = %+v, %v", got, err)
	}
	acs, _ := db.ActiveCalls()
	if len(acs) != 1 || acs[0].CallID != "c2" {
		t.Errorf("ActiveCalls = %+v, want only c2", acs)
	}
	agents, _ := db.Agents()
	if len(agents) != 1 || agents[0].State != acd.WrapUp || agents[0].CallsTaken != 1 {
		t.Errorf("Agents = %+v", agents)
	}

	// An invalid agent state fails the whole finish: the active call stays.
	if err := db.SaveActive(&ActiveCall{CallID: "c3", State: acd.CallBridged}); err != nil {
		t.Fatal(err)
	}
	err := db.FinishCall(fullCall("c3", t0), &AgentState{ID: "a1", State: acd.AgentState(99)})
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("FinishCall with a bad agent = %v, want ErrInvalid", err)
	}
	if _, err := db.Call("c3"); !errors.Is(err, ErrNotFound) {
		t.Errorf("record of a failed finish was kept: %v", err)
	}
	if acs, _ := db.ActiveCalls(); len(acs) != 2 {
		t.Errorf("active call of a failed finish was removed: %+v", acs)
	}
}

func TestViewCannotWrite(t *testing.T) {
	db, _ := openTemp(t)
	err := db.View(func(tx *Tx) error { return tx.SaveAgent(&AgentState{ID: "a1"}) })
	if err == nil {
		t.Fatal("a write inside View succeeded")
	}
	if agents, _ := db.Agents(); len(agents) != 0 {
		t.Errorf("View wrote %+v", agents)
	}
}

func TestReopenKeepsData(t *testing.T) {
	db, path := openTemp(t)
	if err := db.SaveCall(fullCall("c1", t0)); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveAgent(&AgentState{ID: "a1", State: acd.Paused}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveCallback(&Callback{ID: "cb1", State: acd.CallbackPending}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveActive(&ActiveCall{CallID: "c2", State: acd.CallOffering}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Call("c1"); !errors.Is(err, ErrClosed) {
		t.Errorf("Call after Close = %v, want ErrClosed", err)
	}

	db2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if got, err := db2.Call("c1"); err != nil || !reflect.DeepEqual(got, fullCall("c1", t0)) {
		t.Errorf("Call after reopen = %+v, %v", got, err)
	}
	calls, err := db2.CollectCalls(Filter{})
	if err != nil || len(calls) != 1 {
		t.Errorf("CollectCalls after reopen = %d records, %v", len(calls), err)
	}
	agents, _ := db2.Agents()
	cbs, _ := db2.Callbacks()
	acs, _ := db2.ActiveCalls()
	if len(agents) != 1 || len(cbs) != 1 || len(acs) != 1 {
		t.Errorf("after reopen: %d agents, %d callbacks, %d active; want 1 each", len(agents), len(cbs), len(acs))
	}
}

func TestDecodeErrorDoesNotStopListing(t *testing.T) {
	db, path := openTemp(t)
	for _, id := range []string{"a1", "a3"} {
		if err := db.SaveAgent(&AgentState{ID: id, State: acd.Available}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.SaveCall(fullCall("c1", t0)); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveCall(fullCall("c3", t0.Add(2*time.Minute))); err != nil {
		t.Fatal(err)
	}
	db.Close()
	rawPut(t, path, bucketAgents, []byte("a2"), []byte(`{"id":"a2","state":`))
	rawPut(t, path, bucketAgents, []byte("a4"), []byte(`{}`)) // decodes, but is no agent a4
	rawPut(t, path, bucketCalls, []byte("c2"), []byte(`not json`))
	rawPut(t, path, bucketCallIndex, indexKey(t0.Add(time.Minute), "c2"), []byte{})

	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	agents, err := db.Agents()
	if len(agents) != 2 || agents[0].ID != "a1" || agents[1].ID != "a3" {
		t.Errorf("Agents kept %+v, want a1 and a3", agents)
	}
	var de *DecodeError
	if !errors.Is(err, ErrDecode) || !errors.As(err, &de) || de.Bucket != "agents" || de.Key != "a2" {
		t.Errorf("Agents err = %v, want a DecodeError for agents/a2", err)
	}
	if err == nil || !strings.Contains(err.Error(), `"a4"`) {
		t.Errorf("Agents err = %v, want it to name a4 too", err)
	}

	var ids []string
	var bad []error
	for c, err := range db.Calls(Filter{}) {
		if err != nil {
			bad = append(bad, err)
			continue
		}
		ids = append(ids, c.ID)
	}
	if !reflect.DeepEqual(ids, []string{"c1", "c3"}) {
		t.Errorf("Calls yielded %v, want c1 c3", ids)
	}
	if len(bad) != 1 || !errors.As(bad[0], &de) || de.Bucket != "calls" || de.Key != "c2" {
		t.Errorf("Calls errors = %v, want one DecodeError for calls/c2", bad)
	}
	if _, err := db.Call("c2"); !errors.Is(err, ErrDecode) {
		t.Errorf("Call(c2) = %v, want ErrDecode", err)
	}

	// The bad record is still there: re-saving c2 replaces it and lists it.
	if err := db.SaveCall(fullCall("c2", t0.Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	calls, err := db.CollectCalls(Filter{})
	if err != nil || len(calls) != 3 {
		t.Errorf("after repair: %d calls, %v", len(calls), err)
	}
}

func TestConcurrentUse(t *testing.T) {
	db, _ := openTemp(t)
	const writers, each = 4, 10
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range each {
				c := fullCall(string(rune('a'+w))+"-"+string(rune('0'+i)), t0.Add(time.Duration(w*each+i)*time.Second))
				if err := db.SaveCall(c); err != nil {
					t.Error(err)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range each {
				for _, err := range db.Calls(Filter{Queue: "sales"}) {
					if err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	calls, err := db.CollectCalls(Filter{})
	if err != nil || len(calls) != writers*each {
		t.Errorf("%d calls stored, %v; want %d", len(calls), err, writers*each)
	}
}
