package engine

import (
	"slices"
	"testing"
	"time"
)

// A recording paused when the daemon restarts is still paused after it:
// the status says so, and resuming it is not refused.
func TestRecordingPausedAcrossRestart(t *testing.T) {
	x := newRecordingRun(t, "200")
	first := x.r.Core
	x.r.Core.out = runOutputs{r: x.r, core: &first}
	x.at(7*time.Second, "pause", nil, recordingBy(RecordingPause))
	x.r.RunUntil(epoch.Add(9 * time.Second))
	restart(t, x.r, x.st, "run2", nil)
	if len(x.r.Core.calls) != 1 {
		t.Fatalf("%d live calls after the restart, want 1", len(x.r.Core.calls))
	}
	for _, cl := range x.r.Core.calls {
		if got := recordingStatus(cl); got != "paused" {
			t.Errorf("recording %q after the restart, want paused", got)
		}
	}
	x.at(10*time.Second, "resume after the restart", nil, recordingBy(RecordingResume))
	rec := x.record(time.Minute)
	want := []string{"recording-start/", "recording-pause/alice", "recording-resume/alice"}
	if got := recordingSteps(rec); !slices.Equal(got, want) {
		t.Errorf("recording steps %v, want %v", got, want)
	}
}

// A call's earlier recordings survive a restart with the one running: the
// one stopped before it and the one stopped after it are both kept, each
// with its path.
func TestRecordingsAcrossRestart(t *testing.T) {
	x := newRecordingRun(t, "100")
	first := x.r.Core
	x.r.Core.out = runOutputs{r: x.r, core: &first}
	x.at(4*time.Second, "start", nil, recordingBy(RecordingStart))
	x.at(6*time.Second, "stop", nil, recordingBy(RecordingStop))
	x.at(7*time.Second, "start again", nil, recordingBy(RecordingStart))
	x.r.RunUntil(epoch.Add(9 * time.Second))
	restart(t, x.r, x.st, "run2", nil)
	x.at(12*time.Second, "stop after the restart", nil, recordingBy(RecordingStop))
	rec := x.record(time.Minute)
	all := rec.AllRecordings()
	if len(all) != 2 || all[0].Path == "" || all[1].Path == "" || all[1].Name != all[0].Name+"-2" ||
		!stoppedAfter(all[0].End, epoch.Add(6*time.Second)) || !stoppedAfter(all[1].End, epoch.Add(12*time.Second)) {
		t.Errorf("recordings after a restart %+v", all)
	}
}
