package store

import (
	"errors"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
)

// A lead saved through the writer's op moves in the hopper like one saved
// in a transaction: out while Dialing, back under its next attempt.
func TestPutLeadOpKeepsHopper(t *testing.T) {
	db := openLeadsDB(t)
	now := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	if _, err := db.ImportLeads([]campaign.Lead{{Campaign: "spring", Phone: "+12125550100"}}); err != nil {
		t.Fatal(err)
	}
	due, err := db.DueLeads("spring", now, 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("due = %v, %v", due, err)
	}
	l, err := campaign.StartDial(due[0], now)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Write([]Op{PutLead(&l)}); err != nil {
		t.Fatal(err)
	}
	if due, _ := db.DueLeads("spring", now.Add(time.Hour), 10); len(due) != 0 {
		t.Fatalf("a dialing lead is still in the hopper: %+v", due)
	}
	l, err = campaign.DialEnded(l, campaign.Busy, campaign.DefaultRetry(), now)
	if err != nil {
		t.Fatal(err)
	}
	op := PutLead(&l)
	l.Phone = "changed after the op was built"
	if err := db.Write([]Op{op}); err != nil {
		t.Fatal(err)
	}
	if due, _ := db.DueLeads("spring", now.Add(9*time.Minute), 10); len(due) != 0 {
		t.Fatalf("due before its busy retry: %+v", due)
	}
	due, _ = db.DueLeads("spring", now.Add(10*time.Minute), 10)
	if len(due) != 1 || due[0].Attempts != 1 || due[0].State != campaign.Scheduled || due[0].Phone != "+12125550100" {
		t.Fatalf("after the retry delay: %+v", due)
	}
	if err := PutLead(&campaign.Lead{ID: "x"}).Check(); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a lead without campaign and phone: %v", err)
	}
}
