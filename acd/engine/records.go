package engine

import (
	"errors"
	"slices"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/kpi"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/store"
)

// Store is where the engine's records go: *store.DB, or a stand-in in
// tests. The engine never calls it on its own goroutine in the daemon: its
// writes go through a store.Writer (see Options.Writer), in order, and come
// back as Saved once durable.
type Store = store.Target

// LoadSaved reads what Restore needs: the live state, and the records of
// the calls ended today (local time), from which the queue counters start
// again.
func LoadSaved(db *store.DB) (Saved, error) {
	now := time.Now()
	return LoadSavedSince(db, time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location()))
}

// LoadSavedSince is LoadSaved with the counting period starting at from.
// A record that cannot be decoded is left out and reported in the error as
// a *store.DecodeError (see store.Skipped); s is usable then. Any other
// error means it is not.
func LoadSavedSince(db *store.DB, from time.Time) (s Saved, err error) {
	s = Saved{Since: from}
	var skipped []error
	// usable keeps the decode errors of a listing and returns the rest.
	usable := func(err error) error {
		bad, rest := store.Skipped(err)
		for _, de := range bad {
			skipped = append(skipped, de)
		}
		return rest
	}
	if s.Changes, err = db.AgentChanges("", from, time.Time{}); usable(err) != nil {
		return s, err
	}
	recs, err := db.CollectCalls(store.Filter{From: from})
	if usable(err) != nil {
		return s, err
	}
	for _, rec := range recs {
		if rec.Outcome != acd.OutcomeInProgress && !rec.Ended.IsZero() {
			s.Ended = append(s.Ended, rec)
		}
	}
	// A call that ended with a recording still unreported may have
	// entered before the period: its recording is looked for a day back.
	earlier, err := db.CollectCalls(store.Filter{From: from.Add(-trailingLookBack), To: from})
	if usable(err) != nil {
		return s, err
	}
	for _, rec := range slices.Concat(earlier, s.Ended) {
		if len(unfinishedRecordings(&rec)) > 0 && rec.Outcome != acd.OutcomeInProgress && !rec.Ended.IsZero() {
			s.Trailing = append(s.Trailing, rec)
		}
	}
	if s.Agents, err = db.Agents(); usable(err) != nil {
		return s, err
	}
	if s.Agents, err = agentsFromChanges(db, s.Agents, skipped); err != nil {
		return s, err
	}
	if s.Active, err = db.ActiveCalls(); usable(err) != nil {
		return s, err
	}
	if s.Alive, err = db.Alive(); usable(err) != nil {
		return s, err
	}
	if s.Callbacks, err = db.Callbacks(); usable(err) != nil {
		return s, err
	}
	s.Records = map[string]*store.CallRecord{}
	ids := make([]string, 0, len(s.Active))
	for _, ac := range s.Active {
		ids = append(ids, ac.CallID)
	}
	for _, a := range s.Agents {
		if a.State == acd.WrapUp && a.WrapCall != "" {
			ids = append(ids, a.WrapCall) // its wrap-up's end goes into it
		}
	}
	for _, id := range ids {
		// Without its record (missing, unreadable) a call resumes all the same.
		if rec, err := db.Call(id); err == nil {
			s.Records[id] = rec
		} else {
			_ = usable(err)
		}
	}
	return s, errors.Join(skipped...)
}

// agentsFromChanges adds to agents, for each agent whose saved state could
// not be decoded (named in skipped), the state its last logged change left
// it in: a paused agent stays paused with its reason, and is not taken for
// logged out (or logged in by the config and offered calls).
func agentsFromChanges(db *store.DB, agents []store.AgentState, skipped []error) ([]store.AgentState, error) {
	var ids []string
	for _, err := range skipped {
		var de *store.DecodeError
		if errors.As(err, &de) && de.Bucket == "agents" {
			ids = append(ids, de.Key)
		}
	}
	if len(ids) == 0 {
		return agents, nil
	}
	last, err := db.LastAgentChanges(ids, time.Unix(1<<33, 0)) // before any change: year 2242
	if _, err = store.Skipped(err); err != nil {
		return agents, err
	}
	for _, id := range ids {
		ch, ok := last[id]
		if !ok {
			continue
		}
		agents = append(agents, ch.StateAfter())
	}
	return agents, nil
}

// trailingLookBack is how long before the counting period LoadSavedSince
// looks for ended calls whose recording was not reported finished.
const trailingLookBack = 24 * time.Hour

// NopStore keeps nothing; for trials where records do not matter.
type NopStore struct{}

var _ Store = NopStore{}

func (NopStore) Write([]store.Op) error                 { return nil }
func (NopStore) Call(string) (*store.CallRecord, error) { return nil, store.ErrNotFound }

// save submits ops to the writer as one all-or-nothing write. Its sequence
// number comes back through Saved once the write is durable. A refused
// write (a record that does not validate) is a bug: it is counted.
func (c *Core) save(now time.Time, what string, ops ...store.Op) uint64 {
	seq, err := c.w.Submit(ops...)
	if err != nil {
		c.warn(now, "store", "%s not saved: %v", what, err)
	}
	return seq
}

// unsaved is an ended call whose final record is not durable yet.
type unsaved struct {
	seq  uint64
	call *call
}

// Saved is told by the runtime that every write up to seq is durable. Calls
// ended by those writes are finished only now: until then they are listed
// as ended (status) and their record is read from the writer.
func (c *Core) Saved(now time.Time, seq uint64) {
	if seq <= c.savedSeq {
		return
	}
	c.savedSeq = seq
	n := 0
	for n < len(c.unsaved) && c.unsaved[n].seq <= seq {
		c.finished(now, c.unsaved[n].call)
		n++
	}
	clear(c.unsaved[:n])
	c.unsaved = c.unsaved[n:]
	c.campaignSaved(now, seq)
}

// Unsaved is the number of ended calls whose record is not durable yet.
func (c *Core) Unsaved() int { return len(c.unsaved) }

// finishCall submits a call's final record, its resume state's removal and
// its agent's state in one write, and keeps the call as ending until the
// write is durable.
func (c *Core) finishCall(now time.Time, cl *call, agent *store.AgentState) {
	ops := []store.Op{store.PutCall(&cl.rec), store.DeleteActive(cl.id)}
	if agent != nil {
		ops = append(ops, store.PutAgent(agent))
	}
	seq := c.save(now, "call "+cl.id+" record", ops...)
	if seq == 0 {
		return
	}
	if c.w.Durable() >= seq {
		c.finished(now, cl) // durable already (a synchronous writer, or a quick one)
		return
	}
	c.unsaved = append(c.unsaved, unsaved{seq: seq, call: cl})
}

// finished tells Options.Finished that a call is over for good.
func (c *Core) finished(now time.Time, cl *call) {
	if c.opts.Finished != nil {
		c.opts.Finished(now, cl.id)
	}
}

// trailer is an ended call whose record still changes: wrap-up not over, or
// recordings not yet reported finished (their names).
type trailer struct {
	rec        store.CallRecord
	wrap       bool
	recordings []string
	checks     int    // recording guards fired
	guardGen   uint64 // the recording guard timer's Gen
}

func (c *Core) saveTrailer(now time.Time, id string, t *trailer) {
	c.save(now, "call "+id+" record update", store.PutCall(&t.rec))
	if !t.wrap && len(t.recordings) == 0 {
		delete(c.trailing, id)
	}
}

// onRecordingStarted gives a recording the switch's time of its start, in
// place of the time Hotline asked for it (startRecording's, which stays
// where no such event comes: a switch that sends none, a restart between
// the two), however late the event comes: its end is the switch's time
// too, so one leg's recording does not seem to begin before the previous
// leg's ended.
func (c *Core) onRecordingStarted(now time.Time, e pbx.RecordingStarted) {
	if e.At.IsZero() {
		return
	}
	for _, cl := range c.calls {
		if r := recordingNamed(&cl.rec, e.Name); r != nil {
			startedAt(r, e.At)
			c.saveActive(now, cl)
			return
		}
	}
	for id, t := range c.trailing {
		if r := recordingNamed(&t.rec, e.Name); r != nil {
			startedAt(r, e.At)
			c.saveTrailer(now, id, t)
			return
		}
	}
}

// startedAt sets r's start to the switch's time at; an end Hotline gave it
// before the switch said when it started (a stop asked at once) is not
// left before it.
func startedAt(r *store.Recording, at time.Time) {
	r.Start = at
	if !r.End.IsZero() {
		r.End = notBefore(r.End, at)
	}
}

func (c *Core) onRecordingFinished(now time.Time, e pbx.RecordingFinished) {
	for _, cl := range c.calls {
		if recordingNamed(&cl.rec, e.Name) == nil {
			continue
		}
		if e.Failed {
			c.recordingFailed(now, cl, e.Name, failedWhy(e))
			return
		}
		// Over, whether stopped on request or by the switch: nothing
		// left to stop or wait for when the call ends.
		if cl.recording == e.Name {
			cl.recording, cl.recPaused = "", false
		}
		finishRecording(now, &cl.rec, e)
		c.saveActive(now, cl)
		return
	}
	for id, t := range c.trailing {
		if !slices.Contains(t.recordings, e.Name) {
			continue
		}
		finishRecording(now, &t.rec, e)
		if e.Failed {
			t.rec.Timeline = append(t.rec.Timeline, store.Step{At: now, Kind: "recording-failed", Detail: failedWhy(e)})
		}
		t.recordings = slices.DeleteFunc(t.recordings, func(n string) bool { return n == e.Name })
		c.saveTrailer(now, id, t)
		return
	}
}

// failedWhy is why a recording failed, as the switch said, for the
// timeline.
func failedWhy(e pbx.RecordingFinished) string {
	if e.Err != "" {
		return e.Err
	}
	return "the switch reported it failed"
}

// recordingFailed notes in a live call's record that its recording name
// failed (a stock Debian Asterisk lacks /var/spool/asterisk/recording): a
// timeline step, the recording Failed, and nothing left to stop or wait
// for.
func (c *Core) recordingFailed(now time.Time, cl *call, name, why string) {
	if cl.recording == name {
		cl.recording, cl.recPaused = "", false
	}
	if r := recordingNamed(&cl.rec, name); r != nil {
		r.Failed, r.Path = true, ""
		if r.End.IsZero() && !r.Start.IsZero() {
			r.End = now
		}
	}
	c.step(now, cl, "recording-failed", "", why)
	c.saveActive(now, cl)
}

func (c *Core) activeRecord(cl *call) *store.ActiveCall {
	ac := &store.ActiveCall{
		CallID: cl.id, Channel: string(cl.ch), Enqueued: cl.enqueued, Priority: cl.priority, Skills: cl.skills,
		State: cl.phase, Direction: cl.dir, Since: cl.arrived, Bridge: string(cl.bridge), Recording: cl.recording,
		RecordingPaused: cl.recPaused, Listening: cl.listen.name, Playing: string(cl.playback), HeldSince: cl.xfer.heldAt, LegHold: cl.xfer.legHold,
		LegStart: cl.xfer.legStart, LegVia: cl.xfer.via, LegFrom: cl.xfer.from, TalkFrom: cl.talkFrom,
	}
	if cl.queue != nil {
		ac.Queue = cl.queue.name
	}
	if cl.agent != nil {
		ac.Agent, ac.AgentChannel = cl.agent.id, string(cl.agentCh)
		ac.Since = cl.answered
	}
	if cl.only != nil {
		ac.Only = cl.only.id
	}
	ac.Seen = cl.checked
	if cl.rec.Contact != 0 {
		oc := cl.contact
		ac.Contact = &oc
	}
	if !cl.flow.Done() {
		flow := c.flow.Stored(cl.flow) // no secret values at rest
		ac.Flow = &flow
	}
	if t := cl.xfer.target; t != nil && (cl.phase == acd.CallConsulting || cl.phase == acd.CallTransferring || cl.phase == acd.CallExternal) {
		ac.Consult = &store.ActiveConsult{Agent: t.to.Agent, Number: t.to.Number, Channel: string(t.ch), Answered: t.answered,
			Bridge: string(t.bridge), From: cl.xfer.from}
		if cl.phase == acd.CallExternal {
			ac.Consult.Since = cl.xfer.legStart
		}
	}
	ac.Spies = slices.Clone(cl.spies)
	return ac
}

func (c *Core) agentRecord(a *agent) *store.AgentState {
	st := &store.AgentState{
		ID: a.id, State: a.state, PauseReason: a.pauseReason, Since: a.since,
		LoggedInAt: a.loggedInAt, CallsTaken: a.stats.Answered, TalkTime: a.stats.Talk,
		ConsecutiveNoAnswer: a.noAnswerRun, CampaignTurn: a.turn, IdleSince: a.idleSince,
	}
	switch {
	case a.state == acd.WrapUp && a.call != nil:
		st.WrapUntil, st.WrapCall = a.call.wrapEnd, a.call.id
		if a.call.agent != a && !a.wrapUntil.IsZero() {
			// It left the call to another party (a transfer): its own
			// end, which that party's wrap-up does not move.
			st.WrapUntil = a.wrapUntil
		}
	case a.state == acd.WrapUp && a.wrapCall != "":
		// Restored in wrap-up: a second restart keeps it too.
		st.WrapUntil, st.WrapCall = a.wrapUntil, a.wrapCall
	}
	if p := a.pending; p != nil {
		pending := p.state
		st.PendingState, st.PendingReason, st.PendingCause, st.PendingBy = &pending, p.reason, p.cause, p.by
	}
	return st
}

// logAgentChange adds an agent's state change to the stored log, from
// which reports rebuild occupancy and pause time for any period.
func (c *Core) logAgentChange(now time.Time, a *agent, from, to acd.AgentState, w motive) {
	a.why = w
	c.changeSeq++
	ch := &store.AgentChange{Agent: a.id, At: now, Seq: c.changeSeq, From: from, To: to,
		Cause: w.cause, Reason: w.reason, By: w.by}
	if a.call != nil {
		ch.Call = a.call.id
	}
	for _, s := range []acd.AgentState{from, to} {
		if s == acd.LoggedOut || s == acd.Paused {
			for _, q := range a.queues {
				ch.Queues = append(ch.Queues, q.name)
			}
			break
		}
	}
	c.save(now, "agent "+a.id+" change", store.PutAgentChange(ch))
}

// restoreCounters starts the queue and agent counters from the stored
// records (of ended calls, and so far of live ones) and agent state changes
// of the period, so that the day's figures survive a restart. An agent's logged-in and paused time runs to now: the
// time Hotline was down counts in the state the agent was left in.
func (c *Core) restoreCounters(now time.Time, s Saved) {
	if s.Since.IsZero() {
		return
	}
	sl := func(queue string) time.Duration {
		if q := c.queueIdx[queue]; q != nil {
			return q.cfg.ServiceLevel
		}
		return 0
	}
	tally := kpi.TallyRecords(s.Ended, sl)
	// The calls live at the restart were offered, rung and answered in
	// the run before: counted so far from their records, the rest as they
	// end.
	var live []store.CallRecord
	for _, ac := range s.Active {
		if rec := s.Records[ac.CallID]; rec != nil {
			live = append(live, *rec)
		}
	}
	tally.AddLive(live, sl)
	for name, k := range tally.Queues {
		if q := c.queueIdx[name]; q != nil {
			q.stats = *k
		}
	}
	byAgent := map[string][]store.AgentChange{}
	for _, ch := range s.Changes {
		byAgent[ch.Agent] = append(byAgent[ch.Agent], ch)
	}
	stored := map[string]store.AgentState{}
	for _, st := range s.Agents {
		stored[st.ID] = st
	}
	for _, a := range c.agents {
		var k kpi.Agent
		if t := tally.Agents[a.id]; t != nil {
			k = *t
		}
		changes := byAgent[a.id]
		if st, ok := stored[a.id]; ok && len(changes) == 0 && !st.Since.IsZero() && !st.Since.After(s.Since) {
			// No change in the period: in the state it was left in since
			// before it, as the agents report counts it.
			changes = []store.AgentChange{{Agent: a.id, At: st.Since, From: st.State, To: st.State}}
		}
		k.LoggedIn, k.Paused = kpi.AgentTimes(changes, s.Since, now)
		a.stats = k
		c.refreshView(a, now)
	}
	c.trace(now, "counters restored from %d stored records and %d agent changes", len(s.Ended), len(s.Changes))
	c.startDays(s.Since)
}

// callbackIDs lists the callback requests in id order, so that choices
// among equals never depend on map order.
func (c *Core) callbackIDs() []string {
	ids := make([]string, 0, len(c.callbacks))
	for id := range c.callbacks {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
