// Package api is Hotline's HTTP API: live status for wallboards, agent
// control (login, ready, pause with reason, logout), call records with
// dispositions, supervisor spy, and Prometheus metrics.
//
// Every request that changes state runs on the engine goroutine through
// [Engine.Do]; handlers never touch engine state directly.
package api

import (
	"context"
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
	Do(ctx context.Context, fn func(c *engine.Core, now time.Time) error) error
	Status(ctx context.Context) (engine.Status, error)
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

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	st, err := s.eng.Status(r.Context())
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) queues(w http.ResponseWriter, r *http.Request) {
	st, err := s.eng.Status(r.Context())
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st.Queues)
}

func (s *Server) agents(w http.ResponseWriter, r *http.Request) {
	st, err := s.eng.Status(r.Context())
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st.Agents)
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
	var result any
	var fn func(c *engine.Core, now time.Time) error
	switch action {
	case "login":
		fn = func(c *engine.Core, now time.Time) error { return c.Login(now, id) }
	case "logout":
		fn = func(c *engine.Core, now time.Time) error { return c.Logout(now, id) }
	case "ready":
		fn = func(c *engine.Core, now time.Time) error { return c.Ready(now, id) }
	case "pause":
		fn = func(c *engine.Core, now time.Time) error { return c.Pause(now, id, body.Reason) }
	case "spy":
		mode, err := ParseSpyMode(body.Mode)
		if err != nil {
			s.fail(w, err)
			return
		}
		if body.Endpoint == "" {
			s.fail(w, badRequest("body: field \"endpoint\" is required for spy (the supervisor's phone, e.g. PJSIP/1100)"))
			return
		}
		fn = func(c *engine.Core, now time.Time) error {
			ch, err := c.Spy(now, id, mode, body.Endpoint)
			result = map[string]string{"channel": ch}
			return err
		}
	default:
		s.fail(w, badRequest("unknown agent action %q; known: login, logout, ready, pause, spy", action))
		return
	}
	if err := s.eng.Do(r.Context(), fn); err != nil {
		s.fail(w, err)
		return
	}
	if result == nil {
		st, err := s.eng.Status(r.Context())
		if err != nil {
			s.fail(w, err)
			return
		}
		for _, a := range st.Agents {
			if a.ID == id {
				result = a
			}
		}
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
		acd.OutcomeFailed, acd.OutcomeInProgress:
	default:
		return f, badRequest("outcome %q is unknown; known: answered, abandoned, overflowed, callback, failed, in-progress", f.Outcome)
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
	err := s.eng.Do(r.Context(), func(c *engine.Core, now time.Time) error {
		return c.Disposition(now, id, body.Disposition, body.Notes)
	})
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, body)
}
