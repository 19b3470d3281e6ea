package esl_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/esl"
	"github.com/hotline-cc/hotline/esl/esltest"
)

// discarded records the answered channel ch for a moment under
// RECORD_MIN_SEC=3 (a moment that a loaded machine stretches stays under
// it): FreeSWITCH removes the file and still names it in
// RECORD_STOP. The recording must end failed, saying why, and the file
// must not be there; then, on the same channel, a recording long enough
// ends with its file (the RECORD_DISCARDED the first one left on the
// channel does not fail it).
func discarded(t *testing.T, sw pbx.Switch, rec *pbxtest.Recorder, ch pbx.ChannelID, name string) {
	t.Helper()
	ctx := context.Background()
	if err := sw.SetVar(ctx, ch, "RECORD_MIN_SEC", "3"); err != nil {
		t.Fatal(err)
	}
	finished := func(name string) pbx.RecordingFinished {
		t.Helper()
		return rec.WaitFor(t, ctx, func(ev pbx.Event) bool {
			f, ok := ev.(pbx.RecordingFinished)
			return ok && f.Name == name
		}).(pbx.RecordingFinished)
	}
	short, long := name+"-short", name+"-long"
	if err := sw.StartRecording(ctx, pbx.RecordRequest{Name: short, Format: "wav", Channel: ch}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if err := sw.StopRecording(ctx, short); err != nil {
		t.Fatal(err)
	}
	f := finished(short)
	if !f.Failed || !strings.Contains(f.Err, "no audio kept") {
		t.Errorf("a discarded recording finished as %s, want failed, saying no audio was kept", pbxtest.Format(f))
	}
	if _, err := os.Stat(f.Path); f.Path != "" && !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the discarded file %s: %v, want it gone", f.Path, err)
	}
	if err := sw.StartRecording(ctx, pbx.RecordRequest{Name: long, Format: "wav", Channel: ch}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3500 * time.Millisecond)
	if err := sw.StopRecording(ctx, long); err != nil {
		t.Fatal(err)
	}
	if f := finished(long); f.Failed || f.Path == "" {
		t.Errorf("a recording long enough finished as %s, want its path", pbxtest.Format(f))
	} else {
		_ = os.Remove(f.Path)
	}
}

func TestRecordingDiscardedByTheSwitch(t *testing.T) {
	f := newFixtureOn(t, esltest.Options{RecordingDir: t.TempDir()}, esl.Options{})
	rec := pbxtest.NewRecorder(f.sw.Events(), 30*time.Second)
	if _, err := f.placeCall(farend.CallScript{From: "5551000", To: "100"}, "entry,100"); err != nil {
		t.Fatal(err)
	}
	a := rec.WaitFor(t, context.Background(), func(ev pbx.Event) bool { _, ok := ev.(pbx.CallArrived); return ok }).(pbx.CallArrived)
	if err := f.sw.Answer(context.Background(), a.Channel); err != nil {
		t.Fatal(err)
	}
	discarded(t, f.sw, rec, a.Channel, "hotline-discarded")
}

func TestFreeSWITCHRecordingDiscarded(t *testing.T) {
	fsw := needFreeSWITCH(t)
	sw := fsw.newSwitch(t, esl.Options{})
	tag := runTag()
	t.Cleanup(func() { fsw.hangUpRun(t, tag) })
	rec := pbxtest.NewRecorder(sw.Events(), 10*time.Second)
	a := fsw.arrived(t, rec, farend.CallScript{From: "5557190", To: "100"}, "", tag)
	if err := sw.Answer(context.Background(), a.Channel); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, context.Background(), pbxtest.On[pbx.Answered](a.Channel))
	discarded(t, sw, rec, a.Channel, "hotline-discarded-"+tag)
}
