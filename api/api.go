// Package api is Hotline's HTTP API: live status for wallboards, agent
// control (login, ready, pause with reason, logout), call records with
// dispositions, supervisor spy, Prometheus metrics, and the engine's change
// stream as Server-Sent Events.
//
// Reads (status, metrics, the event stream) use the snapshot the engine
// publishes and never wait on the engine goroutine. Changes are typed
// requests ([engine.Request]) the engine applies; handlers never touch
// engine state.
package api

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/api/auth"
	"github.com/hotline-cc/hotline/internal/rfc3339"
	"github.com/hotline-cc/hotline/internal/textcheck"
	"github.com/hotline-cc/hotline/store"
)

// Engine is what the API needs of the running engine; *engine.Runtime has it.
type Engine interface {
	engine.Submitter
	// Snapshot is the last published status; it must not block.
	Snapshot() *engine.Snapshot
	// Subscribe follows the change stream (see engine.Hub.Subscribe).
	Subscribe(after uint64, buf int) (*engine.Subscription, *engine.Snapshot, []engine.Change)
	// HubStats describe the change stream's readers.
	HubStats() engine.HubStats
}

var _ Engine = (*engine.Runtime)(nil)

// Records reads stored calls; *store.DB has it.
type Records interface {
	CollectCalls(f store.Filter) ([]store.CallRecord, error)
	Call(id string) (*store.CallRecord, error)
}

var _ Records = (*store.DB)(nil)

// Server serves the API.
type Server struct {
	eng Engine
	rec Records
	log zerolog.Logger
	mux *http.ServeMux
	// KeepAlive is how often an idle event stream gets a keep-alive event,
	// so proxies keep it open, clients notice a dead daemon, and the
	// stream's credentials are checked again; 0 = DefaultKeepAlive.
	KeepAlive time.Duration
	// Coalesce is how long an event stream rests after a write, gathering
	// the changes published meanwhile into its next write; 0 =
	// DefaultCoalesce, negative = none (every change written at once).
	Coalesce time.Duration

	link Link // nil: no switch link to report (see WatchLink)
	// writes is the store writer whose failures /healthz and /metrics
	// report; nil: none (see WatchWrites)
	writes Writes
	// unreadable counts the saved records left out at start, by bucket
	// (NoteUnreadableAtStart).
	unreadable atomic.Pointer[map[string]int]
	// reloader applies the config file again; nil: not offered (see WatchReload)
	reloader Reloader
	reloads  [2]atomic.Uint64 // applied, refused
	cfgEdit  *configEditor    // nil: the admin pages cannot edit the config (see EnableConfigEdit)
	charts   charts           // the wallboard's charts (see SetChartOptions)

	// Users and tokens (see EnableAuth); nil creds: no checks.
	creds   Credentials
	now     func() time.Time
	sess    *sessions
	limit   *signInLimit // failed sign-ins per client address
	signIns nameLocks    // a user's sign-in state and API changes, one at a time
	authOn  atomic.Bool  // a user exists, so every non-public route needs credentials

	contacts  *contactBook // nil: no key, contacts off (see EnableContacts)
	tasksFed  taskFeed     // the callback tasks written, for the event streams
	credMoves credSignal   // a sign-out or a user changed over the API: streams check theirs at once
	audit     *auditWriter // nil: no audit log (see EnableAudit)

	recordings *recordings // nil: recording files not served (see EnableRecordings)

	teams atomic.Pointer[teamScope] // the config's teams (see SetTeams); nil: none
}

// New builds the API handler.
func New(eng Engine, rec Records, log zerolog.Logger) *Server {
	s := &Server{eng: eng, rec: rec, log: log.With().Str("component", "api").Logger(), mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /api/v1/openapi.json", s.openAPI)
	s.mux.HandleFunc("GET /api/v1/audit", s.auditLog)
	s.mux.HandleFunc("GET /api/v1/status", s.status)
	s.mux.HandleFunc("GET /api/v1/queues", s.queues)
	s.mux.HandleFunc("GET /api/v1/agents", s.agents)
	s.mux.HandleFunc("POST /api/v1/agents/{id}/{action}", s.agentAction)
	s.mux.HandleFunc("POST /api/v1/agents/{id}/call/{action}", s.callAction)
	s.deskRoutes()
	s.mux.HandleFunc("GET /api/v1/calls", s.calls)
	s.mux.HandleFunc("GET /api/v1/calls/{id}", s.call)
	s.mux.HandleFunc("POST /api/v1/calls/{id}/disposition", s.disposition)
	s.mux.HandleFunc("GET /api/v1/calls/{id}/dispositions", s.dispositions)
	s.mux.HandleFunc("GET /api/v1/events", s.events)
	s.mux.HandleFunc("GET /api/v1/store/backup", s.backup)
	s.mux.HandleFunc("POST /api/v1/config/reload", s.reload)
	s.configEditRoutes()
	s.mux.HandleFunc("GET /api/v1/reports/{kind}", s.report)
	s.mux.HandleFunc("GET /api/v1/reports", s.reports)
	s.mux.HandleFunc("GET /api/v1/charts/today", s.chartToday)
	s.mux.HandleFunc("GET /api/v1/charts/period", s.chartPeriod)
	s.dncRoutes()
	s.contactRoutes()
	s.campaignRoutes()
	s.recordingRoutes()
	s.servePages()
	s.mux.Handle("GET /metrics", s.metricsHandler())
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if clean := cleanPath(r.URL.Path); clean != r.URL.Path && r.Method != http.MethodConnect {
		// The mux redirects such a path in HTML, and without the Location
		// when the clean path is no route either: redirect in JSON.
		// A change is not redirected: "campaigns/..%2Fagents%2Fa1/pause"
		// would pause agent a1 for a client that follows redirects.
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeJSON(w, http.StatusNotFound, Error{Error: fmt.Sprintf("no such route: %s %s (a path with . or .. parts, or an empty one, names no resource)", r.Method, r.URL.Path)})
			return
		}
		u := *r.URL
		u.Path, u.RawPath = clean, ""
		w.Header().Set("Location", u.RequestURI())
		writeJSON(w, http.StatusTemporaryRedirect, Error{Error: fmt.Sprintf("no such route: %s %s; the path is %s", r.Method, r.URL.Path, clean)})
		return
	}
	if _, pattern := s.mux.Handler(r); pattern != "" {
		if r = s.authorize(w, r, pattern); r != nil {
			var h http.Handler = s.mux
			if err := checkQuery(r, pattern); err != nil {
				h = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { s.fail(w, err) })
			}
			if s.audit != nil && auditedRequest(r, pattern) {
				s.serveAudited(w, r, pattern, h) // a refused change is logged too
				return
			}
			h.ServeHTTP(w, r)
		}
		return
	}
	// No route matched: the mux answers 404 or 405 (with Allow) in plain
	// text; answer the same code in JSON like every other error.
	probe := &statusProbe{header: http.Header{}}
	s.mux.ServeHTTP(probe, r)
	msg := fmt.Sprintf("no such route: %s %s", r.Method, r.URL.Path)
	if allow := probe.header.Get("Allow"); allow != "" {
		w.Header().Set("Allow", allow)
		msg = fmt.Sprintf("method %s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow)
	}
	if probe.code == 0 {
		probe.code = http.StatusNotFound
	}
	writeJSON(w, probe.code, Error{Error: msg})
}

// cleanPath is p as the mux routes it: no double slash, . or .., a
// trailing slash kept.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if strings.HasSuffix(p, "/") && np != "/" {
		np += "/"
	}
	return np
}

// statusProbe records what the mux would answer, and drops the body.
type statusProbe struct {
	header http.Header
	code   int
}

func (p *statusProbe) Header() http.Header         { return p.header }
func (p *statusProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *statusProbe) WriteHeader(code int)        { p.code = code }

// Error is the body of every error response.
type Error struct {
	Error  string `json:"error"`
	Reason string `json:"reason,omitempty"` // a 401's: ReasonIdle
}

// ReasonIdle is a 401's reason when the browser session ended unused
// (SetSessionIdle).
const ReasonIdle = "idle"

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func (s *Server) fail(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	switch {
	case errors.Is(err, errBadRequest):
		code = http.StatusBadRequest
	case errors.Is(err, errTooLarge):
		code = http.StatusRequestEntityTooLarge
	case errors.Is(err, errForbidden):
		code = http.StatusForbidden
	case errors.Is(err, engine.ErrUnknownAgent), errors.Is(err, engine.ErrUnknownCall), errors.Is(err, store.ErrNotFound):
		code = http.StatusNotFound
	case errors.Is(err, engine.ErrUnknownCampaign), errors.Is(err, engine.ErrNoMonitor):
		code = http.StatusNotFound
	case errors.Is(err, engine.ErrUnknownQueue): // a transfer's target
		code = http.StatusNotFound
	case errors.Is(err, engine.ErrBadTransfer), errors.Is(err, engine.ErrUnknownDisposition), errors.Is(err, engine.ErrBadCallback),
		errors.Is(err, engine.ErrBadSpy):
		code = http.StatusBadRequest
	case errors.Is(err, engine.ErrNotLoggedIn), errors.Is(err, engine.ErrCampaignState),
		errors.Is(err, engine.ErrNoCall), errors.Is(err, engine.ErrCallState), errors.Is(err, engine.ErrTargetBusy),
		errors.Is(err, engine.ErrPhoneBusy):
		code = http.StatusConflict
	case errors.Is(err, engine.ErrStopped):
		code = http.StatusServiceUnavailable
	case errors.Is(err, engine.ErrNotSaved):
		// The change is made and kept for the store's retries: 507, which
		// clients and proxies do not repeat as they do a 503; a repeated
		// request could do it twice (a second call, a second callback).
		code = http.StatusInsufficientStorage
	}
	if code == http.StatusInternalServerError {
		s.log.Error().Err(err).Msg("request failed")
	}
	writeJSON(w, code, Error{Error: err.Error()})
}

var (
	errBadRequest = errors.New("bad request")
	errTooLarge   = errors.New("request body too large")
)

func badRequest(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errBadRequest, fmt.Sprintf(format, args...))
}

// MaxBody is the largest request body the API reads.
const MaxBody = 64 << 10

// Longest texts the API accepts, in characters.
const (
	MaxReason = 200    // pause reason; it is sent with every status
	MaxShort  = 200    // disposition, endpoint
	MaxNotes  = 10_000 // call notes
)

// decode reads a JSON body strictly: one JSON object, no unknown fields (the
// error names the field), no key twice, no text with a character textcheck
// refuses (checkBody), nothing after it, at most MaxBody bytes.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if r.Body == nil || r.ContentLength == 0 {
		return nil
	}
	if r.ContentLength > MaxBody {
		return fmt.Errorf("%w: %d bytes; the limit is %d", errTooLarge, r.ContentLength, MaxBody)
	}
	buf := bytes.NewBuffer(make([]byte, 0, max(0, r.ContentLength)+bytes.MinRead)) // ReadFrom wants MinRead free
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, MaxBody))
	b := buf.Bytes()
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return fmt.Errorf("%w: the limit is %d bytes", errTooLarge, MaxBody)
	}
	if err != nil {
		return badRequest("body: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if errors.Is(err, io.EOF) {
		return nil // an empty body of unknown length
	}
	if err == nil {
		// One value only: "{}garbage" or "{}{}" is a client bug, not a request.
		if _, err = dec.Token(); !errors.Is(err, io.EOF) {
			return badRequest("body: unexpected data after the JSON value at byte %d", dec.InputOffset())
		}
		return checkBody(b)
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		if ct := r.Header.Get("Content-Type"); ct != "" && !strings.Contains(ct, "json") {
			// curl -d reason=lunch sends a form: say so, not only where it broke.
			return badRequest("body: not JSON (sent as %s); send a JSON object: invalid JSON at byte %d: %v", ct, se.Offset, err)
		}
		return badRequest("body: invalid JSON at byte %d: %v", se.Offset, err)
	case errors.As(err, &te) && te.Field == "":
		return badRequest("body: want a JSON object, not %s", jsonValue(te.Value))
	case errors.As(err, &te):
		// Go names the field, not the element of it: phones[2], not phones.
		return badRequest("body: field %q must be %s, not %s", cmp.Or(pathAt(b, te.Offset), te.Field), jsonKind(te.Type), jsonValue(te.Value))
	}
	return badRequest("body: %v", err)
}

// jsonKind names what a Go type takes in JSON's words: a client knows
// nothing of api.AgentRequest or []string.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another value"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return jsonKind(t.Elem())
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "another value"
}

// jsonValue names a json.UnmarshalTypeError's Value ("array", "number
// 1.5", "bool") in the words jsonKind uses.
func jsonValue(v string) string {
	switch {
	case v == "array":
		return "a list"
	case v == "object":
		return "an object"
	case v == "bool":
		return "true or false"
	case v == "string", v == "number":
		return "a " + v
	case strings.HasPrefix(v, "number "):
		return "the " + v
	}
	return v
}

// checkLen refuses a text field longer than max characters, or holding a
// character textcheck refuses (a control character, a direction override):
// such texts go to logs, CSV exports and every screen that shows them.
// checkLine is checkLen for a one-line field (a name, a reason, a
// disposition): a line break would split a CSV cell and a status line,
// and U+FFFD is what JSON makes of bytes that are not UTF-8 and of a lone
// surrogate, text no one typed.
func checkLine(field, v string, max int) error {
	if err := checkLen(field, v, max); err != nil {
		return err
	}
	if i := strings.IndexAny(v, "\r\n"); i >= 0 {
		return badRequest("body: field %q holds a line break at character %d: it is one line", field, utf8.RuneCountInString(v[:i])+1)
	}
	if i := strings.IndexRune(v, utf8.RuneError); i >= 0 {
		return badRequest("body: field %q holds U+FFFD at character %d (bytes that are not UTF-8, or a lone surrogate)", field, utf8.RuneCountInString(v[:i])+1)
	}
	return nil
}

func checkLen(field, v string, max int) error {
	if n := utf8.RuneCountInString(v); n > max {
		return badRequest("body: field %q is %d characters long; the limit is %d", field, n, max)
	}
	if err := textcheck.Check(v); err != nil {
		return badRequest("body: field %q %v", field, err)
	}
	return nil
}

// snapshot is the engine's snapshot as the request's user may see it.
func (s *Server) snapshot(r *http.Request) *engine.Snapshot {
	snap := s.eng.Snapshot()
	if v := s.viewOf(r); v != nil {
		return v.snapshot(snap)
	}
	return snap
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.snapshot(r))
}

func (s *Server) queues(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, nonNil(s.snapshot(r).Queues))
}

func (s *Server) agents(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, nonNil(s.snapshot(r).Agents))
}

// nonNil makes an empty list [] in JSON, not null.
func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// AgentRequest is the optional body of agent actions.
type AgentRequest struct {
	Reason   string `json:"reason,omitempty"`   // pause
	Mode     string `json:"mode,omitempty"`     // spy: listen | whisper | barge
	Endpoint string `json:"endpoint,omitempty"` // spy, spy-stop: the supervisor's phone
}

func (s *Server) agentAction(w http.ResponseWriter, r *http.Request) {
	id, action := r.PathValue("id"), r.PathValue("action")
	var body AgentRequest
	if err := decode(w, r, &body); err != nil {
		s.fail(w, err)
		return
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"reason", body.Reason, MaxReason}, {"endpoint", body.Endpoint, MaxShort}, {"mode", body.Mode, MaxShort}} {
		if err := checkLine(f.name, f.v, f.max); err != nil {
			s.fail(w, err)
			return
		}
	}
	ctx := r.Context()
	by := "api" // who the stored change names: the user, once users exist
	if p := principalOf(r); p != nil {
		by = p.user.Name
	}
	var result any
	var err error
	switch action {
	case "login":
		result, err = engine.Send(ctx, s.eng, engine.Login{Agent: id, By: by})
	case "logout":
		result, err = engine.Send(ctx, s.eng, engine.Logout{Agent: id, By: by})
	case "ready":
		result, err = engine.Send(ctx, s.eng, engine.Ready{Agent: id, By: by})
	case "pause":
		noteAudit(r, "reason: "+body.Reason)
		result, err = engine.Send(ctx, s.eng, engine.Pause{Agent: id, Reason: body.Reason, By: by})
	case "spy", "spy-stop":
		// The route lets an agent act on their own agent; spying on their
		// own call would let them join any phone they name to it.
		if p := principalOf(r); p != nil && !p.role.Allows(auth.Supervisor) {
			writeJSON(w, http.StatusForbidden, Error{Error: errForbidden.Error() + ": listen, whisper and barge need supervisor"})
			return
		}
		body.Endpoint = strings.TrimSpace(body.Endpoint)
		if body.Endpoint == "" {
			s.fail(w, badRequest("body: field \"endpoint\" is required for %s (the supervisor's phone, e.g. PJSIP/1100)", action))
			return
		}
		if action == "spy-stop" {
			noteAudit(r, "endpoint: "+body.Endpoint)
			result, err = engine.Send(ctx, s.eng, engine.SpyStop{Agent: id, Endpoint: body.Endpoint, By: by})
			break
		}
		mode, perr := ParseSpyMode(body.Mode)
		if perr != nil {
			s.fail(w, perr)
			return
		}
		spy := engine.Spy{Agent: id, Mode: mode, Endpoint: body.Endpoint, By: by}
		if p := principalOf(r); p != nil && !p.role.Allows(auth.Admin) {
			// A supervisor rings their own phone (or their own agent's)
			// into a call, never another agent's.
			spy.OwnPhone, spy.AsAgent = true, p.user.Agent
		}
		result, err = engine.Send(ctx, s.eng, spy)
	default:
		s.fail(w, badRequest("unknown agent action %q; known: login, logout, ready, pause, spy, spy-stop", action))
		return
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, result)
}

// ParseSpyMode reads listen | whisper | barge.
func ParseSpyMode(s string) (pbx.SpyMode, error) {
	for _, m := range []pbx.SpyMode{pbx.SpyListen, pbx.SpyWhisper, pbx.SpyBarge} {
		if m.String() == s {
			return m, nil
		}
	}
	return 0, badRequest("spy mode %q is unknown; known: listen, whisper, barge", s)
}

// SkippedHeader counts the records a listing left out because they could
// not be read; a Warning header names them.
const SkippedHeader = "X-Hotline-Skipped"

func (s *Server) warnSkipped(w http.ResponseWriter, skipped []*store.DecodeError) {
	keys := make([]string, 0, len(skipped))
	for _, de := range skipped[:min(len(skipped), 10)] {
		keys = append(keys, de.Bucket+"/"+de.Key)
	}
	s.log.Error().Int("skipped", len(skipped)).Strs("keys", keys).Err(skipped[0]).
		Msg("unreadable records left out of a listing; see hotline store check")
	w.Header().Set(SkippedHeader, strconv.Itoa(len(skipped)))
	w.Header().Set("Warning", fmt.Sprintf("199 hotline %q", fmt.Sprintf("%d unreadable records skipped: %s",
		len(skipped), strings.Join(keys, ", "))))
}

// mayFile is the engine's check that the caller may file a disposition
// on a call: an agent on their own calls.
func (s *Server) mayFile(r *http.Request) func(*store.CallRecord) error {
	return func(rec *store.CallRecord) error {
		if why := s.mayTouch(r, rec); why != "" {
			return fmt.Errorf("%w: %s", errForbidden, why)
		}
		return nil
	}
}

// dispositions answers what a disposition of the call may be: a
// campaign's dispositions, the callback ones marked, and the agents a
// callback may be kept for (the desk's form offers them).
func (s *Server) dispositions(w http.ResponseWriter, r *http.Request) {
	res, err := engine.Send(r.Context(), s.eng, engine.Dispositions{Call: r.PathValue("id"), May: s.mayFile(r)})
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// DispositionRequest is the body of POST /api/v1/calls/{id}/disposition.
type DispositionRequest struct {
	Disposition string `json:"disposition"`
	// Notes replace the call's notes; left out, the notes stay as they
	// are (a supervisor correcting the disposition keeps the agent's).
	Notes  string `json:"notes,omitempty"`
	Reason string `json:"reason,omitempty"` // what the call was about, for first-contact resolution
	// CallbackAt is when to call a campaign's lead back, with a callback
	// disposition: RFC 3339 with its offset (2026-12-03T15:00:00-05:00).
	// Empty: after the campaign's no-answer delay.
	CallbackAt string `json:"callback_at,omitempty"`
	// CallbackTo is whom a campaign's callback is kept for: "me" (the
	// agent giving the disposition; the call's agent when a supervisor
	// gives it), "anyone" (the default), or the id of an agent who works
	// the campaign. The answer names the agent ("anyone" for none).
	CallbackTo string `json:"callback_to,omitempty"`
}

// dispositionBody is a DispositionRequest that tells notes left out (the
// call's notes are kept) from notes given empty (they are cleared).
type dispositionBody struct {
	DispositionRequest
	Notes *string `json:"notes,omitempty"`
}

func (s *Server) disposition(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var given dispositionBody
	if err := decode(w, r, &given); err != nil {
		s.fail(w, err)
		return
	}
	body := given.DispositionRequest
	if given.Notes != nil {
		body.Notes = *given.Notes
	}
	if strings.TrimSpace(body.Disposition) == "" {
		s.fail(w, badRequest("body: field \"disposition\" is required"))
		return
	}
	if err := errors.Join(checkLine("disposition", body.Disposition, MaxShort), checkLen("notes", body.Notes, MaxNotes),
		checkLine("reason", body.Reason, MaxShort), checkLine("callback_to", body.CallbackTo, MaxShort)); err != nil {
		s.fail(w, err)
		return
	}
	var at time.Time
	if body.CallbackAt != "" {
		var err error
		if at, err = rfc3339.Parse(body.CallbackAt); err != nil {
			s.fail(w, badRequest("body: field \"callback_at\": %q: want a time with its offset, such as 2026-12-03T15:00:00-05:00 (RFC 3339)", body.CallbackAt))
			return
		}
	}
	var by string // "me": the agent signed in, if one is
	if p := principalOf(r); p != nil {
		by = p.user.Agent
	}
	res, err := engine.Send(r.Context(), s.eng, engine.Disposition{Call: id, Disposition: body.Disposition, Notes: body.Notes, KeepNotes: given.Notes == nil, Reason: body.Reason, CallbackAt: at,
		CallbackTo: body.CallbackTo, By: by, May: s.mayFile(r)})
	if err != nil {
		s.fail(w, err)
		return
	}
	if body.CallbackTo != "" {
		body.CallbackTo = cmp.Or(res.CallbackAgent, engine.CallbackToAnyone)
	}
	if strings.EqualFold(strings.TrimSpace(body.Disposition), res.Disposition) {
		body.Disposition = res.Disposition // "SALE " as filed: the campaign's "sale"
	}
	if body.CallbackAt != "" {
		body.CallbackAt = at.Format(time.RFC3339Nano) // as read: "t" and "z" upper-case, a leap second the next
	}
	writeJSON(w, http.StatusOK, body)
}
