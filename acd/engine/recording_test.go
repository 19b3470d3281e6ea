package engine

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/store"
)

const recordedConfig = `
entries:
  - {number: "100", queue: support}
queues:
  - name: support
    ring_timeout: 10s
    wrap_up: 0s
    record: true
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
`

// connectRecorded brings a call to alice and returns the core, the store,
// the recording command and the caller's and agent's channels.
func connectRecorded(t *testing.T) (*Core, *memStore, *[]Command, Command) {
	t.Helper()
	var cmds []Command
	return connectRecordedTo(t, &cmds, recordOutputs{&cmds})
}

// connectRecordedTo is connectRecorded with the core's outputs out, which
// add the commands to cmds.
func connectRecordedTo(t *testing.T, cmds *[]Command, out Outputs) (*Core, *memStore, *[]Command, Command) {
	t.Helper()
	st := newMemStore()
	c, rec := connectRecordedOn(t, st, cmds, out)
	return c, st, cmds, rec
}

// connectRecordedOn is connectRecordedTo with the records in st.
func connectRecordedOn(t *testing.T, st Store, cmds *[]Command, out Outputs) (*Core, Command) {
	t.Helper()
	c, err := NewCore(Options{Config: parseConfig(t, recordedConfig), Out: out, Store: st}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(epoch, "alice"); err != nil {
		t.Fatal(err)
	}
	now := epoch.Add(time.Second)
	c.Handle(now, pbx.CallArrived{Base: pbx.Base{Channel: "in-1", At: now}, Caller: "555", Called: "100"})
	c.Handle(now, pbx.Answered{Base: pbx.Base{Channel: "in-1", At: now}})
	var leg pbx.ChannelID
	for _, cmd := range *cmds {
		if cmd.Op == OpOriginate {
			leg = cmd.Originate.ChannelID
		}
	}
	if leg == "" {
		t.Fatalf("alice was not rung: %v", *cmds)
	}
	now = now.Add(time.Second)
	c.Handle(now, pbx.Answered{Base: pbx.Base{Channel: leg, At: now}})
	for _, cmd := range *cmds {
		if cmd.Op == OpStartRecording {
			return c, cmd
		}
	}
	t.Fatalf("no recording started: %v", *cmds)
	return nil, Command{}
}

func finishedRecord(t *testing.T, st *memStore) store.CallRecord {
	t.Helper()
	if len(st.finished) != 1 {
		t.Fatalf("finished calls = %d, want 1", len(st.finished))
	}
	return st.calls[st.finished[0]]
}

func hasStep(r store.CallRecord, kind, detail string) bool {
	for _, s := range r.Timeline {
		if s.Kind == kind && strings.Contains(s.Detail, detail) {
			return true
		}
	}
	return false
}

// A recording the switch refuses to start (Asterisk without its recording
// directory answers 500) is a timeline step, and the record says it failed.
func TestRecordingRefusedIsRecorded(t *testing.T) {
	c, st, cmds, rec := connectRecorded(t)
	now := epoch.Add(3 * time.Second)
	c.CommandFailed(now, rec, errors.New("ari POST /bridges/b/record: 500 Internal Server Error"))
	c.Handle(now.Add(time.Second), pbx.HungUp{Base: pbx.Base{Channel: "in-1", At: now.Add(time.Second)}, Cause: pbx.CauseNormal})
	r := finishedRecord(t, st)
	if !r.Recording.Failed || r.Recording.Path != "" || !hasStep(r, "recording-failed", "500") {
		t.Errorf("record: recording %+v, timeline %+v; want failed with a recording-failed step naming the 500", r.Recording, r.Timeline)
	}
	for _, cmd := range *cmds {
		if cmd.Op == OpStopRecording {
			t.Errorf("a recording that never started was stopped: %v", cmd)
		}
	}
}

// A recording that ends reported as failed says so too.
func TestRecordingFinishedFailedIsRecorded(t *testing.T) {
	c, st, _, rec := connectRecorded(t)
	now := epoch.Add(3 * time.Second)
	c.Handle(now, pbx.HungUp{Base: pbx.Base{Channel: "in-1", At: now}, Cause: pbx.CauseNormal})
	c.Handle(now.Add(time.Second), pbx.RecordingFinished{Base: pbx.Base{At: now.Add(time.Second)}, Name: rec.Record.Name, Failed: true,
		Path: "/var/spool/asterisk/recording/" + rec.Record.Name + ".wav"})
	r := st.calls[rec.Record.Name[len("hotline-"):]]
	if !r.Recording.Failed || r.Recording.Path != "" || !hasStep(r, "recording-failed", "reported") {
		t.Errorf("record: recording %+v, timeline %+v; want failed, no path, a recording-failed step", r.Recording, r.Timeline)
	}
}

// A recording the switch reports over with no audio kept (FreeSWITCH names
// a file it did not keep) is failed, with no path, and the timeline says
// why, whether the call is still up or already over.
func TestRecordingWithoutAudioSaysWhy(t *testing.T) {
	const why = "no audio kept: FreeSWITCH reported /rec/x.wav but stored no file there"
	for _, live := range []bool{true, false} {
		c, st, _, rec := connectRecorded(t)
		now := epoch.Add(3 * time.Second)
		empty := pbx.RecordingFinished{Base: pbx.Base{At: now}, Name: rec.Record.Name, Path: "/rec/x.wav", Failed: true, Err: why}
		hangup := pbx.HungUp{Base: pbx.Base{Channel: "in-1", At: now}, Cause: pbx.CauseNormal}
		if live {
			c.Handle(now, empty)
			c.Handle(now, hangup)
		} else {
			c.Handle(now, hangup)
			c.Handle(now, empty)
		}
		r := st.calls[rec.Record.Name[len("hotline-"):]]
		if !r.Recording.Failed || r.Recording.Path != "" || !hasStep(r, "recording-failed", why) {
			t.Errorf("live %v: recording %+v, timeline %+v; want failed, no path, the reason in a recording-failed step", live, r.Recording, r.Timeline)
		}
	}
}

// A caller who hangs up as the agent comes: the call is over before the
// switch answers the recording's start, which fails (no such bridge). The
// record says so at once, with the switch's words, and no guard is needed
// to settle it; a start lost with the link is left to the check after the
// gap, which looks for its file.
func TestRecordingStartFailsAfterTheCallEnded(t *testing.T) {
	for _, tc := range []struct {
		err     error
		settled bool
	}{
		{errors.New("esl: record bridge b1: no such bridge"), true},
		{pbx.ErrDisconnected, false},
	} {
		c, st, _, rec := connectRecorded(t)
		now := epoch.Add(3 * time.Second)
		c.Handle(now, pbx.HungUp{Base: pbx.Base{Channel: "in-1", At: now}, Cause: pbx.CauseNormal})
		id := rec.Record.Name[len("hotline-"):]
		if c.trailing[id] == nil {
			t.Fatalf("%v: the ended call does not wait for its recording", tc.err)
		}
		c.CommandFailed(now.Add(10*time.Millisecond), rec, tc.err)
		r := st.calls[id]
		if !tc.settled {
			if c.trailing[id] == nil || r.Recording.Failed {
				t.Errorf("%v: settled at once: %+v", tc.err, r.Recording)
			}
			continue
		}
		if c.trailing[id] != nil && len(c.trailing[id].recordings) > 0 {
			t.Errorf("%v: still waiting for %v", tc.err, c.trailing[id].recordings)
		}
		if !r.Recording.Failed || r.Recording.Path != "" || !hasStep(r, "recording-failed", "no such bridge") {
			t.Errorf("%v: recording %+v, timeline %+v; want failed with the switch's words", tc.err, r.Recording, r.Timeline)
		}
	}
}

// A bridge the switch no longer has when Hotline destroys it (FreeSWITCH's
// end with their channels; a restart finds its calls ended) was what the
// command wanted: no warning. Another failure of it is one.
func TestDestroyGoneBridgeIsNoWarning(t *testing.T) {
	c, _, _, _ := connectRecorded(t)
	now := epoch.Add(3 * time.Second)
	destroy := Command{Op: OpDestroyBridge, Bridge: "b-in-1"}
	c.CommandFailed(now, destroy, fmt.Errorf("esl: destroy bridge b-in-1: %w", pbx.ErrNoBridge))
	if w := c.Warnings()["command-failed"]; w != 0 {
		t.Errorf("destroying a bridge gone already: %d command-failed warnings; want none", w)
	}
	c.CommandFailed(now, destroy, errors.New("ari DELETE /bridges/b-in-1: 500 Internal Server Error"))
	if w := c.Warnings()["command-failed"]; w != 1 {
		t.Errorf("a bridge destroy the switch refused: %d command-failed warnings; want 1", w)
	}
}
