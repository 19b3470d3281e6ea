package engine

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/store"
)

// Recording of a conversation, by the policy of the call's campaign or
// queue: never; on_demand, where the agent (or a supervisor for them)
// starts, pauses, resumes and stops it; always, where it starts when the
// agent is bridged and may be paused (a card number read out) but not
// stopped. A call may have several recordings, in the order they began
// (store.CallRecord.AllRecordings): one per leg under always (a transfer,
// or a consult, ends the leg's recording; the next leg's bridge starts a
// new one), and each start after a stop under on_demand. Each is named
// by the recording template, with -2, -3, ... when the template gives a
// name the call used already, and carries its start, end, agent and leg.
// Every start, pause, resume and stop is a step of the call's timeline,
// with who asked.

// RecordingAction is what RecordingControl does.
type RecordingAction string

// Recording actions.
const (
	RecordingStart  RecordingAction = "start"
	RecordingStop   RecordingAction = "stop"
	RecordingPause  RecordingAction = "pause"
	RecordingResume RecordingAction = "resume"
)

// ErrRecording is a recording request the call's policy or state refuses;
// it is an ErrCallState.
var ErrRecording = fmt.Errorf("%w: recording", ErrCallState)

// RecordingControl starts, stops, pauses or resumes the recording of the
// call agent Agent talks on. By names who asks (the agent or a supervisor).
type RecordingControl struct {
	returns[CallStatus]
	Agent  string
	Action RecordingAction
	By     string
}

func (r RecordingControl) apply(c *Core, now time.Time) (any, error) {
	return c.callAfter(now)(c.controlRecording(now, r))
}

func (c *Core) controlRecording(now time.Time, r RecordingControl) (*call, error) {
	what := "recording " + string(r.Action)
	_, cl, err := c.agentCall(r.Agent, what, acd.CallBridged, acd.CallHeld, acd.CallConsulting)
	if err != nil {
		return cl, err
	}
	policy := c.recordingPolicy(cl)
	refuse := func(why string, args ...any) (*call, error) {
		return cl, fmt.Errorf("agent %q: call %s: %w %s: %s", r.Agent, cl.id, ErrRecording, r.Action, fmt.Sprintf(why, args...))
	}
	by := r.By
	if by == "" {
		by = r.Agent
	}
	switch r.Action {
	case RecordingStart:
		switch {
		case policy == config.RecordNever:
			return refuse("the %s policy is never", c.recordingScope(cl))
		case cl.recording != "":
			return refuse("it is on already")
		}
		c.startRecording(now, cl, by)
	case RecordingStop:
		switch {
		case cl.recording == "":
			return refuse("nothing is recording")
		case policy == config.RecordAlways:
			return refuse("the %s policy is always: pause it instead", c.recordingScope(cl))
		}
		c.stopRecording(now, cl, by)
	case RecordingPause, RecordingResume:
		pause := r.Action == RecordingPause
		switch {
		case cl.recording == "":
			return refuse("nothing is recording")
		case cl.recPaused == pause:
			return refuse("it is %s already", map[bool]string{true: "paused", false: "running"}[pause])
		}
		op := map[bool]Op{true: OpPauseRecording, false: OpResumeRecording}[pause]
		c.do(Command{Op: op, Lane: cl.id, Name: cl.recording})
		cl.recPaused = pause
		c.step(now, cl, "recording-"+string(r.Action), by, cl.recording)
	default:
		return cl, fmt.Errorf("%w: recording action %q; known: start, stop, pause, resume", ErrBadTransfer, r.Action)
	}
	c.saveActive(now, cl)
	return cl, nil
}

// startRecording records the call's bridge under a name from the
// template; by is who asked ("" for the always policy).
func (c *Core) startRecording(now time.Time, cl *call, by string) {
	f := config.RecordingFields{Call: cl.id, Direction: string(cl.dir), At: now}
	if cl.queue != nil {
		f.Queue = cl.queue.name
	}
	if cl.agent != nil {
		f.Agent = cl.agent.id
	}
	if d, _ := c.leadDialOf(cl.id); d != nil {
		f.Campaign = d.run.cfg.Name
	}
	base := config.RecordingName(c.opts.Config.Recordings.Template, f)
	name := base
	for n := 2; recordingNamed(&cl.rec, name) != nil; n++ {
		name = base + "-" + strconv.Itoa(n) // a switch refuses a name in use, and would write over its file
	}
	// Started when asked, until the switch's RecordingStarted gives its own
	// time (onRecordingStarted); the time of asking stays where none comes.
	r := store.Recording{Name: name, Start: now, Agent: f.Agent, Leg: len(cl.rec.Legs) + 1}
	if cl.rec.Recording == (store.Recording{}) {
		cl.rec.Recording = r
	} else {
		cl.rec.MoreRecordings = append(cl.rec.MoreRecordings, r)
	}
	cl.recording, cl.recPaused = name, false
	c.do(Command{Op: OpStartRecording, Lane: cl.id, Record: pbx.RecordRequest{Name: name, Bridge: cl.bridge}})
	c.step(now, cl, "recording-start", by, name)
}

// stopRecording stops the recording running on the call; by is who asked
// ("" when the leg it records ends). The switch's RecordingFinished gives
// its path; the call records no more.
func (c *Core) stopRecording(now time.Time, cl *call, by string) {
	if cl.recording == "" {
		return
	}
	c.do(Command{Op: OpStopRecording, Lane: cl.id, Name: cl.recording})
	c.step(now, cl, "recording-stop", by, cl.recording)
	if r := recordingNamed(&cl.rec, cl.recording); r != nil && r.End.IsZero() {
		r.End = now
	}
	cl.recording, cl.recPaused = "", false
}

// recordLeg starts recording a leg that has just been bridged when the
// call's policy is always and nothing records it yet: the first agent's,
// the next party's after a transfer, the agent's again after a consult.
func (c *Core) recordLeg(now time.Time, cl *call) {
	if cl.recording == "" && c.recordingPolicy(cl) == config.RecordAlways {
		c.startRecording(now, cl, "")
	}
}

// endLegRecording stops the recording of a leg the agent leaves (a
// transfer, a consult): the next leg has one of its own. A switch that
// records the caller's channel would otherwise record the music and the
// next party into it.
func (c *Core) endLegRecording(now time.Time, cl *call) {
	c.stopRecording(now, cl, "")
}

// recordingNamed is rec's recording called name, or nil.
func recordingNamed(rec *store.CallRecord, name string) *store.Recording {
	if name == "" {
		return nil
	}
	if rec.Recording.Name == name {
		return &rec.Recording
	}
	for i := range rec.MoreRecordings {
		if rec.MoreRecordings[i].Name == name {
			return &rec.MoreRecordings[i]
		}
	}
	return nil
}

// unfinishedRecordings names rec's recordings the switch has not yet
// reported over (neither a path nor a failure).
func unfinishedRecordings(rec *store.CallRecord) []string {
	var out []string
	for _, r := range rec.AllRecordings() {
		if r.Name != "" && r.Path == "" && !r.Failed {
			out = append(out, r.Name)
		}
	}
	return out
}

// finishRecording notes what the switch reported of a recording of rec:
// its path, or that it failed. It reports whether rec has it.
func finishRecording(now time.Time, rec *store.CallRecord, e pbx.RecordingFinished) bool {
	r := recordingNamed(rec, e.Name)
	if r == nil {
		return false
	}
	if e.Failed {
		r.Failed, r.Path = true, ""
	} else {
		r.Path = e.Path
	}
	switch {
	case r.Start.IsZero(): // a record from before recordings were timed
	case !e.End.IsZero():
		// The switch's own time: a link cut or a backlog that delayed the
		// event does not stretch the recording.
		r.End = notBefore(e.End, r.Start)
	case r.End.IsZero():
		r.End = now
	}
	return true
}

// notBefore is t, or from when t is before it (a switch whose clock lags
// Hotline's).
func notBefore(t, from time.Time) time.Time {
	if t.Before(from) {
		return from
	}
	return t
}

// recordingPolicy is the policy of the call's campaign, else its queue's.
func (c *Core) recordingPolicy(cl *call) string {
	if d, _ := c.leadDialOf(cl.id); d != nil {
		return d.run.cfg.RecordingPolicy()
	}
	if cl.queue != nil {
		return cl.queue.cfg.RecordingPolicy()
	}
	return config.RecordNever
}

// recordingScope names where the call's policy comes from, for errors.
func (c *Core) recordingScope(cl *call) string {
	if d, _ := c.leadDialOf(cl.id); d != nil {
		return "campaign " + d.run.cfg.Name + "'s"
	}
	if cl.queue != nil {
		return "queue " + cl.queue.name + "'s"
	}
	return "call's"
}

// recordingStatus is the call's recording as its status shows it: "on",
// "paused" or "".
func recordingStatus(cl *call) string {
	switch {
	case cl.recording == "":
		return ""
	case cl.recPaused:
		return "paused"
	}
	return "on"
}

// RecordingChecker is the switch's answer to "is this recording over?"
// (see pbx.RecordingChecker): it backs the recording guard.
type RecordingChecker = pbx.RecordingChecker

// recordingGuardAfter is how long after a call's end (and then between
// checks) the engine waits for its recordings' finish before it asks the
// switch; recordingGuardChecks is how often it asks before it gives up on
// them as failed.
const (
	recordingGuardAfter  = 10 * time.Second
	recordingGuardChecks = 3
)

// recordingGuard asks the switch about an ended call's recordings whose
// finish has not come, off the loop (OpCheckRecording); after
// recordingGuardChecks unanswered asks it records them as failed. gen is
// the timer's: a guard set again (a reconnect) outdates the one before.
// While the link is down no ask is made or counted: the next Synced asks.
func (c *Core) recordingGuard(now time.Time, id string, gen uint64) {
	t := c.trailing[id]
	if t == nil || len(t.recordings) == 0 || t.guardGen != gen || c.linkDown.After(c.linkUp) {
		return
	}
	if t.checks >= recordingGuardChecks {
		for _, name := range slices.Clone(t.recordings) {
			c.recordingUnchecked(now, id, name, errors.New("the switch never reported it finished"))
		}
		return
	}
	t.checks++
	c.warn(now, "recording-guard", "call %s: no finish reported for recording %s; asking the switch", id, strings.Join(t.recordings, ", "))
	for _, name := range t.recordings {
		c.do(Command{Op: OpCheckRecording, Lane: id, Name: name})
	}
	c.out.At(now.Add(recordingGuardAfter), Timer{Kind: TimerRecordingGuard, Call: id, Gen: t.guardGen})
}

// checkRecordingsAfterGap asks the switch, once the link is back (a
// reconnect, or the first link after a restart), about every recording
// whose finish may have been lost while Hotline did not see the switch:
// the ended calls' (their guard starts over from this ask) and the live
// calls' recordings stopped but not reported over. A live call's running
// recording is left alone: asking would stop it.
func (c *Core) checkRecordingsAfterGap(now time.Time) {
	for _, id := range slices.Sorted(maps.Keys(c.trailing)) {
		t := c.trailing[id]
		if len(t.recordings) == 0 {
			continue
		}
		t.guardGen++
		t.checks = 0
		c.recordingGuard(now, id, t.guardGen)
	}
	for _, id := range c.callIDs() {
		cl := c.calls[id]
		for _, name := range unfinishedRecordings(&cl.rec) {
			if name != cl.recording {
				c.do(Command{Op: OpCheckRecording, Lane: id, Name: name})
			}
		}
	}
}

// restoreTrailers takes back, after a restart, the ended calls whose
// recordings the switch had not reported finished: the first Synced asks
// the switch about them (checkRecordingsAfterGap), and the guard goes on
// from there.
func (c *Core) restoreTrailers(now time.Time, recs []store.CallRecord) {
	for _, rec := range recs {
		waiting := unfinishedRecordings(&rec)
		if len(waiting) == 0 || rec.Outcome == acd.OutcomeInProgress || c.calls[rec.ID] != nil || c.trailing[rec.ID] != nil {
			continue
		}
		c.trailing[rec.ID] = &trailer{rec: rec, recordings: waiting}
		c.trace(now, "call %s: recording %s not reported finished before the restart", rec.ID, strings.Join(waiting, ", "))
	}
}

// recordingUnchecked records as failed a recording of the ended call id
// whose state the switch could not give, or that it could not start (why).
func (c *Core) recordingUnchecked(now time.Time, id, name string, why error) {
	t := c.trailing[id]
	if t == nil || !slices.Contains(t.recordings, name) {
		return
	}
	finishRecording(now, &t.rec, pbx.RecordingFinished{Name: name, Failed: true})
	t.rec.Timeline = append(t.rec.Timeline, store.Step{At: now, Kind: "recording-failed", Detail: why.Error()})
	t.recordings = slices.DeleteFunc(t.recordings, func(n string) bool { return n == name })
	c.saveTrailer(now, id, t)
}
