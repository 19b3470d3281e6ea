package api

import (
	"cmp"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/store"
)

// DNCStore keeps do-not-call lists; *store.DB has it. Campaigns read the
// same lists as they read leads, and the engine is told of numbers added
// here (engine.OptOut), so a change applies to the next dial.
type DNCStore interface {
	AddDNC(entries []store.DNCEntry) (int, error)
	RemoveDNC(list, phone string) (bool, error)
	DNCList(list string, fn func(store.DNCEntry) bool) error
}

var _ DNCStore = (*store.DB)(nil)

// A page of GET /api/v1/dnc/{list}: DefaultDNCPage entries unless limit
// asks for another count, at most MaxDNCList.
const (
	DefaultDNCPage = 5000
	MaxDNCList     = 5000
)

func (s *Server) dncRoutes() {
	s.mux.HandleFunc("GET /api/v1/dnc/{list}", s.dncList)
	s.mux.HandleFunc("POST /api/v1/dnc/{list}", s.dncAdd)
	s.mux.HandleFunc("DELETE /api/v1/dnc/{list}/{phone}", s.dncRemove)
}

func (s *Server) dncStore(w http.ResponseWriter) DNCStore {
	d, ok := s.rec.(DNCStore)
	if !ok {
		writeJSON(w, http.StatusNotImplemented, Error{Error: "this daemon keeps no do-not-call lists"})
	}
	return d
}

// DNCListing is the answer of GET /api/v1/dnc/{list}: a page of the list,
// in number order; when there are more, a Link header (rel="next") gives
// the next page.
type DNCListing struct {
	List      string           `json:"list"`
	Entries   []store.DNCEntry `json:"entries"`
	Truncated bool             `json:"truncated,omitempty"` // more than this page: see the Link header
}

func (s *Server) dncList(w http.ResponseWriter, r *http.Request) {
	d := s.dncStore(w)
	if d == nil {
		return
	}
	q := r.URL.Query()
	page, offset, err := parsePage(q, DefaultDNCPage, MaxDNCList)
	if err != nil {
		s.fail(w, err)
		return
	}
	out := DNCListing{List: r.PathValue("list"), Entries: []store.DNCEntry{}}
	skip, seen := offset, false
	err = d.DNCList(out.List, func(e store.DNCEntry) bool {
		seen = true
		if skip > 0 {
			skip--
			return true
		}
		if len(out.Entries) == page {
			out.Truncated = true
			return false
		}
		out.Entries = append(out.Entries, e)
		return true
	})
	if err != nil {
		s.fail(w, err)
		return
	}
	if !seen {
		// An empty list no campaign has is a typo; a removed campaign's
		// list that still holds numbers is shown.
		if err := s.knownDNCList(r, out.List); err != nil {
			s.fail(w, err)
			return
		}
	}
	if out.Truncated {
		q.Set("offset", strconv.Itoa(offset+page))
		q.Set("limit", strconv.Itoa(page))
		setNextLink(w, r.URL.Path, q)
	}
	writeJSON(w, http.StatusOK, out)
}

// DNCRequest is the body of POST /api/v1/dnc/{list}: numbers in E.164, or
// as people write them in Region (default US).
type DNCRequest struct {
	Phones []string `json:"phones"`
	Region string   `json:"region,omitempty"`
}

func (s *Server) dncAdd(w http.ResponseWriter, r *http.Request) {
	d := s.dncStore(w)
	if d == nil {
		return
	}
	var body DNCRequest
	if err := decode(w, r, &body); err != nil {
		s.fail(w, err)
		return
	}
	list := r.PathValue("list")
	if err := s.knownDNCList(r, list); err != nil {
		s.fail(w, err)
		return
	}
	if len(body.Phones) == 0 || len(body.Phones) > 1000 {
		s.fail(w, badRequest("body: field \"phones\" wants 1 to 1000 numbers"))
		return
	}
	region := cmp.Or(body.Region, "US")
	if err := campaign.CheckRegion(region); err != nil {
		s.fail(w, badRequest("body: field \"region\": %v", err))
		return
	}
	who := "API"
	if p := principalOf(r); p != nil {
		who = "API (" + p.user.Name + ")"
	}
	entries := make([]store.DNCEntry, 0, len(body.Phones))
	var bad []string
	seen := make(map[string]bool, len(body.Phones))
	dups := 0 // numbers given again in this body (as written or otherwise): listed once, not already listed
	for i, raw := range body.Phones {
		e164, _, err := campaign.NormalizePhone(strings.TrimSpace(raw), region)
		if err != nil {
			bad = append(bad, fmt.Sprintf("phones[%d]: %v", i, err))
			continue
		}
		if seen[e164] {
			dups++
			continue
		}
		seen[e164] = true
		entries = append(entries, store.DNCEntry{List: list, Phone: e164, Added: s.clock().UTC(), Source: who})
	}
	if len(bad) > 0 {
		s.fail(w, badRequest("%s", strings.Join(bad, "; ")))
		return
	}
	noteAudit(r, fmt.Sprintf("dnc %s: %d numbers", list, len(entries)))
	added, err := d.AddDNC(entries)
	if err != nil {
		s.fail(w, err)
		return
	}
	// Leads read ahead hold the verdicts of before: the engine marks those
	// of these numbers so that none is dialed.
	phones := make([]string, len(entries))
	for i, e := range entries {
		phones[i] = e.Phone
	}
	if _, err := engine.Send(r.Context(), s.eng, engine.OptOut{List: list, Phones: phones}); err != nil {
		s.fail(w, fmt.Errorf("the numbers are listed, but the running campaigns were not told (leads they read before may still be dialed): %w", err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"added": added, "already_listed": len(entries) - added, "duplicates": dups})
}

// knownDNCList refuses a list to add to that is neither the global list
// nor a configured campaign's: no campaign would read it.
func (s *Server) knownDNCList(r *http.Request, list string) error {
	camps, err := engine.Send(r.Context(), s.eng, engine.GetCampaigns{})
	if err != nil {
		return err
	}
	known := []string{store.GlobalDNC}
	for _, c := range camps {
		if c.Name == list {
			return nil
		}
		known = append(known, c.Name)
	}
	if list == store.GlobalDNC {
		return nil
	}
	return fmt.Errorf("do-not-call list %q: no campaign has it; known: %s: %w", list, strings.Join(known, ", "), store.ErrNotFound)
}

func (s *Server) dncRemove(w http.ResponseWriter, r *http.Request) {
	d := s.dncStore(w)
	if d == nil {
		return
	}
	// Taken off as it was put on: in E.164 or as written in ?region.
	list := r.PathValue("list")
	region := cmp.Or(r.URL.Query().Get("region"), "US")
	if r.URL.Query().Has("region") && strings.TrimSpace(r.URL.Query().Get("region")) == "" {
		s.fail(w, badRequest("query parameter \"region\" is empty: give a country code (US, GB, ...) or leave it out for US"))
		return
	}
	if err := campaign.CheckRegion(region); err != nil {
		s.fail(w, badRequest("query parameter \"region\": %v", err))
		return
	}
	phone, _, err := campaign.NormalizePhone(strings.TrimSpace(r.PathValue("phone")), region)
	if err != nil {
		s.fail(w, badRequest("%v", err))
		return
	}
	removed, err := d.RemoveDNC(list, phone)
	if err != nil {
		s.fail(w, err)
		return
	}
	if !removed {
		if err := s.knownDNCList(r, list); err != nil {
			s.fail(w, err) // a typo of the list, not a number missing from it
			return
		}
		s.fail(w, fmt.Errorf("%s is not on do-not-call list %q: %w", phone, list, store.ErrNotFound))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"removed": phone, "list": list})
}
