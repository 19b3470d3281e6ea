package api

import (
	"net/http"

	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/api/auth"
)

// view is what of the engine's live state a request's user may see: a
// supervisor with teams their teams' queues, agents, calls and campaigns;
// an agent no campaigns (their figures and controls are a supervisor's).
type view struct {
	team      *team // nil: every queue, agent, call and campaign
	campaigns bool
}

// viewOf is the request's view, nil when the user sees everything.
func (s *Server) viewOf(r *http.Request) *view {
	p := principalOf(r)
	t := s.teamFor(p)
	agent := p != nil && !p.role.Allows(auth.Supervisor)
	if t == nil && !agent {
		return nil
	}
	return &view{team: t, campaigns: !agent}
}

// snapshot is snap cut to the view; its frame is encoded for this reader
// alone (the shared one holds everything).
func (v *view) snapshot(snap *engine.Snapshot) *engine.Snapshot {
	if v.team == nil && len(snap.Campaigns) == 0 {
		return snap // nothing to cut: the shared encoding will do
	}
	st := snap.Status
	if v.team != nil {
		st = v.team.status(st)
	}
	if !v.campaigns {
		st.Campaigns = nil
	}
	return &engine.Snapshot{Seq: snap.Seq, Status: st}
}

// change reports whether the view shows ch, with members as of now.
func (v *view) change(members map[string][]string, ch *engine.Change) bool {
	if ch.Campaign != nil && !v.campaigns {
		return false
	}
	return v.team == nil || v.team.change(members, ch)
}
