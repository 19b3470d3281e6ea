package engine

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

// TestCampaignsShareAgentsWithCallers: two running campaigns share two
// agents who also answer an inbound queue that has a caller every minute.
// Each campaign has one of the agents by turn, and each set one agent
// aside for the callers expected while a dial rings: two set aside for
// one caller expected, so neither dialed at all. The callers are now set
// aside once between them: an idle campaign's free agent stands in for
// the other's, which dials (its answer may take that agent if a caller
// took its own).
func TestCampaignsShareAgentsWithCallers(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "hotline.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var leads []campaign.Lead
	for i := range 200 {
		leads = append(leads, campaign.Lead{Campaign: []string{"pa", "pb"}[i%2], Phone: fmt.Sprintf("+3314%07d", i)})
	}
	if _, err := db.ImportLeads(leads); err != nil {
		t.Fatal(err)
	}
	const cfg = `
store: {path: unused.db}
pbx: {type: sim}
entries: [{number: "100", queue: support}]
queues: [{name: support, wrap_up: 3s}]
agents:
  - {id: a1, endpoint: sim/a1, queues: [{queue: support}]}
  - {id: a2, endpoint: sim/a2, queues: [{queue: support}]}
campaigns:
  - {name: pa, endpoint: "sim/{number}", caller_id: "+15550000000", mode: progressive, ring_timeout: 20s, queues: [support], safe_harbour: [sound:safe-harbour]}
  - {name: pb, endpoint: "sim/{number}", caller_id: "+15550000000", mode: progressive, ring_timeout: 20s, queues: [support], safe_harbour: [sound:safe-harbour]}
`
	r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, cfg), Store: db, Seed: 1}, Start: epoch})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range leads {
		if err := r.Switch.SetPhone("sim/"+l.Phone, farend.Phone{Mode: farend.PhoneNoAnswer}); err != nil {
			t.Fatal(err)
		}
	}
	loginAnswering(t, r, []string{"a1", "a2"})
	// A caller offered to the queue every minute, as the arrivals the
	// campaigns count (no call placed: the agents stay free to count).
	var offer func()
	offer = func() {
		r.Clock.Schedule(r.Clock.Now().Add(time.Minute), func() {
			_ = r.Do(func(c *Core, now time.Time) error { c.inboundOffered(now, c.queueIdx["support"]); return nil })
			offer()
		})
	}
	offer()
	for _, name := range []string{"pa", "pb"} {
		if err := r.Do(func(c *Core, now time.Time) error {
			if err := c.StartCampaign(now, name); err != nil {
				return err
			}
			c.camps[name].pacer.RestoreHour(now, 1000, 0) // a seasoned window: room for abandons
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	r.ServeLeads(db, time.Second)
	// Once both have leads to dial, a2's turn is pb's (as after a lead of
	// pa connected to a2 passed it on): each campaign counts one agent.
	r.RunUntil(epoch.Add(30 * time.Second))
	if err := r.Do(func(c *Core, now time.Time) error { c.agentIdx["a2"].turn = "pb"; return nil }); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(2 * time.Minute)) // the dials of before have rung out
	before := 0
	for _, st := range r.Core.Campaigns(r.Clock.Now()) {
		before += st.Stats.Dialed
	}
	r.RunUntil(epoch.Add(20 * time.Minute))
	dialed := -before
	for _, st := range r.Core.Campaigns(r.Clock.Now()) {
		dialed += st.Stats.Dialed
	}
	if dialed < 20 {
		t.Errorf("the two campaigns dialed %d leads in 18 minutes; the callers expected are set aside once, not once per campaign", dialed)
	}
}
