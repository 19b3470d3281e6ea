package esl_test

// Tests against a real FreeSWITCH, the one ../shared/freeswitch/freeswitch.sh
// starts (CI does):
//
//	freeswitch.sh start && eval "$(freeswitch.sh env)"
//	go test ./esl -run FreeSWITCH -count=1 -v
//
// They add the contexts of testdata/esl/freeswitch/hotline_test.xml to its
// dialplan. People are loopback channels: a caller is the far half of
// "originate loopback/<number>/hotline-test-in", whose near half plays the
// caller's script (DTMF, hang up); a phone is "loopback/<behaviour>/
// hotline-test-phone", or an error/ endpoint for one that never rings.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/percipia/eslgo/command"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/esl"
	"github.com/hotline-cc/hotline/esl/internal/wire"
)

// freeSWITCH is the real switch under test.
type freeSWITCH struct {
	addr, password, conf, root string
}

var fsSetup sync.Mutex

// needFreeSWITCH returns the FreeSWITCH named by HOTLINE_FREESWITCH_* or
// skips, and makes sure it has the test contexts and the contract's prompt.
func needFreeSWITCH(t testing.TB) *freeSWITCH {
	t.Helper()
	fs := &freeSWITCH{
		addr:     os.Getenv("HOTLINE_FREESWITCH_ADDRESS"),
		password: os.Getenv("HOTLINE_FREESWITCH_PASSWORD"),
		conf:     os.Getenv("HOTLINE_FREESWITCH_CONF"),
		root:     os.Getenv("HOTLINE_FREESWITCH_ROOT"),
	}
	if fs.addr == "" {
		t.Skip("HOTLINE_FREESWITCH_ADDRESS not set; run ../shared/freeswitch/freeswitch.sh start and eval its env")
	}
	if fs.conf == "" || fs.root == "" {
		t.Fatal("HOTLINE_FREESWITCH_CONF and HOTLINE_FREESWITCH_ROOT must be set too: the tests write dialplan and sounds under them")
	}
	if fs.password == "" {
		fs.password = "ClueCon"
	}
	fsSetup.Lock()
	defer fsSetup.Unlock()
	src, err := os.ReadFile("../testdata/esl/freeswitch/hotline_test.xml")
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(fs.conf, "dialplan", "hotline_test.xml")
	if have, _ := os.ReadFile(dst); !bytes.Equal(have, src) {
		if err := os.WriteFile(dst, src, 0o644); err != nil {
			t.Fatal(err)
		}
		if reply := fs.api(t, "reloadxml"); !strings.HasPrefix(reply, "+OK") {
			t.Fatalf("reloadxml: %s", reply)
		}
	}
	// The contract plays sound:hello-world, which Asterisk ships; the
	// bundle's prompts are generated tones under other names.
	sounds := filepath.Join(fs.root, "share/freeswitch/sounds/en/us/callie")
	if _, err := os.Stat(filepath.Join(sounds, "hello-world.wav")); err != nil {
		tone, err := os.ReadFile(filepath.Join(sounds, "queue-thankyou.wav"))
		if err != nil {
			t.Fatalf("the bundle's prompts: %v", err)
		}
		if err := os.WriteFile(filepath.Join(sounds, "hello-world.wav"), tone, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Hotline plays its own prompts from the stock en/us/callie pack, which
	// the bundle lacks: the same tone under those names.
	if err := stockPack(sounds, sounds); err != nil {
		t.Fatal(err)
	}
	return fs
}

// stockPack writes, into dir, the files of the stock en/us/callie pack
// that Hotline's prompts play, as copies of the bundle's queue-thankyou
// tone from bundleSounds; files already there stay.
func stockPack(bundleSounds, dir string) error {
	tone, err := os.ReadFile(filepath.Join(bundleSounds, "queue-thankyou.wav"))
	if err != nil {
		return fmt.Errorf("the bundle's prompts: %w", err)
	}
	for _, f := range callieFiles() {
		out := filepath.Join(dir, f)
		if _, err := os.Stat(out); err == nil {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(out+".tmp", tone, 0o644); err != nil {
			return err
		}
		if err := os.Rename(out+".tmp", out); err != nil {
			return err
		}
	}
	return nil
}

// api runs one API command on its own connection.
func (fs *freeSWITCH) api(t testing.TB, line string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	verb, args, _ := strings.Cut(line, " ")
	reply, err := esl.API(ctx, fs.addr, fs.password, command.API{Command: verb, Arguments: args})
	if err != nil {
		t.Fatalf("api %s: %v", line, err)
	}
	return reply
}

// newSwitch starts a Switch on the real FreeSWITCH.
func (fs *freeSWITCH) newSwitch(t testing.TB, opts esl.Options) *esl.Switch {
	t.Helper()
	opts.Address, opts.Password, opts.Log = fs.addr, fs.password, testLog(t)
	if opts.ReconnectDelay == 0 {
		opts.ReconnectDelay = 100 * time.Millisecond
	}
	return startSwitch(t, opts)
}

// call places a test caller: the far half of a loopback channel reaches
// hotline-test-in (parked, or handed to socket when set), the near half
// plays the script once the call is answered.
func (fs *freeSWITCH) call(ctx context.Context, c farend.CallScript, socket, tag string) error {
	return fs.callInto(ctx, c, "hotline-test-in", socket, tag)
}

// callInto places a test caller whose far half runs the dialplan context
// dpContext.
func (fs *freeSWITCH) callInto(ctx context.Context, c farend.CallScript, dpContext, socket, tag string) error {
	var steps []string
	if c.DTMF != "" {
		steps = append(steps, fmt.Sprintf("sleep:%d", c.DTMFDelay.Milliseconds()), "send_dtmf:"+c.DTMF)
	}
	if c.Say != "" {
		// A path (.wav) as it is, else a sound named after the words.
		sound := c.Say + ".wav"
		if !strings.HasPrefix(c.Say, "/") {
			sound = strings.ReplaceAll(c.Say, " ", "-") + ".wav"
		}
		steps = append(steps, fmt.Sprintf("sleep:%d", c.SayDelay.Milliseconds()), "playback:"+sound)
	}
	if c.HangupAfter > 0 {
		d := c.HangupAfter
		if c.DTMF != "" {
			d -= c.DTMFDelay
		}
		steps = append(steps, fmt.Sprintf("sleep:%d", max(d.Milliseconds(), 1)), "hangup")
	} else {
		steps = append(steps, "park")
	}
	vars := "origination_caller_id_number=" + c.From + ",hltest_run=" + tag
	if socket != "" {
		vars += ",hotline_test_socket=" + socket
	}
	line := fmt.Sprintf("bgapi originate {%s}loopback/%s/%s %s inline", vars, c.To, dpContext, strings.Join(steps, ","))
	if reply := fs.command(ctx, line); !strings.HasPrefix(reply, "+OK") {
		return fmt.Errorf("%s: %s", line, reply)
	}
	return nil
}

// command sends one command line on a connection of its own and returns
// the reply text, or the error as text.
func (fs *freeSWITCH) command(ctx context.Context, line string) string {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", fs.addr)
	if err != nil {
		return "-ERR " + err.Error()
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(nc)
	for _, cmd := range []string{"auth " + fs.password, line} {
		for {
			f, err := wire.ReadFrame(r)
			if err != nil {
				return "-ERR " + err.Error()
			}
			if f.ContentType() == wire.TypeAuthRequest {
				break
			}
			if f.ContentType() == wire.TypeReply || f.ContentType() == wire.TypeAPIResponse {
				if reply := f.ReplyText(); !strings.HasPrefix(reply, "+OK") {
					return reply
				}
				break
			}
		}
		if _, err := nc.Write(wire.AppendCommand(nil, wire.Command{Line: cmd})); err != nil {
			return "-ERR " + err.Error()
		}
	}
	for {
		f, err := wire.ReadFrame(r)
		if err != nil {
			return "-ERR " + err.Error()
		}
		if f.ContentType() == wire.TypeReply || f.ContentType() == wire.TypeAPIResponse {
			return f.ReplyText()
		}
	}
}

// runTag names the channels of one test, which hangUpRun ends.
func runTag() string {
	return fmt.Sprintf("t%d", time.Now().UnixNano())
}

// hangUpRun ends every channel tagged with tag (callers, phones and, through
// inheritance, the loopback halves Hotline's originates made).
func (fs *freeSWITCH) hangUpRun(t testing.TB, tag string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if reply := fs.command(ctx, "api hupall NORMAL_CLEARING hltest_run "+tag); strings.HasPrefix(reply, "-ERR") {
		t.Errorf("hupall for %s: %s", tag, reply)
	}
}

// endpoint is the dial string of a phone that behaves as p; its channels
// carry tag.
func (fs *freeSWITCH) endpoint(p farend.Phone, tag string) string {
	switch p.Mode {
	case farend.PhoneBusy:
		return "error/user_busy" // fails before any channel exists
	case farend.PhoneNoAnswer:
		return "[hltest_run=" + tag + "]loopback/noanswer/hotline-test-phone"
	case farend.PhoneUnreachable:
		return "error/user_not_registered"
	}
	num := fmt.Sprintf("answer-%d", max(p.AnswerDelay.Milliseconds(), 1))
	if p.HangupAfter > 0 {
		num += fmt.Sprintf("-hangup-%d", p.HangupAfter.Milliseconds())
	}
	return "[hltest_run=" + tag + "]loopback/" + num + "/hotline-test-phone"
}

// switchModes are the two ways calls reach Hotline: parked, or handed to
// its outbound socket (listen) first.
var switchModes = []struct{ name, listen string }{{"park", ""}, {"socket", "127.0.0.1:0"}}

func TestFreeSWITCHContract(t *testing.T) {
	fs := needFreeSWITCH(t)
	for _, mode := range switchModes {
		t.Run(mode.name, func(t *testing.T) {
			pbxtest.RunSwitchContract(t, func(t *testing.T) *pbxtest.Harness {
				sw := fs.newSwitch(t, esl.Options{OutboundListen: mode.listen})
				tag := runTag()
				t.Cleanup(func() { fs.hangUpRun(t, tag) })
				socket := ""
				if a := sw.OutboundAddr(); a != nil {
					socket = a.String()
				}
				return &pbxtest.Harness{
					Switch:     sw,
					PlaceCall:  func(ctx context.Context, c farend.CallScript) error { return fs.call(ctx, c, socket, tag) },
					Endpoint:   func(p farend.Phone) string { return fs.endpoint(p, tag) },
					Patience:   30 * time.Second,
					LeftBehind: fileExists,
				}
			})
		})
	}
}

// arrived places a caller and returns it once it reached the switch.
func (fs *freeSWITCH) arrived(t *testing.T, rec *pbxtest.Recorder, c farend.CallScript, socket, tag string) pbx.CallArrived {
	t.Helper()
	if err := fs.call(context.Background(), c, socket, tag); err != nil {
		t.Fatal(err)
	}
	return rec.WaitFor(t, context.Background(), func(ev pbx.Event) bool {
		a, ok := ev.(pbx.CallArrived)
		return ok && a.Caller == c.From
	}).(pbx.CallArrived)
}

// TestFreeSWITCHBusyNoticedAtOnce: an originate that fails before any
// channel exists reports only through BACKGROUND_JOB, which carries the
// Job-UUID Hotline sent only if FreeSWITCH read it as a header. Busy is
// known at once: it must come well before the ring timeout, which is
// when an originate whose failure went unread would end.
func TestFreeSWITCHBusyNoticedAtOnce(t *testing.T) {
	fs := needFreeSWITCH(t)
	sw := fs.newSwitch(t, esl.Options{})
	const ringTimeout = 20 * time.Second
	rec := pbxtest.NewRecorder(sw.Events(), ringTimeout+30*time.Second)
	id := pbx.ChannelID(fmt.Sprintf("busy-%d", time.Now().UnixNano()))
	start := time.Now()
	if err := sw.Originate(context.Background(), pbx.OriginateRequest{ChannelID: id, Endpoint: "error/user_busy", Timeout: ringTimeout}); err != nil {
		t.Fatal(err)
	}
	f := rec.WaitFor(t, context.Background(), pbxtest.On[pbx.OriginateFailed](id)).(pbx.OriginateFailed)
	took := time.Since(start)
	if f.Reason != pbx.FailBusy {
		t.Errorf("reason %s (cause %s), want busy", f.Reason, f.Cause)
	}
	if took > ringTimeout/2 {
		t.Errorf("busy noticed after %v, want well before the %v ring timeout", took, ringTimeout)
	}
	rec.WaitFor(t, context.Background(), pbxtest.On[pbx.HungUp](id))
	t.Logf("busy phone noticed after %v", took)
}

// TestFreeSWITCHPrompts: prompts really play (a 1 s prompt takes about a
// second, a list plays in order), and a prompt that cannot play is
// reported failed rather than left waiting.
func TestFreeSWITCHPrompts(t *testing.T) {
	fs := needFreeSWITCH(t)
	sw := fs.newSwitch(t, esl.Options{})
	tag := runTag()
	t.Cleanup(func() { fs.hangUpRun(t, tag) })
	rec := pbxtest.NewRecorder(sw.Events(), 10*time.Second)
	ctx := context.Background()
	a := fs.arrived(t, rec, farend.CallScript{From: "5557100", To: "100"}, "", tag)
	if err := sw.Answer(ctx, a.Channel); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, ctx, pbxtest.On[pbx.Answered](a.Channel))
	for _, c := range []struct {
		id     pbx.PlaybackID
		media  []string
		failed bool
	}{
		{"prompt-one", []string{"sound:queue-thankyou"}, false},
		{"prompt-list", []string{"sound:queue-thereare", "digits:42", "sound:queue-callswaiting"}, false},
		{"prompt-missing", []string{"sound:no-such-prompt"}, true},
	} {
		start := time.Now()
		if err := sw.Play(ctx, a.Channel, c.id, c.media...); err != nil {
			t.Fatalf("play %s: %v", c.id, err)
		}
		f := rec.WaitFor(t, ctx, func(ev pbx.Event) bool {
			f, ok := ev.(pbx.PlaybackFinished)
			return ok && f.Playback == c.id
		}).(pbx.PlaybackFinished)
		took := time.Since(start)
		if f.Failed != c.failed || f.Stopped {
			t.Errorf("%s: %s", c.id, pbxtest.Format(f))
		}
		if !c.failed && took < 300*time.Millisecond {
			t.Errorf("%s finished after %v: not played", c.id, took)
		}
		t.Logf("%s: %s after %v", c.id, pbxtest.Format(f), took)
	}
}

// TestFreeSWITCHOrderUnderLoad: many callers pressing many keys at once;
// every DTMF event reaches the engine, each caller's in the order pressed,
// and none waits. A bare connection in this process reads the same events:
// each event's time to the engine, less its time to the bare socket, is
// what Hotline adds. That is bounded by 5 ms plus what the machine's load
// costs the goroutine hand-offs an event takes in Hotline (measured beside
// it), so a loaded machine does not fail the test while an event held for
// a reorder window still does.
func TestFreeSWITCHOrderUnderLoad(t *testing.T) {
	const callers, digits = 20, "0123456789*#0123456789"
	fs := needFreeSWITCH(t)
	sw := fs.newSwitch(t, esl.Options{})
	tag := runTag()
	t.Cleanup(func() { fs.hangUpRun(t, tag) })
	ctx := context.Background()
	var mu sync.Mutex
	got := map[pbx.ChannelID]string{}
	arrivals := map[pbx.ChannelID][]time.Time{} // when each DTMF reached the engine
	done := make(chan struct{})
	go func() {
		defer close(done)
		n := 0
		for ev := range sw.Events() {
			now := time.Now()
			switch e := ev.(type) {
			case pbx.CallArrived:
				go sw.Answer(ctx, e.Channel)
			case pbx.DTMF:
				mu.Lock()
				got[e.Channel] += string(e.Digit)
				arrivals[e.Channel] = append(arrivals[e.Channel], now)
				mu.Unlock()
				if n++; n == callers*len(digits) {
					return
				}
			}
		}
	}()
	probeCtx, stopProbe := context.WithCancel(ctx)
	defer stopProbe()
	handoff := handoffLag(probeCtx)
	rawCtx, stopRaw := context.WithCancel(ctx)
	defer stopRaw()
	raw := fs.rawEvents(t, rawCtx, "DTMF")
	for i := 0; i < callers; i++ {
		c := farend.CallScript{From: fmt.Sprintf("55572%02d", i), To: "100", DTMF: digits + "@40", DTMFDelay: 200 * time.Millisecond}
		if err := fs.call(ctx, c, "", tag); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
	}
	stopRaw()
	stopProbe()
	bare := <-raw
	hops := <-handoff
	mu.Lock()
	defer mu.Unlock()
	if len(got) != callers {
		t.Errorf("DTMF from %d callers, want %d", len(got), callers)
	}
	for ch, d := range got {
		if d != digits {
			t.Errorf("%s pressed %q, engine saw %q", ch, digits, d)
		}
	}
	// The k-th DTMF of a channel on the bare socket is the engine's k-th.
	seen := map[string]int{}
	var added, lat, base []time.Duration
	for _, ev := range bare {
		ch := ev.Get("Unique-ID")
		k := seen[ch]
		seen[ch]++
		us, err := strconv.ParseInt(ev.Get("Event-Date-Timestamp"), 10, 64)
		if err != nil || k >= len(arrivals[pbx.ChannelID(ch)]) {
			continue
		}
		at := arrivals[pbx.ChannelID(ch)][k]
		added = append(added, at.Sub(ev.at))
		lat = append(lat, at.Sub(time.UnixMicro(us)))
		base = append(base, ev.at.Sub(time.UnixMicro(us)))
	}
	if len(added) < callers*len(digits)/2 {
		t.Fatalf("only %d DTMF events seen on both the bare socket and the engine", len(added))
	}
	p := func(d []time.Duration, q int) time.Duration {
		slices.Sort(d)
		return d[len(d)*q/100]
	}
	allowed := 5*time.Millisecond + 2*p(hops, 50)
	t.Logf("%d DTMF events; FreeSWITCH timestamp → bare socket p50 %v, → engine p50 %v p99 %v; added by Hotline p50 %v p99 %v (allowed p50 %v: goroutine hand-off p50 %v under this load); out of sequence on the socket: %d",
		len(added), p(base, 50), p(lat, 50), p(lat, 99), p(added, 50), p(added, 99), allowed, p(hops, 50), sw.Stats().Inversions)
	if p(added, 50) > allowed {
		t.Errorf("Hotline adds %v (p50) to each event, more than %v: events are being held", p(added, 50), allowed)
	}
}

// handoffLag measures, until ctx ends, how late a timestamp arrives after
// the hand-offs an event takes inside Hotline (the socket's reader → the
// pump → the engine: two channel sends, three goroutines), every 2 ms.
func handoffLag(ctx context.Context) <-chan []time.Duration {
	out := make(chan []time.Duration, 1)
	toPump, toEngine := make(chan time.Time), make(chan time.Time)
	go func() { // the pump
		for t0 := range toPump {
			toEngine <- t0
		}
		close(toEngine)
	}()
	go func() { // the engine
		var lags []time.Duration
		for t0 := range toEngine {
			lags = append(lags, time.Since(t0))
		}
		if len(lags) == 0 {
			lags = append(lags, 0)
		}
		out <- lags
	}()
	go func() { // the reader
		defer close(toPump)
		every(ctx, 2*time.Millisecond, func() bool { toPump <- time.Now(); return true })
	}()
	return out
}

// every runs f every d until ctx ends or f returns false.
func every(ctx context.Context, d time.Duration, f func() bool) {
	tick := time.NewTicker(d)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if !f() {
				return
			}
		}
	}
}

// timedEvent is an event and when it came off the socket.
type timedEvent struct {
	wire.Event
	at time.Time
}

// rawEvents reads the named events on a connection of its own, woken as
// Hotline's is, until ctx ends and then sends them.
func (fs *freeSWITCH) rawEvents(t *testing.T, ctx context.Context, names string) <-chan []timedEvent {
	t.Helper()
	out := make(chan []timedEvent, 1)
	var evs []timedEvent
	fs.onEvents(t, ctx, names, func(ev timedEvent) { evs = append(evs, ev) }, func() { out <- evs })
	return out
}

// onEvents reads the named events on a connection of its own, woken as
// Hotline's is, and hands each to f, in order, until ctx ends; then it
// calls done.
func (fs *freeSWITCH) onEvents(t *testing.T, ctx context.Context, names string, f func(timedEvent), done func()) {
	t.Helper()
	nc, err := net.Dial("tcp", fs.addr)
	if err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(nc)
	for _, cmd := range []string{"auth " + fs.password, "event json " + names} {
		for {
			fr, err := wire.ReadFrame(r)
			if err != nil {
				t.Fatal(err)
			}
			if fr.ContentType() == wire.TypeAuthRequest || fr.ContentType() == wire.TypeReply {
				break
			}
		}
		if _, err := nc.Write(wire.AppendCommand(nil, wire.Command{Line: cmd})); err != nil {
			t.Fatal(err)
		}
	}
	// Events count from the reply to "event": wait for it.
	for {
		fr, err := wire.ReadFrame(r)
		if err != nil {
			t.Fatal(err)
		}
		if fr.ContentType() == wire.TypeReply {
			break
		}
	}
	context.AfterFunc(ctx, func() { nc.Close() })
	// Woken as Hotline wakes its link (Options.WakeInterval): an idle
	// connection gets its events up to 20 ms late.
	go every(ctx, 2*time.Millisecond, func() bool {
		_, err := nc.Write([]byte("\n"))
		return err == nil
	})
	go func() {
		defer done()
		for {
			fr, err := wire.ReadFrame(r)
			if err != nil {
				return
			}
			now := time.Now()
			if fr.ContentType() != wire.TypeEventJSON {
				continue
			}
			if ev, err := wire.ParseJSON(fr.Body); err == nil {
				f(timedEvent{ev, now})
			}
		}
	}()
}

// TestFreeSWITCHLoopbackFarHalfNotOwned: on a real loopback the agent's
// phone half inherits hotline_leg and HOTLINE_CALL; the snapshot must not
// take it for Hotline's.
func TestFreeSWITCHLoopbackFarHalfNotOwned(t *testing.T) {
	fs := needFreeSWITCH(t)
	sw := fs.newSwitch(t, esl.Options{})
	tag := runTag()
	t.Cleanup(func() { fs.hangUpRun(t, tag) })
	checkFarHalfNotOwned(t, sw, fs.endpoint(farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 50 * time.Millisecond}, tag), func(id pbx.ChannelID) string {
		// mod_loopback names the halves <name>-a and <name>-b; the far
		// half's other_loopback_leg_uuid is Hotline's leg.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return strings.TrimSpace(fs.command(ctx, "api uuid_getvar "+string(id)+" other_loopback_leg_uuid"))
	})
}

// TestFreeSWITCHRestoredCallEvents: a switch started while a conversation
// is up learns its channels from the snapshot.
func TestFreeSWITCHRestoredCallEvents(t *testing.T) {
	fs := needFreeSWITCH(t)
	sw := fs.newSwitch(t, esl.Options{})
	tag := runTag()
	t.Cleanup(func() { fs.hangUpRun(t, tag) })
	from := fmt.Sprintf("55591%02d", time.Now().Nanosecond()%100)
	caller, agent, br := bridgedCall(t, sw, pbxtest.NewRecorder(sw.Events(), 30*time.Second), func() error {
		return fs.call(context.Background(), farend.CallScript{From: from, To: "100"}, "", tag)
	}, from, fs.endpoint(farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 50 * time.Millisecond}, tag))
	// At once: "show channels" may not list the agent's new leg yet (its
	// scoreboard lags a new channel, by hundreds of milliseconds under
	// load), and the snapshot must find it all the same.
	sw.Close()
	checkRestoredCallEvents(t, newSwitchOn(t, fs.addr, fs.password), caller, agent, br)
}

// TestFreeSWITCHSpyModes measures with a tone who hears the supervisor:
// the supervisor's phone sends 1 kHz, and what the caller and the agent
// hear is recorded at their own phones. Listen: nobody. Whisper: the agent
// only. Barge: both. In park and in socket mode.
func TestFreeSWITCHSpyModes(t *testing.T) {
	fs := needFreeSWITCH(t)
	for _, mode := range switchModes {
		t.Run(mode.name, func(t *testing.T) { spyModes(t, fs, mode.listen) })
	}
}

func spyModes(t *testing.T, fs *freeSWITCH, listen string) {
	sw := fs.newSwitch(t, esl.Options{OutboundListen: listen})
	socket := ""
	if a := sw.OutboundAddr(); a != nil {
		socket = a.String()
	}
	tag := runTag()
	t.Cleanup(func() { fs.hangUpRun(t, tag) })
	ctx := context.Background()
	rec := pbxtest.NewRecorder(sw.Events(), 30*time.Second)
	for i, c := range []struct {
		mode                    pbx.SpyMode
		callerHears, agentHears bool
	}{
		{pbx.SpyListen, false, false},
		{pbx.SpyWhisper, false, true},
		{pbx.SpyBarge, true, true},
	} {
		from := fmt.Sprintf("55580%02d", i)
		caller, agent, _ := bridgedCall(t, sw, rec, func() error {
			return fs.call(ctx, farend.CallScript{From: from, To: "100"}, socket, tag)
		}, from, fs.endpoint(farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 50 * time.Millisecond}, tag))
		sup := pbx.ChannelID(fmt.Sprintf("sup-%d-%d", i, time.Now().UnixNano()))
		if err := sw.Spy(ctx, agent, c.mode, pbx.OriginateRequest{ChannelID: sup, Endpoint: "[hltest_run=" + tag + "]loopback/tone-50/hotline-test-phone"}); err != nil {
			t.Fatal(err)
		}
		rec.WaitFor(t, ctx, pbxtest.On[pbx.Answered](sup))
		time.Sleep(500 * time.Millisecond)
		// The phones are the other halves of the loopback pairs.
		callerPhone := strings.TrimSpace(fs.command(ctx, "api uuid_getvar "+string(caller)+" other_loopback_leg_uuid"))
		agentPhone := strings.TrimSpace(fs.command(ctx, "api uuid_getvar "+string(agent)+" other_loopback_leg_uuid"))
		callerDB := fs.hears(t, callerPhone, fmt.Sprintf("hltest-%s-caller-%d", tag, i))
		agentDB := fs.hears(t, agentPhone, fmt.Sprintf("hltest-%s-agent-%d", tag, i))
		t.Logf("%s: the supervisor's tone at the caller %.0f dBFS, at the agent %.0f dBFS", c.mode, callerDB, agentDB)
		heard := func(db float64) bool { return db > -45 }
		if heard(callerDB) != c.callerHears || heard(agentDB) != c.agentHears {
			t.Errorf("%s: caller hears the supervisor %v (want %v), agent %v (want %v)", c.mode, heard(callerDB), c.callerHears, heard(agentDB), c.agentHears)
		}
		for _, ch := range []pbx.ChannelID{sup, agent, caller} {
			_ = sw.Hangup(ctx, ch, pbx.CauseNormal)
		}
	}
}

// hears records for a second what channel ch receives (what its phone
// hears) and returns the level of 1 kHz in it, in dB below full scale.
func (fs *freeSWITCH) hears(t *testing.T, ch, name string) float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	path := filepath.Join(fs.root, "var/lib/freeswitch/recordings", name+".wav")
	for _, cmd := range []string{"api uuid_setvar " + ch + " RECORD_READ_ONLY true", "api uuid_record " + ch + " start " + path} {
		if reply := fs.command(ctx, cmd); strings.HasPrefix(reply, "-") {
			t.Fatalf("%s: %s", cmd, reply)
		}
	}
	time.Sleep(time.Second)
	fs.command(ctx, "api uuid_record "+ch+" stop "+path)
	time.Sleep(200 * time.Millisecond)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(path)
	return toneLevel(t, b, 1000)
}

// toneLevel reads a 16-bit mono WAV file and returns the level of freq in
// it (Goertzel over the whole file), in dBFS.
func toneLevel(t *testing.T, wav []byte, freq float64) float64 {
	t.Helper()
	i := bytes.Index(wav, []byte("data"))
	if len(wav) < 44 || i < 0 || i+8 > len(wav) {
		t.Fatalf("not a WAV file (%d bytes)", len(wav))
	}
	rate := float64(binary.LittleEndian.Uint32(wav[24:28]))
	pcm := wav[i+8:]
	n := len(pcm) / 2
	if n == 0 {
		return -200
	}
	k := 2 * math.Cos(2*math.Pi*freq/rate)
	var s1, s2 float64
	for j := 0; j < n; j++ {
		x := float64(int16(binary.LittleEndian.Uint16(pcm[2*j:]))) / 32768
		s0 := x + k*s1 - s2
		s2, s1 = s1, s0
	}
	power := s1*s1 + s2*s2 - k*s1*s2
	amp := 2 * math.Sqrt(math.Max(power, 0)) / float64(n)
	return 20 * math.Log10(math.Max(amp, 1e-10))
}
