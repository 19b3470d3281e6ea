package engine

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/ivr"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/routing"
	"github.com/hotline-cc/hotline/store"
)

// Media played when Hotline needs words of its own. Asterisk's core sounds
// carry these names; the FreeSWITCH adapter plays them from its stock
// sound pack, under that pack's names (esl/prompts.go).
const (
	soundThereAre      = "sound:queue-thereare"
	soundCallsWaiting  = "sound:queue-callswaiting"
	soundYouAreNext    = "sound:queue-youarenext"
	soundHoldTime      = "sound:queue-holdtime"
	soundLessThan      = "sound:queue-less-than"
	soundMinutes       = "sound:queue-minutes"
	soundThankYou      = "sound:queue-thankyou"
	soundCallbackTaken = "sound:auth-thankyou"
)

func (c *Core) step(now time.Time, cl *call, kind, agentID, detail string) {
	cl.rec.Timeline = append(cl.rec.Timeline, store.Step{At: now, Kind: kind, Agent: agentID, Detail: detail})
	if c.opts.Trace != nil {
		line := cl.id + " " + kind
		if agentID != "" {
			line += " agent=" + agentID
		}
		if detail != "" {
			line += " " + detail
		}
		c.opts.Trace(now, line)
	}
}

// setPhase moves a call through its state machine. An illegal transition
// is counted and refused: the call keeps its phase.
func (c *Core) setPhase(now time.Time, cl *call, to acd.CallPhase) error {
	if err := acd.CheckCallTransition(cl.phase, to); err != nil {
		err = fmt.Errorf("call %s: %w", cl.id, err)
		c.warn(now, "illegal-transition", "%v", err)
		return err
	}
	cl.phase = to
	return nil
}

func (c *Core) onArrived(now time.Time, e pbx.CallArrived) {
	if _, dup := c.chans[e.Channel]; dup {
		c.warn(now, "duplicate-arrival", "channel %s arrived twice; ignored", e.Channel)
		return
	}
	cl := &call{id: c.newID(now, "c"), ch: e.Channel, dir: acd.DirectionInbound, arrived: now}
	cl.rec = store.CallRecord{
		ID: cl.id, Direction: acd.DirectionInbound, Caller: e.Caller, CallerName: e.CallerName, Called: e.Called,
		Channel: string(e.Channel), Entered: now, Outcome: acd.OutcomeInProgress,
	}
	c.calls[cl.id] = cl
	c.chans[cl.ch] = chanRef{call: cl}
	entry, target := c.route(e)
	cl.entry, cl.rec.Entry = entry, entry
	c.step(now, cl, "arrived", "", "from="+e.Caller+" to="+e.Called+" entry="+entry)
	c.do(Command{Op: OpAnswer, Lane: cl.id, Channel: cl.ch})
	c.do(Command{Op: OpSetVar, Lane: cl.id, Channel: cl.ch, Name: pbx.VarCallID, Value: cl.id})
	if v, ok := e.Vars[pbx.VarPriority]; ok {
		if p, err := strconv.Atoi(v); err == nil {
			cl.priority = p
		} else {
			c.warn(now, "bad-priority", "call %s: %s=%q is not an integer; priority 0", cl.id, pbx.VarPriority, v)
		}
	}
	if target == nil {
		c.warn(now, "unknown-entry", "call %s to %q: %v", cl.id, entry, ErrUnknownEntry)
		cl.rec.Outcome = acd.OutcomeFailed
		c.leave(now, cl, nil, acd.OutcomeFailed, pbx.CauseUnallocated)
		return
	}
	c.matchThenRoute(now, cl, *target)
}

// route decides where an arriving call goes: the Stasis-style arguments
// ("entry", number) or ("queue", name) win, then the dialed number.
func (c *Core) route(e pbx.CallArrived) (string, *config.Target) {
	entry := e.Called
	if len(e.Args) >= 2 {
		switch e.Args[0] {
		case "entry":
			entry = e.Args[1]
		case "queue":
			return "queue:" + e.Args[1], &config.Target{Queue: e.Args[1]}
		case "menu":
			return "menu:" + e.Args[1], &config.Target{Menu: e.Args[1]}
		}
	}
	return entry, c.entryTarget(entry)
}

// entryTarget is where a call to entry goes now: nil for an entry the
// config does not have. A call routed by its arguments has the entry
// "queue:NAME" or "menu:NAME", a campaign's lead "campaign:NAME".
func (c *Core) entryTarget(entry string) *config.Target {
	if q, ok := strings.CutPrefix(entry, "queue:"); ok {
		return &config.Target{Queue: q}
	}
	if m, ok := strings.CutPrefix(entry, "menu:"); ok {
		return &config.Target{Menu: m}
	}
	if name, ok := strings.CutPrefix(entry, "campaign:"); ok {
		// A survey lead: its campaign's flow from the start.
		if r := c.camps[name]; r != nil && r.cfg.Flow != "" {
			return &config.Target{Menu: r.cfg.Flow + "/"}
		}
		return nil
	}
	en, ok := c.entries[entry]
	if !ok {
		return nil
	}
	if en.Flow != "" {
		return &config.Target{Menu: en.Flow + "/"} // the flow's way in, see menuFlow
	}
	return &config.Target{Queue: en.Queue, Menu: en.Menu}
}

func (c *Core) goTarget(now time.Time, cl *call, t config.Target) {
	switch {
	case t.Queue != "":
		q := c.queueIdx[t.Queue]
		if q == nil {
			c.warn(now, "unknown-queue", "call %s: %v %q", cl.id, ErrUnknownQueue, t.Queue)
			c.leave(now, cl, nil, acd.OutcomeFailed, pbx.CauseNormal)
			return
		}
		c.enterQueue(now, cl, q)
	case t.Menu != "":
		c.startFlow(now, cl, t.Menu)
	default:
		c.leave(now, cl, t.Message, acd.OutcomeSelfService, pbx.CauseNormal)
	}
}

// --- flows (menus) ---

// menuFlow makes the config's DTMF menus and self-service flows one IVR
// flow: a node per menu, and a node "FLOW/NODE" per node of each flow,
// entered through "FLOW/" (a jump to the flow's start).
func menuFlow(menus []config.Menu, flows map[string]config.Flow) (*ivr.Flow, error) {
	target := func(t config.Target) ivr.Target { return ivr.Target{Queue: t.Queue, Node: t.Menu, Message: t.Message} }
	nodes := make(map[string]ivr.Node, len(menus))
	for _, m := range menus {
		n := &ivr.Menu{Prompt: m.Prompt, Timeout: m.Timeout, Retries: m.Retries, Invalid: m.Invalid,
			Options: make(map[string]ivr.Target, len(m.Options)), Default: target(m.Default)}
		for key, t := range m.Options {
			n.Options[key] = target(t)
		}
		nodes[m.Name] = n
	}
	for name, f := range flows {
		nodes[name+"/"] = ivr.Jump(f.Start)
		for node, n := range f.IVRNodes() {
			nodes[name+"/"+node] = n
		}
	}
	return ivr.Build(nodes)
}

// ivrSteps are the timeline steps that tell what a caller did in a flow.
var ivrSteps = map[string]bool{
	"menu-choice": true, "menu-default": true, "collected": true, "collect-fallback": true, "language": true,
	"lookup": true, "lookup-failed": true, "lookup-timeout": true, "hours": true, "condition": true,
	"faq-answer": true, "faq-recognized": true, "faq-guess": true, "faq-guess-refused": true, "faq-agent": true,
	"faq-not-understood": true, "faq-fallback": true, "flow-skills": true, "flow-priority": true,
	"speech-failed": true,
}

// ivrPath is a call's way through its flow, from its timeline.
func ivrPath(timeline []store.Step) string {
	var out []string
	for _, s := range timeline {
		if ivrSteps[s.Kind] {
			out = append(out, strings.TrimSpace(s.Kind+" "+s.Detail))
		}
	}
	return strings.Join(out, "; ")
}

// startFlow puts a call in the flow at node; the interpreter in acd/ivr
// decides, the engine carries its actions out.
func (c *Core) startFlow(now time.Time, cl *call, node string) {
	st, acts := c.flow.StartWith(node, callerVars(cl), now)
	c.runFlow(now, cl, st, acts)
}

// flowInput feeds one input to the call's flow.
func (c *Core) flowInput(now time.Time, cl *call, in ivr.Input) {
	c.stopListening(cl)
	st, acts := c.flow.Step(cl.flow, in, now)
	c.runFlow(now, cl, st, acts)
}

// runFlow carries out the interpreter's actions. The call's place in the
// flow is saved whenever it changes (a node entered, a retry spent), so a
// restart resumes it as it was.
func (c *Core) runFlow(now time.Time, cl *call, st ivr.State, acts []ivr.Action) {
	moved := !st.Equal(cl.flow)
	cl.flow = st
	for _, a := range acts {
		switch a := a.(type) {
		case ivr.Enter:
			c.setPhase(now, cl, acd.CallMenu)
			c.step(now, cl, a.Kind, "", a.Node)
			c.saveActive(now, cl)
			moved = false
		case ivr.Note:
			c.step(now, cl, a.Kind, "", a.Detail)
		case ivr.Warn:
			c.warn(now, a.Code, "call %s: %s", cl.id, a.Text)
		case ivr.Play:
			c.play(now, cl, a.Media, nil) // PlaybackDone reaches the flow in onPlaybackFinished
			moved = true                  // saved with it: a restart stops it (stopCutPlayback)
		case ivr.StopPlay:
			c.stopPlay(cl)
		case ivr.StartTimer:
			cl.listen.wait = a.After
			cl.gen[TimerMenu]++
			c.out.At(now.Add(a.After), Timer{Kind: TimerMenu, Call: cl.id, Gen: cl.gen[TimerMenu]})
		case ivr.CancelTimer:
			cl.gen[TimerMenu]++
		case ivr.ToQueue:
			if len(a.Skills) > 0 {
				c.step(now, cl, "flow-skills", "", fmt.Sprint(a.Skills))
				c.requireSkills(now, cl, a.Skills)
			}
			if a.Priority != 0 {
				cl.priority += a.Priority
				c.step(now, cl, "flow-priority", "", strconv.Itoa(cl.priority))
			}
			c.goTarget(now, cl, config.Target{Queue: a.Queue})
		case ivr.Callback:
			c.flowCallback(now, cl, a, false)
		case ivr.Listen:
			c.flowListen(now, cl, a)
		case ivr.Lookup:
			c.flowLookup(now, cl, a)
		case ivr.Transfer:
			if err := c.transferCallerToNumber(now, cl, a.Number); err != nil {
				c.warn(now, "flow-transfer", "%v", err)
				c.leave(now, cl, nil, acd.OutcomeFailed, pbx.CauseNormal)
			}
		case ivr.Record:
			c.flowRecord(now, cl, a)
		case ivr.Leave:
			if a.Failed {
				c.leave(now, cl, a.Media, acd.OutcomeFailed, pbx.CauseNormal)
			} else {
				c.goTarget(now, cl, config.Target{Message: a.Media})
			}
		default:
			c.warn(now, "flow-action", "call %s: action %T not carried out", cl.id, a)
		}
	}
	if moved && !st.Done() && cl.phase == acd.CallMenu {
		c.saveActive(now, cl)
	}
	if cl.dir == acd.DirectionOutbound {
		c.flowOptOut(now, cl)
	}
}

// requireSkills makes skills (name → minimum level) required of the
// agent who takes cl, on top of its queue's requirement.
func (c *Core) requireSkills(now time.Time, cl *call, skills map[string]int) {
	r, err := c.catalog.Requirement(skills, routing.AnyPenalty)
	if err != nil {
		c.warn(now, "flow-skills", "call %s: %v; the queue's own skills apply", cl.id, err)
		return
	}
	cl.skills, cl.needs = skills, r.Needs
}

func (c *Core) onDTMF(now time.Time, e pbx.DTMF) {
	ref, ok := c.lookup(now, e.Channel, "DTMF "+string(e.Digit))
	if !ok {
		return
	}
	if !pbx.ValidDigit(e.Digit) {
		c.warn(now, "bad-dtmf", "call %s: %q is not a DTMF digit", ref.call.id, e.Digit)
		return
	}
	cl, key := ref.call, string(e.Digit)
	if ref.leg != nil {
		c.keysPressed(now, cl, "agent-dtmf", ref.leg.agent.id)
		return
	}
	switch cl.phase {
	case acd.CallMenu:
		c.flowInput(now, cl, ivr.Digit{Key: key})
	case acd.CallQueued, acd.CallOffering:
		q := cl.queue
		switch key {
		case q.cfg.CallbackKey:
			if why := noCallback(q, cl.rec.Caller); why != "" {
				// The caller keeps their place: hanging up on them
				// for a callback that cannot be made would lose them.
				c.warn(now, "callback-impossible", "call %s: %s; the caller keeps waiting in %q", cl.id, why, q.name)
				c.stepInLine(now, cl, "callback-impossible", why)
				return
			}
			c.stepInLine(now, cl, "callback-key", key)
			c.leaveForCallback(now, cl)
		case q.cfg.ExitKey:
			c.step(now, cl, "exit-key", "", key)
			c.overflow(now, cl, "exit-key")
		default:
			c.warn(now, "dtmf-no-meaning", "call %s: key %s means nothing in queue %q", cl.id, key, q.name)
		}
	default:
		c.keysPressed(now, cl, "dtmf-ignored", "")
	}
}

// keysPressed notes keys that mean nothing to Hotline. During the
// conversation they are the caller's and the agent's (a card number keyed
// in for the agent), so the record keeps how many, never which, and a run
// of them by one party is one step ("16 keys").
func (c *Core) keysPressed(now time.Time, cl *call, kind, agentID string) {
	if tl := cl.rec.Timeline; len(tl) > 0 {
		last := &tl[len(tl)-1]
		if n, ok := keyCount(last.Detail); ok && last.Kind == kind && last.Agent == agentID {
			last.Detail = keysText(n + 1)
			return
		}
	}
	c.step(now, cl, kind, agentID, keysText(1))
}

func keysText(n int) string {
	if n == 1 {
		return "1 key"
	}
	return strconv.Itoa(n) + " keys"
}

// keyCount reads keysText back.
func keyCount(detail string) (int, bool) {
	num, unit, _ := strings.Cut(detail, " ")
	n, err := strconv.Atoi(num)
	return n, err == nil && (unit == "key" || unit == "keys")
}

// --- media ---

// play plays media on the caller's channel and runs next when it finishes.
// MOH is stopped first; next decides what follows.
func (c *Core) play(now time.Time, cl *call, media []string, next func(time.Time)) {
	c.stopPlay(cl)
	if len(media) == 0 {
		if next != nil {
			next(now)
		}
		return
	}
	c.mohOff(cl)
	id := nextPlayback(cl)
	c.playbacks[id] = cl
	cl.playback, cl.playNext, cl.stoppedNext = id, next, nil
	c.playSaid(now, cl, id, media) // the flow's texts as prompt files; sends OpPlay
}

// nextPlayback names the call's next playback; after a restart with the
// run's tag in it, since one of the run before may still play.
func nextPlayback(cl *call) pbx.PlaybackID {
	cl.playSeq++
	return pbx.PlaybackID(cl.id + "-p" + cl.legTag + strconv.Itoa(cl.playSeq))
}

// stopCutPlayback stops the playback a run before a restart left playing
// to a restored caller, before anything is played to it again: a switch
// that queues playbacks (Asterisk) would play it out first, and one that
// nests them (FreeSWITCH) would play it on after the new one.
func (c *Core) stopCutPlayback(now time.Time, cl *call) {
	if cl.playCut == "" {
		return
	}
	c.do(Command{Op: OpStopCutPlayback, Lane: cl.id, Channel: cl.ch, Playback: cl.playCut})
	c.step(now, cl, "prompt-cut", "", "by the restart")
	cl.playCut = ""
}

func (c *Core) stopPlay(cl *call) {
	if cl.playback == "" {
		return
	}
	if cl.rendering == cl.playback {
		// Not started yet: its prompts are being rendered.
		delete(c.playbacks, cl.playback)
		cl.playback, cl.playNext, cl.rendering = "", nil, ""
		return
	}
	c.do(Command{Op: OpStopPlayback, Lane: cl.id, Channel: cl.ch, Playback: cl.playback})
	cl.playback, cl.playNext = "", nil
}

func (c *Core) onPlaybackFinished(now time.Time, e pbx.PlaybackFinished) {
	cl, ok := c.playbacks[e.Playback]
	if !ok {
		return // a playback we stopped and forgot, or not ours
	}
	delete(c.playbacks, e.Playback)
	if e.Failed && c.replayPrompts(cl, e.Playback) {
		return
	}
	if e.Failed {
		c.warn(now, "playback-failed", "call %s: playback %s failed", cl.id, e.Playback)
	}
	if cl.playback != e.Playback || cl.phase == acd.CallEnded {
		return
	}
	if e.Stopped && cl.phase == acd.CallLeaving && cl.rec.HangupBy == "" {
		// Hotline did not stop it: the caller hung up during the last message.
		cl.rec.HangupBy = acd.HangupCaller
	}
	next := cl.playNext
	cl.playback, cl.playNext = "", nil
	if e.Stopped {
		// Hotline forgets the playbacks it stops (stopPlay): this one the
		// switch ended as the channel hung up, and its HungUp comes next.
		// The prompt was not heard out, so nothing that follows it runs: a
		// flow would ring an agent, dial a transfer or start a voicemail
		// for a caller already gone. Should no hang-up come (another
		// program stopped the prompt), the caller is not left in silence:
		// the flow goes on after playStoppedWait.
		cl.stoppedNext = next
		if next == nil && cl.phase == acd.CallMenu {
			cl.stoppedNext = func(now time.Time) { c.flowInput(now, cl, ivr.PlaybackDone{}) }
		}
		if cl.stoppedNext != nil {
			cl.gen[TimerPlayStopped]++
			c.out.At(now.Add(playStoppedWait), Timer{Kind: TimerPlayStopped, Call: cl.id, Gen: cl.gen[TimerPlayStopped]})
		}
		return
	}
	switch {
	case next != nil:
		next(now)
	case cl.phase == acd.CallMenu:
		c.flowInput(now, cl, ivr.PlaybackDone{})
	}
}

// playStoppedWait is how long a prompt the switch stopped waits for the
// hang-up that normally follows before the flow goes on.
const playStoppedWait = 3 * time.Second

// playStopped goes on with a prompt the switch stopped when no hang-up
// followed, unless something else was played meanwhile.
func (c *Core) playStopped(now time.Time, cl *call) {
	next := cl.stoppedNext
	cl.stoppedNext = nil
	if next == nil || cl.playback != "" || cl.phase == acd.CallEnded {
		return
	}
	c.warn(now, "playback-stopped", "call %s: a prompt was stopped by the switch and no hang-up followed; the call goes on", cl.id)
	next(now)
}

func (c *Core) mohOn(cl *call) {
	if cl.moh || cl.playback != "" {
		return
	}
	cl.moh = true
	class := ""
	if cl.queue != nil {
		class = cl.queue.cfg.MOH
	}
	c.do(Command{Op: OpStartMOH, Lane: cl.id, Channel: cl.ch, MOHClass: class})
}

func (c *Core) mohOff(cl *call) {
	if !cl.moh {
		return
	}
	cl.moh = false
	c.do(Command{Op: OpStopMOH, Lane: cl.id, Channel: cl.ch})
}

// --- queues ---

func (c *Core) enterQueue(now time.Time, cl *call, q *queue) {
	if cl.queue != nil && cl.queue != q {
		c.removeWaiting(cl)
	}
	first := cl.queue == nil && !cl.resumed
	cl.queue = q
	cl.rec.Queue = q.name
	cl.entered = now
	if cl.enqueued.IsZero() {
		cl.enqueued = now
	}
	enq := len(cl.rec.Timeline)
	if cl.resumed {
		// Offered to this queue once, before the restart: its record
		// holds that enqueue, and counts it.
		c.step(now, cl, "requeue", "", q.name)
	} else {
		q.stats.Offered++
		if first && cl.dir != acd.DirectionOutbound {
			c.inboundOffered(now, q)
		}
		c.step(now, cl, "enqueue", "", q.name)
	}
	if q.cfg.MaxLen > 0 && len(q.waiting) >= q.cfg.MaxLen {
		c.overflow(now, cl, "queue-full")
		return
	}
	if !q.join.MayJoin(c.able(q, cl, now)) {
		c.overflow(now, cl, "no-agents")
		return
	}
	c.tagPriority(now, cl, q)
	c.setPhase(now, cl, acd.CallQueued)
	q.waiting = append(q.waiting, cl)
	cl.rec.Timeline[enq].Pos = c.position(cl)
	for k := TimerAnnounce; k <= TimerRedial; k++ {
		cl.gen[k]++
	}
	c.preferAgent(now, cl, q)
	if q.cfg.MaxWait > 0 {
		from := now
		if cl.resumed {
			from = cl.enqueued // a restart does not give the caller a fresh max wait
		}
		c.out.At(from.Add(q.cfg.MaxWait), Timer{Kind: TimerMaxWait, Call: cl.id, Gen: cl.gen[TimerMaxWait]})
	}
	if q.cfg.Announce.Interval > 0 {
		c.out.At(now.Add(q.cfg.Announce.Interval), Timer{Kind: TimerAnnounce, Call: cl.id, Gen: cl.gen[TimerAnnounce]})
	}
	for _, t := range q.targets {
		if at := cl.enqueued.Add(t.After); at.After(now) {
			c.out.At(at, Timer{Kind: TimerRelax, Call: cl.id, Gen: cl.gen[TimerRelax]})
		}
	}
	greeting := q.cfg.Greeting
	if !first {
		greeting = nil
	}
	c.play(now, cl, greeting, func(time.Time) { c.mohOn(cl) })
	c.saveActive(now, cl) // with the greeting: a restart stops it (stopCutPlayback)
	c.dispatchCall(now, cl)
}

// able counts the members of q able to serve cl: its skills and penalty
// ceiling as relaxed after its wait so far.
func (c *Core) able(q *queue, cl *call, now time.Time) routing.Counts {
	return q.rs.Count(c.view, c.requirementFor(q, cl.needs, now.Sub(cl.enqueued)))
}

// stepInLine is step for a caller still in its queue's line, keeping its
// place in the line.
func (c *Core) stepInLine(now time.Time, cl *call, kind, detail string) {
	pos := c.waitPos(cl)
	c.step(now, cl, kind, "", detail)
	cl.rec.Timeline[len(cl.rec.Timeline)-1].Pos = pos
}

// waitPos is cl's place in its queue's line, 0 when it is not in one.
func (c *Core) waitPos(cl *call) int {
	if cl.queue != nil {
		for _, w := range cl.queue.waiting {
			if w == cl {
				return c.position(cl)
			}
		}
	}
	return 0
}

func (c *Core) removeWaiting(cl *call) {
	q := cl.queue
	if q == nil {
		return
	}
	for i, w := range q.waiting {
		if w == cl {
			q.waiting = append(q.waiting[:i], q.waiting[i+1:]...)
			return
		}
	}
}

// position is the caller's place in service order: class (a campaign's
// lead before or after inbound callers) and priority first, then the time
// it took its place in line.
func (c *Core) position(cl *call) int {
	pos := 1
	for _, w := range cl.queue.waiting {
		if w == cl || w.phase != acd.CallQueued && w.phase != acd.CallOffering {
			continue
		}
		if w.class != cl.class {
			if w.class > cl.class {
				pos++
			}
		} else if w.priority > cl.priority || w.priority == cl.priority && w.enqueued.Before(cl.enqueued) {
			pos++
		}
	}
	return pos
}

func (c *Core) announce(now time.Time, cl *call) {
	q := cl.queue
	if q.cfg.Announce.Interval > 0 {
		c.out.At(now.Add(q.cfg.Announce.Interval), Timer{Kind: TimerAnnounce, Call: cl.id, Gen: cl.gen[TimerAnnounce]})
	}
	if cl.playback != "" {
		return // still playing something; skip this round
	}
	var media []string
	pos := c.position(cl)
	if q.cfg.Announce.Position {
		if pos == 1 {
			media = append(media, soundYouAreNext)
		} else {
			media = append(media, soundThereAre, "number:"+strconv.Itoa(pos-1), soundCallsWaiting)
		}
	}
	detail := "position=" + strconv.Itoa(pos)
	if q.cfg.Announce.WaitEstimate {
		if est, ok := q.est.EstimateWait(pos, c.able(q, cl, now).Staffed, now); ok {
			mins := int((est + time.Minute - 1) / time.Minute)
			if mins <= 1 {
				media = append(media, soundHoldTime, soundLessThan, "number:1", soundMinutes)
			} else {
				media = append(media, soundHoldTime, "number:"+strconv.Itoa(mins), soundMinutes)
			}
			detail += " estimate=" + est.Round(time.Second).String()
		}
	}
	if len(media) == 0 {
		return
	}
	c.step(now, cl, "announce", "", detail)
	c.play(now, cl, media, func(time.Time) { c.mohOn(cl) })
	c.saveActive(now, cl) // a restart stops it (stopCutPlayback)
}

// overflow sends a caller to the queue's overflow target.
func (c *Core) overflow(now time.Time, cl *call, reason string) {
	q := cl.queue
	q.stats.Overflowed++
	pos := c.waitPos(cl)
	c.cancelLegs(now, cl)
	c.removeWaiting(cl)
	for k := TimerAnnounce; k <= TimerRedial; k++ {
		cl.gen[k]++
	}
	of := q.cfg.Overflow
	c.step(now, cl, "overflow", "", reason+" → "+of.Action)
	cl.rec.Timeline[len(cl.rec.Timeline)-1].Pos = pos
	switch of.Action {
	case "queue":
		if next := c.queueIdx[of.Queue]; next != nil && next != q && len(cl.rec.Timeline) < 200 {
			c.enterQueue(now, cl, next)
			return
		}
		c.warn(now, "overflow-loop", "call %s: cannot overflow %q to %q", cl.id, q.name, of.Queue)
		c.leave(now, cl, nil, acd.OutcomeOverflowed, pbx.CauseNormal)
	case "callback":
		c.leaveForCallback(now, cl)
	case "message":
		c.leave(now, cl, of.Message, acd.OutcomeOverflowed, pbx.CauseNormal)
	default:
		c.leave(now, cl, nil, acd.OutcomeOverflowed, pbx.CauseNormal)
	}
}

// leave plays media, then hangs the caller up; the record is finished when
// the HungUp event arrives.
func (c *Core) leave(now time.Time, cl *call, media []string, out acd.Outcome, cause pbx.Cause) {
	c.cancelLegs(now, cl)
	c.removeWaiting(cl)
	if cl.phase != acd.CallLeaving {
		c.setPhase(now, cl, acd.CallLeaving)
	}
	cl.rec.Outcome = out
	c.mohOff(cl)
	c.play(now, cl, media, func(time.Time) { c.hangupCaller(cl, cause) })
}

func (c *Core) hangupCaller(cl *call, cause pbx.Cause) {
	if cl.endPending {
		return
	}
	if cl.rec.HangupBy == "" {
		cl.rec.HangupBy = acd.HangupSystem
	}
	cl.endPending = true
	c.do(Command{Op: OpHangup, Lane: cl.id, Channel: cl.ch, Cause: cause})
}

// --- hang-ups and the end of calls ---

func (c *Core) onHungUp(now time.Time, e pbx.HungUp) {
	ref, ok := c.chans[e.Channel]
	if !ok {
		if _, gone := c.goneChans[e.Channel]; gone {
			delete(c.goneChans, e.Channel)
			c.strandedGone(now, e.Channel)
			c.spyGone(now, e.Channel)
			return
		}
		c.warn(now, "unknown-channel", "hang-up of unknown channel %s", e.Channel)
		return
	}
	delete(c.chans, e.Channel)
	if e.Cause == pbx.CauseManagerRequest {
		c.holdOffers(now)
	}
	c.noteLateEnd(now, ref, e.At)
	if ref.leg != nil {
		c.legGone(now, ref.call, ref.leg, e.Cause)
		return
	}
	cl := ref.call
	cl.rec.Cause = e.Cause.String()
	if e.Cause == pbx.CauseSwitchShutdown {
		c.switchShutdown(now, cl, "caller's channel")
		return
	}
	// Killed from the switch's console or API (an inbound caller; a lead's
	// end is the campaign's to settle): not the caller giving up, so no
	// abandon is counted; a conversation still ends answered, a voicemail
	// left is kept, a caller the flow served is served.
	killed := e.Cause == pbx.CauseManagerRequest && cl.rec.HangupBy == "" && cl.dir != acd.DirectionOutbound
	if killed {
		c.step(now, cl, "switch-hangup", "", "caller's channel hung up through the switch's API")
		cl.rec.HangupBy = acd.HangupSystem
	}
	if cl.rec.HangupBy == "" {
		cl.rec.HangupBy = acd.HangupCaller
	}
	if cl.phase == acd.CallMenu && c.flowHungUp(now, cl) {
		c.endCall(now, cl, cl.rec.HangupBy, pbx.CauseNormal)
		return
	}
	switch {
	case cl.phase.Connected():
		if !killed {
			c.step(now, cl, "caller-hangup", "", e.Cause.String())
		}
	case cl.phase == acd.CallLeaving, cl.phase == acd.CallEnded:
	case cl.phase == acd.CallMenu && cl.flow.Var(ivr.VarServed) != "":
		// Hung up after the flow answered (a FAQ entry heard): served.
		c.step(now, cl, "caller-hangup", "", "served "+cl.flow.Var(ivr.VarServed))
		cl.rec.Outcome = acd.OutcomeSelfService
	case killed:
		// Ends failed, counted in no queue's abandons.
	case cl.phase == acd.CallMenu && cl.dir == acd.DirectionOutbound:
		// A lead who hangs up in a survey's or notification's flow gave
		// what it gave (the lead is partial); an outbound call is abandoned
		// only when Hotline left a live answer with no agent.
		c.step(now, cl, "caller-hangup", "", acd.StepLeftFlow)
		cl.rec.Outcome = acd.OutcomeSelfService
	default:
		c.stepInLine(now, cl, "abandon", cl.phase.String())
		if cl.dir == acd.DirectionCallback {
			break
		}
		cl.rec.Outcome = acd.OutcomeAbandoned
		if q := cl.queue; q != nil {
			q.stats.Abandoned++
			if cl.endTime(now).Sub(cl.enqueued) <= q.cfg.ServiceLevel {
				q.stats.AbandonedInSL++
			}
		}
	}
	c.endCall(now, cl, cl.rec.HangupBy, pbx.CauseNormal)
}

// switchShutdown ends a call the switch hung up (what: which of its
// channels) as it shut down: by the system, neither an abandon nor an
// agent's hang-up; the agent talking goes to wrap-up as after any call,
// one being rung is let go without a no-answer.
func (c *Core) switchShutdown(now time.Time, cl *call, what string) {
	c.step(now, cl, "switch-shutdown", "", what)
	cl.rec.Cause = causeSwitchShutdown
	cl.rec.HangupBy = acd.HangupSystem
	c.endCall(now, cl, acd.HangupSystem, pbx.CauseNormal)
}

// endCall tears a call down: legs, bridge, recording, agent to wrap-up, and
// the durable record.
func (c *Core) endCall(now time.Time, cl *call, by acd.HangupBy, cause pbx.Cause) {
	if cl.phase == acd.CallEnded {
		return
	}
	if cl.rec.HangupBy == "" {
		cl.rec.HangupBy = by
	}
	c.cancelLegs(now, cl)
	c.removeWaiting(cl)
	c.stopPlay(cl)
	if cl.recording != "" && !cl.recStopped {
		// Before the hang-up: the recording is on one of the legs.
		c.do(Command{Op: OpStopRecording, Lane: cl.id, Name: cl.recording})
		if r := recordingNamed(&cl.rec, cl.recording); r != nil && r.End.IsZero() && !r.Start.IsZero() {
			// Until the switch says when it stopped: with the call's end
			// by the switch's clock when its hang-up came late.
			r.End = now
			if !cl.endAt.IsZero() {
				r.End = notBefore(cl.endAt, r.Start)
			}
		}
	}
	if _, live := c.chans[cl.ch]; live {
		c.mohOff(cl)
		c.hangupCaller(cl, cause)
		c.forget(cl.ch)
	}
	if cl.bridge != "" {
		c.do(Command{Op: OpDestroyBridge, Lane: cl.id, Bridge: cl.bridge})
	}
	talk, hold := c.endTransfer(now, cl, cl.endTime(now))
	var a *agent
	if cl.agent != nil {
		a = cl.agent
		if _, live := c.chans[cl.agentCh]; live {
			c.do(Command{Op: OpHangup, Lane: string(cl.agentCh), Channel: cl.agentCh, Cause: pbx.CauseNormal})
			c.forget(cl.agentCh)
		}
		a.stats.Talk += talk
		a.stats.Hold += hold
		c.startWrapUp(now, a, cl, talk)
	}
	c.setPhase(now, cl, acd.CallEnded)
	cl.rec.Ended, cl.rec.EndEarliest = now, cl.endFrom
	if !cl.endAt.IsZero() {
		cl.rec.Ended = cl.endAt
	}
	if cl.rec.Outcome == acd.OutcomeInProgress {
		if cl.answered.IsZero() {
			cl.rec.Outcome = acd.OutcomeFailed
		} else {
			cl.rec.Outcome = acd.OutcomeAnswered
		}
	}
	if !cl.enqueued.IsZero() {
		if cl.answered.IsZero() {
			cl.rec.Wait = cl.endTime(now).Sub(cl.enqueued)
		} else {
			cl.rec.Wait = cl.answered.Sub(cl.enqueued)
		}
		if q := cl.queue; q != nil && cl.rec.Wait > q.stats.MaxWait {
			q.stats.MaxWait = cl.rec.Wait
		}
	}
	c.step(now, cl, "end", "", string(cl.rec.Outcome))
	delete(c.calls, cl.id)
	var agentState *store.AgentState
	if a != nil {
		agentState = c.agentRecord(a)
	}
	if waiting := unfinishedRecordings(&cl.rec); a != nil && a.state == acd.WrapUp || len(waiting) > 0 {
		c.trailing[cl.id] = &trailer{rec: cl.rec, wrap: a != nil && a.state == acd.WrapUp, recordings: waiting}
		if len(waiting) > 0 {
			c.out.At(now.Add(recordingGuardAfter), Timer{Kind: TimerRecordingGuard, Call: cl.id})
		}
	}
	c.finishCall(now, cl, agentState)
	if cl.callback != nil {
		c.callbackDone(now, cl)
	}
	c.campaignCallEnded(now, cl)
}

// forget marks a channel as one whose HungUp event is expected and harmless.
func (c *Core) forget(ch pbx.ChannelID) {
	delete(c.chans, ch)
	c.goneChans[ch] = struct{}{}
}

func (c *Core) saveActive(now time.Time, cl *call) {
	c.startCheckpoints(now)
	c.save(now, "call "+cl.id+" active state", store.PutActive(c.activeRecord(cl)), store.PutCall(&cl.rec))
}
