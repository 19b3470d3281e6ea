package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/dialer"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/store"
)

// The called parties of the demo's generated leads: about a third answer
// (after 4-16 s of ringing) and talk for pbx.sim.agents.talk_time on
// average, one in ten is busy, the rest ring out. The first lead is on the
// campaign's do-not-call list, so the skip shows.
const (
	demoLeadAnswer = 0.32
	demoLeadBusy   = 0.10
)

// demoCampaigns gives each campaign the simulator can dial (endpoint
// sim/...{number}) n generated leads unless the store has leads for it
// already (a --store of one's own, with one's own list), sets up the
// phones of every lead it dials, and starts them all.
func demoCampaigns(w io.Writer, r *engine.SimRun, db *store.DB, cfg config.Config, n int, seed int64) ([]string, error) {
	if db == nil {
		return nil, nil
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x1ead))
	talk := cfg.PBX.Sim.Agents.TalkTime
	if talk <= 0 {
		talk = 2 * time.Minute
	}
	var started []string
	for ci, k := range cfg.Campaigns {
		if !strings.HasPrefix(k.Endpoint, sim.EndpointPrefix) || !strings.Contains(k.Endpoint, "{number}") {
			continue
		}
		leads, skipped, err := demoLeadsOf(db, k.Name)
		if err != nil {
			return nil, err
		}
		if skipped > 0 {
			fmt.Fprintf(w, "demo: campaign %q: %d unreadable leads left out (hotline store check names them)\n", k.Name, skipped)
		}
		if len(leads) == 0 && n > 0 {
			for i := range n {
				leads = append(leads, campaign.Lead{Campaign: k.Name, Phone: fmt.Sprintf("+1555%03d%04d", 100+ci, i),
					Name: fmt.Sprintf("Lead %d", i+1), State: campaign.New})
			}
			if _, err := db.ImportLeads(leads); err != nil {
				return nil, fmt.Errorf("demo: campaign %q: leads: %w", k.Name, err)
			}
			if _, err := db.AddDNC([]store.DNCEntry{{List: k.Name, Phone: leads[0].Phone, Added: r.Clock.Now(),
				Source: "demo"}}); err != nil {
				return nil, fmt.Errorf("demo: campaign %q: do-not-call: %w", k.Name, err)
			}
		}
		if len(leads) == 0 {
			continue
		}
		for _, l := range leads {
			p := farend.Phone{Mode: farend.PhoneNoAnswer}
			switch x := rng.Float64(); {
			case x < demoLeadAnswer:
				p = farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: time.Duration(4+rng.IntN(13)) * time.Second,
					HangupAfter: time.Duration(rng.ExpFloat64() * float64(talk))}
			case x < demoLeadAnswer+demoLeadBusy:
				p = farend.Phone{Mode: farend.PhoneBusy}
			}
			if err := r.Switch.SetPhone(strings.ReplaceAll(k.Endpoint, "{number}", l.Phone), p); err != nil {
				return nil, fmt.Errorf("demo: campaign %q: lead %s: %w", k.Name, l.Phone, err)
			}
		}
		if err := campaignHeadsets(r.Switch, cfg, k); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		if err := r.Do(func(c *engine.Core, now time.Time) error { return c.StartCampaign(now, k.Name) }); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		started = append(started, k.Name)
	}
	if len(started) > 0 {
		r.ServeLeads(db, time.Second)
	}
	return started, nil
}

// campaignHeadsets gives the simulated agents who work k headsets that
// pick up at once and never miss a call, as a predictive dialer's agents
// have: a lead must hear someone within connect_within (2 s) of saying
// hello, which phones that ring for pbx.sim.agents.answer_delay (4 s)
// would miss most of the time, and every such answer would be counted
// abandoned. They talk as long as the others. The demo and serve on the
// simulated switch both give them.
func campaignHeadsets(sw *sim.Switch, cfg config.Config, k config.Campaign) error {
	m := cfg.PBX.Sim.Agents
	m.AnswerDelay, m.NoAnswerRate, m.BusyRate = headsetPickup, 0, 0
	for _, a := range cfg.Agents {
		works := slices.Contains(cfg.CampaignAgents(k), a.ID) ||
			slices.ContainsFunc(a.Queues, func(q config.Membership) bool { return slices.Contains(k.Queues, q.Queue) })
		if !works || !strings.HasPrefix(a.Endpoint, sim.EndpointPrefix) {
			continue
		}
		if err := sw.SetPhoneModel(a.Endpoint, m); err != nil {
			return fmt.Errorf("campaign %q: agent %q: %w", k.Name, a.ID, err)
		}
	}
	return nil
}

// headsetPickup is the mean time a campaign agent's headset takes to
// pick up.
const headsetPickup = 300 * time.Millisecond

// demoLeadsOf reads a campaign's leads, passing by (and counting) those
// that cannot be decoded.
func demoLeadsOf(db *store.DB, camp string) ([]campaign.Lead, int, error) {
	var leads []campaign.Lead
	skipped, err := store.Skipped(db.CampaignLeads(camp, func(l campaign.Lead) bool { leads = append(leads, l); return true }))
	if err != nil {
		return nil, 0, fmt.Errorf("demo: campaign %q: %w", camp, err)
	}
	return leads, len(skipped), nil
}

// campaignLine is a campaign's figures on one progress line.
func campaignLine(k engine.CampaignStatus) string {
	s := k.Stats
	line := fmt.Sprintf("%s %s: %d dialed, %d answered, %d connected, %d abandoned (%.1f%%, cap %.0f%%)", k.Name, k.State,
		s.Dialed, s.Answered, s.Connected, s.Abandoned, 100*k.AbandonRate, 100*k.AbandonCap)
	if k.Mode == dialer.Preview.String() {
		line += fmt.Sprintf(", %d skipped", s.SkippedPreview)
	}
	return line
}

// writeCampaignTable is the live view's table of campaigns.
func writeCampaignTable(w io.Writer, cs []engine.CampaignStatus) {
	if len(cs) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CAMPAIGN\tSTATE\tMODE\tRINGING\tDIALED\tANSWERED\tCONNECTED\tBUSY\tNO ANSWER\tDNC\tSKIPPED\tABANDONED\tCAP")
	for _, k := range cs {
		s := k.Stats
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d (%.1f%%)\t%.0f%%\n", k.Name, k.State, k.Mode, k.Ringing,
			s.Dialed, s.Answered, s.Connected, s.Busy, s.NoAnswer, s.SkippedDNC, s.SkippedPreview, s.Abandoned,
			100*k.AbandonRate, 100*k.AbandonCap)
	}
	tw.Flush()
}
