package report

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/store"
)

// First-contact resolution counts the answered calls of known customers and
// those a later call marked repeated; anonymous and abandoned calls do not count.
func TestFirstContactResolution(t *testing.T) {
	s := time.Second
	recs := []store.CallRecord{
		call("k1", "support", at(1, 0), 5*s, acd.OutcomeAnswered, "ann"),
		call("k2", "support", at(2, 0), 5*s, acd.OutcomeAnswered, "ann"),
		call("k3", "support", at(3, 0), 5*s, acd.OutcomeAnswered, "bob"),
		call("k4", "support", at(4, 0), 5*s, acd.OutcomeAnswered, "bob"),
		call("anon", "support", at(5, 0), 5*s, acd.OutcomeAnswered, "bob"), // no contact
		call("gone", "support", at(6, 0), 50*s, acd.OutcomeAbandoned, ""),  // abandoned
	}
	for i := range recs {
		if recs[i].ID != "anon" {
			recs[i].Contact = 7
		}
	}
	recs[0].RepeatedBy = "k3"
	recs[5].RepeatedBy = "k4" // not answered: never counted
	rows := build(t, Options{From: t0, To: t0.Add(time.Hour), Interval: IntervalPeriod}, recs, nil).Totals.Queues
	if len(rows) != 1 {
		t.Fatalf("rows %+v", rows)
	}
	if r := rows[0]; r.ContactAnswered != 4 || r.Repeated != 1 || r.FCR != 0.75 {
		t.Fatalf("contact answered %d, repeated %d, FCR %v; want 4, 1, 0.75", r.ContactAnswered, r.Repeated, r.FCR)
	}
}
