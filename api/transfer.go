package api

import (
	"net/http"

	"github.com/hotline-cc/hotline/acd/engine"
)

// CallRequest is the body of POST /api/v1/agents/{id}/call/transfer: one of
// agent, queue or number, and attended for a consult first.
type CallRequest struct {
	Agent    string `json:"agent,omitempty"`
	Queue    string `json:"queue,omitempty"`
	Number   string `json:"number,omitempty"`
	Attended bool   `json:"attended,omitempty"`
}

// callAction answers POST /api/v1/agents/{id}/call/{action}: hold, unhold,
// transfer, complete or cancel (a consult) on the call the agent is on.
func (s *Server) callAction(w http.ResponseWriter, r *http.Request) {
	id, action := r.PathValue("id"), r.PathValue("action")
	var body CallRequest
	if err := decode(w, r, &body); err != nil {
		s.fail(w, err)
		return
	}
	for _, f := range []struct{ name, v string }{{"agent", body.Agent}, {"queue", body.Queue}, {"number", body.Number}} {
		if err := checkLen(f.name, f.v, MaxShort); err != nil {
			s.fail(w, err)
			return
		}
	}
	var req engine.RequestOf[engine.CallStatus]
	switch action {
	case "transfer":
		to := engine.TransferTo{Agent: body.Agent, Queue: body.Queue, Number: body.Number}
		if err := to.Check(); err != nil {
			s.fail(w, badRequest("body: %v", err))
			return
		}
		req = engine.Transfer{Agent: id, To: to, Attended: body.Attended}
	case "hold", "unhold", "complete", "cancel":
		if body != (CallRequest{}) {
			s.fail(w, badRequest("body: %s takes no fields", action))
			return
		}
		req = engine.CallControl{Agent: id, Action: engine.CallAction(action)}
	default:
		s.fail(w, badRequest("unknown call action %q; known: answer, hangup, hold, unhold, transfer, complete, cancel", action))
		return
	}
	st, err := engine.Send(r.Context(), s.eng, req)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}
