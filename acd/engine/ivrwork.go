package engine

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/ivr"
	"github.com/hotline-cc/hotline/acd/ivr/ivrhttp"
	"github.com/hotline-cc/hotline/acd/pbx"
)

// work is slow work for a call in a flow (an HTTP lookup, rendering a
// prompt, a speech recognition) that must not run on the engine goroutine.
// The host runs run elsewhere and hands what it returns back to
// Core.workDone on the engine goroutine.
type work struct {
	call string // the call it is for
	run  func(ctx context.Context) func(now time.Time, cl *call)
}

// worker is implemented by Outputs that can run work off the engine
// goroutine (the runtime, the simulator).
type worker interface{ goWork(w work) }

var (
	_ worker = rtOutputs{}
	_ worker = simOutputs{}
)

// lookupLimit bounds a lookup's request when the flow's own timeout is
// longer or unset: the flow moves on at its timeout anyway.
const lookupLimit = 30 * time.Second

// flowLookup hands an ivr.Lookup to the host; its answer comes back to the
// flow as an ivr.LookupResult. The flow's timer (started with it) takes the
// timeout branch if the answer comes late.
func (c *Core) flowLookup(now time.Time, cl *call, l ivr.Lookup) {
	do := c.opts.Lookup
	if do == nil {
		do = func(ctx context.Context, l ivr.Lookup) ivr.LookupResult { return ivrhttp.Do(ctx, nil, l) }
	}
	limit := lookupLimit
	if l.Timeout > 0 {
		limit = min(limit, l.Timeout)
	}
	cl.workGen++
	gen, node := cl.workGen, cl.flow.Node
	c.offload(now, cl, func(ctx context.Context) func(time.Time, *call) {
		ctx, cancel := context.WithTimeout(ctx, limit)
		defer cancel()
		var in ivr.Input = do(ctx, l)
		if in.(ivr.LookupResult).Err != "" && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			in = ivr.Timeout{} // the same branch as the flow's own timer
		}
		return func(now time.Time, cl *call) {
			// Unless the call moved on from the node that asked (its timer
			// ran out) or asked for newer work meanwhile.
			if cl.workGen == gen && cl.phase == acd.CallMenu && cl.flow.Node == node {
				c.flowInput(now, cl, in)
			}
		}
	})
}

// offload asks the host to run fn for cl. What fn returns runs on the
// engine goroutine if the call is still there; it checks whether what it
// was for still holds.
func (c *Core) offload(now time.Time, cl *call, fn func(ctx context.Context) func(time.Time, *call)) {
	w := work{call: cl.id, run: fn}
	if h, ok := c.out.(worker); ok {
		h.goWork(w)
		return
	}
	// A host without workers (a test's own Outputs) runs it in line.
	c.workDone(now, w, fn(context.Background()))
}

func (c *Core) workDone(now time.Time, w work, done func(time.Time, *call)) {
	cl, ok := c.calls[w.call]
	if !ok || cl.phase == acd.CallEnded {
		return
	}
	done(now, cl)
}

// goWork runs the work in its own goroutine; its result reaches the Core on
// the engine goroutine, like an admin request.
func (o rtOutputs) goWork(w work) {
	rt := o.rt
	ctx := rt.baseCtx
	if ctx == nil {
		ctx = context.Background()
	}
	rt.wg.Add(1)
	go func() {
		defer rt.wg.Done()
		done := w.run(ctx)
		_ = rt.Do(ctx, func(c *Core, now time.Time) error { c.workDone(now, w, done); return nil })
	}()
}

// goWork runs the work at once and hands the result back at the same
// virtual time, after the input being handled: work against a
// deterministic service gives the same run every time.
func (o simOutputs) goWork(w work) {
	r := o.r
	done := w.run(context.Background())
	r.Clock.Schedule(r.Clock.Now(), func() {
		r.Core.workDone(r.Clock.Now(), w, done)
		r.drain()
	})
}

// Speaker renders the IVR's texts to prompt files (speech.Prompts).
type Speaker interface {
	// Media is the media item that plays text in lang, and whether it is
	// rendered already. It must not touch the disk: it runs on the loop.
	Media(lang, text string) (media string, ready bool)
	// Render renders text in lang unless it is there; it runs off the loop.
	Render(ctx context.Context, lang, text string) (rendered bool, err error)
}

// playSaid sends playback id of media to cl's channel, with its say: items
// as prompt files. Texts not rendered yet (those with the call's own
// values, such as a looked-up order status) are rendered off the loop
// first; a playback stopped meanwhile is dropped.
func (c *Core) playSaid(now time.Time, cl *call, id pbx.PlaybackID, media []string) {
	cl.prompts = nil
	sp := c.opts.Speaker
	if sp == nil || !slices.ContainsFunc(media, isSay) {
		c.do(Command{Op: OpPlay, Lane: cl.id, Channel: cl.ch, Playback: id, Media: media})
		return
	}
	out := slices.Clone(media)
	var missing [][2]string
	for i, m := range media {
		if lang, text, ok := ivr.ParseSay(m); ok {
			var ready bool
			if out[i], ready = sp.Media(lang, text); !ready {
				missing = append(missing, [2]string{lang, text})
			}
		}
	}
	cl.prompts = out
	if len(missing) == 0 {
		c.do(Command{Op: OpPlay, Lane: cl.id, Channel: cl.ch, Playback: id, Media: out})
		return
	}
	cl.rendering = id
	c.offload(now, cl, func(ctx context.Context) func(time.Time, *call) {
		var errs []error
		for _, m := range missing {
			if _, err := sp.Render(ctx, m[0], m[1]); err != nil {
				errs = append(errs, err)
			}
		}
		return func(now time.Time, cl *call) {
			for _, err := range errs {
				c.warn(now, "prompt-render", "call %s: %v", cl.id, err) // the playback fails and the flow goes on
			}
			if cl.rendering != id || cl.playback != id {
				return
			}
			cl.rendering = ""
			c.do(Command{Op: OpPlay, Lane: cl.id, Channel: cl.ch, Playback: id, Media: out})
		}
	})
}

// replayPrompts plays a failed playback of rendered prompts once more, as
// a new playback with the same continuation. Asterisk's media cache fails
// a prompt that several calls fetch for the first time at once.
func (c *Core) replayPrompts(cl *call, failed pbx.PlaybackID) bool {
	if cl.playback != failed || cl.prompts == nil || cl.phase == acd.CallEnded {
		return false
	}
	media := cl.prompts
	cl.prompts = nil
	id := nextPlayback(cl)
	c.playbacks[id] = cl
	cl.playback = id
	c.do(Command{Op: OpPlay, Lane: cl.id, Channel: cl.ch, Playback: id, Media: media})
	return true
}

func isSay(m string) bool { _, _, ok := ivr.ParseSay(m); return ok }

// flowRecord starts recording the caller for a flow (a voicemail); the
// recording is the call's, so its path lands in the call's record.
func (c *Core) flowRecord(now time.Time, cl *call, r ivr.Record) {
	if cl.recording != "" {
		c.warn(now, "flow-record", "call %s: already recording %s", cl.id, cl.recording)
		return
	}
	cl.recording = r.Name + "-" + cl.id
	cl.rec.Recording.Name = cl.recording
	c.do(Command{Op: OpStartRecording, Lane: cl.id, Record: pbx.RecordRequest{Name: cl.recording, Channel: cl.ch}})
	c.saveActive(now, cl)
}

// flowCallback carries out a flow's callback: a task for the queue, with
// the voicemail recorded for it if any, then the flow's words and the end
// of the call (unless the caller has hung up already).
func (c *Core) flowCallback(now time.Time, cl *call, a ivr.Callback, hungUp bool) {
	q := c.queueIdx[a.Queue]
	if q == nil {
		c.warn(now, "unknown-queue", "call %s: callback to %v %q", cl.id, ErrUnknownQueue, a.Queue)
		if !hungUp {
			c.leave(now, cl, nil, acd.OutcomeFailed, pbx.CauseNormal)
		}
		return
	}
	cl.queue, cl.enqueued = q, now
	recording := ""
	if a.Recording != "" {
		recording = cl.rec.Recording.Name  // the switch may have reported it over already
		if cl.recording != "" && !hungUp { // else the recording of the channel ended with it
			c.do(Command{Op: OpStopRecording, Lane: cl.id, Name: cl.recording})
		}
		cl.recStopped = true
	}
	if hungUp {
		if cb := c.newCallback(now, cl, a.Number, recording); cb != nil {
			cl.rec.Outcome = acd.OutcomeCallback
			c.offerCallback(now, cb)
		}
		return
	}
	media := a.Media
	if len(media) == 0 {
		media = []string{soundCallbackTaken}
	}
	c.leaveForCallbackWith(now, cl, a.Number, recording, media)
}

// flowHungUp tells the call's flow the caller hung up; it reports whether
// the flow left work behind (a voicemail's callback task).
func (c *Core) flowHungUp(now time.Time, cl *call) bool {
	st, acts := c.flow.Step(cl.flow, ivr.HungUp{}, now)
	cl.flow = st
	done := false
	for _, a := range acts {
		switch a := a.(type) {
		case ivr.Note:
			c.step(now, cl, a.Kind, "", a.Detail)
		case ivr.Callback:
			c.step(now, cl, "caller-hangup", "", "after the flow's "+a.String())
			c.flowCallback(now, cl, a, true)
			done = true
		}
	}
	return done
}
