package api

import (
	"bytes"
	"iter"
	"net/http"
	"slices"
	"strings"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/report"
	"github.com/hotline-cc/hotline/api/auth"
	"github.com/hotline-cc/hotline/store"
)

// team is what a supervisor oversees: the queues and agents of the
// config's teams that name the user among their supervisors (see
// SetTeams), plus the queues of the user's own list (`hotline users add
// --team`, deprecated). Its agents are those listed and the members of its
// queues (from the running config); its calls those in its queues or with
// its agents; its campaigns those worked in its queues or by its agents.
// Admins, agents and supervisors in no team are not limited by it.
type team struct {
	names, queues, agents []string          // names: of the config's teams
	campaigns             []config.Campaign // every configured one; cut by campaign
}

// teamScope is what SetTeams keeps of the running config.
type teamScope struct {
	cfg config.Config // Teams and Campaigns only
}

// SetTeams makes the supervisors' scope that of cfg's teams (and its
// campaigns'); the daemon calls it at start and after every reload.
func (s *Server) SetTeams(cfg config.Config) {
	s.teams.Store(&teamScope{cfg: config.Config{Teams: cfg.Teams, Campaigns: cfg.Campaigns}})
}

// teamOf is the request's team; nil: not limited.
func (s *Server) teamOf(r *http.Request) *team { return s.teamFor(principalOf(r)) }

func (s *Server) teamFor(p *principal) *team {
	if p == nil || p.role != auth.Supervisor {
		return nil
	}
	t := &team{queues: slices.Clone(p.user.Teams)}
	if sc := s.teams.Load(); sc != nil {
		for _, tm := range sc.cfg.TeamsOf(p.user.Name) {
			t.names = append(t.names, tm.Name)
			t.queues = append(t.queues, tm.Queues...)
			t.agents = append(t.agents, tm.Agents...)
		}
		t.campaigns = sc.cfg.Campaigns
	}
	if len(t.queues)+len(t.agents) == 0 {
		return nil
	}
	// The queues of the team's campaigns' own agents are the team's too.
	members := s.eng.Snapshot().Members
	for _, c := range t.campaigns {
		if t.campaign(members, c.Name) {
			t.queues = append(t.queues, engine.CampaignQueue(c.Name))
		}
	}
	return t
}

// covers says what the team covers, for a refusal: its queues, its
// agents and its campaigns, each kind named.
func (t *team) covers() string {
	var queues, camps []string
	for _, q := range t.queues {
		if c, ok := strings.CutPrefix(q, engine.CampaignQueue("")); ok {
			camps = append(camps, c)
		} else if !slices.Contains(queues, q) {
			queues = append(queues, q)
		}
	}
	var parts []string
	for _, p := range []struct {
		kind  string
		names []string
	}{{"queues", queues}, {"agents", t.agents}, {"campaigns", camps}} {
		if len(p.names) > 0 {
			parts = append(parts, p.kind+" "+strings.Join(p.names, ", "))
		}
	}
	return strings.Join(parts, "; ")
}

// onlyQueue is the team's one configured queue (its campaigns' own left
// out), "" when it has none or several.
func (t *team) onlyQueue() string {
	var own []string
	for _, q := range t.queues {
		if !strings.HasPrefix(q, engine.CampaignQueue("")) && !slices.Contains(own, q) {
			own = append(own, q)
		}
	}
	if len(own) != 1 {
		return ""
	}
	return own[0]
}

func (t *team) queue(name string) bool { return slices.Contains(t.queues, name) }

// agent reports whether the agent is one of the team's: listed, or a
// member of one of its queues.
func (t *team) agent(members map[string][]string, id string) bool {
	return slices.Contains(t.agents, id) || slices.ContainsFunc(members[id], t.queue)
}

// campaign reports whether the campaign is one of the team's (its team:),
// or is worked in the team's queues or by its agents (listed on the
// campaign or members of its queues); one not configured (any more) is not
// the team's.
func (t *team) campaign(members map[string][]string, name string) bool {
	i := slices.IndexFunc(t.campaigns, func(c config.Campaign) bool { return c.Name == name })
	if i < 0 {
		return false
	}
	c := t.campaigns[i]
	if c.Team != "" && slices.Contains(t.names, c.Team) || slices.ContainsFunc(c.Queues, t.queue) || slices.ContainsFunc(c.Agents, func(a string) bool { return t.agent(members, a) }) {
		return true
	}
	for id, queues := range members {
		if slices.ContainsFunc(queues, func(q string) bool { return slices.Contains(c.Queues, q) }) && t.agent(members, id) {
			return true
		}
	}
	return false
}

// record reports whether a stored call was in the team's queues or taken
// by one of its agents.
func (t *team) record(members map[string][]string, rec *store.CallRecord) bool {
	if t.queue(rec.Queue) || rec.Agent != "" && t.agent(members, rec.Agent) {
		return true
	}
	if camp, ok := strings.CutPrefix(rec.Entry, "campaign:"); ok && t.campaign(members, camp) {
		// A dial of one of the team's campaigns, from its start (ringing,
		// before any queue or agent is on its record).
		return true
	}
	// A transferred or overflowed call is also the team's when it waited
	// in one of its queues or one of its agents had a leg of it, as the
	// calls list's queue and agent filters count it (store.Filter).
	for _, s := range rec.Timeline {
		if (s.Kind == "enqueue" || s.Kind == "requeue") && t.queue(s.Detail) {
			return true
		}
	}
	return slices.ContainsFunc(rec.Legs, func(l store.Leg) bool {
		return l.Agent != "" && t.agent(members, l.Agent) || l.Queue != "" && t.queue(l.Queue)
	})
}

// recording reports whether one of rec's recordings (rec being the
// team's) is of a leg the team had: one taken by its agent or in its
// queue. A recording whose leg is not known is the call's, the team's.
func (t *team) recording(members map[string][]string, rec *store.CallRecord, one *store.Recording) bool {
	if one.Agent != "" && t.agent(members, one.Agent) {
		return true
	}
	if one.Leg < 1 || one.Leg > len(rec.Legs) {
		return one.Agent == "" || len(rec.Legs) == 0 && t.record(members, rec)
	}
	l := rec.Legs[one.Leg-1]
	return l.Queue != "" && t.queue(l.Queue) || l.Agent != "" && t.agent(members, l.Agent)
}

// records yields those of recs that are the team's (see record).
func (t *team) records(members map[string][]string, recs iter.Seq2[store.CallRecord, error]) iter.Seq2[store.CallRecord, error] {
	return func(yield func(store.CallRecord, error) bool) {
		for rec, err := range recs {
			if (err != nil || t.record(members, &rec)) && !yield(rec, err) {
				return
			}
		}
	}
}

func (t *team) call(members map[string][]string, c *engine.CallStatus) bool {
	return t.queue(c.Queue) || c.Agent != "" && t.agent(members, c.Agent)
}

// status is st with only the team's queues, agents, calls and campaigns.
func (t *team) status(st engine.Status) engine.Status {
	out := st
	out.Queues = slices.DeleteFunc(slices.Clone(st.Queues), func(q engine.QueueStatus) bool { return !t.queue(q.Name) })
	out.Agents = slices.DeleteFunc(slices.Clone(st.Agents), func(a engine.AgentStatus) bool { return !t.agent(st.Members, a.ID) })
	out.Calls = slices.DeleteFunc(slices.Clone(st.Calls), func(c engine.CallStatus) bool { return !t.call(st.Members, &c) })
	out.Campaigns = slices.DeleteFunc(slices.Clone(st.Campaigns), func(c engine.CampaignStatus) bool { return !t.campaign(st.Members, c.Name) })
	out.Monitors = slices.DeleteFunc(slices.Clone(st.Monitors), func(m engine.Monitor) bool { return !t.agent(st.Members, m.Agent) })
	out.Members = map[string][]string{}
	for _, a := range out.Agents {
		out.Members[a.ID] = st.Members[a.ID]
	}
	return out
}

// change reports whether the team sees ch, with members as of now.
func (t *team) change(members map[string][]string, ch *engine.Change) bool {
	switch {
	case ch.Queue != nil:
		return t.queue(ch.Queue.Name)
	case ch.Agent != nil:
		return t.agent(members, ch.Agent.ID)
	case ch.Call != nil:
		return t.call(members, ch.Call)
	case ch.Campaign != nil:
		return t.campaign(members, ch.Campaign.Name)
	case ch.Monitor != nil:
		return t.agent(members, ch.Monitor.Agent)
	}
	return true
}

// report cuts rep to the team's queues, agents and campaigns.
// queueLog keeps the queue_log lines (EPOCH|CALLID|QUEUE|AGENT|EVENT|...)
// of the team's queues, and those of no queue (NONE) of its agents.
func (t *team) queueLog(log []byte, members map[string][]string) []byte {
	var out []byte
	for line := range bytes.Lines(log) {
		f := strings.SplitN(string(line), "|", 5)
		if len(f) == 5 && (t.queue(f[2]) || f[2] == "NONE" && t.agent(members, f[3])) {
			out = append(out, line...)
		}
	}
	return out
}

func (t *team) report(rep *report.Report, members map[string][]string) {
	report.CutRows(rep, t.queue, func(id string) bool { return t.agent(members, id) }, func(name string) bool { return t.campaign(members, name) })
}
