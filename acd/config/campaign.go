package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/dialer"
)

// MaxAbandonWindow is the longest abandon_window: a year of hours, each
// kept and read back at a start.
const MaxAbandonWindow = 8760 * time.Hour

// Campaign is one outbound campaign: whom it calls through which trunk, how
// fast, when, and what an answered lead gets.
type Campaign struct {
	Name     string `yaml:"name"`
	Kind     string `yaml:"kind"`      // agent | notification
	CallerID string `yaml:"caller_id"` // presented to the lead
	// Endpoint is the dial string with {number} for the lead's E.164
	// number, e.g. "PJSIP/{number}@trunk" or "Local/{number}@leads".
	Endpoint    string        `yaml:"endpoint"`
	RingTimeout time.Duration `yaml:"ring_timeout"` // a dial not answered by then is a no-answer

	Mode string `yaml:"mode"` // preview | progressive | power | predictive
	// Recording is the campaign's recording policy: never (default) |
	// on_demand | always, as for queues (recording.go).
	Recording string `yaml:"recording"`
	// Ratio is the calls per free agent in power mode.
	Ratio float64 `yaml:"ratio"`
	// AbandonCap is the highest share of live answers that may find no
	// agent, over AbandonWindow (720h = 30 days, or 24h).
	AbandonCap    float64       `yaml:"abandon_cap"`
	AbandonWindow time.Duration `yaml:"abandon_window"`
	// ConnectWithin is how long an answered lead may wait for an agent
	// before it hears the safe-harbour message (the two-second rule).
	ConnectWithin time.Duration `yaml:"connect_within"`
	MaxDials      int           `yaml:"max_dials"` // calls in flight at once, 0 = no limit
	Hopper        int           `yaml:"hopper"`    // due leads kept in memory

	// Preview mode: an agent is shown a lead and dials or skips it within
	// PreviewTimeout; a timeout does PreviewOnTimeout (dial or skip).
	PreviewTimeout   time.Duration `yaml:"preview_timeout"`
	PreviewOnTimeout string        `yaml:"preview_on_timeout"`
	// SkipReasons are the reasons an agent picks from when skipping a
	// previewed lead ("wrong person"); SkipReasonRequired refuses a skip
	// without one (by default a reason is optional). A note of the agent's
	// own may go with either.
	SkipReasons        []string `yaml:"skip_reasons"`
	SkipReasonRequired bool     `yaml:"skip_reason_required"`

	Schedule Schedule `yaml:"schedule"`
	// LeadHours is when a lead may be called in its own time zone.
	LeadHours string `yaml:"lead_hours"`

	Retry        CampaignRetry `yaml:"retry"`
	Dispositions []Disposition `yaml:"dispositions"`
	// CallbackGrace is how long past its time a callback an agent kept for
	// themselves (or gave to another agent) waits for that agent to be
	// free; then it goes to anyone.
	CallbackGrace time.Duration `yaml:"callback_grace"`

	// Agents and Queues say who works the campaign: the agents listed and
	// the members of the queues listed.
	Agents []string `yaml:"agents"`
	Queues []string `yaml:"queues"`
	// Team adds a team's agents (those it lists and the members of its
	// queues) to Agents.
	Team string `yaml:"team"`
	// WrapUp is the wrap-up after a call taken as one of the campaign's
	// own Agents (a call taken through one of Queues has that queue's).
	WrapUp time.Duration `yaml:"wrap_up"`
	// InboundFirst keeps a shared agent for inbound callers while any wait
	// in one of the agent's queues.
	InboundFirst bool `yaml:"inbound_first"`

	// OptOutList is the do-not-call list a lead's opt-out (a dnc
	// disposition, a flow's do_not_call) goes on: OptOutCampaign, the
	// campaign's own (default), or OptOutGlobal, every campaign's, as US
	// rules (47 CFR 64.1200(d)) have a seller's list cover all its calls.
	OptOutList string `yaml:"opt_out_list"`

	// SafeHarbour is played to an answered lead no agent took in time:
	// the company's name and how to opt out.
	SafeHarbour []string `yaml:"safe_harbour"`
	// Message is what a notification campaign plays to an answered lead.
	Message []string `yaml:"message"`

	// AnsweringMachine is what a dial answered by a machine gets: off (no
	// detection: treated as a person), hangup, or message (MachineMessage
	// after the beep). Detection needs a switch that does it (Asterisk's
	// AMD() through the hotline-amd context).
	AnsweringMachine string   `yaml:"answering_machine"`
	MachineMessage   []string `yaml:"machine_message"`

	// Flow is the self-service flow an answered lead goes through: a
	// survey's questions (the lead's answers are its variables), or a
	// notification's message with choices ("press 1 to talk to someone":
	// a queue node).
	Flow string `yaml:"flow"`
}

// Where an opt-out goes (Campaign.OptOutList).
const (
	OptOutCampaign = "campaign"
	OptOutGlobal   = "global"
)

// Answering-machine handling.
const (
	MachineOff     = "off"
	MachineHangup  = "hangup"
	MachineMessage = "message"
)

// Schedule is the campaign's own calling hours in its time zone.
type Schedule struct {
	Hours    string `yaml:"hours"`     // "09:00-20:00 mon-sat"
	TimeZone string `yaml:"time_zone"` // IANA name; also the zone of leads without one
}

// MinAbandonQuiet is the shortest abandon_quiet: a number whose live
// answer found no agent is not called again within 72 hours (an agent
// reserved for it, in preview mode, cannot abandon it).
const MinAbandonQuiet = 72 * time.Hour

// CampaignRetry is when a lead is called again, by the outcome of its last
// dial. A delay of 0s means that outcome is not retried.
type CampaignRetry struct {
	MaxAttempts  int           `yaml:"max_attempts"`
	Busy         time.Duration `yaml:"busy"`
	NoAnswer     time.Duration `yaml:"no_answer"`
	Machine      time.Duration `yaml:"machine"`
	Failed       time.Duration `yaml:"failed"`
	AbandonQuiet time.Duration `yaml:"abandon_quiet"` // a number whose answer was abandoned rests this long
	// SwitchShutdown is the wait after a call the switch hung up as it
	// shut down; such an attempt is not counted against MaxAttempts.
	SwitchShutdown time.Duration `yaml:"switch_shutdown"`
	// Unattended is the wait after a survey's or notification's lead
	// answered while Hotline was away and so heard nothing of it.
	Unattended time.Duration `yaml:"unattended"`
}

// retryDelay is a retry delay with its setting's key.
type retryDelay struct {
	key string
	d   time.Duration
}

// delays are the retry's delays by outcome: busy, no_answer and machine
// first, then failed, switch_shutdown and unattended.
func (r CampaignRetry) delays() []retryDelay {
	return []retryDelay{{"busy", r.Busy}, {"no_answer", r.NoAnswer}, {"machine", r.Machine}, {"failed", r.Failed},
		{"switch_shutdown", r.SwitchShutdown}, {"unattended", r.Unattended}}
}

// Disposition is a result an agent can give a call, with what it means.
type Disposition struct {
	Name     string `yaml:"name"`
	Final    bool   `yaml:"final"`
	Sale     bool   `yaml:"sale"`
	DNC      bool   `yaml:"dnc"`
	Callback bool   `yaml:"callback"`
	Contact  bool   `yaml:"contact"`
}

// Campaign kinds.
const (
	CampaignAgent        = "agent"
	CampaignNotification = "notification"
	CampaignSurvey       = "survey"
)

// What a preview does when the agent lets it time out.
const (
	PreviewDial = "dial"
	PreviewSkip = "skip"
)

// CampaignKinds lists the accepted Campaign.Kind values.
var CampaignKinds = []string{CampaignAgent, CampaignNotification, CampaignSurvey}

// DefaultCampaign is what every campaign starts from: progressive, 3 % over
// 30 days, two seconds to connect, leads called 08:00-21:00 their time.
func DefaultCampaign() Campaign {
	d := dialer.DefaultOptions(dialer.Progressive)
	r := campaign.DefaultRetry()
	c := Campaign{
		Kind:          CampaignAgent,
		RingTimeout:   26 * time.Second,
		Mode:          dialer.Progressive.String(),
		Ratio:         d.Ratio,
		AbandonCap:    d.AbandonCap,
		AbandonWindow: d.Window,
		ConnectWithin: d.ConnectWithin,
		Hopper:        100,
		Schedule:      Schedule{Hours: "08:00-21:00", TimeZone: "UTC"},
		LeadHours:     "08:00-21:00",
		InboundFirst:  true,
		WrapUp:        DefaultQueue().WrapUp,
		Retry: CampaignRetry{
			MaxAttempts:    r.MaxAttempts,
			Busy:           r.After[campaign.Busy],
			NoAnswer:       r.After[campaign.NoAnswer],
			Machine:        r.After[campaign.Machine],
			Failed:         r.After[campaign.Unreached],
			AbandonQuiet:   r.AbandonQuiet,
			SwitchShutdown: r.After[campaign.SwitchShutdown],
			Unattended:     r.After[campaign.Unattended],
		},
	}
	c.PreviewTimeout, c.PreviewOnTimeout = 30*time.Second, PreviewSkip
	c.CallbackGrace = time.Hour
	c.AnsweringMachine = MachineOff
	return c
}

// PacerOptions are the campaign's dialer options. Call it on a validated
// Config.
func (c Campaign) PacerOptions() dialer.Options {
	m, _ := dialer.ParseMode(c.Mode)
	o := dialer.DefaultOptions(m)
	o.Ratio, o.AbandonCap, o.Window, o.ConnectWithin, o.MaxDials = c.Ratio, c.AbandonCap, c.AbandonWindow, c.ConnectWithin, c.MaxDials
	return o
}

// OptOutTo is the name of the do-not-call list a lead's opt-out goes on:
// the campaign's, or the global list's (store.GlobalDNC, "global").
func (c Campaign) OptOutTo() string {
	if c.OptOutList == OptOutGlobal {
		return OptOutGlobal
	}
	return c.Name
}

// Retries are the campaign's retry rules; an outcome with no delay is not
// retried.
func (c Campaign) Retries() campaign.Retry {
	r := campaign.Retry{MaxAttempts: c.Retry.MaxAttempts, AbandonQuiet: c.Retry.AbandonQuiet, KeptGrace: c.CallbackGrace, After: map[campaign.Outcome]time.Duration{}}
	for o, d := range map[campaign.Outcome]time.Duration{campaign.Busy: c.Retry.Busy, campaign.NoAnswer: c.Retry.NoAnswer,
		campaign.Machine: c.Retry.Machine, campaign.Unreached: c.Retry.Failed, campaign.Abandoned: c.Retry.AbandonQuiet,
		campaign.SwitchShutdown: c.Retry.SwitchShutdown, campaign.Unattended: c.Retry.Unattended} {
		if d > 0 {
			r.After[o] = d
		}
	}
	return r
}

// Windows are the campaign's calling windows. Call it on a validated Config.
func (c Campaign) Windows() campaign.Windows {
	sched, _ := campaign.ParseHours(c.Schedule.Hours)
	lead, _ := campaign.ParseHours(c.LeadHours)
	loc, err := time.LoadLocation(c.Schedule.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	return campaign.Windows{Campaign: sched, CampaignLoc: loc, Lead: lead}
}

// CampaignAgents are the agents who take k's calls as its own: those it
// lists, then those of its team not listed, in config order, each once.
// Call it on a validated Config.
func (c Config) CampaignAgents(k Campaign) []string {
	out := slices.Clone(k.Agents)
	add := func(id string) {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	for _, t := range c.Teams {
		if t.Name != k.Team || k.Team == "" {
			continue
		}
		for _, a := range t.Agents {
			add(a)
		}
		for _, a := range c.Agents {
			if slices.ContainsFunc(a.Queues, func(m Membership) bool { return slices.Contains(t.Queues, m.Queue) }) {
				add(a.ID)
			}
		}
	}
	return out
}

// DefaultDispositions are the dispositions of a campaign that lists none:
// enough for its agents to record a sale, schedule a callback and take a
// number off the list without writing a config first. A campaign that
// lists none still takes any other name, as final.
var DefaultDispositions = []Disposition{
	{Name: "sale", Final: true, Sale: true, Contact: true},
	{Name: "not-interested", Final: true, Contact: true},
	{Name: "call-back", Callback: true, Contact: true},
	{Name: "do-not-call", DNC: true, Contact: true},
	{Name: "wrong-number", Final: true},
}

// DispositionList is the campaign's dispositions: those it lists, or
// DefaultDispositions when it lists none.
func (c Campaign) DispositionList() []Disposition {
	if len(c.Dispositions) == 0 {
		return DefaultDispositions
	}
	return c.Dispositions
}

// DispositionRules are the campaign's dispositions (DispositionList) in
// the campaign package's terms.
func (c Campaign) DispositionRules() []campaign.Disposition {
	list := c.DispositionList()
	out := make([]campaign.Disposition, len(list))
	for i, d := range list {
		out[i] = campaign.Disposition{Name: d.Name, Final: d.Final, Sale: d.Sale, DNC: d.DNC, Callback: d.Callback, Contact: d.Contact}
	}
	return out
}

// MaxConnectWithin is the longest connect_within: an answered call waits
// that long for an agent at most.
const MaxConnectWithin = 5 * time.Minute

// MaxAttempts is the most dials of one lead retry.max_attempts allows.
const MaxAttempts = 100

// MaxHopper bounds a campaign's hopper: the leads read ahead are held in
// memory, and a few minutes' dials at the fastest pace are far fewer.
const MaxHopper = 10_000

// MinPreviewTimeout and MaxPreviewTimeout bound preview_timeout: under a
// second is a typo (1ns for 1m), and a lead held for hours is one no agent
// is deciding on.
const (
	MinPreviewTimeout = time.Second
	MaxPreviewTimeout = time.Hour
)

// GlobalDNCList names the do-not-call list every campaign honours (the
// store's GlobalDNC); a campaign's own list goes by the campaign's name, so
// no campaign may be called so.
const GlobalDNCList = "global"

func (v *validator) campaigns() {
	queues := v.queueNames()
	agents := make([]string, len(v.cfg.Agents))
	for i, a := range v.cfg.Agents {
		agents[i] = a.ID
	}
	seen := map[string]firstName{}
	for i, c := range v.cfg.Campaigns {
		p := indexPath("campaigns", i)
		v.name(joinPath(p, "name"), "campaign", c.Name, seen, i)
		if strings.EqualFold(c.Name, GlobalDNCList) {
			v.add(joinPath(p, "name"), "%q is the name of the global do-not-call list, which every campaign honours; a campaign's own list goes by its name, and would be that one: pick another name", c.Name)
		}
		v.oneOf(joinPath(p, "kind"), "campaign kind", c.Kind, CampaignKinds)
		if !strings.Contains(c.Endpoint, "{number}") {
			v.add(joinPath(p, "endpoint"), "%q has no {number}; write the dial string with it, e.g. PJSIP/{number}@trunk", c.Endpoint)
		}
		v.positive(joinPath(p, "ring_timeout"), c.RingTimeout)
		v.callerID(joinPath(p, "caller_id"), c.CallerID)
		v.campaignPacing(p, c)
		v.campaignHours(p, c)
		r := c.Retry
		rp := joinPath(p, "retry")
		v.atLeast(joinPath(rp, "max_attempts"), r.MaxAttempts, 1)
		if r.MaxAttempts > MaxAttempts {
			v.add(joinPath(rp, "max_attempts"), "%d: at most %d dials of one lead", r.MaxAttempts, MaxAttempts)
		}
		if r.AbandonQuiet > 0 && r.AbandonQuiet < MinAbandonQuiet {
			v.add(joinPath(rp, "abandon_quiet"), "%s: want at least %s (a number whose answered call found no agent is not called again for 72 hours), or 0s never to call it again", r.AbandonQuiet, MinAbandonQuiet)
		}
		for _, d := range r.delays() {
			switch {
			case d.d > 0 && d.d < time.Second:
				v.add(joinPath(rp, d.key), "%s: want 0s (not retried) or at least 1s; a shorter delay redials at once", d.d)
			case d.d > MaxRetryDelay:
				v.add(joinPath(rp, d.key), "%s: want at most %s (90 days), as a callback; 0s does not retry", d.d, MaxRetryDelay)
			}
		}
		if c.RingTimeout > MaxCampaignRing {
			v.add(joinPath(p, "ring_timeout"), "%s: want at most %s; a lead who has not answered by then will not, and the dial holds a channel meanwhile", c.RingTimeout, MaxCampaignRing)
		}
		v.dispositions(p, c.Dispositions)
		for j, a := range c.Agents {
			ap := indexPath(joinPath(p, "agents"), j)
			if first := slices.Index(c.Agents, a); first < j {
				v.add(ap, "agent %q is listed twice (also %s)", a, indexPath(joinPath(p, "agents"), first))
				continue
			}
			v.known(ap, "agent", a, agents)
		}
		if len(c.Agents) > 0 && c.Kind != CampaignAgent && slices.Contains(CampaignKinds, c.Kind) {
			v.add(joinPath(p, "agents"), "a %s campaign connects no lead to agents of its own; agents are for kind agent (a flow's queue node reaches a queue's members)", c.Kind)
		}
		if c.Team != "" {
			teams := make([]string, len(v.cfg.Teams))
			for i, t := range v.cfg.Teams {
				teams[i] = t.Name
			}
			v.known(joinPath(p, "team"), "team", c.Team, teams)
			if c.Kind != CampaignAgent && slices.Contains(CampaignKinds, c.Kind) {
				v.add(joinPath(p, "team"), "a %s campaign connects no lead to agents of its own; team is for kind agent", c.Kind)
			}
		}
		for j, q := range c.Queues {
			v.known(indexPath(joinPath(p, "queues"), j), "queue", q, queues)
		}
		if c.OptOutList != "" {
			v.oneOf(joinPath(p, "opt_out_list"), "opt-out list", c.OptOutList, []string{OptOutCampaign, OptOutGlobal})
		}
		v.oneOf(joinPath(p, "answering_machine"), "answering-machine handling", c.AnsweringMachine, []string{MachineOff, MachineHangup, MachineMessage})
		if c.AnsweringMachine != MachineOff && c.AnsweringMachine != "" && v.cfg.PBX.Type == PBXFreeSWITCH {
			v.add(joinPath(p, "answering_machine"), "%s: Hotline detects answering machines on Asterisk only (AMD()); on FreeSWITCH every answer would be taken for a person's: set off", c.AnsweringMachine)
		}
		if c.AnsweringMachine == MachineMessage && len(c.MachineMessage) == 0 {
			v.add(joinPath(p, "machine_message"), "missing; answering_machine: message leaves it after the beep")
		}
		switch c.Kind {
		case CampaignAgent:
			if len(c.Agents)+len(c.Queues) == 0 && c.Team == "" {
				v.add(joinPath(p, "agents"), "no agents, no team and no queues; an agent campaign needs someone to take its answered leads")
			}
			if len(c.SafeHarbour) == 0 {
				v.add(joinPath(p, "safe_harbour"), "missing; an answered lead no agent takes in time must hear who called and how to opt out")
			}
		case CampaignNotification:
			if len(c.Message) == 0 && c.Flow == "" {
				v.add(joinPath(p, "message"), "missing; a notification campaign plays it (or runs its flow) to each answered lead")
			}
		case CampaignSurvey:
			if c.Flow == "" {
				v.add(joinPath(p, "flow"), "missing; a survey campaign asks its questions through a flow")
			}
		}
		if _, ok := v.cfg.Flows[c.Flow]; c.Flow != "" && !ok {
			v.add(joinPath(p, "flow"), "unknown flow %q; define it under flows", c.Flow)
		}
	}
}

func (v *validator) campaignPacing(p string, c Campaign) {
	// Written as the other names of a kind are, in lower case (kind:
	// Agent is refused too); the rest is still checked: every problem is
	// named at once.
	mode, _ := dialer.ParseMode(c.Mode)
	if !v.oneOf(joinPath(p, "mode"), "dial mode", c.Mode, []string{"preview", "progressive", "power", "predictive"}) {
		mode = 0
	}
	if (mode == dialer.Power || c.Ratio != 0) && !(c.Ratio >= 1 && c.Ratio <= 10) {
		// Checked in every mode: switched to power later, it would fail then.
		v.add(joinPath(p, "ratio"), "%g: want 1 to 10 calls per free agent", c.Ratio)
	}
	if !(c.AbandonCap > 0 && c.AbandonCap < 1) {
		v.add(joinPath(p, "abandon_cap"), "%g: want a share between 0 and 1, e.g. 0.03", c.AbandonCap)
	}
	if c.AbandonWindow > 0 && (c.AbandonWindow < time.Hour || c.AbandonWindow > MaxAbandonWindow) {
		v.add(joinPath(p, "abandon_window"), "%s: want 1h to 8760h, a year (720h = 30 days, or 24h)", c.AbandonWindow)
	}
	v.positive(joinPath(p, "abandon_window"), c.AbandonWindow)
	v.positive(joinPath(p, "connect_within"), c.ConnectWithin)
	if c.ConnectWithin > MaxConnectWithin {
		v.add(joinPath(p, "connect_within"), "%s: at most %s (an answered call waits this long for an agent before it is abandoned; the rule is 2s)", c.ConnectWithin, MaxConnectWithin)
	}
	v.atLeast(joinPath(p, "max_dials"), c.MaxDials, 0)
	v.atLeast(joinPath(p, "hopper"), c.Hopper, 1)
	if c.Hopper > MaxHopper {
		v.add(joinPath(p, "hopper"), "%d: at most %d leads are read ahead (each is held in memory, and the hopper needs only what the next minute dials)", c.Hopper, MaxHopper)
	}
	v.positive(joinPath(p, "callback_grace"), c.CallbackGrace)
	// Checked in every mode, as ratio is: a campaign switched to preview
	// later must not find its settings refused only then.
	v.positive(joinPath(p, "preview_timeout"), c.PreviewTimeout)
	if c.PreviewTimeout > 0 && (c.PreviewTimeout < MinPreviewTimeout || c.PreviewTimeout > MaxPreviewTimeout) {
		v.add(joinPath(p, "preview_timeout"), "%s: want %s to %s (how long an agent has to read a lead before it is dialed or skipped for them)", c.PreviewTimeout, MinPreviewTimeout, MaxPreviewTimeout)
	}
	v.oneOf(joinPath(p, "preview_on_timeout"), "preview timeout action", c.PreviewOnTimeout, []string{PreviewDial, PreviewSkip})
	v.skipReasons(p, c)
}

func (v *validator) skipReasons(p string, c Campaign) {
	seen := map[string]bool{}
	for j, r := range c.SkipReasons {
		rp := fmt.Sprintf("%s[%d]", joinPath(p, "skip_reasons"), j)
		switch err := campaign.CheckLine(r, campaign.MaxSkipReason); {
		case strings.TrimSpace(r) == "":
			v.add(rp, "empty; a reason such as \"wrong person\"")
		case err != nil:
			v.add(rp, "%q: %v", r, err)
		case strings.TrimSpace(r) != r:
			v.add(rp, "%q: spaces around it", r)
		case r == campaign.SkipTimedOut:
			v.add(rp, "%q is the reason of a preview no agent decided; pick another word", r)
		case seen[r]:
			v.add(rp, "%q is listed twice", r)
		}
		seen[r] = true
	}
	if c.SkipReasonRequired && len(c.SkipReasons) == 0 {
		v.add(joinPath(p, "skip_reason_required"), "true, but skip_reasons lists none to pick from")
	}
}

// SkipRule is what the campaign asks of an agent's skip.
func (c Campaign) SkipRule() campaign.SkipRule {
	return campaign.SkipRule{Reasons: c.SkipReasons, Required: c.SkipReasonRequired}
}

func (v *validator) campaignHours(p string, c Campaign) {
	if _, err := campaign.ParseHours(c.Schedule.Hours); err != nil {
		v.add(joinPath(p, "schedule.hours"), "%v", err)
	}
	if c.Schedule.TimeZone == "" {
		v.add(joinPath(p, "schedule.time_zone"), "missing; an IANA zone such as Europe/Paris")
	} else if _, err := time.LoadLocation(c.Schedule.TimeZone); err != nil || c.Schedule.TimeZone == "Local" { // Local: the server's zone
		v.add(joinPath(p, "schedule.time_zone"), "unknown time zone %q; use an IANA name such as America/New_York", c.Schedule.TimeZone)
	} else if err := campaign.PlaceZone(c.Schedule.TimeZone); err != nil {
		// The campaign's hours would shift by an hour with the seasons.
		v.add(joinPath(p, "schedule.time_zone"), "%v", err)
	}
	if _, err := campaign.ParseHours(c.LeadHours); err != nil {
		v.add(joinPath(p, "lead_hours"), "%v", err)
	}
}

func (v *validator) dispositions(p string, ds []Disposition) {
	seen := map[string]firstName{} // agents, reports and exports would tell Sale from sale by case alone
	for j, d := range ds {
		dp := indexPath(joinPath(p, "dispositions"), j)
		v.name(joinPath(dp, "name"), "disposition", d.Name, seen, j)
		if d.Callback && (d.Final || d.DNC || d.Sale) {
			v.add(joinPath(dp, "callback"), "a callback disposition cannot also be final, sale or dnc (a sale ends the lead)")
		}
	}
}

// MinCampaignRing is the shortest ring regulators let an unanswered
// outbound call have: the US (47 CFR 64.1200(a)(6): 15 seconds or four
// rings) and the UK (Ofcom's persistent-misuse policy) both ask for 15 s.
const MinCampaignRing = 15 * time.Second

// MaxCampaignRing is the longest a campaign's dial may ring.
const MaxCampaignRing = 5 * time.Minute

// MaxRetryDelay is the longest retry delay: as far ahead as a callback.
const MaxRetryDelay = 90 * 24 * time.Hour

// MinRetryAdvised is the shortest retry delay that is not advised
// against: a lead redialed within a minute of a busy or unanswered call
// feels harassed, and carriers flag such numbers as spam.
const MinRetryAdvised = time.Minute

// Advisory is a setting that is valid but likely wrong.
type Advisory struct {
	Path string // the setting, e.g. campaigns[0].ring_timeout
	Text string
}

func (a Advisory) String() string { return a.Path + ": " + a.Text }

// Advisories lists settings that are valid but likely wrong for a call
// center that must follow the usual telemarketing rules, for `config
// validate` and serve to show. They are not errors: a test campaign on a
// lab switch may ring for a few seconds.
func (c Config) Advisories() []Advisory {
	var out []Advisory
	for i, cp := range c.Campaigns {
		if cp.RingTimeout > 0 && cp.RingTimeout < MinCampaignRing {
			out = append(out, Advisory{joinPath(indexPath("campaigns", i), "ring_timeout"),
				fmt.Sprintf("%s gives up unanswered leads before %s; US and UK rules ask that an unanswered outbound call ring at least %s (the US: or four rings)",
					cp.RingTimeout, MinCampaignRing, MinCampaignRing)})
		}
		if cp.CallerID == "" {
			out = append(out, Advisory{joinPath(indexPath("campaigns", i), "caller_id"),
				"none: the leads see what the trunk sends, maybe nothing; telemarketing rules (US 47 CFR 64.1601(e), UK Ofcom) ask for a number the lead can call back"})
		}
		for _, d := range cp.Retry.delays()[:3] { // busy, no_answer, machine: outcomes of a person's line
			if d.d > 0 && d.d < MinRetryAdvised {
				out = append(out, Advisory{joinPath(joinPath(indexPath("campaigns", i), "retry"), d.key),
					fmt.Sprintf("%s redials the lead within a minute; a person called again so soon feels harassed, and carriers flag such numbers as spam", d.d)})
			}
		}
	}
	out = append(out, c.skillAdvisories()...)
	return append(out, c.flowAdvisories()...)
}
