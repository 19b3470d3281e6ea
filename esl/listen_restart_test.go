package esl_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/esl"
	"github.com/hotline-cc/hotline/esl/esltest"
)

// listenAcrossRestart: a Listen that one Switch started (a long one: a
// silent caller, 30 s of silence to end it) is stopped by the next
// Switch, which never knew it, by its channel (the restarted daemon asks
// the caller again): the record application no longer runs (records
// says whether it does), and the question then played is heard at once.
func listenAcrossRestart(t *testing.T, connect func() *esl.Switch, records func(pbx.ChannelID) bool, place func(sw *esl.Switch, rec *pbxtest.Recorder) pbx.ChannelID) {
	t.Helper()
	ctx := context.Background()
	a := connect()
	rec := pbxtest.NewRecorder(a.Events(), 10*time.Second)
	ch := place(a, rec)
	name := "utterance-restart-" + string(ch)[:8]
	if err := a.Listen(ctx, pbx.ListenRequest{Name: name, Channel: ch, Max: time.Minute, Silence: 30 * time.Second, Beep: true}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); !records(ch); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no record application runs for the listen 20 s after it started")
		}
	}
	a.Close()
	b := connect()
	brec := pbxtest.NewRecorder(b.Events(), 20*time.Second)
	if err := b.StopListen(ctx, ch, name); err != nil {
		t.Fatal(err)
	}
	// The recording would end by itself only after its 30 s of silence.
	for deadline := time.Now().Add(20 * time.Second); records(ch); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the record application still runs 20 s after StopListen")
		}
	}
	start := time.Now()
	if err := b.Play(ctx, ch, "asked-again", "sound:hello-world"); err != nil {
		t.Fatal(err)
	}
	f := brec.WaitFor(t, ctx, func(ev pbx.Event) bool {
		p, ok := ev.(pbx.PlaybackFinished)
		return ok && p.Playback == "asked-again"
	}).(pbx.PlaybackFinished)
	if took := time.Since(start); f.Failed || took > 20*time.Second {
		t.Errorf("the question asked again: %s after %v; want played at once, not behind the old recording", pbxtest.Format(f), took)
	}
}

// fakeLink is a new Switch on fake, as a restarted daemon makes.
func fakeLink(t *testing.T, fake *esltest.Server) *esl.Switch {
	t.Helper()
	sw, err := esl.New(esl.Options{Address: fake.Addr(), Password: "ClueCon", CommandTimeout: 2 * time.Second,
		ReconnectDelay: 20 * time.Millisecond, Log: testLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sw.Close() })
	<-sw.Ready()
	return sw
}

func TestListenStoppedAfterRestart(t *testing.T) {
	fake, err := esltest.New(esltest.Options{RecordingDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	connect := func() *esl.Switch { return fakeLink(t, fake) }
	records := func(ch pbx.ChannelID) bool { st, _ := fake.Channel(string(ch)); return st.App == "record" }
	listenAcrossRestart(t, connect, records, func(sw *esl.Switch, rec *pbxtest.Recorder) pbx.ChannelID {
		if _, err := fake.PlaceCall(esltest.Call{From: "5551001", To: "100", Vars: map[string]string{"hotline_args": "entry,100"}}); err != nil {
			t.Fatal(err)
		}
		return answer(t, sw, rec)
	})
}

func TestFreeSWITCHListenStoppedAfterRestart(t *testing.T) {
	fsw := needFreeSWITCH(t)
	tag := runTag()
	t.Cleanup(func() { fsw.hangUpRun(t, tag) })
	connect := func() *esl.Switch { return fsw.newSwitch(t, esl.Options{}) }
	// A record application runs from its RECORD_START to its RECORD_STOP.
	var mu sync.Mutex
	running := map[string]bool{}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	fsw.onEvents(t, ctx, "RECORD_START RECORD_STOP", func(ev timedEvent) {
		mu.Lock()
		defer mu.Unlock()
		running[ev.Get("Unique-ID")] = ev.Get("Event-Name") == "RECORD_START"
	}, func() {})
	records := func(ch pbx.ChannelID) bool {
		mu.Lock()
		defer mu.Unlock()
		return running[string(ch)]
	}
	listenAcrossRestart(t, connect, records, func(sw *esl.Switch, rec *pbxtest.Recorder) pbx.ChannelID {
		if err := fsw.call(context.Background(), farend.CallScript{From: "5557195", To: "100"}, "", tag); err != nil {
			t.Fatal(err)
		}
		return answer(t, sw, rec)
	})
}

// answer answers the call that arrives on sw and returns its channel.
func answer(t *testing.T, sw *esl.Switch, rec *pbxtest.Recorder) pbx.ChannelID {
	t.Helper()
	ctx := context.Background()
	a := rec.WaitFor(t, ctx, func(ev pbx.Event) bool { _, ok := ev.(pbx.CallArrived); return ok }).(pbx.CallArrived)
	if err := sw.Answer(ctx, a.Channel); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, ctx, pbxtest.On[pbx.Answered](a.Channel))
	return a.Channel
}

// A playback one Switch started is stopped by the next one, which never
// knew it, by its channel (pbx.PlaybackStopper): the restarted daemon
// asks a caller again, and the question cut by the restart must not play
// on after the new one.
func TestPlaybackStoppedAfterRestart(t *testing.T) {
	fake, err := esltest.New(esltest.Options{PlaybackTime: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	connect := func() *esl.Switch { return fakeLink(t, fake) }
	ctx := context.Background()
	a := connect()
	if _, err := fake.PlaceCall(esltest.Call{From: "5551002", To: "100", Vars: map[string]string{"hotline_args": "entry,100"}}); err != nil {
		t.Fatal(err)
	}
	ch := answer(t, a, pbxtest.NewRecorder(a.Events(), 30*time.Second))
	if err := a.Play(ctx, ch, "question-run1", "sound:ask"); err != nil {
		t.Fatal(err)
	}
	a.Close()
	b := connect()
	if err := b.StopCutPlayback(ctx, ch, "question-run1"); err != nil {
		t.Fatal(err)
	}
	if st, _ := fake.Channel(string(ch)); st.App != "" {
		t.Errorf("after StopCutPlayback the channel still runs %q", st.App)
	}
}
