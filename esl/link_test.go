package esl_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/esl"
	"github.com/hotline-cc/hotline/esl/esltest"
)

func arrive(t testing.TB, f *fixture, rec *pbxtest.Recorder, from, args string) pbx.CallArrived {
	t.Helper()
	if _, err := f.placeCall(farend.CallScript{From: from, To: "100"}, args); err != nil {
		t.Fatal(err)
	}
	return rec.WaitFor(t, context.Background(), func(ev pbx.Event) bool {
		a, ok := ev.(pbx.CallArrived)
		return ok && a.Caller == from
	}).(pbx.CallArrived)
}

// TestParkArrival: with no outbound listener a parked call carrying
// hotline_args arrives, with the Stasis-like arguments and the hotline_*
// variables upper-cased.
func TestParkArrival(t *testing.T) {
	f := newFixture(t, esl.Options{})
	rec := pbxtest.NewRecorder(f.sw.Events(), 30*time.Second)
	a := arrive(t, f, rec, "5551000", "queue,sales")
	if len(a.Args) != 2 || a.Args[0] != "queue" || a.Args[1] != "sales" || a.Called != "100" {
		t.Errorf("CallArrived = %s", pbxtest.Format(a))
	}
	if a.Vars["HOTLINE_ARGS"] != "queue,sales" {
		t.Errorf("Vars = %v, want HOTLINE_ARGS", a.Vars)
	}
	// A parked call without hotline_args is not Hotline's.
	if _, err := f.fs.PlaceCall(esltestCall("5552000")); err != nil {
		t.Fatal(err)
	}
	arrive(t, f, rec, "5553000", "entry,100") // a later call still arrives...
	if rec.Index(func(ev pbx.Event) bool { a, ok := ev.(pbx.CallArrived); return ok && a.Caller == "5552000" }) >= 0 {
		t.Error("a call without hotline_args was announced") // ...but the foreign one never did
	}
}

// TestReconnectAfterDrop: when FreeSWITCH drops the socket the switch
// reports Disconnected, reconnects, reports Synced with a snapshot built
// from "show channels" that still holds the live call, and works again.
func TestReconnectAfterDrop(t *testing.T) {
	f := newFixture(t, esl.Options{OutboundListen: "127.0.0.1:0"})
	rec := pbxtest.NewRecorder(f.sw.Events(), 30*time.Second)
	a := arrive(t, f, rec, "5554000", "entry,100")

	f.fs.DropConnections()
	rec.WaitFor(t, context.Background(), func(ev pbx.Event) bool { _, ok := ev.(pbx.Disconnected); return ok })
	s := rec.WaitFor(t, context.Background(), func(ev pbx.Event) bool {
		s, ok := ev.(pbx.Synced)
		return ok && s.Reconnect
	}).(pbx.Synced)
	found := false
	for _, c := range s.Snapshot.Channels {
		found = found || c.ID == a.Channel
	}
	if !found {
		t.Fatalf("snapshot after reconnect lacks %s: %+v", a.Channel, s.Snapshot)
	}
	if err := f.sw.Answer(context.Background(), a.Channel); err != nil {
		t.Fatalf("answer after reconnect: %v", err)
	}
	rec.WaitFor(t, context.Background(), pbxtest.On[pbx.Answered](a.Channel))
	if i, j := rec.Index(func(ev pbx.Event) bool { _, ok := ev.(pbx.Disconnected); return ok }),
		rec.Index(func(ev pbx.Event) bool { s, ok := ev.(pbx.Synced); return ok && s.Reconnect }); i > j {
		t.Errorf("Synced came before Disconnected")
	}
}

// TestStaleReplyNeverReused: a command whose reply is late drops the link,
// so the late reply can never be taken for the next command's.
func TestStaleReplyNeverReused(t *testing.T) {
	// The timeout is long enough for the commands before the late one on a
	// loaded machine; the late reply comes well after it.
	f := newFixture(t, esl.Options{OutboundListen: "127.0.0.1:0", CommandTimeout: time.Second})
	rec := pbxtest.NewRecorder(f.sw.Events(), 30*time.Second)
	ctx := context.Background()
	ch := arrive(t, f, rec, "5555000", "entry,100").Channel
	if err := f.sw.SetVar(ctx, ch, "HOTLINE_A", "value-of-a"); err != nil {
		t.Fatal(err)
	}
	if err := f.sw.SetVar(ctx, ch, "HOTLINE_B", "value-of-b"); err != nil {
		t.Fatal(err)
	}
	f.fs.DelayReplies("api uuid_getvar", 2*time.Second, 1)
	_, err := f.sw.GetVar(ctx, ch, "HOTLINE_A")
	if !errors.Is(err, pbx.ErrDisconnected) || !errors.Is(err, esl.ErrCommandTimeout) {
		t.Fatalf("late GetVar = %v, want ErrDisconnected and ErrCommandTimeout", err)
	}
	rec.WaitFor(t, ctx, func(ev pbx.Event) bool { s, ok := ev.(pbx.Synced); return ok && s.Reconnect })
	time.Sleep(1200 * time.Millisecond) // the late reply is written meanwhile
	got, err := f.sw.GetVar(ctx, ch, "HOTLINE_B")
	if err != nil || got != "value-of-b" {
		t.Fatalf("GetVar(HOTLINE_B) = %q, %v; want value-of-b", got, err)
	}
}

// TestAbandonedCommandKeepsItsReply: a caller that stops waiting (its
// context ends) leaves its place in the reply queue, so the late reply is
// thrown away and the next command gets its own.
func TestAbandonedCommandKeepsItsReply(t *testing.T) {
	f := newFixture(t, esl.Options{})
	rec := pbxtest.NewRecorder(f.sw.Events(), 30*time.Second)
	ctx := context.Background()
	ch := arrive(t, f, rec, "5555100", "entry,100").Channel
	for name, v := range map[string]string{"HOTLINE_A": "value-of-a", "HOTLINE_B": "value-of-b"} {
		if err := f.sw.SetVar(ctx, ch, name, v); err != nil {
			t.Fatal(err)
		}
	}
	f.fs.DelayReplies("api uuid_getvar", 300*time.Millisecond, 1)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := f.sw.GetVar(short, ch, "HOTLINE_A"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("abandoned GetVar = %v, want its context's error", err)
	}
	got, err := f.sw.GetVar(ctx, ch, "HOTLINE_B")
	if err != nil || got != "value-of-b" {
		t.Fatalf("GetVar(HOTLINE_B) after an abandoned GetVar = %q, %v; want value-of-b", got, err)
	}
}

// TestCommandsWhileDown fail fast with ErrDisconnected rather than hang.
func TestCommandsWhileDown(t *testing.T) {
	sw, err := esl.New(esl.Options{Address: "127.0.0.1:1", ReconnectDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer sw.Close()
	if err := sw.Answer(context.Background(), "x"); !errors.Is(err, pbx.ErrDisconnected) {
		t.Fatalf("Answer while down = %v", err)
	}
	if _, err := esl.New(esl.Options{}); !errors.Is(err, esl.ErrNoAddress) {
		t.Fatalf("New without address = %v", err)
	}
}

// TestRecordingUsesSwitchDir: with no RecordingDir configured, recordings
// go to the recordings_dir FreeSWITCH reports.
func TestRecordingUsesSwitchDir(t *testing.T) {
	f := newFixture(t, esl.Options{OutboundListen: "127.0.0.1:0"})
	rec := pbxtest.NewRecorder(f.sw.Events(), 30*time.Second)
	ctx := context.Background()
	ch := arrive(t, f, rec, "5558000", "entry,100").Channel
	if err := f.sw.StartRecording(ctx, pbx.RecordRequest{Name: "r1", Channel: ch}); err != nil {
		t.Fatal(err)
	}
	st, _ := f.fs.Channel(string(ch))
	if len(st.Records) != 1 || st.Records[0] != "/var/lib/esltest/recordings/r1.wav" {
		t.Fatalf("recording paths %v", st.Records)
	}
	// RECORD_START tells when FreeSWITCH began it, by its own clock.
	s := rec.WaitFor(t, ctx, func(ev pbx.Event) bool { _, ok := ev.(pbx.RecordingStarted); return ok }).(pbx.RecordingStarted)
	if s.Name != "r1" || s.Channel != ch || s.At.IsZero() {
		t.Errorf("RecordingStarted = %s at %v, want r1 on %s at RECORD_START's Event-Date-Timestamp", pbxtest.Format(s), s.At, ch)
	}
	if err := f.sw.StopRecording(ctx, "r1"); err != nil {
		t.Fatal(err)
	}
	r := rec.WaitFor(t, ctx, func(ev pbx.Event) bool { _, ok := ev.(pbx.RecordingFinished); return ok }).(pbx.RecordingFinished)
	if r.Name != "r1" || r.Path != "/var/lib/esltest/recordings/r1.wav" || r.Channel != ch {
		t.Errorf("RecordingFinished = %s", pbxtest.Format(r))
	}
	if r.End.IsZero() || !r.End.Equal(r.At) || r.End.Before(s.At) {
		t.Errorf("RecordingFinished ends %v, want RECORD_STOP's Event-Date-Timestamp %v, not before the start %v", r.End, r.At, s.At)
	}
	if err := f.sw.StopRecording(ctx, "r1"); !errors.Is(err, pbx.ErrNoRecording) {
		t.Errorf("second stop = %v, want ErrNoRecording", err)
	}
}

// TestLoopbackFarHalfNotOwned: the far half of a loopback agent leg
// inherits the originate's variables; the snapshot leaves it out, so a
// restarted Hotline never takes the agent's phone for a leg of its own.
func TestLoopbackFarHalfNotOwned(t *testing.T) {
	f := newFixture(t, esl.Options{})
	f.fs.AddPhone("loopback/agent-1/phones", esltest.Phone{Mode: esltest.Answer})
	checkFarHalfNotOwned(t, f.sw, "loopback/agent-1/phones", func(id pbx.ChannelID) string {
		st, _ := f.fs.Channel(string(id))
		return st.FarHalf
	})
}

// checkFarHalfNotOwned originates to a loopback endpoint and checks that
// the snapshot holds Hotline's half and not the other one.
func checkFarHalfNotOwned(t *testing.T, sw *esl.Switch, endpoint string, farHalf func(pbx.ChannelID) string) {
	t.Helper()
	rec := pbxtest.NewRecorder(sw.Events(), 30*time.Second)
	ctx := context.Background()
	id := pbx.ChannelID(fmt.Sprintf("agent-%d", time.Now().UnixNano()))
	if err := sw.Originate(ctx, pbx.OriginateRequest{ChannelID: id, Endpoint: endpoint, Vars: map[string]string{pbx.VarCallID: "call-1"}}); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, ctx, pbxtest.On[pbx.Answered](id))
	far := farHalf(id)
	if far == "" {
		t.Fatalf("no far half found for %s", id)
	}
	// FreeSWITCH's "show channels" reads a table that can lag a new
	// channel by a moment: ask until Hotline's leg is there.
	var own, other bool
	for deadline := time.Now().Add(30 * time.Second); !own && time.Now().Before(deadline); {
		snap, err := sw.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range snap.Channels {
			own = own || c.ID == id
			other = other || string(c.ID) == far
		}
		if !own {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if !own || other {
		t.Errorf("snapshot: Hotline's leg %s listed %v, far half %s listed %v; want only Hotline's", id, own, far, other)
	}
	if err := sw.Hangup(ctx, id, pbx.CauseNormal); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, ctx, pbxtest.On[pbx.HungUp](id))
}

// TestRestoredCallEvents: a switch started while a conversation is up
// (Hotline restarted) learns its channels from the snapshot, so the
// caller's park when the bridge ends is not a new arrival and its hang-up
// is reported.
func TestRestoredCallEvents(t *testing.T) {
	f := newFixture(t, esl.Options{})
	f.fs.AddPhone("user/agent-r", esltest.Phone{Mode: esltest.Answer})
	caller, agent, br := bridgedCall(t, f.sw, pbxtest.NewRecorder(f.sw.Events(), 30*time.Second), func() error {
		_, err := f.placeCall(farend.CallScript{From: "5559100", To: "100"}, "entry,100")
		return err
	}, "5559100", "user/agent-r")
	f.sw.Close()
	checkRestoredCallEvents(t, newSwitchOn(t, f.fs.Addr(), "ClueCon"), caller, agent, br)
}

// bridgedCall places a caller, answers it, dials endpoint and bridges the two.
func bridgedCall(t *testing.T, sw *esl.Switch, rec *pbxtest.Recorder, place func() error, from, endpoint string) (caller, agent pbx.ChannelID, br pbx.BridgeID) {
	t.Helper()
	ctx := context.Background()
	if err := place(); err != nil {
		t.Fatal(err)
	}
	caller = rec.WaitFor(t, ctx, func(ev pbx.Event) bool {
		a, ok := ev.(pbx.CallArrived)
		return ok && a.Caller == from
	}).(pbx.CallArrived).Channel
	if err := sw.Answer(ctx, caller); err != nil {
		t.Fatal(err)
	}
	agent = pbx.ChannelID(fmt.Sprintf("agent-%d", time.Now().UnixNano()))
	if err := sw.Originate(ctx, pbx.OriginateRequest{ChannelID: agent, Endpoint: endpoint}); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, ctx, pbxtest.On[pbx.Answered](agent))
	br = pbx.BridgeID("bridge-" + string(agent))
	if err := sw.Bridge(ctx, br, caller, agent); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, ctx, pbxtest.On[pbx.BridgeJoined](agent))
	return caller, agent, br
}

func newSwitchOn(t *testing.T, addr, password string) *esl.Switch {
	t.Helper()
	sw, err := esl.New(esl.Options{Address: addr, Password: password, Log: testLog(t), ReconnectDelay: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sw.Close() })
	return sw
}

// checkRestoredCallEvents, on a fresh switch: the conversation is in the
// first snapshot; ending the bridge parks the caller, which is not an
// arrival; the agent's and the caller's hang-ups are reported.
func checkRestoredCallEvents(t *testing.T, sw *esl.Switch, caller, agent pbx.ChannelID, br pbx.BridgeID) {
	t.Helper()
	ctx := context.Background()
	rec := pbxtest.NewRecorder(sw.Events(), 30*time.Second)
	s := rec.WaitFor(t, ctx, func(ev pbx.Event) bool { _, ok := ev.(pbx.Synced); return ok }).(pbx.Synced)
	if len(s.Snapshot.Bridges) == 0 || !slices.ContainsFunc(s.Snapshot.Bridges, func(b pbx.BridgeInfo) bool { return b.ID == br }) {
		t.Fatalf("snapshot lacks bridge %s: %+v", br, s.Snapshot)
	}
	if err := sw.Hangup(ctx, agent, pbx.CauseNormal); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, ctx, pbxtest.On[pbx.HungUp](agent))
	rec.WaitFor(t, ctx, pbxtest.On[pbx.BridgeLeft](caller))
	time.Sleep(200 * time.Millisecond) // the caller parks meanwhile
	if err := sw.Hangup(ctx, caller, pbx.CauseNormal); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, ctx, pbxtest.On[pbx.HungUp](caller))
	if i := rec.Index(pbxtest.On[pbx.CallArrived](caller)); i >= 0 {
		t.Errorf("the restored caller's park was announced as a new arrival")
	}
}

// TestSnapshotFindsUnlistedChannels: "show channels" lags a new channel,
// so a snapshot also asks after the channels Hotline knows (a reconnect)
// and after the partners of its bridged channels (a restart): neither is
// taken for gone because the scoreboard has not listed it yet.
func TestSnapshotFindsUnlistedChannels(t *testing.T) {
	t.Run("reconnect", func(t *testing.T) {
		f := newFixture(t, esl.Options{})
		rec := pbxtest.NewRecorder(f.sw.Events(), 30*time.Second)
		a := arrive(t, f, rec, "5554100", "entry,100")
		f.fs.Unlist(string(a.Channel), 0)
		f.fs.DropConnections()
		s := rec.WaitFor(t, context.Background(), func(ev pbx.Event) bool {
			s, ok := ev.(pbx.Synced)
			return ok && s.Reconnect
		}).(pbx.Synced)
		if !slices.ContainsFunc(s.Snapshot.Channels, func(c pbx.ChannelInfo) bool { return c.ID == a.Channel }) {
			t.Fatalf("snapshot after reconnect lacks the unlisted call %s: %+v", a.Channel, s.Snapshot)
		}
		if err := f.sw.Hangup(context.Background(), a.Channel, pbx.CauseNormal); err != nil {
			t.Fatal(err)
		}
		rec.WaitFor(t, context.Background(), pbxtest.On[pbx.HungUp](a.Channel))
	})
	t.Run("restart, a caller parked just before", func(t *testing.T) {
		// Its CHANNEL_PARK came before the new link subscribed: only the
		// snapshot can find it, and "status" counts it while "show
		// channels" does not list it yet.
		f := newFixture(t, esl.Options{})
		a := arrive(t, f, pbxtest.NewRecorder(f.sw.Events(), 30*time.Second), "5554300", "entry,100")
		f.sw.Close()
		f.fs.Unlist(string(a.Channel), 300*time.Millisecond)
		sw := newSwitchOn(t, f.fs.Addr(), "ClueCon")
		s := pbxtest.NewRecorder(sw.Events(), 30*time.Second).WaitFor(t, context.Background(), func(ev pbx.Event) bool {
			_, ok := ev.(pbx.Synced)
			return ok
		}).(pbx.Synced)
		if !slices.ContainsFunc(s.Snapshot.Channels, func(c pbx.ChannelInfo) bool { return c.ID == a.Channel }) {
			t.Fatalf("snapshot after a restart lacks the caller the scoreboard had not listed yet: %+v", s.Snapshot)
		}
	})
	t.Run("restart", func(t *testing.T) {
		f := newFixture(t, esl.Options{})
		f.fs.AddPhone("user/agent-u", esltest.Phone{Mode: esltest.Answer})
		caller, agent, br := bridgedCall(t, f.sw, pbxtest.NewRecorder(f.sw.Events(), 30*time.Second), func() error {
			_, err := f.placeCall(farend.CallScript{From: "5559200", To: "100"}, "entry,100")
			return err
		}, "5559200", "user/agent-u")
		f.fs.Unlist(string(agent), 0)
		f.sw.Close()
		checkRestoredCallEvents(t, newSwitchOn(t, f.fs.Addr(), "ClueCon"), caller, agent, br)
	})
}

// TestLinkState: the link to FreeSWITCH is reported for /healthz, the
// metrics and hotline status, as Asterisk's is: up once connected; down,
// since when and why, with the failed attempts counted, while FreeSWITCH
// refuses connections; up again once it takes them.
func TestLinkState(t *testing.T) {
	f := newFixture(t, esl.Options{})
	var _ interface{ LinkState() pbx.LinkState } = f.sw
	if st := f.sw.LinkState(); !st.Up || st.Since.IsZero() || st.Error != "" {
		t.Fatalf("connected: %+v; want up", st)
	}
	rec := pbxtest.NewRecorder(f.sw.Events(), 30*time.Second)
	f.fs.CutLink(3 * time.Second)
	rec.WaitFor(t, context.Background(), func(ev pbx.Event) bool { _, ok := ev.(pbx.Disconnected); return ok })
	deadline := time.Now().Add(2500 * time.Millisecond)
	for st := f.sw.LinkState(); st.Attempts == 0; st = f.sw.LinkState() {
		if time.Now().After(deadline) {
			t.Fatalf("refused for 3 s: %+v; want down with failed attempts", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st := f.sw.LinkState(); st.Up || st.Error == "" || st.Since.IsZero() {
		t.Errorf("while refused: %+v; want down, with why", st)
	}
	rec.WaitFor(t, context.Background(), func(ev pbx.Event) bool { s, ok := ev.(pbx.Synced); return ok && s.Reconnect })
	if st := f.sw.LinkState(); !st.Up || st.Attempts != 0 || st.Error != "" {
		t.Errorf("back: %+v; want up", st)
	}
}
