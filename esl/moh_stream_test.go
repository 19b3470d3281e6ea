package esl_test

import (
	"context"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/esl"
)

// runMOHStreams starts music on hold of a class the switch has and of one
// it lacks on an answered caller, and checks with playing (the stream the
// caller's channel plays, "" for none) that each is music: the missing
// class falls back to the default stream, as Asterisk falls back to its
// default class, rather than leaving the caller in silence.
func runMOHStreams(t *testing.T, sw *esl.Switch, ch pbx.ChannelID, playing func() string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, c := range []struct{ class, want string }{{"default", "local_stream://default"}, {"no-such-class", "local_stream://moh"}} {
		if err := sw.StartMOH(ctx, ch, c.class); err != nil {
			t.Fatalf("moh %s: %v", c.class, err)
		}
		got := ""
		for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			if got = playing(); got == c.want {
				break
			}
		}
		// Once more after a while: a stream FreeSWITCH lacks fails at once.
		time.Sleep(300 * time.Millisecond)
		if got = playing(); got != c.want {
			t.Errorf("music on hold of class %q: the caller's channel plays %q; want %s", c.class, got, c.want)
		}
		if err := sw.StopMOH(ctx, ch); err != nil {
			t.Fatalf("stop moh %s: %v", c.class, err)
		}
	}
}

func TestMOHStreamMissing(t *testing.T) {
	f := newFixture(t, esl.Options{})
	rec := pbxtest.NewRecorder(f.sw.Events(), 30*time.Second)
	uuid, err := f.placeCall(farend.CallScript{From: "5557901", To: "100"}, "entry,100")
	if err != nil {
		t.Fatal(err)
	}
	ch := pbx.ChannelID(uuid)
	rec.WaitFor(t, context.Background(), pbxtest.On[pbx.CallArrived](ch))
	if err := f.sw.Answer(context.Background(), ch); err != nil {
		t.Fatal(err)
	}
	runMOHStreams(t, f.sw, ch, func() string {
		st, _ := f.fs.Channel(uuid)
		if st.App != "playback" || len(st.Played) == 0 {
			return ""
		}
		return st.Played[len(st.Played)-1]
	})
}

// TestFreeSWITCHMOHStreamMissing: the real switch has local_stream
// "default" and "moh" (the bundle's, as vanilla), and no other.
func TestFreeSWITCHMOHStreamMissing(t *testing.T) {
	fs := needFreeSWITCH(t)
	sw := fs.newSwitch(t, esl.Options{})
	tag := runTag()
	t.Cleanup(func() { fs.hangUpRun(t, tag) })
	rec := pbxtest.NewRecorder(sw.Events(), 30*time.Second)
	a := fs.arrived(t, rec, farend.CallScript{From: "5557902", To: "100"}, "", tag)
	if err := sw.Answer(context.Background(), a.Channel); err != nil {
		t.Fatal(err)
	}
	s := &fsScenario{t: t, fs: fs}
	runMOHStreams(t, sw, a.Channel, func() string {
		for _, c := range s.channels() {
			if c["uuid"] == string(a.Channel) && c["application"] == "playback" {
				return c["application_data"]
			}
		}
		return ""
	})
}
