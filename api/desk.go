package api

import (
	"net/http"

	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/api/auth"
)

// The desk's answer and hang-up: an agent on their own call, supervisors
// and admins on any (a team supervisor on their teams' agents).
func init() {
	for pattern, summary := range map[string]string{
		"POST /api/v1/agents/{id}/call/answer": "Answer the call offered to the agent, from the desk (answer: desk calls the agent's phone with auto-answer)",
		"POST /api/v1/agents/{id}/call/hangup": "Hang up the agent's call (caller and agent legs; the agent goes to wrap-up), or decline it while it rings; during a consult the caller goes to the target (attended once it answered, else blind)",
	} {
		routeAccess[pattern] = access{role: auth.Agent, own: true}
		routeSummary[pattern] = summary
	}
}

func (s *Server) deskRoutes() {
	s.mux.HandleFunc("POST /api/v1/agents/{id}/call/answer", s.deskCall(func(agent, by string) engine.RequestOf[engine.CallStatus] {
		return engine.AnswerCall{Agent: agent, By: by}
	}))
	s.mux.HandleFunc("POST /api/v1/agents/{id}/call/hangup", s.deskCall(func(agent, by string) engine.RequestOf[engine.CallStatus] {
		return engine.HangUp{Agent: agent, By: by}
	}))
}

// deskCall answers a desk request on the agent's call; it takes no body
// and answers the call's status after it.
func (s *Server) deskCall(req func(agent, by string) engine.RequestOf[engine.CallStatus]) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body struct{}
		if err := decode(w, r, &body); err != nil {
			s.fail(w, err)
			return
		}
		by := ""
		if p := principalOf(r); p != nil {
			by = p.user.Name
		}
		st, err := engine.Send(r.Context(), s.eng, req(r.PathValue("id"), by))
		if err != nil {
			s.fail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, st)
	}
}
