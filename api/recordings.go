package api

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/api/auth"
	"github.com/hotline-cc/hotline/store"
)

// RecordingStore is what the recording routes read and where they log
// each read as a read of personal data; *store.DB has it.
type RecordingStore interface {
	Call(id string) (*store.CallRecord, error)
	Recordings(from, to time.Time) ([]store.RecordingEntry, error)
	Audit(e store.AuditEntry) error
}

var _ RecordingStore = (*store.DB)(nil)

// recordings serves the recording files (see EnableRecordings).
type recordings struct {
	db  RecordingStore
	dir string
	now func() time.Time
}

// EnableRecordings serves recordings from dir, the switch's recording
// directory as this machine sees it ("" = the paths the switch reported).
func (s *Server) EnableRecordings(db RecordingStore, dir string) {
	s.recordings = &recordings{db: db, dir: dir, now: time.Now}
}

var errRecordingsOff = errors.New("recordings are not served by this daemon")

func (s *Server) recordingRoutes() {
	s.mux.HandleFunc("POST /api/v1/agents/{id}/recording/{action}", s.recordingAction)
	s.mux.HandleFunc("GET /api/v1/calls/{id}/recording", s.recordingFile)
	s.mux.HandleFunc("GET /api/v1/recordings", s.recordingList)
}

// recordingAction answers POST /api/v1/agents/{id}/recording/{action}:
// start, stop, pause or resume the recording of the agent's call.
func (s *Server) recordingAction(w http.ResponseWriter, r *http.Request) {
	var body struct{}
	if err := decode(w, r, &body); err != nil {
		s.fail(w, err)
		return
	}
	action := engine.RecordingAction(r.PathValue("action"))
	if !slices.Contains([]engine.RecordingAction{engine.RecordingStart, engine.RecordingStop, engine.RecordingPause, engine.RecordingResume}, action) {
		s.fail(w, badRequest("unknown recording action %q; known: start, stop, pause, resume", action))
		return
	}
	st, err := engine.Send(r.Context(), s.eng, engine.RecordingControl{Agent: r.PathValue("id"), Action: action, By: who(r)})
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// recordingFile answers GET /api/v1/calls/{id}/recording?n=N with the
// file of the call's N-th recording (default the first), Range requests
// included: agents for their own calls, supervisors for their teams' (or
// all), admins for all. Every read is in the audit log.
func (s *Server) recordingFile(w http.ResponseWriter, r *http.Request) {
	rs := s.recordings
	if rs == nil {
		writeJSON(w, http.StatusServiceUnavailable, Error{Error: errRecordingsOff.Error()})
		return
	}
	id := r.PathValue("id")
	rec, err := rs.db.Call(id)
	if errors.Is(err, store.ErrNotFound) {
		if p := principalOf(r); p != nil && !p.role.Allows(auth.Supervisor) {
			// An agent is told no more of a call id that does not exist
			// than of another agent's: which ids exist is not theirs.
			writeJSON(w, http.StatusForbidden, Error{Error: errForbidden.Error() + ": an agent acts on their own calls only"})
			return
		}
	}
	if err != nil {
		s.fail(w, fmt.Errorf("call %q: %w", id, err))
		return
	}
	if why := s.mayTouch(r, rec); why != "" {
		writeJSON(w, http.StatusForbidden, Error{Error: errForbidden.Error() + ": " + why})
		return
	}
	n := 1
	if q := r.URL.Query().Get("n"); q != "" {
		if n, err = strconv.Atoi(q); err != nil || n < 1 {
			s.fail(w, badRequest("n %q: want a recording's number in its call, 1 for the first", q))
			return
		}
	}
	one, err := rec.RecordingNumber(n)
	if err != nil {
		s.fail(w, err)
		return
	}
	if t := s.teamOf(r); t != nil && !t.recording(s.eng.Snapshot().Members, rec, one) {
		writeJSON(w, http.StatusForbidden, Error{Error: errForbidden.Error() + fmt.Sprintf(": recording %d is of a leg that was not in your teams", n)})
		return
	}
	file, err := one.File(rs.dir)
	if err != nil {
		s.fail(w, fmt.Errorf("call %q: recording %d: %w", id, n, err))
		return
	}
	subject, name := "call "+id, id
	if n > 1 {
		subject, name = fmt.Sprintf("call %s recording %d", id, n), fmt.Sprintf("%s-%d", id, n)
	}
	f, err := os.Open(file)
	if err != nil {
		s.fail(w, fmt.Errorf("call %q: recording file: %w", id, store.ErrNotFound))
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.IsDir() {
		s.fail(w, fmt.Errorf("call %q: recording file: %w", id, store.ErrNotFound))
		return
	}
	if err := rs.db.Audit(store.AuditEntry{At: rs.now().UTC(), Who: who(r), Action: "recording", Subject: subject, Count: 1}); err != nil {
		s.fail(w, fmt.Errorf("audit log: %w", err))
		return
	}
	w.Header().Set("Content-Type", recordingType(file))
	disp := "inline"
	if r.URL.Query().Get("download") != "" {
		disp = "attachment"
	}
	w.Header().Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": name + path.Ext(file)}))
	w.Header().Set("Cache-Control", "private, no-store")
	http.ServeContent(w, r, "", fi.ModTime(), f)
}

// mayTouch says why the caller may not hear the call's recording nor file
// its disposition, or "".
func (s *Server) mayTouch(r *http.Request, rec *store.CallRecord) string {
	p := principalOf(r)
	if p == nil || p.role.Allows(auth.Supervisor) {
		if t := s.teamOf(r); t != nil && !t.record(s.eng.Snapshot().Members, rec) {
			return "the call was not in your teams"
		}
		return ""
	}
	if a := p.user.Agent; a != "" && (rec.Agent == a || slices.ContainsFunc(rec.Legs, func(l store.Leg) bool { return l.Agent == a })) {
		return ""
	}
	return "an agent acts on their own calls only"
}

// recordingType is a recording's content type by its extension.
func recordingType(file string) string {
	switch strings.ToLower(filepath.Ext(file)) {
	case ".wav":
		return "audio/wav"
	case ".gsm":
		return "audio/x-gsm"
	case ".mp3":
		return "audio/mpeg"
	case ".ogg", ".oga", ".opus":
		return "audio/ogg"
	case ".sln", ".sln16", ".ulaw", ".alaw", ".g722":
		return "application/octet-stream"
	}
	if t := mime.TypeByExtension(filepath.Ext(file)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// recordingList answers GET /api/v1/recordings?from=&to= (RFC 3339 or a
// duration back from now; default the last 24 h), oldest first: each
// recording of a call apart, numbered (n) in the call.
func (s *Server) recordingList(w http.ResponseWriter, r *http.Request) {
	rs := s.recordings
	if rs == nil {
		writeJSON(w, http.StatusServiceUnavailable, Error{Error: errRecordingsOff.Error()})
		return
	}
	now := rs.now()
	q := r.URL.Query()
	from, err := parseWhen("from", q.Get("from"), now)
	if err != nil {
		s.fail(w, err)
		return
	}
	if q.Get("from") == "" {
		from = now.Add(-24 * time.Hour)
	}
	to, err := parseWhen("to", q.Get("to"), now)
	if err != nil {
		s.fail(w, err)
		return
	}
	if !to.IsZero() && !to.After(from) {
		s.fail(w, badRequest("to %s is not after from %s", to.Format(time.RFC3339), from.Format(time.RFC3339)))
		return
	}
	list, err := rs.db.Recordings(from, to)
	skipped, err := store.Skipped(err)
	if err != nil {
		s.fail(w, err)
		return
	}
	if len(skipped) > 0 {
		s.warnSkipped(w, skipped)
	}
	if t := s.teamOf(r); t != nil {
		members := s.eng.Snapshot().Members
		list = slices.DeleteFunc(list, func(e store.RecordingEntry) bool {
			return !t.queue(e.Queue) && (e.Agent == "" || !t.agent(members, e.Agent))
		})
	}
	if err := rs.db.Audit(store.AuditEntry{At: now.UTC(), Who: who(r), Action: "list-recordings", Subject: "recordings from " + from.UTC().Format(time.RFC3339), Count: len(list)}); err != nil {
		s.fail(w, fmt.Errorf("audit log: %w", err))
		return
	}
	if list == nil {
		list = []store.RecordingEntry{}
	}
	writeJSON(w, http.StatusOK, list)
}
