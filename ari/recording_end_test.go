package ari

import (
	"context"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
)

// A recording's end is Asterisk's timestamp of its RecordingFinished, not
// when the event reaches Hotline: a backlog or a link that stalls must not
// stretch the recorded call.
func TestRecordingFinishedCarriesAsteriskTime(t *testing.T) {
	tr := newTracker(DefaultRecordingDir)
	raw := []byte(`{"type":"RecordingFinished","timestamp":"2026-01-05T09:00:10.020+0000","application":"hotline",
		"recording":{"name":"r1","format":"wav","state":"done","target_uri":"bridge:b1","duration":8}}`)
	evs, _, err := tr.apply(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 1, 5, 9, 0, 10, 20e6, time.UTC)
	if len(evs) != 1 {
		t.Fatalf("events %v, want one RecordingFinished", evs)
	}
	if f, ok := evs[0].(pbx.RecordingFinished); !ok || !f.End.Equal(want) {
		t.Errorf("event %+v, want a RecordingFinished ending at %v", evs[0], want)
	}
}

// A recording's start is Asterisk's timestamp of its RecordingStarted, as
// its end is RecordingFinished's; an utterance's start reports nothing.
func TestRecordingStartedCarriesAsteriskTime(t *testing.T) {
	f := newFakeARI(t)
	c, rec := startFake(t, f)
	ctx := context.Background()
	rec.WaitFor(t, ctx, synced(1, false))
	f.answer("POST", "/bridges/br-1/record", fakeAnswer{status: 201, body: `{}`, then: func(f *fakeARI) {
		f.emit(`{"type":"RecordingStarted","timestamp":"2026-01-05T09:00:02.030+0000","application":"hotline",` +
			`"recording":{"name":"r1","format":"wav","state":"recording","target_uri":"bridge:br-1"}}`)
	}})
	if err := c.StartRecording(ctx, pbx.RecordRequest{Name: "r1", Bridge: "br-1"}); err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 1, 5, 9, 0, 2, 30e6, time.UTC)
	s := rec.WaitFor(t, ctx, func(ev pbx.Event) bool { _, ok := ev.(pbx.RecordingStarted); return ok }).(pbx.RecordingStarted)
	if s.Name != "r1" || !s.At.Equal(want) {
		t.Errorf("RecordingStarted %s at %v, want r1 at %v", pbxtest.Format(s), s.At, want)
	}

	tr := newTracker(DefaultRecordingDir)
	tr.note(note{Op: opListen, ID: "u1", Ch: "in-1"})
	evs, _, err := tr.apply([]byte(`{"type":"RecordingStarted","timestamp":"2026-01-05T09:00:02.030+0000","application":"hotline",` +
		`"recording":{"name":"u1","format":"wav","state":"recording","target_uri":"channel:in-1"}}`))
	if err != nil || len(evs) != 0 {
		t.Errorf("an utterance's RecordingStarted made %v, %v; want nothing", evs, err)
	}
}
