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
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/store"
)

// Engine is what the API needs of the running engine; *engine.Runtime has it.
type Engine interface {
	engine.Submitter
	// Snapshot is the last published status; it must not block.
	Snapshot() *engine.Snapshot
	// Subscribe follows the change stream (see engine.Hub.Subscribe).
	Subscribe(after uint64, buf int) (*engine.Subscription, *engine.Snapshot, []engine.Change)
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
	// KeepAlive is how often an idle event stream gets a comment line, so
	// proxies keep it open and clients notice a dead daemon; 0 = 15 s.
	KeepAlive time.Duration
}

// New builds the API handler.
func New(eng Engine, rec Records, log zerolog.Logger) *Server {
	s := &Server{eng: eng, rec: rec, log: log.With().Str("component", "api").Logger(), mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	s.mux.HandleFunc("GET /api/v1/status", s.status)
	s.mux.HandleFunc("GET /api/v1/queues", s.queues)
	s.mux.HandleFunc("GET /api/v1/agents", s.agents)
	s.mux.HandleFunc("POST /api/v1/agents/{id}/{action}", s.agentAction)
	s.mux.HandleFunc("GET /api/v1/calls", s.calls)
	s.mux.HandleFunc("GET /api/v1/calls/{id}", s.call)
	s.mux.HandleFunc("POST /api/v1/calls/{id}/disposition", s.disposition)
	s.mux.HandleFunc("GET /api/v1/events", s.events)
	reg := prometheus.NewRegistry()
	reg.MustRegister(&collector{eng: eng})
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Error is the body of every error response.
type Error struct {
	Error string `json:"error"`
}

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
	case errors.Is(err, engine.ErrUnknownAgent), errors.Is(err, engine.ErrUnknownCall), errors.Is(err, store.ErrNotFound):
		code = http.StatusNotFound
	case errors.Is(err, engine.ErrAgentBusy), errors.Is(err, engine.ErrNotLoggedIn):
		code = http.StatusConflict
	case errors.Is(err, engine.ErrStopped):
		code = http.StatusServiceUnavailable
	}
	if code == http.StatusInternalServerError {
		s.log.Error().Err(err).Msg("request failed")
	}
	writeJSON(w, code, Error{Error: err.Error()})
}

var errBadRequest = errors.New("bad request")

func badRequest(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errBadRequest, fmt.Sprintf(format, args...))
}

// decode reads a JSON body strictly: unknown fields are errors that name the field.
func decode(r *http.Request, v any) error {
	if r.Body == nil || r.ContentLength == 0 {
		return nil
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return badRequest("body: invalid JSON at byte %d: %v", se.Offset, err)
		case errors.As(err, &te):
			return badRequest("body: field %q must be %s, not %s", te.Field, te.Type, te.Value)
		}
		return badRequest("body: %v", err)
	}
	return nil
}

func (s *Server) status(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.eng.Snapshot())
}

func (s *Server) queues(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, nonNil(s.eng.Snapshot().Queues))
}

func (s *Server) agents(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, nonNil(s.eng.Snapshot().Agents))
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
	Endpoint string `json:"endpoint,omitempty"` // spy: the supervisor's phone
}

func (s *Server) agentAction(w http.ResponseWriter, r *http.Request) {
	id, action := r.PathValue("id"), r.PathValue("action")
	var body AgentRequest
	if err := decode(r, &body); err != nil {
		s.fail(w, err)
		return
	}
	ctx := r.Context()
	var result any
	var err error
	switch action {
	case "login":
		result, err = engine.Send(ctx, s.eng, engine.Login{Agent: id})
	case "logout":
		result, err = engine.Send(ctx, s.eng, engine.Logout{Agent: id})
	case "ready":
		result, err = engine.Send(ctx, s.eng, engine.Ready{Agent: id})
	case "pause":
		result, err = engine.Send(ctx, s.eng, engine.Pause{Agent: id, Reason: body.Reason})
	case "spy":
		mode, perr := ParseSpyMode(body.Mode)
		if perr != nil {
			s.fail(w, perr)
			return
		}
		if body.Endpoint == "" {
			s.fail(w, badRequest("body: field \"endpoint\" is required for spy (the supervisor's phone, e.g. PJSIP/1100)"))
			return
		}
		result, err = engine.Send(ctx, s.eng, engine.Spy{Agent: id, Mode: mode, Endpoint: body.Endpoint})
	default:
		s.fail(w, badRequest("unknown agent action %q; known: login, logout, ready, pause, spy", action))
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

func (s *Server) calls(w http.ResponseWriter, r *http.Request) {
	f, err := ParseFilter(r.URL.Query().Get)
	if err != nil {
		s.fail(w, err)
		return
	}
	if s.rec == nil {
		writeJSON(w, http.StatusOK, []store.CallRecord{})
		return
	}
	recs, err := s.rec.CollectCalls(f)
	skipped, err := store.Skipped(err)
	if err != nil {
		s.fail(w, err)
		return
	}
	if len(skipped) > 0 {
		s.warnSkipped(w, skipped)
	}
	if recs == nil {
		recs = []store.CallRecord{}
	}
	writeJSON(w, http.StatusOK, recs)
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

// ParseFilter reads call filters: from, to (RFC 3339 or a duration back from
// now such as 24h), queue, agent, outcome, direction, limit, order=desc.
func ParseFilter(get func(string) string) (store.Filter, error) {
	f := store.Filter{Queue: get("queue"), Agent: get("agent"), Outcome: acd.Outcome(get("outcome")),
		Direction: acd.Direction(get("direction")), Descending: get("order") == "desc"}
	var err error
	if f.From, err = parseWhen("from", get("from")); err != nil {
		return f, err
	}
	if f.To, err = parseWhen("to", get("to")); err != nil {
		return f, err
	}
	if l := get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			return f, badRequest("limit %q: want a whole number >= 0", l)
		}
		f.Limit = n
	}
	switch f.Outcome {
	case "", acd.OutcomeAnswered, acd.OutcomeAbandoned, acd.OutcomeOverflowed, acd.OutcomeCallback,
		acd.OutcomeFailed, acd.OutcomeSelfService, acd.OutcomeInProgress:
	default:
		return f, badRequest("outcome %q is unknown; known: answered, abandoned, overflowed, callback, failed, self-service, in-progress", f.Outcome)
	}
	return f, nil
}

func parseWhen(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(v); err == nil {
		return time.Now().Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, badRequest("%s %q: want RFC 3339 (2026-01-05T09:00:00Z) or a duration back from now (24h)", name, v)
	}
	return t, nil
}

func (s *Server) call(w http.ResponseWriter, r *http.Request) {
	if s.rec == nil {
		s.fail(w, store.ErrNotFound)
		return
	}
	rec, err := s.rec.Call(r.PathValue("id"))
	if err != nil {
		s.fail(w, fmt.Errorf("call %q: %w", r.PathValue("id"), err))
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

// DispositionRequest is the body of POST /api/v1/calls/{id}/disposition.
type DispositionRequest struct {
	Disposition string `json:"disposition"`
	Notes       string `json:"notes,omitempty"`
}

func (s *Server) disposition(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var body DispositionRequest
	if err := decode(r, &body); err != nil {
		s.fail(w, err)
		return
	}
	if strings.TrimSpace(body.Disposition) == "" {
		s.fail(w, badRequest("body: field \"disposition\" is required"))
		return
	}
	if _, err := engine.Send(r.Context(), s.eng, engine.Disposition{Call: id, Disposition: body.Disposition, Notes: body.Notes}); err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, body)
}
