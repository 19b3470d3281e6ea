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

	ann, err := db.ClaimTask("ann", ct0.Add(3*time.Hour))
	if err != nil || ann.CallID != "abandoned" || ann.State != contact.TaskClaimed {
		t.Fatalf("ann claims %+v %v", ann, err)
	}
	if again, _ := db.ClaimTask("ann", ct0.Add(3*time.Hour)); again.ID != ann.ID {
		t.Fatalf("ann asks again and gets %s, not her own %s", again.ID, ann.ID)
	}
	bob, _ := db.ClaimTask("bob", ct0.Add(3*time.Hour))
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
	db.ClaimTask("cy", ct0)
	if _, err := db.ClaimTask("dan", ct0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("no open task left: %v", err)
	}
}
