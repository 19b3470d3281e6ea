package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
)

func countLeads(t *testing.T, db *DB, camp string) int {
	t.Helper()
	n := 0
	if err := db.CampaignLeads(camp, func(campaign.Lead) bool { n++; return true }); err != nil {
		t.Fatal(err)
	}
	return n
}

func lead(camp string, i int) campaign.Lead {
	return campaign.Lead{Campaign: camp, Phone: fmt.Sprintf("+1212%07d", i), State: campaign.New}
}

// An import larger than a batch is hidden until it commits, then shown
// whole; numbers repeated across batches are kept once.
func TestLeadImportBatches(t *testing.T) {
	db := openLeadsDB(t)
	now := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	if _, err := db.ImportLeads([]campaign.Lead{lead("c", 7)}); err != nil {
		t.Fatal(err)
	}
	im, err := db.BeginLeadImport("c")
	if err != nil {
		t.Fatal(err)
	}
	n := importBatch*2 + 10
	for i := range n {
		if err := im.Add(lead("c", i%(importBatch+5))); err != nil {
			t.Fatal(err)
		}
	}
	// Two batches are written, but neither the hopper nor a listing sees them.
	if due, err := db.DueLeads("c", now, 10); err != nil || len(due) != 1 || due[0].ID != "c-1" {
		t.Fatalf("hopper during the import: %v %v", due, err)
	}
	if got := countLeads(t, db, "c"); got != 1 {
		t.Fatalf("%d leads listed during the import", got)
	}
	res, err := im.Commit()
	if err != nil {
		t.Fatal(err)
	}
	want := ImportResult{Added: importBatch + 4, Duplicate: n - importBatch - 4, InList: n - importBatch - 5}
	if res != want {
		t.Fatalf("result %+v, want %+v", res, want)
	}
	if got := countLeads(t, db, "c"); got != importBatch+5 {
		t.Fatalf("%d leads after the commit", got)
	}
	if due, err := db.DueLeads("c", now, 3); err != nil || len(due) != 3 {
		t.Fatalf("hopper after the import: %v %v", due, err)
	}
	if _, err := im.Commit(); !errors.Is(err, ErrInvalid) {
		t.Fatalf("second commit: %v", err)
	}
}

// An aborted import, or one a crash left pending, leaves the campaign as it
// was: leads, number index, due index and sequence.
func TestLeadImportRollback(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportLeads([]campaign.Lead{lead("c", 1), lead("d", 1)}); err != nil {
		t.Fatal(err)
	}
	fill := func(db *DB) *LeadImport {
		im, err := db.BeginLeadImport("c")
		if err != nil {
			t.Fatal(err)
		}
		for i := range 2*importBatch + 100 { // two batches written: rolled back in two steps
			if err := im.Add(lead("c", 2+i)); err != nil {
				t.Fatal(err)
			}
		}
		return im
	}
	if err := fill(db).Abort(); err != nil {
		t.Fatal(err)
	}
	// A crash: the import is never finished; the next one cleans up.
	fill(db)
	db.Close()
	db, err = Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	im, err := db.BeginLeadImport("c")
	if err != nil {
		t.Fatal(err)
	}
	if err := im.Add(lead("c", 2)); err != nil {
		t.Fatal(err)
	}
	if res, err := im.Commit(); err != nil || res.Added != 1 {
		t.Fatalf("import after the crash: %+v %v", res, err)
	}
	var ids []string
	db.CampaignLeads("c", func(l campaign.Lead) bool { ids = append(ids, l.ID); return true })
	if fmt.Sprint(ids) != "[c-1 c-2]" {
		t.Fatalf("leads %v, want c-1 and c-2 (the rolled back numbers given again)", ids)
	}
	// The numbers of the rolled back leads are free again.
	if res, err := db.ImportLeads([]campaign.Lead{lead("c", 500)}); err != nil || res.Added != 1 {
		t.Fatalf("a rolled back number: %+v %v", res, err)
	}
	if got := countLeads(t, db, "d"); got != 1 {
		t.Fatalf("campaign d has %d leads", got)
	}
	err = db.View(func(tx *Tx) error {
		if n := tx.btx.Bucket(bucketLeadPhones).Stats().KeyN; n != 4 {
			return fmt.Errorf("%d numbers indexed, want 4", n)
		}
		if n := tx.btx.Bucket(bucketLeadDue).Stats().KeyN; n != 4 {
			return fmt.Errorf("%d due entries, want 4", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A bad lead midway refuses the whole import, including the batches written.
func TestLeadImportRefusesBadLead(t *testing.T) {
	db := openLeadsDB(t)
	leads := make([]campaign.Lead, 0, importBatch+2)
	for i := range importBatch + 1 {
		leads = append(leads, lead("c", i))
	}
	leads = append(leads, campaign.Lead{Campaign: "c"})
	if _, err := db.ImportLeads(leads); !errors.Is(err, ErrInvalid) {
		t.Fatalf("err %v", err)
	}
	if got := countLeads(t, db, "c"); got != 0 {
		t.Fatalf("%d leads stored from a refused import", got)
	}
	if im, err := db.BeginLeadImport("c"); err != nil {
		t.Fatal(err)
	} else if err := im.Add(lead("x", 1)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a lead of another campaign: %v", err)
	}
}

// Two imports into one campaign at once (two API requests) would give the
// same lead ids, the second overwriting the first's leads, and the second's
// start would roll back the first as if a crash had left it: the second is
// refused while the first is under way, and taken once it is over.
func TestLeadImportConcurrent(t *testing.T) {
	db := openLeadsDB(t)
	first, err := db.BeginLeadImport("c")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := first.Add(lead("c", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.BeginLeadImport("c"); !errors.Is(err, ErrImportBusy) {
		t.Fatalf("second import while the first is under way: %v, want ErrImportBusy", err)
	}
	other, err := db.BeginLeadImport("d") // another campaign's import is no bother
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Abort(); err != nil {
		t.Fatal(err)
	}
	if res, err := first.Commit(); err != nil || res.Added != 3 {
		t.Fatalf("first import: %+v %v", res, err)
	}
	second, err := db.BeginLeadImport("c")
	if err != nil {
		t.Fatalf("import after the first committed: %v", err)
	}
	for i := 3; i < 5; i++ {
		if err := second.Add(lead("c", i)); err != nil {
			t.Fatal(err)
		}
	}
	if res, err := second.Commit(); err != nil || res.Added != 2 {
		t.Fatalf("second import: %+v %v", res, err)
	}
	phones := map[string]string{}
	if err := db.CampaignLeads("c", func(l campaign.Lead) bool { phones[l.ID] = l.Phone; return true }); err != nil {
		t.Fatal(err)
	}
	if len(phones) != 5 {
		t.Fatalf("leads after both imports: %v", phones)
	}
	// An aborted import frees the campaign too.
	third, err := db.BeginLeadImport("c")
	if err != nil {
		t.Fatal(err)
	}
	if err := third.Abort(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.BeginLeadImport("c"); err != nil {
		t.Fatalf("import after an abort: %v", err)
	}
}

// LeadPhones finds the numbers a campaign has, but not those of an import
// still pending (rolled back by the next import), nor another campaign's.
func TestLeadPhones(t *testing.T) {
	db := openLeadsDB(t)
	if _, err := db.ImportLeads([]campaign.Lead{lead("c", 1), lead("d", 2)}); err != nil {
		t.Fatal(err)
	}
	im, err := db.BeginLeadImport("c")
	if err != nil {
		t.Fatal(err)
	}
	for i := range importBatch { // a batch written, pending
		if err := im.Add(lead("c", 10+i)); err != nil {
			t.Fatal(err)
		}
	}
	has, err := db.LeadPhones("c", []string{lead("c", 1).Phone, lead("c", 2).Phone, lead("c", 10).Phone})
	if err != nil || fmt.Sprint(has) != "[true false false]" {
		t.Fatalf("%v %v; want [true false false]", has, err)
	}
}
