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

// checkInFlight fails unless the index gives every campaign's leads in
// flight as a full scan finds them, and CheckLeadsAtRestart finds nothing.
// TestLeadCountsFollowTheLeads runs it after each of its random steps
// (saves of random states and reservations, imports committed, aborted
// and cut by a crash) and after reopening.
func checkInFlight(t *testing.T, db *DB, when string) {
	t.Helper()
	for _, camp := range []string{"c", "d"} {
		var got, want []string
		if err := db.LeadsAtRestart(camp, func(l campaign.Lead) bool { got = append(got, l.ID); return true }); err != nil {
			t.Fatalf("%s: leads of %s in flight: %v", when, camp, err)
		}
		if err := db.CampaignLeads(camp, func(l campaign.Lead) bool {
			if l.ReadAtRestart() {
				want = append(want, l.ID)
			}
			return true
		}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s: leads of %s in flight: the index gives %v, a scan %v", when, camp, got, want)
		}
	}
	if problems, err := db.CheckLeadsAtRestart(); err != nil || len(problems) > 0 {
		t.Fatalf("%s: check of the index of leads read at a restart: %v %v", when, problems, err)
	}
}

// A damaged index is reported lead by lead; repair rebuilds it.
func TestLeadsAtRestartDamaged(t *testing.T) {
	path, db, _ := leadCountsStore(t)
	err := db.bolt.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketLeadsAtRestart)
		if err := b.Delete([]byte("c\x00c-1")); err != nil { // reserved (lead 0 is c-1)
			return err
		}
		return b.Put([]byte("d\x00d-4"), nil) // new
	})
	if err != nil {
		t.Fatal(err)
	}
	problems, err := db.CheckLeadsAtRestart()
	want := []string{`campaign "c": lead "c-1": in flight or waiting for a callback, missing from the index`, `campaign "d": lead "d-4": indexed as read at a restart, neither in flight nor waiting for a callback`}
	if err != nil || !slices.Equal(problems, want) {
		t.Fatalf("check: %q %v, want %q", problems, err, want)
	}
	// A lead that cannot be decoded is named by the records' check, not
	// here as a stale entry.
	var good []byte
	setLead := func(v []byte) {
		t.Helper()
		if err := db.bolt.Update(func(tx *bbolt.Tx) error {
			b := tx.Bucket(bucketLeads)
			good = slices.Clone(b.Get([]byte("d\x00d-2"))) // answered: indexed
			return b.Put([]byte("d\x00d-2"), v)
		}); err != nil {
			t.Fatal(err)
		}
	}
	setLead([]byte("{"))
	if problems, err := db.CheckLeadsAtRestart(); err != nil || !slices.Equal(problems, want) {
		t.Fatalf("check with an undecodable lead: %q %v, want %q", problems, err, want)
	}
	setLead(good)
	// A stale entry is not given; a missing one is lost until the repair.
	var got []string
	db.LeadsAtRestart("d", func(l campaign.Lead) bool { got = append(got, l.ID); return true })
	if slices.Contains(got, "d-4") {
		t.Fatalf("a stale entry given as in flight: %v", got)
	}
	db = repaired(t, db, path)
	defer db.Close()
	checkInFlight(t, db, "repaired")
}

// Reading a campaign's leads in flight costs those leads, not the
// campaign's: n=1000 and n=1000000 (-short: 100000) with the same 30 leads
// in flight take the same time; µs/scan is what the full read of every
// lead a start did before costs.
func BenchmarkLeadsAtRestart(b *testing.B) {
	big := 1_000_000
	if testing.Short() {
		big = 100_000
	}
	for _, n := range []int{1000, big} {
		b.Run(fmt.Sprintf("leads=%d", n), func(b *testing.B) {
			db, err := Open(filepath.Join(b.TempDir(), "h.db"), Options{NoSync: true})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			leads := make([]campaign.Lead, n)
			for i := range leads {
				leads[i] = campaign.Lead{Campaign: "big", Phone: fmt.Sprintf("+1212%07d", i)}
				if i%(n/30) == 0 {
					leads[i].State = campaign.Dialing
				}
			}
			if _, err := db.ImportLeads(leads); err != nil {
				b.Fatal(err)
			}
			count := func(read func(string, func(campaign.Lead) bool) error) int {
				k := 0
				if err := read("big", func(l campaign.Lead) bool {
					if l.ReadAtRestart() {
						k++
					}
					return true
				}); err != nil {
					b.Fatal(err)
				}
				return k
			}
			start := time.Now()
			want := count(db.CampaignLeads)
			scan := time.Since(start)
			for b.Loop() {
				if k := count(db.LeadsAtRestart); k != want || k < 30 {
					b.Fatalf("%d leads in flight, a scan finds %d", k, want)
				}
			}
			b.ReportMetric(float64(scan.Microseconds()), "µs/scan")
		})
	}
}
