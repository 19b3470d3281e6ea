package engine

import (
	"cmp"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/routing"
)

// ReconfigureReport says what a new config changed in the running engine.
type ReconfigureReport struct {
	QueuesAdded    []string `json:"queues_added,omitempty"`
	QueuesChanged  []string `json:"queues_changed,omitempty"`
	QueuesRemoved  []string `json:"queues_removed,omitempty"`
	AgentsAdded    []string `json:"agents_added,omitempty"`
	AgentsChanged  []string `json:"agents_changed,omitempty"`
	AgentsRemoved  []string `json:"agents_removed,omitempty"`
	EntriesChanged bool     `json:"entries_changed,omitempty"`
	MenusChanged   bool     `json:"menus_changed,omitempty"`
	// FlowsChanged names the flows added, changed or removed; Applied the
	// other settings taken at once (teams, reports, recordings.template,
	// speech.listen_silence).
	FlowsChanged []string `json:"flows_changed,omitempty"`
	Applied      []string `json:"applied,omitempty"`
	// Draining lists what is removed but still finishing: a queue keeps its
	// callers (and callback requests) until they are served, an agent its
	// call and wrap-up before it is logged out.
	Draining []string `json:"draining,omitempty"`
	// NeedRestart lists changed settings a running daemon cannot take
	// (server, store, pbx); they apply at the next start.
	NeedRestart []string `json:"need_restart,omitempty"`
	// CampaignsBack lists campaigns an earlier reload removed that this
	// config has again: they may be started again.
	CampaignsBack []string `json:"campaigns_back,omitempty"`
}

// Changed reports whether the engine took anything from the new config.
func (r ReconfigureReport) Changed() bool {
	return len(r.QueuesAdded)+len(r.QueuesChanged)+len(r.QueuesRemoved)+len(r.AgentsAdded)+
		len(r.AgentsChanged)+len(r.AgentsRemoved)+len(r.CampaignsBack)+len(r.FlowsChanged)+len(r.Applied) > 0 ||
		r.EntriesChanged || r.MenusChanged
}

// Reconfigure applies a validated config to the running engine. New queues
// and agents appear at once. A removed queue takes no new callers but keeps
// those waiting (and its callback requests) until its agents serve them; a
// removed agent is offered nothing new, finishes its call and wrap-up, and
// is logged out. Changed settings (strategy, skills, penalties, timeouts,
// endpoints, entries, menus) apply from the next decision; live state and
// figures are kept. Nothing changes if the config cannot be compiled.
func (c *Core) Reconfigure(now time.Time, cfg config.Config) (ReconfigureReport, error) {
	var rep ReconfigureReport
	old := c.opts.Config
	cfg.Campaigns, rep.NeedRestart, rep.CampaignsBack = c.keepStartedCampaigns(old.Campaigns, cfg.Campaigns)
	cfg = withCampaignQueues(cfg)

	// Compile everything first, so a config that fails changes nothing.
	flow, err := menuFlow(cfg.Menus, cfg.Flows)
	if err != nil {
		return rep, fmt.Errorf("engine: menus: %w", err)
	}
	compiled := make([]*queue, len(cfg.Queues))
	for i, qc := range cfg.Queues {
		if compiled[i], err = c.compileQueue(0, qc); err != nil {
			return rep, err
		}
	}
	levels := make([]routing.Levels, len(cfg.Agents))
	for i, ac := range cfg.Agents {
		if levels[i], err = c.catalog.Levels(ac.Skills); err != nil {
			return rep, fmt.Errorf("engine: agent %q: %w", ac.ID, err)
		}
		for _, m := range ac.Queues {
			if !slices.ContainsFunc(cfg.Queues, func(q config.Queue) bool { return q.Name == m.Queue }) {
				return rep, fmt.Errorf("engine: agent %q: %w %q", ac.ID, ErrUnknownQueue, m.Queue)
			}
		}
	}

	for _, sec := range []struct {
		name     string
		old, new any
	}{{"server", old.Server, cfg.Server}, {"store", old.Store, cfg.Store}, {"pbx", old.PBX, cfg.PBX}} {
		if !reflect.DeepEqual(sec.old, sec.new) {
			rep.NeedRestart = append(rep.NeedRestart, sec.name)
		}
	}
	rep.EntriesChanged = !reflect.DeepEqual(old.Entries, cfg.Entries)
	rep.MenusChanged = !reflect.DeepEqual(old.Menus, cfg.Menus)
	for _, name := range slices.Sorted(maps.Keys(old.Flows)) {
		if nf, ok := cfg.Flows[name]; !ok || !reflect.DeepEqual(old.Flows[name], nf) {
			rep.FlowsChanged = append(rep.FlowsChanged, name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Flows)) {
		if _, ok := old.Flows[name]; !ok {
			rep.FlowsChanged = append(rep.FlowsChanged, name)
		}
	}
	slices.Sort(rep.FlowsChanged)
	applied, restart := changedSettings(old, cfg)
	rep.Applied, rep.NeedRestart = applied, append(rep.NeedRestart, restart...)

	// Queues: update in place (keeping callers and figures), add, retire.
	keep := map[string]bool{}
	for i, qc := range cfg.Queues {
		keep[qc.Name] = true
		nq := compiled[i]
		q := c.queueNamed(qc.Name)
		switch {
		case q == nil:
			nq.idx = int32(len(c.queues))
			c.queues = append(c.queues, nq)
			c.queueIdx[nq.name] = nq
			rep.QueuesAdded = append(rep.QueuesAdded, qc.Name)
			continue
		case q.removed:
			rep.QueuesAdded = append(rep.QueuesAdded, qc.Name) // back before it drained
		case !reflect.DeepEqual(q.cfg, qc):
			rep.QueuesChanged = append(rep.QueuesChanged, qc.Name)
		}
		q.removed = false
		was := q.cfg
		q.cfg, q.base, q.targets, q.join = nq.cfg, nq.base, nq.targets, nq.join
		q.rs.Strategy = nq.rs.Strategy
		c.queueIdx[q.name] = q
		c.rearmWaiting(now, q, was)
	}
	for _, q := range c.queues {
		if keep[q.name] || q.removed {
			continue
		}
		q.removed = true
		delete(c.queueIdx, q.name) // no new callers, no overflow into it
		rep.QueuesRemoved = append(rep.QueuesRemoved, q.name)
		if n := len(q.waiting) + c.pendingCallbacks(q); n > 0 {
			rep.Draining = append(rep.Draining, fmt.Sprintf("queue %s keeps %d waiting until served", q.name, n))
		}
	}

	// Agents: update in place (keeping state and figures), add, retire.
	keepA := map[string]bool{}
	var added []*agent
	for i, ac := range cfg.Agents {
		keepA[ac.ID] = true
		a := c.agentNamed(ac.ID)
		switch {
		case a == nil:
			a = &agent{idx: int32(len(c.agents)), id: ac.ID, state: acd.LoggedOut, since: now, penalty: map[int32]int{}}
			c.agents = append(c.agents, a)
			c.view = append(c.view, routing.Agent{IdleSince: now})
			rep.AgentsAdded = append(rep.AgentsAdded, ac.ID)
			added = append(added, a)
		case a.removed:
			rep.AgentsAdded = append(rep.AgentsAdded, ac.ID) // back before it logged out
			if a.pending != nil && a.pending.cause == acd.CauseReload {
				// The removal's logout is off: what the agent asked for
				// before it (a pause, a logout, or nothing) stands again.
				a.pending, a.asked = a.asked, nil
				c.saveAgent(now, a)
			}
		case !reflect.DeepEqual(a.cfg, ac):
			rep.AgentsChanged = append(rep.AgentsChanged, ac.ID)
		}
		a.removed = false
		a.cfg = ac
		c.agentIdx[a.id] = a
		v := &c.view[a.idx]
		v.Levels, v.Weight = levels[i], max(ac.Weight, 1)
	}
	for _, a := range c.agents {
		if keepA[a.id] || a.removed {
			continue
		}
		rep.AgentsRemoved = append(rep.AgentsRemoved, a.id)
		if a.state != acd.LoggedOut {
			busy := a.state == acd.Ringing || a.state == acd.OnCall || a.state == acd.WrapUp
			a.asked = a.pending
			if err := c.logout(now, a.id, motive{cause: acd.CauseReload, reason: "removed from the config"}); err != nil {
				c.warn(now, "reconfigure", "agent %s: %v", a.id, err)
			}
			if busy {
				rep.Draining = append(rep.Draining, fmt.Sprintf("agent %s logs out after the current call", a.id))
			}
		}
		a.removed = true
		delete(c.agentIdx, a.id) // unknown to requests from now on
	}

	// Those apply at the next start: until then the engine goes on with
	// the ones it started with, and the next reload compares with them.
	cfg.Server, cfg.Store, cfg.PBX = old.Server, old.Store, old.PBX
	c.opts.Config = cfg
	c.entries = map[string]config.Entry{}
	for _, e := range cfg.Entries {
		c.entries[e.Number] = e
	}
	c.flow = flow
	c.rebuildMembers(cfg)
	for _, q := range c.queues {
		if q.removed && len(q.waiting) > 0 && len(q.rs.Members) == 0 {
			rep.Draining = append(rep.Draining, fmt.Sprintf("queue %s: no configured agent serves its %d waiting; they wait for its max_wait or hang up",
				q.name, len(q.waiting)))
		}
	}
	c.resumeMenus(now)
	for _, a := range c.agents {
		c.refreshView(a, now)
	}
	// New members, skills or strategies may serve callers who waited.
	for _, q := range c.queues {
		c.redispatchQueue(now, q)
	}
	for _, a := range added {
		if a.cfg.LoggedIn {
			_ = c.setAgent(now, a, acd.Available, motive{cause: acd.CauseReload, reason: "added to the config"})
		}
	}
	c.members = memberships(c.agents)
	c.trace(now, "reconfigured: %+v", rep)
	return rep, nil
}

// rearmWaiting sets the timers of the callers waiting in q anew where a
// reload changed what they count: max_wait (from when each entered the
// queue, as at its entry: a caller already past a shorter one leaves at
// once), the announcement interval (the next one an interval from now)
// and the skill targets (each from when the caller joined the line).
// Timers armed under the old settings are void (their generation).
func (c *Core) rearmWaiting(now time.Time, q *queue, was config.Queue) {
	maxWait := was.MaxWait != q.cfg.MaxWait
	announce := was.Announce.Interval != q.cfg.Announce.Interval
	targets := !reflect.DeepEqual(was.Targets, q.cfg.Targets)
	if !maxWait && !announce && !targets {
		return
	}
	for _, cl := range q.waiting {
		if maxWait {
			cl.gen[TimerMaxWait]++
			if q.cfg.MaxWait > 0 {
				from := cmp.Or(cl.entered, cl.enqueued)
				if cl.resumed {
					from = cl.enqueued // as enterQueue counts it after a restart
				}
				c.out.At(maxTime(now, from.Add(q.cfg.MaxWait)), Timer{Kind: TimerMaxWait, Call: cl.id, Gen: cl.gen[TimerMaxWait]})
			}
		}
		if announce {
			cl.gen[TimerAnnounce]++
			if q.cfg.Announce.Interval > 0 {
				c.out.At(now.Add(q.cfg.Announce.Interval), Timer{Kind: TimerAnnounce, Call: cl.id, Gen: cl.gen[TimerAnnounce]})
			}
		}
		if targets {
			for _, t := range q.targets {
				if at := cl.enqueued.Add(t.After); at.After(now) {
					c.out.At(at, Timer{Kind: TimerRelax, Call: cl.id, Gen: cl.gen[TimerRelax]})
				}
			}
		}
	}
}

// maxTime is the later of a and b.
func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// keepStartedCampaigns keeps the settings of the campaigns started in this
// run (their runs hold them, pacer and all) where the new config changes or
// removes them, so that the status shows what they do and a removed one
// can still be stopped; it names them as applying at the next start.
// Campaigns not started take the new settings when they start.
func (c *Core) keepStartedCampaigns(old, next []config.Campaign) (kept []config.Campaign, restart, back []string) {
	kept = slices.Clone(next)
	for _, n := range next {
		if c.campsRemoved[n.Name] {
			back = append(back, n.Name)
		}
	}
	c.campsRemoved = map[string]bool{}
	c.campsNext = map[string]config.Campaign{}
	for _, k := range old {
		if c.camps[k.Name] == nil {
			continue
		}
		i := slices.IndexFunc(kept, func(n config.Campaign) bool { return n.Name == k.Name })
		switch {
		case i < 0:
			kept = append(kept, k)
			c.campsRemoved[k.Name] = true
			restart = append(restart, "campaign "+k.Name+" removed (it runs on as it is until stopped; stopped, it cannot be started again)")
			continue
		case !reflect.DeepEqual(kept[i], k):
			c.campsNext[k.Name] = kept[i] // taken when it is stopped and started again
			kept[i] = k
		default:
			continue
		}
		restart = append(restart, "campaign "+k.Name)
	}
	return kept, restart, back
}

func (c *Core) queueNamed(name string) *queue {
	for _, q := range c.queues {
		if q.name == name {
			return q
		}
	}
	return nil
}

func (c *Core) agentNamed(id string) *agent {
	for _, a := range c.agents {
		if a.id == id {
			return a
		}
	}
	return nil
}

func (c *Core) pendingCallbacks(q *queue) int {
	n := 0
	for _, cb := range c.callbacks {
		if cb.queue == q {
			n++
		}
	}
	return n
}

// rebuildMembers sets every queue's members and every agent's queues from
// cfg. A removed queue keeps those of its members who are still configured,
// so its callers are served; a removed agent is nobody's member.
func (c *Core) rebuildMembers(cfg config.Config) {
	oldMembers := map[*queue][]routing.Member{}
	for _, q := range c.queues {
		if q.removed {
			oldMembers[q] = q.rs.Members
		}
		q.rs.Members = nil
	}
	for _, a := range c.agents {
		a.queues, a.penalty = nil, map[int32]int{}
	}
	for _, ac := range cfg.Agents {
		a := c.agentIdx[ac.ID]
		for _, m := range ac.Queues {
			q := c.queueIdx[m.Queue]
			a.penalty[q.idx] = m.Penalty
			q.rs.Members = append(q.rs.Members, routing.Member{Agent: a.idx, Penalty: m.Penalty, Tier: m.Tier, Order: len(q.rs.Members)})
			a.queues = append(a.queues, q)
		}
	}
	for q, members := range oldMembers {
		for _, m := range members {
			if a := c.agents[m.Agent]; !a.removed {
				m.Order = len(q.rs.Members)
				q.rs.Members = append(q.rs.Members, m)
				a.penalty[q.idx] = m.Penalty
				a.queues = append(a.queues, q)
			}
		}
	}
}

// resumeMenus sends callers whose place in the menus or flows is gone
// with the new config where their entry leads now: its menu or flow from
// the start, or its queue; a caller whose entry is gone too, or leads
// nowhere that exists, is let go (outcome failed) rather than left in a
// node that is no more.
func (c *Core) resumeMenus(now time.Time) {
	for _, id := range c.callIDs() {
		cl := c.calls[id]
		if cl.phase != acd.CallMenu || cl.flow.Done() || c.flow.Has(cl.flow.Node) {
			continue
		}
		// What the dropped node had going must not reach the next one: its
		// timer (taken for a timeout there), what it was hearing (taken for
		// an answer), a voicemail it was recording, its prompt.
		cl.gen[TimerMenu]++
		c.stopListening(cl)
		if cl.recording != "" && !cl.recStopped {
			c.do(Command{Op: OpStopRecording, Lane: cl.id, Name: cl.recording})
			cl.recording = ""
		}
		c.stopPlay(cl)
		t := c.entryTarget(cl.entry)
		switch {
		case t != nil && t.Queue != "" && c.queueIdx[t.Queue] != nil:
			c.warn(now, "reconfigure", "call %s: menu node %q is gone; sending it to its entry's queue %q", cl.id, cl.flow.Node, t.Queue)
		case t != nil && t.Queue == "" && t.Menu != "" && c.flow.Has(t.Menu):
			c.warn(now, "reconfigure", "call %s: menu node %q is gone; starting %q again", cl.id, cl.flow.Node, strings.TrimSuffix(t.Menu, "/"))
		default:
			c.warn(now, "reconfigure", "call %s: menu node %q is gone and its entry %q leads nowhere now; letting the caller go", cl.id, cl.flow.Node, cl.entry)
			c.leave(now, cl, nil, acd.OutcomeFailed, pbx.CauseNormal)
			continue
		}
		c.goTarget(now, cl, *t)
	}
}

// liveSettings are the settings of the speech, privacy and recordings
// sections a running daemon takes at a reload; their others apply at the
// next start.
var liveSettings = map[string]bool{"recordings.template": true, "speech.listen_silence": true, "privacy.spy_phones": true}

// changedSettings lists the settings of teams, reports, speech, privacy
// and recordings that differ: those taken at once (teams, reports and the
// live ones), and those that apply at the next start.
func changedSettings(old, cfg config.Config) (applied, restart []string) {
	if !reflect.DeepEqual(old.Teams, cfg.Teams) {
		applied = append(applied, "teams")
	}
	if !reflect.DeepEqual(old.Reports, cfg.Reports) {
		applied = append(applied, "reports")
	}
	for _, sec := range []struct {
		name     string
		old, new any
	}{{"speech", old.Speech, cfg.Speech}, {"privacy", old.Privacy, cfg.Privacy}, {"recordings", old.Recordings, cfg.Recordings}} {
		o, n := reflect.ValueOf(sec.old), reflect.ValueOf(sec.new)
		for i := range o.NumField() {
			f := o.Type().Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			name = cmp.Or(name, strings.ToLower(f.Name))
			if !f.IsExported() || name == "-" || reflect.DeepEqual(o.Field(i).Interface(), n.Field(i).Interface()) {
				continue
			}
			if key := sec.name + "." + name; liveSettings[key] {
				applied = append(applied, key)
			} else {
				restart = append(restart, key)
			}
		}
	}
	return applied, restart
}
