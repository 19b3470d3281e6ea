package esl_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/esl"
	"github.com/hotline-cc/hotline/esl/esltest"
)

// nesting plays over what already plays on an answered channel, as the
// fake and a real FreeSWITCH must both do it. A playback sent (without
// event-lock) while another application runs is run by that one between
// its media frames: it nests, and the outer one goes on once it is over.
// uuid_break, which StopPlayback and StopMOH send, ends every level, so
// each playback it cuts is reported stopped, the outer one as well as the
// inner one. prompt lasts about a third of a second or more; tag makes the
// playback ids unique.
func nesting(t *testing.T, sw *esl.Switch, rec *pbxtest.Recorder, watcher *freeSWITCH, ch pbx.ChannelID, prompt, tag string, gap time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	stop := watcher.watch(t, "CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE")
	id := func(n int) pbx.PlaybackID { return pbx.PlaybackID(fmt.Sprintf("%s-n%d", tag, n)) }
	play := func(n, files int) {
		t.Helper()
		if err := sw.Play(ctx, ch, id(n), slices.Repeat([]string{prompt}, files)...); err != nil {
			t.Fatalf("play %s: %v", id(n), err)
		}
	}
	var order []string
	finished := func(n int, stopped bool) {
		t.Helper()
		f := rec.WaitFor(t, ctx, func(ev pbx.Event) bool {
			f, ok := ev.(pbx.PlaybackFinished)
			return ok && f.Playback == id(n)
		}).(pbx.PlaybackFinished)
		if f.Stopped != stopped || f.Failed {
			t.Errorf("%s: %s, want stopped=%v", id(n), pbxtest.Format(f), stopped)
		}
	}
	// A prompt over a longer one: the inner one plays out first.
	play(1, 3)
	time.Sleep(gap)
	play(2, 1)
	finished(2, false)
	finished(1, false)
	order = append(order, "+1", "+2", "-2", "-1")
	// Either one stopped: the break ends both, the inner one first.
	for _, n := range []int{3, 5} {
		stopped := id(n + 1) // the inner one first time, the outer one next
		if n == 5 {
			stopped = id(n)
		}
		play(n, 3)
		time.Sleep(gap)
		play(n+1, 3)
		time.Sleep(gap)
		if err := sw.StopPlayback(ctx, stopped); err != nil {
			t.Fatal(err)
		}
		finished(n+1, true)
		finished(n, true)
		order = append(order, fmt.Sprint("+", n), fmt.Sprint("+", n+1), fmt.Sprint("-", n+1), fmt.Sprint("-", n))
	}
	// A prompt over music on hold, which goes on after it until stopped;
	// stopping the music cuts a prompt still playing over it.
	if err := sw.StartMOH(ctx, ch, ""); err != nil {
		t.Fatal(err)
	}
	time.Sleep(gap)
	play(7, 1)
	finished(7, false)
	play(8, 3)
	time.Sleep(gap)
	if err := sw.StopMOH(ctx, ch); err != nil {
		t.Fatal(err)
	}
	finished(8, true)
	order = append(order, "+moh", "+7", "-7", "+8", "-8", "-moh")
	time.Sleep(gap) // the music's end, on the watcher's connection
	var got []string
	for _, ev := range stop() {
		app := ev.Get("Application-UUID")
		if ev.Get("Unique-ID") != string(ch) || ev.Get("Application") != "playback" {
			continue
		}
		sign := "+"
		if ev.Get("Event-Name") == "CHANNEL_EXECUTE_COMPLETE" {
			sign = "-"
		}
		if app == "hotline-moh" {
			got = append(got, sign+"moh")
		} else if n, ok := strings.CutPrefix(app, tag+"-n"); ok {
			got = append(got, sign+n)
		}
	}
	if !slices.Equal(got, order) {
		t.Errorf("CHANNEL_EXECUTE (+) and CHANNEL_EXECUTE_COMPLETE (-) of the playbacks:\n got %v\nwant %v", got, order)
	}
}

// TestNesting runs nesting on the fake, with prompts of 300 ms.
func TestNesting(t *testing.T) {
	f := newFixtureOn(t, esltest.Options{PlaybackTime: 300 * time.Millisecond}, esl.Options{})
	rec := pbxtest.NewRecorder(f.sw.Events(), 30*time.Second)
	if _, err := f.placeCall(farend.CallScript{From: "5557200", To: "100"}, "entry,100"); err != nil {
		t.Fatal(err)
	}
	a := rec.WaitFor(t, context.Background(), func(ev pbx.Event) bool { _, ok := ev.(pbx.CallArrived); return ok }).(pbx.CallArrived)
	if err := f.sw.Answer(context.Background(), a.Channel); err != nil {
		t.Fatal(err)
	}
	nesting(t, f.sw, rec, &freeSWITCH{addr: f.fs.Addr(), password: "ClueCon"}, a.Channel, "sound:queue-thankyou", "fake", 100*time.Millisecond)
}

// TestFreeSWITCHNesting runs nesting on the real switch, whose
// queue-thankyou prompt lasts 600 ms.
func TestFreeSWITCHNesting(t *testing.T) {
	fs := needFreeSWITCH(t)
	sw := fs.newSwitch(t, esl.Options{})
	tag := runTag()
	t.Cleanup(func() { fs.hangUpRun(t, tag) })
	rec := pbxtest.NewRecorder(sw.Events(), 10*time.Second)
	a := fs.arrived(t, rec, farend.CallScript{From: "5557200", To: "100"}, "", tag)
	if err := sw.Answer(context.Background(), a.Channel); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, context.Background(), pbxtest.On[pbx.Answered](a.Channel))
	nesting(t, sw, rec, fs, a.Channel, "sound:queue-thankyou", tag, 200*time.Millisecond)
}
