package engine

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/store"
)

// twoCampaignsConfig: two campaigns (%s and %s mode) dial for the same
// agents, a1 alone in the first and with a2 in the second.
const twoCampaignsConfig = `
store: {path: unused.db}
pbx: {type: sim}
agents:
  - {id: a1, endpoint: sim/a1}
  - {id: a2, endpoint: sim/a2}
campaigns:
  - name: pa
    endpoint: sim/{number}
    caller_id: "+15550000000"
    mode: %s
    ring_timeout: 20s
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    agents: [a1]
    wrap_up: 3s
    safe_harbour: [sound:safe-harbour]
  - name: pb
    endpoint: sim/{number}
    caller_id: "+15550000000"
    mode: %s
    ring_timeout: 20s
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    agents: [a1, a2]
    wrap_up: 3s
    safe_harbour: [sound:safe-harbour]
`

// TestCampaignsShareAgent: an agent in two running campaigns is counted
// free by one of them at a time, taking turns. Before, each counted them
// and dialed for them, and of the two leads answering one found no agent:
// an abandon (safe-harbour message, the lead rested 72 hours) in
// progressive mode, which never dials ahead, until the cap paused the
// campaign.
func TestCampaignsShareAgent(t *testing.T) {
	for _, modes := range [][2]string{{"progressive", "progressive"}, {"progressive", "power"}} {
		t.Run(modes[0]+"+"+modes[1], func(t *testing.T) { campaignsShareAgent(t, modes[0], modes[1]) })
	}
}

func campaignsShareAgent(t *testing.T, modeA, modeB string) {
	db, err := store.Open(filepath.Join(t.TempDir(), "hotline.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var leads []campaign.Lead
	for _, name := range []string{"pa", "pb"} {
		for i := range 30 {
			leads = append(leads, campaign.Lead{ID: fmt.Sprintf("%s-%02d", name, i), Campaign: name, Phone: fmt.Sprintf("+33140%s%04d", map[string]string{"pa": "1", "pb": "2"}[name], i)})
		}
	}
	if _, err := db.ImportLeads(leads); err != nil {
		t.Fatal(err)
	}
	trace := &strings.Builder{}
	var clock *sim.Clock
	r, err := NewSimRun(SimOptions{
		Core: Options{Config: parseConfig(t, fmt.Sprintf(twoCampaignsConfig, modeA, modeB)), Store: db, Seed: 3,
			Trace: func(now time.Time, line string) {
				if now.IsZero() && clock != nil {
					now = clock.Now()
				}
				fmt.Fprintf(trace, "%8s %s\n", now.Sub(epoch).Round(time.Millisecond), line)
			}},
		Start: epoch,
		Sim:   sim.Options{Seed: 3, Latency: 20 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	clock = r.Clock
	for _, a := range []string{"sim/a1", "sim/a2"} {
		if err := r.Switch.SetPhone(a, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 500 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range leads {
		if err := r.Switch.SetPhone("sim/"+l.Phone, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 3 * time.Second, HangupAfter: 20 * time.Second}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Login("a1", "a2"); err != nil {
		t.Fatal(err)
	}
	if err := r.Do(func(c *Core, now time.Time) error {
		if err := c.StartCampaign(now, "pa"); err != nil {
			return err
		}
		return c.StartCampaign(now, "pb")
	}); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(db, time.Second)
	r.RunUntil(epoch.Add(10 * time.Minute))
	reached := map[string]map[string]int{} // campaign → agent → leads connected
	for _, st := range r.Core.Campaigns(r.Clock.Now()) {
		if st.Stats.Abandoned != 0 || st.State != CampaignRunning {
			t.Errorf("campaign %s (%s): %s, %d abandoned; want running, none abandoned (progressive never dials ahead of its agents, power not before its window has room for an abandon)\n%s",
				st.Name, st.Mode, st.State, st.Stats.Abandoned, trace)
		}
		reached[st.Name] = map[string]int{}
	}
	for rec, err := range db.Calls(store.Filter{Direction: acd.DirectionOutbound}) {
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(rec.Queue, strings.TrimSuffix(CampaignQueue("x"), "x"))
		if rec.Agent != "" && reached[name] != nil {
			reached[name][rec.Agent]++
		}
	}
	// a1 takes turns: both campaigns reach it, each several times.
	if reached["pa"]["a1"] < 5 || reached["pb"]["a1"] < 5 || reached["pb"]["a2"] < 5 {
		t.Errorf("leads connected per campaign and agent: %v; want a1 reached by both campaigns, a2 by pb, each 5 times or more", reached)
	}
}
