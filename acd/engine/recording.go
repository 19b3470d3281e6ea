package engine

import (
	"fmt"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/pbx"
)

// Recording of a conversation, by the policy of the call's campaign or
// queue: never; on_demand, where the agent (or a supervisor for them)
// starts, pauses, resumes and stops it; always, where it starts when the
// agent is bridged and may be paused (a card number read out) but not
// stopped. A call has at most one recording, named by the recording
// template; every start, pause, resume and stop is a step of the call's
// timeline, with who asked.

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
		case cl.rec.Recording.Name != "":
			return refuse("the call was recorded to %s already; pause and resume leave a part out", cl.rec.Recording.Name)
		}
		c.startRecording(now, cl, by)
	case RecordingStop:
		switch {
		case cl.recording == "":
			return refuse("nothing is recording")
		case policy == config.RecordAlways:
			return refuse("the %s policy is always: pause it instead", c.recordingScope(cl))
		}
		c.do(Command{Op: OpStopRecording, Lane: cl.id, Name: cl.recording})
		c.step(now, cl, "recording-stop", by, cl.recording)
		// The switch's RecordingFinished gives the path; the call records no more.
		cl.recording, cl.recPaused = "", false
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
	name := config.RecordingName(c.opts.Config.Recordings.Template, f)
	cl.recording, cl.recPaused = name, false
	cl.rec.Recording.Name = name
	c.do(Command{Op: OpStartRecording, Lane: cl.id, Record: pbx.RecordRequest{Name: name, Bridge: cl.bridge}})
	c.step(now, cl, "recording-start", by, name)
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
