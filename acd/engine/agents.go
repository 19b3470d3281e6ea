package engine

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/routing"
	"github.com/hotline-cc/hotline/store"
)

// setAgent moves an agent through its state machine, logging why. An
// illegal transition is counted and refused.
func (c *Core) setAgent(now time.Time, a *agent, to acd.AgentState, w motive) error {
	if err := acd.CheckAgentTransition(a.state, to); err != nil {
		err = fmt.Errorf("agent %q: %w", a.id, err)
		c.warn(now, "illegal-transition", "%v", err)
		return err
	}
	c.account(now, a)
	from := a.state
	if from == acd.LoggedOut {
		a.loggedInAt = now
		a.idleSince = now
	}
	a.state, a.since, a.why = to, now, w
	a.pauseReason = ""
	if to == acd.Paused {
		a.pauseReason = w.reason
	}
	c.refreshView(a, now)
	if c.opts.Trace != nil {
		line := "agent " + a.id + " " + from.String() + " → " + to.String()
		if to == acd.Paused && w.reason != "" {
			line += " (" + w.reason + ")"
		}
		c.opts.Trace(now, line)
	}
	c.logAgentChange(now, a, from, to, w)
	if to != acd.Ringing && to != acd.OnCall && a.call == nil {
		// States in the middle of a call are saved with the call record.
		c.saveAgent(now, a)
	}
	c.entered(now, a)
	return nil
}

// entered is what the engine does as an agent enters a state, beside the
// moves acd's table allows: a free agent is offered the caller who waited
// longest; an agent who stops taking calls, whether asked now, after the
// call (a pending pause or logout) or for not answering, may leave callers
// nobody can serve, whom leave_empty queues send on.
func (c *Core) entered(now time.Time, a *agent) {
	switch a.state {
	case acd.Available:
		c.agentFree(now, a)
	case acd.Paused, acd.LoggedOut:
		c.leaveEmpty(now, a)
	}
}

func (c *Core) saveAgent(now time.Time, a *agent) {
	c.save(now, "agent "+a.id+" state", store.PutAgent(c.agentRecord(a)))
}

// logConfigLogins logs the login of the agents the config logs in at start
// (and saves their state), except those whose state a restart restored
// (restored): without it the log would begin with their first call, and a
// report would not know when they began to work.
func (c *Core) logConfigLogins(now time.Time, restored map[*agent]bool) {
	for _, a := range c.agents {
		if a.cfg.LoggedIn && a.state == acd.Available && !restored[a] {
			c.logAgentChange(now, a, acd.LoggedOut, acd.Available, motive{cause: acd.CauseLogin, reason: "logged_in in the config"})
			c.saveAgent(now, a)
		}
	}
}

// setPending records a pause or logout asked for during a call; the latest
// request replaces an earlier one. It is saved at once so that it survives
// a restart.
func (c *Core) setPending(now time.Time, a *agent, to acd.AgentState, w motive) {
	a.pending = &pendingChange{state: to, motive: w}
	c.trace(now, "agent %s: %s after the current call", a.id, pendingText(a.pending))
	c.saveAgent(now, a)
}

// cancelPending drops a pending pause or logout (the agent said ready).
func (c *Core) cancelPending(now time.Time, a *agent) {
	if a.pending == nil {
		return
	}
	c.trace(now, "agent %s: pending %s cancelled", a.id, pendingText(a.pending))
	a.pending = nil
	c.saveAgent(now, a)
}

func pendingText(p *pendingChange) string {
	if p.reason == "" {
		return p.state.String()
	}
	return p.state.String() + " (" + p.reason + ")"
}

// uncounted is the time in the agent's current state not yet in its
// totals: since the last change, or since the restart for a state restored
// with its start (restoreCounters counted the time before it).
func (a *agent) uncounted(now time.Time) time.Duration {
	from := a.since
	if from.Before(a.countedTo) {
		from = a.countedTo
	}
	return now.Sub(from)
}

// account adds the time since the last change to the agent's totals.
func (c *Core) account(now time.Time, a *agent) {
	d := a.uncounted(now)
	if d < 0 {
		return
	}
	if a.state != acd.LoggedOut {
		a.stats.LoggedIn += d
	}
	if a.state == acd.Paused {
		a.stats.Paused += d
	}
	a.since = now
}

func (c *Core) refreshView(a *agent, now time.Time) {
	v := &c.view[a.idx]
	v.Available = a.state == acd.Available && !now.Before(a.notBefore)
	v.LoggedIn = a.state != acd.LoggedOut
	v.Paused = a.state == acd.Paused
	v.IdleSince = a.idleSince
	v.Calls = a.stats.Answered
	v.TalkTime = a.stats.Talk
}

// agentFree offers a newly available agent the caller who goes first
// among everyone it may serve, across all its queues and the campaigns it
// works (routing.NextCall: class, priority, then wait).
func (c *Core) agentFree(now time.Time, a *agent) {
	c.refreshView(a, now)
	if c.offersHeld(now) {
		return // offersResume comes back to it
	}
	if !c.view[a.idx].Available || c.dialKeptFirst(now, a) {
		return
	}
	c.waitBuf, c.waitRef = c.waitBuf[:0], c.waitRef[:0]
	for _, q := range a.queues {
		for _, cl := range q.waiting {
			if !cl.dispatchable() || c.keptFor(cl, a, now) || (cl.only != nil && cl.only != a) || !c.mayTake(now, a, cl) {
				continue
			}
			c.waitBuf = append(c.waitBuf, c.waitingIn(now, q, cl))
			c.waitRef = append(c.waitRef, waitRef{call: cl})
		}
	}
	c.waitingLeads(now, a)
	for _, id := range c.callbackIDs() { // in id order: ties go the same way every run
		cb := c.callbacks[id]
		if cb.dialing != nil || now.Before(cb.next) || a.penalty[cb.queue.idx] < 0 {
			continue
		}
		if _, member := a.penalty[cb.queue.idx]; !member {
			continue
		}
		q := cb.queue
		c.waitBuf = append(c.waitBuf, routing.Waiting{
			Queue: q.idx, Priority: cb.priority, Enqueued: cb.enqueued,
			Req: c.requirementFor(q, nil, now.Sub(cb.enqueued)), Weight: max(q.cfg.Weight, 1),
		})
		c.waitRef = append(c.waitRef, waitRef{cb: cb})
	}
	if len(c.waitBuf) == 0 {
		return
	}
	i, ok := routing.NextCall(c.view[a.idx], func(qi int32) (int, bool) {
		p, ok := a.penalty[qi]
		return p, ok
	}, c.waitBuf, now)
	if !ok {
		return
	}
	if w := c.waitRef[i]; w.call != nil {
		if w.to != nil {
			c.moveLead(now, w.call, w.to)
		}
		c.offer(now, w.call, a)
	} else {
		c.dialCallback(now, w.cb, a)
	}
}

// waitingIn is cl as routing.NextCall sees it waiting in q.
func (c *Core) waitingIn(now time.Time, q *queue, cl *call) routing.Waiting {
	return routing.Waiting{
		Queue: q.idx, Class: cl.class, Priority: cl.priority, Enqueued: cl.enqueued,
		Req: c.requirementFor(q, cl.needs, now.Sub(cl.enqueued)), Weight: max(q.cfg.Weight, 1),
	}
}

// requirementFor is what a caller of q needs after waiting: the queue's
// requirement as relaxed so far plus the caller's own needs (the skills
// its IVR flow asked for), which never relax.
func (c *Core) requirementFor(q *queue, own []routing.Need, waited time.Duration) routing.Requirement {
	return routing.Relax(q.base, q.targets, waited).With(own)
}

// dispatchCall offers a waiting call to the agents its queue's strategy picks.
func (c *Core) dispatchCall(now time.Time, cl *call) {
	if !cl.dispatchable() || c.offersHeld(now) {
		return
	}
	if a := cl.only; a != nil {
		// A callback kept for its agent: offered to them alone.
		if freeNow(a, now) {
			c.offer(now, cl, a)
		}
		return
	}
	q := cl.queue
	waited := now.Sub(cl.enqueued)
	// An answered lead leaves alone the agents another campaign counts on
	// (mayTake): routing does not see them free.
	var hidden []int32
	if r, d := c.leadOf(cl); r != nil {
		for _, m := range q.rs.Members {
			if a := c.agents[m.Agent]; c.view[a.idx].Available && !c.leadMayTake(now, a, cl, r, d) {
				c.view[a.idx].Available = false
				hidden = append(hidden, a.idx)
			}
		}
	}
	c.selBuf = q.rs.Select(c.view, routing.Request{
		Req: c.requirementFor(q, cl.needs, waited), Waited: waited, RingStep: ringTimeout(q), Rand: c.rng.Uint64(),
		Prefer: cl.pref,
	}, now, c.selBuf[:0])
	for _, i := range hidden {
		c.view[i].Available = true
	}
	for _, ai := range c.selBuf {
		c.offer(now, cl, c.agents[ai])
	}
}

// redispatch gives every dispatchable caller a chance, oldest first (after
// a requirement relaxed, or agents came back).
func (c *Core) redispatchQueue(now time.Time, q *queue) {
	for i := 0; i < len(q.waiting); i++ {
		c.dispatchCall(now, q.waiting[i])
	}
}

// --- admin requests ---

func (c *Core) agentByID(id string) (*agent, error) {
	a, ok := c.agentIdx[id]
	if !ok {
		return nil, fmt.Errorf("agent %q: %w", id, ErrUnknownAgent)
	}
	return a, nil
}

// Login logs an agent in, available.
func (c *Core) Login(now time.Time, id string) error { return c.login(now, id, "") }

// login is Login asked for by someone (by; "" for the engine itself).
func (c *Core) login(now time.Time, id, by string) error {
	a, err := c.agentByID(id)
	if err != nil {
		return err
	}
	if a.state != acd.LoggedOut {
		return nil // idempotent: already logged in
	}
	a.noAnswerRun = 0
	a.pending = nil
	return c.setAgent(now, a, acd.Available, motive{cause: acd.CauseLogin, by: by})
}

// afterCall moves an agent whose call (and wrap-up) is over to where it
// asked to go: logged out, paused, or available for the next caller. w says
// what ended it; a pending change keeps its own cause.
func (c *Core) afterCall(now time.Time, a *agent, w motive) {
	a.call = nil
	switch p := a.pending; {
	case p != nil:
		a.pending = nil
		_ = c.setAgent(now, a, p.state, p.motive)
	case a.state == acd.Paused:
	default:
		_ = c.setAgent(now, a, acd.Available, w)
	}
}

// Logout logs an agent out; an agent on a call is logged out when it ends.
func (c *Core) Logout(now time.Time, id string) error {
	return c.logout(now, id, motive{cause: acd.CauseLogout})
}

// logout is Logout for a cause (a request's, or a reload's).
func (c *Core) logout(now time.Time, id string, w motive) error {
	a, err := c.agentByID(id)
	if err != nil {
		return err
	}
	switch a.state {
	case acd.LoggedOut:
		return nil
	case acd.Ringing, acd.OnCall, acd.WrapUp:
		c.setPending(now, a, acd.LoggedOut, w)
		return nil
	}
	if c.dialHeldFor(a) != nil {
		c.setPending(now, a, acd.LoggedOut, w) // after the lead it dialed (heldDialEnded)
		return nil
	}
	return c.setAgent(now, a, acd.LoggedOut, w)
}

// Pause stops offering calls to an agent, with a reason. An agent in a call
// is paused when the call (and wrap-up) ends.
func (c *Core) Pause(now time.Time, id, reason string) error { return c.pause(now, id, reason, "") }

// pause is Pause asked for by someone (by; "" for the engine itself).
func (c *Core) pause(now time.Time, id, reason, by string) error {
	a, err := c.agentByID(id)
	if err != nil {
		return err
	}
	// "lunch " is lunch: reports count pause time by reason.
	if reason = strings.TrimSpace(reason); reason == "" {
		reason = "break"
	}
	w := motive{cause: acd.CausePause, reason: reason, by: by}
	switch a.state {
	case acd.LoggedOut:
		return fmt.Errorf("agent %q: %w", id, ErrNotLoggedIn)
	case acd.Ringing, acd.OnCall, acd.WrapUp:
		c.setPending(now, a, acd.Paused, w) // as agents expect: finish this call, then pause
		return nil
	case acd.Paused:
		if a.pauseReason == reason {
			// The same pause asked again (a second click, a script's
			// retry): the pause and its time in state go on.
			return nil
		}
	case acd.Available:
		if c.dialHeldFor(a) != nil {
			// The lead it dialed (a preview, a callback kept for it) rings
			// or waits for it: it takes that call, then pauses, so that no
			// one who answers waits on hold for an agent gone.
			c.setPending(now, a, acd.Paused, w)
			return nil
		}
	}
	return c.setAgent(now, a, acd.Paused, w)
}

// Ready makes a paused agent (or one in wrap-up) available. It cancels a
// pause or logout asked for during the current call: an agent on a call
// stays on it and is available once it (and its wrap-up) is over.
func (c *Core) Ready(now time.Time, id string) error { return c.ready(now, id, "") }

// ready is Ready asked for by someone (by; "" for the engine itself).
func (c *Core) ready(now time.Time, id, by string) error {
	w := motive{cause: acd.CauseReady, by: by}
	a, err := c.agentByID(id)
	if err != nil {
		return err
	}
	switch a.state {
	case acd.LoggedOut:
		return fmt.Errorf("agent %q: %w", id, ErrNotLoggedIn)
	case acd.Available:
		// A pause or logout asked while its own lead dial rang is off.
		c.cancelPending(now, a)
		return nil
	case acd.Ringing, acd.OnCall:
		c.cancelPending(now, a)
		return nil
	case acd.WrapUp:
		c.cancelPending(now, a)
		a.gen[TimerWrapUp]++
		callID := a.wrapCall
		if a.call != nil {
			callID = a.call.id
		}
		c.finishWrapUp(now, a, callID, now.Sub(a.wrapStart), w)
		return nil
	}
	a.noAnswerRun = 0
	return c.setAgent(now, a, acd.Available, w)
}

// leaveEmpty overflows, in queues with leave_empty set, the waiting callers
// whom no logged-in, unpaused agent can serve any more.
func (c *Core) leaveEmpty(now time.Time, a *agent) {
	for _, q := range a.queues {
		if !q.cfg.LeaveEmpty {
			continue
		}
		for _, cl := range slices.Clone(q.waiting) {
			if cl.queue == q && slices.Contains(q.waiting, cl) && routing.MustLeave(true, c.able(q, cl, now)) {
				c.overflow(now, cl, "queue-empty")
			}
		}
	}
}

// Spy connects a supervisor endpoint to the call an agent is on, at by's
// request.
func (c *Core) Spy(now time.Time, agentID string, mode pbx.SpyMode, endpoint, by string) (string, error) {
	// An agent ringing or in wrap-up has no call (ErrNoCall), one holding
	// or consulting is not talking to the caller (ErrCallState).
	// A phone that could never listen in is named as such, whatever the
	// agent is doing.
	if err := c.spyEndpoint(endpoint); err != nil {
		if _, aerr := c.agentByID(agentID); aerr != nil {
			return "", aerr
		}
		return "", err
	}
	a, cl, err := c.agentCall(agentID, "listen, whisper or barge in", acd.CallBridged)
	if err != nil {
		return "", err
	}
	if err := c.spyPhone(a, endpoint); err != nil {
		return "", err
	}
	// The same phone asking again wants another mode: its leg in the call
	// is hung up, not rung beside (its hang-up comes as expected).
	cl.spies = slices.DeleteFunc(cl.spies, func(sp store.ActiveSpy) bool {
		if sp.Endpoint != endpoint {
			return false
		}
		c.step(now, cl, "spy-replaced", a.id, sp.Mode.String())
		c.do(Command{Op: OpHangup, Lane: cl.id, Channel: pbx.ChannelID(sp.Channel), Cause: pbx.CauseNormal})
		return true
	})
	ch := cl.nextChannel("s")
	c.goneChans[ch] = struct{}{}
	c.step(now, cl, "spy-"+mode.String(), a.id, endpoint)
	c.do(Command{Op: OpSpy, Lane: cl.id, Channel: cl.agentCh, Spy: mode, Originate: pbx.OriginateRequest{
		ChannelID: ch, Endpoint: endpoint, Timeout: 30 * time.Second,
		Vars: map[string]string{pbx.VarCallID: cl.id, pbx.VarRole: "supervisor"},
	}})
	cl.spies = append(cl.spies, store.ActiveSpy{Channel: string(ch), Mode: mode, Endpoint: endpoint, Agent: a.id, Since: now, By: by})
	c.saveActive(now, cl)
	return string(ch), nil
}

// spyForbidden are characters a single supervisor phone never has in its
// dial string: they join phones, pass options or variables.
const spyForbidden = "&,|;{}[]()^\"'`<>\\"

// spyEndpoint is the part of spyPhone that needs no agent: a dial string
// of one phone, listed in privacy.spy_phones when that lists any.
func (c *Core) spyEndpoint(endpoint string) error {
	tech, res, ok := strings.Cut(endpoint, "/")
	switch {
	case !ok || tech == "" || res == "" || strings.IndexFunc(endpoint, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return fmt.Errorf("%w: endpoint %q is not a dial string (TECH/resource, e.g. PJSIP/1100)", ErrBadSpy, endpoint)
	case strings.ContainsAny(endpoint, spyForbidden) || strings.Contains(endpoint, "//") || strings.HasSuffix(res, "/"):
		// One phone: "&" rings several (Asterisk), "," and "|" do on
		// FreeSWITCH, and a comma starts Dial's options on Asterisk.
		return fmt.Errorf("%w: endpoint %q is not one phone: a supervisor's phone is one dial string, without & , | ; { } [ ] ( ) ^ quotes or empty parts", ErrBadSpy, endpoint)
	case !c.opts.Config.Privacy.SpyPhoneAllowed(endpoint):
		return fmt.Errorf("%w: endpoint %s is not one of privacy.spy_phones (%s), the phones that may listen to calls", ErrBadSpy, endpoint, strings.Join(c.opts.Config.Privacy.SpyPhones, ", "))
	}
	return nil
}

// spyPhone checks, once spyEndpoint has passed, a supervisor's phone before
// it is rung into agent a's call: not a's own phone, and not another
// agent's unless that agent is paused or logged out: one ringing or on a
// call would be pulled into this call, and one available or in wrap-up
// would be offered callers while the phone listens.
func (c *Core) spyPhone(a *agent, endpoint string) error {
	if strings.EqualFold(endpoint, strings.TrimSpace(a.cfg.Endpoint)) {
		return fmt.Errorf("%w: endpoint %s is agent %q's own phone", ErrBadSpy, endpoint, a.id)
	}
	for _, b := range c.agents {
		if b != a && strings.EqualFold(endpoint, strings.TrimSpace(b.cfg.Endpoint)) && b.state != acd.Paused && b.state != acd.LoggedOut {
			return fmt.Errorf("%w: %s is agent %q's phone, %s (pause or log out that agent first)", ErrPhoneBusy, endpoint, b.id, b.state)
		}
	}
	return nil
}

// endSpiesOn hangs up the supervisors' legs that listen to, whisper to or
// barge in on agent a, who leaves call cl as it goes on (a transfer): they
// were on a's channel, and would stay listed on a call with no way to stop
// them. Their hang-ups come as expected.
func (c *Core) endSpiesOn(now time.Time, cl *call, a *agent) {
	n := len(cl.spies)
	cl.spies = slices.DeleteFunc(cl.spies, func(sp store.ActiveSpy) bool {
		if sp.Agent != a.id {
			return false
		}
		c.step(now, cl, "spy-ended", a.id, sp.Mode.String()+" "+sp.Channel+": the agent left the call")
		c.do(Command{Op: OpHangup, Lane: cl.id, Channel: pbx.ChannelID(sp.Channel), Cause: pbx.CauseNormal})
		return true
	})
	if len(cl.spies) != n {
		c.saveActive(now, cl)
	}
}

// SpyStop hangs up the supervisor's phone endpoint in the call agentID is
// on (one kept across a restart as well), at by's request. Its hang-up
// comes as expected.
func (c *Core) SpyStop(now time.Time, agentID, endpoint, by string) (Monitor, error) {
	a, err := c.agentByID(agentID)
	if err != nil {
		return Monitor{}, err
	}
	cl := a.call
	i := -1
	if cl != nil {
		i = slices.IndexFunc(cl.spies, func(sp store.ActiveSpy) bool { return sp.Endpoint == endpoint && sp.Agent == a.id })
	}
	if i < 0 {
		return Monitor{}, fmt.Errorf("agent %q: %w: %s is not in the agent's call", agentID, ErrNoMonitor, endpoint)
	}
	sp := cl.spies[i]
	cl.spies = slices.Delete(cl.spies, i, i+1)
	c.step(now, cl, "spy-stopped", a.id, sp.Mode.String()+" "+sp.Channel+" by "+cmp.Or(by, "the API"))
	c.do(Command{Op: OpHangup, Lane: cl.id, Channel: pbx.ChannelID(sp.Channel), Cause: pbx.CauseNormal})
	c.saveActive(now, cl)
	return monitorOf(cl.id, sp), nil
}

// Disposition attaches a disposition and notes to a call, live or ended.
func (c *Core) Disposition(now time.Time, callID, disposition, notes string) error {
	return c.DispositionCallback(now, callID, disposition, notes, time.Time{})
}

// DispositionCallback is Disposition with, for a campaign's callback
// disposition, when to call the lead back (zero: after the campaign's
// no-answer delay); the record keeps it, so a restart does too.
func (c *Core) DispositionCallback(now time.Time, callID, disposition, notes string, at time.Time) error {
	return c.DispositionCallbackTo(now, callID, disposition, notes, at, "")
}

// DispositionCallbackTo is DispositionCallback with the agent the callback
// is kept for: the id of an agent who works the campaign, or "" for
// anyone (see campaign_kept.go).
func (c *Core) DispositionCallbackTo(now time.Time, callID, disposition, notes string, at time.Time, to string) error {
	if _, _, r := c.campaignOfCall(callID); r != nil {
		// "SALE" and "sale " are the campaign's "sale", not another
		// disposition that counts as no sale.
		for _, rule := range r.cfg.DispositionRules() {
			if strings.EqualFold(strings.TrimSpace(disposition), rule.Name) {
				disposition = rule.Name
			}
		}
	}
	edit, err := c.campaignDisposition(now, callID, disposition, at, to)
	if err != nil {
		return err
	}
	if edit == editNotes {
		// The lead is settled by this disposition already: the record
		// keeps the callback's time and agent, which the lead keeps too.
		return c.editRecord(callID, func(rec *store.CallRecord) { rec.Notes = notes })
	}
	if edit == editOptOut {
		// An opt-out after the lead was settled: the number is listed, and
		// the record keeps the disposition the lead was settled by (the
		// reports and the lead agree), with a step that says so.
		return c.editRecord(callID, func(rec *store.CallRecord) {
			if notes != "" {
				rec.Notes = notes
			}
			rec.Timeline = append(rec.Timeline, store.Step{At: now, Kind: "opt-out", Detail: disposition})
		})
	}
	if err := c.editRecord(callID, func(rec *store.CallRecord) {
		rec.Disposition, rec.Notes, rec.CallbackAt, rec.CallbackAgent = disposition, notes, at, to
	}); err != nil {
		return err
	}
	if cl, ok := c.calls[callID]; ok && cl.phase != acd.CallEnded {
		c.saveActive(now, cl) // a restart during the call keeps it (the lead is settled by it)
	}
	return nil
}

// SetReason records what the call was about (the category the agent
// picks); first-contact resolution compares it across a customer's calls.
func (c *Core) SetReason(now time.Time, callID, reason string) error {
	return c.editRecord(callID, func(rec *store.CallRecord) { rec.Reason = reason })
}

// callRecord is a call's record as it stands, live, ending or ended, and
// whether it must be written back after a change (ended calls only).
func (c *Core) callRecord(callID string) (rec *store.CallRecord, ended bool, err error) {
	if cl, ok := c.calls[callID]; ok {
		return &cl.rec, false, nil
	}
	if t, ok := c.trailing[callID]; ok {
		return &t.rec, true, nil
	}
	rec, err = c.w.Call(callID) // as last written, durable or not
	if err != nil {
		return nil, false, fmt.Errorf("call %q: %w", callID, err)
	}
	return rec, true, nil
}

// editRecord changes a call's record, live, ending or ended. An ended
// call's is written at once, also while its agent wraps up: the change is
// on disk when the request is answered.
func (c *Core) editRecord(callID string, edit func(*store.CallRecord)) error {
	rec, ended, err := c.callRecord(callID)
	if err != nil {
		return err
	}
	edit(rec)
	if !ended {
		return nil
	}
	if _, err := c.w.Submit(store.PutCall(rec)); err != nil {
		return fmt.Errorf("call %q: %w", callID, err)
	}
	return nil
}
