package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

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
