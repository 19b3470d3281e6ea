package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
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

// LeadStore is a LeadSource that can also list a campaign's leads, for
// the leads a crash left Dialing, and read the campaigns' saved progress;
// *store.DB is one.
type LeadStore interface {
	LeadSource
	CampaignSource
	CampaignLeads(camp string, fn func(campaign.Lead) bool) error
}

// ServeLeads runs beside Run until ctx ends: first it settles the leads a
// previous run left Dialing against the switch's snapshot and picks the
// campaigns up in the state the previous run left them, then every
// interval it reads the hoppers the engine asks for from src, outside the
// engine goroutine, and hands them in as inputs.
func (rt *Runtime) ServeLeads(ctx context.Context, src LeadStore, every time.Duration) error {
	var camps []string
	for _, k := range rt.core.opts.Config.Campaigns {
		camps = append(camps, k.Name)
	}
	var dialing []campaign.Lead
	for _, name := range camps {
		err := src.CampaignLeads(name, func(l campaign.Lead) bool {
			if l.State == campaign.Dialing || l.State == campaign.Answered || l.State == campaign.Connected {
				dialing = append(dialing, l)
			}
			return true
		})
		if err != nil {
			return fmt.Errorf("campaign %q: leads left dialing: %w", name, err)
		}
	}
	if len(dialing) > 0 {
		// The switch may still be starting: ask until it answers.
		snap, err := rt.sw.Snapshot(ctx)
		for err != nil {
			rt.log.Warn().Err(err).Int("leads", len(dialing)).Msg("campaigns wait for the switch to settle leads left dialing")
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(every):
			}
			snap, err = rt.sw.Snapshot(ctx)
		}
		if err := rt.Do(ctx, func(c *Core, now time.Time) error { c.ReconcileLeads(now, dialing, snap); return nil }); err != nil {
			return err
		}
	}
	saved, err := ReadCampaigns(src, rt.core.opts.Config, rt.now())
	if err != nil {
		return err
	}
	if err := rt.Do(ctx, func(c *Core, now time.Time) error { c.RestoreCampaigns(now, saved); return nil }); err != nil {
		return nil // stopped
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		var wanted []string
		sizes := map[string]int{}
		err := rt.Do(ctx, func(c *Core, now time.Time) error {
			wanted = c.HopperWanted()
			for _, name := range wanted {
				sizes[name] = c.HopperSize(name)
			}
			return nil
		})
		if err != nil {
			return nil // stopped
		}
		for _, name := range wanted {
			leads, rerr := ReadHopper(src, name, rt.now(), sizes[name])
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
