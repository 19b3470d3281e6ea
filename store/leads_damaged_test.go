package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/hotline-cc/hotline/acd/campaign"
)

// A lead record damaged in place that still decodes: a number changed
// into one Hotline never writes is unreadable (store check names it,
// repair leaves it out), and one with a digit changed is left out of the
// dialer's reads, named, since its number is not indexed to it.
func TestLeadDamagedNumber(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "h.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportLeads([]campaign.Lead{{Campaign: "spring", Phone: "+12125550101"}, {Campaign: "spring", Phone: "+12125550102"}, {Campaign: "spring", Phone: "+12125550103"}}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw = bytes.ReplaceAll(raw, []byte(`"phone":"+12125550102"`), []byte(`"phone":"+12125550109"`))
	raw = bytes.ReplaceAll(raw, []byte(`"phone":"+12125550103"`), []byte("\"phone\":\"+121255\xff\xfe103\""))
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	due, err := db.DueLeads("spring", time.Now(), 10)
	skipped, rest := Skipped(err)
	if rest != nil || len(due) != 1 || due[0].Phone != "+12125550101" || len(skipped) != 2 {
		t.Fatalf("due %+v, skipped %v, %v; want the sound lead only, the two others named", due, skipped, rest)
	}
	if !strings.Contains(skipped[0].Error(), `spring/spring-2`) || !strings.Contains(skipped[0].Error(), "not indexed to it") {
		t.Errorf("skipped %v", skipped[0])
	}
	if _, err := db.DialableLead("spring", "spring-2"); !errors.As(err, new(*DecodeError)) {
		t.Errorf("DialableLead of the damaged lead: %v; want a DecodeError", err)
	}
	bad, err := db.UnreadableLeads()
	if err != nil || len(bad) != 1 || !strings.Contains(bad[0].Error(), "not one Hotline writes") {
		t.Errorf("unreadable %v %v; want the lead whose number is not E.164", bad, err)
	}
	db.Close()
	rep, err := Repair(path, filepath.Join(dir, "r.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Unreadable) != 1 || !strings.Contains(rep.Unreadable[0], "spring-3") {
		t.Errorf("repair: unreadable %q; want the lead whose number is not E.164 named and left out", rep.Unreadable)
	}
	// Both are named lost with the number each was imported with; the one
	// whose digit changed is left out too, not copied to be dialed.
	want := []string{`spring/spring-2 +12125550102 (its record says "+12125550109": changed in place, left out)`, "spring/spring-3 +12125550103"}
	if !slices.Equal(rep.LostLeads, want) || rep.Copied["leads"] != 1 {
		t.Errorf("repair: lost leads %q, %d copied; want %q and one copied", rep.LostLeads, rep.Copied["leads"], want)
	}
	fixed, err := Open(filepath.Join(dir, "r.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fixed.Close()
	n := 0
	if err := fixed.CampaignLeads("spring", func(campaign.Lead) bool { n++; return true }); err != nil || n != 1 {
		t.Errorf("the repaired store holds %d leads (%v); want the sound one", n, err)
	}
	if p, err := fixed.CheckLeadPhones(); err != nil || len(p) != 0 {
		t.Errorf("the repaired store's index by phone: %q %v", p, err)
	}
}

// The root page of the leads bucket's tree damaged: its leaf pages, sound,
// are no longer reached. Repair finds them among the pages no walk reached
// and the freelist does not list, and copies their leads, named.
func TestRepairSalvagesLeadsOfALostTree(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "h.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	leads := make([]campaign.Lead, 500)
	for i := range leads {
		leads[i] = campaign.Lead{Campaign: "spring", Phone: fmt.Sprintf("+1212555%04d", i)}
	}
	if _, err := db.ImportLeads(leads); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddDNC([]DNCEntry{{List: GlobalDNC, Phone: "+12125559999"}}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, PreLoadFreelist: true})
	if err != nil {
		t.Fatal(err)
	}
	var root uint64
	var typ string
	_ = bdb.View(func(tx *bbolt.Tx) error {
		root = uint64(tx.Bucket(bucketLeads).Root())
		info, _ := tx.Page(int(root))
		typ = info.Type
		return nil
	})
	pageSize := bdb.Info().PageSize
	bdb.Close()
	if typ != "branch" {
		t.Fatalf("the leads bucket's root page %d is a %s page; want a branch", root, typ)
	}
	writeAt(t, path, int64(root)*int64(pageSize)+8, []byte{0xff, 0xff})
	rep, err := Repair(path, filepath.Join(dir, "r.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Copied["leads"] != 500 || len(rep.RecoveredLeads) != 500 || rep.RecoveredLeads[0] != "spring/spring-1" {
		t.Fatalf("copied %d leads, %d recovered (%v); want all 500 recovered from the pages no walk reached", rep.Copied["leads"], len(rep.RecoveredLeads), rep.Check.Err())
	}
	fixed, err := Open(filepath.Join(dir, "r.db"), Options{Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer fixed.Close()
	if due, err := fixed.DueLeads("spring", time.Now(), 1000); err != nil || len(due) != 500 {
		t.Errorf("the repaired store has %d due leads (%v); want 500, indexed afresh", len(due), err)
	}
}
