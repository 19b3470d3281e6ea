package store

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/hotline-cc/hotline/acd/campaign"
)

// dueStore is a store with 12 leads of campaign c imported at once (due
// together), and the ids in import order.
func dueStore(t *testing.T) (path string, db *DB, now time.Time, want []string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "h.db")
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	now = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	var leads []campaign.Lead
	for i := 1; i <= 12; i++ {
		leads = append(leads, campaign.Lead{Campaign: "c", Phone: fmt.Sprintf("+1212555%04d", i), NextAttempt: now.Add(-time.Hour)})
		want = append(want, fmt.Sprintf("c-%d", i))
	}
	if _, err := db.ImportLeads(leads); err != nil {
		t.Fatal(err)
	}
	return path, db, now, want
}

func dueIDs(t *testing.T, db *DB, now time.Time) []string {
	t.Helper()
	due, err := db.DueLeads("c", now, 100)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, l := range due {
		ids = append(ids, l.ID)
	}
	return ids
}

// Leads due at the same moment come in import order (c-2 before c-10),
// not in the text order of their ids; an earlier due time still comes
// first.
func TestDueLeadsInImportOrder(t *testing.T) {
	_, db, now, want := dueStore(t)
	defer db.Close()
	if got := dueIDs(t, db, now); !slices.Equal(got, want) {
		t.Fatalf("due leads %v, want %v", got, want)
	}
	var l *campaign.Lead
	if err := db.View(func(tx *Tx) (err error) { l, err = tx.Lead("c", "c-11"); return err }); err != nil {
		t.Fatal(err)
	}
	l.NextAttempt = now.Add(-2 * time.Hour)
	if err := db.Write([]Op{PutLead(l)}); err != nil {
		t.Fatal(err)
	}
	want = append([]string{"c-11"}, slices.DeleteFunc(want, func(id string) bool { return id == "c-11" })...)
	if got := dueIDs(t, db, now); !slices.Equal(got, want) {
		t.Fatalf("after c-11 was made due earlier: %v, want %v", got, want)
	}
	if problems, err := db.CheckLeadsDue(); err != nil || len(problems) > 0 {
		t.Fatalf("check: %q %v", problems, err)
	}
}

// A store with the index of before (leads_by_due: the id after the time,
// in text order) has it rebuilt in import order at its first read-write
// open, and the old one dropped.
func TestLeadsDueOfAnOldStore(t *testing.T) {
	path, db, now, want := dueStore(t)
	err := db.bolt.Update(func(tx *bbolt.Tx) error {
		if err := tx.DeleteBucket(bucketLeadDue); err != nil {
			return err
		}
		old, err := tx.CreateBucket(bucketLeadDueV1)
		if err != nil {
			return err
		}
		for _, id := range want {
			if err := old.Put(append(append([]byte("c\x00"), timeKey(now.Add(-time.Hour))...), id...), nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	problems, err := ro.CheckLeadsDue()
	ro.Close()
	if err != nil || len(problems) > 0 {
		t.Fatalf("read-only, old store: check %q %v", problems, err)
	}
	if db, err = Open(path, Options{NoSync: true}); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := dueIDs(t, db, now); !slices.Equal(got, want) {
		t.Fatalf("after the open: due leads %v, want %v", got, want)
	}
	err = db.View(func(tx *Tx) error {
		if tx.btx.Bucket(bucketLeadDueV1) != nil {
			return fmt.Errorf("the old index %s is still there", bucketLeadDueV1)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if problems, err := db.CheckLeadsDue(); err != nil || len(problems) > 0 {
		t.Fatalf("check: %q %v", problems, err)
	}
}

// A damaged index is reported lead by lead; repair rebuilds it.
func TestLeadsDueDamaged(t *testing.T) {
	path, db, now, want := dueStore(t)
	err := db.bolt.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketLeadDue)
		if err := b.Delete(dueKey("c", now.Add(-time.Hour), "c-3")); err != nil {
			return err
		}
		return b.Put(dueKey("c", now, "c-99"), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	problems, err := db.CheckLeadsDue()
	wantProblems := []string{`campaign "c": lead "c-3": dialable, missing from the index of due leads`, `campaign "c": lead "c-99": indexed as due, the lead is not dialable then`}
	if err != nil || !slices.Equal(problems, wantProblems) {
		t.Fatalf("check: %q %v, want %q", problems, err, wantProblems)
	}
	db = repaired(t, db, path)
	defer db.Close()
	if got := dueIDs(t, db, now); !slices.Equal(got, want) {
		t.Fatalf("repaired: due leads %v, want %v", got, want)
	}
	if problems, err := db.CheckLeadsDue(); err != nil || len(problems) > 0 {
		t.Fatalf("repaired: check %q %v", problems, err)
	}
}

// A store from before the due index opened read-only (store check, an
// export while the daemon is stopped) cannot build it: its due leads and
// their count are read lead by lead instead of coming back empty, and it
// says which indexes its next read-write open builds.
func TestDueLeadsReadOnlyWithoutIndex(t *testing.T) {
	path, db, now, want := dueStore(t)
	// c-4 is due later, c-5 done: neither is due now.
	for id, change := range map[string]func(*campaign.Lead){
		"c-4": func(l *campaign.Lead) { l.NextAttempt = now.Add(time.Hour) },
		"c-5": func(l *campaign.Lead) { l.State = campaign.Done },
	} {
		var l *campaign.Lead
		if err := db.View(func(tx *Tx) (err error) { l, err = tx.Lead("c", id); return err }); err != nil {
			t.Fatal(err)
		}
		change(l)
		if err := db.Write([]Op{PutLead(l)}); err != nil {
			t.Fatal(err)
		}
	}
	want = slices.DeleteFunc(want, func(id string) bool { return id == "c-4" || id == "c-5" })
	if err := db.bolt.Update(func(tx *bbolt.Tx) error { return tx.DeleteBucket(bucketLeadDue) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if got := dueIDs(t, ro, now); !slices.Equal(got, want) {
		t.Errorf("read-only without the index: due leads %v, want %v", got, want)
	}
	if due, err := ro.DueLeads("c", now, 3); err != nil || len(due) != 3 || due[2].ID != want[2] {
		t.Errorf("read-only without the index, 3 of them: %+v %v", due, err)
	}
	if c, err := ro.LeadCounts("c", now); err != nil || c.Due != len(want) {
		t.Errorf("read-only without the index: %d due (%v), want %d", c.Due, err, len(want))
	}
	if got, want := ro.Unbuilt(), []string{"index of due leads"}; !slices.Equal(got, want) {
		t.Errorf("unbuilt %q, want %q", got, want)
	}
}
