package store

import (
	"errors"
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
