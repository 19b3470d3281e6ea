package engine

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/store"
)

const recordingLegsConfig = `
pbx:
  outside: "sim/ext-{number}"
recordings: {template: "{queue}/{call}-{agent}"}
entries:
  - {number: "200", queue: always}
queues:
  - {name: always, recording: always, announce: {interval: 0s}, wrap_up: 2s}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: always}]}
  - {id: bob, endpoint: sim/bob}
`

// newRecordingLegsRun: alice (the queue's) and bob answer in 1 s; a caller
// dials the always queue at 1 s and hangs up after 40 s of talk.
func newRecordingLegsRun(t *testing.T) *xferRun {
	return newRecordingRunOf(t, recordingLegsConfig, "200", 40*time.Second, "alice", "bob")
}

// wantRecording is one expected recording: the agent, leg and name suffix,
// and when it ran (end 0: with the call).
type wantRecording struct {
	agent      string
	leg        int
	name       string
	start, end time.Duration
}

// stoppedAfter reports whether a recording the switch reports ended at end
// was stopped by a command given at asked: the simulated switch of these
// runs carries commands out 20 ms late, and the record keeps its time.
func stoppedAfter(end, asked time.Time) bool {
	return !end.Before(asked) && end.Sub(asked) <= 50*time.Millisecond
}

func checkRecordings(t *testing.T, rec store.CallRecord, want []wantRecording) {
	t.Helper()
	all := rec.AllRecordings()
	if len(all) != len(want) {
		t.Fatalf("%d recordings %+v, want %d", len(all), all, len(want))
	}
	for i, w := range want {
		r := all[i]
		name := "always/" + rec.ID + "-" + w.name
		end := epoch.Add(w.end)
		if w.end == 0 {
			end = rec.Ended
		}
		if r.Agent != w.agent || r.Leg != w.leg || r.Name != name || r.Path != "sim://recordings/"+name+".wav" || r.Failed ||
			r.Start.Sub(epoch.Add(w.start)).Abs() > 2*time.Second || !stoppedAfter(r.End, end) {
			t.Errorf("recording %d: %+v\nwant %s, %s's leg %d, from about %v to %s", i+1, r, name, w.agent, w.leg, w.start, end.Sub(epoch))
		}
	}
	if names := unfinishedRecordings(&rec); len(names) != 0 {
		t.Errorf("recordings never reported finished: %v", names)
	}
}

// Under always, a blind transfer ends alice's recording and bob's leg has
// its own: two recordings, in order, each with its agent, leg and times.
func TestRecordingPerLegAcrossTransfer(t *testing.T) {
	x := newRecordingLegsRun(t)
	x.at(10*time.Second, "blind transfer to bob", nil, func(c *Core, now time.Time) error {
		_, err := c.Transfer(now, "alice", TransferTo{Agent: "bob"}, false)
		return err
	})
	rec := x.record(time.Minute)
	checkRecordings(t, rec, []wantRecording{
		{"alice", 1, "alice", 2 * time.Second, 10 * time.Second},
		{"bob", 2, "bob", 11 * time.Second, 0},
	})
	if len(rec.Legs) != 2 || rec.Legs[1].Agent != "bob" {
		t.Errorf("legs %+v, want alice's then bob's", rec.Legs)
	}
}

// A consult ends the recording of alice's leg (the caller hears music,
// not alice and bob); taking the caller back starts another, and the
// completed transfer gives bob's leg a third.
func TestRecordingAcrossConsult(t *testing.T) {
	x := newRecordingLegsRun(t)
	consult := func(c *Core, now time.Time) error {
		_, err := c.Transfer(now, "alice", TransferTo{Agent: "bob"}, true)
		return err
	}
	x.at(8*time.Second, "consult bob", nil, consult)
	x.at(12*time.Second, "cancel", nil, func(c *Core, now time.Time) error { _, err := c.CancelTransfer(now, "alice"); return err })
	x.at(16*time.Second, "consult bob again", nil, consult)
	x.at(20*time.Second, "complete", nil, func(c *Core, now time.Time) error { _, err := c.CompleteTransfer(now, "alice"); return err })
	rec := x.record(time.Minute)
	checkRecordings(t, rec, []wantRecording{
		{"alice", 1, "alice", 2 * time.Second, 8 * time.Second},
		{"alice", 1, "alice-2", 12 * time.Second, 16 * time.Second},
		{"bob", 2, "bob", 20 * time.Second, 0},
	})
	var kinds []string
	for _, s := range recordingSteps(rec) {
		kinds = append(kinds, strings.TrimSuffix(s, "/"))
	}
	want := []string{"recording-start", "recording-stop", "recording-start", "recording-stop", "recording-start"}
	if !slices.Equal(kinds, want) {
		t.Errorf("recording steps %v, want %v", kinds, want)
	}
}
