package main

import (
	"context"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/dialer"
	"github.com/hotline-cc/hotline/acd/engine"
)

// In a preview campaign nothing is dialed until an agent says so, and the
// demo's agents have no one at their desks: the demo's previewers stand in
// for them. Each looks at a lead shown to their agent for a few seconds,
// as a person reads a name and a note, and then dials it or, now and then,
// skips it, with the request a desk sends (engine.PreviewDecision), read
// from the status a desk reads. A skip gives one of the campaign's
// skip_reasons, picked by the lead's id (the draws stay those of a run
// without reasons). The agent of demo --web's "agent" sign-in leaves the person at
// that desk the whole preview time and decides only a second before it
// ends, so that they can dial or skip the lead themselves.
const (
	demoPreviewPoll    = time.Second      // how often the desks look for a lead shown
	demoPreviewLookMin = 3 * time.Second  // shortest look at a lead
	demoPreviewLookMax = 15 * time.Second // longest, unless the preview expires sooner
	demoPreviewSkip    = 0.125            // share of leads skipped
)

// demoPreviewer is the desks of every simulated agent, run from the
// simulation's clock (so in its goroutine, in virtual time).
type demoPreviewer struct {
	r     *engine.SimRun
	rng   *rand.Rand
	end   time.Time
	desk  string              // the agent a person may work at the web desk
	looks map[string]demoLook // by agent: the lead they are looking at
}

// demoLook is an agent's look at a lead shown to them and what they will
// decide.
type demoLook struct {
	lead    string
	offered time.Time
	until   time.Time
	dial    bool
}

// demoPreviews starts the previewers if a started campaign is in preview
// mode; they stop looking at end, when the demo stops its campaigns. desk,
// if not "", is the agent a person may work at the web desk.
func demoPreviews(r *engine.SimRun, cfg config.Config, started []string, seed int64, end time.Time, desk string) {
	if !slices.ContainsFunc(cfg.Campaigns, func(k config.Campaign) bool {
		return k.Mode == dialer.Preview.String() && slices.Contains(started, k.Name)
	}) {
		return
	}
	p := &demoPreviewer{r: r, rng: rand.New(rand.NewPCG(uint64(seed), 0x5ee)), end: end, desk: desk, looks: map[string]demoLook{}}
	r.Clock.Schedule(r.Clock.Now().Add(demoPreviewPoll), p.tick)
}

// tick has each agent shown a lead decide it once their look is over.
func (p *demoPreviewer) tick() {
	now := p.r.Clock.Now()
	for _, a := range p.r.Core.Status(now).Agents {
		shown := a.Preview
		if shown == nil {
			delete(p.looks, a.ID)
			continue
		}
		look, ok := p.looks[a.ID]
		if !ok || look.lead != shown.Lead.ID || !look.offered.Equal(shown.Offered) {
			look = p.look(shown, a.ID == p.desk)
			p.looks[a.ID] = look
		}
		if now.Before(look.until) {
			continue
		}
		delete(p.looks, a.ID)
		// The lead was read as shown a moment ago in this same goroutine:
		// the decision cannot miss it, and a desk would have nothing to do
		// about an error but show it.
		d := engine.PreviewDecision{Agent: a.ID, Dial: look.dial}
		if !d.Dial && len(shown.SkipReasons) > 0 {
			h := fnv.New32a()
			h.Write([]byte(shown.Lead.ID))
			d.Reason = shown.SkipReasons[int(h.Sum32()%uint32(len(shown.SkipReasons)))]
		}
		_, _ = engine.Send(context.Background(), p.r, d)
	}
	if next := now.Add(demoPreviewPoll); next.Before(p.end) {
		p.r.Clock.Schedule(next, p.tick)
	}
}

// look draws how long an agent reads a lead and whether they dial it; the
// decision comes a second before the preview would time out at the latest,
// and then for an agent whose desk a person may work (waitLast).
func (p *demoPreviewer) look(shown *engine.LeadPreview, waitLast bool) demoLook {
	d := demoPreviewLookMin + time.Duration(p.rng.Int64N(int64(demoPreviewLookMax-demoPreviewLookMin)))
	until := shown.Offered.Add(d)
	if last := shown.Expires.Add(-time.Second); waitLast || until.After(last) {
		until = last
		if until.Before(shown.Offered) {
			until = shown.Offered
		}
	}
	return demoLook{lead: shown.Lead.ID, offered: shown.Offered, until: until, dial: p.rng.Float64() >= demoPreviewSkip}
}
