package store

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/acd/ivr"
	"github.com/hotline-cc/hotline/internal/seal"
)

// plantedCall carries a personal value in every field that holds one.
func plantedCall(id, caller string, entered time.Time) *CallRecord {
	return &CallRecord{ID: id, Direction: acd.DirectionInbound, Queue: "support", Agent: "alice",
		Caller: caller, CallerName: "Ottoline Vantablack", Called: "+18005550100",
		Entered: entered, Ended: entered.Add(5 * time.Minute), Talk: 4 * time.Minute,
		Outcome: acd.OutcomeAnswered, Disposition: "solved", Notes: "card ends 4242 quokka",
		Recording: Recording{Name: "rec-quokka.wav", Path: "/rec/quokka/" + id + ".wav"},
		Timeline: []Step{{At: entered, Kind: "arrived", Detail: "from=" + caller}, {At: entered, Kind: "collected", Detail: "account 99887766"},
			{At: entered, Kind: "blind-transfer", Detail: "to +12125550166"}, {At: entered, Kind: "enqueue", Detail: "support-tier2"}},
		Legs: []Leg{{Agent: "alice", Start: entered}, {Number: "+13105550177", Start: entered.Add(time.Minute)}}}
}

func reopen(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// A copied store file shows no planted call value, even after the record
// was re-saved as a live call is; with the key every value reads back, and
// without it the figures still do.
func TestCallRecordsRawFileHoldsNoPlainText(t *testing.T) {
	db, path := openTemp(t)
	keys := ring(t, testKeys(t, "k1")...)
	db.SealCalls(keys, "US")
	rec := plantedCall("c1", "+12125550199", ct0)
	live := *rec
	live.Ended, live.Outcome, live.Notes = time.Time{}, acd.OutcomeInProgress, ""
	live.Timeline = rec.Timeline[:2]
	if err := db.SaveCall(&live); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveCall(rec); err != nil {
		t.Fatal(err)
	}
	flow := &ivr.State{Node: "account", Buf: "5566", Vars: map[string]string{ivr.VarCaller: "+12125550199", "pin": "73917391"}}
	oc := &contact.OnCall{ID: 3, Known: true, Tags: []string{"platypus"}, PreferredAgent: "alice"}
	if err := db.SaveActive(&ActiveCall{CallID: "c1", State: acd.CallMenu, Recording: "/rec/quokka/c1.wav", Flow: flow, Contact: oc}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveCallback(&Callback{ID: "cb1", Queue: "support", Number: "+13105550188", State: acd.CallbackPending}); err != nil {
		t.Fatal(err)
	}
	if cbs, err := db.Callbacks(); err != nil || len(cbs) != 1 || cbs[0].Number != "+13105550188" {
		t.Fatalf("callback with the key: %+v %v", cbs, err)
	}
	if acs, err := db.ActiveCalls(); err != nil || len(acs) != 1 || !acs[0].Flow.Equal(*flow) || acs[0].Recording != "/rec/quokka/c1.wav" ||
		acs[0].Contact == nil || !slices.Equal(acs[0].Contact.Tags, oc.Tags) || acs[0].Contact.PreferredAgent != "alice" {
		t.Fatalf("active call with the key: %+v %v", acs, err)
	}
	db.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, planted := range []string{"+12125550199", "2125550199", "Ottoline", "Vantablack", "8005550100", "4242 quokka",
		"quokka", "99887766", "2125550166", "73917391", "3105550177", "3105550188", "platypus"} {
		if bytes.Contains(raw, []byte(planted)) {
			t.Errorf("store file holds %q in clear", planted)
		}
	}
	for _, figure := range []string{`"queue":"support"`, `"disposition":"solved"`, `"detail":"support-tier2"`} {
		if !bytes.Contains(raw, []byte(figure)) {
			t.Errorf("store file lost the figure %s", figure)
		}
	}

	db = reopen(t, path)
	db.SealCalls(keys, "US")
	got, err := db.Call("c1")
	if err != nil || got.Caller != rec.Caller || got.Notes != rec.Notes || got.Recording != rec.Recording ||
		got.Timeline[1].Detail != "account 99887766" || got.Legs[1].Number != "+13105550177" || got.Timeline[2].Detail != "to +12125550166" || got.Sealed != nil {
		t.Fatalf("with the key: %+v %v", got, err)
	}
	db.Close()

	db = reopen(t, path)
	blind, err := db.Call("c1")
	if err != nil || blind.Caller != "" || blind.Notes != "" || blind.Timeline[1].Detail != "" || blind.Sealed == nil {
		t.Fatalf("without the key: %+v %v", blind, err)
	}
	if blind.Talk != 4*time.Minute || blind.Queue != "support" || blind.Disposition != "solved" || blind.Timeline[3].Detail != "support-tier2" {
		t.Fatalf("without the key the figures are lost: %+v", blind)
	}
	// Saved again without the key (a daemon started without it): the
	// sealed part stays, and opens once the key is back.
	blind.Disposition = "escalated"
	if err := db.SaveCall(blind); err != nil {
		t.Fatal(err)
	}
	db.SealCalls(keys, "US")
	if back, _ := db.Call("c1"); back.Notes != rec.Notes || back.Disposition != "escalated" {
		t.Fatalf("sealed part lost by a save without the key: %+v", back)
	}
}

// A store of clear records (written before any key) still opens and reads;
// the number search finds them by scanning until ResealCalls has sealed and
// indexed them all, then through the index.
func TestClearRecordsStillReadAndGetSealed(t *testing.T) {
	db, path := openTemp(t)
	for i := range 30 {
		num := fmt.Sprintf("+1212555%04d", 200+i%3)
		if err := db.SaveCall(plantedCall(fmt.Sprintf("c%02d", i), num, ct0.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	db = reopen(t, path)
	keys := ring(t, testKeys(t, "k1")...)
	db.SealCalls(keys, "US")
	byNumber := func(number string, f Filter) []string {
		t.Helper()
		f.Number = number
		recs, err := db.CollectCalls(f)
		if err != nil {
			t.Fatal(err)
		}
		return ids(recs)
	}
	want := []string{"c28", "c25", "c22", "c19", "c16", "c13", "c10", "c07", "c04", "c01"}
	if got := byNumber("(212) 555-0201", Filter{Descending: true}); !slices.Equal(got, want) {
		t.Fatalf("clear records by number: %v", got)
	}
	if n, err := db.StaleCalls(); err != nil || n != 30 {
		t.Fatalf("stale before: %d %v", n, err)
	}
	next, total := "", 0
	for {
		n, resealed, err := db.ResealCalls(next, 7)
		if err != nil {
			t.Fatal(err)
		}
		total += resealed
		if next = n; next == "" {
			break
		}
	}
	if n, err := db.StaleCalls(); total != 30 || err != nil || n != 0 {
		t.Fatalf("resealed %d, stale after: %d %v", total, n, err)
	}
	db.View(func(tx *Tx) error {
		if !tx.numberIndexComplete() {
			t.Error("number index not marked complete after the walk")
		}
		return nil
	})
	if got := byNumber("+12125550201", Filter{Descending: true}); !slices.Equal(got, want) {
		t.Fatalf("sealed records through the index: %v", got)
	}
	if got := byNumber("2125550201", Filter{From: ct0.Add(5 * time.Minute), To: ct0.Add(20 * time.Minute), Limit: 2}); !slices.Equal(got, []string{"c07", "c10"}) {
		t.Fatalf("index within a range: %v", got)
	}
	if c, _ := db.Call("c07"); c.Caller != "+12125550201" || c.Notes == "" {
		t.Fatalf("resealed record: %+v", c)
	}
	// A record saved in clear again takes the index out of use.
	db.sealing.Store(nil)
	db.SaveCall(plantedCall("c99", "+12125550201", ct0.Add(time.Hour)))
	db.SealCalls(keys, "US")
	if got := byNumber("+12125550201", Filter{Descending: true, Limit: 1}); !slices.Equal(got, []string{"c99"}) {
		t.Fatalf("a clear record written after the walk is missed: %v", got)
	}
}

// Rotation re-seals call records under the new key; a crash after the
// first step leaves every record readable and findable with both keys.
func TestCallRotationSurvivesCrash(t *testing.T) {
	keys := testKeys(t, "old", "new")
	db, path := openTemp(t)
	db.SealCalls(ring(t, keys[0]), "US")
	for i := range 20 {
		if err := db.SaveCall(plantedCall(fmt.Sprintf("c%02d", i), fmt.Sprintf("+1212555%04d", 300+i), ct0)); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := db.ResealCalls("", 100); err != nil { // marks the index complete
		t.Fatal(err)
	}
	db.SealCalls(ring(t, keys[1], keys[0]), "US")
	if next, n, err := db.ResealCalls("", 5); err != nil || n != 5 || next == "" {
		t.Fatalf("first step: %q %d %v", next, n, err)
	}
	db.Close() // the crash

	db = reopen(t, path)
	db.SealCalls(ring(t, keys[1], keys[0]), "US")
	check := func() {
		t.Helper()
		for i := range 20 {
			recs, err := db.CollectCalls(Filter{Number: fmt.Sprintf("+1212555%04d", 300+i)})
			if err != nil || len(recs) != 1 || recs[0].Notes == "" {
				t.Fatalf("call %d mid-rotation: %+v %v", i, recs, err)
			}
		}
	}
	check()
	for next := ""; ; {
		n, _, err := db.ResealCalls(next, 5)
		if err != nil {
			t.Fatal(err)
		}
		if next = n; next == "" {
			break
		}
	}
	if n, err := db.StaleCalls(); err != nil || n != 0 {
		t.Fatalf("stale after rotation: %d %v", n, err)
	}
	db.SealCalls(ring(t, keys[1]), "US") // the old key dropped
	check()
	db.View(func(tx *Tx) error {
		if !tx.numberIndexComplete() {
			t.Error("index no longer complete after rotation")
		}
		n := 0
		tx.btx.Bucket(bucketCallNumbers).ForEach(func(_, _ []byte) error { n++; return nil })
		if n != 20 {
			t.Errorf("number index has %d entries, want 20 (old-key entries left behind?)", n)
		}
		return nil
	})
}

// Erase and the retention purge remove the sealed values too; a record
// that cannot be opened loses its sealed part.
func TestEraseCoversSealedCalls(t *testing.T) {
	db, path := openTemp(t)
	keys := ring(t, testKeys(t, "k1")...)
	db.SealCalls(keys, "US")
	s := db.Contacts(keys)
	c, _, err := s.Match("+12125550111", ct0)
	if err != nil {
		t.Fatal(err)
	}
	db.SaveCall(plantedCall("e1", "+12125550111", ct0))
	s.AddInteraction(c.ID, Interaction{CallID: "e1", At: ct0})
	rep, err := s.Erase(c.ID)
	if err != nil || rep.Calls != 1 || !slices.Equal(rep.Recordings, []string{"/rec/quokka/e1.wav"}) {
		t.Fatalf("erase: %+v %v", rep, err)
	}
	if got, _ := db.CollectCalls(Filter{Number: "+12125550111"}); len(got) != 0 {
		t.Fatalf("erased call still found by number: %+v", got)
	}
	got, _ := db.Call("e1")
	if got.Caller != Anonymized || got.Notes != "" || got.Timeline[1].Detail != "" || got.Talk != 4*time.Minute {
		t.Fatalf("erased: %+v", got)
	}

	db.SaveCall(plantedCall("p1", "+12125550112", ct0))
	db.Close()
	db = reopen(t, path) // no key: the purge still drops the sealed part
	if _, err := db.Contacts(keys).Purge(ct0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	db.SealCalls(keys, "US")
	if p, _ := db.Call("p1"); p.Sealed != nil || p.Notes != "" || p.Caller != "" || p.Talk != 4*time.Minute {
		t.Fatalf("purged without the key: %+v", p)
	}
}

// A callback request written in clear (before a key) is sealed by the
// walk, and one under the old key by a rotation.
func TestCallbacksResealed(t *testing.T) {
	keys := testKeys(t, "old", "new")
	db, _ := openTemp(t)
	db.SaveCallback(&Callback{ID: "cb1", Queue: "q", Number: "+13105550199", State: acd.CallbackPending})
	db.SealCalls(ring(t, keys[0]), "US")
	db.SaveCallback(&Callback{ID: "cb2", Queue: "q", Number: "+13105550198", State: acd.CallbackPending})
	db.SealCalls(ring(t, keys[1], keys[0]), "US")
	if _, _, err := db.ResealCalls("", 10); err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *Tx) error {
		cbs, _ := list[Callback](tx, bucketCallbacks)
		for _, cb := range cbs {
			if id, _ := seal.KeyID(cb.Sealed); cb.Number != "" || id != "new" {
				t.Errorf("callback %s stored with number %q under key %q", cb.ID, cb.Number, id)
			}
		}
		return nil
	})
	db.SealCalls(ring(t, keys[1]), "US")
	if cbs, _ := db.Callbacks(); len(cbs) != 2 || cbs[0].Number != "+13105550199" || cbs[1].Number != "+13105550198" {
		t.Fatalf("with the new key alone: %+v", cbs)
	}
}

// A call record that cannot be decoded does not stop the sealing of the
// others: the walk leaves it as it is, names it (Skipped), and seals every
// readable one, so a key added to a store with one damaged record does
// not leave all the rest in clear for good.
func TestResealSkipsUnreadableRecord(t *testing.T) {
	db, path := openTemp(t)
	for i := range 12 {
		if err := db.SaveCall(plantedCall(fmt.Sprintf("c%02d", i), "+12125550199", ct0.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Apply(func(tx *Tx) error {
		return tx.btx.Bucket(bucketCalls).Put([]byte("c05"), []byte(`{"id": "c05", "entered": nope`))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = reopen(t, path)
	db.SealCalls(ring(t, testKeys(t, "k1")...), "US")
	next, total, unreadable := "", 0, []string{}
	for {
		n, resealed, err := db.ResealCalls(next, 4)
		skipped, rest := Skipped(err)
		if rest != nil {
			t.Fatalf("reseal stopped: %v", rest)
		}
		for _, de := range skipped {
			unreadable = append(unreadable, de.Key)
		}
		total += resealed
		if next = n; next == "" {
			break
		}
	}
	if total != 11 || !slices.Equal(unreadable, []string{"c05"}) {
		t.Errorf("resealed %d, skipped %v; want 11 and c05", total, unreadable)
	}
	n, err := db.StaleCalls()
	if skipped, rest := Skipped(err); n != 0 || rest != nil || len(skipped) != 1 {
		t.Errorf("stale after: %d, %v; want 0 and c05 named apart", n, err)
	}
	if c, err := db.Call("c07"); err != nil || c.Notes != "card ends 4242 quokka" {
		t.Errorf("a resealed record reads back: %+v %v", c, err)
	}
}
