package engine

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/store"
)

const recordingConfig = `
recordings: {template: "{date}/{queue}/{call}-{agent}"}
entries:
  - {number: "100", queue: demand}
  - {number: "200", queue: always}
  - {number: "300", queue: never}
queues:
  - {name: demand, recording: on_demand, announce: {interval: 0s}}
  - {name: always, record: true, announce: {interval: 0s}}
  - {name: never, announce: {interval: 0s}}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: demand}, {queue: always}, {queue: never}]}
`

// newRecordingRun: alice answers in 1 s; a caller dials to at 1 s and
// hangs up after 30 s of talk.
func newRecordingRun(t *testing.T, to string) *xferRun {
	return newRecordingRunOf(t, recordingConfig, to, 30*time.Second, "alice")
}

// newRecordingRunOf: the agents (sim/ID) answer in 1 s; a caller dials to
// at 1 s and hangs up after talk.
func newRecordingRunOf(t *testing.T, cfg, to string, talk time.Duration, agents ...string) *xferRun {
	t.Helper()
	st := newMemStore()
	r, err := NewSimRun(SimOptions{
		Core:  Options{Config: parseConfig(t, cfg), Store: st, Seed: 7},
		Start: epoch,
		Sim:   sim.Options{Seed: 7, Latency: 20 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range agents {
		if err := r.Switch.SetPhone("sim/"+a, answers(time.Second, 0)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Login(agents...); err != nil {
		t.Fatal(err)
	}
	r.Clock.Schedule(epoch.Add(time.Second), func() {
		if _, err := r.Switch.PlaceCall(farend.CallScript{From: "5550100", To: to, HangupAfter: talk}); err != nil {
			t.Errorf("place call: %v", err)
		}
	})
	return &xferRun{t: t, r: r, st: st}
}

func recordingBy(action RecordingAction) func(c *Core, now time.Time) error {
	return func(c *Core, now time.Time) error {
		_, err := c.controlRecording(now, RecordingControl{Agent: "alice", Action: action})
		return err
	}
}

// recordingSteps lists the timeline's recording steps as "kind/agent".
func recordingSteps(rec store.CallRecord) []string {
	var out []string
	for _, s := range rec.Timeline {
		if strings.HasPrefix(s.Kind, "recording-") {
			out = append(out, s.Kind+"/"+s.Agent)
		}
	}
	return out
}

func TestRecordingOnDemand(t *testing.T) {
	x := newRecordingRun(t, "100")
	x.at(4*time.Second, "pause before a start", ErrRecording, recordingBy(RecordingPause))
	x.at(5*time.Second, "start", nil, recordingBy(RecordingStart))
	x.at(6*time.Second, "start twice", ErrRecording, recordingBy(RecordingStart))
	x.at(10*time.Second, "pause", nil, recordingBy(RecordingPause))
	x.at(11*time.Second, "pause twice", ErrRecording, recordingBy(RecordingPause))
	x.check(12*time.Second, func() {
		_ = x.r.Do(func(c *Core, now time.Time) error {
			for _, cl := range c.calls {
				if st := callStatus(cl, now).Recording; st != "paused" {
					t.Errorf("status recording %q while paused, want paused", st)
				}
			}
			return nil
		})
	})
	x.at(15*time.Second, "resume", nil, recordingBy(RecordingResume))
	x.at(20*time.Second, "stop", nil, recordingBy(RecordingStop))
	x.at(22*time.Second, "start after a stop", nil, recordingBy(RecordingStart))
	x.at(25*time.Second, "stop the second", nil, recordingBy(RecordingStop))
	rec := x.record(time.Minute)
	want := []string{"recording-start/alice", "recording-pause/alice", "recording-resume/alice", "recording-stop/alice",
		"recording-start/alice", "recording-stop/alice"}
	if got := recordingSteps(rec); !slices.Equal(got, want) {
		t.Errorf("recording steps %v, want %v", got, want)
	}
	// A start after a stop is a second recording of its own, with a name
	// of its own where the template gives the first's again. Both ends are
	// the switch's times, a latency after Hotline asked.
	name := epoch.Format(time.DateOnly) + "/demand/" + rec.ID + "-alice"
	all := rec.AllRecordings()
	if len(all) != 2 {
		t.Fatalf("recordings %+v, want two", all)
	}
	for i, w := range []struct {
		name       string
		start, end time.Duration
	}{{name, 5 * time.Second, 20 * time.Second}, {name + "-2", 22 * time.Second, 25 * time.Second}} {
		r := all[i]
		if r.Name != w.name || r.Path != "sim://recordings/"+w.name+".wav" || r.Failed || r.Agent != "alice" || r.Leg != 1 ||
			!stoppedAfter(r.Start, epoch.Add(w.start)) || !stoppedAfter(r.End, epoch.Add(w.end)) {
			t.Errorf("recording %d: %+v, want %s from %v to %v, alice's leg 1", i+1, r, w.name, w.start, w.end)
		}
	}
}

// TestRecordingAlways: record: true is the always policy: the recording
// starts with the bridge, may be paused, may not be stopped.
func TestRecordingAlways(t *testing.T) {
	x := newRecordingRun(t, "200")
	x.at(5*time.Second, "start while on", ErrRecording, recordingBy(RecordingStart))
	x.at(6*time.Second, "stop under always", ErrRecording, recordingBy(RecordingStop))
	x.at(7*time.Second, "pause", nil, recordingBy(RecordingPause))
	x.at(8*time.Second, "resume", nil, recordingBy(RecordingResume))
	rec := x.record(time.Minute)
	want := []string{"recording-start/", "recording-pause/alice", "recording-resume/alice"}
	if got := recordingSteps(rec); !slices.Equal(got, want) {
		t.Errorf("recording steps %v, want %v", got, want)
	}
	if !strings.HasSuffix(rec.Recording.Path, "/always/"+rec.ID+"-alice.wav") {
		t.Errorf("recording path %q, want one ending in /always/%s-alice.wav", rec.Recording.Path, rec.ID)
	}
}

func TestRecordingNever(t *testing.T) {
	x := newRecordingRun(t, "300")
	x.at(5*time.Second, "start under never", ErrRecording, recordingBy(RecordingStart))
	x.at(5*time.Second, "an action that does not exist", ErrBadTransfer, recordingBy("rewind"))
	rec := x.record(time.Minute)
	if rec.Recording != (store.Recording{}) || len(recordingSteps(rec)) != 0 {
		t.Errorf("recording %+v steps %v, want none", rec.Recording, recordingSteps(rec))
	}
}

// TestRecordingCampaignAlways: a campaign's policy records its answered
// leads though its queue records nothing.
func TestRecordingCampaignAlways(t *testing.T) {
	rig := newCampaignRig(t, "progressive", 1.5) // no one logged in: it is replaced below
	cfg := strings.Replace(fmt.Sprintf(campaignConfig, "progressive", 1.5), "    mode: progressive\n", "    mode: progressive\n    recording: always\n", 1)
	rig.r = rig.start(t, cfg, []string{"a1"})
	if err := rig.r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	rig.r.ServeLeads(rig.db, time.Second)
	rig.r.RunUntil(epoch.Add(20 * time.Minute))
	recorded := 0
	for _, recs := range rig.dials(t) {
		for _, rec := range recs {
			if rec.Agent == "" {
				continue
			}
			if !strings.HasPrefix(rec.Recording.Path, "sim://recordings/hotline-"+rec.ID) || !slices.Contains(recordingSteps(rec), "recording-start/") {
				t.Errorf("lead call %s with %s: recording %+v, steps %v", rec.ID, rec.Agent, rec.Recording, recordingSteps(rec))
			}
			recorded++
		}
	}
	if recorded == 0 {
		t.Fatalf("no lead reached an agent\n%s", rig.trace)
	}
}
