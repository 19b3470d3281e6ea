package api

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/routing"
)

// configEditor is the admin pages' way to change the config file: an item
// at a time, checked as `hotline config validate` checks the file, saved
// after a backup, then applied by a reload. The file stays the source of
// truth: what the pages change is what the file says.
type configEditor struct {
	path  string
	check func(data []byte) error // parses and validates data as the file's new text
	mu    sync.Mutex              // one edit at a time, from read to reload
}

// EnableConfigEdit serves the config editing routes for the file at path;
// check must parse data as that file's text the way the daemon reads it
// (overrides, validation) and return a *config.ValidationError for
// problems. Edits are applied through the reloader (see WatchReload).
func (s *Server) EnableConfigEdit(path string, check func(data []byte) error) {
	s.cfgEdit = &configEditor{path: path, check: check}
}

func (s *Server) configEditRoutes() {
	s.mux.HandleFunc("GET /api/v1/config/{section}", s.configItems)
	s.mux.HandleFunc("POST /api/v1/config/{section}", s.configEdit)
	s.mux.HandleFunc("PUT /api/v1/config/{section}/{name}", s.configEdit)
	s.mux.HandleFunc("DELETE /api/v1/config/{section}/{name}", s.configEdit)
}

// ConfigItems is the answer of GET /api/v1/config/{section}.
type ConfigItems struct {
	File    string        `json:"file"`
	Version string        `json:"version"` // of the file's text; send it back with a change
	Section string        `json:"section"`
	Key     string        `json:"key,omitempty"` // the field that names an item; "" for flows (named by their key)
	Items   []config.Item `json:"items"`
	// Agents and Queues are the section's items as Hotline reads them
	// (defaults filled in), for an overview of skills, memberships,
	// strategies and overflow; absent when the file does not parse. Their
	// keys and values are the file's (wrap_up: "5s"; config.AsWritten).
	Agents any `json:"agents,omitempty"`
	Queues any `json:"queues,omitempty"`
	// Form is true when the section's items are edited as forms: each
	// item's Fields are its settings and a change may send fields instead
	// of YAML. Choices are the accepted values of the settings that take
	// one of a list ("strategy", "overflow.action", "join_empty") and the
	// names the file defines ("queues", "agents", "skills", "teams"), as hints.
	Form    bool                `json:"form,omitempty"`
	Choices map[string][]string `json:"choices,omitempty"`
}

// ConfigItemRequest is the body of POST (a new item) and PUT (a changed one).
type ConfigItemRequest struct {
	YAML string `json:"yaml,omitempty"`
	// Fields, instead of YAML, are the item's settings from a form (see
	// config.MergeFields): each one sent replaces the one written, one sent
	// empty (null, "", [] or {}) is removed, the others stay as written.
	Fields  map[string]any `json:"fields,omitempty"`
	Name    string         `json:"name,omitempty"`    // a new flow's name
	Version string         `json:"version,omitempty"` // from ConfigItems: refused if the file changed since
}

// ConfigEditResult is the answer of a change that was saved and applied.
type ConfigEditResult struct {
	Section string                   `json:"section"`
	Name    string                   `json:"name"`
	File    string                   `json:"file"`
	Backup  string                   `json:"backup"`
	Version string                   `json:"version"`
	Applied engine.ReconfigureReport `json:"applied"`
}

func fileVersion(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}

func (s *Server) configItems(w http.ResponseWriter, r *http.Request) {
	ed := s.cfgEdit
	if ed == nil {
		writeJSON(w, http.StatusNotImplemented, Error{Error: "this daemon has no config file to edit"})
		return
	}
	section := r.PathValue("section")
	ed.mu.Lock()
	data, err := os.ReadFile(ed.path)
	ed.mu.Unlock()
	if err != nil {
		s.fail(w, err)
		return
	}
	items, err := config.Items(data, section)
	if err != nil {
		s.failEdit(w, err)
		return
	}
	out := ConfigItems{File: ed.path, Version: fileVersion(data), Section: section, Key: config.Sections[section], Items: items}
	out.Form = config.FormSection(section)
	if out.Form {
		for i := range items {
			items[i].Fields, _ = config.ItemFields(items[i].YAML)
		}
	}
	if cfg, err := config.Parse(data, ed.path); err == nil {
		switch section {
		case "agents":
			out.Agents, _ = config.AsWritten(cfg.Agents) // nil: the overview is left out
		case "queues":
			out.Queues, _ = config.AsWritten(cfg.Queues)
		}
		if out.Form {
			out.Choices = formChoices(cfg)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) configEdit(w http.ResponseWriter, r *http.Request) {
	ed := s.cfgEdit
	if ed == nil || s.reloader == nil {
		writeJSON(w, http.StatusNotImplemented, Error{Error: "this daemon has no config file to edit"})
		return
	}
	section, name := r.PathValue("section"), r.PathValue("name")
	var body ConfigItemRequest
	if err := decode(w, r, &body); err != nil {
		s.fail(w, err)
		return
	}
	if r.Method == http.MethodPost {
		name = body.Name
		if config.Sections[section] != "" {
			name = "" // a list item is named by its own field
		}
	}
	noteAudit(r, fmt.Sprintf("%s %s/%s", r.Method, section, name))
	ed.mu.Lock()
	defer ed.mu.Unlock()
	old, err := os.ReadFile(ed.path)
	if err != nil {
		s.fail(w, err)
		return
	}
	if body.Version != "" && body.Version != fileVersion(old) {
		writeJSON(w, http.StatusConflict, Error{Error: ed.path + " changed since you opened it; open it again to see the change"})
		return
	}
	if body.Fields != nil && r.Method != http.MethodDelete {
		if body.YAML, err = itemText(old, section, name, r.Method == http.MethodPut, body.Fields); err != nil {
			s.failEdit(w, err)
			return
		}
	}
	var data []byte
	switch r.Method {
	case http.MethodDelete:
		data, err = config.DeleteItem(old, section, name)
	case http.MethodPut:
		if !s.hasItem(old, section, name) {
			err = fmt.Errorf("%w: %s has no %q", config.ErrNoItem, section, name)
			break
		}
		data, name, err = config.SetItem(old, section, name, body.YAML)
	default: // POST: a new item
		if name != "" && s.hasItem(old, section, name) {
			err = fmt.Errorf("%w: %s already has %q", config.ErrBadItem, section, name)
			break
		}
		data, name, err = config.SetItem(old, section, name, body.YAML)
	}
	if err != nil {
		s.failEdit(w, err)
		return
	}
	if err := ed.check(data); err != nil {
		s.failItem(w, err, data, section, name)
		return
	}
	backup, err := ed.save(old, data)
	if err != nil {
		s.fail(w, err)
		return
	}
	force, _ := parseFlag("force", r.URL.Query().Get("force"))
	rep, err := s.Reload(r.Context(), force)
	if err != nil {
		// The engine refused what the file now says: put the file back, so
		// it still says what runs.
		if werr := writeFileAtomic(ed.path, old); werr != nil {
			s.log.Error().Err(werr).Str("file", ed.path).Str("backup", backup).Msg("putting the config file back failed")
		}
		s.failEdit(w, err)
		return
	}
	s.log.Info().Str("section", section).Str("name", name).Str("method", r.Method).Str("backup", backup).Msg("config file edited and applied")
	writeJSON(w, http.StatusOK, ConfigEditResult{Section: section, Name: name, File: ed.path, Backup: backup,
		Version: fileVersion(data), Applied: rep})
}

// itemText is the text of the item name of section (none for a new one)
// with a form's fields merged in.
func itemText(data []byte, section, name string, existing bool, fields map[string]any) (string, error) {
	text := ""
	if existing {
		items, err := config.Items(data, section)
		if err != nil {
			return "", err
		}
		i := slices.IndexFunc(items, func(it config.Item) bool { return it.Name == name })
		if i < 0 {
			return "", fmt.Errorf("%w: %s has no %q", config.ErrNoItem, section, name)
		}
		text = items[i].YAML
	}
	return config.MergeFields(section, text, fields)
}

// formChoices are the hints a form offers (see ConfigItems.Choices).
func formChoices(cfg config.Config) map[string][]string {
	skills := map[string]bool{}
	var queues, agents []string
	for _, q := range cfg.Queues {
		queues = append(queues, q.Name)
		for k := range q.Skills {
			skills[k] = true
		}
	}
	for _, a := range cfg.Agents {
		agents = append(agents, a.ID)
		for k := range a.Skills {
			skills[k] = true
		}
	}
	var teams []string
	for _, t := range cfg.Teams {
		teams = append(teams, t.Name)
	}
	return map[string][]string{
		"teams":    teams,
		"strategy": routing.Strategies(), "overflow.action": config.OverflowActions, "join_empty": config.JoinEmptyModes,
		"queues": queues, "agents": agents, "skills": slices.Sorted(maps.Keys(skills)),
	}
}

// failItem answers failEdit's answer to a change of the item name of
// section that data would hold, with each problem of a config that does not
// validate also given by the item's setting it names (ReloadError.Fields),
// so a form shows it next to that setting.
func (s *Server) failItem(w http.ResponseWriter, err error, data []byte, section, name string) {
	var ve *config.ValidationError
	items, ierr := config.Items(data, section)
	i := slices.IndexFunc(items, func(it config.Item) bool { return it.Name == name })
	if !errors.As(err, &ve) || ierr != nil || i < 0 {
		s.failEdit(w, err)
		return
	}
	prefix := fmt.Sprintf("%s[%d]", section, i)
	if config.Sections[section] == "" {
		prefix = section + "." + name
	}
	body := ReloadError{Error: "not saved: the config would have problems; nothing changed"}
	for _, p := range ve.Problems {
		body.Problems = append(body.Problems, p.String())
		if rest, ok := strings.CutPrefix(p.Path, prefix); ok && (rest == "" || rest[0] == '.' || rest[0] == '[') {
			body.Fields = append(body.Fields, FieldProblem{Field: strings.TrimPrefix(rest, "."), Problem: p.String()})
		}
	}
	writeJSON(w, http.StatusUnprocessableEntity, body)
}

func (s *Server) hasItem(data []byte, section, name string) bool {
	items, err := config.Items(data, section)
	if err != nil {
		return true // let SetItem say what is wrong
	}
	for _, it := range items {
		if it.Name == name {
			return true
		}
	}
	return false
}

// failEdit answers an edit's error: the problems of a config that does not
// validate (422, each as `config validate` prints it), a bad item (400), an
// unknown one (404), a file that cannot be edited in place (409).
func (s *Server) failEdit(w http.ResponseWriter, err error) {
	var ve *config.ValidationError
	switch {
	case errors.As(err, &ve):
		body := ReloadError{Error: "not saved: the config would have problems; nothing changed"}
		for _, p := range ve.Problems {
			body.Problems = append(body.Problems, p.String())
		}
		writeJSON(w, http.StatusUnprocessableEntity, body)
	case errors.Is(err, config.ErrUnknownSection), errors.Is(err, config.ErrNoItem):
		writeJSON(w, http.StatusNotFound, Error{Error: err.Error()})
	case errors.Is(err, config.ErrBadItem):
		writeJSON(w, http.StatusBadRequest, Error{Error: err.Error()})
	case errors.Is(err, config.ErrNotEditable):
		writeJSON(w, http.StatusConflict, Error{Error: err.Error()})
	case errors.Is(err, engine.ErrInUse):
		writeJSON(w, http.StatusConflict, inUseBody("not applied; the file is as it was", err))
	case errors.Is(err, config.ErrInvalid), errors.Is(err, engine.ErrUnknownQueue), errors.Is(err, engine.ErrBadConfig):
		writeJSON(w, http.StatusUnprocessableEntity, ReloadError{Error: "not applied; the file is as it was: " + err.Error()})
	default:
		s.fail(w, err)
	}
}

// save keeps a timestamped copy of old beside the file, then replaces the
// file with data; it returns the copy's name.
func (ed *configEditor) save(old, data []byte) (string, error) {
	stamp := time.Now().UTC().Format("20060102T150405.000Z")
	backup := ed.path + "." + stamp + ".bak"
	mode := os.FileMode(0o600)
	if fi, err := os.Stat(ed.path); err == nil {
		mode = fi.Mode().Perm()
	}
	if err := os.WriteFile(backup, old, mode); err != nil {
		return "", fmt.Errorf("config backup: %w", err)
	}
	if err := writeFileAtomic(ed.path, data); err != nil {
		return "", err
	}
	return backup, nil
}

// writeFileAtomic replaces path with data through a temporary file in the
// same directory, keeping path's mode, so a crash leaves the old or the new
// text, never half of one.
func writeFileAtomic(path string, data []byte) error {
	mode := os.FileMode(0o600)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("config file: %w", err)
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
