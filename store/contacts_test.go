package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/internal/seal"
)

var ct0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func testKeys(t testing.TB, ids ...string) []seal.Entry {
	t.Helper()
	var out []seal.Entry
	for _, id := range ids {
		e, err := seal.Generate(id)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func ring(t testing.TB, entries ...seal.Entry) *seal.Keyring {
	t.Helper()
	r, err := seal.New(entries...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestContactsCreateMatchUpdateDelete(t *testing.T) {
	db, _ := openTemp(t)
	s := db.Contacts(ring(t, testKeys(t, "k1")...))
	alice := contact.Contact{Phones: []string{"+12125550101"}, Name: "Alice", Tags: []string{"vip"}}
	if err := s.Create(&alice, ct0); err != nil {
		t.Fatal(err)
	}
	got, err := s.ByPhone("+12125550101")
	if err != nil || got.ID != alice.ID || got.Name != "Alice" || !got.Created.Equal(ct0) {
		t.Fatalf("ByPhone: %+v %v", got, err)
	}
	if _, err := s.ByPhone("+12125550102"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown number: %v", err)
	}
	bob := contact.Contact{Phones: []string{"+12125550101"}, Name: "Bob"}
	if err := s.Create(&bob, ct0); !errors.Is(err, ErrNumberTaken) {
		t.Fatalf("second contact with alice's number: %v", err)
	}

	// A new number replaces the old one in the index.
	alice.Phones = []string{"+12125550103"}
	if err := s.Update(&alice, ct0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ByPhone("+12125550101"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("old number still matches: %v", err)
	}
	if got, _ := s.ByPhone("+12125550103"); got.ID != alice.ID || !got.Created.Equal(ct0) || !got.Updated.Equal(ct0.Add(time.Hour)) {
		t.Fatalf("after update %+v", got)
	}

	// An unknown caller gets a contact with the number only, once.
	c, created, err := s.Match("+12125550109", ct0)
	if err != nil || !created || c.Name != "" {
		t.Fatalf("match unknown: %+v %v %v", c, created, err)
	}
	again, created, err := s.Match("+12125550109", ct0)
	if err != nil || created || again.ID != c.ID {
		t.Fatalf("match again: %+v %v %v", again, created, err)
	}

	if err := s.Delete(alice.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ByPhone("+12125550103"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted contact matches: %v", err)
	}
	if _, err := s.Get(alice.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted contact reads: %v", err)
	}
}

func TestContactsMergeMovesNumbersAndHistory(t *testing.T) {
	db, _ := openTemp(t)
	s := db.Contacts(ring(t, testKeys(t, "k1")...))
	a := contact.Contact{Phones: []string{"+12125550101"}, Name: "Alice"}
	b := contact.Contact{Phones: []string{"+12125550102"}, Company: "Acme"}
	s.Create(&a, ct0)
	s.Create(&b, ct0.Add(time.Minute))
	s.AddInteraction(a.ID, Interaction{CallID: "c1", At: ct0})
	s.AddInteraction(b.ID, Interaction{CallID: "c2", At: ct0.Add(time.Hour)})

	m, err := s.Merge(a.ID, b.ID, ct0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != a.ID || m.Company != "Acme" || len(m.Phones) != 2 {
		t.Fatalf("merged %+v", m)
	}
	if got, err := s.ByPhone("+12125550102"); err != nil || got.ID != a.ID {
		t.Fatalf("dup's number: %+v %v", got, err)
	}
	if _, err := s.Get(b.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("dup remains: %v", err)
	}
	h, err := s.History(a.ID, 0, 10)
	if err != nil || len(h) != 2 || h[0].CallID != "c2" || h[1].CallID != "c1" {
		t.Fatalf("history after merge: %+v %v", h, err)
	}
	if h, _ := s.History(b.ID, 0, 10); len(h) != 0 {
		t.Fatalf("dup keeps history %+v", h)
	}
}

func TestContactHistoryPagesNewestFirst(t *testing.T) {
	db, _ := openTemp(t)
	s := db.Contacts(ring(t, testKeys(t, "k1")...))
	for i := range 25 {
		s.AddInteraction(7, Interaction{CallID: fmt.Sprintf("c%02d", i), At: ct0.Add(time.Duration(i) * time.Minute)})
	}
	s.AddInteraction(8, Interaction{CallID: "other", At: ct0.Add(time.Hour)})
	p1, _ := s.History(7, 0, 10)
	p3, _ := s.History(7, 20, 10)
	if len(p1) != 10 || p1[0].CallID != "c24" || p1[9].CallID != "c15" {
		t.Fatalf("page 1 %+v", p1)
	}
	if len(p3) != 5 || p3[4].CallID != "c00" {
		t.Fatalf("page 3 %+v", p3)
	}
}

// A copied store file without the key shows no planted name, number or note.
func TestContactsRawFileHoldsNoPlainText(t *testing.T) {
	db, path := openTemp(t)
	s := db.Contacts(ring(t, testKeys(t, "k1")...))
	c := contact.Contact{Phones: []string{"+12125550177"}, Name: "Zebulon Quarterfield", Company: "Xylophonica",
		Email: "zq@xylophonica.example", Notes: "secret-plan-omega", Fields: map[string]string{"account": "ACCT-998877"}}
	if err := s.Create(&c, ct0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Match("+12125550188", ct0); err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, planted := range []string{"Zebulon", "Quarterfield", "Xylophonica", "zq@xylophonica", "secret-plan-omega",
		"ACCT-998877", "+12125550177", "12125550177", "2125550177", "+12125550188", "2125550188"} {
		if bytes.Contains(raw, []byte(planted)) {
			t.Errorf("store file holds %q in clear", planted)
		}
	}
}

// Rotation stops after its first batch (a crash); the store opens again with
// both keys, every contact reads and matches, and the rotation finishes.
func TestContactsRotationSurvivesCrash(t *testing.T) {
	keys := testKeys(t, "old", "new")
	db, path := openTemp(t)
	s := db.Contacts(ring(t, keys[0]))
	const n = 25
	for i := range n {
		c := contact.Contact{Phones: []string{fmt.Sprintf("+1212555%04d", 100+i)}, Name: fmt.Sprintf("c%d", i)}
		if err := s.Create(&c, ct0); err != nil {
			t.Fatal(err)
		}
	}
	s = db.Contacts(ring(t, keys[1], keys[0]))
	next, done, err := s.RotateStep(0, 10)
	if err != nil || done != 10 || next == 0 {
		t.Fatalf("first step: next %d done %d %v", next, done, err)
	}
	db.Close() // the crash: the rest never ran

	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	both := db.Contacts(ring(t, keys[1], keys[0]))
	checkAll := func(s *Contacts) {
		t.Helper()
		for i := range n {
			c, err := s.ByPhone(fmt.Sprintf("+1212555%04d", 100+i))
			if err != nil || c.Name != fmt.Sprintf("c%d", i) {
				t.Fatalf("contact %d mid-rotation: %+v %v", i, c, err)
			}
		}
	}
	checkAll(both)
	if stale, _ := both.Stale(); stale != n-10 {
		t.Fatalf("stale %d, want %d", stale, n-10)
	}
	onlyNew := db.Contacts(ring(t, keys[1]))
	if _, err := onlyNew.ByPhone("+12125550124"); err == nil {
		t.Fatal("a contact not yet re-sealed opened without the old key")
	}
	total := done
	for next != 0 {
		next, done, err = both.RotateStep(next, 10)
		if err != nil {
			t.Fatal(err)
		}
		total += done
	}
	if total != n {
		t.Fatalf("re-sealed %d, want %d", total, n)
	}
	if stale, _ := both.Stale(); stale != 0 {
		t.Fatalf("stale after rotation %d", stale)
	}
	checkAll(onlyNew)
}

// BenchmarkContactMatch matches a caller among HOTLINE_BENCH_CONTACTS
// contacts (default 1,000,000) as a call's arrival does (MatchCall): a
// keyed hash, an index read, a record open, a look at its history.
func BenchmarkContactMatch(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("HOTLINE_BENCH_CONTACTS"); v != "" {
		fmt.Sscan(v, &n)
	}
	path := b.TempDir() + "/contacts.db"
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	s := db.Contacts(ring(b, testKeys(b, "k1")...))
	if err := s.fill(n, func(i int) contact.Contact {
		return contact.Contact{Phones: []string{fmt.Sprintf("+1212%07d", i)}, Name: fmt.Sprintf("Customer %d", i)}
	}, ct0); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		phone := fmt.Sprintf("+1212%07d", (i*7919)%n)
		if oc, err := s.MatchCall(phone, ct0); err != nil || !oc.Known {
			b.Fatal(phone, oc, err)
		}
	}
}

// BenchmarkContactHistory reads the newest 20 of a contact's 1,000
// interactions, among other contacts' histories.
func BenchmarkContactHistory(b *testing.B) {
	db, err := Open(b.TempDir()+"/h.db", Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	s := db.Contacts(ring(b, testKeys(b, "k1")...))
	err = db.Apply(func(tx *Tx) error {
		bk := tx.btx.Bucket(bucketContactCalls)
		for id := contact.ID(1); id <= 50; id++ {
			for i := range 1000 {
				at := ct0.Add(time.Duration(i) * time.Minute)
				if err := bk.Put(interactionKey(id, at, fmt.Sprintf("call-%d-%d", id, i)), []byte(`{"call_id":"x","queue":"support","agent":"alice","disposition":"solved"}`)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		h, err := s.History(25, 0, 20)
		if err != nil || len(h) != 20 {
			b.Fatal(len(h), err)
		}
	}
}

// fill writes n contacts made by mk with sorted index keys, for benchmarks
// and load tests: bbolt splits pages only at commit, so random keys in one
// huge transaction would be slow.
func (s *Contacts) fill(n int, mk func(int) contact.Contact, now time.Time) error {
	const batch = 50_000
	for start := 0; start < n; start += batch {
		end := min(start+batch, n)
		type ent struct{ h, id []byte }
		var idx []ent
		err := s.db.Apply(func(tx *Tx) error {
			b := tx.btx.Bucket(bucketContacts)
			for i := start; i < end; i++ {
				c := mk(i)
				seq, _ := b.NextSequence()
				c.ID, c.Created, c.Updated = contact.ID(seq), now, now
				plain, err := json.Marshal(c)
				if err != nil {
					return err
				}
				if err := b.Put(contactKey(c.ID), s.keys.Seal(plain, contactAAD(c.ID))); err != nil {
					return err
				}
				for _, p := range c.Phones {
					idx = append(idx, ent{s.keys.Hash(p), contactKey(c.ID)})
				}
			}
			slices.SortFunc(idx, func(a, b ent) int { return bytes.Compare(a.h, b.h) })
			pb := tx.btx.Bucket(bucketContactPhones)
			for _, e := range idx {
				if err := pb.Put(e.h, e.id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func TestAuditLogInTimeOrder(t *testing.T) {
	db, _ := openTemp(t)
	for i, who := range []string{"alice", "bob", "carol"} {
		if err := db.Audit(AuditEntry{At: ct0.Add(time.Duration(2-i) * time.Minute), Who: who, Action: "read", Subject: "contact 1"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Audit(AuditEntry{At: ct0, Action: "read"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("entry without who: %v", err)
	}
	log, err := db.AuditLog(ct0, ct0.Add(2*time.Minute))
	if err != nil || len(log) != 2 || log[0].Who != "carol" || log[1].Who != "bob" {
		t.Fatalf("audit log %+v %v", log, err)
	}
}
