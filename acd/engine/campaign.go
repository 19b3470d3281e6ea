package engine

import (
	"cmp"
	"errors"
	"fmt"
	"iter"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/dialer"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/routing"
	"github.com/hotline-cc/hotline/store"
)

// The campaign runner: the engine hosts outbound campaigns beside the
// inbound queues. The pure pieces decide (dialer.Pacer how many to dial,
// acd/campaign what becomes of a lead); the engine only wires them to the
// switch, the agents and the writer.
//
// Leads come from the store in small batches (the hopper), read outside the
// engine goroutine and handed in with LoadLeads, with their do-not-call
// verdict already looked up. A lead is saved as Dialing, with its attempt
// counted, and dialed only once that write is durable: after a crash the
// restart finds it Dialing and settles the attempt (see
// ReconcileLeads), so no lead is dialed twice for the same attempt.
//
// An answered lead of an agent campaign joins the campaign's queue like a
// caller (one with a free agent, if any) and waits up to ConnectWithin
// for any agent of the campaign, through whichever of its queues they
// serve; if none is talking to it by then, it is counted as abandoned
// against the campaign's cap and, once no agent rings for it, hears the
// safe-harbour message and is hung up (see connectDue).
//
// Inbound callers and leads share agents by one rule (leadDial.class): while a
// campaign keeps inbound_first, a freed agent takes any inbound caller
// waiting in its queues before the campaign's leads, and the pacer does not
// count an agent free while such a caller waits (freeFor); without it, the
// campaign's waiting leads go before inbound callers in all of the agent's
// queues, since a lead is lost within seconds and a caller can wait. Either
// way the pacer does not count on the agents that callers still to come
// are expected to take (claimed, see campaign_blend.go).

// Errors of campaign requests.
var (
	ErrUnknownCampaign    = errors.New("unknown campaign")
	ErrCampaignState      = errors.New("campaign cannot do that in its state")
	ErrUnknownDisposition = errors.New("not one of the campaign's dispositions")
)

// CampaignState is whether a campaign dials (the campaign package's run
// state, kept in the store across restarts).
type CampaignState = campaign.RunState

// Campaign states.
const (
	CampaignStopped = campaign.Stopped
	CampaignRunning = campaign.Running
	CampaignPaused  = campaign.Paused
)

// Timer kinds of campaigns, after the engine's own.
const (
	TimerCampaignTick    TimerKind = timerKinds + 1 + iota // the pacer's 1 s tick; Call is the campaign
	TimerCampaignConnect                                   // an answered lead's ConnectWithin is over; Call is the call
	TimerCampaignPreview                                   // an agent's preview times out; Call is the agent, Gen the preview's
)

// VarCampaign and VarLead name the campaign and lead on a dialed channel.
const (
	VarCampaign = "HOTLINE_CAMPAIGN"
	VarLead     = "HOTLINE_LEAD"
)

// LoadedLead is a due lead read for the hopper, with whether its number is
// on a do-not-call list (global or the campaign's).
type LoadedLead struct {
	Lead    campaign.Lead
	Blocked bool
}

// LeadSource is what the hopper reads; *store.DB is one. DueLeads and
// DialableLead name a lead whose record is not one to dial (damaged: its
// number changed) by a *store.DecodeError, DueLeads with the others.
type LeadSource interface {
	DueLeads(camp string, now time.Time, limit int) ([]campaign.Lead, error)
	DialableLead(camp, id string) (*campaign.Lead, error)
	Blocked(phone string, lists ...string) (list string, blocked bool, err error)
}

// ReadHopper reads up to limit due leads of a campaign with their
// do-not-call verdicts: first the leads named in first (the callbacks due,
// see HopperFirst), still due, then the longest due. It runs outside the
// engine goroutine. A lead whose record is not one to dial is left out
// and named in the error, a *store.DecodeError (see store.Skipped), with
// the other leads returned.
func ReadHopper(src LeadSource, camp string, now time.Time, limit int, first ...string) ([]LoadedLead, error) {
	var leads []campaign.Lead
	var skipped []error
	taken := map[string]bool{}
	for _, id := range first {
		l, err := src.DialableLead(camp, id)
		var de *store.DecodeError
		switch {
		case errors.Is(err, store.ErrNotFound):
			continue
		case errors.As(err, &de):
			skipped, taken[id] = append(skipped, de), true
			continue
		case err != nil:
			return nil, fmt.Errorf("campaign %q: lead %q: %w", camp, id, err)
		}
		if l.State.Dialable() && !l.NextAttempt.After(now) {
			leads, taken[id] = append(leads, *l), true
		}
	}
	more, err := src.DueLeads(camp, now, limit)
	bad, err := store.Skipped(err)
	if err != nil {
		return nil, fmt.Errorf("campaign %q: due leads: %w", camp, err)
	}
	for _, de := range bad {
		if !taken[strings.TrimPrefix(de.Key, camp+"/")] {
			skipped = append(skipped, de)
		}
	}
	for _, l := range more {
		if !taken[l.ID] && len(leads) < limit+len(taken) {
			leads = append(leads, l)
		}
	}
	out := make([]LoadedLead, len(leads))
	for i, l := range leads {
		_, blocked, err := src.Blocked(l.Phone, camp)
		if err != nil {
			return nil, fmt.Errorf("campaign %q: lead %q: do-not-call: %w", camp, l.ID, err)
		}
		out[i] = LoadedLead{Lead: l, Blocked: blocked}
	}
	return out, errors.Join(skipped...)
}

// campaignRun is one campaign's live state, owned by the engine goroutine.
type campaignRun struct {
	cfg    config.Campaign
	state  CampaignState
	pacer  *dialer.Pacer
	retry  campaign.Retry
	win    campaign.Windows
	queues []*queue
	gen    uint64 // of the tick timer

	hopper  []LoadedLead
	known   map[string]bool // lead ids in the hopper or being dialed: a reload skips them
	damaged map[string]bool // leads a read left out as not to dial, named once (LoadLeads)
	loading bool            // a hopper read is asked for and not back
	// optedOut are numbers listed do-not-call while a hopper read was
	// under way: the read may have their old verdicts (OptOut).
	optedOut []string

	dials    map[pbx.ChannelID]*leadDial // ringing, keyed by channel
	byCall   map[string]*leadDial        // answered, keyed by call id
	wrapping map[string]*leadDial        // over, the agent in wrap-up: the disposition may still come
	pending  []pendingDial               // saved as Dialing, waiting for the write to be durable

	// inbound counts the callers offered to the campaign's agents in
	// inbound queues (see claimed).
	inbound *dialer.Arrivals

	previews   map[*agent]*preview // leads shown to agents (preview mode)
	previewGen uint64
	// reserved are leads a previous run showed to an agent, by agent id,
	// held for that agent until their reservation ends (preview mode).
	reserved map[string]LoadedLead
	// kept are the due callbacks kept for one agent, by agent id, oldest
	// first, waiting for that agent to be free (campaign_kept.go).
	kept map[string][]LoadedLead

	// written is the sequence of the engine's last write of each lead not
	// yet durable when the last hopper read was asked for (readFrom, the
	// writer's durable sequence then): a read may return such a lead as
	// it was before that write, so LoadLeads leaves it for a later read.
	written  map[string]uint64
	readFrom uint64

	stats   CampaignStats
	changed time.Time // of state
	// reason is why the engine paused the campaign itself (see
	// capAbandons), until an admin action; "" = an admin's pause.
	reason string
	// abandons counts the abandons of this run, late those counted while
	// an agent was ringing for the lead: what capAbandons names as cause.
	abandons, late int
	// hourDirty is set when the pacer counted a live answer: the next
	// save of the campaign also saves the hour's counts.
	hourDirty bool
	// callbacks are the leads waiting for a callback, by id, with when
	// they are due: a hopper read asks for those due first (HopperFirst),
	// ahead of the leads due before them.
	callbacks map[string]time.Time
	first     []string // the callbacks the hopper read under way asked for
	// learnedAt is when what the pacer learned was last saved, and
	// learnedChanges its Changes then (see progressOps).
	learnedAt      time.Time
	learnedChanges uint64
}

// learnedEvery is how often, at most, a running campaign saves what its
// pacer learned: a crash loses at most that much of it.
const learnedEvery = 5 * time.Minute

type pendingDial struct {
	seq uint64
	d   *leadDial
}

// leadDial is one dial of a lead, from originate to the end of its call.
type leadDial struct {
	run       *campaignRun
	lead      campaign.Lead
	id        string // call id
	ch        pbx.ChannelID
	placed    time.Time
	call      *call // once answered
	settled   bool  // connected, or abandoned and hung up
	abandoned bool
	// counted is set once the live answer is counted, connected or
	// abandoned, against the campaign's cap; late when it was counted
	// abandoned while an agent was only ringing for it (see connectDue).
	counted, late bool
	// disposition is the agent's, once given; "" = none yet
	disposition string
	// callbackAt is when a callback disposition asked to call back (zero:
	// after the no-answer delay); callbackTo the agent it is kept for ("":
	// anyone).
	callbackAt time.Time
	callbackTo string
	// agent is reserved for the lead: in preview mode the lead goes to no
	// one else first and is never abandoned for want of an agent while
	// that agent may still take it (mayStillTake; a pause or logout asked
	// for while the lead rings or waits comes after its call). only is
	// set on a callback kept for the agent (campaign_kept.go): the lead
	// goes to no one else at all, and is abandoned like any lead if the
	// agent does not take it within connect_within.
	agent *agent
	only  bool
	// missed counts the rings of the lead the reserved agent let go
	// unanswered (leadMissed).
	missed int
	// amd is the switch's answering-machine verdict, once reported;
	// machine is set when it ended the dial as a machine's.
	amd     string
	machine bool
	optOut  bool // the lead asked in the campaign's flow not to be called again
	// cut: the switch's shutdown ended the call (causeSwitchShutdown); a
	// lead no agent gave a disposition is called again.
	cut bool
	// left is set on an attempt an earlier run placed, taken up after a
	// restart: its call's new legs get names of this run.
	left bool
}

// CampaignStats are a campaign's counts since it was first started.
type CampaignStats = campaign.Counts

// CampaignStatus is a campaign's state for status and the API.
type CampaignStatus struct {
	Name  string        `json:"name"`
	State CampaignState `json:"state"`
	Mode  string        `json:"mode"`
	Kind  string        `json:"kind"`
	// OutsideHours is set while the campaign's schedule is closed: running,
	// it dials no one until it opens.
	OutsideHours bool `json:"outside_hours,omitempty"`
	// Agents counts the signed-in agents who work the campaign.
	Agents int `json:"agents"`
	Hopper int `json:"hopper"`
	// Kept counts the due callbacks waiting for the agent they are kept
	// for to be free (in no hopper).
	Kept    int `json:"kept,omitempty"`
	Ringing int `json:"ringing"` // dials not answered, those waiting for their Dialing write included
	Live    int `json:"live"`    // answered calls not over
	// AbandonRate is the share of live answers abandoned over the
	// campaign's window.
	AbandonRate float64 `json:"abandon_rate"`
	// AbandonCap is the highest AbandonRate the campaign allows over
	// AbandonWindow.
	AbandonCap    float64 `json:"abandon_cap"`
	AbandonWindow Seconds `json:"abandon_window"`
	// PausedBecause is why Hotline paused the campaign itself (its
	// abandon rate over its cap, see capAbandons); empty when running,
	// stopped, or paused by an admin.
	PausedBecause string        `json:"paused_because,omitempty"`
	Stats         CampaignStats `json:"stats"`
	// Learned is what the campaign's pacer has learned of its calls (kept
	// across restarts), once the campaign has run.
	Learned *CampaignLearned `json:"learned,omitempty"`
}

// CampaignLearned is what a campaign's pacer paces by: its recent dials
// and the share answered live, its recent talks and wrap-ups.
type CampaignLearned struct {
	Dials      int     `json:"dials"`
	AnswerRate float64 `json:"answer_rate"`
	Talks      int     `json:"talks"`
	MeanTalk   Seconds `json:"mean_talk"`
	MeanWrap   Seconds `json:"mean_wrap"`
}

func (c *Core) campaignByName(name string) (config.Campaign, bool) {
	for _, k := range c.opts.Config.Campaigns {
		if k.Name == name {
			return k, true
		}
	}
	return config.Campaign{}, false
}

// StartCampaign starts dialing a campaign (or resumes a paused one).
func (c *Core) StartCampaign(now time.Time, name string) error {
	return c.campaignAction(now, name, campaign.ActionStart)
}

// PauseCampaign stops new dials; dials in flight and live calls go on.
func (c *Core) PauseCampaign(now time.Time, name string) error {
	return c.campaignAction(now, name, campaign.ActionPause)
}

// ResumeCampaign dials again after a pause.
func (c *Core) ResumeCampaign(now time.Time, name string) error {
	return c.campaignAction(now, name, campaign.ActionResume)
}

// StopCampaign stops dialing and forgets the hopper; dials in flight and
// live calls finish and their leads are settled as usual.
func (c *Core) StopCampaign(now time.Time, name string) error {
	return c.campaignAction(now, name, campaign.ActionStop)
}

// campaignAction moves a campaign along its run state table, does what
// the new state asks and saves the state, so that a restart finds it so.
// why is the engine's reason for a pause of its own, "" for an admin's.
func (c *Core) campaignAction(now time.Time, name, action string, why ...string) error {
	r := c.camps[name]
	from := CampaignStopped
	if r != nil {
		from = r.state
	} else if _, ok := c.campaignByName(name); !ok {
		return fmt.Errorf("campaign %q: %w", name, ErrUnknownCampaign)
	}
	to, err := campaign.RunAction(from, action)
	if err != nil {
		return fmt.Errorf("campaign %q: %w: %w", name, ErrCampaignState, err)
	}
	if from == CampaignStopped && to != from && c.campsRemoved[name] {
		return fmt.Errorf("campaign %q: removed from the config by a reload: %w", name, ErrUnknownCampaign)
	}
	if to == from {
		return nil
	}
	if r == nil {
		if r, err = c.newCampaignRun(now, name); err != nil {
			return err
		}
	} else if from == CampaignStopped {
		if err := c.takeNextSettings(now, r); err != nil {
			return err
		}
	}
	r.state, r.changed, r.reason = to, now, strings.Join(why, "")
	switch to {
	case CampaignRunning:
		c.trace(now, "campaign %s running (%s)", name, r.cfg.Mode)
		c.campaignTick(now, r)
	case CampaignPaused:
		c.takeBackPreviews(now, r)
		c.trace(now, "campaign %s paused: %s", name, cmp.Or(r.reason, "by an admin"))
	case CampaignStopped:
		c.takeBackPreviews(now, r)
		for _, l := range r.hopper {
			delete(r.known, l.Lead.ID)
		}
		r.hopper = nil
		for _, l := range r.reserved {
			delete(r.known, l.Lead.ID) // its reservation ends on its own
		}
		r.reserved = nil
		for _, ll := range r.kept {
			for _, l := range ll {
				delete(r.known, l.Lead.ID) // read again at the next start
			}
		}
		r.kept = nil
		c.trace(now, "campaign %s stopped", name)
	}
	c.save(now, "campaign "+name, c.progressOps(now, r)...)
	return nil
}

// newCampaignRun sets a configured campaign up, stopped.
func (c *Core) newCampaignRun(now time.Time, name string) (*campaignRun, error) {
	k, ok := c.campaignByName(name)
	if !ok {
		return nil, fmt.Errorf("campaign %q: %w", name, ErrUnknownCampaign)
	}
	p, err := dialer.NewPacer(k.PacerOptions())
	if err != nil {
		return nil, fmt.Errorf("campaign %q: %w", name, err)
	}
	r := &campaignRun{cfg: k, state: CampaignStopped, pacer: p, retry: k.Retries(), win: k.Windows(),
		known: map[string]bool{}, dials: map[pbx.ChannelID]*leadDial{}, byCall: map[string]*leadDial{}}
	r.queues = c.campaignQueues(k)
	r.inbound = c.newArrivals(now, r)
	if c.camps == nil {
		c.camps = map[string]*campaignRun{}
	}
	c.camps[name] = r
	c.campNames = slices.Sorted(maps.Keys(c.camps))
	return r, nil
}

// takeNextSettings gives a stopped campaign that starts again the settings
// a reload gave it while it ran (mode, hours, retries, ...). Its counts,
// its abandonment window and what its pacer learned go on. While calls
// of its last run are still in flight it keeps its settings: they are
// settled by them.
func (c *Core) takeNextSettings(now time.Time, r *campaignRun) error {
	k, ok := c.campsNext[r.cfg.Name]
	if !ok {
		return nil
	}
	if len(r.dials) > 0 || len(r.byCall) > 0 || len(r.wrapping) > 0 || len(r.pending) > 0 {
		return fmt.Errorf("campaign %q: %w: its new settings apply once the calls of its last run are over (%d ringing, %d answered); start it then",
			r.cfg.Name, ErrCampaignState, len(r.dials)+len(r.pending), len(r.byCall)+len(r.wrapping))
	}
	p, err := dialer.NewPacer(k.PacerOptions())
	if err != nil {
		return fmt.Errorf("campaign %q: %w", r.cfg.Name, err)
	}
	for t := now.Add(-max(k.AbandonWindow, r.cfg.AbandonWindow)).Truncate(time.Hour); !t.After(now); t = t.Add(time.Hour) {
		if live, ab := r.pacer.AbandonHour(t); live+ab > 0 {
			p.RestoreHour(t, live, ab)
		}
	}
	if err := p.RestoreLearned(r.pacer.MarshalLearned()); err != nil {
		return fmt.Errorf("campaign %q: %w", r.cfg.Name, err)
	}
	delete(c.campsNext, r.cfg.Name)
	camps := slices.Clone(c.opts.Config.Campaigns) // the old slice may be read elsewhere
	for i := range camps {
		if camps[i].Name == k.Name {
			camps[i] = k
		}
	}
	c.opts.Config.Campaigns = camps
	r.cfg, r.pacer, r.retry, r.win = k, p, k.Retries(), k.Windows()
	r.learnedChanges = 0
	r.queues = c.campaignQueues(k)
	r.inbound = c.newArrivals(now, r)
	c.trace(now, "campaign %s takes the settings of the last reload (%s)", k.Name, k.Mode)
	return nil
}

// campaignQueues are the queues whose members work campaign k: those it
// lists and its own agents' queue.
func (c *Core) campaignQueues(k config.Campaign) []*queue {
	own := []string(nil)
	if k.Kind == config.CampaignAgent && len(c.opts.Config.CampaignAgents(k)) > 0 {
		own = []string{CampaignQueue(k.Name)}
	}
	var out []*queue
	for _, qn := range append(slices.Clip(k.Queues), own...) {
		if q := c.queueIdx[qn]; q != nil {
			out = append(out, q)
		}
	}
	return out
}

// SavedCampaign is a campaign's progress as a previous run left it, with
// the hours of its abandonment window.
type SavedCampaign struct {
	Progress campaign.Progress
	Hours    []campaign.HourCount
	// Learned is what its pacer had learned, as last saved (nil: nothing
	// saved); LearnedErr why it could not be read, if it could not.
	Learned    *campaign.Learned
	LearnedErr error
}

// CampaignSource reads campaigns' saved progress; *store.DB is one.
type CampaignSource interface {
	CampaignProgress() ([]campaign.Progress, error)
	CampaignHours(camp string, from time.Time) ([]campaign.HourCount, error)
	CampaignLearned(camp string) (campaign.Learned, bool, error)
}

// ReadCampaigns reads the saved progress of the configured campaigns, each
// with the hours of its abandonment window before now. It runs outside the
// engine goroutine.
func ReadCampaigns(src CampaignSource, cfg config.Config, now time.Time) ([]SavedCampaign, error) {
	all, err := src.CampaignProgress()
	if err != nil {
		return nil, fmt.Errorf("campaigns' progress: %w", err)
	}
	var out []SavedCampaign
	for _, p := range all {
		i := slices.IndexFunc(cfg.Campaigns, func(k config.Campaign) bool { return k.Name == p.Name })
		if i < 0 {
			continue // no longer configured
		}
		hours, err := src.CampaignHours(p.Name, now.Add(-cfg.Campaigns[i].AbandonWindow))
		if err != nil {
			return nil, fmt.Errorf("campaign %q: abandonment by hour: %w", p.Name, err)
		}
		s := SavedCampaign{Progress: p, Hours: hours}
		if l, ok, err := src.CampaignLearned(p.Name); err != nil {
			s.LearnedErr = err // the campaign starts afresh: no reason to stop it
		} else if ok {
			s.Learned = &l
		}
		out = append(out, s)
	}
	return out, nil
}

// RestoreCampaigns picks campaigns up as a previous run left them: their
// counts and abandonment window back, a running one dialing again, a
// paused one paused. Run it before ReconcileLeads. A campaign already
// started in this run keeps its state.
func (c *Core) RestoreCampaigns(now time.Time, saved []SavedCampaign) {
	for _, s := range saved {
		if c.camps[s.Progress.Name] != nil {
			continue
		}
		r, err := c.newCampaignRun(now, s.Progress.Name)
		if err != nil {
			c.warn(now, "campaign-restore", "%v", err)
			continue
		}
		r.stats, r.changed = s.Progress.Counts, s.Progress.Changed
		for _, h := range s.Hours {
			r.pacer.RestoreHour(h.Hour, h.Live, h.Abandoned)
		}
		c.restoreLearned(now, r, s)
		r.state = s.Progress.State
		if r.state == CampaignPaused {
			r.reason = s.Progress.Reason
		}
		live, abandoned, _ := r.pacer.Abandonment(now)
		c.trace(now, "campaign %s restored %s; %d abandoned of %d live answers in its window", r.cfg.Name, r.state, abandoned, live)
		if r.state == CampaignRunning {
			c.campaignTick(now, r)
		}
	}
}

// restoreLearned gives a restored campaign's pacer what it had learned.
// What cannot be read is warned about, and the pacer learns afresh.
func (c *Core) restoreLearned(now time.Time, r *campaignRun, s SavedCampaign) {
	err := s.LearnedErr
	if err == nil && s.Learned != nil {
		err = r.pacer.RestoreLearned(s.Learned.Pacer)
	}
	switch {
	case err != nil:
		c.warn(now, "campaign-restore", "campaign %s: what its pacer learned is lost (%v); it learns its answer rate and talk times afresh", r.cfg.Name, err)
	case s.Learned != nil:
		r.learnedAt = now
		c.trace(now, "campaign %s: its pacer's figures back as saved at %s (%d dial outcomes)", r.cfg.Name, s.Learned.Saved.UTC().Format(time.RFC3339), r.pacer.DialSamples())
	}
}

// Campaigns returns the status of every configured campaign.
func (c *Core) Campaigns(now time.Time) []CampaignStatus {
	out := make([]CampaignStatus, 0, len(c.opts.Config.Campaigns))
	for _, k := range c.opts.Config.Campaigns {
		st := CampaignStatus{Name: k.Name, State: CampaignStopped, Mode: k.Mode, Kind: k.Kind,
			AbandonCap: k.AbandonCap, AbandonWindow: Seconds(k.AbandonWindow)}
		queues := []*queue(nil)
		if r := c.camps[k.Name]; r != nil {
			st.State, st.Hopper, st.Ringing, st.Live, st.Stats = r.state, len(r.hopper), len(r.dials)+len(r.pending), len(r.byCall), r.stats
			st.Kept = r.keptCount()
			_, _, st.AbandonRate = r.pacer.Abandonment(now)
			f := r.pacer.Figures()
			st.Learned = &CampaignLearned{Dials: f.Dials, Talks: f.Talks, MeanTalk: Seconds(f.MeanTalk), MeanWrap: Seconds(f.MeanWrap)}
			if f.Dials > 0 {
				st.Learned.AnswerRate = float64(f.Live) / float64(f.Dials)
			}
			if r.state == CampaignPaused {
				st.PausedBecause = r.reason
			}
			st.OutsideHours = !r.win.Campaign.Open(now, r.win.CampaignLoc)
			queues = r.queues
		} else {
			queues = c.campaignQueues(k)
		}
		seen := map[int32]bool{}
		for _, q := range queues {
			for _, m := range q.rs.Members {
				if a := c.agents[m.Agent]; !seen[a.idx] && a.state != acd.LoggedOut {
					seen[a.idx] = true
					st.Agents++
				}
			}
		}
		out = append(out, st)
	}
	return out
}

// HopperWanted lists the campaigns whose hopper should be refilled now and
// marks them as loading: the host reads their leads (ReadHopper) outside
// the engine goroutine and hands them in with LoadLeads.
func (c *Core) HopperWanted(now time.Time) []string {
	var out []string
	for name, r := range c.camps {
		if r.state != CampaignRunning || r.loading {
			continue
		}
		r.first = r.callbacksDue(now)
		if len(r.hopper) < max(1, r.cfg.Hopper/2) || len(r.first) > 0 {
			r.loading = true
			r.readFrom = c.w.Durable()
			for id, seq := range r.written {
				if seq <= r.readFrom {
					delete(r.written, id)
				}
			}
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// callbacksDue lists the callbacks of r due by now and not in its hopper
// (or dialing, or kept for an agent), the longest due first.
func (r *campaignRun) callbacksDue(now time.Time) []string {
	var ids []string
	for id, at := range r.callbacks {
		if !at.After(now) && !r.known[id] {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b string) int { return cmp.Or(r.callbacks[a].Compare(r.callbacks[b]), strings.Compare(a, b)) })
	return ids
}

// HopperFirst lists the leads a hopper read of the campaign reads first
// (ReadHopper's first): its callbacks due when HopperWanted asked for it.
func (c *Core) HopperFirst(name string) []string {
	if r := c.camps[name]; r != nil {
		return r.first
	}
	return nil
}

// SetCallbacks tells the campaigns which of their leads wait for a
// callback, and when (read from the store at a start, ReadLeftovers); the
// engine keeps them up to date as it saves leads.
func (c *Core) SetCallbacks(byCampaign map[string]map[string]time.Time) {
	for name, cbs := range byCampaign {
		if r := c.camps[name]; r != nil {
			r.callbacks = cbs
		}
	}
}

// HopperSize is how many leads to read for a campaign: its hopper, and as
// many more as due callbacks wait for their agents (a read returns them
// again, and they would crowd out the leads behind them).
func (c *Core) HopperSize(name string) int {
	if r := c.camps[name]; r != nil {
		return max(1, r.cfg.Hopper) + r.keptCount()
	}
	return 0
}

// LoadLeads hands in a hopper read (err if it failed).
func (c *Core) LoadLeads(now time.Time, name string, leads []LoadedLead, err error) {
	r := c.camps[name]
	if r == nil {
		return
	}
	r.loading = false
	skipped, err := store.Skipped(err)
	if err != nil {
		r.optedOut = nil
		c.warn(now, "campaign-leads", "campaign %s: %v", name, err)
		return
	}
	for _, de := range skipped {
		// Named once a run: the lead stays due in the store, and every
		// read would name it again.
		if !r.damaged[de.Key] {
			if r.damaged == nil {
				r.damaged = map[string]bool{}
			}
			r.damaged[de.Key] = true
			c.warn(now, "campaign-lead-unreadable", "campaign %s: lead left out, not dialed: %v", name, de)
		}
	}
	r.applyOptOuts(leads)
	for _, l := range leads {
		if seq := r.written[l.Lead.ID]; seq > r.readFrom {
			continue // read before the engine's last write of it was durable
		}
		c.takeLead(now, r, l)
	}
	c.pace(now, r)
}

// takeLead puts a lead read from the store in the hopper, or aside for
// its agent when a preview holds it for one.
func (c *Core) takeLead(now time.Time, r *campaignRun, l LoadedLead) {
	if r.known[l.Lead.ID] || !l.Lead.State.Dialable() {
		return
	}
	r.known[l.Lead.ID] = true
	if r.keeps(l.Lead) {
		r.keep(l)
		return
	}
	if ag := l.Lead.ReservedFor(now); ag != "" && r.preview() {
		if _, taken := r.reserved[ag]; !taken {
			if r.reserved == nil {
				r.reserved = map[string]LoadedLead{}
			}
			r.reserved[ag] = l
			return
		}
	}
	if l.Lead.State == campaign.Callback {
		// A callback due goes before the leads that were only due.
		i := slices.IndexFunc(r.hopper, func(h LoadedLead) bool { return h.Lead.State != campaign.Callback })
		if i < 0 {
			i = len(r.hopper)
		}
		r.hopper = slices.Insert(r.hopper, i, l)
		return
	}
	r.hopper = append(r.hopper, l)
}

// campaignTick paces now and every second while the campaign has anything
// to do.
func (c *Core) campaignTick(now time.Time, r *campaignRun) {
	r.gen++
	c.redispatchLeads(now, r)
	c.pace(now, r)
	if r.state == CampaignRunning || len(r.dials) > 0 || len(r.byCall) > 0 {
		c.out.At(now.Add(time.Second), Timer{Kind: TimerCampaignTick, Call: r.cfg.Name, Gen: r.gen})
	}
}

// agentsFree is what a campaign's pacer is told of its agents (freeFor):
// those free now and when those in wrap-up are done, and of them the ones
// that inbound callers can take (reach, reachEnds): members of a queue
// callers enter, not only of campaigns' queues.
type agentsFree struct {
	free      int
	wrapEnds  []time.Time
	reach     int
	reachEnds []time.Time
	// spare: free agents whose turn is an idle campaign that shares them
	// (idleSpare), counted only for what callers may take.
	spare int
}

// takesCallers tells whether inbound callers can reach agent a: it is a
// member of a configured queue, not only of campaigns' own queues.
func takesCallers(a *agent) bool {
	return slices.ContainsFunc(a.queues, func(q *queue) bool { return !strings.HasPrefix(q.name, CampaignQueue("")) })
}

// freeFor counts the agents free for the campaign's calls now: available
// members of its queues (its own agents' queue among them), less the
// inbound callers waiting in any queue of those free agents, and ringing
// no one, while the campaign keeps inbound_first (they would take those
// agents first). It
// also lists when the members in wrap-up will be done.
func (c *Core) freeFor(now time.Time, r *campaignRun) agentsFree {
	seen := map[int32]bool{}
	inboundSeen := map[int32]bool{}
	var f agentsFree
	waiting := 0
	count := func(a *agent) {
		if seen[a.idx] || r.waitsFor(a) || !c.paces(now, r, a) {
			return // a callback kept for the agent waits for them; another campaign's turn
		}
		seen[a.idx] = true
		reach := takesCallers(a)
		if a.state == acd.WrapUp && a.call != nil && !a.call.wrapEnd.IsZero() {
			end := a.call.wrapEnd
			if a.call.agent != a && !a.wrapUntil.IsZero() {
				end = a.wrapUntil // it left the call to another party, whose wrap-up moved the call's end
			}
			f.wrapEnds = append(f.wrapEnds, end)
			if reach {
				f.reachEnds = append(f.reachEnds, end)
			}
		}
		if !freeNow(a, now) {
			return
		}
		f.free++
		if reach {
			f.reach++
		}
		for _, q := range a.queues {
			if inboundSeen[q.idx] {
				continue
			}
			inboundSeen[q.idx] = true
			for _, w := range q.waiting {
				if w.dir != acd.DirectionOutbound && len(w.legs) == 0 { // one ringing an agent has them
					waiting++
				}
			}
		}
	}
	for _, q := range r.queues {
		for _, m := range q.rs.Members {
			count(c.agents[m.Agent])
		}
	}
	if r.cfg.InboundFirst {
		// The waiting callers are in the queues of agents they reach.
		f.free, f.reach = max(0, f.free-waiting), max(0, f.reach-waiting)
	}
	return f
}

// pacesAgents tells whether r is a campaign that paces dials for agents
// (not a preview one, whose agent picks each lead) and counts on them: a
// running one, or one paused or stopped while its dials still ring or its
// answered leads wait, which keeps its agents for those.
func (r *campaignRun) pacesAgents() bool {
	return (r.state == CampaignRunning || r.counting()) && r.cfg.Kind == config.CampaignAgent && !r.preview()
}

// member tells whether a is in one of r's queues.
func (c *Core) member(r *campaignRun, a *agent) bool {
	for _, q := range r.queues {
		if _, ok := a.penalty[q.idx]; ok {
			return true
		}
	}
	return false
}

// campOrder is the campaigns' names, sorted: the order turns go round in.
func (c *Core) campOrder() []string { return c.campNames }

// dialRuns are the campaigns that pace dials for agent a (pacesAgents), in
// name order: the order turns go round in.
func (c *Core) dialRuns(a *agent) []*campaignRun {
	var runs []*campaignRun
	for _, name := range c.campOrder() {
		if r := c.camps[name]; r.pacesAgents() && c.member(r, a) {
			runs = append(runs, r)
		}
	}
	return runs
}

// working tells whether r can use an agent now: its schedule open, with
// leads in its hopper or dials in flight.
func (r *campaignRun) working(now time.Time) bool {
	return r.win.Campaign.Open(now, r.win.CampaignLoc) && (len(r.hopper) > 0 || r.counting())
}

// counting tells whether r counts on its agents now: dials in flight, or
// answered leads that wait for an agent; not those held for one agent (a
// kept callback's), which count on that agent alone.
func (r *campaignRun) counting() bool {
	for _, d := range r.dials {
		if d.agent == nil {
			return true
		}
	}
	for _, p := range r.pending {
		if p.d.agent == nil {
			return true
		}
	}
	for _, d := range r.byCall {
		if !d.settled && d.call.agent == nil && d.agent == nil {
			return true
		}
	}
	return false
}

// turnOf is the campaign whose pacer counts agent a among the running
// campaigns that dial for it, nil if none does. Each would otherwise count
// a shared agent free and dial for it, and of two leads answering for one
// agent, one would find no one (an abandon, even in progressive mode). The
// agent's turn passes to the next of them, in name order, when a lead of
// the campaign whose turn it is is connected to it (passTurn), and at once
// when that campaign cannot use the agent (its schedule closed, nothing
// left to dial), or it would hold the agent from the others.
func (c *Core) turnOf(now time.Time, a *agent) *campaignRun {
	runs := c.dialRuns(a)
	switch len(runs) {
	case 0:
		return nil
	case 1:
		return runs[0]
	}
	i := max(0, slices.IndexFunc(runs, func(r *campaignRun) bool { return r.cfg.Name == a.turn }))
	for k := range runs {
		if r := runs[(i+k)%len(runs)]; r.working(now) {
			a.turn = r.cfg.Name
			return r
		}
	}
	return runs[i]
}

// paces tells whether r's pacer counts agent a (see turnOf).
func (c *Core) paces(now time.Time, r *campaignRun, a *agent) bool {
	t := c.turnOf(now, a)
	return t == nil || t == r
}

// passTurn gives agent a, just connected to a lead of r, to the next
// campaign after r that dials for it, in name order.
func (c *Core) passTurn(r *campaignRun, a *agent) {
	runs := c.dialRuns(a)
	if len(runs) < 2 {
		a.turn = ""
		return
	}
	i := slices.Index(runs, r)
	a.turn = runs[(i+1)%len(runs)].cfg.Name
}

// leadOf is the campaign and dial of an answered lead's call, nil for any
// other.
func (c *Core) leadOf(cl *call) (*campaignRun, *leadDial) {
	if cl.dir != acd.DirectionOutbound {
		return nil, nil
	}
	for _, name := range c.campOrder() {
		if r := c.camps[name]; r.byCall[cl.id] != nil {
			return r, r.byCall[cl.id]
		}
	}
	return nil, nil
}

// mayTake tells whether agent a may take call cl: a lead of one campaign
// does not take an agent whose turn is another's while that one counts on
// its agents (its dials in flight, its leads waiting), or it would leave
// that campaign's lead with no one: the campaign that dialed ahead bears
// its own abandon. A lead held for a (a preview the agent dialed, a
// callback kept for them) always may.
func (c *Core) mayTake(now time.Time, a *agent, cl *call) bool {
	r, d := c.leadOf(cl)
	return c.leadMayTake(now, a, cl, r, d)
}

// leadMayTake is mayTake for call cl whose campaign and dial are r and d
// (nil for a call that is no lead's).
func (c *Core) leadMayTake(now time.Time, a *agent, cl *call, r *campaignRun, d *leadDial) bool {
	if r == nil || d.agent == a || cl.only == a {
		return true
	}
	t := c.turnOf(now, a)
	return t == nil || t == r || !t.counting()
}

// redispatchLeads offers r's answered leads that wait for an agent again:
// one an agent was kept from (mayTake) may take them now that the other
// campaign no longer counts on them.
func (c *Core) redispatchLeads(now time.Time, r *campaignRun) {
	for _, id := range slices.Sorted(maps.Keys(r.byCall)) {
		if d := r.byCall[id]; !d.settled && d.call.agent == nil && d.call.queue != nil && d.call.dispatchable() {
			c.dispatchCall(now, d.call)
		}
	}
}

// pace asks the pacer how many leads to dial and dials them.
func (c *Core) pace(now time.Time, r *campaignRun) {
	if r.state != CampaignRunning || c.switchStopping(now) {
		return
	}
	c.dialKept(now, r)
	// A kept callback's dial has its agent held for it: the pacer counts
	// neither that agent free nor the dial as one to find an agent for.
	snap := dialer.Snapshot{Now: now}
	for _, d := range r.dials {
		if !d.only {
			snap.Ringing = append(snap.Ringing, d.placed)
		}
	}
	for _, p := range r.pending {
		if !p.d.only {
			snap.Ringing = append(snap.Ringing, p.d.placed)
		}
	}
	for _, d := range r.byCall {
		if !d.settled && !d.only && d.call.agent == nil && len(d.call.legs) == 0 { // one ringing an agent has them
			snap.Waiting++
		}
	}
	// The agents talking to leads whose next free moment this campaign
	// counts on: its own, but those whose turn passed on to another
	// campaign count there (see paces).
	for _, name := range c.campOrder() {
		for _, d := range c.camps[name].byCall {
			if a := d.call.agent; a != nil && c.paces(now, r, a) && (c.camps[name] == r || c.member(r, a)) {
				snap.Busy = append(snap.Busy, d.call.answered)
			}
		}
	}
	if r.preview() {
		c.offerPreviews(now, r)
		return
	}
	var n int
	if r.cfg.Kind != config.CampaignAgent {
		n = max(1, r.cfg.MaxDials) - len(snap.Ringing) - len(r.byCall)
	} else {
		f := c.freeFor(now, r)
		if r.pacer.Room(now) > 0 {
			f.spare = c.idleSpare(now, r)
		}
		snap.FreeAgents, snap.WrapEnds = claimed(now, r, f)
		n = r.pacer.Pace(snap)
		if n == 0 && f.free > 0 && snap.FreeAgents == 0 && r.idle() && r.pacer.Room(now) == 0 {
			c.dialHeld(now, r)
			return
		}
	}
	for n > 0 && len(r.hopper) > 0 {
		l := r.hopper[0]
		r.hopper = r.hopper[1:]
		if c.dialLead(now, r, l) {
			n--
		}
	}
}

// idleSpare counts the free agents of r's queues whose turn is another
// running campaign that counts on no agent now (no dial in flight, no
// answer waiting): inbound callers may take them as well as r's own, and
// an answer of r whose agent a caller took may take one of them
// (leadMayTake). Two campaigns sharing agents that also take callers so
// set the expected callers aside once between them, not each in full
// (which left neither dialing).
func (c *Core) idleSpare(now time.Time, r *campaignRun) int {
	seen := map[int32]bool{}
	n := 0
	for _, q := range r.queues {
		for _, m := range q.rs.Members {
			a := c.agents[m.Agent]
			if seen[a.idx] || !freeNow(a, now) || !takesCallers(a) {
				continue
			}
			seen[a.idx] = true
			if t := c.turnOf(now, a); t != nil && t != r && !t.counting() {
				n++
			}
		}
	}
	return n
}

// idle tells whether r has no dial in flight and no answered lead
// unsettled, its held ones included.
func (r *campaignRun) idle() bool {
	if len(r.dials) > 0 || len(r.pending) > 0 {
		return false
	}
	for _, d := range r.byCall {
		if !d.settled {
			return false
		}
	}
	return true
}

// dialHeld dials one lead with a free agent held for it, as a kept
// callback's dial is. It serves a campaign whose free agents the inbound
// callers expected are all set aside for (claimed) while its window has
// no room for an abandon: it could earn the room only by live answers
// reaching agents, and would otherwise wait for an inbound lull that a
// small team taking calls may never see. The agent held is offered no
// caller until the dial ends (its ring timeout at most) or its answer is
// connected to them; no caller waits then (an inbound_first campaign
// counts none free while one does), and the campaign has no other dial
// in flight, so it holds one agent at a time.
func (c *Core) dialHeld(now time.Time, r *campaignRun) {
	var a *agent
	for _, q := range r.queues {
		for _, m := range q.rs.Members {
			if b := c.agents[m.Agent]; a == nil && !r.waitsFor(b) && c.paces(now, r, b) && freeNow(b, now) {
				a = b
			}
		}
	}
	if a == nil {
		return
	}
	for len(r.hopper) > 0 {
		ll := r.hopper[0]
		r.hopper = r.hopper[1:]
		if !c.admitLead(now, r, ll) {
			continue
		}
		c.trace(now, "campaign %s: lead %s dialed with %s held for it (no room for an abandon; inbound callers expected)", r.cfg.Name, ll.Lead.ID, a.id)
		c.hold(now, a, now.Add(r.cfg.RingTimeout+10*time.Second)) // as a preview's dial
		if !c.startDial(now, r, ll.Lead, a) {
			c.freeHeld(now, a)
		}
		return
	}
}

// dialLead checks a lead (do-not-call, calling windows) and saves it as
// Dialing; the originate follows once that write is durable. It reports
// whether a dial was started.
func (c *Core) dialLead(now time.Time, r *campaignRun, ll LoadedLead) bool {
	return c.admitLead(now, r, ll) && c.startDial(now, r, ll.Lead, nil)
}

// admitLead checks a lead taken from the hopper before it is dialed or
// shown to an agent: a number on a do-not-call list becomes do-not-call,
// a lead outside its calling hours is put off until they open. It reports
// whether the lead may be called now.
func (c *Core) admitLead(now time.Time, r *campaignRun, ll LoadedLead) bool {
	l := campaign.Release(ll.Lead)
	if ll.Blocked {
		delete(r.known, l.ID)
		r.stats.SkippedDNC++
		if nl, err := campaign.MarkDNC(l); err == nil {
			c.trace(now, "campaign %s: lead %s is on a do-not-call list; not dialed", r.cfg.Name, l.ID)
			c.saveLead(now, r, &nl)
		} else {
			c.warn(now, "illegal-transition", "campaign %s: %v", r.cfg.Name, err)
		}
		return false
	}
	if next := r.win.NextCallableIn(now, campaign.LeadZones(l)...); !next.Equal(now) {
		delete(r.known, l.ID)
		r.stats.SkippedWindow++
		c.trace(now, "campaign %s: lead %s outside its calling hours; next %s", r.cfg.Name, l.ID, next.Format(time.RFC3339))
		if next.IsZero() {
			// Its hours never meet the campaign's within two weeks: put off
			// a day, or it would head the due order and fill every hopper.
			next = now.Add(24 * time.Hour)
		}
		l.NextAttempt = next
		c.saveLead(now, r, &l)
		return false
	}
	return true
}

// startDial saves a lead as Dialing and queues its originate for when that
// write is durable; agent, when set, is reserved for the lead (preview).
func (c *Core) startDial(now time.Time, r *campaignRun, l campaign.Lead, agent *agent) bool {
	nl, err := campaign.StartDial(l, now)
	if err != nil {
		delete(r.known, l.ID)
		c.warn(now, "illegal-transition", "campaign %s: %v", r.cfg.Name, err)
		return false
	}
	id := c.newID(now, "o")
	d := &leadDial{run: r, lead: nl, id: id, ch: pbx.ChannelID(id), placed: now, agent: agent, only: agent != nil && !r.preview()}
	// Counted in the write that saves the lead Dialing: a restart then
	// knows that every lead it finds Dialing is counted, and settles it in
	// one of the outcomes (ReconcileLeads).
	r.stats.Dialed++
	// Its open record too: it names the lead of the channel to a restart
	// (a switch may report no lead variables), and the attempt keeps one
	// record whatever becomes of it.
	rec := c.leadRecord(d)
	seq := c.saveLead(now, r, &nl, store.PutCall(&rec))
	if seq == 0 {
		r.stats.Dialed--
		delete(r.known, l.ID)
		return false
	}
	r.pending = append(r.pending, pendingDial{seq: seq, d: d})
	c.campaignSaved(now, c.w.Durable())
	return true
}

// campaignSaved originates the dials whose Dialing write is durable.
func (c *Core) campaignSaved(now time.Time, seq uint64) {
	for _, r := range c.camps {
		n := 0
		for n < len(r.pending) && r.pending[n].seq <= seq {
			c.originateLead(now, r.pending[n].d)
			n++
		}
		r.pending = r.pending[n:]
	}
}

func (c *Core) originateLead(now time.Time, d *leadDial) {
	r := d.run
	d.placed = now
	r.dials[d.ch] = d
	c.trace(now, "campaign %s: dial lead %s attempt %d", r.cfg.Name, d.lead.ID, d.lead.Attempts)
	c.do(Command{Op: OpOriginate, Lane: d.id, Originate: pbx.OriginateRequest{
		ChannelID: d.ch, Endpoint: strings.ReplaceAll(r.cfg.Endpoint, "{number}", d.lead.Phone),
		CallerID: r.cfg.CallerID, Timeout: r.cfg.RingTimeout,
		Vars:           map[string]string{pbx.VarCallID: d.id, pbx.VarRole: "lead", VarCampaign: r.cfg.Name, VarLead: d.lead.ID},
		Machine:        machineDetection(r.cfg.AnsweringMachine),
		Unattended:     unattended(r.cfg),
		MachineMessage: machineMessage(r.cfg),
	}})
}

// machineMessage is what a campaign leaves on a machine: its
// machine_message when it leaves one.
func machineMessage(k config.Campaign) []string {
	if k.AnsweringMachine != config.MachineMessage {
		return nil
	}
	return k.MachineMessage
}

// unattended is what a campaign's lead hears from the switch itself if it
// answers while Hotline is down (a switch that would hang it up plays it
// instead, and notes the answer for the restart): for a campaign whose
// answers wait for an agent, the safe-harbour message, as after
// connect_within; for a notification without a flow, its message; for any
// other, the safe-harbour message if the campaign has one, else nothing
// (empty, not nil: the answer is still noted).
func unattended(k config.Campaign) []string {
	switch {
	case k.Kind == config.CampaignAgent:
		return k.SafeHarbour
	case k.Kind == config.CampaignNotification && k.Flow == "" && len(k.Message) > 0:
		return k.Message
	}
	return append([]string{}, k.SafeHarbour...)
}

// heardUnattended reports whether a survey's or notification's lead that
// answered while Hotline was down, which the switch took care of (see
// unattended), heard what it was called for: a notification's message,
// played by the switch. Any other lead's flow never ran.
func heardUnattended(k config.Campaign) bool {
	return k.Kind == config.CampaignNotification && k.Flow == "" && len(k.Message) > 0
}

// machineDetection is the detection a campaign's answering_machine asks
// of the switch.
func machineDetection(handling string) pbx.MachineDetection {
	switch handling {
	case config.MachineHangup:
		return pbx.MachineDetect
	case config.MachineMessage:
		return pbx.MachineAfterBeep
	}
	return pbx.MachineIgnore
}

// dialFor finds the ringing dial a channel belongs to.
func (c *Core) dialFor(ch pbx.ChannelID) *leadDial {
	for _, r := range c.camps {
		if d := r.dials[ch]; d != nil {
			return d
		}
	}
	return nil
}

// campaignEvent handles the events of a lead's channel until it answers;
// it reports whether the event was one.
func (c *Core) campaignEvent(now time.Time, ev pbx.Event) bool {
	if len(c.camps)+len(c.leftLeads) == 0 {
		return false
	}
	var ch pbx.ChannelID
	switch e := ev.(type) {
	case pbx.Answered:
		ch = e.Channel
	case pbx.OriginateFailed:
		ch = e.Channel
	case pbx.HungUp:
		ch = e.Channel
	case pbx.Ringing:
		ch = e.Channel
	case pbx.MachineDetected:
		ch = e.Channel
	default:
		return false
	}
	d := c.dialFor(ch)
	if d == nil {
		return c.leftLeadEvent(now, ev, ch)
	}
	switch e := ev.(type) {
	case pbx.MachineDetected:
		d.amd = e.Status
		c.trace(now, "campaign %s: lead %s answering-machine detection: %s %s", d.run.cfg.Name, d.lead.ID, e.Status, e.Cause)
	case pbx.Answered:
		if d.amd == pbx.AMDMachine || d.amd == pbx.AMDHangup {
			c.machineAnswered(now, d)
			return true
		}
		c.leadAnswered(now, d, now, "")
	case pbx.OriginateFailed:
		c.leadNotReached(now, d, e.Reason, e.Cause)
	case pbx.HungUp:
		reason := pbx.ReasonForCause(e.Cause)
		if d.amd == pbx.AMDHangup {
			reason = pbx.FailNoAnswer // answered, and gone before a word could be told
		}
		c.leadNotReached(now, d, reason, e.Cause)
	}
	return true
}

func dialOutcome(reason pbx.FailReason) campaign.Outcome {
	switch reason {
	case pbx.FailBusy:
		return campaign.Busy
	case pbx.FailNoAnswer, pbx.FailCancelled:
		return campaign.NoAnswer
	}
	return campaign.Unreached
}

// leadNotReached settles a dial that ended before an answer: the lead is
// retried per the campaign's rules, and the dial is a call record whose
// not-reached step names the switch's cause where it says more than the
// reason (unreachable (congestion)).
func (c *Core) leadNotReached(now time.Time, d *leadDial, reason pbx.FailReason, cause pbx.Cause) {
	r := d.run
	delete(r.dials, d.ch)
	delete(r.known, d.lead.ID)
	c.goneChans[d.ch] = struct{}{} // its HungUp follows OriginateFailed
	c.dialEnded(now, d, false)
	c.releaseReserved(now, d)
	o := dialOutcome(reason)
	if cause == pbx.CauseSwitchShutdown || c.switchStopping(now) && reason == pbx.FailUnreachable {
		o = campaign.SwitchShutdown
	}
	countNotReached(r, o)
	rec := c.leadRecord(d)
	rec.Outcome, rec.Cause, rec.Ended = acd.OutcomeFailed, string(reason), now
	detail := string(reason)
	if cause != 0 && cause.String() != detail {
		detail += " (" + cause.String() + ")"
	}
	rec.Timeline = append(rec.Timeline, store.Step{At: now, Kind: "not-reached", Detail: detail})
	c.settleLead(now, d, o, store.PutCall(&rec)) // one write: the outcome counted is the one recorded
	c.pace(now, r)
}

// countNotReached counts a dial that never answered by its outcome.
func countNotReached(r *campaignRun, o campaign.Outcome) {
	switch o {
	case campaign.Busy:
		r.stats.Busy++
	case campaign.NoAnswer:
		r.stats.NoAnswer++
	case campaign.SwitchShutdown:
		r.stats.SwitchShutdown++
	default:
		r.stats.Failed++
	}
}

// dialEnded gives the pacer the ring time and outcome of a dial it placed.
// A dial an earlier run placed (taken up at a restart) is left out: its
// ring time holds the time Hotline was down.
func (c *Core) dialEnded(now time.Time, d *leadDial, live bool) {
	if !d.left {
		d.run.pacer.DialEnded(d.placed, now, live)
	}
}

// settleLead saves the outcome of a dial on its lead, with ops in the same
// write.
func (c *Core) settleLead(now time.Time, d *leadDial, o campaign.Outcome, ops ...store.Op) {
	nl, err := campaign.DialEnded(d.lead, o, d.run.retry, now)
	if err != nil {
		c.warn(now, "illegal-transition", "campaign %s: %v", d.run.cfg.Name, err)
		return
	}
	if d.lead.CallbackAgent != "" && nl.CallbackAgent == "" && nl.State == campaign.Scheduled {
		c.traceToAnyone(now, d.run, d.lead, fmt.Sprintf("its retry after %s, at %s, not", o, nl.NextAttempt.UTC().Format(time.RFC3339)))
	}
	d.lead = nl
	c.trace(now, "campaign %s: lead %s %s → %s", d.run.cfg.Name, nl.ID, o, nl.State)
	c.saveLead(now, d.run, &nl, ops...)
}

// leadRecord is the call record of a dial, in the timeline form of inbound
// calls: the campaign, lead and attempt are in its entry and first step.
func (c *Core) leadRecord(d *leadDial) store.CallRecord {
	r := d.run
	detail := "campaign=" + r.cfg.Name + " lead=" + d.lead.ID + " attempt=" + strconv.Itoa(d.lead.Attempts)
	if d.agent != nil && r.preview() {
		detail += " agent=" + d.agent.id // who dialed it, for a restart (keepLeftFor)
	}
	return store.CallRecord{
		ID: d.id, Direction: acd.DirectionOutbound, Caller: r.cfg.CallerID, Called: d.lead.Phone,
		Entry: "campaign:" + r.cfg.Name, Channel: string(d.ch), Entered: d.placed, Outcome: acd.OutcomeInProgress,
		Timeline: []store.Step{{At: d.placed, Kind: "dial", Detail: detail}},
	}
}

// machineAnswered ends a dial a machine answered (or that hung up during
// detection): the machine hears the campaign's machine_message, if any,
// and the lead is retried after the machine delay. The dial is a call
// record like any other.
func (c *Core) machineAnswered(now time.Time, d *leadDial) {
	r := d.run
	delete(r.dials, d.ch)
	c.dialEnded(now, d, false)
	c.releaseReserved(now, d)
	d.machine, d.settled = true, true
	o := campaign.Machine
	var media []string
	if d.amd == pbx.AMDHangup {
		o = campaign.NoAnswer
		r.stats.NoAnswer++
	} else {
		r.stats.Machine++
		media = machineMessage(r.cfg)
	}
	cl := c.leadCall(d)
	c.step(now, cl, "machine", "", d.amd)
	c.settleLead(now, d, o, store.PutCall(&cl.rec))
	c.leave(now, cl, media, acd.OutcomeFailed, pbx.CauseNormal)
	c.pace(now, r)
}

// leadCall makes the answered dial a live call of the engine.
func (c *Core) leadCall(d *leadDial) *call {
	cl := &call{id: d.id, ch: d.ch, dir: acd.DirectionOutbound, arrived: d.placed, entry: "campaign:" + d.run.cfg.Name}
	if d.left {
		cl.legTag = c.runTag() // the earlier run's legs may still ring
	}
	cl.rec = c.leadRecord(d)
	d.call = cl
	c.calls[cl.id] = cl
	c.chans[cl.ch] = chanRef{call: cl}
	d.run.byCall[cl.id] = d
	return cl
}

// leadAnswered turns an answered lead into a call: to an agent of the
// campaign, or the notification message. answered is when it answered
// (for an answer unseen, the earliest it can have been), how says what
// was unusual about it, if anything.
func (c *Core) leadAnswered(now time.Time, d *leadDial, answered time.Time, how string) {
	r := d.run
	delete(r.dials, d.ch)
	c.dialEnded(now, d, true)
	r.stats.Answered++
	cl := c.leadCall(d)
	c.step(now, cl, "lead-answered", "", strings.TrimSpace(d.lead.ID+" "+how))
	c.settleLead(now, d, campaign.Human, store.PutCall(&cl.rec)) // the answer counted has its record
	if r.cfg.Kind != config.CampaignAgent {
		c.selfService(now, d)
		return
	}
	if due := answered.Add(r.cfg.ConnectWithin); now.Before(due) {
		c.awaitAgent(now, d, due)
		return
	}
	c.abandonLead(now, d, "no agent within "+r.cfg.ConnectWithin.String()+" (restart)")
}

// selfService plays the answered lead of a survey or notification its flow
// or message from the start. No agent is waited for, so the answer cannot
// be abandoned.
func (c *Core) selfService(now time.Time, d *leadDial) {
	d.settled = true
	if f := d.run.cfg.Flow; f != "" {
		c.startFlow(now, d.call, f+"/") // the flow's way in, see menuFlow
		return
	}
	c.leave(now, d.call, d.run.cfg.Message, acd.OutcomeSelfService, pbx.CauseNormal)
}

// awaitAgent queues an answered lead for an agent of its campaign until
// due, when connectDue looks at it.
func (c *Core) awaitAgent(now time.Time, d *leadDial, due time.Time) {
	r, cl := d.run, d.call
	var q *queue
	for _, cand := range r.queues {
		if c.freeForQueue(now, cand) {
			q = cand
			break
		}
	}
	if d.agent != nil {
		q = c.reservedQueue(now, d)
		if d.only {
			cl.only = d.agent
		}
	}
	if q == nil && len(r.queues) > 0 {
		q = r.queues[0] // none free: it waits for one (waitingLeads)
	}
	if q == nil {
		c.abandonLead(now, d, "no queue")
		return
	}
	cl.class = d.class()
	if d.left && !c.synced {
		// Taken up before the switch's snapshot: it waits, as the calls
		// restored do, for the sync to say which legs of the earlier run
		// still ring (hangUpStranded, adoptLeg) before any agent is rung.
		cl.queue, cl.phase, cl.restored, cl.enqueued, cl.entered = q, acd.CallQueued, true, now, now
		c.out.At(due, Timer{Kind: TimerCampaignConnect, Call: cl.id})
		return
	}
	c.enterQueue(now, cl, q)
	if cl.phase == acd.CallQueued || cl.phase == acd.CallOffering {
		c.out.At(due, Timer{Kind: TimerCampaignConnect, Call: cl.id})
	}
}

// class is how an answered lead ranks against inbound callers for a
// shared agent: after them while its campaign keeps inbound_first, before
// them otherwise. A lead an agent is reserved for (preview) goes before
// them always: that agent dialed it, and it waits for them, never
// abandoned, so no caller may keep it on hold.
func (d *leadDial) class() routing.Class {
	if d.run.cfg.InboundFirst && d.agent == nil {
		return routing.ClassAfterInbound
	}
	return routing.ClassLive
}

// waitingLeads adds to a freed agent's candidates the answered leads of the
// campaigns it works that wait in one of the campaign's queues it is not a
// member of: a lead may go to any agent of its campaign. Each is ranked
// as if in the first of the campaign's queues the agent serves, to which
// it moves if chosen. A lead an agent is reserved for waits for them.
func (c *Core) waitingLeads(now time.Time, a *agent) {
	for _, name := range c.campOrder() {
		r := c.camps[name]
		var via *queue
		for _, q := range r.queues {
			if p, member := a.penalty[q.idx]; member && p >= 0 {
				via = q
				break
			}
		}
		if via == nil {
			continue
		}
		for _, id := range slices.Sorted(maps.Keys(r.byCall)) {
			d := r.byCall[id]
			cl := d.call
			if d.agent != nil || cl.queue == nil || !cl.dispatchable() || !c.mayTake(now, a, cl) {
				continue
			}
			if _, member := a.penalty[cl.queue.idx]; member {
				continue // seen in the agent's own queues
			}
			c.waitBuf = append(c.waitBuf, c.waitingIn(now, via, cl))
			c.waitRef = append(c.waitRef, waitRef{call: cl, to: via})
		}
	}
}

// moveLead moves a waiting lead to another of its campaign's queues, whose
// agent is to be offered it. The queue it leaves counts it as overflowed,
// as it does a caller its overflow rule sends on, so that each queue's
// offered calls are its answers, abandons, overflows and callbacks: live,
// and as the records tally them after a restart (kpi.TallyRecords) and in
// reports.
func (c *Core) moveLead(now time.Time, cl *call, q *queue) {
	cl.queue.stats.Overflowed++
	c.stepInLine(now, cl, "overflow", movedLead+" → "+q.name)
	c.removeWaiting(cl)
	cl.queue, cl.rec.Queue, cl.entered = q, q.name, now
	q.stats.Offered++
	q.waiting = append(q.waiting, cl)
	c.step(now, cl, "enqueue", "", q.name)
}

// movedLead is the reason of the overflow step of a lead moved to another
// of its campaign's queues.
const movedLead = "moved"

func (c *Core) freeForQueue(now time.Time, q *queue) bool {
	for _, m := range q.rs.Members {
		if freeNow(c.agents[m.Agent], now) {
			return true
		}
	}
	return false
}

// freeNow reports whether an agent could be offered a call now.
func freeNow(a *agent, now time.Time) bool {
	return a.state == acd.Available && a.call == nil && !a.notBefore.After(now)
}

// connectDue runs ConnectWithin after a live answer: an agent talking by
// now counts as connected in time; else the answer is abandoned, as the
// two-second rule says. A lead no agent is ringing for hears the
// safe-harbour message and is hung up. One an agent is still ringing for
// is counted abandoned at once (and rests as abandoned leads do) but waits
// on: if the agent answers, the person is not hung up on; if no agent is
// ringing for it any more, it hears the message then (lateCheck later).
func (c *Core) connectDue(now time.Time, callID string) {
	for _, r := range c.camps {
		d := r.byCall[callID]
		if d == nil || d.settled {
			continue
		}
		cl := d.call
		if cl.agent != nil {
			c.connectLead(now, d)
			return
		}
		if d.agent != nil && !d.only {
			if c.mayStillTake(d.agent, r) {
				// An agent was reserved for this lead: it waits for them.
				c.out.At(now.Add(r.cfg.ConnectWithin), Timer{Kind: TimerCampaignConnect, Call: cl.id})
				return
			}
			// Its agent paused (their phone unanswered, a supervisor),
			// logged out or left the campaign: it waits for no one gone,
			// and is abandoned as any answer no agent takes, unless an
			// agent is ringing for it.
			c.step(now, cl, "agent-left", d.agent.id, d.agent.state.String())
			d.agent = nil
			c.connectDue(now, callID)
			return
		}
		if len(cl.legs) > 0 {
			if !d.late {
				d.late = true
				c.countAnswer(now, d, true)
				d.lead.AbandonedAt = now
				c.step(now, cl, "not-connected", "", "agent ringing after "+r.cfg.ConnectWithin.String())
			}
			c.out.At(now.Add(lateCheck), Timer{Kind: TimerCampaignConnect, Call: cl.id})
			return
		}
		why := "no agent within " + r.cfg.ConnectWithin.String()
		if waited := now.Sub(leadAnsweredAt(cl)); waited >= r.cfg.ConnectWithin+time.Second {
			// It waited longer, for an agent reserved for it who left
			// or missed its rings: the step says how long.
			why = "no agent in " + waited.Round(time.Second).String()
		}
		if d.late {
			why = "no agent answered"
		}
		c.abandonLead(now, d, why)
	}
}

// leadMissed: agent a, whom an answered lead waits for (the agent who
// dialed it in preview mode), let its ring go unanswered (or busy, or
// refused). A first miss may be a moment away from the desk: the lead,
// on hold, rings them again. At the second it waits for them no longer:
// past its ConnectWithin it hears the safe-harbour message now, unless
// another agent is ringing for it (a kept callback's lead does so at the
// first, see connectDue).
func (c *Core) leadMissed(now time.Time, cl *call, a *agent) {
	d, _ := c.leadDialOf(cl.id)
	if cl.dir != acd.DirectionOutbound || d == nil || d.settled || d.agent != a || d.only || cl.phase == acd.CallEnded {
		return
	}
	if d.missed++; d.missed < maxLeadMissed {
		return
	}
	c.step(now, cl, "agent-left", a.id, "missed its ring "+strconv.Itoa(d.missed)+" times")
	d.agent = nil
	if !now.Before(leadAnsweredAt(cl).Add(d.run.cfg.ConnectWithin)) {
		c.connectDue(now, cl.id)
	}
}

// maxLeadMissed is how many rings of an answered lead its reserved agent
// may miss before it waits for them no longer.
const maxLeadMissed = 2

// mayStillTake reports whether agent a, for whom a lead of r was dialed,
// may still take it: logged in, not paused, and working the campaign.
func (c *Core) mayStillTake(a *agent, r *campaignRun) bool {
	return a.state != acd.Paused && a.state != acd.LoggedOut && !a.removed && c.worksCampaign(a, r)
}

// lateCheck is how often a lead past its ConnectWithin with an agent
// ringing is looked at again.
const lateCheck = time.Second

// connectLead moves an answered lead an agent took to Connected, counted
// as connected in time unless it was counted abandoned already.
func (c *Core) connectLead(now time.Time, d *leadDial) {
	d.settled = true
	if a := d.call.agent; a != nil {
		c.passTurn(d.run, a)
	}
	c.countAnswer(now, d, false)
	nl, err := campaign.Connect(d.lead)
	if err != nil {
		c.warn(now, "illegal-transition", "campaign %s: %v", d.run.cfg.Name, err)
		return
	}
	d.lead = nl
	c.saveLead(now, d.run, &nl)
}

// abandonLead plays the safe-harbour message to an answered lead no agent
// took, hangs up and counts it against the cap.
func (c *Core) abandonLead(now time.Time, d *leadDial, why string) {
	r := d.run
	d.settled, d.abandoned = true, true
	c.countAnswer(now, d, true)
	c.step(now, d.call, "safe-harbour", "", why)
	c.settleLead(now, d, campaign.Abandoned)
	c.leave(now, d.call, r.cfg.SafeHarbour, acd.OutcomeAbandoned, pbx.CauseNormal)
}

// campaignCallEnded settles the lead of an answered call that ended.
func (c *Core) campaignCallEnded(now time.Time, cl *call) {
	if cl.dir != acd.DirectionOutbound {
		return
	}
	for _, r := range c.camps {
		d := r.byCall[cl.id]
		if d == nil {
			continue
		}
		delete(r.byCall, cl.id)
		delete(r.known, d.lead.ID)
		if r.cfg.Flow != "" {
			c.flowAnswers(cl, d)
		}
		if !d.settled && cl.agent != nil {
			c.connectLead(now, d) // bridged and over before its ConnectWithin came up
		}
		d.cut = cl.rec.Cause == causeSwitchShutdown && !d.optOut
		switch {
		case d.abandoned || d.machine:
		case d.cut && cl.agent == nil && (r.cfg.Flow == "" || !cl.flow.Done()):
			// Cut off by the switch before an agent took it or its flow
			// or message was over: not the lead's doing, nor an abandon.
			r.stats.SwitchShutdown++
			c.settleLead(now, d, campaign.SwitchShutdown)
		case !d.settled:
			// The lead hung up before an agent took it.
			d.abandoned = true
			c.countAnswer(now, d, true)
			c.settleLead(now, d, campaign.Abandoned)
		default:
			if cl.agent != nil || r.cfg.Kind != config.CampaignAgent {
				if !cl.answered.IsZero() && cl.queue != nil {
					r.pacer.Handled(cl.rec.Talk, cl.queue.cfg.WrapUp)
				}
				if d.lead.State == campaign.Answered && cl.agent != nil {
					if nl, err := campaign.Connect(d.lead); err == nil {
						d.lead = nl
					}
					if r.cfg.Kind != config.CampaignAgent {
						// Put through to an agent by its flow: connected, as
						// the campaigns report counts it, though no agent was
						// waited for (not a live answer of the cap's).
						r.stats.Connected++
					}
				}
				if d.disposition == "" && cl.agent != nil && cl.agent.state == acd.WrapUp {
					// The agent may still give a disposition in wrap-up.
					if r.wrapping == nil {
						r.wrapping = map[string]*leadDial{}
					}
					r.wrapping[cl.id] = d
					break
				}
				c.disposeLead(now, d)
			} else {
				// Rung agents, none answered, and the lead left.
				nl, err := campaign.Dispose(d.lead, campaign.Disposition{Name: "no-agent"}, time.Time{}, "", r.retry, now)
				if err == nil {
					d.lead = nl
					c.saveLead(now, r, &nl)
				}
			}
		}
		return
	}
	if _, lead, _ := dialOf(&cl.rec); lead != "" && !c.resumed && len(c.opts.Config.Campaigns) > 0 {
		// A restored call of a lead not taken up yet: its lead is settled
		// by it when it is (readoptLead).
		if c.leftEnded == nil {
			c.leftEnded = map[string]*call{}
		}
		c.leftEnded[cl.id] = cl
	}
}

// flowAnswers keeps what a lead answered the campaign's flow (its
// variables, secret ones and the caller's own left out) on the lead, and
// marks a flow left before its end as "partial".
func (c *Core) flowAnswers(cl *call, d *leadDial) {
	vars := maps.Clone(c.flow.Stored(cl.flow).Vars)
	for k := range callerVars(cl) {
		delete(vars, k)
	}
	if len(vars) > 0 {
		// Over what it answered before (an earlier attempt, or a flow a
		// restart started over), what it answered now.
		all := maps.Clone(d.lead.Answers)
		if all == nil {
			all = map[string]string{}
		}
		maps.Copy(all, vars)
		d.lead.Answers = all
	}
	if (!cl.flow.Done() || gaveUp(&cl.rec)) && cl.agent == nil && d.disposition == "" {
		d.disposition = "partial"
	}
	d.optOut = vars[VarDoNotCall] == "yes"
}

// gaveUp reports whether a flow ended by giving up on a question: its
// last step a collect's retries spent with no fallback node to go to (a
// survey may mean to hang up then, but the lead did not reach its end).
func gaveUp(rec *store.CallRecord) bool {
	for i := len(rec.Timeline) - 1; i >= 0; i-- {
		switch k := rec.Timeline[i].Kind; k {
		case "end", "caller-hangup", "hangup":
		default:
			return k == "collect-fallback"
		}
	}
	return false
}

// flowOptOut lists the number of a lead whose flow has just set
// VarDoNotCall on the campaign's do-not-call list at once, not at the
// call's end, so that a crash before then does not lose the request.
func (c *Core) flowOptOut(now time.Time, cl *call) {
	d, _ := c.leadDialOf(cl.id)
	if d == nil || d.optOut || c.flow.Stored(cl.flow).Vars[VarDoNotCall] != "yes" {
		return
	}
	d.optOut = true
	c.listOptOut(now, d, "disposition "+VarDoNotCall)
}

// listOptOut puts the number of a lead who asked not to be called on the
// campaign's do-not-call list during the call, so that a crash before the
// call's end (which settles the lead) cannot lose the request.
func (c *Core) listOptOut(now time.Time, d *leadDial, source string) {
	c.save(now, "do-not-call "+d.lead.ID, store.PutDNC(&store.DNCEntry{List: d.run.cfg.OptOutTo(), Phone: d.lead.Phone, Added: now, Source: source}))
	c.OptOut(now, d.run.cfg.OptOutTo(), []string{d.lead.Phone}) // on the global list: the other campaigns' leads of the number too
}

// VarDoNotCall is the flow variable by which a lead asks not to be called
// again: a campaign flow's set node gives it "yes" (say after "press 9 to
// stop these calls"), and the lead becomes do-not-call, its number on the
// campaign's do-not-call list.
const VarDoNotCall = "do_not_call"

// ReconcileLeads settles the leads a previous run left in flight (left,
// read with ReadLeftovers). A lead left Dialing: its attempt was counted
// (in the write that saved it Dialing) and is never placed again. When
// the switch still has its channel, the attempt goes on (resumeDial);
// else it is settled as failed, counted so and recorded as a call that a
// restart settled, and the lead is retried after its delay (or fails,
// attempts used up). A lead left answered or connected to an agent is
// taken up again (readoptLead). The open records of attempts settled
// already are closed (closeLeftRecord), and the channels of leads no
// attempt claims are hung up. Run it after Restore and RestoreCampaigns,
// before the hoppers are read; the switch's snapshot (Synced) may come
// before or after it.
func (c *Core) ReconcileLeads(now time.Time, left Leftovers, snap pbx.Snapshot) {
	defer func() {
		c.leftLeads, c.leftSeen, c.leftEnded, c.resumed = nil, nil, nil, true
		// A pause or logout asked while the agent's own lead dial rang
		// (kept by Restore): with that dial over, it applies now; with it
		// taken up, when it ends (freeHeld, afterCall).
		for _, a := range c.agents {
			if a.pending != nil && a.call == nil && a.state == acd.Available && c.dialHeldFor(a) == nil {
				c.freeHeld(now, a)
			}
		}
	}()
	recs := map[string]*store.CallRecord{} // by call id
	byLead := map[string]*store.CallRecord{}
	for i := range left.Records {
		rec := &left.Records[i]
		camp, lead, _ := dialOf(rec)
		recs[rec.ID], byLead[camp+"/"+lead] = rec, rec
	}
	// The channels a sync held for this (holdLeftLead) are as the switch
	// had them then, maybe later than snap.
	chans := slices.Concat(snap.Channels, slices.Collect(maps.Values(c.leftLeads)))
	live := map[string]pbx.ChannelInfo{}
	for _, ch := range chans {
		camp, id := ch.Vars[VarCampaign], ch.Vars[VarLead]
		if id == "" {
			camp, id = c.restoredLead(ch, recs)
		}
		if id != "" {
			live[camp+"/"+id] = ch
		}
	}
	claimed := map[pbx.ChannelID]bool{}
	for _, l := range left.Dialing {
		if l.State != campaign.Dialing && l.State != campaign.Answered && l.State != campaign.Connected {
			continue
		}
		r := c.camps[l.Campaign]
		if r == nil {
			var err error
			if r, err = c.newCampaignRun(now, l.Campaign); err != nil {
				continue // no longer configured
			}
		}
		key := l.Campaign + "/" + l.ID
		ch, up := live[key]
		claimed[ch.ID] = up
		if l.State == campaign.Dialing {
			if up && c.resumeDial(now, r, l, ch, byLead[key]) {
				if seen := c.leftSeen[ch.ID]; seen.ended && r.dials[ch.ID] != nil {
					c.leadNotReached(now, r.dials[ch.ID], seen.reason, 0) // while held
					delete(c.goneChans, ch.ID)                            // its hang-up came
				}
				continue
			}
			if rec := byLead[key]; !up && rec != nil {
				if u, ok := left.Unattended[pbx.ChannelID(rec.Channel)]; ok && !u.At.IsZero() {
					c.settleUnattended(now, r, l, *rec, u, false)
					continue
				} else if ok {
					c.settleAtRestart(now, r, l, pbx.ChannelInfo{}, rec, u.Cause)
					continue
				}
			}
			if up {
				c.hangUpLeft(ch.ID)
			}
			var cause pbx.Cause
			if rec := byLead[key]; !up && rec != nil && switchRestartedSince(snap.Started, lastRecStep(rec)) {
				cause = pbx.CauseSwitchShutdown // the switch's restart ended it
			}
			c.settleAtRestart(now, r, l, ch, byLead[key], cause)
			continue
		}
		if c.leftSeen[ch.ID].ended {
			up = false // hung up while held
		}
		if rec := byLead[key]; !up && l.State == campaign.Answered && rec != nil && switchRestartedSince(snap.Started, lastRecStep(rec)) {
			// The switch's restart ended its call. A call restored for it
			// is ended by the sync, which tells the restart too (its record
			// closed so); a survey's or notification's lead is then settled
			// with its answers when that call ends (campaignCallEnded).
			g, restored := c.leftEnded[rec.ID], c.calls[rec.ID] != nil
			switch {
			case g == nil && !restored:
				c.answeredCutByRestart(now, r, l, rec, snap.Started)
				continue
			case r.cfg.Kind == config.CampaignAgent && (restored || g.rec.Cause == causeSwitchShutdown && g.rec.Agent == ""):
				c.answeredCutByRestart(now, r, l, nil, snap.Started)
				continue
			}
		}
		c.readoptLead(now, r, l, ch, up, byLead[key])
	}
	byID := map[pbx.ChannelID]pbx.ChannelInfo{}
	for _, ch := range chans {
		byID[ch.ID] = ch
	}
	for i := range left.Open {
		rec := &left.Open[i]
		ch, up := byID[pbx.ChannelID(rec.Channel)]
		claimed[ch.ID] = up
		if c.leftSeen[ch.ID].ended {
			up = false
		}
		c.closeLeftRecord(now, rec, up)
	}
	for _, ch := range chans {
		ended := c.leftSeen[ch.ID].ended
		if _, known := c.chans[ch.ID]; !known && !ended && !claimed[ch.ID] && ch.Vars[pbx.VarRole] == "lead" && c.dialFor(ch.ID) == nil {
			c.warn(now, "stranded-leg", "hanging up lead leg %s left from before", ch.ID)
			c.hangUpLeft(ch.ID)
		}
	}
}

// holdLeftLead keeps for ReconcileLeads the channel of a lead an earlier
// run dialed that a sync finds before the campaigns are resumed: it is
// neither a stranded leg to hang up nor a caller to adopt, as its attempt
// may go on. It reports whether it kept it.
func (c *Core) holdLeftLead(ch pbx.ChannelInfo) bool {
	if c.resumed || len(c.opts.Config.Campaigns) == 0 {
		return false
	}
	if c.leftLeads == nil {
		c.leftLeads, c.leftSeen = map[pbx.ChannelID]pbx.ChannelInfo{}, map[pbx.ChannelID]leftSeen{}
	}
	c.leftLeads[ch.ID] = ch
	return true
}

// leftLeadEvent notes on a lead's channel held for ReconcileLeads (see
// holdLeftLead) its answer or its end, for ReconcileLeads to act on; it
// reports whether the channel was one.
func (c *Core) leftLeadEvent(now time.Time, ev pbx.Event, ch pbx.ChannelID) bool {
	info, held := c.leftLeads[ch]
	if !held {
		return false
	}
	seen := c.leftSeen[ch]
	switch e := ev.(type) {
	case pbx.MachineDetected:
		seen.amd = e.Status
	case pbx.Answered:
		info.Answered, seen.answered = true, now
		c.leftLeads[ch] = info
	case pbx.OriginateFailed:
		seen.ended, seen.reason = true, e.Reason
	case pbx.HungUp:
		if !seen.ended {
			seen.ended, seen.reason = true, pbx.ReasonForCause(e.Cause)
		}
	}
	c.leftSeen[ch] = seen
	return true
}

// leftSeen is what became of a lead's channel held for ReconcileLeads.
type leftSeen struct {
	answered time.Time // when it answered; zero = not seen to
	amd      string    // its answering-machine verdict, if reported
	ended    bool
	reason   pbx.FailReason // why it ended
}

// resumeDial takes up the attempt of a lead left Dialing whose channel
// the switch still has; rec is its open record, when found. Still
// ringing, the campaign watches it as a dial of its own: its answer goes
// to an agent or is abandoned as any live answer, its end unanswered gets
// its usual outcome and retry. Answered while Hotline was down, it is an
// answer of unknown time (unless a sync held its channel and saw it, see
// leftLeadEvent): taken as answered when it was placed, it waits
// for an agent for what is left of its ConnectWithin, or hears the
// safe-harbour message at once. It reports whether it took it up.
func (c *Core) resumeDial(now time.Time, r *campaignRun, l campaign.Lead, ch pbx.ChannelInfo, rec *store.CallRecord) bool {
	if _, gone := c.goneChans[ch.ID]; gone {
		return false
	}
	id := ch.Vars[pbx.VarCallID]
	placed := now
	if rec != nil {
		id, placed = rec.ID, rec.Entered
	}
	if id == "" {
		return false
	}
	d := &leadDial{run: r, lead: l, id: id, ch: ch.ID, placed: placed, left: true}
	r.known[l.ID] = true
	c.keepLeftFor(now, d, rec)
	if !ch.Answered {
		r.dials[ch.ID] = d
		c.trace(now, "campaign %s: lead %s was ringing at restart; its dial %s goes on", r.cfg.Name, l.ID, id)
		return true
	}
	r.dials[ch.ID] = d
	d.amd = cmp.Or(c.leftSeen[ch.ID].amd, ch.Vars[pbx.VarAMDStatus])
	if d.amd == pbx.AMDMachine || d.amd == pbx.AMDHangup {
		// Detection told a machine (or a hang-up) before Hotline took it.
		c.trace(now, "campaign %s: lead %s answered by a machine as Hotline restarted (%s)", r.cfg.Name, l.ID, d.amd)
		c.machineAnswered(now, d)
		return true
	}
	if at := c.leftSeen[ch.ID].answered; !at.IsZero() {
		c.trace(now, "campaign %s: lead %s answered as the campaigns resumed; its dial %s goes on", r.cfg.Name, l.ID, id)
		c.leadAnswered(now, d, at, "as the campaigns resumed")
		return true
	}
	c.trace(now, "campaign %s: lead %s answered while Hotline was down; its dial %s goes on", r.cfg.Name, l.ID, id)
	c.leadAnswered(now, d, placed, "while Hotline was down")
	return true
}

// dialOf reads the campaign, lead and attempt of a lead's call record
// from its first step (see leadRecord).
func dialOf(rec *store.CallRecord) (camp, lead string, attempt int) {
	for k, v := range dialFields(rec) {
		switch k {
		case "campaign":
			camp = v
		case "lead":
			lead = v
		case "attempt":
			attempt, _ = strconv.Atoi(v)
		}
	}
	return camp, lead, attempt
}

// dialFields yields the key=value fields of the first step of a lead's
// call record (see leadRecord); none for any other record.
func dialFields(rec *store.CallRecord) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		if len(rec.Timeline) == 0 || rec.Timeline[0].Kind != "dial" {
			return
		}
		for _, f := range strings.Fields(rec.Timeline[0].Detail) {
			if k, v, _ := strings.Cut(f, "="); !yield(k, v) {
				return
			}
		}
	}
}

// dialAgent is the agent who dialed a preview lead, as the first step of
// its call's record names them; "" for any other dial.
func dialAgent(rec *store.CallRecord) string {
	for k, v := range dialFields(rec) {
		if k == "agent" {
			return v
		}
	}
	return ""
}

// restoredLead names the campaign and lead of a channel whose variables
// lack them (Asterisk reports only those its channelvars list) after the
// record of its call: the restored call's, else the open record of a
// lead's attempt (recs, by call id).
func (c *Core) restoredLead(ch pbx.ChannelInfo, recs map[string]*store.CallRecord) (camp, lead string) {
	id := ch.Vars[pbx.VarCallID]
	rec := recs[id]
	if cl := c.calls[id]; cl != nil && cl.rec.Direction == acd.DirectionOutbound {
		rec = &cl.rec
	}
	if rec == nil || rec.Channel != string(ch.ID) {
		return "", ""
	}
	camp, lead, _ = dialOf(rec)
	return camp, lead
}

// hangUpLeft hangs up a lead's channel a previous run left, whose end
// this run does not wait for.
func (c *Core) hangUpLeft(ch pbx.ChannelID) {
	if _, gone := c.goneChans[ch]; gone {
		return // hung up already as stranded (hangUpStranded)
	}
	c.do(Command{Op: OpHangup, Lane: string(ch), Channel: ch, Cause: pbx.CauseNormal})
	c.forget(ch)
}

// closeLeftRecord closes the open record of an attempt a previous run
// settled but whose call it did not see end, such as a machine hearing
// its message: its channel, if still up, is hung up, and the record ends
// at its last step with its outcome (failed for a machine, abandoned after
// the safe-harbour message), cause restart.
func (c *Core) closeLeftRecord(now time.Time, rec *store.CallRecord, up bool) {
	why := "call cut by a restart"
	if hasStepKind(rec, "machine") {
		why = "machine message cut by a restart"
	}
	if cl := c.calls[rec.ID]; cl != nil {
		// Restored from a checkpoint of it: it ends as calls do.
		if cl.phase != acd.CallEnded {
			cl.restored = false
			c.step(now, cl, "closed-at-restart", "", why)
			c.leave(now, cl, nil, c.leftOutcome(rec), pbx.CauseNormal)
		}
		return
	}
	if up {
		c.hangUpLeft(pbx.ChannelID(rec.Channel))
	}
	out := *rec
	out.Outcome, out.Cause, out.Ended = c.leftOutcome(rec), causeRestart, rec.Entered
	for _, s := range rec.Timeline {
		if s.At.After(out.Ended) {
			out.Ended = s.At
		}
	}
	if out.HangupBy == "" {
		out.HangupBy = acd.HangupSystem
	}
	out.Timeline = append(slices.Clip(out.Timeline), store.Step{At: now, Kind: "closed-at-restart", Detail: why})
	c.trace(now, "call %s: %s; record closed", rec.ID, why)
	c.save(now, "call "+rec.ID+" record", store.PutCall(&out))
}

// leftOutcome is the outcome of a settled attempt whose record a restart
// closes: a person's answer to an agent campaign that no agent took is
// abandoned, as the campaign counted it, also when the record's last
// checkpoint came before its safe-harbour message (or the person hung up
// first).
func (c *Core) leftOutcome(rec *store.CallRecord) acd.Outcome {
	switch {
	case hasStepKind(rec, "safe-harbour"):
		return acd.OutcomeAbandoned
	case rec.Agent != "":
		return acd.OutcomeAnswered
	case hasStepKind(rec, "machine"):
		return acd.OutcomeFailed
	}
	if camp, _, _ := dialOf(rec); hasStepKind(rec, "lead-answered") && c.camps[camp] != nil && c.camps[camp].cfg.Kind == config.CampaignAgent {
		return acd.OutcomeAbandoned
	}
	return acd.OutcomeFailed
}

func hasStepKind(rec *store.CallRecord, kind string) bool {
	return slices.ContainsFunc(rec.Timeline, func(s store.Step) bool { return s.Kind == kind })
}

// readoptLead takes up a lead a previous run left answered or connected.
// Its call, restored from the store (Restore) and still on the switch,
// goes on as a campaign call: connected, the agent stays on it and its end
// settles the lead by the disposition as usual; answered and waiting, it
// gets the rest of its ConnectWithin, or is abandoned at once (the
// safe-harbour message, counted against the cap) if that is over. With
// its call gone, a connected lead's outcome stands (the call ended, the
// agent maybe in wrap-up: settled as with no disposition), and an answered
// one hung up before an agent took it: abandoned. A channel of the lead
// that the switch holds but the store has no call for is hung up and the
// lead retried.
func (c *Core) readoptLead(now time.Time, r *campaignRun, l campaign.Lead, ch pbx.ChannelInfo, up bool, rec *store.CallRecord) {
	var cl *call
	if up {
		if cl = c.calls[ch.Vars[pbx.VarCallID]]; cl != nil && (cl.phase == acd.CallEnded || cl.ch != ch.ID) {
			cl = nil
		}
	}
	d := &leadDial{run: r, lead: l, counted: l.State == campaign.Connected}
	d.settled = d.counted
	self := r.cfg.Kind != config.CampaignAgent && l.State == campaign.Answered
	if id := ch.Vars[pbx.VarCallID]; cl == nil && (self || r.cfg.Kind == config.CampaignAgent) {
		if rec != nil {
			id = rec.ID
		}
		if g := c.leftEnded[id]; g != nil && (self || l.State == campaign.Connected || r.tookInTime(&g.rec)) {
			// Its restored call ended before now: a survey's or
			// notification's lead was never waiting for an agent (its flow
			// over, or it hung up, maybe while Hotline was down), and its
			// answers are on the call; a connected lead's agent or the lead
			// hung up while Hotline was down (the sync ended the call, its
			// lead channel maybe still up then), and a disposition given
			// during the call is on it; so too an answered one whose record
			// has an agent taking it in time (the write that made it
			// connected lost with the run).
			d.id, d.ch, d.call, d.placed = g.id, g.ch, g, g.rec.Entered
			if self {
				d.settled = true
			} else {
				d.disposition, d.callbackAt, d.callbackTo = g.rec.Disposition, g.rec.CallbackAt, g.rec.CallbackAgent
			}
			r.byCall[g.id], r.known[l.ID] = d, true
			c.trace(now, "campaign %s: lead %s was %s at restart; its call %s ended before the campaign was resumed", r.cfg.Name, l.ID, l.State, g.id)
			c.campaignCallEnded(now, g)
			return
		}
		if rc := c.calls[id]; self && rc != nil && rc.phase != acd.CallEnded && rc.restored {
			cl = rc // restored, its channel gone: the sync ends it as the lead's
		}
	}
	switch {
	case cl != nil:
		cl.dir = acd.DirectionOutbound
		d.id, d.ch, d.call, d.placed, d.disposition, d.callbackAt, d.callbackTo = cl.id, cl.ch, cl, cl.rec.Entered, cl.rec.Disposition, cl.rec.CallbackAt, cl.rec.CallbackAgent
		c.keepLeftFor(now, d, &cl.rec)
		cl.class = d.class()
		r.byCall[cl.id] = d
		r.known[l.ID] = true
		c.step(now, cl, "lead-readopted", "", l.ID+" "+l.State.String())
		c.trace(now, "campaign %s: lead %s was %s at restart; its call %s goes on", r.cfg.Name, l.ID, l.State, cl.id)
		if r.cfg.Kind != config.CampaignAgent && !d.settled {
			c.resumeSelfService(now, d)
			return
		}
		due := leadAnsweredAt(cl).Add(r.cfg.ConnectWithin)
		switch {
		case d.settled:
		case cl.agent != nil:
			if !now.Before(due) && (cl.rec.Bridged.IsZero() || cl.rec.Bridged.After(due)) {
				// Its agent answered while Hotline was down, too late for
				// the rule: counted abandoned, though the person talks.
				d.late = true
				c.countAnswer(now, d, true)
				d.lead.AbandonedAt = now
				c.step(now, cl, "not-connected", "", "agent after "+r.cfg.ConnectWithin.String())
			}
			c.connectLead(now, d)
		default:
			if now.Before(due) {
				c.out.At(due, Timer{Kind: TimerCampaignConnect, Call: cl.id})
				return
			}
			cl.restored = false // ended here, not resumed by the sync
			c.abandonLead(now, d, "no agent within "+r.cfg.ConnectWithin.String()+" (restart)")
		}
	case up && l.State == campaign.Answered && ch.Answered:
		c.remakeAnswered(now, d, ch, rec)
	case up:
		c.hangUpLeft(ch.ID)
		nl, err := campaign.Dispose(l, campaign.Disposition{Name: "lost-at-restart"}, time.Time{}, "", r.retry, now)
		if err != nil {
			c.warn(now, "illegal-transition", "campaign %s: %v", l.Campaign, err)
			return
		}
		c.trace(now, "campaign %s: lead %s was %s at restart, its call unknown → %s", l.Campaign, l.ID, l.State, nl.State)
		c.saveLead(now, r, &nl)
	case l.State == campaign.Connected:
		c.trace(now, "campaign %s: lead %s was connected at restart, its call over", l.Campaign, l.ID)
		if rec != nil {
			// A disposition given during the call is on its record.
			d.id = rec.ID
			d.disposition, d.callbackAt, d.callbackTo = rec.Disposition, rec.CallbackAt, rec.CallbackAgent
			if d.disposition == "" && c.wrappingUp(rec.ID) {
				// Its agent is still in wrap-up (restored): the disposition
				// may still come, as without the restart.
				if r.wrapping == nil {
					r.wrapping = map[string]*leadDial{}
				}
				r.wrapping[rec.ID] = d
				return
			}
		}
		c.disposeLead(now, d)
	case rec != nil && r.tookInTime(rec):
		// Its record saw an agent take it in time; the write that made the
		// lead connected was lost with the run. The record tells: a live
		// answer connected, not one abandoned.
		c.trace(now, "campaign %s: lead %s was answered at restart; its record has %s taking it, its call over", l.Campaign, l.ID, rec.Agent)
		d.disposition, d.callbackAt, d.callbackTo = rec.Disposition, rec.CallbackAt, rec.CallbackAgent
		c.countAnswer(now, d, false)
		c.disposeLead(now, d)
	case self:
		// No agent was waited for in its flow or message: the lead hung
		// up partway, its call lost with the run; what it answered is what
		// the lead kept.
		c.trace(now, "campaign %s: lead %s was answered at restart, its call over", l.Campaign, l.ID)
		d.settled, d.disposition = true, "partial"
		c.disposeLead(now, d)
	default:
		c.trace(now, "campaign %s: lead %s was answered at restart and hung up before an agent took it", l.Campaign, l.ID)
		d.abandoned = true
		c.countAnswer(now, d, true)
		c.settleLead(now, d, campaign.Abandoned)
	}
}

// resumeSelfService takes up the restored call of a survey's or
// notification's lead: no agent is waited for in a flow, so it is never
// abandoned. In its flow, or put through to a queue by it, it goes on
// where it was (the sync resumes it, or has); cut elsewhere (the message,
// a flow node no longer configured), it hears its flow or message again
// from the start, the answers the lead has kept.
func (c *Core) resumeSelfService(now time.Time, d *leadDial) {
	cl := d.call
	d.settled = true
	switch cl.phase {
	case acd.CallMenu, acd.CallQueued, acd.CallOffering, acd.CallBridged, acd.CallHeld, acd.CallConsulting, acd.CallTransferring, acd.CallExternal:
		return
	}
	cl.restored = false
	c.selfService(now, d)
}

// remakeAnswered takes up a lead left answered and waiting for an agent
// whose live record the previous run had not saved: its call is made again
// from its record (saved with the answer), and it waits for an agent for
// what is left of its ConnectWithin, or hears the safe-harbour message at
// once and counts as abandoned. A survey's or notification's lead hears
// its flow or message again from the start.
func (c *Core) remakeAnswered(now time.Time, d *leadDial, ch pbx.ChannelInfo, rec *store.CallRecord) {
	r := d.run
	d.id, d.ch, d.placed, d.left = ch.Vars[pbx.VarCallID], ch.ID, now, true
	if rec != nil {
		d.id, d.placed = rec.ID, rec.Entered
	}
	if d.id == "" {
		d.id = string(ch.ID)
	}
	cl := c.leadCall(d)
	if rec != nil {
		cl.rec = *rec
	} else {
		// When it answered went with the run: as late as it can be.
		c.step(now, cl, "lead-answered", "", d.lead.ID+" before the restart")
	}
	r.known[d.lead.ID] = true
	c.keepLeftFor(now, d, rec)
	c.step(now, cl, "lead-readopted", "", d.lead.ID+" answered; its live record lost")
	c.trace(now, "campaign %s: lead %s was answered at restart; its call %s is made again", r.cfg.Name, d.lead.ID, cl.id)
	if r.cfg.Kind != config.CampaignAgent {
		// Where it was in the flow went with the record: it starts over,
		// the answers the lead has kept (flowAnswers).
		c.selfService(now, d)
		return
	}
	if due := leadAnsweredAt(cl).Add(r.cfg.ConnectWithin); now.Before(due) {
		c.awaitAgent(now, d, due)
		return
	}
	c.abandonLead(now, d, "no agent within "+r.cfg.ConnectWithin.String()+" (restart)")
}

// leadAnsweredAt is when a lead's call was answered, as its record says.
func leadAnsweredAt(cl *call) time.Time { return recAnsweredAt(&cl.rec) }

// tookInTime reports whether a dial's record has an agent taking the
// answered lead within the campaign's ConnectWithin.
func (r *campaignRun) tookInTime(rec *store.CallRecord) bool {
	return rec.Agent != "" && !rec.Bridged.IsZero() && !rec.Bridged.After(recAnsweredAt(rec).Add(r.cfg.ConnectWithin))
}

// recAnsweredAt is when the lead of a dial's record answered.
func recAnsweredAt(rec *store.CallRecord) time.Time {
	for _, s := range rec.Timeline {
		if s.Kind == "lead-answered" {
			return s.At
		}
	}
	return rec.Entered
}

// answeredCutByRestart settles a lead a previous run left answered (its
// message, flow or wait for an agent under way) whose call the switch's
// restart (at started) ended while Hotline was down: as when Hotline sees
// the switch shut down, the lead is called again, its attempt cut (not one
// of its max_attempts), counted neither an answer nor an abandon. Its
// record, open (nil: closed by the sync), is closed by the system with
// cause switch-shutdown.
func (c *Core) answeredCutByRestart(now time.Time, r *campaignRun, l campaign.Lead, open *store.CallRecord, started time.Time) {
	var ops []store.Op
	if open != nil {
		rec := *open
		seen := lastRecStep(&rec)
		rec.Outcome, rec.Cause, rec.HangupBy, rec.Ended, rec.EndEarliest = acd.OutcomeAnswered, causeSwitchShutdown, acd.HangupSystem, now, seen
		rec.Timeline = append(rec.Timeline, store.Step{At: now, Kind: "switch-shutdown",
			Detail: "the switch restarted at " + started.UTC().Format(time.RFC3339Nano) + ", after the call was last seen at " + seen.UTC().Format(time.RFC3339Nano)})
		ops = append(ops, store.PutCall(&rec))
	}
	r.stats.SwitchShutdown++
	c.trace(now, "campaign %s: lead %s was answered at restart; the switch restarted since", l.Campaign, l.ID)
	c.settleLead(now, &leadDial{run: r, lead: l}, campaign.SwitchShutdown, ops...)
}

// lastRecStep is when a dial's record last saw its call: its last step,
// or when it was placed.
func lastRecStep(rec *store.CallRecord) time.Time {
	seen := rec.Entered
	for _, s := range rec.Timeline {
		if s.At.After(seen) {
			seen = s.At
		}
	}
	return seen
}

// settleAtRestart settles the attempt of a lead a previous run left
// Dialing, whose channel (ch, when the switch still had it) is hung up: a
// failed attempt, or, when the switch noted the cause it ended with
// unanswered (cause), busy or no answer as that cause says, counted as
// such and recorded, in one write with the lead and the campaign's
// counts.
func (c *Core) settleAtRestart(now time.Time, r *campaignRun, l campaign.Lead, ch pbx.ChannelInfo, open *store.CallRecord, cause pbx.Cause) {
	o := campaign.Unreached
	switch {
	case cause == pbx.CauseSwitchShutdown:
		o = campaign.SwitchShutdown // cut by the switch's restart: called again, no attempt spent
	case cause != 0:
		o = dialOutcome(pbx.ReasonForCause(cause))
	}
	nl, err := campaign.DialEnded(l, o, r.retry, now)
	if err != nil {
		c.warn(now, "illegal-transition", "campaign %s: %v", l.Campaign, err)
		return
	}
	var rec store.CallRecord
	if open != nil {
		rec = *open // saved as it was dialed
	} else {
		id := ch.Vars[pbx.VarCallID]
		if id == "" {
			id = c.newID(now, "o") // not placed, or gone from the switch: its id went with the run
		}
		// When it was placed went with the run too: the record starts now.
		rec = c.leadRecord(&leadDial{run: r, lead: l, id: id, ch: ch.ID, placed: now})
	}
	rec.Outcome, rec.Cause, rec.Ended = acd.OutcomeFailed, causeRestart, now
	switch {
	case cause == pbx.CauseSwitchShutdown:
		rec.Cause, rec.HangupBy, rec.EndEarliest = causeSwitchShutdown, acd.HangupSystem, lastRecStep(&rec)
	case cause != 0:
		// As a dial that ended so while Hotline was up: the reports count
		// it as the campaign's counts do (busy, no answer).
		rec.Cause = string(pbx.ReasonForCause(cause))
	}
	detail := "not answered"
	switch {
	case cause == pbx.CauseSwitchShutdown:
		detail = "ringing; the switch restarted since"
	case ch.ID != "":
		detail = "ringing; hung up"
	case cause != 0:
		detail = "not answered: " + cause.String() + " (noted by the switch)"
	}
	rec.Timeline = append(rec.Timeline, store.Step{At: now, Kind: "settled-at-restart", Detail: detail})
	countNotReached(r, o)
	c.trace(now, "campaign %s: lead %s was dialing at restart → %s", l.Campaign, l.ID, nl.State)
	c.saveLead(now, r, &nl, store.PutCall(&rec))
}

// settleUnattended settles the attempt of a lead left Dialing that answered
// while Hotline was down and that the switch took care of itself
// (pbx.UnattendedReader), in one write with its record. A person heard the
// safe-harbour message: a live answer abandoned, counted against the cap,
// the lead resting as abandoned leads do. A survey's or notification's
// lead is an answer, never an abandon: done if the switch played it the
// whole message (heardUnattended), else called again after the
// unattended delay, having heard nothing of it. A machine heard the campaign's
// machine message, if it leaves one: the lead is retried after the
// machine delay. gap is set when Hotline stayed up and only its link to
// the switch was down.
func (c *Core) settleUnattended(now time.Time, r *campaignRun, l campaign.Lead, rec store.CallRecord, u pbx.UnattendedEnd, gap bool) {
	at := u.At
	if at.After(now) || at.Before(rec.Entered) {
		at = now // a clock apart from ours: the answer was at most now
	}
	o := campaign.Abandoned
	switch {
	case u.Machine:
		o = campaign.Machine
	case r.cfg.Kind != config.CampaignAgent:
		o = campaign.Human
	}
	heard := o == campaign.Human && heardUnattended(r.cfg)
	if o == campaign.Human && !heard {
		// A person heard nothing of the survey or message: called again.
		o = campaign.Unattended
	}
	nl, err := campaign.DialEnded(l, o, r.retry, at)
	if err == nil && heard {
		nl, err = campaign.Dispose(nl, dispositionRule(r.cfg, ""), time.Time{}, "", r.retry, now)
	}
	if err != nil {
		c.warn(now, "illegal-transition", "campaign %s: %v", l.Campaign, err)
		return
	}
	away, kind, cause := "Hotline was down", "settled-at-restart", causeRestart
	if gap {
		away, kind, cause = "the link to the switch was down", "settled-at-reconnect", causeLinkDown
	}
	steps := []store.Step{{At: at, Kind: "lead-answered", Detail: l.ID + " while " + away}}
	switch {
	case o == campaign.Human || o == campaign.Unattended:
		// A survey's or notification's answer waits for no agent: an
		// answer, never an abandon. A message the switch played itself was
		// heard; what it could not run is tried again.
		r.stats.Answered++
		rec.Outcome = acd.OutcomeSelfService
		if len(unattended(r.cfg)) > 0 {
			steps = append(steps, store.Step{At: at, Kind: "unattended-message", Detail: "played by the switch: " + away})
		}
		what := "completed"
		if !heard {
			what = "unattended, called again"
		}
		steps = append(steps, store.Step{At: now, Kind: kind, Detail: "answered while " + away + "; " + what})
	case u.Machine:
		r.stats.Machine++
		rec.Outcome = acd.OutcomeFailed
		steps = append(steps, store.Step{At: at, Kind: "machine", Detail: pbx.AMDMachine})
		if len(machineMessage(r.cfg)) > 0 {
			steps = append(steps, store.Step{At: at, Kind: "machine-message", Detail: "left by the switch: " + away})
		}
		steps = append(steps, store.Step{At: now, Kind: kind, Detail: "a machine answered while " + away})
	default:
		r.stats.Answered++
		c.liveAnswer(now, r, true)
		rec.Outcome = acd.OutcomeAbandoned
		steps = append(steps,
			store.Step{At: at, Kind: "safe-harbour", Detail: "played by the switch: " + away},
			store.Step{At: now, Kind: kind, Detail: "answered while " + away + "; abandoned"})
	}
	rec.Cause, rec.Ended, rec.HangupBy = cause, at, acd.HangupSystem
	rec.Timeline = append(slices.Clip(rec.Timeline), steps...)
	c.trace(now, "campaign %s: lead %s answered while %s, taken care of by the switch (machine %v) → %s", l.Campaign, l.ID, away, u.Machine, nl.State)
	c.saveLead(now, r, &nl, store.PutCall(&rec))
}

// campaignsReconnected settles the dials of this run whose channel the
// switch no longer holds when the link to it is back (e Reconnect): their
// events were lost with the link. A lead the switch noted as answered
// meanwhile (e.Snapshot.Unattended: it heard the safe-harbour message, or a
// machine its message) is settled as a restart settles one; any other is settled failed, its
// cause unknown. Dials placed since the link went down are left alone:
// the snapshot may predate them.
func (c *Core) campaignsReconnected(now time.Time, e pbx.Synced, live map[pbx.ChannelID]pbx.ChannelInfo) {
	if !e.Reconnect {
		return
	}
	for _, name := range c.campOrder() {
		r := c.camps[name]
		settled := false
		for _, ch := range slices.Sorted(maps.Keys(r.dials)) {
			d := r.dials[ch]
			if _, up := live[ch]; up || d.placed.After(c.linkDown) {
				continue
			}
			settled = true
			u, heard := e.Snapshot.Unattended[ch]
			if !heard || u.At.IsZero() {
				c.trace(now, "campaign %s: lead %s's channel %s gone while the link was down", name, d.lead.ID, ch)
				c.leadNotReached(now, d, pbx.ReasonForCause(u.Cause), u.Cause) // unreachable when no cause
				continue
			}
			delete(r.dials, ch)
			delete(r.known, d.lead.ID)
			c.goneChans[ch] = struct{}{}
			c.dialEnded(u.At, d, !u.Machine)
			c.releaseReserved(now, d)
			c.settleUnattended(now, r, d.lead, c.leadRecord(d), u, true)
		}
		if settled {
			c.pace(now, r)
		}
	}
}

// causeRestart is the cause on the record of a dial that a restart settled;
// causeLinkDown of one settled when the link to the switch came back.
const (
	causeRestart  = "restart"
	causeLinkDown = "link-down"
	// causeSwitchLost ends a waiting caller the switch dropped while the
	// link was down: it came back holding none of Hotline's channels.
	causeSwitchLost = "switch-lost"
	// causeSwitchShutdown ends a call the switch hung up as it shut down
	// (pbx.CauseSwitchShutdown), or one gone when a switch that said it
	// was shutting down came back.
	causeSwitchShutdown = "switch-shutdown"
)

// campaignTimer fires the campaigns' timers; it reports whether t was one.
func (c *Core) campaignTimer(now time.Time, t Timer) bool {
	switch t.Kind {
	case TimerCampaignTick:
		if r := c.camps[t.Call]; r != nil && r.gen == t.Gen {
			c.campaignTick(now, r)
		}
		return true
	case TimerCampaignConnect:
		c.connectDue(now, t.Call)
		return true
	case TimerCampaignPreview:
		c.previewTimedOut(now, t.Call, t.Gen)
		return true
	}
	return false
}

// leadDialOf finds the dial of a live or wrapping campaign call.
func (c *Core) leadDialOf(callID string) (d *leadDial, wrapping bool) {
	for _, r := range c.camps {
		if d := r.byCall[callID]; d != nil {
			return d, false
		}
		if d := r.wrapping[callID]; d != nil {
			return d, true
		}
	}
	return nil, false
}

// campaignOfCall finds the campaign of a call: its dial while the call is
// live or wrapping (d), or, for a dial whose lead is settled, the
// campaign its record names (d nil). r is nil for a call of no campaign.
func (c *Core) campaignOfCall(callID string) (d *leadDial, wrapping bool, r *campaignRun) {
	if d, wrapping = c.leadDialOf(callID); d != nil {
		return d, wrapping, d.run
	}
	if rec, _, err := c.callRecord(callID); err == nil && rec.Direction == acd.DirectionOutbound {
		if camp, ok := strings.CutPrefix(rec.Entry, "campaign:"); ok {
			r = c.camps[camp]
		}
	}
	return nil, false, r
}

// settledEdit is what a disposition of a call whose lead is settled
// already changes on its record (see campaignDisposition).
type settledEdit int

const (
	editAll    settledEdit = iota // not settled: the record takes it all
	editNotes                     // the same disposition again: its notes only
	editOptOut                    // an opt-out: the number is listed, the record keeps its disposition
)

// noAgentYet is the refusal of a disposition for a call no agent took:
// one still going may yet reach an agent, one ended never did.
func noAgentYet(callID string, o acd.Outcome) error {
	if o == "" || o == acd.OutcomeInProgress {
		return fmt.Errorf("call %q: %w: it has reached no agent yet (still ringing or waiting), so it takes no disposition until an agent has spoken with the person", callID, ErrCallState)
	}
	return fmt.Errorf("call %q: %w: it reached no agent (%s), so it takes no disposition", callID, ErrCallState, o)
}

// campaignDisposition takes an agent's disposition of a campaign call: one
// of the campaign's dispositions (when it lists any). Given in wrap-up, it
// settles the lead at once; during the call, when the call ends.
func (c *Core) campaignDisposition(now time.Time, callID, name string, at time.Time, to string) (settledEdit, error) {
	d, wrapping, r := c.campaignOfCall(callID)
	if r == nil {
		if !at.IsZero() || to != "" {
			return editAll, fmt.Errorf("call %q: %w: a callback time or agent goes with a campaign's lead", callID, ErrBadCallback)
		}
		// As for a lead below: a caller no agent spoke to (abandoned,
		// overflowed, served by a flow alone) has no agent's account.
		if rec, _, err := c.callRecord(callID); err == nil && rec.Agent == "" && len(rec.Legs) == 0 {
			return editAll, noAgentYet(callID, rec.Outcome)
		}
		return editAll, nil
	}
	known := r.cfg.Dispositions
	if len(known) > 0 && !slices.ContainsFunc(known, func(k config.Disposition) bool { return k.Name == name }) {
		names := make([]string, len(known))
		for i, k := range known {
			names[i] = k.Name
		}
		return editAll, fmt.Errorf("campaign %q: disposition %q: %w; known: %s", r.cfg.Name, name, ErrUnknownDisposition, strings.Join(names, ", "))
	}
	if err := checkCallbackAt(r.cfg, name, at, now); err != nil {
		return editAll, err
	}
	if err := c.checkCallbackTo(r, name, to); err != nil {
		return editAll, err
	}
	// A disposition is an agent's account of a conversation: a dial that
	// reached no agent (busy, no answer, abandoned) has none, and a sale
	// filed on it would count in the campaign's report.
	rec, _, recErr := c.callRecord(callID)
	if recErr == nil && rec.Agent == "" {
		return editAll, noAgentYet(callID, rec.Outcome)
	}
	if d == nil {
		if recErr != nil {
			return editAll, recErr
		}
		if !at.IsZero() || to != "" {
			// A state of the lead, like a new disposition below: a
			// conflict with the call's state, not a bad time.
			return editAll, fmt.Errorf("call %q: %w: its lead is settled already (as %s); a callback time or agent is given during the call or its wrap-up", callID, ErrCallState, cmp.Or(rec.Disposition, "completed"))
		}
		if rec.Disposition == name {
			return editNotes, nil // the same disposition again (its notes edited)
		}
		// The lead was settled by the call's disposition (or its wrap-up's
		// end): a new one would show on the record and in the reports but
		// not on the lead. A customer's opt-out still counts: the number is
		// listed, so no retry or callback of the lead dials it (one read
		// ahead already, for its agent or in the hopper, becomes
		// do-not-call at its turn), and the record keeps the disposition
		// its lead was settled by.
		if rule := dispositionRule(r.cfg, name); rule.DNC {
			c.save(now, "do-not-call "+rec.Called, store.PutDNC(&store.DNCEntry{List: r.cfg.OptOutTo(), Phone: rec.Called, Added: now, Source: "disposition " + name}))
			c.OptOut(now, r.cfg.OptOutTo(), []string{rec.Called})
			return editOptOut, nil
		}
		return editAll, fmt.Errorf("call %q: %w: its lead is settled already (as %s); a disposition is given during the call or its wrap-up", callID, ErrCallState, cmp.Or(rec.Disposition, "completed"))
	}
	d.disposition, d.callbackAt, d.callbackTo = name, at, to
	if wrapping {
		delete(d.run.wrapping, callID)
		c.disposeLead(now, d)
		return editAll, nil
	}
	for _, k := range d.run.cfg.DispositionRules() {
		if k.Name == name && k.DNC {
			c.listOptOut(now, d, "disposition "+name) // now, not at the call's end
		}
	}
	return editAll, nil
}

// wrappingUp tells whether an agent is in wrap-up after call id.
func (c *Core) wrappingUp(id string) bool {
	for _, a := range c.agents {
		if a.state == acd.WrapUp && (a.call != nil && a.call.id == id || a.call == nil && a.wrapCall == id) {
			return true
		}
	}
	return false
}

// campaignWrapDone settles the lead of a call whose agent finished wrap-up
// without a disposition.
func (c *Core) campaignWrapDone(now time.Time, callID string) {
	if d, wrapping := c.leadDialOf(callID); wrapping {
		delete(d.run.wrapping, callID)
		c.disposeLead(now, d)
	}
}

// disposeLead applies the call's disposition (or "completed", final, when
// the agent gave none) to its lead. A callback disposition calls back after
// the campaign's no-answer delay; a do-not-call one ends the lead as such.
func (c *Core) disposeLead(now time.Time, d *leadDial) {
	r := d.run
	if d.cut && d.disposition == "" {
		// The agent gave no result of a call the switch's shutdown cut.
		c.settleLead(now, d, campaign.SwitchShutdown)
		return
	}
	disp := dispositionRule(r.cfg, d.disposition)
	if d.optOut {
		disp = campaign.Disposition{Name: VarDoNotCall, DNC: true}
	}
	var at time.Time
	var to string
	if disp.Callback {
		at, to = d.callbackAt, d.callbackTo
		if !at.After(now) { // none given, or passed while the call went on
			at = now.Add(max(r.cfg.Retry.NoAnswer, time.Minute))
		}
	}
	nl, err := campaign.Dispose(d.lead, disp, at, to, r.retry, now)
	if err != nil {
		c.warn(now, "illegal-transition", "campaign %s: %v", r.cfg.Name, err)
		return
	}
	d.lead = nl
	c.trace(now, "campaign %s: lead %s disposition %s → %s", r.cfg.Name, nl.ID, disp.Name, nl.State)
	var ops []store.Op
	if disp.DNC {
		// The person asked not to be called: the campaign's list keeps the
		// number even if the lead is imported again.
		ops = append(ops, store.PutDNC(&store.DNCEntry{List: r.cfg.OptOutTo(), Phone: nl.Phone, Added: now, Source: "disposition " + disp.Name}))
	}
	c.saveLead(now, r, &nl, ops...)
	if disp.DNC {
		c.OptOut(now, r.cfg.OptOutTo(), []string{nl.Phone})
	}
}

// dispositionRule is the campaign's rule for a disposition by name; one it
// does not configure is final, and none ("") is completed.
func dispositionRule(k config.Campaign, name string) campaign.Disposition {
	if name == "" {
		return campaign.Disposition{Name: "completed", Final: true}
	}
	disp := campaign.Disposition{Name: name, Final: true}
	for _, rule := range k.DispositionRules() {
		if rule.Name == name {
			disp = rule
		}
	}
	return disp
}

// countAnswer counts a lead's live answer once.
func (c *Core) countAnswer(now time.Time, d *leadDial, abandoned bool) {
	if !d.counted {
		d.counted = true
		if abandoned && d.late {
			d.run.late++
		}
		c.liveAnswer(now, d.run, abandoned)
	}
}

// liveAnswer counts a live answer that reached an agent in time, or was
// abandoned, in the campaign's counts and its pacer's window.
func (c *Core) liveAnswer(now time.Time, r *campaignRun, abandoned bool) {
	if abandoned {
		r.stats.Abandoned++
		r.abandons++
	} else {
		r.stats.Connected++
	}
	r.pacer.Connected(now, abandoned)
	r.hourDirty = true
	if abandoned {
		c.capAbandons(now, r)
	}
}

// capAbandons pauses a running campaign that dials on its own (not in
// preview mode, where an agent places each call) whose abandon rate is
// over its cap in its window: the pacer keeps the abandons it causes
// under the cap, so what is left over comes from something it cannot pace
// away, most often agents' phones answering after connect_within (every
// such answer is abandoned however slowly it dials). The window's
// abandons are held to the cap of at least the fewest live answers in
// which one abandon alone stays within it (ceil(1/cap): 34 at 3 %), so a
// single early abandon never pauses a campaign, but a second one before
// 34 answers does: no 34 answers can hold two abandons under 3 %, and a
// pacer that may not abandon before then has not caused them, so waiting
// for the 34th answer would only abandon more leads. It is checked at
// each abandon, so that an admin's resume dials again and the next
// abandon while the rate is still over pauses it again.
func (c *Core) capAbandons(now time.Time, r *campaignRun) {
	if r.state != CampaignRunning || r.preview() {
		return
	}
	live, abandoned, rate := r.pacer.Abandonment(now)
	capped := r.cfg.AbandonCap
	if float64(abandoned) <= capped*float64(max(live, minCapAnswers(capped)))+1e-9 {
		return
	}
	why := fmt.Sprintf("abandon rate %.1f%% (%d of %d live answers in %s) over its cap of %.1f%%",
		100*rate, abandoned, live, r.cfg.AbandonWindow, 100*capped)
	if 2*r.late > r.abandons {
		why += fmt.Sprintf("; %d of the %d abandons since Hotline started were leads answered while an agent's phone was still ringing after connect_within (%s): set the agents' phones to answer automatically, or lengthen connect_within as far as the law allows",
			r.late, r.abandons, r.cfg.ConnectWithin)
	}
	why += "; resume it once fixed"
	c.warn(now, "campaign-abandon-cap", "campaign %s paused: %s", r.cfg.Name, why)
	if err := c.campaignAction(now, r.cfg.Name, campaign.ActionPause, why); err != nil {
		c.warn(now, "illegal-transition", "campaign %s: %v", r.cfg.Name, err)
	}
}

// minCapAnswers is how many live answers capAbandons waits for under
// abandonCap.
func minCapAnswers(abandonCap float64) int {
	return int(math.Ceil(1/abandonCap - 1e-9))
}

// saveLead saves a lead of r, with ops, in one write with the campaign's
// progress (and the hour's abandonment counts when they changed), so that
// what a restart reads back agrees with the leads.
func (c *Core) saveLead(now time.Time, r *campaignRun, l *campaign.Lead, ops ...store.Op) uint64 {
	if l.State == campaign.Callback {
		if r.callbacks == nil {
			r.callbacks = map[string]time.Time{}
		}
		r.callbacks[l.ID] = l.NextAttempt
	} else {
		delete(r.callbacks, l.ID)
	}
	ops = append([]store.Op{store.PutLead(l)}, ops...)
	seq := c.save(now, "lead "+l.ID, append(ops, c.progressOps(now, r)...)...)
	if seq > 0 {
		if r.written == nil {
			r.written = map[string]uint64{}
		}
		r.written[l.ID] = seq
	}
	return seq
}

// progressOps save the campaign's progress, and the current hour of its
// abandonment window if it changed.
func (c *Core) progressOps(now time.Time, r *campaignRun) []store.Op {
	ops := []store.Op{store.PutCampaignProgress(&campaign.Progress{Name: r.cfg.Name, State: r.state, Changed: r.changed, Counts: r.stats, Reason: r.reason})}
	if r.hourDirty {
		r.hourDirty = false
		live, abandoned := r.pacer.AbandonHour(now)
		ops = append(ops, store.PutCampaignHour(&campaign.HourCount{Campaign: r.cfg.Name, Hour: now.UTC().Truncate(time.Hour), Live: live, Abandoned: abandoned}))
	}
	// What the pacer learned, every learnedEvery while it runs, and at
	// once when it pauses or stops.
	if n := r.pacer.Changes(); n != r.learnedChanges && (r.state != CampaignRunning || !now.Before(r.learnedAt.Add(learnedEvery))) {
		r.learnedAt, r.learnedChanges = now, n
		ops = append(ops, store.PutCampaignLearned(&campaign.Learned{Campaign: r.cfg.Name, Saved: now, Pacer: r.pacer.MarshalLearned()}))
	}
	return ops
}
