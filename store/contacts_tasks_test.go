package store

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/contact"
)

// A known customer's missed call becomes one open task (however often its
// record is saved); agents claim the oldest first, never the same one, and
// close it with a result.
func TestMissedCallsBecomeTasks(t *testing.T) {
	db, _ := openTemp(t)
	db.SealCalls(ring(t, testKeys(t, "k1")...), "US")
	save := func(c CallRecord) {
		t.Helper()
		c.Caller = "+12125550101"
		if err := db.SaveCall(&c); err != nil {
			t.Fatal(err)
		}
	}
	end := func(at time.Duration) (time.Time, time.Time) { return ct0.Add(at), ct0.Add(at + time.Minute) }
	e, x := end(0)
	save(CallRecord{ID: "live", Contact: 1, Entered: e, Outcome: acd.OutcomeInProgress}) // not ended yet
	save(CallRecord{ID: "abandoned", Contact: 1, Queue: "support", Entered: e, Ended: x, Outcome: acd.OutcomeAbandoned})
	save(CallRecord{ID: "abandoned", Contact: 1, Queue: "support", Entered: e, Ended: x, Outcome: acd.OutcomeAbandoned, Disposition: "x"})
	e, x = end(time.Hour)
	save(CallRecord{ID: "closed", Contact: 2, Entered: e, Ended: x, Outcome: acd.OutcomeSelfService,
		Timeline: []Step{{At: e, Kind: "hours", Detail: "closed"}}})
	e, x = end(2 * time.Hour)
	save(CallRecord{ID: "message", Contact: 3, Entered: e, Ended: x, Outcome: acd.OutcomeSelfService,
		Timeline: []Step{{At: e, Kind: "voicemail", Detail: "main/vm"}}})
	save(CallRecord{ID: "answered", Contact: 1, Entered: e, Ended: x, Answered: e, Outcome: acd.OutcomeAnswered})
	save(CallRecord{ID: "anonymous", Entered: e, Ended: x, Outcome: acd.OutcomeAbandoned})

	open, err := db.Tasks(contact.TaskOpen)
	if err != nil || len(open) != 3 {
		t.Fatalf("open tasks %+v %v", open, err)
	}
	for i, want := range []struct{ call, reason string }{{"abandoned", contact.MissedAbandoned},
		{"closed", contact.MissedAfterHours}, {"message", contact.MissedVoicemail}} {
		if open[i].CallID != want.call || open[i].Reason != want.reason {
			t.Errorf("task %d: %+v, want call %s reason %s", i, open[i], want.call, want.reason)
		}
	}

	ann, err := db.ClaimTask("ann", ct0.Add(3*time.Hour), nil)
	if err != nil || ann.CallID != "abandoned" || ann.State != contact.TaskClaimed {
		t.Fatalf("ann claims %+v %v", ann, err)
	}
	if again, _ := db.ClaimTask("ann", ct0.Add(3*time.Hour), nil); again.ID != ann.ID {
		t.Fatalf("ann asks again and gets %s, not her own %s", again.ID, ann.ID)
	}
	// eve takes only support's tasks: its one is ann's.
	if k, err := db.ClaimTask("eve", ct0.Add(3*time.Hour), func(k *contact.Task) bool { return k.Queue == "support" }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("eve claims %+v (%v), want none of support's left", k, err)
	}
	bob, _ := db.ClaimTask("bob", ct0.Add(3*time.Hour), nil)
	if bob.CallID != "closed" {
		t.Fatalf("bob claims %+v", bob)
	}
	if _, err := db.UpdateTask(ann.ID, func(k *contact.Task) error { return k.Close("bob", "reached", ct0) }); !errors.Is(err, contact.ErrTaskMove) {
		t.Fatalf("bob closes ann's task: %v", err)
	}
	done, err := db.UpdateTask(ann.ID, func(k *contact.Task) error { return k.Close("ann", "reached", ct0.Add(4*time.Hour)) })
	if err != nil || done.State != contact.TaskClosed || done.Result != "reached" {
		t.Fatalf("close: %+v %v", done, err)
	}
	db.ClaimTask("cy", ct0, nil)
	if _, err := db.ClaimTask("dan", ct0, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("no open task left: %v", err)
	}
}

// OnTasks is told of each commit that wrote a task (opened, claimed,
// closed), and of no other: not a call that makes no task, not a save
// that finds its task there, not a refused move.
func TestOnTasks(t *testing.T) {
	db, _ := openTemp(t)
	db.SealCalls(ring(t, testKeys(t, "k1")...), "US")
	n, last := 0, contact.Task{}
	db.OnTasks(func(written []contact.Task) {
		n++
		if len(written) != 1 {
			t.Errorf("told of %d tasks in one write, want 1: %+v", len(written), written)
		}
		last = written[len(written)-1]
	})
	step := func(what string, want int, fn func() error) {
		t.Helper()
		err := fn()
		if err != nil && !errors.Is(err, contact.ErrTaskMove) {
			t.Fatalf("%s: %v", what, err)
		}
		if n != want {
			t.Errorf("after %s: told %d times, want %d", what, n, want)
		}
	}
	told := func(state contact.TaskState, agent string) {
		t.Helper()
		if last.ID != "t-abandoned" || last.State != state || last.Agent != agent {
			t.Errorf("told of %+v, want t-abandoned %s by %q", last, state, agent)
		}
	}
	e, x := ct0, ct0.Add(time.Minute)
	missed := CallRecord{ID: "abandoned", Caller: "+12125550101", Contact: 1, Entered: e, Ended: x, Outcome: acd.OutcomeAbandoned}
	answered := CallRecord{ID: "answered", Caller: "+12125550101", Contact: 1, Entered: e, Ended: x, Answered: e, Outcome: acd.OutcomeAnswered}
	step("an answered call", 0, func() error { return db.SaveCall(&answered) })
	step("a missed call", 1, func() error { return db.SaveCall(&missed) })
	step("the missed call saved again", 1, func() error { return db.SaveCall(&missed) })
	told(contact.TaskOpen, "")
	var k contact.Task
	step("a claim", 2, func() (err error) { k, err = db.ClaimTask("ann", x, nil); return err })
	told(contact.TaskClaimed, "ann")
	step("a refused close", 2, func() error {
		_, err := db.UpdateTask(k.ID, func(k *contact.Task) error { return k.Close("bob", "reached", x) })
		return err
	})
	step("a close", 3, func() error {
		_, err := db.UpdateTask(k.ID, func(k *contact.Task) error { return k.Close("ann", "reached", x) })
		return err
	})
	told(contact.TaskClosed, "ann")
}

// TasksOf finds a contact's tasks through its calls, and no one else's; a
// merge brings the duplicate's tasks with its calls.
func TestTasksOfContact(t *testing.T) {
	db, _ := openTemp(t)
	keys := ring(t, testKeys(t, "k1")...)
	db.SealCalls(keys, "US")
	book := db.Contacts(keys)
	var ids [3]contact.ID
	for i, phone := range []string{"+12125550101", "+12125550102", "+12125550103"} {
		c := contact.Contact{Phones: []string{phone}}
		if err := book.Create(&c, ct0); err != nil {
			t.Fatal(err)
		}
		ids[i] = c.ID
	}
	missed := func(id string, who int, at time.Duration) {
		t.Helper()
		e := ct0.Add(at)
		c := CallRecord{ID: id, Caller: "+1212555010" + string(rune('1'+who)), Contact: ids[who], Queue: "support",
			Entered: e, Ended: e.Add(time.Minute), Outcome: acd.OutcomeAbandoned}
		if err := db.SaveCall(&c); err != nil {
			t.Fatal(err)
		}
	}
	missed("a1", 0, 0)
	missed("b1", 1, time.Hour)
	missed("a2", 0, 2*time.Hour)
	e := ct0.Add(3 * time.Hour)
	if err := db.SaveCall(&CallRecord{ID: "a3", Caller: "+12125550101", Contact: ids[0], Entered: e, Ended: e.Add(time.Minute),
		Answered: e, Outcome: acd.OutcomeAnswered}); err != nil {
		t.Fatal(err)
	}
	calls := func(id contact.ID) (out []string) {
		t.Helper()
		ts, err := book.TasksOf(id)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range ts {
			out = append(out, k.CallID)
		}
		return out
	}
	if got := calls(ids[0]); !slices.Equal(got, []string{"a1", "a2"}) {
		t.Errorf("first contact's tasks: %v, want a1 a2 (a3 was answered)", got)
	}
	if got := calls(ids[2]); len(got) != 0 {
		t.Errorf("third contact's tasks: %v, want none", got)
	}
	if _, err := book.Merge(ids[0], ids[1], ct0.Add(4*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := calls(ids[0]); !slices.Equal(got, []string{"a1", "b1", "a2"}) {
		t.Errorf("after the merge: %v, want a1 b1 a2", got)
	}
}

// BenchmarkTasksOf opens one contact's tasks among 20,000 tasks of 2,000
// customers; BenchmarkTasksScan reads them all, as the contact scope did.
func BenchmarkTasksOf(b *testing.B) { benchTasks(b, true) }

func BenchmarkTasksScan(b *testing.B) { benchTasks(b, false) }

func benchTasks(b *testing.B, indexed bool) {
	db, _ := openTemp(b)
	keys := ring(b, testKeys(b, "k1")...)
	db.SealCalls(keys, "US")
	book := db.Contacts(keys)
	const customers, each = 2000, 10
	var ids []contact.ID
	for i := range customers {
		c := contact.Contact{Phones: []string{fmt.Sprintf("+1212555%04d", i)}}
		if err := book.Create(&c, ct0); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	err := db.Apply(func(tx *Tx) error {
		for n := range customers * each {
			i := n % customers
			e := ct0.Add(time.Duration(n) * time.Second)
			c := CallRecord{ID: fmt.Sprintf("c%d", n), Caller: fmt.Sprintf("+1212555%04d", i), Contact: ids[i], Queue: "support",
				Entered: e, Ended: e.Add(time.Minute), Outcome: acd.OutcomeAbandoned}
			if err := tx.SaveCall(&c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	want := ids[customers/2]
	b.ResetTimer()
	for range b.N {
		var n int
		if indexed {
			ts, err := book.TasksOf(want)
			if err != nil {
				b.Fatal(err)
			}
			n = len(ts)
		} else {
			ts, err := db.Tasks("")
			if err != nil {
				b.Fatal(err)
			}
			for _, k := range ts {
				if k.Contact == want {
					n++
				}
			}
		}
		if n != each {
			b.Fatalf("%d tasks, want %d", n, each)
		}
	}
}

// A task's result is sealed with the call records: the stored task holds
// it sealed, the keys read it back, a store without them reads it blank
// and loses nothing on a save; a result written in clear before the key is
// counted stale and sealed by the reseal walk.
func TestTaskResultIsSealed(t *testing.T) {
	db, _ := openTemp(t)
	keys := ring(t, testKeys(t, "k1")...)
	const result = "refund of 42 promised to Ms Dupont"
	stored := func(id string) []byte {
		t.Helper()
		var v []byte
		if err := db.View(func(tx *Tx) error { v = bytes.Clone(tx.btx.Bucket(bucketTasks).Get([]byte(id))); return nil }); err != nil {
			t.Fatal(err)
		}
		return v
	}
	closeTask := func(call string) contact.Task {
		t.Helper()
		if err := db.SaveCall(&CallRecord{ID: call, Caller: "+12125550101", Contact: 1, Queue: "support", Entered: ct0, Ended: ct0.Add(time.Minute), Outcome: acd.OutcomeAbandoned}); err != nil {
			t.Fatal(err)
		}
		k, err := db.ClaimTask("ann", ct0.Add(time.Hour), nil)
		if err != nil {
			t.Fatal(err)
		}
		k, err = db.UpdateTask(k.ID, func(k *contact.Task) error { return k.Close("ann", result, ct0.Add(2*time.Hour)) })
		if err != nil || k.Result != result {
			t.Fatalf("close %s: %+v %v", call, k, err)
		}
		return k
	}

	// Written in clear, before there was a key.
	old := closeTask("before")
	if !bytes.Contains(stored(old.ID), []byte(result)) {
		t.Fatalf("without a key the result is kept as it is: %s", stored(old.ID))
	}
	db.SealCalls(keys, "US")
	if n, err := db.StaleCalls(); err != nil || n != 2 { // its call record and its result
		t.Fatalf("stale: %d %v; want the call record and the task's result", n, err)
	}
	k := closeTask("after")
	if v := stored(k.ID); bytes.Contains(v, []byte(result)) || !bytes.Contains(v, []byte("sealed_result")) {
		t.Fatalf("the store holds the result in clear: %s", v)
	}
	for _, id := range []string{old.ID, k.ID} {
		if got, err := db.Task(id); err != nil || got.Result != result {
			t.Errorf("task %s with the key: %+v %v", id, got, err)
		}
	}
	if _, _, err := db.ResealCalls("", 10); err != nil {
		t.Fatal(err)
	}
	if v := stored(old.ID); bytes.Contains(v, []byte(result)) {
		t.Errorf("the reseal left the result in clear: %s", v)
	}
	if n, err := db.StaleCalls(); err != nil || n != 0 {
		t.Errorf("stale after the reseal: %d %v", n, err)
	}
	all, err := db.Tasks(contact.TaskClosed)
	if err != nil || len(all) != 2 || all[0].Result != result || all[1].Result != result {
		t.Fatalf("closed tasks with the key: %+v %v", all, err)
	}

	// Without the keys: blank, and a save keeps the sealed result.
	db.SealCalls(nil, "US")
	if got, err := db.Task(k.ID); err != nil || got.Result != "" || got.State != contact.TaskClosed {
		t.Fatalf("without the keys: %+v %v", got, err)
	}
	if _, err := db.UpdateTask(k.ID, func(*contact.Task) error { return nil }); err != nil {
		t.Fatal(err)
	}
	db.SealCalls(keys, "US")
	if got, err := db.Task(k.ID); err != nil || got.Result != result {
		t.Fatalf("saved without the keys, then read with them: %+v %v", got, err)
	}
}
