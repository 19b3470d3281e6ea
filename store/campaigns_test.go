package store

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/hotline-cc/hotline/acd/campaign"
)

func TestCampaignProgressAndHours(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "h.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	ops := []Op{
		PutCampaignProgress(&campaign.Progress{Name: "spring", State: campaign.Paused, Changed: t0, Counts: campaign.Counts{Dialed: 7, Abandoned: 1}}),
		PutCampaignHour(&campaign.HourCount{Campaign: "spring", Hour: t0.Add(-2 * time.Hour), Live: 3}),
		PutCampaignHour(&campaign.HourCount{Campaign: "spring", Hour: t0.Add(25 * time.Minute), Live: 4, Abandoned: 1}),
		PutCampaignHour(&campaign.HourCount{Campaign: "spring2", Hour: t0, Live: 9}),
	}
	if err := db.Write(ops); err != nil {
		t.Fatal(err)
	}
	// The same hour again replaces its counts.
	if err := db.Write([]Op{PutCampaignHour(&campaign.HourCount{Campaign: "spring", Hour: t0.Add(50 * time.Minute), Live: 5, Abandoned: 1})}); err != nil {
		t.Fatal(err)
	}
	ps, err := db.CampaignProgress()
	if err != nil || len(ps) != 1 || ps[0].State != campaign.Paused || ps[0].Counts.Dialed != 7 || !ps[0].Changed.Equal(t0) {
		t.Fatalf("progress %+v, %v", ps, err)
	}
	hs, err := db.CampaignHours("spring", t0.Add(-59*time.Minute))
	if err != nil || len(hs) != 1 || hs[0].Live != 5 || hs[0].Abandoned != 1 || !hs[0].Hour.Equal(t0) {
		t.Fatalf("hours from 09:01: %+v, %v; want the 10:00 hour only", hs, err)
	}
	hs, err = db.CampaignHours("spring", t0.Add(-90*time.Minute))
	if err != nil || len(hs) != 2 || hs[0].Live != 3 {
		t.Fatalf("hours from 08:30: %+v, %v; want 08:00 (it holds 08:30) and 10:00", hs, err)
	}
	if err := db.Write([]Op{PutCampaignProgress(&campaign.Progress{})}); !errors.Is(err, ErrInvalid) {
		t.Errorf("progress without a name: %v", err)
	}
}

// A campaign's progress stored by a version that wrote its counts under
// the Go field names still reads; saving it again writes the snake_case
// keys the API answers with.
func TestCampaignProgressOldCountKeys(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "h.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	old := `{"name":"spring","state":"paused","changed":"2026-03-01T10:00:00Z","counts":{"Dialed":9,"Answered":5,"Connected":4,"Abandoned":1,"Busy":2,"NoAnswer":1,"Failed":1,"Machine":0,"SkippedDNC":3,"SkippedWindow":2,"SkippedPreview":6}}`
	if err := db.bolt.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketCampaigns)
		if err != nil {
			return err
		}
		return b.Put([]byte("spring"), []byte(old))
	}); err != nil {
		t.Fatal(err)
	}
	want := campaign.Counts{Dialed: 9, Answered: 5, Connected: 4, Abandoned: 1, Busy: 2, NoAnswer: 1, Failed: 1, SkippedDNC: 3, SkippedWindow: 2, SkippedPreview: 6}
	ps, err := db.CampaignProgress()
	if err != nil || len(ps) != 1 || ps[0].Counts != want {
		t.Fatalf("old form read as %+v, %v; want counts %+v", ps, err, want)
	}
	if err := db.Write([]Op{PutCampaignProgress(&ps[0])}); err != nil {
		t.Fatal(err)
	}
	var raw string
	if err := db.bolt.View(func(tx *bbolt.Tx) error { raw = string(tx.Bucket(bucketCampaigns).Get([]byte("spring"))); return nil }); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"dialed":9`, `"no_answer":1`, `"skipped_dnc":3`, `"skipped_window":2`, `"skipped_preview":6`} {
		if !strings.Contains(raw, k) {
			t.Errorf("saved again as %s; want %s in it", raw, k)
		}
	}
	if strings.Contains(raw, "SkippedDNC") {
		t.Errorf("saved again as %s; the old keys should be gone", raw)
	}
	if ps, err = db.CampaignProgress(); err != nil || len(ps) != 1 || ps[0].Counts != want {
		t.Fatalf("new form read as %+v, %v; want counts %+v", ps, err, want)
	}
}

// What a campaign's pacer learned is kept per campaign, the last save
// replacing the one before; a store from before the bucket existed reads
// as having none, and a damaged record is named.
func TestCampaignLearned(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	if _, ok, err := db.CampaignLearned("spring"); ok || err != nil {
		t.Fatalf("nothing saved yet: ok %v, %v", ok, err)
	}
	data := []byte{1, 2, 3, 0, 255}
	l := &campaign.Learned{Campaign: "spring", Saved: t0, Pacer: data}
	op := PutCampaignLearned(l)
	data[0] = 9 // the op holds its own copy
	if err := db.Write([]Op{op, PutCampaignLearned(&campaign.Learned{Campaign: "summer", Saved: t0, Pacer: []byte{7}})}); err != nil {
		t.Fatal(err)
	}
	if err := db.Write([]Op{PutCampaignLearned(&campaign.Learned{Campaign: "spring", Saved: t0.Add(time.Minute), Pacer: []byte{1, 4}})}); err != nil {
		t.Fatal(err)
	}
	got, ok, err := db.CampaignLearned("spring")
	if err != nil || !ok || string(got.Pacer) != "\x01\x04" || !got.Saved.Equal(t0.Add(time.Minute)) {
		t.Fatalf("spring: %+v, %v, %v; want the second save", got, ok, err)
	}
	if err := db.Write([]Op{PutCampaignLearned(&campaign.Learned{})}); !errors.Is(err, ErrInvalid) {
		t.Errorf("learned figures without a campaign: %v", err)
	}
	// Damage, then a store that never had the bucket.
	if err := db.bolt.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketCampaignLearned).Put([]byte("summer"), []byte("{"))
	}); err != nil {
		t.Fatal(err)
	}
	var de *DecodeError
	if _, _, err := db.CampaignLearned("summer"); !errors.As(err, &de) || de.Bucket != "campaign_learned" || de.Key != "summer" {
		t.Errorf("damaged record: %v; want a decode error naming campaign_learned/summer", err)
	}
	if err := db.bolt.Update(func(tx *bbolt.Tx) error { return tx.DeleteBucket(bucketCampaignLearned) }); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := db.CampaignLearned("spring"); ok || err != nil {
		t.Errorf("store without the bucket: ok %v, %v; want none, no error", ok, err)
	}
	db.Close()
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Write([]Op{PutCampaignLearned(l)}); err != nil {
		t.Errorf("a read-write open did not bring the bucket back: %v", err)
	}
}
