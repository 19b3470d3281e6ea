package engine

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/store"
)

// A daemon that dies while an ended call's recording is not reported
// finished: the next one finds the call in the store, asks the switch about
// the recording once linked to it, and records the answer; or, when the
// switch never answers, gives up on it as failed. Also when the call entered
// before the day the counters start from.
func TestRecordingGuardAfterRestart(t *testing.T) {
	for _, tc := range []struct {
		what     string
		from     time.Duration // LoadSavedSince's period start, from epoch
		answered bool
	}{
		{what: "answered", answered: true},
		{what: "never answered"},
		{what: "entered the day before", from: time.Hour, answered: true},
	} {
		t.Run(tc.what, func(t *testing.T) {
			db, err := store.Open(filepath.Join(t.TempDir(), "h.db"), store.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var cmds []Command
			var timers []Timer
			out := timedOutputs{recordOutputs{&cmds}, &timers, map[Timer]time.Time{}}
			c, rec := connectRecordedOn(t, db, &cmds, out)
			now := epoch.Add(3 * time.Second)
			c.Handle(now, pbx.HungUp{Base: pbx.Base{Channel: "in-1", At: now}, Cause: pbx.CauseNormal})
			name, id := rec.Record.Name, strings.TrimPrefix(rec.Record.Name, "hotline-")
			// The daemon dies here, before the recording's finish came.

			saved, err := LoadSavedSince(db, epoch.Add(tc.from))
			if err != nil {
				t.Fatal(err)
			}
			now = epoch.Add(time.Minute)
			cmds, timers = nil, nil
			c, err = NewCore(Options{Config: c.opts.Config, Out: out, Store: db, IDPrefix: "run2"}, now)
			if err != nil {
				t.Fatal(err)
			}
			c.Restore(now, saved)
			if n := checks(cmds, name); n != 0 {
				t.Fatalf("%d checks of %s before the switch is linked", n, name)
			}
			c.Handle(now, pbx.Synced{Base: pbx.Base{At: now}})
			if n := checks(cmds, name); n != 1 {
				t.Fatalf("%d checks of %s once linked after the restart, want 1: %v", n, name, cmds)
			}
			path := "/var/spool/asterisk/recording/" + name + ".wav"
			if tc.answered {
				c.Handle(now, pbx.RecordingFinished{Base: pbx.Base{At: now}, Name: name, Path: path})
			} else {
				for range recordingGuardChecks {
					now = now.Add(recordingGuardAfter)
					fireGuards(c, now, &timers, id)
				}
			}
			r, err := db.Call(id)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.answered && (r.Recording.Path != path || r.Recording.Failed):
				t.Errorf("stored recording %+v, want path %s", r.Recording, path)
			case !tc.answered && (!r.Recording.Failed || !hasStep(*r, "recording-failed", "never reported")):
				t.Errorf("stored recording %+v, timeline %+v; want failed with a step", r.Recording, r.Timeline)
			}
			if _, ok := c.trailing[id]; ok {
				t.Errorf("call %s still held in memory", id)
			}
			if saved, _ := LoadSavedSince(db, epoch.Add(tc.from)); len(saved.Trailing) != 0 {
				t.Errorf("%d calls still wait for a recording after it was settled", len(saved.Trailing))
			}
		})
	}
}

// fireGuards fires the recording guards of call id set so far, and forgets
// them.
func fireGuards(c *Core, now time.Time, timers *[]Timer, id string) {
	due := *timers
	*timers = nil
	for _, tm := range due {
		if tm.Kind == TimerRecordingGuard && tm.Call == id {
			c.Fire(now, tm)
		}
	}
}

// Events lost while the link was down: once it is back, the switch is
// asked at once about the ended calls' recordings, and about a live call's
// recording stopped but not reported over. While it is down nothing is
// asked, and no ask counts towards giving up.
func TestRecordingCheckedAfterReconnect(t *testing.T) {
	c, st, cmds, name, id, guard := endWithoutFinish(t)
	at := guard()
	c.Handle(epoch.Add(5*time.Second), pbx.Disconnected{Base: pbx.Base{At: epoch.Add(5 * time.Second)}, Err: errors.New("cut")})
	c.Fire(at, Timer{Kind: TimerRecordingGuard, Call: id})
	if n := checks(*cmds, name); n != 0 {
		t.Fatalf("%d checks of %s while the link is down, want 0", n, name)
	}
	back := at.Add(time.Minute)
	c.Handle(back, pbx.Synced{Base: pbx.Base{At: back}, Reconnect: true})
	if n := checks(*cmds, name); n != 1 {
		t.Fatalf("%d checks of %s once the link is back, want 1", n, name)
	}
	// An ask lost with a link cut again is not a failure.
	c.CommandFailed(back, Command{Op: OpCheckRecording, Lane: id, Name: name}, fmt.Errorf("check: %w", pbx.ErrDisconnected))
	if r := st.calls[id]; r.Recording.Failed {
		t.Fatalf("recording failed on an ask lost with the link: %+v", r.Recording)
	}
	// The guard set before the cut is outdated by the one set on the reconnect.
	c.Fire(back.Add(recordingGuardAfter), Timer{Kind: TimerRecordingGuard, Call: id})
	if n := checks(*cmds, name); n != 1 {
		t.Errorf("%d checks after the outdated guard, want 1", n)
	}
	next := guard()
	for range recordingGuardChecks {
		c.Fire(next, Timer{Kind: TimerRecordingGuard, Call: id, Gen: 1})
	}
	if n := checks(*cmds, name); n != recordingGuardChecks {
		t.Errorf("%d checks after the reconnect, want %d", n, recordingGuardChecks)
	}
	assertGivenUp(t, c, st, id, name, "never reported")

	t.Run("live call", func(t *testing.T) {
		c, _, cmds, rec := connectRecorded(t)
		now := epoch.Add(5 * time.Second)
		for _, cl := range c.calls {
			c.stopRecording(now, cl, "") // as a consult does: the next leg has its own
		}
		c.Handle(now, pbx.Disconnected{Base: pbx.Base{At: now}, Err: errors.New("cut")})
		if n := checks(*cmds, rec.Record.Name); n != 0 {
			t.Fatalf("%d checks before the reconnect", n)
		}
		c.Handle(now.Add(time.Second), pbx.Synced{Base: pbx.Base{At: now.Add(time.Second)}, Reconnect: true})
		if n := checks(*cmds, rec.Record.Name); n != 1 {
			t.Errorf("%d checks of the live call's stopped recording after the reconnect, want 1: %v", n, *cmds)
		}
	})
}
