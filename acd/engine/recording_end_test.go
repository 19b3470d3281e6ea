package engine

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/store"
)

// TestRecordingEndIsTheSwitchs: a recording's end is when the switch ended
// it, not when Hotline heard of it. The caller hangs up at 10 s and the
// switch stops the recording then (FreeSWITCH records the caller's
// channel), but both events reach Hotline 6 s late (a backlog, a link
// that stalled): the record's recording ends at 10 s. One that ended while
// the link was down ends when the switch, asked once the link is back,
// says its file was last written; one found over with no time of the
// switch's own keeps the end Hotline gave it.
func TestRecordingEndIsTheSwitchs(t *testing.T) {
	t.Run("late events", func(t *testing.T) {
		c, st, _, rec := connectRecorded(t)
		hungUp, learned := epoch.Add(10*time.Second), epoch.Add(16*time.Second)
		c.Handle(learned, pbx.HungUp{Base: pbx.Base{Channel: "in-1", At: hungUp}, Cause: pbx.CauseNormal})
		if r := recordingOf(t, st, rec.Record.Name); !r.End.Equal(hungUp) {
			t.Errorf("at the late hang-up the recording ends %v, want the switch's %v", r.End.Sub(epoch), hungUp.Sub(epoch))
		}
		c.Handle(learned, pbx.RecordingFinished{Base: pbx.Base{Channel: "in-1", At: hungUp}, Name: rec.Record.Name,
			Path: "/rec/x.wav", End: hungUp.Add(20 * time.Millisecond)})
		if r := recordingOf(t, st, rec.Record.Name); !r.End.Equal(hungUp.Add(20*time.Millisecond)) || r.Path != "/rec/x.wav" {
			t.Errorf("recording %+v, want it ended at the switch's %v", r, hungUp.Add(20*time.Millisecond).Sub(epoch))
		}
	})
	t.Run("ended during a link cut", func(t *testing.T) {
		c, st, _, rec := connectRecorded(t)
		down, ended, back := epoch.Add(5*time.Second), epoch.Add(10*time.Second), epoch.Add(40*time.Second)
		c.Handle(down, pbx.Disconnected{Base: pbx.Base{At: down}})
		c.Handle(back, pbx.Synced{Base: pbx.Base{At: back}, Reconnect: true})
		// Asked after the fact, the switch tells when the file was last
		// written.
		c.Handle(back, pbx.RecordingFinished{Base: pbx.Base{At: back}, Name: rec.Record.Name, Path: "/rec/x.wav", End: ended})
		if r := recordingOf(t, st, rec.Record.Name); !r.End.Equal(ended) {
			t.Errorf("recording ends %v, want the switch's %v, not the link's return at %v", r.End.Sub(epoch), ended.Sub(epoch), back.Sub(epoch))
		}
	})
	t.Run("found over by asking", func(t *testing.T) {
		c, st, _, rec := connectRecorded(t)
		ended := epoch.Add(10 * time.Second)
		c.Handle(ended, pbx.HungUp{Base: pbx.Base{Channel: "in-1", At: ended}, Cause: pbx.CauseNormal})
		c.Handle(ended.Add(time.Minute), pbx.RecordingFinished{Base: pbx.Base{At: ended.Add(time.Minute)}, Name: rec.Record.Name, Path: "/rec/x.wav"})
		if r := recordingOf(t, st, rec.Record.Name); !r.End.Equal(ended) {
			t.Errorf("recording ends %v, want %v (the switch gave no time of its own)", r.End.Sub(epoch), ended.Sub(epoch))
		}
	})
}

// recordingOf is the stored recording called name.
func recordingOf(t *testing.T, st *memStore, name string) store.Recording {
	t.Helper()
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, rec := range st.calls {
		if r := recordingNamed(&rec, name); r != nil {
			return *r
		}
	}
	t.Fatalf("no record has recording %s", name)
	return store.Recording{}
}
