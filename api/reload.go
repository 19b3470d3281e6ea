package api

import (
	"context"
	"errors"
	"io/fs"
	"net/http"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/engine"
)

// Reloader re-reads the daemon's config and applies it to the engine;
// force applies a config that removes what is in use, which is refused
// (engine.InUseError) otherwise.
type Reloader func(ctx context.Context, force bool) (engine.ReconfigureReport, error)

// WatchReload serves POST /api/v1/config/reload with r; without it the
// route answers 501.
func (s *Server) WatchReload(r Reloader) { s.reloader = r }

// Reload runs the reloader set by WatchReload and counts the result in
// /metrics; the daemon's SIGHUP goes through here too.
func (s *Server) Reload(ctx context.Context, force bool) (engine.ReconfigureReport, error) {
	if s.reloader == nil {
		return engine.ReconfigureReport{}, errors.New("this daemon cannot reload its config")
	}
	rep, err := s.reloader(ctx, force)
	if err != nil {
		s.reloads[1].Add(1)
	} else {
		s.reloads[0].Add(1)
	}
	return rep, err
}

// ReloadError is the body of a refused reload: the error and, for a config
// that does not validate, every problem as "file:line: setting: message".
type ReloadError struct {
	Error    string   `json:"error"`
	Problems []string `json:"problems,omitempty"`
	// InUse lists what a refused reload would remove while it is in use
	// (409), one line each: `queue "sales": 2 callers waiting`.
	InUse []string `json:"in_use,omitempty"`
	// Fields are the problems of an edited item again, each with the
	// item's setting it names (see the config editing routes).
	Fields []FieldProblem `json:"fields,omitempty"`
}

// FieldProblem is a problem of an edited item: Field is the setting's path
// inside the item ("skills.billing", "queues[0].penalty"; "" for the item
// as a whole), Problem the line `hotline config validate` prints.
type FieldProblem struct {
	Field   string `json:"field"`
	Problem string `json:"problem"`
}

func (s *Server) reload(w http.ResponseWriter, r *http.Request) {
	if s.reloader == nil {
		writeJSON(w, http.StatusNotImplemented, Error{Error: "this daemon cannot reload its config"})
		return
	}
	force, err := parseFlag("force", r.URL.Query().Get("force"))
	if err != nil {
		s.fail(w, err)
		return
	}
	rep, err := s.Reload(r.Context(), force)
	if err == nil {
		writeJSON(w, http.StatusOK, rep)
		return
	}
	var ve *config.ValidationError
	if errors.As(err, &ve) {
		body := ReloadError{Error: "config not applied: it has problems; nothing changed"}
		for _, p := range ve.Problems {
			body.Problems = append(body.Problems, p.String())
		}
		writeJSON(w, http.StatusUnprocessableEntity, body)
		return
	}
	if errors.Is(err, engine.ErrInUse) {
		writeJSON(w, http.StatusConflict, inUseBody("config not applied: it removes what is in use; nothing changed (force=true applies it anyway)", err))
		return
	}
	// A file that cannot be read (moved, removed, no permission) is the
	// admin's to fix, like one with problems: not a fault of the daemon.
	if errors.Is(err, config.ErrInvalid) || errors.Is(err, engine.ErrUnknownQueue) || errors.Is(err, engine.ErrBadConfig) ||
		errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		writeJSON(w, http.StatusUnprocessableEntity, ReloadError{Error: "config not applied; nothing changed: " + err.Error()})
		return
	}
	s.fail(w, err)
}

// inUseBody is the 409 body of a reload refused for what is in use.
func inUseBody(msg string, err error) ReloadError {
	body := ReloadError{Error: msg}
	var inUse *engine.InUseError
	if errors.As(err, &inUse) {
		body.InUse = inUse.Items
	}
	return body
}
