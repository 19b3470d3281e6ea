package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
)

func openLeadsDB(t *testing.T) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "h.db"), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestLeadsImportAndHopper(t *testing.T) {
	db := openLeadsDB(t)
	now := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	var leads []campaign.Lead
	for i := range 5 {
		leads = append(leads, campaign.Lead{Campaign: "spring", Phone: fmt.Sprintf("+1212555010%d", i), State: campaign.New})
	}
	res, err := db.ImportLeads(leads)
	if err != nil || res.Added != 5 || res.Duplicate != 0 {
		t.Fatalf("import: %+v %v", res, err)
	}
	// A second import of two old numbers and one new: ids continue.
	res, err = db.ImportLeads([]campaign.Lead{leads[0], leads[1], {Campaign: "spring", Phone: "+12125550199", State: campaign.New}})
	if err != nil || res.Added != 1 || res.Duplicate != 2 {
		t.Fatalf("second import: %+v %v", res, err)
	}
	// The same number in another campaign is another lead.
	if res, _ := db.ImportLeads([]campaign.Lead{{Campaign: "autumn", Phone: leads[0].Phone}}); res.Added != 1 {
		t.Fatalf("other campaign: %+v", res)
	}
	due, err := db.DueLeads("spring", now, 100)
	if err != nil || len(due) != 6 {
		t.Fatalf("due: %d %v", len(due), err)
	}
	if due[5].ID != "spring-6" {
		t.Fatalf("ids: last due %q, want spring-6", due[5].ID)
	}
	// Dial one, it is busy: it leaves the hopper until its retry is due.
	l, _ := campaign.StartDial(due[0], now)
	if err := db.Apply(func(tx *Tx) error { return tx.SaveLead(&l) }); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.DueLeads("spring", now, 100); len(got) != 5 {
		t.Fatalf("a dialing lead is still due: %d", len(got))
	}
	l, _ = campaign.DialEnded(l, campaign.Busy, campaign.DefaultRetry(), now)
	if err := db.Apply(func(tx *Tx) error { return tx.SaveLead(&l) }); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.DueLeads("spring", now, 100); len(got) != 5 {
		t.Fatalf("a lead retried in 10 min is due now: %d", len(got))
	}
	got, _ := db.DueLeads("spring", now.Add(11*time.Minute), 100)
	if len(got) != 6 || got[5].ID != l.ID {
		t.Fatalf("after 11 min: %d due, last %q", len(got), got[len(got)-1].ID)
	}
	// The hopper reads only what it is asked for.
	if got, _ := db.DueLeads("spring", now, 2); len(got) != 2 {
		t.Fatalf("limit 2: %d", len(got))
	}
	back := func() *campaign.Lead {
		var out *campaign.Lead
		if err := db.View(func(tx *Tx) (err error) { out, err = tx.Lead("spring", l.ID); return err }); err != nil {
			t.Fatal(err)
		}
		return out
	}()
	if back.State != campaign.Scheduled || back.Attempts != 1 || back.LastOutcome != campaign.Busy {
		t.Fatalf("stored lead: %+v", back)
	}
	if err := db.View(func(tx *Tx) error { _, err := tx.Lead("spring", "nope"); return err }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing lead: %v", err)
	}
	n := 0
	if err := db.CampaignLeads("spring", func(campaign.Lead) bool { n++; return true }); err != nil || n != 6 {
		t.Fatalf("campaign leads: %d %v", n, err)
	}
}

// One bad lead refuses the whole import.
func TestLeadsImportAllOrNothing(t *testing.T) {
	db := openLeadsDB(t)
	_, err := db.ImportLeads([]campaign.Lead{{Campaign: "c", Phone: "+12125550100"}, {Campaign: "c", Phone: ""}})
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("err %v", err)
	}
	n := 0
	db.CampaignLeads("c", func(campaign.Lead) bool { n++; return true })
	if n != 0 {
		t.Fatalf("%d leads stored from a refused import", n)
	}
}

func BenchmarkImportMillionLeads(b *testing.B) {
	n := 1_000_000
	if testing.Short() {
		n = 10_000
	}
	leads := make([]campaign.Lead, n)
	for i := range leads {
		leads[i] = campaign.Lead{Campaign: "big", Phone: fmt.Sprintf("+1212%07d", i), State: campaign.New}
	}
	for b.Loop() {
		db, err := Open(filepath.Join(b.TempDir(), "h.db"), Options{NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		if res, err := db.ImportLeads(leads); err != nil || res.Added != n {
			b.Fatal(res, err)
		}
		db.Close()
	}
}

// Leads are listed for export in the order they were imported (c-2 before
// c-10), a few at a time, leads of an import under way left out, and a lead
// saved under an id of its own after them.
func TestLeadsInOrder(t *testing.T) {
	db := openLeadsDB(t)
	var list []campaign.Lead
	for i := range 25 {
		list = append(list, lead("c", i))
	}
	if _, err := db.ImportLeads(list); err != nil {
		t.Fatal(err)
	}
	for i := range 9 {
		own := lead("c", 100+i)
		own.ID = fmt.Sprintf("c-own-%d", i)
		if err := db.Write([]Op{PutLead(&own)}); err != nil {
			t.Fatal(err)
		}
	}
	im, err := db.BeginLeadImport("c")
	if err != nil {
		t.Fatal(err)
	}
	if err := im.Add(lead("c", 50)); err != nil {
		t.Fatal(err)
	}
	if err := im.flush(); err != nil {
		t.Fatal(err)
	}
	var ids []string
	if err := db.leadsInOrder("c", 7, func(l campaign.Lead) bool { ids = append(ids, l.ID); return true }); err != nil {
		t.Fatal(err)
	}
	want := []string{}
	for i := 1; i <= 25; i++ {
		want = append(want, fmt.Sprintf("c-%d", i))
	}
	for i := range 9 {
		want = append(want, fmt.Sprintf("c-own-%d", i))
	}
	if !slices.Equal(ids, want) {
		t.Fatalf("ids %v\nwant %v", ids, want)
	}
	ids = nil
	if err := db.LeadsInOrder("c", func(l campaign.Lead) bool { ids = append(ids, l.ID); return len(ids) < 3 }); err != nil || len(ids) != 3 {
		t.Fatalf("stopped after 3: %v %v", ids, err)
	}
}
