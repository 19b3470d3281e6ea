package dialsim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/store"
)

// SimulateOnEngine runs the same day as Simulate through Hotline itself: the
// engine hosts the campaign and its pacer, the simulated switch rings the
// leads and the agents, and the store holds the leads and the call records,
// in a file under dir. Each lead's phone is set up front from the model
// (answers or not; when, and how long the talk), so the engine sees only
// what a switch would show it.
//
// The switch lets an unanswered dial ring until the campaign's ring
// timeout, so every no-answer rings Model.NoAnswerRing[1] here; give the
// model a fixed no-answer ring (both ends equal) to compare the two runs.
// IdleShare and LiveAnswers are not measured (NaN and 0).
func SimulateOnEngine(r Run, dir string) (Result, error) {
	if err := r.validate(); err != nil {
		return Result{}, err
	}
	m := r.Model
	db, err := store.Open(filepath.Join(dir, "dialsim.db"), store.Options{NoSync: true})
	if err != nil {
		return Result{}, err
	}
	defer db.Close()
	// Enough leads that the campaign never runs out: twice what the
	// agents could talk to if every dial answered at once.
	n := int(2*float64(r.Agents)*r.Hours*3600/m.Talk.Seconds()/m.AnswerRate) + 100
	leads := make([]campaign.Lead, n)
	for i := range leads {
		leads[i] = campaign.Lead{Campaign: "sim", Phone: fmt.Sprintf("+1555%07d", i), State: campaign.New}
	}
	if _, err := db.ImportLeads(leads); err != nil {
		return Result{}, err
	}
	cfg, err := config.Parse([]byte(engineConfig(r)), "dialsim.yaml")
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		return Result{}, fmt.Errorf("dialsim: engine config: %w", err)
	}
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	run, err := engine.NewSimRun(engine.SimOptions{Core: engine.Options{Config: cfg, Store: db, Seed: r.Seed}, Start: start,
		Sim: sim.Options{Seed: int64(r.Seed), Latency: 20 * time.Millisecond}})
	if err != nil {
		return Result{}, err
	}
	rng := rand.New(rand.NewPCG(r.Seed, 0x5eed))
	sigma2 := math.Log(1 + m.TalkCV*m.TalkCV)
	lnMu, lnSigma := math.Log(m.Talk.Seconds())-sigma2/2, math.Sqrt(sigma2)
	uniform := func(rr [2]time.Duration) time.Duration {
		return rr[0] + time.Duration(rng.Float64()*float64(rr[1]-rr[0]))
	}
	for _, l := range leads {
		p := farend.Phone{Mode: farend.PhoneNoAnswer}
		if rng.Float64() < m.AnswerRate {
			talk := time.Duration(math.Exp(lnMu+lnSigma*rng.NormFloat64()) * float64(time.Second))
			p = farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: uniform(m.AnswerRing), HangupAfter: talk}
		}
		if err := run.Switch.SetPhone("sim/"+l.Phone, p); err != nil {
			return Result{}, err
		}
	}
	var ids []string
	for i := range r.Agents {
		id := fmt.Sprintf("a%d", i)
		ids = append(ids, id)
		if err := run.Switch.SetPhone("sim/"+id, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 100 * time.Millisecond}); err != nil {
			return Result{}, err
		}
	}
	if err := run.Login(ids...); err != nil {
		return Result{}, err
	}
	if err := run.Do(func(c *engine.Core, now time.Time) error { return c.StartCampaign(now, "sim") }); err != nil {
		return Result{}, err
	}
	run.ServeLeads(db, time.Second)
	res := Result{Mode: r.Pacer.Mode, Agents: r.Agents, Hours: r.Hours, IdleShare: math.NaN()}
	end := start.Add(time.Duration(r.Hours * float64(time.Hour)))
	for at := start.Add(time.Hour); ; at = at.Add(time.Hour) {
		at = minTime(at, end)
		run.RunUntil(at)
		st := run.Core.Campaigns(at)[0]
		res.MaxHourlyAbandonRate = math.Max(res.MaxHourlyAbandonRate, st.AbandonRate)
		res.AbandonRate, res.Dials = st.AbandonRate, st.Stats.Dialed
		if !at.Before(end) {
			break
		}
	}
	// The calls still going end on their own; the day's talk counts until
	// its end, as Simulate does.
	if err := run.Do(func(c *engine.Core, now time.Time) error { return c.StopCampaign(now, "sim") }); err != nil {
		return Result{}, err
	}
	run.RunUntil(end.Add(3 * time.Hour))
	var talk time.Duration
	for rec, err := range db.Calls(store.Filter{Direction: acd.DirectionOutbound}) {
		if err != nil {
			return Result{}, err
		}
		if !rec.Answered.IsZero() && rec.Answered.Before(end) {
			talk += min(rec.Talk, end.Sub(rec.Answered))
		}
	}
	agentHours := float64(r.Agents) * r.Hours
	res.TalkMinPerAgentHour = talk.Minutes() / agentHours
	res.DialsPerAgentHour = float64(res.Dials) / agentHours
	return res, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// engineConfig is a configuration of one queue of agents and one campaign
// dialing the leads.
func engineConfig(r Run) string {
	var b strings.Builder
	fmt.Fprintf(&b, "store: {path: unused.db}\npbx: {type: sim}\nqueues:\n  - {name: outbound, wrap_up: %v, ring_timeout: 10s}\nagents:\n", r.Model.Wrap)
	for i := range r.Agents {
		fmt.Fprintf(&b, "  - {id: a%d, endpoint: sim/a%d, queues: [{queue: outbound}]}\n", i, i)
	}
	fmt.Fprintf(&b, `campaigns:
  - name: sim
    endpoint: sim/{number}
    mode: %v
    ratio: %v
    abandon_cap: %v
    connect_within: %v
    ring_timeout: %v
    hopper: 500
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    lead_hours: "00:00-24:00"
    queues: [outbound]
    safe_harbour: [sound:safe-harbour]
`, r.Pacer.Mode, r.Pacer.Ratio, r.Pacer.AbandonCap, r.Pacer.ConnectWithin, r.Model.NoAnswerRing[1])
	return b.String()
}
