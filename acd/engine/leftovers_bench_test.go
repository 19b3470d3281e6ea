package engine

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/store"
)

// BenchmarkReadLeftovers is what a start reads of a campaign's leads to
// settle those a run left mid-call and find those waiting for a callback:
// 30 leads dialing, 10 shown to an agent and 5 callbacks among 1,000 and
// among 1,000,000 (-short: 100,000). Both cost the 45 leads, not the
// campaign; µs/scan is what reading every lead, as a
// start did before the index, costs at that size.
func BenchmarkReadLeftovers(b *testing.B) {
	big := 1_000_000
	if testing.Short() {
		big = 100_000
	}
	cfg := parseConfig(b, strings.Replace(fmt.Sprintf(campaignConfig, "preview", 1.0), "name: renewals", "name: big", 1))
	now := epoch.Add(time.Hour)
	for _, n := range []int{1000, big} {
		b.Run(fmt.Sprintf("leads=%d", n), func(b *testing.B) {
			db, err := store.Open(filepath.Join(b.TempDir(), "h.db"), store.Options{NoSync: true})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			leads := make([]campaign.Lead, n)
			for i := range leads {
				leads[i] = campaign.Lead{Campaign: "big", Phone: fmt.Sprintf("+1212%07d", i)}
				switch {
				case i%(n/30) == 0 && i < 30*(n/30):
					leads[i].State, leads[i].Attempts = campaign.Dialing, 1
				case i%(n/10) == 1 && i < 10*(n/10):
					leads[i].PreviewAgent, leads[i].PreviewUntil = "a1", now.Add(time.Minute)
				case i%(n/5) == 2 && i < 5*(n/5):
					leads[i].State, leads[i].NextAttempt = campaign.Callback, now.Add(time.Hour)
				}
			}
			if _, err := db.ImportLeads(leads); err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			scanned := 0
			if err := db.CampaignLeads("big", func(l campaign.Lead) bool {
				if l.ReadAtRestart() {
					scanned++
				}
				return true
			}); err != nil {
				b.Fatal(err)
			}
			scan := time.Since(start)
			for b.Loop() {
				left, err := ReadLeftovers(db, cfg, now)
				if err != nil || len(left.Dialing) != 30 || len(left.Reserved) != 10 || len(left.Callbacks["big"]) != 5 || scanned != 45 {
					b.Fatalf("%d dialing, %d reserved, %d callbacks (%v); a scan finds %d to read, want 30, 10 and 5", len(left.Dialing), len(left.Reserved), len(left.Callbacks["big"]), err, scanned)
				}
			}
			b.ReportMetric(float64(scan.Microseconds()), "µs/scan")
		})
	}
}
