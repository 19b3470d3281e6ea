package api

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/store"
)

// AccessLogger keeps the request audit log; *store.DB is one.
type AccessLogger interface {
	LogAccess(entries []store.AccessEntry) error
	AccessLog(from, to time.Time) ([]store.AccessEntry, error)
}

var _ AccessLogger = (*store.DB)(nil)

// auditedReads are the reads of personal data written to the audit log
// beside every change (POST, PUT, DELETE).
var auditedReads = map[string]bool{
	"GET /api/v1/calls":                      true,
	"GET /api/v1/calls/{id}":                 true,
	"GET /api/v1/store/backup":               true,
	"GET /api/v1/audit":                      true,
	"GET /api/v1/contacts":                   true,
	"GET /api/v1/contacts/{id}":              true,
	"GET /api/v1/contacts/{id}/interactions": true,
	"GET /api/v1/agents/{id}/offer":          true,
	// Recordings (their names and files), the queue_log (callers'
	// numbers), lead lists and do-not-call lists (numbers, names).
	"GET /api/v1/recordings":                  true,
	"GET /api/v1/calls/{id}/recording":        true,
	"GET /api/v1/campaigns/{name}/leads":      true,
	"GET /api/v1/campaigns/{name}/leads.csv":  true,
	"GET /api/v1/campaigns/{name}/leads/{id}": true,
	"GET /api/v1/dnc/{list}":                  true,
}

func audited(method, pattern string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch:
		return true
	}
	return auditedReads[pattern]
}

// auditedRequest is audited for a request: the reports route reads
// personal data in one of its kinds, the queue_log (callers' numbers).
func auditedRequest(r *http.Request, pattern string) bool {
	if pattern == "GET /api/v1/reports/{kind}" {
		return strings.TrimPrefix(r.URL.Path, "/api/v1/reports/") == "queue-log"
	}
	return audited(r.Method, pattern)
}

// auditWriter writes audit entries off the request path. A request's own
// write would put one fsync on every change; the writer's goroutine takes
// what has queued meanwhile and commits it in one transaction, so a busy
// desk costs one fsync per batch. The send blocks when the queue is full:
// a slow disk slows requests down rather than losing entries. What is lost:
// the entries of the last few milliseconds if the process dies, since the
// answer goes out before its line is on disk.
type auditWriter struct {
	to   AccessLogger
	log  zerolog.Logger
	ch   chan store.AccessEntry
	done chan struct{}
	// mu guards closed: add holds it shared while sending, so stop
	// cannot close the channel under a send.
	mu     sync.RWMutex
	closed bool
	failed atomic.Uint64 // entries a failed write lost
}

// auditBatch is the most entries one transaction writes.
const auditBatch = 256

// EnableAudit writes every change and every read of personal data to l
// (see GET /api/v1/audit). stop writes what is queued and returns; call it
// after the HTTP server has shut down.
func (s *Server) EnableAudit(l AccessLogger) (stop func()) {
	a := &auditWriter{to: l, log: s.log, ch: make(chan store.AccessEntry, 1024), done: make(chan struct{})}
	s.audit = a
	go a.run()
	return a.stop
}

func (a *auditWriter) add(e store.AccessEntry) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.closed {
		a.failed.Add(1)
		a.log.Error().Str("who", e.Who).Str("method", e.Method).Str("path", e.Path).Msg("audit entry after shutdown not written")
		return
	}
	a.ch <- e
}

func (a *auditWriter) run() {
	defer close(a.done)
	batch := make([]store.AccessEntry, 0, auditBatch)
	for e := range a.ch {
		batch = append(batch[:0], e)
	more:
		for len(batch) < auditBatch {
			select {
			case e, ok := <-a.ch:
				if !ok {
					break more
				}
				batch = append(batch, e)
			default:
				break more
			}
		}
		if err := a.to.LogAccess(batch); err != nil {
			a.failed.Add(uint64(len(batch)))
			a.log.Error().Err(err).Int("entries", len(batch)).Msg("writing the audit log failed")
		}
	}
}

func (a *auditWriter) stop() {
	a.mu.Lock()
	if !a.closed {
		a.closed = true
		close(a.ch)
	}
	a.mu.Unlock()
	<-a.done
}

// serveAudited serves r and queues its audit entry, also when the handler
// panics (an aborted backup is still a read).
func (s *Server) serveAudited(w http.ResponseWriter, r *http.Request, pattern string, h http.Handler) {
	rec := &statusRecorder{ResponseWriter: w}
	at := s.clock()
	note := new(string)
	r = r.WithContext(context.WithValue(r.Context(), auditNoteKey{}, note))
	defer func() {
		e := store.AccessEntry{At: at.UTC(), Who: "anonymous", Method: r.Method, Path: r.URL.RequestURI(),
			Status: rec.code, Remote: r.RemoteAddr, Note: *note}
		if p := withoutCustomerData(r, pattern); p != e.Path {
			e.Path, e.Private = p, e.Path
		}
		if p := principalOf(r); p != nil {
			e.Who, e.Role, e.Token = p.user.Name, p.role.String(), p.token
		}
		if e.Status == 0 {
			e.Status = http.StatusOK
		}
		s.audit.add(e)
	}()
	h.ServeHTTP(rec, r)
}

// personalQuery are the query parameters that carry customer data, and
// personalWildcards the path wildcards that do: the audit log keeps them
// sealed (see store.AccessEntry.Private).
var (
	personalQuery     = map[string]bool{"number": true, "text": true}
	personalWildcards = map[string]bool{"phone": true}
)

// withoutCustomerData is r's path and query with "…" for the customer
// data they carry (a number looked up, a text searched for, a number in
// the path); pattern is the route r matched.
func withoutCustomerData(r *http.Request, pattern string) string {
	path := r.URL.EscapedPath()
	if _, route, ok := strings.Cut(pattern, " "); ok && strings.Contains(route, "{") {
		parts := strings.Split(route, "/")
		hidden := false
		for i, part := range parts {
			name := strings.TrimSuffix(strings.TrimPrefix(part, "{"), "}")
			if part != name && personalWildcards[strings.TrimSuffix(name, "...")] {
				parts[i], hidden = "…", true
			} else if part != name {
				parts[i] = url.PathEscape(r.PathValue(strings.TrimSuffix(name, "...")))
			}
		}
		if hidden {
			path = strings.Join(parts, "/")
		}
	}
	if r.URL.RawQuery == "" {
		return path
	}
	pairs := strings.Split(r.URL.RawQuery, "&")
	for i, pair := range pairs {
		k, _, _ := strings.Cut(pair, "=")
		if name, err := url.QueryUnescape(k); err == nil && personalQuery[name] {
			pairs[i] = k + "=…"
		}
	}
	return path + "?" + strings.Join(pairs, "&")
}

type auditNoteKey struct{}

// noteAudit adds to the request's audit line what its path does not say
// (a pause's reason); without an audit log it does nothing.
func noteAudit(r *http.Request, note string) {
	if p, ok := r.Context().Value(auditNoteKey{}).(*string); ok {
		*p = note
	}
}

func (s *Server) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

// statusRecorder remembers the status a handler answered.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (flush, deadlines).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// auditLog answers GET /api/v1/audit?from=&to= (RFC 3339 or a duration
// back from now; by default the last 24 hours).
func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) {
	if s.audit == nil {
		writeJSON(w, http.StatusServiceUnavailable, Error{Error: "this daemon keeps no audit log"})
		return
	}
	now := s.clock()
	from, err := parseWhen("from", r.URL.Query().Get("from"), now)
	if err != nil {
		s.fail(w, err)
		return
	}
	to, err := parseWhen("to", r.URL.Query().Get("to"), now)
	if err != nil {
		s.fail(w, err)
		return
	}
	if r.URL.Query().Get("from") == "" {
		from = now.Add(-24 * time.Hour)
	}
	if to.IsZero() {
		to = now.Add(time.Minute)
	}
	if !to.After(from) {
		s.fail(w, badRequest("to %s is not after from %s", to.Format(time.RFC3339), from.Format(time.RFC3339)))
		return
	}
	entries, err := s.audit.to.AccessLog(from, to)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(entries))
}
