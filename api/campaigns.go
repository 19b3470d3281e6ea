package api

import (
	"net/http"

	"github.com/hotline-cc/hotline/acd/engine"
)

func (s *Server) campaignRoutes() {
	s.mux.HandleFunc("GET /api/v1/campaigns", s.campaigns)
	s.mux.HandleFunc("POST /api/v1/campaigns/{name}/{action}", s.campaignAction)
}

// campaigns answers GET /api/v1/campaigns: every configured campaign's state.
func (s *Server) campaigns(w http.ResponseWriter, r *http.Request) {
	list, err := engine.Send(r.Context(), s.eng, engine.GetCampaigns{})
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

// campaignAction answers POST /api/v1/campaigns/{name}/{action}: start,
// pause, resume, stop or status.
func (s *Server) campaignAction(w http.ResponseWriter, r *http.Request) {
	name, action := r.PathValue("name"), r.PathValue("action")
	switch action {
	case engine.CampaignStart, engine.CampaignPause, engine.CampaignResume, engine.CampaignStop, engine.CampaignStatusAction:
	default:
		s.fail(w, badRequest("unknown campaign action %q; known: start, pause, resume, stop, status", action))
		return
	}
	st, err := engine.Send(r.Context(), s.eng, engine.CampaignControl{Campaign: name, Action: action})
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}
