package store

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/contact"
)

// Every search key finds its calls, sealed or not; a contact's calls come
// from its history, in time order, within a range.
func TestCallSearchFilters(t *testing.T) {
	for _, sealed := range []bool{false, true} {
		db, _ := openTemp(t)
		if sealed {
			db.SealCalls(ring(t, testKeys(t, "k1")...), "US")
		}
		recs := []CallRecord{
			{ID: "a", Caller: "+12125550101", Contact: 1, Queue: "support", Agent: "alice", Disposition: "solved", Notes: "Router reset fixed it"},
			{ID: "b", Caller: "+12125550101", Contact: 1, Queue: "billing", Agent: "bob", Disposition: "refund", Notes: "double charge"},
			{ID: "c", Caller: "+12125550102", Contact: 2, Queue: "support", Agent: "alice", Disposition: "solved", Notes: "password"},
			{ID: "d", Direction: acd.DirectionOutbound, Called: "+12125550103", Entry: CampaignEntry("renewals"), Agent: "bob", Disposition: "sale"},
			// carol (sales) took it and sent it to billing, where bob took it
			{ID: "e", Caller: "+12125550104", Queue: "billing", Agent: "bob", Disposition: "refund",
				Legs:     []Leg{{Agent: "carol", Queue: "sales"}, {Agent: "bob", Queue: "billing", Via: acd.TransferBlind, From: "carol"}},
				Timeline: []Step{{Kind: "enqueue", Detail: "sales"}, {Kind: "transfer", Agent: "carol"}, {Kind: "enqueue", Detail: "billing"}}},
		}
		for i := range recs {
			recs[i].Entered = ct0.Add(time.Duration(i) * time.Hour)
			if err := db.SaveCall(&recs[i]); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			name string
			f    Filter
			want []string
		}{
			{"contact", Filter{Contact: 1}, []string{"a", "b"}},
			{"contact newest first", Filter{Contact: 1, Descending: true}, []string{"b", "a"}},
			{"contact in a range", Filter{Contact: 1, From: ct0.Add(30 * time.Minute)}, []string{"b"}},
			{"contact and agent", Filter{Contact: 1, Agent: "alice"}, []string{"a"}},
			{"campaign", Filter{Campaign: "renewals"}, []string{"d"}},
			{"disposition", Filter{Disposition: "solved"}, []string{"a", "c"}},
			{"text, any case", Filter{Text: "ROUTER"}, []string{"a"}},
			{"number", Filter{Number: "(212) 555-0101"}, []string{"a", "b"}},
			{"outbound number", Filter{Number: "+12125550103"}, []string{"d"}},
			{"queue and text", Filter{Queue: "support", Text: "pass"}, []string{"c"}},
			{"agent who transferred it", Filter{Agent: "carol"}, []string{"e"}},
			{"last agent", Filter{Agent: "bob", Disposition: "refund"}, []string{"b", "e"}},
			{"queue it was transferred from", Filter{Queue: "sales"}, []string{"e"}},
			{"last queue", Filter{Queue: "billing"}, []string{"b", "e"}},
			{"limit", Filter{Disposition: "solved", Limit: 1, Descending: true}, []string{"c"}},
		} {
			got, err := db.CollectCalls(tc.f)
			if err != nil || !slices.Equal(ids(got), tc.want) {
				t.Errorf("sealed %t, %s: %v %v, want %v", sealed, tc.name, ids(got), err, tc.want)
			}
		}
	}
}

// A later call from a contact on the same topic within the window (even
// one not answered: the customer had to call again) marks the earlier
// answered call not resolved at the first contact; other topics, other
// contacts, calls outside the window and unanswered calls are left alone.
func TestRepeatContactMarksEarlierCall(t *testing.T) {
	db, _ := openTemp(t)
	db.SealCalls(ring(t, testKeys(t, "k1")...), "US")
	db.TrackRepeats(7 * 24 * time.Hour)
	day := 24 * time.Hour
	save := func(id string, c contact.ID, at time.Duration, queue, reason string, answered bool) {
		t.Helper()
		rec := &CallRecord{ID: id, Caller: "+12125550101", Contact: c, Entered: ct0.Add(at), Queue: queue, Reason: reason,
			Outcome: acd.OutcomeAbandoned}
		if answered {
			rec.Outcome, rec.Answered, rec.Agent = acd.OutcomeAnswered, rec.Entered.Add(time.Second), "alice"
		}
		if err := db.SaveCall(rec); err != nil {
			t.Fatal(err)
		}
	}
	save("old", 1, 0, "support", "", true)          // 8 days before "first": out of its window
	save("first", 1, 8*day, "support", "", true)    // repeated by "missed": the customer called again
	save("billing", 1, 9*day, "billing", "", true)  // another topic
	save("missed", 1, 10*day, "support", "", false) // not answered: nothing resolved to undo
	save("other", 2, 11*day, "support", "", true)   // another contact
	save("again", 1, 12*day, "support", "", true)   // "first" is marked already, "missed" was never answered
	save("reasoned", 1, 12*day+time.Hour, "x", "router", true)
	save("reasoned2", 1, 13*day, "y", "router", true) // same reason, other queue: a repeat
	want := map[string]string{"old": "", "first": "missed", "billing": "", "missed": "", "other": "", "again": "",
		"reasoned": "reasoned2", "reasoned2": ""}
	for id, by := range want {
		c, err := db.Call(id)
		if err != nil || c.RepeatedBy != by {
			t.Errorf("%s: repeated by %q (%v), want %q", id, c.RepeatedBy, err, by)
		}
	}
	// The mark survives the earlier call's later saves and shows in the history.
	first, _ := db.Call("first")
	first.Disposition = "solved"
	db.SaveCall(first)
	if c, _ := db.Call("first"); c.RepeatedBy != "missed" || c.Caller != "+12125550101" {
		t.Fatalf("after a re-save: %+v", c)
	}
	h, _ := db.Contacts(ring(t, testKeys(t, "k1")...)).History(1, 0, 10)
	for _, in := range h {
		if in.Repeated != (want[in.CallID] != "") {
			t.Errorf("history of %s: repeated %t", in.CallID, in.Repeated)
		}
	}
}

// With keys the reason an agent filed is sealed in the call record and
// kept in the contact's history as its keyed hash: the file holds it
// nowhere, the record opens it, and a later call filed the same way is a
// repeat, also of a call whose history entry was written in clear before
// the keys and after a key rotation.
func TestFiledReasonIsSealed(t *testing.T) {
	db, path := openTemp(t)
	db.TrackRepeats(7 * 24 * time.Hour)
	save := func(id string, at time.Duration, reason string) {
		t.Helper()
		rec := &CallRecord{ID: id, Caller: "+12125550101", Contact: 1, Entered: ct0.Add(at), Queue: "support", Reason: reason,
			Outcome: acd.OutcomeAnswered, Answered: ct0.Add(at + time.Second), Agent: "alice"}
		if err := db.SaveCall(rec); err != nil {
			t.Fatal(err)
		}
	}
	save("clear", 0, "Lost parcel") // before the keys
	k1 := testKeys(t, "k1")
	db.SealCalls(ring(t, k1...), "US")
	save("sealed", time.Hour, "Lost parcel") // a repeat of "clear"
	k2 := testKeys(t, "k2")
	db.SealCalls(ring(t, append(k2, k1...)...), "US") // k2 seals now, k1 still opens
	save("rotated", 2*time.Hour, "Lost parcel")       // a repeat of "sealed"
	for id, by := range map[string]string{"clear": "sealed", "sealed": "rotated", "rotated": ""} {
		c, err := db.Call(id)
		if err != nil || c.RepeatedBy != by || c.Reason != "Lost parcel" {
			t.Errorf("%s: repeated by %q, reason %q (%v), want %q and the reason", id, c.RepeatedBy, c.Reason, err, by)
		}
	}
	topics := func() []string {
		h, err := db.Contacts(nil).History(1, 0, 10)
		if err != nil || len(h) != 3 {
			t.Fatalf("history: %v %v", h, err)
		}
		var out []string
		for _, in := range h {
			out = append(out, in.Topic)
		}
		return out
	}
	if got := topics(); !slices.Equal(got, []string{"Lost parcel", "Lost parcel", "Lost parcel"}) {
		t.Errorf("history topics with the keys: %q", got)
	}
	db.SealCalls(nil, "US")
	if got := topics(); !slices.Equal(got, []string{"", "", ""}) {
		t.Errorf("history topics without the keys: %q", got)
	}
	// "clear" was saved again as a repeat, so it is sealed now too.
	db.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("Lost parcel")) {
		t.Error("the store file holds the filed reason in clear")
	}
}

// A record sealed before filed reasons were keeps its reason in clear
// beside the sealed part: it reads with its reason, and a reseal seals it.
func TestFiledReasonOfAnOldSealedRecord(t *testing.T) {
	db, _ := openTemp(t)
	db.SealCalls(ring(t, testKeys(t, "k1")...), "US")
	rec := &CallRecord{ID: "old", Caller: "+12125550101", Entered: ct0, Queue: "support", Notes: "sealed already"}
	if err := db.SaveCall(rec); err != nil {
		t.Fatal(err)
	}
	err := db.Apply(func(tx *Tx) error { // as the code before wrote it
		b := tx.btx.Bucket(bucketCalls)
		var m map[string]any
		if err := json.Unmarshal(b.Get([]byte("old")), &m); err != nil {
			return err
		}
		m["reason"] = "Lost parcel"
		v, err := json.Marshal(m)
		if err != nil {
			return err
		}
		return b.Put([]byte("old"), v)
	})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := db.Call("old"); err != nil || c.Reason != "Lost parcel" || c.Notes != "sealed already" {
		t.Fatalf("read: %+v %v; want its reason and notes", c, err)
	}
	if _, n, err := db.ResealCalls("", 10); err != nil || n != 1 {
		t.Fatalf("reseal: %d %v; want the record sealed again", n, err)
	}
	if c, err := db.Call("old"); err != nil || c.Reason != "Lost parcel" {
		t.Fatalf("after the reseal: %+v %v", c, err)
	}
	// The stored record (the file's free pages may keep the old one until
	// they are reused).
	err = db.View(func(tx *Tx) error {
		if v := tx.btx.Bucket(bucketCalls).Get([]byte("old")); bytes.Contains(v, []byte("Lost parcel")) {
			t.Errorf("the reason is still in clear after the reseal: %s", v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
