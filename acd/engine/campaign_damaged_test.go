package engine

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/store"
)

// TestCampaignDamagedLeadNotDialed: a lead whose stored number was
// changed in place (a damaged byte or two, the record still decoding) is
// not dialed: its number is not indexed to it, so the hopper leaves it
// out and the daemon names it once; the other leads are dialed. A number
// damaged into one Hotline never writes (not E.164) is left out so too.
func TestCampaignDamagedLeadNotDialed(t *testing.T) {
	for _, tc := range []struct{ name, to string }{
		{"a digit changed", `"phone":"+33140000009"`},
		{"not a number", "\"phone\":\"+33140\xff\xfe0002\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "hotline.db")
			db, err := store.Open(path, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.ImportLeads([]campaign.Lead{{Campaign: "renewals", Phone: "+33140000001"}, {Campaign: "renewals", Phone: "+33140000002"}}); err != nil {
				t.Fatal(err)
			}
			db.Close()
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			from := []byte(`"phone":"+33140000002"`)
			if !bytes.Contains(raw, from) || len(tc.to) != len(from) {
				t.Fatalf("the lead's record is not in the file as written")
			}
			// Every copy: a page bbolt freed may hold an older one.
			if err := os.WriteFile(path, bytes.ReplaceAll(raw, from, []byte(tc.to)), 0o600); err != nil {
				t.Fatal(err)
			}
			db, err = store.Open(path, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			rig := &campaignRig{db: db, kinds: map[string]leadKind{}, phone: map[string]string{}, trace: &strings.Builder{}}
			for id, l := range rig.leads(t) {
				rig.kinds[id], rig.phone[id] = leadAnswers, l.Phone
			}
			r := rig.start(t, keptConfig("1h"), []string{"a1"})
			if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
				t.Fatal(err)
			}
			r.ServeLeads(db, time.Second)
			r.RunUntil(epoch.Add(5 * time.Minute))
			dials := rig.dials(t)
			if len(dials["+33140000001"]) != 1 || len(dials) != 1 {
				n := map[string]int{}
				for phone, recs := range dials {
					n[phone] = len(recs)
				}
				t.Fatalf("dials by number %v; want the sound lead's only\n%s", n, rig.trace)
			}
			if w := r.Core.Warnings()["campaign-lead-unreadable"]; w != 1 {
				t.Errorf("%d warnings naming the damaged lead; want 1 (named once, though read every second)\n%s", w, rig.trace)
			}
			if !strings.Contains(rig.trace.String(), "renewals/renewals-2") {
				t.Errorf("the warning does not name the lead\n%s", rig.trace)
			}
		})
	}
}
