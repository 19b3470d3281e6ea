package api

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/engine"
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
}

// leadStates answers GET /api/v1/campaigns/{name}/lead-states (?fresh=1:
// counted now, not shared; a page asks so after an import).
func (s *Server) leadStates(w http.ResponseWriter, r *http.Request) {
	src := s.leadsOf(w, r)
	if src == nil {
		return
	}
	out, err := s.leadTally.count(src, r.PathValue("name"), time.Now(), r.URL.Query().Get("fresh") == "1")
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// LeadStatesFresh is how long a campaign's lead counts are shared at least.
const LeadStatesFresh = 2 * time.Second

// leadTally shares campaigns' lead counts between the pages that show
// them: counting reads every lead (a second for 200,000 on a busy 2-core
// machine), so a count is reused while younger than LeadStatesFresh or
// four times what it took, whichever is longer, and readers of a
// campaign being counted wait for that count. Open pages then cost the
// store at most about a fifth of a core per campaign, however many.
type leadTally struct {
	mu     sync.Mutex // guards byCamp
	byCamp map[string]*leadCount
}

type leadCount struct {
	mu   sync.Mutex // held while counting
	at   time.Time
	took time.Duration
	v    LeadStates
}

func (t *leadTally) count(src LeadLister, name string, now time.Time, fresh bool) (LeadStates, error) {
	t.mu.Lock()
	if t.byCamp == nil {
		t.byCamp = map[string]*leadCount{}
	}
	c := t.byCamp[name]
	if c == nil {
		c = &leadCount{}
		t.byCamp[name] = c
	}
	t.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if !fresh && !c.at.IsZero() && now.Sub(c.at) < max(LeadStatesFresh, 4*c.took) {
		return c.v, nil
	}
	start := time.Now()
	out := LeadStates{Campaign: name, States: map[string]int{}}
	err := src.CampaignLeads(name, func(l campaign.Lead) bool {
		out.Total++
		out.States[l.State.String()]++
		if l.State.Dialable() && !l.NextAttempt.After(now) {
			out.Due++
		}
		if len(l.Answers) > 0 {
			out.Answered++
		}
		return true
	})
	if err != nil {
		return LeadStates{}, err
	}
	c.v, c.at, c.took = out, now, time.Since(start)
	return out, nil
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
	each := func(fn func(campaign.Lead) bool) error { return src.LeadsInOrder(name, fn) }
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name+"-leads.csv"))
	if err := campaign.WriteCSV(w, each); err != nil {
		w.Header().Del("Content-Disposition")
		s.fail(w, err)
	}
}
