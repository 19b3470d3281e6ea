package engine

import (
	"slices"
	"strconv"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/routing"
	"github.com/hotline-cc/hotline/store"
)

// Saved is what a restarted daemon reads back from the store.
type Saved struct {
	Agents    []store.AgentState
	Active    []store.ActiveCall
	Records   map[string]*store.CallRecord // records of the active calls and of the calls agents wrap up, by id
	Callbacks []store.Callback
	// Since, when set, is when the counting period began (the day): the
	// queue and agent counters start from Ended, the final records of the
	// calls ended since, and Changes, the agents' logged state changes since.
	Since   time.Time
	Ended   []store.CallRecord
	Changes []store.AgentChange
	// Trailing are the calls that ended with a recording the switch had
	// not reported finished: the first Synced asks the switch about them.
	Trailing []store.CallRecord
	// Alive is the last heartbeat (store.PutAlive): every call of Active
	// was still up then.
	Alive time.Time
}

// logRestored logs, with the restart as cause, the agents whose restored
// state is not the one the stored log last has.
func (c *Core) logRestored(now time.Time, logged map[*agent]acd.AgentState) {
	for _, a := range c.agents {
		if from, ok := logged[a]; ok && from != a.state {
			c.logAgentChange(now, a, from, a.state, motive{cause: acd.CauseRestart, reason: "restored"})
		}
	}
}

// restoredPending is the pause or logout a stored agent asked for during
// its call, nil when none.
func restoredPending(st store.AgentState) *pendingChange {
	if st.PendingState == nil {
		return nil
	}
	w := motive{cause: st.PendingCause, by: st.PendingBy}
	switch *st.PendingState {
	case acd.Paused:
		w.reason = st.PendingReason
		if w.cause == "" { // saved before causes were kept
			w.cause = acd.CausePause
		}
		return &pendingChange{state: acd.Paused, motive: w}
	case acd.LoggedOut:
		if w.cause == "" {
			w.cause = acd.CauseLogout
		}
		return &pendingChange{state: acd.LoggedOut, motive: w}
	}
	return nil
}

// Restore brings back agents, live calls and callback requests after a
// restart. Restored calls wait, doing nothing, until the switch's snapshot
// (pbx.Synced) says which of their channels still exist.
func (c *Core) Restore(now time.Time, s Saved) {
	// logged is each agent's state as the stored log last has it: a
	// restored state that differs is logged as the restart's change.
	logged := map[*agent]acd.AgentState{}
	restored := map[*agent]bool{}
	lastTo := map[string]acd.AgentState{}
	for _, ch := range s.Changes {
		lastTo[ch.Agent] = ch.To
	}
	for _, st := range s.Agents {
		a, ok := c.agentIdx[st.ID]
		if !ok {
			c.warn(now, "restore", "stored agent %q is not in the config; ignored", st.ID)
			continue
		}
		logged[a] = st.State
		restored[a] = true
		if to, ok := lastTo[a.id]; ok {
			logged[a] = to
		}
		a.stats.Answered, a.stats.Talk, a.noAnswerRun = st.CallsTaken, st.TalkTime, st.ConsecutiveNoAnswer
		a.loggedInAt, a.since, a.countedTo = st.LoggedInAt, now, now
		a.turn = st.CampaignTurn // a campaign no longer configured is skipped (turnOf)
		switch st.State {
		case acd.LoggedOut:
			// Logged out then, not at the restart: the wallboard's time in
			// state goes on.
			a.state, a.since = acd.LoggedOut, restoredAt(st.Since, now)
		case acd.Paused:
			a.state, a.pauseReason = acd.Paused, st.PauseReason
			a.since = restoredAt(st.Since, now) // the pause began then, not at the restart
		case acd.WrapUp:
			a.state = acd.Available
			rec := s.Records[st.WrapCall]
			if st.WrapUntil.IsZero() && st.WrapCall != "" && !st.Since.IsZero() {
				// Rebuilt from the change log (its saved state was lost):
				// the wrap-up ends as configured, counted from its start.
				st.WrapUntil = st.Since.Add(c.wrapUpOf(a, rec))
			}
			if st.WrapUntil.After(now) {
				// The agent is still writing up the call: not offered another
				// until the wrap-up's end it had.
				// It began when the call ended, not at the restart: shown so,
				// and saved so for the next restart.
				a.since = restoredAt(st.Since, now)
				a.state, a.wrapStart, a.wrapCall, a.wrapUntil = acd.WrapUp, a.since, st.WrapCall, st.WrapUntil
				a.gen[TimerWrapUp]++
				c.out.At(st.WrapUntil, Timer{Kind: TimerWrapUp, Agent: a.idx, Call: st.WrapCall, Gen: a.gen[TimerWrapUp]})
				if rec != nil && rec.Outcome != acd.OutcomeInProgress {
					// Its end writes the wrap-up into the record, as it would
					// have without the restart.
					c.trailing[rec.ID] = &trailer{rec: *rec, wrap: true, recordings: unfinishedRecordings(rec)}
				}
			} else if !st.Since.IsZero() && st.WrapUntil.After(st.Since) {
				if rec != nil {
					c.wrappedWhileDown(now, a, rec, st.WrapUntil.Sub(st.Since), s.Ended)
				}
				if p := restoredPending(st); p != nil {
					// The pause or logout asked for during the call began
					// when the wrap-up ended, while Hotline was down: logged
					// and shown from then, not from the restart.
					a.state, a.since = p.state, st.WrapUntil
					if p.state == acd.Paused {
						a.pauseReason = p.motive.reason
					}
					c.logAgentChange(st.WrapUntil, a, acd.WrapUp, p.state, p.motive)
					logged[a] = p.state
				}
				// Saved out of wrap-up: a second restart before her next
				// change would write the wrap-up into the record again.
				c.saveAgent(now, a)
			}
			if a.state != acd.Paused && a.state != acd.LoggedOut {
				a.pending = restoredPending(st)
			}
		default:
			// Ringing and on-call are settled by the calls restored below.
			a.state = acd.Available
			a.pending = restoredPending(st)
			if st.State == acd.Available {
				a.since = restoredAt(st.Since, now)
			}
		}
		a.idleSince = now
		if st.State != acd.OnCall {
			// Idle since its last call ended (or its login), not since the
			// restart: longest-idle routing ranks it so. An agent saved on
			// a call ended it, if it did, while Hotline was down.
			a.idleSince = restoredAt(st.IdleSince, now)
		}
		c.refreshView(a, now)
	}
	c.logConfigLogins(now, restored)
	c.restoreCounters(now, s)
	c.restoreTrailers(now, s.Trailing)
	defer func() {
		// A pending pause or logout whose call did not survive the restart
		// applies now. One asked while the agent's own lead dial rang (a
		// preview, a kept callback) waits for the campaigns to take their
		// dials up (ReconcileLeads), the agent held meanwhile: that dial
		// may still ring for them.
		for _, a := range c.agents {
			switch {
			case a.pending == nil || a.call != nil || a.state == acd.WrapUp:
			case a.state == acd.Available && !c.resumed && len(c.opts.Config.Campaigns) > 0:
				c.hold(now, a, now.Add(time.Minute))
			default:
				c.afterCall(now, a, motive{cause: acd.CauseRestart})
			}
		}
	}()
	defer c.logRestored(now, logged) // runs first: the pending changes follow it
	var callbackCalls []*call
	for _, ac := range s.Active {
		q := c.queueIdx[ac.Queue]
		cl := &call{id: ac.CallID, ch: pbx.ChannelID(ac.Channel), dir: acd.DirectionInbound, arrived: ac.Since,
			queue: q, enqueued: ac.Enqueued, entered: ac.Enqueued, priority: ac.Priority, restored: true, legTag: c.runTag(),
			playCut: pbx.PlaybackID(ac.Playing)}
		if len(ac.Skills) > 0 {
			c.requireSkills(now, cl, ac.Skills)
		}
		if rec := s.Records[ac.CallID]; rec != nil {
			cl.rec = *rec
			cl.arrived = rec.Entered
		} else {
			cl.rec = store.CallRecord{ID: ac.CallID, Direction: acd.DirectionInbound, Channel: ac.Channel,
				Queue: ac.Queue, Entered: ac.Enqueued, Outcome: acd.OutcomeInProgress}
		}
		restoreLeg(cl, ac)
		if ac.Contact != nil {
			// Its tags and preferred agent route it again as it waits.
			cl.contact, cl.rec.Contact = *ac.Contact, ac.Contact.ID
		}
		if ac.Direction == acd.DirectionOutbound {
			cl.dir = acd.DirectionOutbound // a campaign's lead: see ReconcileLeads
			cl.only = c.agentIdx[ac.Only]  // a callback kept for its agent waits for them alone
		}
		if cl.rec.Direction == acd.DirectionCallback || ac.Direction == acd.DirectionCallback {
			cl.dir = acd.DirectionCallback
			if !(ac.State == acd.CallBridged || ac.State == acd.CallHeld || ac.State == acd.CallConsulting) || ac.Agent == "" {
				// Cut before the customer answered: its legs are hung up,
				// its record closed, and its request tried again.
				c.warn(now, "restore", "callback call %s was cut by the restart; request kept", ac.CallID)
				c.closeCutCallback(now, cl)
				continue
			}
			// The customer talks to the agent: the conversation goes on,
			// and its end settles the request (below).
			callbackCalls = append(callbackCalls, cl)
		}
		switch {
		case (ac.State == acd.CallBridged || ac.State == acd.CallHeld || ac.State == acd.CallConsulting) && ac.Agent != "":
			a := c.agentIdx[ac.Agent]
			if q == nil && ac.Queue != "" {
				q = c.drainingQueue(now, ac.Queue)
				cl.queue = q
			}
			if a == nil {
				a = c.drainingAgent(now, ac.Agent)
			}
			if a == nil || q == nil {
				c.warn(now, "restore", "call %s: agent %q or queue %q unknown", ac.CallID, ac.Agent, ac.Queue)
				// Not restored: a callback request it was for stays to be
				// tried again, not held by a call the engine does not have.
				callbackCalls = slices.DeleteFunc(callbackCalls, func(x *call) bool { return x == cl })
				continue
			}
			cl.phase, cl.agent, cl.agentCh = acd.CallBridged, a, pbx.ChannelID(ac.AgentChannel)
			cl.bridge, cl.recording, cl.answered = pbx.BridgeID(ac.Bridge), ac.Recording, ac.Since
			cl.recPaused = ac.Recording != "" && ac.RecordingPaused
			cl.rec.Agent, cl.rec.AgentChannel, cl.rec.Answered = a.id, ac.AgentChannel, ac.Since
			cl.talkFrom = restoredTalkFrom(cl, ac)
			if ac.State != acd.CallBridged {
				// Held, or consulting: the caller still hears music; the
				// agent takes it back, or goes on with the consult.
				cl.phase, cl.moh = acd.CallHeld, true
				cl.xfer.heldAt = heldSince(now, ac)
			}
			a.state, a.call = acd.OnCall, cl
			if a.removed {
				c.setPending(now, a, acd.LoggedOut, motive{cause: acd.CauseReload, reason: "removed from the config"})
			}
			cl.spies = ac.Spies
			c.refreshView(a, now)
			c.chans[cl.agentCh] = chanRef{call: cl, leg: &leg{ch: cl.agentCh, agent: a, answered: true}}
			if ac.State == acd.CallConsulting && ac.Consult != nil {
				c.restoreConsult(now, cl, *ac.Consult)
			}
		case (ac.State == acd.CallTransferring || ac.State == acd.CallExternal) && ac.Consult != nil:
			c.restoreTransfer(now, cl, ac)
		case q != nil && (ac.State == acd.CallQueued || ac.State == acd.CallOffering || ac.State == acd.CallLeaving):
			// A caller cut while hearing a last message was stored as queued
			// before phases were stored as they are; it still is resumed so.
			cl.phase = acd.CallQueued
		case ac.State == acd.CallMenu && ac.Flow != nil && c.flow.Has(ac.Flow.Node):
			cl.phase, cl.flow, cl.listen.cut = acd.CallMenu, *ac.Flow, ac.Listening
			cl.recording = ac.Recording // a voicemail being left goes on
		default:
			cl.phase = acd.CallNew
		}
		cl.seen = lastStep(cl)
		for _, t := range []time.Time{ac.Seen, s.Alive} {
			if t.After(cl.seen) {
				cl.seen = t
			}
		}
		c.calls[cl.id] = cl
		c.chans[cl.ch] = chanRef{call: cl}
		c.step(now, cl, "restored", "", ac.State.String())
	}
	for _, a := range c.agents {
		if restored[a] && (a.state == acd.Ringing || a.state == acd.OnCall) {
			a.since = now // settled by a restored call, as logged: from the restart
			if a.state == acd.OnCall && logged[a] == acd.OnCall && a.call != nil {
				// Her conversation goes on, and her log has her on call
				// since it began: so does the wallboard.
				a.since = restoredAt(a.call.answered, now)
			}
		}
	}
	for _, sc := range s.Callbacks {
		q := c.queueIdx[sc.Queue]
		if sc.State == acd.CallbackDone || sc.State == acd.CallbackFailed {
			continue
		}
		if q == nil {
			// Its queue left the config while the daemon was down: no
			// queue says how to dial it or whose agents take it. It was
			// skipped, left waiting in the store for good; it is failed,
			// with a warning naming it, and the caller's call record and
			// the callbacks report keep the number.
			failed := sc
			failed.State = acd.CallbackFailed
			c.warn(now, "callback-queue-removed", "callback request %s of queue %q: the queue is no longer configured; marked failed (call the caller back by hand)", sc.ID, sc.Queue)
			c.save(now, "callback "+sc.ID, store.PutCallback(&failed))
			continue
		}
		// A request cut while dialing waits again: the attempt is over.
		c.callbacks[sc.ID] = &callbackReq{id: sc.ID, state: acd.CallbackPending, queue: q, number: sc.Number, enqueued: sc.Enqueued,
			priority: sc.Priority, attempts: sc.Attempts, next: sc.NextAttempt, origin: sc.CallID, recording: sc.Recording}
	}
	for _, cl := range callbackCalls {
		// Unless its customer is talking to an agent.
		if cb := c.callbacks[stepDetail(&cl.rec, "callback-start")]; cb != nil && cl.phase != acd.CallEnded {
			cb.state, cb.dialing, cl.callback = acd.CallbackDialing, cl, cb
		}
	}
}

// closeCutCallback closes the record of a callback attempt a restart cut
// before its customer answered: failed, cause restart.
func (c *Core) closeCutCallback(now time.Time, cl *call) {
	cl.rec.Outcome, cl.rec.Cause, cl.rec.Ended = acd.OutcomeFailed, causeRestart, now
	if cl.rec.HangupBy == "" {
		cl.rec.HangupBy = acd.HangupSystem
	}
	c.step(now, cl, "closed-at-restart", "", "callback cut before the customer answered")
	c.save(now, "call "+cl.id+" record", store.PutCall(&cl.rec), store.DeleteActive(cl.id))
}

// stepDetail is the detail of the first step of kind in rec's timeline.
func stepDetail(rec *store.CallRecord, kind string) string {
	for _, s := range rec.Timeline {
		if s.Kind == kind {
			return s.Detail
		}
	}
	return ""
}

// wrappedWhileDown writes into the record of the call an agent was
// wrapping up the wrap-up that ended while Hotline was down, at the end it
// had; ended, the period's copy of the record the counters start from,
// gets it too.
func (c *Core) wrappedWhileDown(now time.Time, a *agent, rec *store.CallRecord, wrap time.Duration, ended []store.CallRecord) {
	legWrapUp(rec, a.id, wrap)
	rec.WrapUp += wrap
	if rec.Outcome == acd.OutcomeInProgress {
		return // a call the agent left that goes on: saved with it
	}
	for i := range ended {
		if ended[i].ID == rec.ID {
			ended[i] = *rec
		}
	}
	c.save(now, "call "+rec.ID+" record update", store.PutCall(rec))
}

// restoredAt is a saved time something began at (an agent's state or
// idleness, a hold): as saved, or now when it was not saved or lies
// ahead of now.
func restoredAt(saved, now time.Time) time.Time {
	if saved.IsZero() || saved.After(now) {
		return now
	}
	return saved
}

// heldSince is when a restored caller's hold began: as stored, or now for
// a call stored without it.
func heldSince(now time.Time, ac store.ActiveCall) time.Time {
	return restoredAt(ac.HeldSince, now)
}

// reconcile brings the engine in line with what the switch holds after a
// (re)connect: calls whose channels are gone are closed, restored calls are
// resumed, stranded agent legs are hung up and unknown callers adopted.
func (c *Core) reconcile(now time.Time, e pbx.Synced) {
	c.synced, c.linkUp = true, now
	live := make(map[pbx.ChannelID]pbx.ChannelInfo, len(e.Snapshot.Channels))
	for _, ch := range e.Snapshot.Channels {
		live[ch.ID] = ch
	}
	c.trace(now, "sync reconnect=%v channels=%d bridges=%d", e.Reconnect, len(e.Snapshot.Channels), len(e.Snapshot.Bridges))
	// Before the calls gone during the gap end: their recordings are only
	// now being stopped, and get the guard's usual wait.
	c.checkRecordingsAfterGap(now)
	c.hangUpStranded(now, e.Snapshot.Channels, live)
	c.keepCutRings()
	c.dropGoneSpies(now, live)
	c.campaignsReconnected(now, e, live)
	lost := e.Reconnect && c.switchLost(live)
	for _, id := range c.callIDs() {
		cl := c.calls[id]
		if cl == nil {
			continue
		}
		// Ringing legs: a leg that vanished during the gap is released
		// without blame; one still ringing is left to ring.
		for _, l := range append([]*leg(nil), cl.legs...) {
			if _, ok := live[l.ch]; !ok {
				delete(c.chans, l.ch)
				c.legFailed(now, cl, l, pbx.FailCancelled)
			}
		}
		c.reconcileTarget(now, cl, live)
		if cl.phase == acd.CallEnded {
			continue
		}
		if _, ok := live[cl.ch]; !ok {
			if seen := c.lastSeen(cl); switchRestartedSince(e.Snapshot.Started, seen) {
				// The switch started again after the call was last seen:
				// whatever else happened, its restart ended the call.
				cl.endFrom = seen
				c.switchShutdown(now, cl, "the switch restarted at "+e.Snapshot.Started.UTC().Format(time.RFC3339Nano)+
					", after the call was last seen at "+seen.UTC().Format(time.RFC3339Nano))
				continue
			}
			if c.switchStopping(now) && e.Reconnect {
				// Gone with the switch's shutdown, its hang-up lost with the link.
				cl.endFrom = c.lastSeen(cl)
				c.switchShutdown(now, cl, "gone when the switch came back")
				continue
			}
			if c.bothGone(now, cl, live) {
				continue
			}
			if cl.dir == acd.DirectionCallback && cl.answered.IsZero() {
				if cl.agentCh != "" {
					if _, ok := live[cl.agentCh]; ok {
						continue // customer leg not dialed yet or still ringing
					}
				}
			}
			cl.endFrom = c.lastSeen(cl)
			if lost && cl.dir == acd.DirectionInbound && !cl.phase.Connected() {
				// The switch dropped the waiting caller, not the caller the queue.
				c.step(now, cl, "switch-lost", "", "since "+cl.endFrom.UTC().Format(time.RFC3339Nano))
				cl.rec.Cause = causeSwitchLost
				c.endCall(now, cl, acd.HangupSystem, pbx.CauseNormal)
				continue
			}
			c.step(now, cl, "gone-during-gap", "", "since "+cl.endFrom.UTC().Format(time.RFC3339Nano))
			c.onHungUp(now, pbx.HungUp{Base: pbx.Base{Channel: cl.ch, At: now}, Cause: pbx.CauseNormal})
			continue
		}
		if cl.phase == acd.CallTransferring || cl.phase == acd.CallExternal {
			cl.restored = false // its target was checked above
			continue
		}
		if cl.phase == acd.CallConsulting {
			if _, ok := live[cl.agentCh]; !ok {
				c.step(now, cl, "agent-gone-during-gap", cl.agent.id, "during consult")
				c.consultAgentGone(now, cl)
			}
			cl.restored = false
			continue
		}
		if cl.phase == acd.CallBridged || cl.phase == acd.CallHeld {
			if _, ok := live[cl.agentCh]; !ok {
				cl.endFrom = c.lastSeen(cl)
				c.step(now, cl, "agent-gone-during-gap", cl.agent.id, "since "+cl.endFrom.UTC().Format(time.RFC3339Nano))
				delete(c.chans, cl.agentCh)
				c.endCall(now, cl, acd.HangupAgent, pbx.CauseNormal)
				continue
			}
			if cl.phase == acd.CallBridged && !bridgedTogether(live, cl.ch, cl.agentCh) {
				// Both up, but apart: the switch took them out of their
				// bridge while Hotline was down (on FreeSWITCH in socket
				// mode, a caller told to resume the dialplan when its
				// socket closes; Hotline no longer tells one in a bridge
				// to). They would hear silence until someone hung up.
				c.step(now, cl, "rebridged", cl.agent.id, "the switch held the caller and the agent apart")
				c.do(Command{Op: OpBridge, Lane: cl.id, Channel: cl.ch, Bridge: cl.bridge, Chans: []pbx.ChannelID{cl.ch, cl.agentCh}})
				c.saveActive(now, cl)
			}
			continue
		}
		if !cl.restored {
			continue
		}
		cl.restored = false
		c.stopCutPlayback(now, cl)
		switch cl.phase {
		case acd.CallMenu:
			c.resumeListening(now, cl)
			st, acts := c.flow.Resume(cl.flow, now)
			c.runFlow(now, cl, st, acts)
		case acd.CallQueued:
			q := cl.queue
			cl.queue, cl.moh = nil, false
			c.enterQueueResumed(now, cl, q)
		default:
			entry, target := c.route(pbx.CallArrived{Called: cl.rec.Called})
			if target == nil {
				c.leave(now, cl, nil, acd.OutcomeFailed, pbx.CauseNormal)
				continue
			}
			cl.entry = entry
			if cl.rec.Contact == 0 {
				// Cut before its contact was matched: matched now, as at arrival.
				c.matchThenRoute(now, cl, *target)
				continue
			}
			c.goTarget(now, cl, *target)
		}
	}
	// The switch is back: what was gone with its shutdown is settled.
	c.stopping = time.Time{}
	for _, ch := range e.Snapshot.Channels {
		if _, known := c.chans[ch.ID]; known {
			continue
		}
		if _, gone := c.goneChans[ch.ID]; gone || c.dialFor(ch.ID) != nil {
			continue
		}
		if _, left := c.leftLeads[ch.ID]; left {
			continue
		}
		c.trace(now, "adopting caller %s", ch.ID)
		c.onArrived(now, pbx.CallArrived{Base: pbx.Base{Channel: ch.ID, At: now}, Caller: ch.Caller,
			CallerName: ch.CallerName, Called: ch.Called, Vars: ch.Vars})
	}
	// Agents left "on call" by the restore with no call are free again.
	for _, a := range c.agents {
		if a.state == acd.OnCall && (a.call == nil || a.call.phase == acd.CallEnded) {
			a.state, a.call = acd.Available, nil
			c.logAgentChange(now, a, acd.OnCall, acd.Available, motive{cause: acd.CauseRestart, reason: "call gone during restart"})
			if p := a.pending; p != nil {
				a.pending = nil
				_ = c.setAgent(now, a, p.state, p.motive)
			}
			c.refreshView(a, now)
		}
	}
	for _, a := range c.agents {
		if a.state == acd.Available {
			c.agentFree(now, a)
		}
	}
}

// bridgedTogether reports whether the snapshot has channels a and b in one
// bridge.
func bridgedTogether(live map[pbx.ChannelID]pbx.ChannelInfo, a, b pbx.ChannelID) bool {
	return live[a].Bridge != "" && live[a].Bridge == live[b].Bridge
}

// switchRestartedSince reports whether a switch that started at started
// (zero: unknown) did so after seen.
func switchRestartedSince(started, seen time.Time) bool {
	return !started.IsZero() && started.After(seen)
}

// switchLost reports whether the switch came back from a lost link
// holding none of the channels of Hotline's calls: it crashed or was
// restarted, and the calls gone meanwhile were ended by it. One channel
// still up shows the switch lived on, and its callers left on their own.
func (c *Core) switchLost(live map[pbx.ChannelID]pbx.ChannelInfo) bool {
	if len(c.calls) == 0 {
		return false
	}
	for _, cl := range c.calls {
		if _, ok := live[cl.ch]; ok {
			return false
		}
	}
	return true
}

// bothGone ends a conversation whose caller and agent both left while
// Hotline did not see the switch. Neither adapter can learn who left first
// once the link is back (the hang-ups were never delivered, and the switch
// forgets a channel once it is gone), so the record says so instead of
// blaming the caller.
func (c *Core) bothGone(now time.Time, cl *call, live map[pbx.ChannelID]pbx.ChannelInfo) bool {
	if cl.phase != acd.CallBridged && cl.phase != acd.CallHeld || cl.agent == nil {
		return false
	}
	if _, ok := live[cl.agentCh]; ok {
		return false
	}
	cl.endFrom = c.lastSeen(cl)
	c.step(now, cl, "both-gone-during-gap", cl.agent.id,
		"who hung up first is unknown (link down); since "+cl.endFrom.UTC().Format(time.RFC3339Nano))
	delete(c.chans, cl.ch)
	delete(c.chans, cl.agentCh)
	c.endCall(now, cl, acd.HangupUnknown, pbx.CauseNormal)
	return true
}

// lastSeen is the last time Hotline knew a call to be up before a gap in
// what it saw of the switch: the call's last step or checkpoint, or when
// the link went down (no hang-up had come by then); for a call the previous
// run left, that run's last step or checkpoint for it.
func (c *Core) lastSeen(cl *call) time.Time {
	if cl.restored {
		return cl.seen
	}
	seen := lastStep(cl)
	for _, t := range []time.Time{c.linkDown, cl.checked} {
		if t.After(seen) {
			seen = t
		}
	}
	return seen
}

func lastStep(cl *call) time.Time {
	seen := lastRecStep(&cl.rec)
	for _, t := range []time.Time{cl.answered, cl.arrived} {
		if t.After(seen) {
			seen = t
		}
	}
	return seen
}

// checkpointEvery is how often a live call's resume state is saved as
// still up; aliveEvery how often, in between, a heartbeat is (one small
// write for all the calls: store.PutAlive). A call that ends while Hotline
// is down is known to have lasted until the last of them.
const (
	checkpointEvery = 15 * time.Second
	aliveEvery      = 2 * time.Second
)

// startCheckpoints schedules the next heartbeat of the live calls, unless
// one is due already.
func (c *Core) startCheckpoints(now time.Time) {
	if c.checkpointDue {
		return
	}
	c.checkpointDue = true
	c.out.At(now.Add(aliveEvery), Timer{Kind: TimerCheckpoint})
}

// checkpoint saves, in one write, that the live calls are still up, while
// the link to the switch is (when it is down, what the engine believes
// proves nothing): a heartbeat, and every checkpointEvery the calls' resume
// states too. It stops while no call lives.
func (c *Core) checkpoint(now time.Time) {
	c.checkpointDue = false
	if len(c.calls) == 0 {
		return
	}
	c.startCheckpoints(now)
	if c.linkDown.After(c.linkUp) {
		return
	}
	full := now.Sub(c.checkpointed) >= checkpointEvery
	ops := make([]store.Op, 0, len(c.calls)+1)
	for _, id := range c.callIDs() {
		if cl := c.calls[id]; cl.phase != acd.CallEnded {
			cl.checked = now
			if full {
				ops = append(ops, store.PutActive(c.activeRecord(cl)))
			}
		}
	}
	if full {
		c.checkpointed = now
	}
	c.save(now, "checkpoint of the live calls", append(ops, store.PutAlive(now))...)
}

// lateEvent: a hang-up the engine learns of this much after the switch
// stamped it is timed by the switch's clock.
const lateEvent = time.Second

// noteLateEnd keeps the switch's time of a hang-up that reached the engine
// late (a backlog), if it ends the call: the caller's channel, or the
// agent's in a conversation.
func (c *Core) noteLateEnd(now time.Time, ref chanRef, at time.Time) {
	cl := ref.call
	if at.IsZero() || now.Sub(at) <= lateEvent || !at.After(lastStep(cl)) {
		return
	}
	if ref.leg == nil || ref.leg.ch == cl.agentCh && cl.phase == acd.CallBridged {
		cl.endAt = at
	}
}

// endTime is when a call ended as far as Hotline knows: the switch's time
// if its hang-up came late; the start of the window in which it ended
// unseen; else now.
func (cl *call) endTime(now time.Time) time.Time {
	switch {
	case !cl.endFrom.IsZero():
		return cl.endFrom
	case !cl.endAt.IsZero():
		return cl.endAt
	}
	return now
}

// strandedHold is the longest an agent whose phone still rang (or talked to
// no one) from before a restart is kept from being rung again while that
// leg is hung up: the leg's hang-up ends the hold sooner.
const strandedHold = 2 * time.Second

// hangUpStranded hangs up the agent, supervisor and callback legs that the
// switch holds but no call here owns: legs an earlier run originated, still
// ringing or answered into nothing. Their agents are not blamed (no
// no-answer, no delay beyond strandedHold), and a restored call notes in its
// timeline that its ring was cut.
func (c *Core) hangUpStranded(now time.Time, chans []pbx.ChannelInfo, live map[pbx.ChannelID]pbx.ChannelInfo) {
	for _, ch := range chans {
		if _, known := c.chans[ch.ID]; known {
			continue
		}
		if _, gone := c.goneChans[ch.ID]; gone {
			continue
		}
		role := ch.Vars[pbx.VarRole]
		switch role {
		case "agent", "supervisor", "callback":
		case "lead":
			if c.dialFor(ch.ID) != nil {
				continue // this run's, still ringing
			}
			if c.holdLeftLead(ch) {
				continue // an earlier run's, for ReconcileLeads
			}
		default:
			continue // a caller: adopted once the known calls are settled
		}
		if role == "agent" && ch.Answered && c.adoptLeg(now, ch, live) {
			continue
		}
		if role == "supervisor" && c.keepSpy(now, ch, live) {
			continue
		}
		c.warn(now, "stranded-leg", "hanging up %s leg %s left from before", role, ch.ID)
		c.forget(ch.ID)
		c.do(Command{Op: OpHangup, Lane: string(ch.ID), Channel: ch.ID, Cause: pbx.CauseNormal})
		a := c.agentIdx[ch.Vars[pbx.VarAgent]]
		if role != "agent" || a == nil {
			continue
		}
		if cl := c.calls[ch.Vars[pbx.VarCallID]]; cl != nil {
			detail := string(ch.ID)
			if ch.Answered {
				detail += " answered"
			}
			c.step(now, cl, "ring-cut-by-restart", a.id, detail)
		}
		if c.stranded == nil {
			c.stranded = map[pbx.ChannelID]*agent{}
		}
		c.stranded[ch.ID] = a
		if until := now.Add(strandedHold); until.After(a.notBefore) {
			a.notBefore, a.heldUntil = until, until
			a.gen[TimerAgentReady]++
			c.out.At(until, Timer{Kind: TimerAgentReady, Agent: a.idx, Gen: a.gen[TimerAgentReady]})
			c.refreshView(a, now)
		}
	}
}

// adoptLeg connects an agent leg answered while Hotline was down to the
// restored caller it was rung for, when both are still there and free: the
// agent who picked up is not hung up on and rung again.
func (c *Core) adoptLeg(now time.Time, ch pbx.ChannelInfo, live map[pbx.ChannelID]pbx.ChannelInfo) bool {
	a := c.agentIdx[ch.Vars[pbx.VarAgent]]
	cl := c.calls[ch.Vars[pbx.VarCallID]]
	if a == nil || cl == nil || !cl.restored || cl.phase != acd.CallQueued || cl.queue == nil ||
		a.state != acd.Available || a.call != nil {
		return false
	}
	if _, up := live[cl.ch]; !up {
		return false
	}
	if err := c.setAgent(now, a, acd.Ringing, motive{cause: acd.CauseRestart, reason: "ringing leg kept"}); err != nil {
		return false
	}
	cl.restored = false
	a.stats.Offered++ // the queue counted the caller before the restart
	cl.moh = true     // the previous run may have left music on: stopped before the bridge
	l := &leg{ch: ch.ID, agent: a, started: ringStart(cl, ch.ID, now), answered: true}
	cl.legs = append(cl.legs, l)
	c.chans[ch.ID] = chanRef{call: cl, leg: l}
	a.call = cl
	c.setPhase(now, cl, acd.CallOffering)
	c.step(now, cl, "adopted-after-restart", a.id, string(ch.ID))
	c.connect(now, cl, l)
	return true
}

// keepCutRings keeps in the calls' attempts the rings an earlier run
// began and no run settled: the legs the restart hung up or found gone.
// They were cut by the restart, not left unanswered: cancelled. A leg
// this run still holds is settled when it ends.
func (c *Core) keepCutRings() {
	for _, cl := range c.calls {
		for _, s := range cl.rec.Timeline {
			if s.Kind != "offer" || s.Agent == "" {
				continue
			}
			if ref, ok := c.chans[pbx.ChannelID(s.Detail)]; ok && ref.leg != nil {
				continue
			}
			if slices.ContainsFunc(cl.rec.Attempts, func(at store.Attempt) bool { return at.Agent == s.Agent && at.At.Equal(s.At) }) {
				continue
			}
			cl.rec.Attempts = append(cl.rec.Attempts, store.Attempt{Agent: s.Agent, At: s.At, Result: acd.AttemptCancelled})
		}
	}
}

// ringStart is when the ring of leg ch of cl began, as its offer step
// has it; now for a leg the timeline does not name.
func ringStart(cl *call, ch pbx.ChannelID, now time.Time) time.Time {
	for _, s := range cl.rec.Timeline {
		if s.Kind == "offer" && s.Detail == string(ch) {
			return s.At
		}
	}
	return now
}

// keepSpy keeps a supervisor's leg left from before a restart (listening,
// whispering or barging in, or still ringing to do so) on the restored
// call it spies on, when the call saved it and the agent's channel it
// spies on is still up: the switch still holds the snoop or eavesdrop, and
// hanging the supervisor up would cut a listen no one asked to end. A leg
// it cannot keep is hung up, and the call's record says why.
func (c *Core) keepSpy(now time.Time, ch pbx.ChannelInfo, live map[pbx.ChannelID]pbx.ChannelInfo) bool {
	cl := c.calls[ch.Vars[pbx.VarCallID]]
	if cl == nil {
		return false
	}
	i := slices.IndexFunc(cl.spies, func(sp store.ActiveSpy) bool { return sp.Channel == string(ch.ID) })
	if i < 0 {
		// Asked for as the daemon died, before the call was saved with it.
		c.step(now, cl, "spy-cut-by-restart", "", string(ch.ID)+": not saved with the call")
		c.saveActive(now, cl)
		return false
	}
	sp := cl.spies[i]
	detail := sp.Mode.String() + " " + sp.Channel
	if _, up := live[cl.agentCh]; !up || cl.agent == nil || !cl.phase.Connected() {
		cl.spies = slices.Delete(cl.spies, i, i+1)
		c.step(now, cl, "spy-cut-by-restart", sp.Agent, detail+": the agent's channel it spied on is gone")
		c.saveActive(now, cl)
		return false
	}
	c.goneChans[ch.ID] = struct{}{} // its events, as in the run that rang it, are the switch's business
	c.step(now, cl, "spy-kept-after-restart", sp.Agent, detail)
	c.saveActive(now, cl)
	return true
}

// dropGoneSpies forgets the supervisors' legs that hung up while Hotline
// did not see the switch (on Asterisk and FreeSWITCH they go with the
// agent's channel they are on); the call's record says so.
func (c *Core) dropGoneSpies(now time.Time, live map[pbx.ChannelID]pbx.ChannelInfo) {
	for _, id := range c.callIDs() {
		cl := c.calls[id]
		n := len(cl.spies)
		cl.spies = slices.DeleteFunc(cl.spies, func(sp store.ActiveSpy) bool {
			_, up := live[pbx.ChannelID(sp.Channel)]
			if !up {
				delete(c.goneChans, pbx.ChannelID(sp.Channel))
				c.step(now, cl, "spy-gone-during-gap", sp.Agent, sp.Mode.String()+" "+sp.Channel)
			}
			return !up
		})
		if len(cl.spies) != n {
			c.saveActive(now, cl)
		}
	}
}

// spyGone drops a supervisor's leg that hung up from the call it spied on.
func (c *Core) spyGone(now time.Time, ch pbx.ChannelID) {
	for _, id := range c.callIDs() {
		cl := c.calls[id]
		if i := slices.IndexFunc(cl.spies, func(sp store.ActiveSpy) bool { return sp.Channel == string(ch) }); i >= 0 {
			cl.spies = slices.Delete(cl.spies, i, i+1)
			if cl.phase != acd.CallEnded {
				c.saveActive(now, cl)
			}
			return
		}
	}
}

// strandedGone ends an agent's hold once the last leg left from before the
// restart on its phone is gone.
func (c *Core) strandedGone(now time.Time, ch pbx.ChannelID) {
	a := c.stranded[ch]
	if a == nil {
		return
	}
	delete(c.stranded, ch)
	for _, other := range c.stranded {
		if other == a {
			return
		}
	}
	if a.notBefore.After(a.heldUntil) {
		return // held longer for another reason (no-answer, busy)
	}
	a.notBefore = now
	a.gen[TimerAgentReady]++ // the hold's timer has nothing left to do
	c.agentFree(now, a)
}

// runTag tells the channel ids of this run from those of earlier runs: the
// IDPrefix, else the start time.
func (c *Core) runTag() string {
	tag := c.opts.IDPrefix
	if tag == "" {
		tag = strconv.FormatInt(c.started.UnixMilli(), 36)
	}
	return tag + "-"
}

// enterQueueResumed puts a restored caller back in its queue with its place
// in line kept.
func (c *Core) enterQueueResumed(now time.Time, cl *call, q *queue) {
	cl.phase = acd.CallNew
	cl.resumed = true // no greeting again
	c.enterQueue(now, cl, q)
	cl.resumed = false
}

func (c *Core) callIDs() []string {
	ids := make([]string, 0, len(c.calls))
	for id := range c.calls {
		ids = append(ids, id)
	}
	sortStrings(ids)
	return ids
}

// drainingQueue is the queue, no longer configured, of a conversation
// restored after a restart: a reload removed it while the call went on,
// and, as the running daemon's did, it keeps the call until it is over. It
// has the default settings (its wrap-up, service level) and takes no new
// callers.
func (c *Core) drainingQueue(now time.Time, name string) *queue {
	if q := c.queueNamed(name); q != nil {
		return q
	}
	qc := config.DefaultQueue()
	qc.Name = name
	q, err := c.compileQueue(int32(len(c.queues)), qc)
	if err != nil {
		c.warn(now, "restore", "queue %q: %v", name, err)
		return nil
	}
	q.removed = true
	c.queues = append(c.queues, q)
	c.warn(now, "restore", "queue %q is no longer configured: its conversations go on in it until they end", name)
	return q
}

// drainingAgent is the agent, no longer configured, of a conversation
// restored after a restart: a reload removed it while it talked, and, as
// the running daemon would have, it finishes the call and its wrap-up,
// then is logged out. It takes nothing new.
func (c *Core) drainingAgent(now time.Time, id string) *agent {
	if i := slices.IndexFunc(c.agents, func(a *agent) bool { return a.id == id }); i >= 0 {
		return c.agents[i]
	}
	ac := config.DefaultAgent()
	ac.ID = id
	a := &agent{idx: int32(len(c.agents)), id: id, cfg: ac, state: acd.LoggedOut, since: now, penalty: map[int32]int{}, removed: true}
	c.agents = append(c.agents, a)
	c.view = append(c.view, routing.Agent{IdleSince: now, Weight: 1})
	c.warn(now, "restore", "agent %q is no longer configured: it finishes its call, then is logged out", id)
	return a
}
