package ari

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
)

const ts = `"timestamp":"2026-01-01T10:00:00.000+0000"`

func stasisStartJSON(id, state string, args ...string) string {
	return fmt.Sprintf(`{"type":"StasisStart",%s,"args":["%s"],"channel":{"id":"%s","state":"%s",`+
		`"caller":{"name":"","number":"5551000"},"dialplan":{"context":"hotline-entry","exten":"100","priority":1,`+
		`"app_name":"Stasis","app_data":"hotline,%s"},"channelvars":{"HOTLINE_CALL":""}}}`,
		ts, strings.Join(args, `","`), id, state, strings.Join(args, ","))
}

func dtmfJSON(id string, digit rune) string {
	return fmt.Sprintf(`{"type":"ChannelDtmfReceived",%s,"digit":"%c","duration_ms":100,"channel":{"id":"%s","state":"Up"}}`, ts, digit, id)
}

// One answered caller in a bridge, as GET /channels and GET /bridges show it.
const (
	liveChannels = `[{"id":"in-1","state":"Up","caller":{"name":"Ann","number":"5550001"},` +
		`"dialplan":{"context":"hotline-entry","exten":"100","priority":1,"app_name":"Stasis","app_data":"hotline,entry,100"},` +
		`"channelvars":{"HOTLINE_CALL":"call-1","HOTLINE_ROLE":"","HOTLINE_AGENT":"","HOTLINE_QUEUE":"sales"}},` +
		`{"id":"leg-9","state":"Ringing","caller":{"name":"","number":""},` +
		`"dialplan":{"context":"agents","exten":"s","priority":1,"app_name":"AppDial2","app_data":"(Outgoing Line)"},"channelvars":{}},` +
		`{"id":"other-app","state":"Up","dialplan":{"context":"x","exten":"1","priority":1,"app_name":"Stasis","app_data":"voicemail,x"}}]`
	liveBridges = `[{"id":"br-1","bridge_type":"mixing","channels":["in-1","someone-else"]},{"id":"foreign","channels":["other-app"]}]`
)

func startFake(t *testing.T, f *fakeARI) (*Client, *pbxtest.Recorder) {
	t.Helper()
	c := f.client(t)
	rec := pbxtest.NewRecorder(c.Events(), 30*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatalf("start: %v", err)
	}
	return c, rec
}

func TestStartSyncsThenTranslates(t *testing.T) {
	f := newFakeARI(t)
	f.channels, f.bridges = liveChannels, liveBridges
	_, rec := startFake(t, f)
	ctx := context.Background()

	first := rec.WaitFor(t, ctx, func(pbx.Event) bool { return true })
	s, ok := first.(pbx.Synced)
	if !ok || s.Reconnect {
		t.Fatalf("first event = %s, want Synced without Reconnect", pbxtest.Format(first))
	}
	want := pbx.Snapshot{
		Channels: []pbx.ChannelInfo{
			{ID: "in-1", Answered: true, Caller: "5550001", CallerName: "Ann", Called: "100", Bridge: "br-1",
				Vars: map[string]string{pbx.VarCallID: "call-1", pbx.VarQueue: "sales"}},
			{ID: "leg-9", Called: "s"},
		},
		Bridges: []pbx.BridgeInfo{{ID: "br-1", Channels: []pbx.ChannelID{"in-1"}}},
	}
	// Asterisk's uptime (3 h, by its own clock), not its clock's reading.
	if up := time.Since(s.Snapshot.Started); up < 3*time.Hour || up > 3*time.Hour+5*time.Second {
		t.Errorf("snapshot says the switch started %v ago (at %v), want 3h", up, s.Snapshot.Started)
	}
	s.Snapshot.Started = time.Time{}
	if got, w := fmt.Sprintf("%+v", s.Snapshot), fmt.Sprintf("%+v", want); got != w {
		t.Errorf("snapshot\n got %s\nwant %s", got, w)
	}

	f.emit(stasisStartJSON("in-2", "Ring", "entry", "4242"))
	a := rec.WaitFor(t, ctx, pbxtest.On[pbx.CallArrived]("in-2")).(pbx.CallArrived)
	if a.Called != "4242" || a.Caller != "5551000" || len(a.Vars) != 0 {
		t.Errorf("CallArrived = %s", pbxtest.Format(a))
	}
	// The snapshot's ringing leg was adopted: its failure has a reason.
	f.emit(`{"type":"Dial",` + ts + `,"dialstatus":"BUSY","peer":{"id":"leg-9"}}`)
	f.emit(`{"type":"ChannelDestroyed",` + ts + `,"cause":0,"channel":{"id":"leg-9"}}`)
	if fl := rec.WaitFor(t, ctx, pbxtest.On[pbx.OriginateFailed]("leg-9")).(pbx.OriginateFailed); fl.Reason != pbx.FailBusy {
		t.Errorf("adopted leg failed with %q, want busy", fl.Reason)
	}
}

func TestReconnectAfterDrop(t *testing.T) {
	f := newFakeARI(t)
	_, rec := startFake(t, f)
	ctx := context.Background()
	rec.WaitFor(t, ctx, synced(1, false))

	f.mu.Lock()
	f.channels = liveChannels
	f.mu.Unlock()
	f.dropSession()
	rec.WaitFor(t, ctx, isDisconnected)
	s := rec.WaitFor(t, ctx, synced(1, true)).(pbx.Synced)
	if _, ok := findChannel(s.Snapshot, "in-1"); !ok {
		t.Errorf("Synced after reconnect lacks in-1: %+v", s.Snapshot)
	}
	if n := f.sessionCount(); n < 2 {
		t.Errorf("websocket sessions = %d, want a second one", n)
	}
	f.emit(dtmfJSON("in-1", '5'))
	rec.WaitFor(t, ctx, pbxtest.On[pbx.DTMF]("in-1"))
	if i, j := rec.Index(isDisconnected), rec.Index(synced(1, true)); i > j {
		t.Errorf("Synced came before Disconnected")
	}
}

func TestHalfOpenLinkDetected(t *testing.T) {
	f := newFakeARI(t)
	f.ping = 200 * time.Millisecond
	_, rec := startFake(t, f)
	ctx := context.Background()
	rec.WaitFor(t, ctx, synced(1, false))

	// A link that stays silent is never noticed: the recorder's patience
	// (150 intervals) is the bound, not a wall-clock figure a loaded
	// machine could miss.
	f.setMute(true)
	rec.WaitFor(t, ctx, isDisconnected)
	f.setMute(false)
	rec.WaitFor(t, ctx, synced(1, true))
}

// The engine may stall; the websocket reader must not, and nothing may be
// dropped: the library's bus would lose all but 100 here.
func TestNoEventLostWhileEngineStalls(t *testing.T) {
	f := newFakeARI(t)
	f.channels = liveChannels
	c := f.client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	const n = 2000 // twenty times what the library's bus holds
	digits := "0123456789*#"
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			f.emit(dtmfJSON("in-1", rune(digits[i%len(digits)])))
		}
	}()
	select {
	case <-done: // every frame was read while nobody read Events
	case <-ctx.Done():
		t.Fatal("the client stopped reading the websocket while the engine was not reading events")
	}
	got := 0
	for got < n {
		select {
		case ev := <-c.Events():
			d, ok := ev.(pbx.DTMF)
			if !ok {
				continue
			}
			if want := rune(digits[got%len(digits)]); d.Digit != want {
				t.Fatalf("DTMF %d = %c, want %c: order lost", got, d.Digit, want)
			}
			got++
		case <-ctx.Done():
			t.Fatalf("got %d of %d DTMF events", got, n)
		}
	}
}

func TestCommandsSpeakARI(t *testing.T) {
	f := newFakeARI(t)
	f.channels = liveChannels
	c, rec := startFake(t, f)
	ctx := context.Background()
	rec.WaitFor(t, ctx, synced(1, false))

	f.answer("POST", "/bridges/br-2/record", fakeAnswer{status: 201, body: `{}`, then: func(f *fakeARI) {
		f.emit(`{"type":"RecordingStarted",` + ts + `,"recording":{"name":"rec-1","format":"wav","state":"recording","target_uri":"bridge:br-2"}}`)
	}})
	cases := []struct {
		name string
		run  func() error
		want []string
	}{
		{"originate", func() error {
			return c.Originate(ctx, pbx.OriginateRequest{ChannelID: "leg-1", Endpoint: "PJSIP/1001", CallerID: "100",
				Timeout: 2500 * time.Millisecond, Vars: map[string]string{pbx.VarCallID: "call-1"}})
		}, []string{`POST /channels/leg-1?app=hotline&appArgs=leg&callerId=100&endpoint=PJSIP%2F1001&timeout=3 {"variables":{"HOTLINE_CALL":"call-1"}}`}},
		{"originate with auto-answer", func() error {
			return c.Originate(ctx, pbx.OriginateRequest{ChannelID: "leg-3", Endpoint: "PJSIP/1003", AutoAnswer: true,
				Vars: map[string]string{pbx.VarCallID: "call-3"}})
		}, []string{`POST /channels/leg-3?app=hotline&appArgs=leg&endpoint=PJSIP%2F1003&timeout=30 {"variables":{"HOTLINE_CALL":"call-3",` +
			`"PJSIP_HEADER(add,Alert-Info)":"\u003chttp://127.0.0.1\u003e;info=alert-autoanswer;delay=0","PJSIP_HEADER(add,Call-Info)":"\u003csip:hotline\u003e;answer-after=0"}}`}},
		{"originate with the caller's name", func() error {
			return c.Originate(ctx, pbx.OriginateRequest{ChannelID: "leg-2", Endpoint: "PJSIP/1002", CallerID: "5550100", CallerName: `Jane "JD" Doe`})
		}, []string{`POST /channels/leg-2?app=hotline&appArgs=leg&callerId=%22Jane+JD+Doe%22+%3C5550100%3E&endpoint=PJSIP%2F1002&timeout=30`}},
		{"hangup with cause", func() error { return c.Hangup(ctx, "in-1", pbx.CauseBusy) },
			[]string{`DELETE /channels/in-1?reason_code=17`}},
		{"play mapped media", func() error {
			return c.Play(ctx, "in-1", "pb-1", "sound:hello-world", "file:/srv/prompts/menu.wav", "digits:42")
		},
			// One item at a time (TestPlayItemsOneByOne); the first goes at once.
			[]string{`POST /channels/in-1/play/pb-1?media=sound%3Ahello-world`}},
		{"bridge", func() error { return c.Bridge(ctx, "br-2", "in-1", "leg-1") },
			[]string{`POST /bridges/br-2?name=br-2&type=mixing`, `POST /bridges/br-2/addChannel?channel=in-1%2Cleg-1`}},
		{"record waits for start", func() error { return c.StartRecording(ctx, pbx.RecordRequest{Name: "rec-1", Bridge: "br-2"}) },
			[]string{`POST /bridges/br-2/record?beep=false&format=wav&ifExists=overwrite&name=rec-1&terminateOn=none`}},
		{"spy whisper", func() error {
			return c.Spy(ctx, "leg-1", pbx.SpyWhisper, pbx.OriginateRequest{ChannelID: "sup-1", Endpoint: "PJSIP/2000"})
		}, []string{
			`POST /channels/leg-1/snoop/hotline-snoop-sup-1?app=hotline&appArgs=snoop&spy=both&whisper=out`,
			`POST /channels/sup-1?app=hotline&appArgs=leg&endpoint=PJSIP%2F2000&timeout=30`,
		}},
		{"moh", func() error { return c.StartMOH(ctx, "in-1", "calm") }, []string{`POST /channels/in-1/moh?mohClass=calm`}},
		{"dtmf", func() error { return c.SendDTMF(ctx, "in-1", "12#") }, []string{`POST /channels/in-1/dtmf?dtmf=12%23`}},
	}
	for _, tc := range cases {
		before := len(f.recorded())
		if err := tc.run(); err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got := f.recorded()[before:]; strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s sent\n  %s\nwant\n  %s", tc.name, strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
		}
	}
	// The spy's snoop channel and supervisor meet once the supervisor answers.
	f.emit(stasisStartJSON("hotline-snoop-sup-1", "Up", "snoop"))
	f.emit(stasisStartJSON("sup-1", "Up", "leg"))
	rec.WaitFor(t, ctx, pbxtest.On[pbx.Answered]("sup-1"))
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(strings.Join(f.recorded(), "\n"), "addChannel?channel=hotline-snoop-sup-1%2Csup-1") {
		if time.Now().After(deadline) {
			t.Fatalf("spy bridge never wired: %v", f.recorded())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCommandErrors(t *testing.T) {
	f := newFakeARI(t)
	c, rec := startFake(t, f)
	ctx := context.Background()
	rec.WaitFor(t, ctx, synced(1, false))

	f.answer("DELETE", "/channels/gone", fakeAnswer{404, `{"message":"Channel not found"}`, nil})
	f.answer("GET", "/channels/in-1/variable", fakeAnswer{404, `{"message":"Provided variable was not found"}`, nil})
	f.answer("GET", "/channels/gone/variable", fakeAnswer{404, `{"message":"Provided channel was not found"}`, nil})
	f.answer("POST", "/channels/dup", fakeAnswer{409, `{"message":"Channel with given unique ID already exists"}`, nil})
	f.answer("POST", "/channels/nobody", fakeAnswer{500, `{"error":"Allocation failed"}`, nil})
	f.answer("DELETE", "/playbacks/pb-x", fakeAnswer{404, `{"message":"Playback not found"}`, nil})
	f.answer("POST", "/bridges/b-x/removeChannel", fakeAnswer{404, `{"message":"Bridge not found"}`, nil})

	check := func(what string, err, want error) {
		t.Helper()
		if want == nil && err != nil || want != nil && !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", what, err, want)
		}
	}
	check("hangup of a gone channel", c.Hangup(ctx, "gone", pbx.CauseNormal), nil)
	_, err := c.GetVar(ctx, "in-1", "X")
	check("unset variable", err, pbx.ErrNoVariable)
	_, err = c.GetVar(ctx, "gone", "X")
	check("variable of a gone channel", err, pbx.ErrNoChannel)
	check("originate on a taken id", c.Originate(ctx, pbx.OriginateRequest{ChannelID: "dup", Endpoint: "PJSIP/1"}), pbx.ErrDuplicateID)
	check("stop of an unknown playback", c.StopPlayback(ctx, "pb-x"), pbx.ErrNoPlayback)
	check("unbridge from an unknown bridge", c.Unbridge(ctx, "b-x", "in-1"), pbx.ErrNoBridge)
	check("bad media", c.Play(ctx, "in-1", "pb-2", "mp3:song"), pbx.ErrBadRequest)
	check("bad digit", c.SendDTMF(ctx, "in-1", "1x"), pbx.ErrBadRequest)
	check("reserved id", c.Originate(ctx, pbx.OriginateRequest{ChannelID: "hotline-snoop-1", Endpoint: "PJSIP/1"}), pbx.ErrBadRequest)

	// A channel Asterisk cannot even create reads as an unreachable phone.
	check("originate to a missing endpoint", c.Originate(ctx, pbx.OriginateRequest{ChannelID: "nobody", Endpoint: "PJSIP/nobody"}), nil)
	if fl := rec.WaitFor(t, ctx, pbxtest.On[pbx.OriginateFailed]("nobody")).(pbx.OriginateFailed); fl.Reason != pbx.FailUnreachable {
		t.Errorf("OriginateFailed reason %q, want unreachable", fl.Reason)
	}
	rec.WaitFor(t, ctx, pbxtest.On[pbx.HungUp]("nobody"))

	// Once the request is out for an id, a second originate with it is refused here.
	check("first originate", c.Originate(ctx, pbx.OriginateRequest{ChannelID: "leg-2", Endpoint: "PJSIP/1"}), nil)
	check("second originate, same id", c.Originate(ctx, pbx.OriginateRequest{ChannelID: "leg-2", Endpoint: "PJSIP/1"}), pbx.ErrDuplicateID)

	f.srv.CloseClientConnections()
	f.srv.Close()
	check("request with Asterisk gone", c.Answer(ctx, "in-1"), pbx.ErrDisconnected)
}

func TestCloseEndsEvents(t *testing.T) {
	f := newFakeARI(t)
	c, _ := startFake(t, f)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(30 * time.Second)
	for {
		select {
		case _, open := <-c.Events():
			if !open {
				if err := c.Start(context.Background()); !errors.Is(err, pbx.ErrClosed) {
					t.Errorf("Start after Close: %v, want pbx.ErrClosed", err)
				}
				return
			}
		case <-timeout:
			t.Fatal("Events not closed after Close")
		}
	}
}

func TestStartRefusedLogin(t *testing.T) {
	f := newFakeARI(t)
	c, err := New(Options{URL: f.url(), Username: "hotline", Password: "wrong", Log: testLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Start(ctx); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("Start with a wrong password: %v, want a 401 at once", err)
	}
	if ctx.Err() != nil {
		t.Fatal("Start retried a refused login until the deadline")
	}
}

// Asterisk answers 404 and 503 while it starts: Start keeps trying, with
// growing pauses, and the link reads as down, then up.
func TestStartRetriesWhileAsteriskStarts(t *testing.T) {
	f := newFakeARI(t)
	f.refuseNext(http.StatusServiceUnavailable, http.StatusNotFound, http.StatusServiceUnavailable, http.StatusServiceUnavailable)
	c := f.client(t)
	if ls := c.LinkState(); ls.Up || !ls.Since.IsZero() {
		t.Fatalf("LinkState before Start = %+v, want down with no time", ls)
	}
	started := make(chan error, 1)
	begin := time.Now()
	go func() { started <- c.Start(context.Background()) }()
	deadline := time.After(30 * time.Second)
	var down pbx.LinkState
	for down.Attempts < 2 {
		select {
		case err := <-started:
			t.Fatalf("Start returned %v while Asterisk still refused the websocket", err)
		case <-deadline:
			t.Fatalf("no failed attempts seen; LinkState = %+v", c.LinkState())
		case <-time.After(5 * time.Millisecond):
		}
		down = c.LinkState()
	}
	if down.Up || !strings.Contains(down.Error, "answered 503") && !strings.Contains(down.Error, "answered 404") {
		t.Errorf("LinkState while refused = %+v, want down naming the refusal", down)
	}
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("Start: %v", err)
		}
	case <-deadline:
		t.Fatalf("Start did not return; LinkState = %+v", c.LinkState())
	}
	// Four refusals with pauses 50, 100, 200, 400 ms: backoff, not a fixed pace.
	if took := time.Since(begin); took < 700*time.Millisecond {
		t.Errorf("four refusals passed in %v: pauses do not grow", took)
	}
	if up := c.LinkState(); !up.Up || up.Error != "" || up.Since.Before(down.Since) {
		t.Errorf("LinkState after Start = %+v, want up since the connect", up)
	}
	if _, ok := (<-c.Events()).(pbx.Synced); !ok {
		t.Error("first event after Start is not Synced")
	}

	// The link drops and Asterisk refuses for a while: down, then up again.
	f.refuseNext(http.StatusServiceUnavailable, http.StatusServiceUnavailable, http.StatusServiceUnavailable)
	f.dropSession()
	waitFor(t, "the link to read as down", func() bool { return !c.LinkState().Up })
	waitFor(t, "the link to come back", func() bool { return c.LinkState().Up })
}

func TestBackoffIsCapped(t *testing.T) {
	c, err := New(Options{URL: "http://127.0.0.1:1/ari", Username: "u", ReconnectDelay: time.Second, MaxReconnectDelay: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var got []time.Duration
	for d := c.opts.ReconnectDelay; len(got) < 4; d = c.backoff(d) {
		got = append(got, d)
	}
	if want := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second}; !slices.Equal(got, want) {
		t.Errorf("pauses %v, want %v", got, want)
	}
}

func playbackFinishedJSON(id, state string) string {
	return `{"type":"PlaybackFinished",` + ts + `,"playback":{"id":"` + id + `","state":"` + state + `","target_uri":"channel:in-1"}}`
}

// waitRequest waits until the fake has received a request line starting
// with prefix, after the first skip requests.
func waitRequest(t *testing.T, f *fakeARI, skip int, prefix string) {
	t.Helper()
	waitFor(t, "request "+prefix, func() bool {
		for _, r := range f.recorded()[skip:] {
			if strings.HasPrefix(r, prefix) {
				return true
			}
		}
		return false
	})
}

// Asterisk 22 stops only the current item of a multi-item playback when it
// is a number: or digits:, so items go one by one and a stop ends them all.
func TestPlayItemsOneByOne(t *testing.T) {
	f := newFakeARI(t)
	f.channels = liveChannels
	c, rec := startFake(t, f)
	ctx := context.Background()
	rec.WaitFor(t, ctx, synced(1, false))
	finished := func(id pbx.PlaybackID) func(pbx.Event) bool {
		return func(ev pbx.Event) bool { p, ok := ev.(pbx.PlaybackFinished); return ok && p.Playback == id }
	}

	// Played to the end: each item after the one before, one event at the end.
	before := len(f.recorded())
	if err := c.Play(ctx, "in-1", "pb-all", "sound:queue-thereare", "number:7", "sound:queue-callswaiting"); err != nil {
		t.Fatal(err)
	}
	f.emit(playbackFinishedJSON("pb-all", "done"))
	waitRequest(t, f, before, "POST /channels/in-1/play/pb-all~2?media=sound%3Adigits%2F7")
	f.emit(playbackFinishedJSON("pb-all~2", "done"))
	waitRequest(t, f, before, "POST /channels/in-1/play/pb-all~3?media=sound%3Aqueue-callswaiting")
	if n := len(rec.Filter(finished("pb-all"))); n != 0 {
		t.Fatalf("PlaybackFinished before the last item ended (%d)", n)
	}
	f.emit(playbackFinishedJSON("pb-all~3", "done"))
	if p := rec.WaitFor(t, ctx, finished("pb-all")).(pbx.PlaybackFinished); p.Stopped || p.Failed {
		t.Errorf("finished playback: %s, want neither stopped nor failed", pbxtest.Format(p))
	}

	// Stopped during the number: the number item is stopped, nothing follows.
	before = len(f.recorded())
	if err := c.Play(ctx, "in-1", "pb-stop", "sound:queue-thereare", "number:7", "sound:queue-callswaiting"); err != nil {
		t.Fatal(err)
	}
	f.emit(playbackFinishedJSON("pb-stop", "done"))
	waitRequest(t, f, before, "POST /channels/in-1/play/pb-stop~2")
	if err := c.StopPlayback(ctx, "pb-stop"); err != nil {
		t.Fatal(err)
	}
	waitRequest(t, f, before, "DELETE /playbacks/pb-stop~2")
	f.emit(playbackFinishedJSON("pb-stop~2", "done")) // Asterisk 22 says done for a stopped number
	if p := rec.WaitFor(t, ctx, finished("pb-stop")).(pbx.PlaybackFinished); !p.Stopped {
		t.Errorf("stopped playback: %s, want stopped", pbxtest.Format(p))
	}
	time.Sleep(100 * time.Millisecond)
	for _, r := range f.recorded()[before:] {
		if strings.Contains(r, "pb-stop~3") {
			t.Errorf("an item started after the stop: %s", r)
		}
	}

	// Stopped between two items: the stop finds nothing at Asterisk, and the
	// next item never starts.
	before = len(f.recorded())
	if err := c.Play(ctx, "in-1", "pb-gap", "sound:queue-thereare", "number:7"); err != nil {
		t.Fatal(err)
	}
	f.answer("DELETE", "/playbacks/pb-gap", fakeAnswer{404, `{"message":"Playback not found"}`, nil})
	if err := c.StopPlayback(ctx, "pb-gap"); err != nil {
		t.Errorf("stop between items: %v, want nil", err)
	}
	f.emit(playbackFinishedJSON("pb-gap", "done"))
	if p := rec.WaitFor(t, ctx, finished("pb-gap")).(pbx.PlaybackFinished); !p.Stopped {
		t.Errorf("playback stopped between items: %s, want stopped", pbxtest.Format(p))
	}
	for _, r := range f.recorded()[before:] {
		if strings.Contains(r, "pb-gap~2") {
			t.Errorf("an item started after the stop: %s", r)
		}
	}
}

// Asterisk lists a channel for a moment after its StasisEnd; a snapshot
// taken after HungUp must not show it again.
func TestSnapshotLeavesOutEndedChannels(t *testing.T) {
	f := newFakeARI(t)
	f.channels, f.bridges = liveChannels, liveBridges
	c, rec := startFake(t, f)
	ctx := context.Background()
	rec.WaitFor(t, ctx, synced(1, false))
	f.emit(`{"type":"StasisEnd",` + ts + `,"channel":{"id":"in-1","state":"Up"}}`)
	rec.WaitFor(t, ctx, pbxtest.On[pbx.HungUp]("in-1"))
	snap, err := c.Snapshot(ctx) // the fake still lists in-1, as Asterisk does
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := findChannel(snap, "in-1"); ok {
		t.Errorf("snapshot after HungUp lists in-1: %+v", snap.Channels)
	}
	for _, b := range snap.Bridges {
		if slices.Contains(b.Channels, "in-1") {
			t.Errorf("bridge %s still holds in-1 after HungUp", b.ID)
		}
	}
	if _, ok := findChannel(snap, "leg-9"); !ok {
		t.Errorf("snapshot lost leg-9, which is still up: %+v", snap.Channels)
	}
}

// A playback a run before left on a channel is stopped by its items' ids:
// the item that still plays (the third) is found after the two before it,
// over already, and no later one is asked for. One whose items are all
// over is no error.
func TestStopCutPlayback(t *testing.T) {
	f := newFakeARI(t)
	c, rec := startFake(t, f)
	ctx := context.Background()
	rec.WaitFor(t, ctx, synced(1, false))
	notFound := fakeAnswer{404, `{"message":"Playback not found"}`, nil}
	f.answer("DELETE", "/playbacks/cut-1", notFound)
	f.answer("DELETE", "/playbacks/cut-1~2", notFound)
	before := len(f.recorded())
	if err := c.StopCutPlayback(ctx, "in-1", "cut-1"); err != nil {
		t.Fatal(err)
	}
	want := []string{"DELETE /playbacks/cut-1", "DELETE /playbacks/cut-1~2", "DELETE /playbacks/cut-1~3"}
	if got := f.recorded()[before:]; !slices.Equal(got, want) {
		t.Errorf("requests %q, want %q", got, want)
	}
	f.answer("DELETE", "/playbacks/over", notFound)
	for i := 2; i <= 64; i++ {
		f.answer("DELETE", fmt.Sprintf("/playbacks/over~%d", i), notFound)
	}
	if err := c.StopCutPlayback(ctx, "in-1", "over"); err != nil {
		t.Errorf("a playback over already: %v", err)
	}
}
