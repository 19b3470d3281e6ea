package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/contact"
)

// TestRepairKeepsIDsAndPhoneIndexes: a repaired store numbers new records
// past every record it copied, and its phone indexes hold only the
// records it copied. Before, the copy dropped the contacts' counter (the
// next contact created took id 1, overwriting the first one), kept the
// index entries of leads lost with a damaged page (so re-importing the
// list skipped their numbers as already in the campaign) and, with the
// campaign's lead counter lost too, numbered a re-import's leads from 1
// over the leads copied.
func TestRepairKeepsIDsAndPhoneIndexes(t *testing.T) {
	db, path := openTemp(t)
	keys := ring(t, testKeys(t, "k1")...)
	cs := db.Contacts(keys)
	for i := range 3 {
		if err := cs.Create(&contact.Contact{Phones: []string{fmt.Sprintf("+1212555010%d", i)}, Name: fmt.Sprint("c", i)}, ct0); err != nil {
			t.Fatal(err)
		}
	}
	if err := cs.Delete(3); err != nil { // the counter is ahead of the last key
		t.Fatal(err)
	}
	var leads []campaign.Lead
	for i := range 2000 {
		leads = append(leads, campaign.Lead{Campaign: "spring", Phone: fmt.Sprintf("+1646555%04d", i)})
	}
	if _, err := db.ImportLeads(leads); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// The campaign's lead counter and one contact's index entry are lost
	// (this index entry names a contact that is gone); a page of leads is
	// damaged.
	bdb, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bbolt.Tx) error {
		return errors.Join(tx.Bucket(bucketLeadSeq).Delete([]byte("spring")),
			tx.Bucket(bucketContactPhones).Put([]byte("orphan"), contactKey(99)))
	})
	bdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	at := bytes.LastIndex(raw, []byte(`{"id":"spring-`))
	id, pageSize := pageIn(t, path, at/os.Getpagesize())
	writeAt(t, path, int64(id)*int64(pageSize)+8, []byte{0, 0})

	out := filepath.Join(t.TempDir(), "repaired.db")
	rep, err := Repair(path, out, keys)
	if err != nil {
		t.Fatal(err)
	}
	copied := rep.Copied["leads"]
	if copied == 0 || copied >= 2000 {
		t.Fatalf("copied %d leads of 2000; want some lost with the damaged page", copied)
	}
	if rep.Unindexed != 1 {
		t.Errorf("unindexed %d contact numbers, want the orphan one", rep.Unindexed)
	}
	db, err = Open(out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	cs = db.Contacts(keys)
	c := contact.Contact{Phones: []string{"+12125550199"}, Name: "new"}
	if err := cs.Create(&c, ct0); err != nil {
		t.Fatal(err)
	}
	if c.ID != 4 {
		t.Errorf("a new contact after the repair got id %d, want 4 (ids 1-3 were used)", c.ID)
	}
	if got, err := cs.ByPhone("+12125550100"); err != nil || got.Name != "c0" {
		t.Errorf("contact 1 after a new one: %+v %v", got, err)
	}

	phones := make([]string, len(leads))
	for i, l := range leads {
		phones[i] = l.Phone
	}
	has, err := db.LeadPhones("spring", phones)
	if err != nil {
		t.Fatal(err)
	}
	known := 0
	for _, h := range has {
		if h {
			known++
		}
	}
	if known != copied {
		t.Errorf("%d numbers indexed as in the campaign, want the %d leads copied", known, copied)
	}
	res, err := db.ImportLeads(leads)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 2000-copied {
		t.Errorf("re-import added %d leads, want the %d lost", res.Added, 2000-copied)
	}
	n, ids := 0, map[string]bool{}
	if err := db.CampaignLeads("spring", func(l campaign.Lead) bool {
		n++
		ids[l.ID] = true
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if n != 2000 || len(ids) != 2000 {
		t.Errorf("after the re-import the campaign has %d leads (%d ids), want 2000", n, len(ids))
	}
	if p, err := db.CheckLeadPhones(); len(p) != 0 || err != nil {
		t.Errorf("check of the phone index: %v %v", p, err)
	}
	// An entry of a lead that is gone is named.
	if err := db.Apply(func(tx *Tx) error {
		return tx.btx.Bucket(bucketLeadPhones).Put(phoneKey("spring", "+16465559999"), []byte("spring-77777"))
	}); err != nil {
		t.Fatal(err)
	}
	if p, err := db.CheckLeadPhones(); len(p) != 1 || err != nil || !strings.Contains(p[0], `"spring-77777"`) {
		t.Errorf("check of the phone index with an orphan entry: %v %v", p, err)
	}
}
