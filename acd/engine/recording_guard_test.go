package engine

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
)

// timedOutputs records the core's commands and timers.
type timedOutputs struct {
	recordOutputs
	timers *[]Timer
	due    map[Timer]time.Time
}

func (o timedOutputs) At(at time.Time, t Timer) { *o.timers = append(*o.timers, t); o.due[t] = at }

// endWithoutFinish connects a recorded call, hangs it up, and has the
// switch drop the recording's RecordingFinished. It returns the core, the
// store, the commands, the recording's name, the call id and the
// recording guard's due time.
func endWithoutFinish(t *testing.T) (*Core, *memStore, *[]Command, string, string, func() time.Time) {
	t.Helper()
	var cmds []Command
	var timers []Timer
	out := timedOutputs{recordOutputs{&cmds}, &timers, map[Timer]time.Time{}}
	c, st, _, rec := connectRecordedTo(t, &cmds, out)
	now := epoch.Add(3 * time.Second)
	c.Handle(now, pbx.HungUp{Base: pbx.Base{Channel: "in-1", At: now}, Cause: pbx.CauseNormal})
	id := strings.TrimPrefix(rec.Record.Name, "hotline-")
	if _, ok := c.trailing[id]; !ok {
		t.Fatalf("call %s is not waiting for its recording after the hang-up", id)
	}
	guard := func() time.Time {
		t.Helper()
		for i := len(timers) - 1; i >= 0; i-- {
			if timers[i].Kind == TimerRecordingGuard && timers[i].Call == id {
				at := out.due[timers[i]]
				timers = timers[:i]
				return at
			}
		}
		t.Fatalf("no recording guard set for call %s: timers %v", id, timers)
		return time.Time{}
	}
	return c, st, &cmds, rec.Record.Name, id, guard
}

// checks counts the OpCheckRecording commands for name.
func checks(cmds []Command, name string) int {
	n := 0
	for _, cmd := range cmds {
		if cmd.Op == OpCheckRecording && cmd.Name == name {
			n++
		}
	}
	return n
}

// A recording whose finish the switch never sends: the guard asks the
// switch, whose answer (the event CheckRecording reports) completes the
// record and lets the call go from memory.
func TestRecordingGuardAsksTheSwitch(t *testing.T) {
	c, st, cmds, name, id, guard := endWithoutFinish(t)
	at := guard()
	if d := at.Sub(epoch.Add(3 * time.Second)); d != recordingGuardAfter {
		t.Errorf("guard due %s after the hang-up, want %s", d, recordingGuardAfter)
	}
	c.Fire(at, Timer{Kind: TimerRecordingGuard, Call: id})
	if n := checks(*cmds, name); n != 1 {
		t.Fatalf("%d checks of %s after the guard, want 1: %v", n, name, *cmds)
	}
	path := "/var/spool/asterisk/recording/" + name + ".wav"
	c.Handle(at, pbx.RecordingFinished{Base: pbx.Base{At: at}, Name: name, Path: path})
	if r := st.calls[id]; r.Recording.Path != path || r.Recording.Failed {
		t.Errorf("record's recording %+v, want path %s", r.Recording, path)
	}
	if _, ok := c.trailing[id]; ok {
		t.Errorf("call %s still held in memory after the check answered", id)
	}
}

// A switch that cannot say (no RecordingChecker, or an error), or never
// answers: the recording is recorded failed, with why, and the call goes.
func TestRecordingGuardGivesUp(t *testing.T) {
	t.Run("check failed", func(t *testing.T) {
		c, st, cmds, name, id, guard := endWithoutFinish(t)
		at := guard()
		c.Fire(at, Timer{Kind: TimerRecordingGuard, Call: id})
		var check Command
		for _, cmd := range *cmds {
			if cmd.Op == OpCheckRecording {
				check = cmd
			}
		}
		err := check.Exec(t.Context(), nil)
		if !errors.Is(err, errors.ErrUnsupported) {
			t.Fatalf("check on a switch without RecordingChecker: %v, want ErrUnsupported", err)
		}
		c.CommandFailed(at, check, err)
		assertGivenUp(t, c, st, id, name, "unsupported")
	})
	t.Run("no answer", func(t *testing.T) {
		c, st, cmds, name, id, guard := endWithoutFinish(t)
		for range recordingGuardChecks + 1 {
			c.Fire(guard(), Timer{Kind: TimerRecordingGuard, Call: id})
		}
		if n := checks(*cmds, name); n != recordingGuardChecks {
			t.Errorf("%d checks of %s, want %d", n, name, recordingGuardChecks)
		}
		assertGivenUp(t, c, st, id, name, "never reported")
	})
}

func assertGivenUp(t *testing.T, c *Core, st *memStore, id, name, why string) {
	t.Helper()
	r := st.calls[id]
	if !r.Recording.Failed || r.Recording.Name != name || !hasStep(r, "recording-failed", why) {
		t.Errorf("record: recording %+v, timeline %+v; want %s failed with a step saying %q", r.Recording, r.Timeline, name, why)
	}
	if _, ok := c.trailing[id]; ok {
		t.Errorf("call %s still held in memory", id)
	}
}
