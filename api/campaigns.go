package api

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/api/auth"
	"github.com/hotline-cc/hotline/store"
)

// Preview mode's routes: an agent reads the lead shown to them and dials
// or skips it.
func init() {
	for pattern, acc := range map[string]access{
		"GET /api/v1/agents/{id}/preview":             {role: auth.Agent, own: true},
		"POST /api/v1/agents/{id}/preview/{decision}": {role: auth.Agent, own: true},
	} {
		routeAccess[pattern] = acc
	}
	routeSummary["GET /api/v1/agents/{id}/preview"] = "Preview mode: the lead shown to the agent (campaign, lead with its fields and attempts, expiry)"
	routeSummary["POST /api/v1/agents/{id}/preview/{decision}"] = "Preview mode: dial or skip the lead shown to the agent; a skip may send {reason, note}: one of the campaign's skip_reasons (required if it says so) and up to 200 characters of the agent's own"
	routeAccess["GET /api/v1/campaigns/{name}/leads"] = access{role: auth.Supervisor}
	routeAccess["GET /api/v1/campaigns/{name}/leads/{id}"] = access{role: auth.Supervisor}
	routeSummary["GET /api/v1/campaigns/{name}/leads/{id}"] = "One lead of a campaign as it stands: state, attempts, fields, answers and the preview skips it keeps (skip_history)"
	routeSummary["GET /api/v1/campaigns/{name}/leads"] = "A campaign's leads with their state, disposition and survey answers in import order, a page at a time (?answered=1: those with answers; ?limit=N, default 100, at most 1000; ?offset=N; Link rel=\"next\")"
}

func (s *Server) campaignRoutes() {
	s.mux.HandleFunc("GET /api/v1/campaigns", s.campaigns)
	s.mux.HandleFunc("POST /api/v1/campaigns/{name}/{action}", s.campaignAction)
	s.mux.HandleFunc("POST /api/v1/campaigns/{name}/leads", s.importLeads)
	s.mux.HandleFunc("GET /api/v1/campaigns/{name}/leads", s.campaignLeads)
	s.mux.HandleFunc("GET /api/v1/campaigns/{name}/leads/{id}", s.campaignLead)
	s.campaignLeadRoutes()
	s.mux.HandleFunc("GET /api/v1/agents/{id}/preview", s.answer(s.preview))
	s.mux.HandleFunc("POST /api/v1/agents/{id}/preview/{decision}", s.answer(s.previewDecision))
}

// Preview is the answer of the preview routes: the agent and the lead
// shown to them, in the shape of the screen pop (GET /api/v1/agents/{id}/offer).
type Preview struct {
	Agent   string              `json:"agent"`
	Preview *engine.LeadPreview `json:"preview"`
}

// preview answers GET /api/v1/agents/{id}/preview from the published
// snapshot: the engine never waits on it.
func (s *Server) preview(_ http.ResponseWriter, r *http.Request) (any, error) {
	id := r.PathValue("id")
	for _, a := range s.eng.Snapshot().Agents {
		if a.ID != id {
			continue
		}
		if a.Preview == nil {
			return nil, fmt.Errorf("agent %q: no lead is shown: %w", id, store.ErrNotFound)
		}
		return Preview{Agent: id, Preview: a.Preview}, nil
	}
	return nil, fmt.Errorf("agent %q: %w", id, engine.ErrUnknownAgent)
}

// SkipBody is the optional body of POST /api/v1/agents/{id}/preview/skip:
// one of the campaign's skip_reasons and a note of the agent's own.
type SkipBody struct {
	Reason string `json:"reason,omitempty"`
	Note   string `json:"note,omitempty"`
}

// previewDecision answers POST /api/v1/agents/{id}/preview/{dial|skip}.
// A skip's reason and note are checked against the campaign's (400 naming
// the field).
func (s *Server) previewDecision(w http.ResponseWriter, r *http.Request) (any, error) {
	id, decision := r.PathValue("id"), r.PathValue("decision")
	if decision != "dial" && decision != "skip" {
		return nil, badRequest("unknown preview decision %q; known: dial, skip", decision)
	}
	var body SkipBody
	if err := decode(w, r, &body); err != nil {
		return nil, err
	}
	if decision == "dial" && body != (SkipBody{}) {
		return nil, badRequest("body: a dial takes no reason or note; a skip does")
	}
	p, err := engine.Send(r.Context(), s.eng, engine.PreviewDecision{Agent: id, Dial: decision == "dial", Reason: body.Reason, Note: body.Note})
	if errors.Is(err, campaign.ErrBadSkip) {
		return nil, badRequest("body: %v", err)
	}
	if err != nil {
		return nil, err
	}
	return Preview{Agent: id, Preview: &p}, nil
}

// campaigns answers GET /api/v1/campaigns: every configured campaign's
// state (a supervisor with teams: their teams' campaigns').
func (s *Server) campaigns(w http.ResponseWriter, r *http.Request) {
	list, err := engine.Send(r.Context(), s.eng, engine.GetCampaigns{})
	if err != nil {
		s.fail(w, err)
		return
	}
	if t := s.teamOf(r); t != nil {
		members := s.eng.Snapshot().Members
		list = slices.DeleteFunc(list, func(c engine.CampaignStatus) bool { return !t.campaign(members, c.Name) })
	}
	writeJSON(w, http.StatusOK, list)
}

// CampaignAnswer is the answer of a campaign action: the campaign's
// status, and whether the action found it already in the state it asks for
// (pausing a paused campaign, resuming or starting a running one, stopping
// a stopped one), which changes nothing and is not an error.
type CampaignAnswer struct {
	engine.CampaignStatus
	Unchanged bool `json:"unchanged,omitempty"`
}

// actionState is the state each campaign action leaves a campaign in.
var actionState = map[string]engine.CampaignState{
	engine.CampaignStart: engine.CampaignRunning, engine.CampaignResume: engine.CampaignRunning,
	engine.CampaignPause: engine.CampaignPaused, engine.CampaignStop: engine.CampaignStopped,
}

// campaignAction answers POST /api/v1/campaigns/{name}/{action}: start,
// pause, resume, stop or status.
func (s *Server) campaignAction(w http.ResponseWriter, r *http.Request) {
	name, action := r.PathValue("name"), r.PathValue("action")
	var none struct{} // an action takes no fields: {"reason": ...} was taken and dropped
	if err := decode(w, r, &none); err != nil {
		s.fail(w, err)
		return
	}
	want, change := actionState[action]
	if !change && action != engine.CampaignStatusAction {
		s.fail(w, badRequest("unknown campaign action %q; known: start, pause, resume, stop, status", action))
		return
	}
	var before engine.CampaignStatus
	if change {
		var err error
		if before, err = engine.Send(r.Context(), s.eng, engine.CampaignControl{Campaign: name, Action: engine.CampaignStatusAction}); err != nil {
			s.fail(w, err)
			return
		}
	}
	st, err := engine.Send(r.Context(), s.eng, engine.CampaignControl{Campaign: name, Action: action})
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, CampaignAnswer{CampaignStatus: st, Unchanged: change && before.State == want})
}

// LeadImporter imports lead lists into the store; *store.DB is one.
type LeadImporter interface {
	BeginLeadImport(camp string) (*store.LeadImport, error)
}

var _ LeadImporter = (*store.DB)(nil)

// MaxLeadFile is the largest CSV body POST /api/v1/campaigns/{name}/leads
// reads.
const MaxLeadFile = 256 << 20

// MaxLeadErrors is the most refused rows the answer of an import lists;
// errors_total counts them all.
const MaxLeadErrors = 1000

// LeadImport is the answer of POST /api/v1/campaigns/{name}/leads.
type LeadImport struct {
	// DryRun: nothing was stored; Imported is what the import would store.
	DryRun           bool           `json:"dry_run,omitempty"`
	Rows             int            `json:"rows"`
	Imported         int            `json:"imported"`
	DuplicatesInFile int            `json:"duplicates_in_file"`
	AlreadyThere     int            `json:"duplicates_in_campaign"`
	Errors           []LeadRowError `json:"errors,omitempty"`
	ErrorsTotal      int            `json:"errors_total,omitempty"`
}

// LeadRowError is one refused row.
type LeadRowError struct {
	Row    int    `json:"row"`
	Column string `json:"column,omitempty"`
	Error  string `json:"error"`
}

// importLeads answers POST /api/v1/campaigns/{name}/leads: a CSV lead list
// as the body (header row; ?region=US, the default, for numbers without a
// country code, ?map=phone=Tel,name=Name for the columns). Rows with errors
// are skipped and listed; a file that cannot be read imports nothing. The
// body is read and stored a batch at a time, as the CLI does, so memory
// does not grow with the list; one import into a campaign runs at a time
// (another is a 409). ?dry_run=1 counts what the import would do and
// stores nothing (hotline leads import --dry-run while serve runs).
func (s *Server) importLeads(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	imp, ok := s.rec.(LeadImporter)
	if !ok {
		s.fail(w, fmt.Errorf("lead import: %w", engine.ErrStopped))
		return
	}
	if _, err := engine.Send(r.Context(), s.eng, engine.CampaignControl{Campaign: name, Action: engine.CampaignStatusAction}); err != nil {
		s.fail(w, err)
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data" || mt == "application/json" {
		// curl -d drops the file's line breaks, -F wraps it in a form:
		// read as CSV, either is a header alone, nothing imported.
		writeJSON(w, http.StatusUnsupportedMediaType, Error{Error: fmt.Sprintf("Content-Type %s: send the CSV file itself as the body, "+
			"Content-Type text/csv (curl --data-binary @FILE -H 'Content-Type: text/csv')", mt)})
		return
	}
	q := r.URL.Query() // checked against routeQuery
	var pairs []string
	for _, m := range q["map"] { // ?map=phone=Tel&map=name=Name as ?map=phone=Tel,name=Name
		if m != "" {
			pairs = append(pairs, strings.Split(m, ",")...)
		}
	}
	mapping, err := campaign.ParseMap(pairs)
	if err != nil {
		s.fail(w, badRequest("map: %v", err))
		return
	}
	if q.Has("region") && strings.TrimSpace(q.Get("region")) == "" {
		s.fail(w, badRequest("query parameter \"region\" is empty: give a country code (US, GB, ...) or leave it out for US"))
		return
	}
	opts := campaign.ImportOptions{Campaign: name, Region: cmp.Or(q.Get("region"), "US"), Map: mapping, Query: true}
	var out LeadImport
	bad := func(e campaign.RowError) {
		out.ErrorsTotal++
		if len(out.Errors) < MaxLeadErrors {
			out.Errors = append(out.Errors, LeadRowError{Row: e.Row, Column: e.Column, Error: e.Err.Error()})
		}
	}
	body := http.MaxBytesReader(w, r.Body, MaxLeadFile)
	switch v := q.Get("dry_run"); v {
	case "", "0", "false":
	case "1", "true":
		s.dryRunLeads(w, body, opts, &out, bad)
		return
	default:
		s.fail(w, badRequest("dry_run %q: want 1 (check the file against the campaign, store nothing) or leave it out", v))
		return
	}
	im, err := imp.BeginLeadImport(name)
	if err != nil {
		if errors.Is(err, store.ErrImportBusy) {
			writeJSON(w, http.StatusConflict, Error{Error: err.Error()})
			return
		}
		s.fail(w, err)
		return
	}
	out.Rows, err = campaign.ScanCSV(body, opts, im.Add, bad, nil)
	if err != nil {
		if aerr := im.Abort(); aerr != nil {
			s.fail(w, errors.Join(err, aerr))
			return
		}
		s.failLeadFile(w, err)
		return
	}
	res, err := im.Commit()
	if err != nil {
		s.fail(w, err)
		return
	}
	out.Imported, out.DuplicatesInFile, out.AlreadyThere = res.Added, res.InList, res.Duplicate-res.InList
	writeJSON(w, http.StatusOK, out)
}

// failLeadFile answers a lead file that could not be read whole.
func (s *Server) failLeadFile(w http.ResponseWriter, err error) {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		s.fail(w, fmt.Errorf("%w: the limit is %d bytes; nothing imported", errTooLarge, MaxLeadFile))
	case errors.Is(err, campaign.ErrBadFile):
		s.fail(w, badRequest("lead file: %v; nothing imported", err))
	default:
		s.fail(w, err)
	}
}

// LeadPhoneChecker says which numbers a campaign has; *store.DB is one.
type LeadPhoneChecker interface {
	LeadPhones(campaign string, phones []string) ([]bool, error)
}

// dryRunLeads answers POST /api/v1/campaigns/{name}/leads?dry_run=1: the
// counts an import of the body would give (rows, leads it would store,
// numbers it would skip as twice in the file or already in the campaign,
// bad rows), storing nothing. It runs beside an import.
func (s *Server) dryRunLeads(w http.ResponseWriter, body io.Reader, opts campaign.ImportOptions, out *LeadImport, bad func(campaign.RowError)) {
	lc, ok := s.rec.(LeadPhoneChecker)
	if !ok {
		s.fail(w, fmt.Errorf("lead check: %w", engine.ErrStopped))
		return
	}
	res, err := campaign.DryRun(body, opts, func(phones []string) ([]bool, error) { return lc.LeadPhones(opts.Campaign, phones) }, bad, nil)
	if err != nil {
		s.failLeadFile(w, err)
		return
	}
	out.DryRun = true
	out.Rows, out.Imported, out.DuplicatesInFile, out.AlreadyThere = res.Rows, res.Added, res.InFile, res.InCampaign
	writeJSON(w, http.StatusOK, out)
}

// LeadLister lists a campaign's leads; *store.DB is one.
type LeadLister interface {
	CampaignLeads(camp string, fn func(campaign.Lead) bool) error
	// LeadCounts counts them as they stand at now.
	LeadCounts(camp string, now time.Time) (campaign.LeadCounts, error)
	// LeadsInOrder lists them in the order they were imported, a chunk
	// at a time.
	LeadsInOrder(camp string, fn func(campaign.Lead) bool) error
	// Lead is one of them by id, or store.ErrNotFound.
	Lead(camp, id string) (*campaign.Lead, error)
}

var _ LeadLister = (*store.DB)(nil)

// campaignLeads answers GET /api/v1/campaigns/{name}/leads: the campaign's
// leads in import order, each with its state, disposition and answers (a
// spoken answer with what was heard, VAR.transcript, and its match score,
// VAR.confidence); ?answered=1 keeps the leads with answers. It answers a
// page at a time as calls does: limit (default 100, at most 1000) and
// offset, with a Link header (rel="next") when there are more. A
// supervisor with teams reads their teams' campaigns only.
func (s *Server) campaignLeads(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	q := r.URL.Query()
	page, offset, err := parsePage(q, DefaultLimit, MaxLimit)
	if err != nil {
		s.fail(w, err)
		return
	}
	src := s.leadsOf(w, r)
	if src == nil {
		return
	}
	answered, err := parseFlag("answered", q.Get("answered"))
	if err != nil {
		s.fail(w, err)
		return
	}
	out, skip := []campaign.Lead{}, offset
	err = src.LeadsInOrder(name, func(l campaign.Lead) bool {
		if answered && len(l.Answers) == 0 {
			return true
		}
		if skip > 0 {
			skip--
			return true
		}
		out = append(out, l)
		return len(out) <= page // one more tells whether a next page exists
	})
	skipped, err := store.Skipped(err)
	s.logSkipped(skipped)
	if err != nil {
		s.fail(w, err)
		return
	}
	if len(out) > page {
		out = out[:page]
		q.Set("offset", strconv.Itoa(offset+page))
		q.Set("limit", strconv.Itoa(page))
		setNextLink(w, r.URL.Path, q)
	}
	writeJSON(w, http.StatusOK, out)
}

// campaignLead answers GET /api/v1/campaigns/{name}/leads/{id}: the lead
// as it stands, with the skips it keeps; 404 for a lead the campaign does
// not have.
func (s *Server) campaignLead(w http.ResponseWriter, r *http.Request) {
	src := s.leadsOf(w, r)
	if src == nil {
		return
	}
	l, err := src.Lead(r.PathValue("name"), r.PathValue("id"))
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

// parseFlag reads a yes-or-no query parameter: 1 or true, 0 or false, or
// absent (no). Anything else is the client's mistake, not a quiet no.
func parseFlag(name, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, badRequest("%s %q: want 1 or 0 (true or false)", name, v)
}
