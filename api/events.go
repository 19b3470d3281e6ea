package api

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/hotline-cc/hotline/acd/engine"
)

// events serves the engine's change stream as Server-Sent Events:
//
//	id: <seq>
//	event: snapshot | agent | call | call-ended | queue | campaign
//	data: <JSON>
//
// and, with no id (it is not part of the engine's stream and is not
// replayed), "event: tasks" when a callback task the user sees (see
// taskScope) was opened, claimed, released or closed, with the task as
// written (TaskEvent); with data {} when the stream fell behind the tasks
// written: the desk reads its task list again.
//
// The stream opens with a snapshot (the whole status), then sends changes
// in order. A client reconnecting with Last-Event-ID (header, or the
// last_event_id parameter) gets the changes it missed if the daemon still
// holds them, else a new snapshot. A client too
// slow to keep up gets a snapshot in place of what it missed. Idle streams
// get a keep-alive event every KeepAlive. The stream ends when its
// credentials no longer hold as they did (signed out, expired, the user
// disabled or given another role, agent or teams): at once for a sign-out
// or a change made over the API, by the next keep-alive otherwise.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		s.fail(w, fmt.Errorf("streaming is not supported by this connection"))
		return
	}
	var after uint64
	v := r.Header.Get("Last-Event-ID")
	if v == "" {
		// A page reloaded in a browser cannot set the header on a new EventSource.
		v = r.URL.Query().Get("last_event_id")
	}
	if v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			s.fail(w, badRequest("Last-Event-ID %q: want the id of an event of this stream", v))
			return
		}
		after = n
	}
	sub, snap, replay := s.eng.Subscribe(after, 0)
	defer sub.Cancel()
	tasks, stopTasks := s.tasksFed.listen()
	defer stopTasks()
	taskShown := s.taskScopeOf(r)
	// A supervisor with teams gets a snapshot cut to them (encoded for this
	// stream) and only the changes about them; an agent no campaigns, and
	// only their own calls.
	tm := s.viewOf(r)
	switch {
	case tm != nil && snap != nil:
		snap = tm.snapshot(snap)
	case tm != nil:
		// A replay: the view learns the agent's call from the state now.
		tm.snapshot(s.eng.Snapshot())
	}
	shown := func(ch *engine.Change) bool { return tm == nil || tm.change(s.eng.Snapshot().Members, ch) }

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: do not hold events back
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return // a HEAD asks whether the stream is there, not for it
	}

	// seen is the last seq sent: changes already in a snapshot are skipped.
	// Each event is a frame the hub built once for every stream: sending it
	// is a copy into the connection's buffer.
	var seen uint64
	send := func(id uint64, v interface{ Frame() ([]byte, error) }) bool {
		frame, err := v.Frame()
		if err != nil {
			s.log.Error().Err(err).Uint64("id", id).Msg("event not encoded")
			return true
		}
		if _, err := w.Write(frame); err != nil {
			return false
		}
		seen = id
		return true
	}
	if snap != nil && !send(snap.Seq, snap) {
		return
	}
	for _, ch := range replay {
		if !shown(&ch) {
			continue
		}
		if !send(ch.Seq, ch) {
			return
		}
	}
	flusher.Flush()

	writeChange := func(ch engine.Change) bool {
		switch {
		case ch.Kind == engine.ChangeResync && tm != nil:
			return send(ch.Snapshot.Seq, tm.snapshot(ch.Snapshot))
		case ch.Kind == engine.ChangeResync:
			return send(ch.Snapshot.Seq, ch.Snapshot)
		case ch.Seq <= seen, !shown(&ch):
			return true // already in the snapshot sent, or not the team's
		}
		return send(ch.Seq, ch)
	}

	every := s.KeepAlive
	if every <= 0 {
		every = DefaultKeepAlive
	}
	// The keep-alives are events a page sees (a comment line it would
	// not): a page that hears nothing for a few of them knows its stream
	// is stalled (the daemon stopped, a network path dead) though the
	// connection stays open, and says so. The first says how often.
	keepAlive := fmt.Sprintf("event: keep-alive\ndata: {\"every_s\":%g}\n\n", every.Seconds())
	if _, err := fmt.Fprint(w, keepAlive); err != nil {
		return
	}
	flusher.Flush()
	keep := time.NewTicker(every)
	defer keep.Stop()
	// After each write the stream rests for Coalesce: changes published
	// meanwhile queue in the subscription and go out together in the next
	// write, and the goroutine is not woken for each one. With hundreds of
	// streams that turns a wake-up and a system call per change and stream
	// into one per stream and interval.
	pause := s.Coalesce
	if pause == 0 {
		pause = DefaultCoalesce
	}
	rest := time.NewTimer(time.Hour)
	rest.Stop()
	defer rest.Stop()
	moved := s.credMoves.wait()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-moved:
			moved = s.credMoves.wait() // before the check: a change during it wakes the next round
			if !s.stillSignedIn(r) {
				return
			}
		case <-keep.C:
			if !s.stillSignedIn(r) {
				return // the client's reconnect signs in again, or sees what its new role may
			}
			if _, err := fmt.Fprint(w, keepAlive); err != nil {
				return
			}
			flusher.Flush()
		case <-tasks.wake:
			if !s.writeTasks(w, tasks, taskShown) {
				return
			}
			flusher.Flush()
		case ch, ok := <-sub.C:
			// Write what is queued, then flush once: a burst costs one write.
			for n := 0; ; n++ {
				if !ok {
					return // the engine stopped
				}
				if !writeChange(ch) {
					return
				}
				if n == 255 || len(sub.C) == 0 {
					break
				}
				ch, ok = <-sub.C
			}
			flusher.Flush()
			if pause > 0 {
				rest.Reset(pause)
				select {
				case <-r.Context().Done():
					return
				case <-rest.C:
				}
			}
		}
	}
}

// writeTasks writes a "tasks" event for each task pending for sub that
// shown (nil: all) lets the stream's user see, or one that says to read
// the list again if some were lost. False: the connection is gone.
func (s *Server) writeTasks(w io.Writer, sub *taskSub, shown taskScope) bool {
	notes, lost := s.tasksFed.take(sub)
	if lost {
		_, err := io.WriteString(w, "event: tasks\ndata: {}\n\n")
		return err == nil
	}
	var members map[string][]string
	if shown != nil && len(notes) > 0 {
		members = s.eng.Snapshot().Members
	}
	for _, n := range notes {
		if shown != nil && !shown(members, &n.task) {
			continue
		}
		if _, err := fmt.Fprintf(w, "event: tasks\ndata: %s\n\n", n.data); err != nil {
			return false
		}
	}
	return true
}

// DefaultCoalesce is Server.Coalesce's default: a change waits at most this
// long for the changes after it before going out with them.
const DefaultCoalesce = 50 * time.Millisecond

// DefaultKeepAlive is Server.KeepAlive's default.
const DefaultKeepAlive = 15 * time.Second
