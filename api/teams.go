package api

import (
	"net/http"
	"slices"

	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/report"
	"github.com/hotline-cc/hotline/api/auth"
)

// team is what a supervisor with teams (the queues they oversee, set with
// `hotline users add --team` or on the admin page) sees and acts on: those
// queues, the agents who are members of any of them (from the running
// config), and the live calls in those queues or with those agents. Admins,
// agents and supervisors without teams are not limited by it.
type team struct {
	queues []string
}

// teamOf is the request's team; nil: not limited.
func teamOf(r *http.Request) *team {
	p := principalOf(r)
	if p == nil || p.role != auth.Supervisor || len(p.user.Teams) == 0 {
		return nil
	}
	return &team{queues: p.user.Teams}
}

func (t *team) queue(name string) bool { return slices.Contains(t.queues, name) }

// agent reports whether the agent is a member of one of the team's queues.
func (t *team) agent(members map[string][]string, id string) bool {
	return slices.ContainsFunc(members[id], t.queue)
}

func (t *team) call(members map[string][]string, c *engine.CallStatus) bool {
	return t.queue(c.Queue) || c.Agent != "" && t.agent(members, c.Agent)
}

// status is st with only the team's queues, agents and calls.
func (t *team) status(st engine.Status) engine.Status {
	out := st
	out.Queues = slices.DeleteFunc(slices.Clone(st.Queues), func(q engine.QueueStatus) bool { return !t.queue(q.Name) })
	out.Agents = slices.DeleteFunc(slices.Clone(st.Agents), func(a engine.AgentStatus) bool { return !t.agent(st.Members, a.ID) })
	out.Calls = slices.DeleteFunc(slices.Clone(st.Calls), func(c engine.CallStatus) bool { return !t.call(st.Members, &c) })
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
	}
	return true
}

// snapshot is snap cut to the team; its frame is encoded for this stream
// alone (the shared one holds everything).
func (t *team) snapshot(snap *engine.Snapshot) *engine.Snapshot {
	return &engine.Snapshot{Seq: snap.Seq, Status: t.status(snap.Status)}
}

// report cuts rep to the team's queues and their member agents (campaign
// rows are kept: campaigns are not per queue).
func (t *team) report(rep *report.Report, members map[string][]string) {
	for _, rows := range []*report.Rows{&rep.Rows, &rep.Totals} {
		rows.Queues = slices.DeleteFunc(rows.Queues, func(r report.QueueRow) bool { return !t.queue(r.Queue) })
		rows.Agents = slices.DeleteFunc(rows.Agents, func(r report.AgentRow) bool { return !t.agent(members, r.Agent) })
		rows.Dispositions = slices.DeleteFunc(rows.Dispositions, func(r report.DispositionRow) bool { return !t.queue(r.Queue) })
	}
}
