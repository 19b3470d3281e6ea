package api

import (
	"fmt"
	"net/http"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/store"
)

// campaignLeadRoutes are the campaigns page's reads of the lead list: its
// leads counted by state, and the whole list as CSV (as `hotline leads
// export` writes it).
func (s *Server) campaignLeadRoutes() {
	s.mux.HandleFunc("GET /api/v1/campaigns/{name}/lead-states", s.leadStates)
	s.mux.HandleFunc("GET /api/v1/campaigns/{name}/leads.csv", s.leadsCSV)
}

// leadsOf is the lead list of the request's campaign, once the campaign is
// known to be configured and one the user may read; else it writes the
// refusal and returns nil.
func (s *Server) leadsOf(w http.ResponseWriter, r *http.Request) LeadLister {
	name := r.PathValue("name")
	if _, err := engine.Send(r.Context(), s.eng, engine.CampaignControl{Campaign: name, Action: engine.CampaignStatusAction}); err != nil {
		s.fail(w, err)
		return nil
	}
	if t := s.teamOf(r); t != nil && !t.campaign(s.eng.Snapshot().Members, name) {
		writeJSON(w, http.StatusForbidden, Error{Error: errForbidden.Error() + ": campaign " + name + " is not worked in your teams (" + t.covers() + ")"})
		return nil
	}
	src, ok := s.rec.(LeadLister)
	if !ok {
		s.fail(w, fmt.Errorf("campaign %q: leads: %w", name, engine.ErrStopped))
		return nil
	}
	return src
}

// LeadStates is the answer of GET /api/v1/campaigns/{name}/lead-states.
type LeadStates struct {
	Campaign string         `json:"campaign"`
	Total    int            `json:"total"`
	States   map[string]int `json:"states"`   // by campaign.LeadState name; states with no lead are left out
	Due      int            `json:"due"`      // may be dialed now (new, scheduled or callback, its next attempt come)
	Answered int            `json:"answered"` // with survey answers
	// Skips are the campaign's preview skips by reason ("" none given,
	// "timeout" no agent decided); reasons never given are left out.
	Skips map[string]int `json:"skips,omitempty"`
}

// leadStates answers GET /api/v1/campaigns/{name}/lead-states. The store
// keeps the counts as leads change, so the answer costs the same for a
// campaign of a million leads as for one of ten.
func (s *Server) leadStates(w http.ResponseWriter, r *http.Request) {
	src := s.leadsOf(w, r)
	if src == nil {
		return
	}
	name := r.PathValue("name")
	c, err := src.LeadCounts(name, s.clock())
	if err != nil {
		s.fail(w, err)
		return
	}
	out := LeadStates{Campaign: name, Total: c.Total, States: map[string]int{}, Due: c.Due, Answered: c.Answered, Skips: c.Skips}
	for st, n := range c.States {
		if n > 0 {
			out.States[st.String()] = n
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// leadsCSV answers GET /api/v1/campaigns/{name}/leads.csv, as an
// attachment named after the campaign.
func (s *Server) leadsCSV(w http.ResponseWriter, r *http.Request) {
	src := s.leadsOf(w, r)
	if src == nil {
		return
	}
	name := r.PathValue("name")
	// Streamed, so a long list is not held: headers are sent with the
	// first row, after the columns were read.
	// An unreadable lead is left out (and logged), not the whole list.
	var skipped []*store.DecodeError
	each := func(fn func(campaign.Lead) bool) (err error) {
		skipped, err = store.Skipped(src.LeadsInOrder(name, fn))
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name+"-leads.csv"))
	if err := campaign.WriteCSV(w, each); err != nil {
		w.Header().Del("Content-Disposition")
		s.fail(w, err)
	}
	s.logSkipped(skipped)
}

// logSkipped logs the records a listing left out, unreadable.
func (s *Server) logSkipped(skipped []*store.DecodeError) {
	for _, de := range skipped {
		s.log.Warn().Err(de).Msg("unreadable record left out; hotline store check names it")
	}
}
