package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/store"
)

// Campaign actions for CampaignControl.
const (
	CampaignStart        = "start"
	CampaignPause        = "pause"
	CampaignResume       = "resume"
	CampaignStop         = "stop"
	CampaignStatusAction = "status"
)

// CampaignControl starts, pauses, resumes or stops a campaign, or reads its
// status, and answers with the campaign's status.
type CampaignControl struct {
	returns[CampaignStatus]
	Campaign string
	Action   string // start | pause | resume | stop | status
}

func (r CampaignControl) apply(c *Core, now time.Time) (any, error) {
	var err error
	switch r.Action {
	case CampaignStart:
		err = c.StartCampaign(now, r.Campaign)
	case CampaignPause:
		err = c.PauseCampaign(now, r.Campaign)
	case CampaignResume:
		err = c.ResumeCampaign(now, r.Campaign)
	case CampaignStop:
		err = c.StopCampaign(now, r.Campaign)
	case CampaignStatusAction:
		if _, ok := c.campaignByName(r.Campaign); !ok {
			err = fmt.Errorf("campaign %q: %w", r.Campaign, ErrUnknownCampaign)
		}
	default:
		err = fmt.Errorf("campaign action %q: %w; known: start, pause, resume, stop, status", r.Action, ErrUnknownOp)
	}
	if err != nil {
		return nil, err
	}
	for _, st := range c.Campaigns(now) {
		if st.Name == r.Campaign {
			return st, nil
		}
	}
	return nil, fmt.Errorf("campaign %q: %w", r.Campaign, ErrUnknownCampaign)
}

// GetCampaigns lists every configured campaign's status.
type GetCampaigns struct {
	returns[[]CampaignStatus]
}

func (GetCampaigns) apply(c *Core, now time.Time) (any, error) { return c.Campaigns(now), nil }

// LeadStore is a LeadSource that can also list the leads of a campaign a
// restart reads (campaign.Lead.ReadAtRestart: left mid-call by a run, or
// waiting for a callback), from an index so that a start costs those
// leads, not every lead, and read the campaigns' saved progress;
// *store.DB is one.
type LeadStore interface {
	LeadSource
	CampaignSource
	CallSource
	LeadsAtRestart(camp string, fn func(campaign.Lead) bool) error
}

// Leftovers are the leads a previous run left in flight: Dialing those
// whose attempt may have been placed (Dialing, Answered, Connected) and
// Reserved those shown to an agent in preview mode and still held for them,
// with their do-not-call verdicts.
type Leftovers struct {
	Dialing  []campaign.Lead
	Reserved []LoadedLead
	// Records are the open call records of the attempts of the Dialing
	// leads (saved with the lead as it was dialed, see startDial): they
	// name a lead's channel on a switch that reports no lead variables,
	// and keep one record per attempt. Open are the open records of
	// attempts already settled, such as a machine hearing its message when
	// the run ended: the restart closes them.
	Records, Open []store.CallRecord
	// Unattended are the channels of Records that answered while Hotline
	// was down and that the switch took care of itself: a person heard the
	// safe-harbour message, a machine the machine message (see
	// pbx.UnattendedReader).
	Unattended map[pbx.ChannelID]pbx.UnattendedEnd
	// Callbacks are each campaign's leads waiting for a callback, and
	// when they are due.
	Callbacks map[string]map[string]time.Time
}

// leftoverLookBack is how long before a restart ReadLeftovers looks for
// the open call records of campaign attempts.
const leftoverLookBack = 24 * time.Hour

// ReadLeftovers reads the leftovers of the configured campaigns at now. It
// runs outside the engine goroutine, once at start.
func ReadLeftovers(src LeadStore, cfg config.Config, now time.Time) (Leftovers, error) {
	out := Leftovers{Callbacks: map[string]map[string]time.Time{}}
	for _, k := range cfg.Campaigns {
		var reserved []campaign.Lead
		cbs := map[string]time.Time{}
		err := src.LeadsAtRestart(k.Name, func(l campaign.Lead) bool {
			if l.State == campaign.Callback {
				cbs[l.ID] = l.NextAttempt
			}
			switch {
			case l.State == campaign.Dialing || l.State == campaign.Answered || l.State == campaign.Connected:
				out.Dialing = append(out.Dialing, l)
			case l.ReservedFor(now) != "":
				reserved = append(reserved, l)
			}
			return true
		})
		if err != nil {
			return Leftovers{}, fmt.Errorf("campaign %q: leads left in flight or waiting for a callback: %w", k.Name, err)
		}
		out.Callbacks[k.Name] = cbs
		for _, l := range reserved {
			_, blocked, err := src.Blocked(l.Phone, k.Name)
			if err != nil {
				return Leftovers{}, fmt.Errorf("campaign %q: lead %q: do-not-call: %w", k.Name, l.ID, err)
			}
			out.Reserved = append(out.Reserved, LoadedLead{Lead: l, Blocked: blocked})
		}
	}
	attempt := map[string]int{}
	for _, l := range out.Dialing {
		attempt[l.Campaign+"/"+l.ID] = l.Attempts
	}
	f := store.Filter{From: now.Add(-leftoverLookBack), Direction: acd.DirectionOutbound, Outcome: acd.OutcomeInProgress}
	for rec, err := range src.Calls(f) {
		if errors.Is(err, store.ErrDecode) {
			continue // unreadable: nothing to settle it by
		}
		if err != nil {
			return Leftovers{}, fmt.Errorf("open call records of the campaigns: %w", err)
		}
		camp, lead, n := dialOf(&rec)
		if lead == "" || !slices.ContainsFunc(cfg.Campaigns, func(k config.Campaign) bool { return k.Name == camp }) {
			continue
		}
		if a, ok := attempt[camp+"/"+lead]; ok && a == n {
			out.Records = append(out.Records, rec)
		} else {
			out.Open = append(out.Open, rec)
		}
	}
	return out, nil
}

// ResumeCampaigns picks the campaigns up after a restart: their saved
// state and counts (RestoreCampaigns), then the leads the previous run
// left in flight, against the switch's snapshot (ReconcileLeads), and the
// leads shown to agents (RestorePreviews).
func (c *Core) ResumeCampaigns(now time.Time, saved []SavedCampaign, left Leftovers, snap pbx.Snapshot) {
	c.RestoreCampaigns(now, saved)
	c.SetCallbacks(left.Callbacks)
	c.ReconcileLeads(now, left, snap)
	c.RestorePreviews(now, left.Reserved)
}

// ServeLeads runs beside Run until ctx ends: first it reads back the
// inbound callers of the last minutes (SeedInbound), picks the campaigns
// up in the state and with the counts the previous run left them, settles
// the leads that run left in flight against the switch's snapshot and
// holds the leads shown to agents for them again, then every interval it reads the
// hoppers the engine asks for from src, outside the engine goroutine, and
// hands them in as inputs.
func (rt *Runtime) ServeLeads(ctx context.Context, src LeadStore, every time.Duration) error {
	left, err := ReadLeftovers(src, rt.core.opts.Config, rt.now())
	if err != nil {
		return err
	}
	// Read before the leads left in flight are settled: those writes
	// change the counts read here.
	saved, err := ReadCampaigns(src, rt.core.opts.Config, rt.now())
	if err != nil {
		return err
	}
	offers, err := ReadInboundOffers(src, rt.now())
	if err != nil {
		return err
	}
	var snap pbx.Snapshot
	if len(left.Dialing)+len(left.Open) > 0 {
		// The switch may still be starting: ask until it answers.
		snap, err = rt.sw.Snapshot(ctx)
		for err != nil {
			rt.log.Warn().Err(err).Int("leads", len(left.Dialing)).Msg("campaigns wait for the switch to settle the leads a previous run left in calls (dialing, answered or connected)")
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(every):
			}
			snap, err = rt.sw.Snapshot(ctx)
		}
	}
	if ur, ok := rt.sw.(pbx.UnattendedReader); ok && len(left.Records) > 0 {
		chans := make([]pbx.ChannelID, len(left.Records))
		for i, rec := range left.Records {
			chans[i] = pbx.ChannelID(rec.Channel)
		}
		if left.Unattended, err = ur.UnattendedAnswers(ctx, chans); err != nil {
			// Those not read are settled as not answered, as before.
			rt.log.Warn().Err(err).Msg("campaigns: reading the leads that answered while Hotline was down")
		}
	}
	err = rt.Do(ctx, func(c *Core, now time.Time) error {
		c.SeedInbound(now, offers)
		c.ResumeCampaigns(now, saved, left, snap)
		return nil
	})
	if err != nil {
		return nil // stopped
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		var wanted []string
		sizes, first := map[string]int{}, map[string][]string{}
		err := rt.Do(ctx, func(c *Core, now time.Time) error {
			wanted = c.HopperWanted(now)
			for _, name := range wanted {
				sizes[name], first[name] = c.HopperSize(name), c.HopperFirst(name)
			}
			return nil
		})
		if err != nil {
			return nil // stopped
		}
		for _, name := range wanted {
			leads, rerr := ReadHopper(src, name, rt.now(), sizes[name], first[name]...)
			if err := rt.Do(ctx, func(c *Core, now time.Time) error { c.LoadLeads(now, name, leads, rerr); return nil }); err != nil {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
