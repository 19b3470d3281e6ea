package store

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/contact"
)

func plantCall(t *testing.T, db *DB, id, caller string, entered time.Time) {
	t.Helper()
	rec := &CallRecord{ID: id, Direction: acd.DirectionInbound, Queue: "support", Agent: "alice", Caller: caller,
		CallerName: "Zed Q", Entered: entered, Ended: entered.Add(5 * time.Minute), Talk: 4 * time.Minute,
		Outcome: acd.OutcomeAnswered, Disposition: "solved", Notes: "card ends 4242",
		Recording: Recording{Name: id + ".wav", Path: "/rec/" + id + ".wav"},
		Timeline:  []Step{{At: entered, Kind: "collected", Detail: "account 998877"}}}
	if err := db.SaveCall(rec); err != nil {
		t.Fatal(err)
	}
}

func TestEraseAnonymizesInteractionsAndKeepsFigures(t *testing.T) {
	db, _ := openTemp(t)
	s := db.Contacts(ring(t, testKeys(t, "k1")...))
	c := contact.Contact{Phones: []string{"+12125550133"}, Name: "Zed Quill"}
	s.Create(&c, ct0)
	other := contact.Contact{Phones: []string{"+12125550134"}}
	s.Create(&other, ct0)
	for _, id := range []string{"e1", "e2"} {
		plantCall(t, db, id, "+12125550133", ct0)
		s.AddInteraction(c.ID, Interaction{CallID: id, At: ct0})
	}
	plantCall(t, db, "kept", "+12125550134", ct0)
	s.AddInteraction(other.ID, Interaction{CallID: "kept", At: ct0})

	rep, err := s.Erase(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Contacts != 1 || rep.Calls != 2 || !slices.Equal(rep.Recordings, []string{"/rec/e1.wav", "/rec/e2.wav"}) {
		t.Fatalf("report %+v", rep)
	}
	if _, err := s.ByPhone("+12125550133"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("erased contact matches: %v", err)
	}
	got, _ := db.Call("e1")
	if got.Caller != Anonymized || got.Notes != "" || got.CallerName != "" || got.Recording.Path != "" || got.Timeline[0].Detail != "" {
		t.Fatalf("erased call keeps personal data: %+v", got)
	}
	if got.Talk != 4*time.Minute || got.Outcome != acd.OutcomeAnswered || got.Disposition != "solved" || got.Queue != "support" {
		t.Fatalf("erased call lost its figures: %+v", got)
	}
	if kept, _ := db.Call("kept"); kept.Caller != "+12125550134" || kept.Notes == "" {
		t.Fatalf("another contact's call was touched: %+v", kept)
	}
	if h, _ := s.History(c.ID, 0, 10); len(h) != 2 {
		t.Fatalf("anonymized interactions gone: %+v", h)
	}

	// A live call is not erased from under the engine.
	live := contact.Contact{Phones: []string{"+12125550135"}}
	s.Create(&live, ct0)
	db.SaveCall(&CallRecord{ID: "live", Caller: "+12125550135", Entered: ct0})
	s.AddInteraction(live.ID, Interaction{CallID: "live", At: ct0})
	if _, err := s.Erase(live.ID); !errors.Is(err, ErrInvalid) {
		t.Fatalf("erase during a live call: %v", err)
	}
	if _, err := s.Get(live.ID); err != nil {
		t.Fatalf("refused erase removed the contact: %v", err)
	}
}

func TestPurgeOlderThanCutoff(t *testing.T) {
	db, _ := openTemp(t)
	s := db.Contacts(ring(t, testKeys(t, "k1")...))
	cutoff := ct0.AddDate(0, 0, 30)
	quiet := contact.Contact{Phones: []string{"+12125550141"}}
	s.Create(&quiet, ct0)
	calledLately := contact.Contact{Phones: []string{"+12125550142"}}
	s.Create(&calledLately, ct0)
	edited := contact.Contact{Phones: []string{"+12125550143"}}
	s.Create(&edited, cutoff.Add(time.Hour))
	plantCall(t, db, "old", "+12125550141", ct0)
	plantCall(t, db, "new", "+12125550142", cutoff.Add(time.Hour))
	s.AddInteraction(quiet.ID, Interaction{CallID: "old", At: ct0})
	s.AddInteraction(calledLately.ID, Interaction{CallID: "new", At: cutoff.Add(time.Hour)})

	rep, err := s.Purge(cutoff)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Calls != 1 || rep.Contacts != 1 || len(rep.Recordings) != 1 {
		t.Fatalf("purge %+v", rep)
	}
	if _, err := s.Get(quiet.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("quiet contact kept: %v", err)
	}
	for _, id := range []contact.ID{calledLately.ID, edited.ID} {
		if _, err := s.Get(id); err != nil {
			t.Fatalf("contact %d purged: %v", id, err)
		}
	}
	if c, _ := db.Call("old"); c.Caller != Anonymized || c.Talk == 0 {
		t.Fatalf("old call %+v", c)
	}
	if c, _ := db.Call("new"); c.Caller != "+12125550142" {
		t.Fatalf("new call purged %+v", c)
	}
	// A second pass finds nothing left.
	if rep, _ := s.Purge(cutoff); rep.Calls != 0 || rep.Contacts != 0 {
		t.Fatalf("second purge %+v", rep)
	}
}
