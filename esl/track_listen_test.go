package esl

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
)

// A Listen ends in an Utterance: on RECORD_STOP as a rule; on the record
// application's completion if it never opened its file; at once if it was
// thrown away behind the beep by the uuid_break that stopped it.
func TestTrackListen(t *testing.T) {
	const p = "/rec/u1.wav"
	at := time.Unix(1700000000, 0)
	utterance := func(out []pbx.Event) pbx.Utterance {
		t.Helper()
		if len(out) != 1 {
			t.Fatalf("events %v, want one Utterance", out)
		}
		u, ok := out[0].(pbx.Utterance)
		if !ok {
			t.Fatalf("event %T, want pbx.Utterance", out[0])
		}
		return u
	}

	tr := newTracker()
	tr.note(note{kind: noteListen, channel: "c1", id: "u1", path: p, at: at.Add(-2 * time.Second)})
	out := tr.apply(ev("CHANNEL_EXECUTE", "c1", "Application", "record", "Application-UUID", "u1"), nil)
	out = tr.apply(ev("RECORD_START", "c1", "Record-File-Path", p), out)
	out = tr.apply(ev("RECORD_STOP", "c1", "Record-File-Path", p), out)
	u := utterance(out)
	if u.Name != "u1" || u.Channel != "c1" || u.Path != p || u.Failed {
		t.Errorf("utterance %+v", u)
	}
	if out := tr.apply(ev("CHANNEL_EXECUTE_COMPLETE", "c1", "Application", "record", "Application-UUID", "u1", "Application-Response", "+OK"), nil); len(out) != 0 {
		t.Errorf("the record application's completion after RECORD_STOP: %v", out)
	}

	tr = newTracker()
	tr.note(note{kind: noteListen, channel: "c1", id: "u2", path: p, at: at})
	u = utterance(tr.apply(ev("CHANNEL_EXECUTE_COMPLETE", "c1", "Application", "record", "Application-UUID", "u2",
		"Application-Response", "-ERR Error opening "+p), nil))
	if !u.Failed || u.Err != "record: -ERR Error opening "+p {
		t.Errorf("a record that could not open its file: %+v", u)
	}

	tr = newTracker()
	tr.note(note{kind: noteListen, channel: "c1", id: "u3", path: p, at: at})
	tr.note(note{kind: noteListenStopped, id: "u3", at: at})
	u = utterance(tr.takePending(nil))
	if u.Failed || u.Name != "u3" || len(u.Audio) != 0 {
		t.Errorf("a listen stopped before its record ran: %+v", u)
	}
	if out := tr.apply(ev("RECORD_STOP", "c1", "Record-File-Path", p), nil); len(out) != 0 {
		t.Errorf("a second end of the same listen: %v", out)
	}
}

// A recording's RECORD_START is its start by FreeSWITCH's clock (its
// Event-Date-Timestamp); a Listen's reports nothing until it ends.
func TestTrackRecordingStarted(t *testing.T) {
	const p = "/rec/r1.wav"
	tr := newTracker()
	tr.note(note{kind: noteRecord, channel: "c1", id: "r1", path: p, at: time.Unix(1700000000, 0).Add(-time.Second)})
	tr.note(note{kind: noteListen, channel: "c1", id: "u1", path: "/rec/u1.wav", at: time.Unix(1700000000, 0)})
	out := tr.apply(ev("RECORD_START", "c1", "Record-File-Path", "/rec/u1.wav"), nil)
	out = tr.apply(ev("RECORD_START", "c1", "Record-File-Path", p), out)
	if len(out) != 1 {
		t.Fatalf("events %v, want one RecordingStarted", out)
	}
	want := time.UnixMicro(1700000000000000)
	if s, ok := out[0].(pbx.RecordingStarted); !ok || s.Name != "r1" || s.Channel != "c1" || !s.At.Equal(want) {
		t.Errorf("event %+v, want r1's RecordingStarted on c1 at %v", out[0], want)
	}
}
