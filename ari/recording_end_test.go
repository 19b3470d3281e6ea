package ari

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
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
