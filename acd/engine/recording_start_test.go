package engine

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
)

// TestRecordingStartIsTheSwitchs: a recording starts when the switch began
// it, not when Hotline asked, so both its ends read the switch's clock.
// Hotline asks at 2 s; the switch starts it 30 ms later and says so 5 s
// late (a backlog, a stalled link): the record's recording starts at
// 2.03 s. A switch that tells nothing leaves the time of asking, and a
// start the switch reports after Hotline already gave the recording an
// end does not leave it ending before it began.
func TestRecordingStartIsTheSwitchs(t *testing.T) {
	asked := epoch.Add(2 * time.Second)
	t.Run("late event", func(t *testing.T) {
		c, st, _, rec := connectRecorded(t)
		if r := recordingOf(t, st, rec.Record.Name); !r.Start.Equal(asked) {
			t.Fatalf("before the switch tells, the recording starts %v, want the time of asking %v", r.Start.Sub(epoch), asked.Sub(epoch))
		}
		started := asked.Add(30 * time.Millisecond)
		c.Handle(asked.Add(5*time.Second), pbx.RecordingStarted{Base: pbx.Base{At: started}, Name: rec.Record.Name})
		if r := recordingOf(t, st, rec.Record.Name); !r.Start.Equal(started) {
			t.Errorf("recording starts %v, want the switch's %v", r.Start.Sub(epoch), started.Sub(epoch))
		}
		ended := epoch.Add(10 * time.Second)
		c.Handle(ended, pbx.HungUp{Base: pbx.Base{Channel: "in-1", At: ended}, Cause: pbx.CauseNormal})
		c.Handle(ended, pbx.RecordingFinished{Base: pbx.Base{At: ended}, Name: rec.Record.Name, Path: "/rec/x.wav", End: ended})
		if r := recordingOf(t, st, rec.Record.Name); !r.Start.Equal(started) || !r.End.Equal(ended) {
			t.Errorf("recording from %v to %v, want %v to %v", r.Start.Sub(epoch), r.End.Sub(epoch), started.Sub(epoch), ended.Sub(epoch))
		}
	})
	t.Run("no time", func(t *testing.T) {
		c, st, _, rec := connectRecorded(t)
		c.Handle(asked.Add(time.Second), pbx.RecordingStarted{Name: rec.Record.Name})
		if r := recordingOf(t, st, rec.Record.Name); !r.Start.Equal(asked) {
			t.Errorf("recording starts %v, want the time of asking %v", r.Start.Sub(epoch), asked.Sub(epoch))
		}
	})
	t.Run("after the call ended", func(t *testing.T) {
		c, st, _, rec := connectRecorded(t)
		ended := asked.Add(10 * time.Millisecond)
		c.Handle(ended, pbx.HungUp{Base: pbx.Base{Channel: "in-1", At: ended}, Cause: pbx.CauseNormal})
		started := asked.Add(30 * time.Millisecond)
		c.Handle(ended.Add(time.Second), pbx.RecordingStarted{Base: pbx.Base{At: started}, Name: rec.Record.Name})
		if r := recordingOf(t, st, rec.Record.Name); !r.Start.Equal(started) || r.End.Before(r.Start) {
			t.Errorf("recording from %v to %v, want from the switch's %v and not ending before", r.Start.Sub(epoch), r.End.Sub(epoch), started.Sub(epoch))
		}
	})
}
