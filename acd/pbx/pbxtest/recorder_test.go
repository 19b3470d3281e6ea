package pbxtest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
)

func TestRecorderWaitFor(t *testing.T) {
	events := make(chan pbx.Event)
	rec := pbxtest.NewRecorder(events, 5*time.Second)
	events <- pbx.Answered{Base: pbx.Base{Channel: "a"}}
	// An event recorded before the wait began still counts.
	if ev := rec.WaitFor(t, context.Background(), pbxtest.On[pbx.Answered]("a")); ev.Chan() != "a" {
		t.Errorf("WaitFor returned %v", ev)
	}
	go func() {
		events <- pbx.Ringing{Base: pbx.Base{Channel: "b"}}
		events <- pbx.HungUp{Base: pbx.Base{Channel: "b"}, Cause: pbx.CauseBusy}
	}()
	ev := rec.WaitFor(t, context.Background(), pbxtest.On[pbx.HungUp]("b"))
	if h := ev.(pbx.HungUp); h.Cause != pbx.CauseBusy {
		t.Errorf("HungUp cause %v", h.Cause)
	}
	if n := len(rec.Events()); n != 3 {
		t.Errorf("recorded %d events, want 3", n)
	}
	if i := rec.Index(pbxtest.On[pbx.Ringing]("b")); i != 1 {
		t.Errorf("Index of Ringing = %d, want 1", i)
	}
	if got := rec.Filter(pbxtest.On[pbx.Answered]("b")); len(got) != 0 {
		t.Errorf("Filter found %v", got)
	}
	close(events)
}

func TestRecorderTimeoutListsEvents(t *testing.T) {
	events := make(chan pbx.Event, 2)
	events <- pbx.CallArrived{Base: pbx.Base{Channel: "in-1"}, Caller: "555", Called: "100"}
	events <- pbx.DTMF{Base: pbx.Base{Channel: "in-1"}, Digit: '5'}
	rec := pbxtest.NewRecorder(events, 50*time.Millisecond)
	_, err := rec.Await(context.Background(), pbxtest.On[pbx.HungUp]("in-1"))
	if err == nil {
		t.Fatal("Await found an event that never came")
	}
	for _, want := range []string{"2 events seen", `CallArrived in-1 caller="555" called="100"`, "DTMF in-1 digit=5"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("failure message lacks %q:\n%v", want, err)
		}
	}
	if !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "deadline") {
		t.Errorf("failure does not say it timed out: %v", err)
	}
}

func TestRecorderStreamClosed(t *testing.T) {
	events := make(chan pbx.Event)
	rec := pbxtest.NewRecorder(events, time.Hour)
	close(events)
	_, err := rec.Await(context.Background(), func(pbx.Event) bool { return true })
	if err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Await on a closed stream: %v", err)
	}
}

func TestRecorderContext(t *testing.T) {
	rec := pbxtest.NewRecorder(make(chan pbx.Event), time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := rec.Await(ctx, func(pbx.Event) bool { return true }); err == nil {
		t.Error("Await ignored a cancelled context")
	}
}

func TestFormat(t *testing.T) {
	b := pbx.Base{Channel: "c"}
	for _, tt := range []struct {
		ev   pbx.Event
		want string
	}{
		{pbx.CallArrived{Base: b, Caller: "1", Called: "2", Args: []string{"q"}, Vars: map[string]string{"k": "v"}},
			`CallArrived c caller="1" called="2" args=["q"] vars=map[k:v]`},
		{pbx.Ringing{Base: b}, "Ringing c"},
		{pbx.Answered{Base: b}, "Answered c"},
		{pbx.DTMF{Base: b, Digit: '#', Duration: time.Second}, "DTMF c digit=# duration=1s"},
		{pbx.PlaybackFinished{Base: b, Playback: "p", Stopped: true}, "PlaybackFinished c playback=p stopped=true failed=false"},
		{pbx.OriginateFailed{Base: b, Reason: pbx.FailBusy, Cause: pbx.CauseBusy}, "OriginateFailed c reason=busy cause=busy"},
		{pbx.HungUp{Base: b, Cause: pbx.CauseNormal}, "HungUp c cause=normal"},
		{pbx.BridgeJoined{Base: b, Bridge: "br"}, "BridgeJoined c bridge=br"},
		{pbx.BridgeLeft{Base: b, Bridge: "br"}, "BridgeLeft c bridge=br"},
		{pbx.RecordingFinished{Base: b, Name: "n", Path: "p", Duration: time.Second}, `RecordingFinished c name="n" path="p" duration=1s failed=false`},
		{pbx.Synced{Snapshot: pbx.Snapshot{Channels: make([]pbx.ChannelInfo, 2)}}, "Synced channels=2 bridges=0 reconnect=false"},
		{pbx.Disconnected{Err: errors.New("eof")}, "Disconnected err=eof"},
	} {
		if got := pbxtest.Format(tt.ev); got != tt.want {
			t.Errorf("Format = %q, want %q", got, tt.want)
		}
	}
}
