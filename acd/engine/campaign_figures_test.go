package engine

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/store"
)

type campaignFigures struct {
	talkPerAgentHour float64 // minutes
	abandonRate      float64
	dials            int
}

// runCampaignFigures runs a campaign of many leads on the engine for an
// hour of virtual time: 10 agents, 30 % of dials answered after a few
// seconds of ringing, two-minute talks, 15 s of wrap-up.
func runCampaignFigures(t *testing.T, mode string) campaignFigures {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "hotline.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	importRenewals(t, db, 3000)
	const agents = 10
	cfg, ids := figuresConfig("outbound", agents, mode, "")
	r, err := NewSimRun(SimOptions{
		Core:  Options{Config: parseConfig(t, cfg), Store: db, Seed: 5},
		Start: epoch,
		Sim: sim.Options{Seed: 5, Latency: 20 * time.Millisecond, Phones: config.SimAgentPhone{
			AnswerDelay: 8 * time.Second, NoAnswerRate: 0.55, BusyRate: 0.15, TalkTime: 2 * time.Minute}},
	})
	if err != nil {
		t.Fatal(err)
	}
	loginAnswering(t, r, ids)
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(db, time.Second)
	const hours = 1
	r.RunUntil(epoch.Add(hours * time.Hour))
	var talk time.Duration
	for rec, err := range db.Calls(store.Filter{Direction: acd.DirectionOutbound}) {
		if err != nil {
			t.Fatal(err)
		}
		talk += rec.Talk
	}
	st := r.Core.Campaigns(r.Clock.Now())[0]
	if w := r.Core.Warnings(); w["illegal-transition"]+w["store"] > 0 {
		t.Errorf("warnings: %v", w)
	}
	return campaignFigures{talkPerAgentHour: talk.Minutes() / agents / hours, abandonRate: st.AbandonRate, dials: st.Stats.Dialed}
}

// TestCampaignFiguresOnEngine: the pacer hosted by the engine keeps
// predictive dialing under the 3 % cap and gives agents more talk than
// progressive dialing.
func TestCampaignFiguresOnEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("an hour of virtual time per mode")
	}
	prog := runCampaignFigures(t, "progressive")
	pred := runCampaignFigures(t, "predictive")
	t.Logf("progressive: %.1f talk min/agent-h, abandoned %.2f%%, %d dials", prog.talkPerAgentHour, 100*prog.abandonRate, prog.dials)
	t.Logf("predictive:  %.1f talk min/agent-h, abandoned %.2f%%, %d dials", pred.talkPerAgentHour, 100*pred.abandonRate, pred.dials)
	if pred.abandonRate > 0.03 {
		t.Errorf("predictive abandoned %.2f%% of live answers, over the 3%% cap", 100*pred.abandonRate)
	}
	if pred.talkPerAgentHour <= prog.talkPerAgentHour {
		t.Errorf("predictive %.1f talk min/agent-h is no better than progressive %.1f", pred.talkPerAgentHour, prog.talkPerAgentHour)
	}
}

// importRenewals imports n leads of the campaign renewals.
func importRenewals(t *testing.T, db *store.DB, n int) []campaign.Lead {
	t.Helper()
	leads := make([]campaign.Lead, n)
	for i := range leads {
		leads[i] = campaign.Lead{Campaign: "renewals", Phone: fmt.Sprintf("+3314%07d", i)}
	}
	if _, err := db.ImportLeads(leads); err != nil {
		t.Fatal(err)
	}
	return leads
}

// figuresConfig is a configuration of agents a0, a1, ... in queue (wrap-up
// 15 s) and the campaign renewals dialing into it in mode, with extra
// settings (each ending in a newline, indented as the campaign's).
func figuresConfig(queue string, agents int, mode, extra string) (string, []string) {
	var b strings.Builder
	fmt.Fprintf(&b, "store: {path: unused.db}\npbx: {type: sim}\nentries:\n  - {number: \"100\", queue: %s}\n", queue)
	fmt.Fprintf(&b, "queues:\n  - {name: %s, wrap_up: 15s, ring_timeout: 10s}\nagents:\n", queue)
	var ids []string
	for i := range agents {
		id := fmt.Sprintf("a%d", i)
		ids = append(ids, id)
		fmt.Fprintf(&b, "  - {id: %s, endpoint: sim/%s, queues: [{queue: %s}]}\n", id, id, queue)
	}
	fmt.Fprintf(&b, `campaigns:
  - name: renewals
    endpoint: sim/{number}
    mode: %s
    ring_timeout: 26s
    hopper: 200
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    queues: [%s]
    safe_harbour: [sound:safe-harbour]
%s`, mode, queue, extra)
	return b.String(), ids
}

// loginAnswering logs the agents in, their phones answering in 0.3 s.
func loginAnswering(t *testing.T, r *SimRun, ids []string) {
	t.Helper()
	for _, id := range ids {
		if err := r.Switch.SetPhone("sim/"+id, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 300 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Login(ids...); err != nil {
		t.Fatal(err)
	}
}

// TestCampaignPowerCapOneAgent: a power campaign of three calls per free
// agent under the regulatory 3 % cap, on one agent, for eight hours of
// virtual time (30 % of dials answered after 4-16 s, two-minute talks,
// 15 s of wrap-up): its abandonment, looked at every tenth of a second,
// never exceeds the cap, from the first call on, and it still dials more
// than one call per free agent once the answers have made room.
func TestCampaignPowerCapOneAgent(t *testing.T) {
	if testing.Short() {
		t.Skip("eight hours of virtual time")
	}
	db, err := store.Open(filepath.Join(t.TempDir(), "hotline.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	leads := importRenewals(t, db, 1500)
	cfg, ids := figuresConfig("outbound", 1, "power", "    ratio: 3\n    abandon_cap: 0.03\n")
	r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, cfg), Store: db, Seed: 9}, Start: epoch})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 0xca9))
	for _, l := range leads {
		p := farend.Phone{Mode: farend.PhoneNoAnswer}
		if rng.Float64() < 0.3 {
			p = farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 4*time.Second + time.Duration(rng.Float64()*float64(12*time.Second)),
				HangupAfter: time.Duration(rng.ExpFloat64() * float64(2*time.Minute))}
		}
		if err := r.Switch.SetPhone("sim/"+l.Phone, p); err != nil {
			t.Fatal(err)
		}
	}
	loginAnswering(t, r, ids)
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(db, time.Second)
	end := epoch.Add(8 * time.Hour)
	var worst CampaignStatus
	ahead := watchWorst(r, end, &worst)
	r.RunUntil(end)
	st := r.Core.Campaigns(end)[0]
	live := st.Stats.Connected + st.Stats.Abandoned
	t.Logf("%d live answers, %d abandoned (%.2f%%); worst moment %.2f%% (%d of %d); more than one dial out at %d looks",
		live, st.Stats.Abandoned, 100*st.AbandonRate, 100*worst.AbandonRate, worst.Stats.Abandoned, worst.Stats.Connected+worst.Stats.Abandoned, *ahead)
	if worst.AbandonRate > 0.03 {
		t.Errorf("abandonment reached %.2f%% (%d of %d live answers), over the 3%% cap", 100*worst.AbandonRate,
			worst.Stats.Abandoned, worst.Stats.Connected+worst.Stats.Abandoned)
	}
	if live < 100 || *ahead == 0 {
		t.Errorf("%d live answers, more than one dial out at %d looks: the campaign hardly ran", live, *ahead)
	}
	if w := r.Core.Warnings(); w["illegal-transition"]+w["store"] > 0 {
		t.Errorf("warnings: %v", w)
	}
}

// watchWorst looks at the first campaign of r every tenth of a second of
// virtual time until end, keeps its status at the highest abandonment in
// worst, and counts the looks at more dials ringing than one.
func watchWorst(r *SimRun, end time.Time, worst *CampaignStatus) *int {
	ahead := new(int)
	var look func()
	look = func() {
		now := r.Clock.Now()
		st := r.Core.Campaigns(now)[0]
		if st.AbandonRate > worst.AbandonRate {
			*worst = st
		}
		if st.Ringing > 1 {
			*ahead++
		}
		if now.Before(end) {
			r.Clock.Schedule(now.Add(100*time.Millisecond), look)
		}
	}
	look()
	return ahead
}
