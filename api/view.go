package api

import (
	"net/http"
	"slices"

	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/api/auth"
)

// view is what of the engine's live state a request's user may see: a
// supervisor with teams their teams' queues, agents, calls and campaigns;
// an agent no campaigns (their figures and controls are a supervisor's),
// only the live calls they are rung for or on (another caller's number,
// IVR path and contact are not theirs to read; the call records are a
// supervisor's too), and no other agent's preview lead (its number, name,
// fields and notes are that agent's to dial).
//
// A view is made per request; on an event stream it follows the agent's
// current call from the agent changes it passes, which the hub sends
// before the call changes of the same state.
type view struct {
	team      *team // nil: every queue, agent, call and campaign
	campaigns bool

	agent  string          // the agent user's agent; "" for supervisors and admins
	ownly  bool            // calls: only agent's
	onCall string          // the call agent is rung for or on, as last seen
	shown  map[string]bool // calls shown to the agent and not ended yet
}

// viewOf is the request's view, nil when the user sees everything.
func (s *Server) viewOf(r *http.Request) *view {
	p := principalOf(r)
	t := s.teamFor(p)
	agent := p != nil && !p.role.Allows(auth.Supervisor)
	if t == nil && !agent {
		return nil
	}
	v := &view{team: t, campaigns: !agent, ownly: agent}
	if agent {
		v.agent = p.user.Agent
	}
	return v
}

// snapshot is snap cut to the view; its frame is encoded for this reader
// alone (the shared one holds everything).
func (v *view) snapshot(snap *engine.Snapshot) *engine.Snapshot {
	if v.team == nil && !v.ownly && len(snap.Campaigns) == 0 {
		return snap // nothing to cut: the shared encoding will do
	}
	st := snap.Status
	if v.team != nil {
		st = v.team.status(st)
	}
	if !v.campaigns {
		st.Campaigns = nil
	}
	if v.ownly {
		st.Monitors = nil // who listens in is not the agent's to know
	}
	if v.ownly {
		v.onCall = ""
		if i := slices.IndexFunc(st.Agents, func(a engine.AgentStatus) bool { return a.ID == v.agent }); i >= 0 {
			v.onCall = st.Agents[i].Call
		}
		st.Calls = slices.DeleteFunc(slices.Clone(st.Calls), func(c engine.CallStatus) bool { return !v.own(&c) })
		st.Agents = slices.Clone(st.Agents)
		for i := range st.Agents {
			if st.Agents[i].ID != v.agent {
				st.Agents[i].Preview = nil
			}
		}
		v.shown = map[string]bool{}
		for _, c := range st.Calls {
			v.shown[c.ID] = true
		}
	}
	return &engine.Snapshot{Seq: snap.Seq, Status: st}
}

// own reports whether the agent is rung for or on c.
func (v *view) own(c *engine.CallStatus) bool {
	return v.agent != "" && (c.Agent == v.agent || c.ID == v.onCall)
}

// change reports whether the view shows ch, with members as of now.
func (v *view) change(members map[string][]string, ch *engine.Change) bool {
	if ch.Campaign != nil && !v.campaigns || ch.Monitor != nil && v.ownly {
		return false
	}
	if v.ownly {
		if ch.Agent != nil && ch.Agent.ID == v.agent && ch.Kind == engine.ChangeAgent {
			v.onCall = ch.Agent.Call
		}
		if ch.Call != nil && !v.ownCall(ch) {
			return false
		}
		if a := ch.Agent; a != nil && a.ID != v.agent && a.Preview != nil {
			cut := *a
			cut.Preview = nil
			*ch = ch.Apart()
			ch.Agent = &cut
		}
	}
	return v.team == nil || v.team.change(members, ch)
}

// ownCall reports whether a call change is the agent's: its call, or the
// end of a call it was shown (so that the desk forgets it).
func (v *view) ownCall(ch *engine.Change) bool {
	if v.shown == nil {
		v.shown = map[string]bool{}
	}
	id := ch.Call.ID
	if ch.Kind == engine.ChangeCallEnded {
		was := v.shown[id]
		delete(v.shown, id)
		return was || v.own(ch.Call)
	}
	if v.own(ch.Call) {
		v.shown[id] = true
		return true
	}
	return false
}
