package engine

import (
	"cmp"
	"slices"
	"sort"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/store"
)

// Status is a point-in-time view for the wallboard, the API and the demo.
type Status struct {
	Now      time.Time      `json:"now"`
	Queues   []QueueStatus  `json:"queues"`
	Agents   []AgentStatus  `json:"agents"`
	Calls    []CallStatus   `json:"calls"`
	Warnings map[string]int `json:"warnings,omitempty"`
	// Members are each agent's queues (from the config): a supervisor
	// overseeing some queues sees and acts on the agents in them. Shared
	// between statuses; do not change it.
	Members map[string][]string `json:"members,omitempty"`
	// Campaigns are the outbound campaigns' states and figures.
	Campaigns []CampaignStatus `json:"campaigns,omitempty"`
	// Monitors are the supervisors' phones in agents' calls, by agent and
	// phone.
	Monitors []Monitor `json:"monitors,omitempty"`
}

// Monitor is a supervisor's phone in an agent's call: listening,
// whispering to the agent or barging in (ringing to do so, until it
// answers).
type Monitor struct {
	Agent    string    `json:"agent"`
	Call     string    `json:"call"`
	Endpoint string    `json:"endpoint"` // the supervisor's phone
	Mode     string    `json:"mode"`     // listen | whisper | barge
	By       string    `json:"by,omitempty"`
	Channel  string    `json:"channel"`
	Since    time.Time `json:"since"`
}

// monitorOf is the Monitor of spy sp in call id.
func monitorOf(id string, sp store.ActiveSpy) Monitor {
	return Monitor{Agent: sp.Agent, Call: id, Endpoint: sp.Endpoint, Mode: sp.Mode.String(), By: sp.By, Channel: sp.Channel, Since: sp.Since}
}

// QueueStatus is one queue's live figures and totals since start.
type QueueStatus struct {
	Name          string        `json:"name"`
	Waiting       int           `json:"waiting"`
	LongestWait   time.Duration `json:"longest_wait"`
	Offered       int           `json:"offered"`
	Answered      int           `json:"answered"`
	Abandoned     int           `json:"abandoned"`
	Overflowed    int           `json:"overflowed"`
	Callbacks     int           `json:"callbacks"`
	PendingCB     int           `json:"pending_callbacks"`
	InSL          int           `json:"answered_in_sl"`
	AbandonedInSL int           `json:"abandoned_in_sl"`
	ServiceLevel  float64       `json:"service_level"` // answered within SL / (answered + abandoned after SL)
	SLThreshold   time.Duration `json:"sl_threshold"`
	ASA           time.Duration `json:"asa"`
	AHT           time.Duration `json:"aht"`
	AbandonRate   float64       `json:"abandon_rate"`
	MaxWait       time.Duration `json:"max_wait"`
	AgentsReady   int           `json:"agents_ready"`
	AgentsBusy    int           `json:"agents_busy"`
	// Draining: removed from the config, serving its last callers.
	Draining bool `json:"draining,omitempty"`
}

// AgentStatus is one agent's live state and totals.
type AgentStatus struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
	// Cause and By say why the agent is in State, as the stored change
	// does: acd.AgentCause and who asked for it.
	Cause     string        `json:"cause,omitempty"`
	By        string        `json:"by,omitempty"`
	Pending   *Pending      `json:"pending,omitempty"`
	Since     time.Time     `json:"since"`
	Call      string        `json:"call,omitempty"`
	Offered   int           `json:"offered"`
	Answered  int           `json:"answered"`
	NoAnswer  int           `json:"no_answer"`
	Talk      time.Duration `json:"talk"`
	WrapUp    time.Duration `json:"wrap_up"`
	LoggedIn  time.Duration `json:"logged_in"`
	Paused    time.Duration `json:"paused"`
	AHT       time.Duration `json:"aht"`
	Occupancy float64       `json:"occupancy"` // (talk + wrap-up) / (logged in − paused)
	// Draining: removed from the config, finishing its call before logging out.
	Draining bool `json:"draining,omitempty"`
	// Preview is the lead shown to the agent by a preview campaign.
	Preview *LeadPreview `json:"preview,omitempty"`
	// DeskAnswer says the desk's Answer can pick up a call ringing this
	// agent: answer: desk, or a switch that picks up phones (the
	// simulator). When false the agent answers on the phone.
	DeskAnswer bool `json:"desk_answer"`
}

// Pending is a pause or logout an agent asked for during a call: it applies
// when the call and its wrap-up are over, unless the agent says ready.
type Pending struct {
	State  string `json:"state"` // paused or logged-out
	Reason string `json:"reason,omitempty"`
}

// CallStatus is one live call.
type CallStatus struct {
	ID string `json:"id"`
	// Caller is the customer's number: who called in, or, on a campaign's
	// dial (Direction outbound), the lead's number dialed, not the
	// campaign's own caller id.
	Caller    string        `json:"caller"`
	Direction acd.Direction `json:"direction,omitempty"`
	Queue     string        `json:"queue,omitempty"`
	Phase     string        `json:"phase"`
	// Waited is the time in line, up to the answer (or now).
	Waited   time.Duration `json:"waited"`
	Agent    string        `json:"agent,omitempty"`
	Answered time.Time     `json:"answered,omitzero"`
	Talk     time.Duration `json:"talk,omitempty"` // since both parties were bridged
	// IVR is what the caller did in a self-service flow or menu, for the
	// agent who takes the call: choices, digits (secret ones as a length),
	// FAQ answers heard, phrases recognized with their confidence; steps
	// apart by "; ".
	IVR string `json:"ivr,omitempty"`
	// Contact is the caller's contact, matched on arrival (contact.go).
	Contact *contact.OnCall `json:"contact,omitempty"`
	// Recording is "on", "paused" or "" (none running).
	Recording string `json:"recording,omitempty"`
}

// Status reports the engine's live state.
func (c *Core) Status(now time.Time) Status {
	s := Status{Now: now, Warnings: c.Warnings(), Members: c.members, Queues: make([]QueueStatus, 0, len(c.queues)),
		Agents: make([]AgentStatus, 0, len(c.agents)), Calls: make([]CallStatus, 0, len(c.calls)+len(c.unsaved))}
	for _, q := range c.queues {
		if q.removed && len(q.waiting) == 0 && c.pendingCallbacks(q) == 0 {
			continue // removed by a reconfigure, and drained
		}
		s.Queues = append(s.Queues, c.queueStatus(q, now))
	}
	for _, a := range c.agents {
		if a.removed && a.state == acd.LoggedOut {
			continue
		}
		s.Agents = append(s.Agents, c.agentStatus(a, now))
	}
	for _, id := range c.callIDs() {
		s.Calls = append(s.Calls, callStatus(c.calls[id], now))
	}
	for _, u := range c.unsaved { // ended, record not durable yet: not finished
		s.Calls = append(s.Calls, callStatus(u.call, now))
	}
	sort.SliceStable(s.Calls, func(i, j int) bool { return s.Calls[i].Waited > s.Calls[j].Waited })
	for _, id := range c.callIDs() {
		for _, sp := range c.calls[id].spies {
			s.Monitors = append(s.Monitors, monitorOf(id, sp))
		}
	}
	slices.SortFunc(s.Monitors, func(a, b Monitor) int {
		return cmp.Or(cmp.Compare(a.Agent, b.Agent), cmp.Compare(a.Endpoint, b.Endpoint))
	})
	if len(c.opts.Config.Campaigns) > 0 {
		s.Campaigns = c.Campaigns(now)
	}
	return s
}

func (c *Core) queueStatus(q *queue, now time.Time) QueueStatus {
	qs := QueueStatus{Name: q.name, Offered: q.stats.Offered, Answered: q.stats.Answered,
		Abandoned: q.stats.Abandoned, Overflowed: q.stats.Overflowed, Callbacks: q.stats.Callbacks,
		InSL: q.stats.InSL, AbandonedInSL: q.stats.AbandonedInSL, MaxWait: q.stats.MaxWait, SLThreshold: q.cfg.ServiceLevel,
		Draining: q.removed}
	for _, cl := range q.waiting {
		qs.Waiting++
		if w := now.Sub(cl.enqueued); w > qs.LongestWait {
			qs.LongestWait = w
		}
	}
	for _, cb := range c.callbacks {
		if cb.queue == q {
			qs.PendingCB++
		}
	}
	if qs.LongestWait > qs.MaxWait {
		qs.MaxWait = qs.LongestWait
	}
	f := q.stats.Figures()
	qs.ServiceLevel, qs.ASA, qs.AHT, qs.AbandonRate = f.ServiceLevel, f.ASA, f.AHT, f.AbandonRate
	for _, m := range q.rs.Members {
		switch c.agents[m.Agent].state {
		case acd.Available:
			qs.AgentsReady++
		case acd.Ringing, acd.OnCall, acd.WrapUp:
			qs.AgentsBusy++
		}
	}
	return qs
}

func (c *Core) agentStatus(a *agent, now time.Time) AgentStatus {
	st := a.stats
	// Add the interval in progress without changing the agent.
	if d := a.uncounted(now); d > 0 && a.state != acd.LoggedOut {
		st.LoggedIn += d
		if a.state == acd.Paused {
			st.Paused += d
		}
	}
	as := AgentStatus{ID: a.id, Name: a.cfg.Name, State: a.state.String(), Reason: a.pauseReason, Since: a.since,
		Offered: st.Offered, Answered: st.Answered, NoAnswer: st.NoAnswer, Talk: st.Talk, WrapUp: st.WrapUp,
		LoggedIn: st.LoggedIn, Paused: st.Paused}
	as.Cause, as.By = string(a.why.cause), a.why.by
	as.Draining = a.removed
	as.Preview = c.previewStatus(a)
	as.DeskAnswer = c.deskAnswers(a)
	if a.call != nil {
		as.Call = a.call.id
	}
	if p := a.pending; p != nil {
		as.Pending = &Pending{State: p.state.String(), Reason: p.reason}
	}
	f := st.Figures()
	as.AHT, as.Occupancy = f.AHT, f.Occupancy
	return as
}

// callStatus is a live call's view. The wait ends when an agent answers:
// from then on the call talks, and Talk counts instead.
func callStatus(cl *call, now time.Time) CallStatus {
	cs := CallStatus{ID: cl.id, Caller: cl.rec.Caller, Direction: cl.dir, Phase: cl.phase.String(), Answered: cl.answered}
	if cl.dir == acd.DirectionOutbound {
		cs.Caller = cl.rec.Called
	}
	if cl.queue != nil {
		cs.Queue = cl.queue.name
		end := now
		if !cl.answered.IsZero() {
			end = cl.answered
			cs.Talk = cl.talk(now)
		}
		cs.Waited = max(end.Sub(cl.enqueued), 0)
	}
	if cl.agent != nil {
		cs.Agent = cl.agent.id
	}
	cs.IVR = ivrPath(cl.rec.Timeline)
	cs.Recording = recordingStatus(cl)
	if cl.rec.Contact != 0 {
		oc := cl.contact
		cs.Contact = &oc
	}
	return cs
}
