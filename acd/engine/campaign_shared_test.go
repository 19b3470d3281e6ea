package engine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/store"
)

// twoCampaignsConfig: two campaigns dial for the same agent a1: pa's mode
// (and settings) and hours, pb's mode, abandon cap and agents.
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
    schedule: {hours: "%s", time_zone: UTC}
    agents: [a1]
    wrap_up: 3s
    safe_harbour: [sound:safe-harbour]
  - name: pb
    endpoint: sim/{number}
    caller_id: "+15550000000"
    mode: %s
    ratio: 3
    abandon_cap: %v
    ring_timeout: 20s
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    agents: [%s]
    wrap_up: 3s
    safe_harbour: [sound:safe-harbour]
`

// TestCampaignsShareAgent: an agent in two running campaigns is counted
// free by one of them at a time, taking turns. Before, each counted them
// and dialed for them, and of the two leads answering one found no agent:
// an abandon (safe-harbour message, the lead rested 72 hours) in
// progressive mode, which never dials ahead, until the cap paused the
// campaign. A campaign that cannot use the agent (closed, out of leads)
// does not keep its turn; a predictive campaign's extra answer does not
// take the agent another campaign dialed for.
func TestCampaignsShareAgent(t *testing.T) {
	for _, tc := range []struct {
		name, modeA, hoursA, modeB string
		capB                       float64
		agentsB                    string
		leadsA, leadsB             int
		answerB                    int // one of pb's leads in answerB answers; the others ring out
		// wantA: a1 connected to pa's leads at least this many times
		// (else never); wantB: to pb's.
		wantA, wantB int
	}{
		{"progressive+progressive", "progressive", "00:00-24:00", "progressive", 0.03, "a1, a2", 30, 30, 1, 5, 5},
		{"progressive+power", "progressive", "00:00-24:00", "power", 0.03, "a1, a2", 30, 30, 1, 5, 5},
		// pb dials ahead (three calls per agent it counts) once its high
		// cap has room, and predictive too; their extra answers must leave
		// a1 alone while pa counts on a1.
		{"progressive+power ahead", "progressive", "00:00-24:00", "power", 0.3, "a1, a2", 30, 200, 1, 5, 1},
		{"progressive+predictive", "progressive", "00:00-24:00", "predictive", 0.3, "a1, a2", 30, 200, 4, 5, 1},
		// pa cannot use a1 (closed, or out of leads): pb, with a1 alone,
		// must not wait for pa's turn to pass.
		{"first closed", "progressive", "03:00-04:00", "progressive", 0.03, "a1", 30, 30, 1, 0, 10},
		{"first out of leads", "progressive", "00:00-24:00", "progressive", 0.03, "a1", 2, 30, 1, 1, 10},
		// A preview lead a1 dialed waits for a1, whatever pb counts on.
		{"preview+progressive", "preview", "00:00-24:00", "progressive", 0.03, "a2, a1", 30, 30, 1, 5, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			modeA := tc.modeA
			if modeA == "preview" {
				modeA += "\n    preview_timeout: 2s\n    preview_on_timeout: dial"
			}
			cfg := fmt.Sprintf(twoCampaignsConfig, modeA, tc.hoursA, tc.modeB, tc.capB, tc.agentsB)
			st, reached, trace := runTwoCampaigns(t, cfg, tc.leadsA, tc.leadsB, tc.answerB, nil)
			if a := st["pa"]; a.Stats.Abandoned != 0 || a.State != CampaignRunning {
				t.Errorf("campaign pa (%s): %s, %d abandoned; want running, none abandoned (progressive never dials ahead of its agents, a preview's lead waits for its agent)\n%s",
					a.Mode, a.State, a.Stats.Abandoned, trace)
			}
			if b := st["pb"]; tc.capB < 0.1 && (b.Stats.Abandoned != 0 || b.State != CampaignRunning) {
				t.Errorf("campaign pb (%s): %s, %d abandoned; want running, none abandoned (power not before its window has room for an abandon)\n%s",
					b.Mode, b.State, b.Stats.Abandoned, trace)
			}
			gotA, gotB := reached["pa"]["a1"], reached["pb"]["a1"]
			if (tc.wantA == 0) != (gotA == 0) || gotA < tc.wantA || gotB < tc.wantB {
				t.Errorf("leads connected per campaign and agent: %v; want a1 reached by pa at least %d times (0: never), by pb at least %d", reached, tc.wantA, tc.wantB)
			}
			t.Logf("connected: %v; pb abandoned %d", reached, st["pb"].Stats.Abandoned)
		})
	}
}

// runTwoCampaigns runs pa (leadsA leads, all answering after 10 s) and pb (leadsB,
// one in answerB answering) for ten minutes, and returns their status, the
// leads each connected to each agent, and the engine's trace. at, when
// not nil, is done 2 s after the start.
func runTwoCampaigns(t *testing.T, cfg string, leadsA, leadsB, answerB int, at func(c *Core, now time.Time) error) (map[string]CampaignStatus, map[string]map[string]int, string) {
	db, err := store.Open(filepath.Join(t.TempDir(), "hotline.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var leads []campaign.Lead
	answers := map[string]bool{}
	for i := range leadsA {
		l := campaign.Lead{ID: fmt.Sprintf("pa-%03d", i), Campaign: "pa", Phone: fmt.Sprintf("+331401%04d", i)}
		leads, answers[l.Phone] = append(leads, l), true
	}
	for i := range leadsB {
		l := campaign.Lead{ID: fmt.Sprintf("pb-%03d", i), Campaign: "pb", Phone: fmt.Sprintf("+331402%04d", i)}
		leads, answers[l.Phone] = append(leads, l), i%answerB == 0
	}
	if _, err := db.ImportLeads(leads); err != nil {
		t.Fatal(err)
	}
	trace := &strings.Builder{}
	var clock *sim.Clock
	r, err := NewSimRun(SimOptions{
		Core: Options{Config: parseConfig(t, cfg), Store: db, Seed: 3,
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
		// pa's leads ring 10 s: a1 waits that long, free, for each.
		p := farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 3 * time.Second, HangupAfter: 20 * time.Second}
		if l.Campaign == "pa" {
			p.AnswerDelay = 10 * time.Second
		}
		if !answers[l.Phone] {
			p = farend.Phone{Mode: farend.PhoneNoAnswer}
		}
		if err := r.Switch.SetPhone("sim/"+l.Phone, p); err != nil {
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
	if at != nil {
		r.RunUntil(epoch.Add(2 * time.Second))
		if err := r.Do(at); err != nil {
			t.Fatal(err)
		}
	}
	r.RunUntil(epoch.Add(10 * time.Minute))
	st := map[string]CampaignStatus{}
	reached := map[string]map[string]int{} // campaign → agent → leads connected
	for _, s := range r.Core.Campaigns(r.Clock.Now()) {
		st[s.Name], reached[s.Name] = s, map[string]int{}
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
	return st, reached, trace.String()
}

// TestSharedAgentKeptForAPausedCampaignsLead: pa, paused or stopped while
// its dial for a1 rings, keeps a1 for that dial: the lead answers and
// reaches a1, and pb, which shares a1, dials for a1 only after it. Before,
// a campaign no longer running dropped out of the agent's turns at once,
// pb dialed for a1 and took it, and pa's answered lead found no one: an
// abandon in progressive mode (safe-harbour message, the number rested 72
// hours, and counted against the cap).
func TestSharedAgentKeptForAPausedCampaignsLead(t *testing.T) {
	for _, action := range []string{"pause", "stop"} {
		t.Run(action, func(t *testing.T) {
			cfg := fmt.Sprintf(twoCampaignsConfig, "progressive", "00:00-24:00", "progressive", 0.03, "a1")
			st, reached, trace := runTwoCampaigns(t, cfg, 30, 30, 1, func(c *Core, now time.Time) error {
				if action == "pause" {
					return c.PauseCampaign(now, "pa")
				}
				return c.StopCampaign(now, "pa")
			})
			if a := st["pa"]; a.Stats.Abandoned != 0 || a.Stats.Connected != 1 || reached["pa"]["a1"] != 1 {
				t.Errorf("pa after its %s: %d connected, %d abandoned, a1 reached %d times; want its ringing lead connected to a1 and none abandoned\n%s",
					action, a.Stats.Connected, a.Stats.Abandoned, reached["pa"]["a1"], trace)
			}
			if b := st["pb"]; b.Stats.Abandoned != 0 || reached["pb"]["a1"] < 5 {
				t.Errorf("pb: %d abandoned, a1 reached %d times; want none abandoned and a1 working pb's leads after pa's", b.Stats.Abandoned, reached["pb"]["a1"])
			}
		})
	}
}

// TestSharedAgentTakesWaitingLeadOnceFree: pb's answered leads wait for an
// agent while a1, whom pb shares with pa, is kept for pa's dial ringing;
// when that dial ends (pa has nothing left), a1 is pb's, and the next tick
// offers a1 a waiting lead: no event of a1's would (a1 stayed free all
// along), so without the offer each tick makes the lead is abandoned.
func TestSharedAgentTakesWaitingLeadOnceFree(t *testing.T) {
	cfg := `
store: {path: unused.db}
pbx: {type: sim}
agents:
  - {id: a1, endpoint: sim/a1}
  - {id: a2, endpoint: sim/a2}
  - {id: a3, endpoint: sim/a3}
campaigns:
  - name: pa
    endpoint: sim/{number}
    caller_id: "+15550000000"
    mode: progressive
    ring_timeout: 5m
    agents: [a1]
    safe_harbour: [sound:safe-harbour]
  - name: pb
    endpoint: sim/{number}
    caller_id: "+15550000000"
    mode: power
    ratio: 3
    abandon_cap: 0.9
    ring_timeout: 20s
    agents: [a1, a2, a3]
    wrap_up: 3s
    safe_harbour: [sound:safe-harbour]
`
	db, err := store.Open(filepath.Join(t.TempDir(), "hotline.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	leads := []campaign.Lead{{ID: "pa-0", Campaign: "pa", Phone: "+33140100000"}}
	for i := range 20 {
		leads = append(leads, campaign.Lead{ID: fmt.Sprintf("pb-%02d", i), Campaign: "pb", Phone: fmt.Sprintf("+3314020%04d", i)})
	}
	if _, err := db.ImportLeads(leads); err != nil {
		t.Fatal(err)
	}
	trace := &strings.Builder{}
	var clock *sim.Clock
	r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, cfg), Store: db, Seed: 3,
		Trace: func(now time.Time, line string) {
			if now.IsZero() && clock != nil {
				now = clock.Now()
			}
			fmt.Fprintf(trace, "%8s %s\n", now.Sub(epoch).Round(time.Millisecond), line)
		}}, Start: epoch,
		Sim: sim.Options{Seed: 3, Latency: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	clock = r.Clock
	for _, a := range []string{"sim/a1", "sim/a2", "sim/a3"} {
		if err := r.Switch.SetPhone(a, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 200 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range leads {
		p := farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 3 * time.Second, HangupAfter: time.Minute}
		if l.Campaign == "pa" {
			p = farend.Phone{Mode: farend.PhoneNoAnswer}
		}
		if err := r.Switch.SetPhone("sim/"+l.Phone, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Login("a1", "a2", "a3"); err != nil {
		t.Fatal(err)
	}
	if err := r.Do(func(c *Core, now time.Time) error {
		return errors.Join(c.StartCampaign(now, "pa"), c.StartCampaign(now, "pb"))
	}); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(db, time.Second)
	// Run until pb has answered leads waiting with a2 and a3 busy, a1 kept
	// for pa's dial.
	var paDial pbx.ChannelID
	var waiting []string
	for now := epoch; len(waiting) == 0; {
		if now.After(epoch.Add(5 * time.Minute)) {
			t.Fatal("pb never had a lead waiting for an agent")
		}
		now = now.Add(100 * time.Millisecond)
		r.RunUntil(now)
		if err := r.Do(func(c *Core, now time.Time) error {
			for ch := range c.camps["pa"].dials {
				paDial = ch
			}
			for id, d := range c.camps["pb"].byCall {
				if !d.settled && d.call.agent == nil && d.call.queue != nil && len(d.call.legs) == 0 {
					waiting = append(waiting, id)
				}
			}
			a, err := c.agentByID("a1")
			if err != nil {
				return err
			}
			if len(waiting) > 0 && (paDial == "" || a.call != nil) {
				return fmt.Errorf("pb's leads wait, pa's dial %q, a1 on %v: want pa's dial ringing and a1 free", paDial, a.call)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Switch.Hangup(context.Background(), paDial, pbx.CauseNoAnswer); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(r.Clock.Now().Add(3 * time.Second))
	took := ""
	if err := r.Do(func(c *Core, now time.Time) error {
		a, err := c.agentByID("a1")
		if err != nil {
			return err
		}
		if cl := a.call; cl != nil {
			if _, d := c.leadOf(cl); d != nil && d.run.cfg.Name == "pb" {
				took = cl.id
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(waiting, took) {
		t.Errorf("a1 on %q after pa's dial ended; want one of pb's waiting leads %v\n%s", took, waiting, trace)
	}
}

// TestSharedAgentTurnSurvivesRestart: whose turn it is to dial for an
// agent two campaigns share is saved with the agent, so a restart does not
// hand the turn back to the first campaign by name.
func TestSharedAgentTurnSurvivesRestart(t *testing.T) {
	st := newMemStore()
	r := newRestartableRun(t, fmt.Sprintf(twoCampaignsConfig, "progressive", "00:00-24:00", "progressive", 0.03, "a1"), st)
	if err := r.Login("a1"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"pa", "pb"} {
		if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, name) }); err != nil {
			t.Fatal(err)
		}
	}
	do(t, r, "pa's lead connected", func(c *Core, now time.Time) error {
		a := c.agentIdx["a1"]
		c.passTurn(c.camps["pa"], a)
		if a.turn != "pb" {
			t.Fatalf("after a lead of pa, the turn is %q, want pb", a.turn)
		}
		c.saveAgent(now, a)
		return nil
	})
	r.RunUntil(epoch.Add(time.Second))
	kill(t, r)
	restart(t, r, st, "run2", nil)
	if err := r.Do(func(c *Core, now time.Time) error {
		if got := c.agentIdx["a1"].turn; got != "pb" {
			t.Errorf("after the restart the turn is %q, want pb", got)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
