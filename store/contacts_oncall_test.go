package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/contact"
)

// A known caller is matched with their tags, preferred and last agent; a
// new number gets a contact; a saved call carrying the contact is in its
// history, kept up to date, and follows a merge.
func TestMatchCallAndHistoryFiling(t *testing.T) {
	db, _ := openTemp(t)
	keys := ring(t, testKeys(t, "k1")...)
	db.SealCalls(keys, "US")
	s := db.Contacts(keys)
	carla := contact.Contact{Phones: []string{"+12125550101"}, Name: "Carla", Tags: []string{"vip"}, PreferredAgent: "bob"}
	if err := s.Create(&carla, ct0); err != nil {
		t.Fatal(err)
	}
	oc, err := s.MatchCall("+12125550101", ct0)
	if err != nil || oc.ID != carla.ID || !oc.Known || !oc.HasTag("VIP") || oc.PreferredAgent != "bob" || oc.LastAgent != "" {
		t.Fatalf("known caller: %+v %v", oc, err)
	}
	// Calls filed under her: the newest was abandoned, the one before
	// answered by dave: dave is her last agent.
	save := func(id string, at time.Time, agent string, answered bool) {
		t.Helper()
		c := &CallRecord{ID: id, Direction: acd.DirectionInbound, Caller: "+12125550101", Entered: at, Queue: "support",
			Agent: agent, Contact: carla.ID, Outcome: acd.OutcomeAbandoned}
		if answered {
			c.Answered, c.Outcome = at.Add(time.Second), acd.OutcomeAnswered
		}
		if err := db.SaveCall(c); err != nil {
			t.Fatal(err)
		}
	}
	save("c1", ct0, "erin", true)
	save("c2", ct0.Add(time.Hour), "dave", true)
	save("c3", ct0.Add(2*time.Hour), "", false)
	if oc, _ := s.MatchCall("+12125550101", ct0); oc.LastAgent != "dave" {
		t.Fatalf("last agent %q, want dave", oc.LastAgent)
	}
	// The record's later saves update its entry, not add one.
	c2, _ := db.Call("c2")
	c2.Disposition = "solved"
	db.SaveCall(c2)
	h, err := s.History(carla.ID, 0, 10)
	if err != nil || len(h) != 3 || h[0].CallID != "c3" || h[1].Disposition != "solved" || h[1].Agent != "dave" || h[1].Queue != "support" {
		t.Fatalf("history %+v %v", h, err)
	}

	stranger, err := s.MatchCall("+12125550177", ct0)
	if err != nil || stranger.Known || stranger.ID == 0 || stranger.ID == carla.ID {
		t.Fatalf("new number: %+v %v", stranger, err)
	}
	if again, _ := s.MatchCall("+12125550177", ct0); again.ID != stranger.ID || !again.Known {
		t.Fatalf("second call from the new number: %+v", again)
	}

	// Merged into the stranger's contact, Carla's calls name it, and a
	// later save of one files it there, not under the gone id.
	if _, err := s.Merge(stranger.ID, carla.ID, ct0); err != nil {
		t.Fatal(err)
	}
	if c, _ := db.Call("c1"); c.Contact != stranger.ID {
		t.Fatalf("merged call names contact %d, want %d", c.Contact, stranger.ID)
	}
	c1, _ := db.Call("c1")
	c1.Notes = "after the merge"
	db.SaveCall(c1)
	if h, _ := s.History(carla.ID, 0, 10); len(h) != 0 {
		t.Fatalf("the merged-away contact has history again: %+v", h)
	}
	h, _ = s.History(stranger.ID, 0, 10)
	var ids []string
	for _, in := range h {
		ids = append(ids, in.CallID)
	}
	if !slices.Equal(ids, []string{"c3", "c2", "c1"}) {
		t.Fatalf("merged history %v", ids)
	}
}

// BenchmarkMatchCallWithHistory matches a caller whose 1,000 sealed calls
// are on record; the last agent is found four calls back.
func BenchmarkMatchCallWithHistory(b *testing.B) {
	db, err := Open(b.TempDir()+"/h.db", Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	keys := ring(b, testKeys(b, "k1")...)
	db.SealCalls(keys, "US")
	s := db.Contacts(keys)
	c := contact.Contact{Phones: []string{"+12125550101"}, Name: "Carla"}
	if err := s.Create(&c, ct0); err != nil {
		b.Fatal(err)
	}
	err = db.Apply(func(tx *Tx) error {
		for i := range 1000 {
			rec := plantedCall(fmt.Sprintf("c%04d", i), "+12125550101", ct0.Add(time.Duration(i)*time.Minute))
			rec.Contact = c.ID
			if i < 996 {
				rec.Answered = rec.Entered.Add(time.Second)
			}
			if err := tx.SaveCall(rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		oc, err := s.MatchCall("+12125550101", ct0)
		if err != nil || oc.LastAgent != "alice" {
			b.Fatal(oc, err)
		}
	}
}

func TestCallerMatcherNumbers(t *testing.T) {
	db, _ := openTemp(t)
	m := db.Contacts(ring(t, testKeys(t, "k1")...)).CallerMatcher("US")
	for _, tc := range []struct {
		number string
		ok     bool
	}{
		{"(212) 555-0101", true}, // national, normalized
		{"+15550001234", true},   // E.164 outside libphonenumber's ranges: taken as it is
		{"anonymous", false},
		{"1001", false}, // an extension
	} {
		oc, err := m(context.Background(), "c", tc.number, ct0)
		if (err == nil) != tc.ok || tc.ok && oc.ID == 0 {
			t.Errorf("%q: %+v %v", tc.number, oc, err)
		}
	}
}
