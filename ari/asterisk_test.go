package ari

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	goari "github.com/CyCoreSystems/ari/v6"
	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
)

// The tests named Asterisk run against a real Asterisk whose ARI address is
// in HOTLINE_ASTERISK_URL (testdata/asterisk/asterisk.sh starts one and
// prints the variables). Without it they skip.

type asteriskEnv struct {
	url, user, password, root string
}

func needAsterisk(t *testing.T) asteriskEnv {
	t.Helper()
	env := asteriskEnv{
		url:      os.Getenv("HOTLINE_ASTERISK_URL"),
		user:     os.Getenv("HOTLINE_ASTERISK_USERNAME"),
		password: os.Getenv("HOTLINE_ASTERISK_PASSWORD"),
		root:     os.Getenv("HOTLINE_ASTERISK_ROOT"),
	}
	if env.url == "" {
		t.Skip("HOTLINE_ASTERISK_URL not set; run testdata/asterisk/asterisk.sh start and eval its env")
	}
	return env
}

// testLog writes the client's log into the test's output.
func testLog(t *testing.T) zerolog.Logger {
	return zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.InfoLevel).With().Timestamp().Logger()
}

// startClient starts a Client on env (URL overridable) and closes it at
// cleanup, after hanging up whatever the test left in the application.
func startClient(t *testing.T, env asteriskEnv, opts Options) *Client {
	t.Helper()
	if opts.URL == "" {
		opts.URL = env.url
	}
	opts.Username, opts.Password = env.user, env.password
	if opts.PingInterval == 0 {
		opts.PingInterval = 500 * time.Millisecond
	}
	if opts.RequestTimeout == 0 {
		opts.RequestTimeout = 3 * time.Second
	}
	if opts.ReconnectDelay == 0 {
		opts.ReconnectDelay = 200 * time.Millisecond
	}
	opts.Log = testLog(t)
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("HOTLINE_ARI_TRACE") != "" {
		logEvent := func(raw []byte) { t.Logf("ari event: %s", raw) }
		c.trace.Store(&logEvent)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	t.Cleanup(func() { clearApp(t, c) })
	return c
}

// clearApp hangs up every channel and destroys every bridge of the
// application, so that one test's calls do not show in the next one's
// snapshots.
func clearApp(t *testing.T, c *Client) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	snap, err := c.Snapshot(ctx)
	if err != nil {
		t.Logf("cleanup snapshot: %v", err)
		return
	}
	for _, ch := range snap.Channels {
		_ = c.Hangup(ctx, ch.ID, pbx.CauseNormal)
	}
	for _, b := range snap.Bridges {
		_ = c.DestroyBridge(ctx, b.ID)
	}
}

var farEnds atomic.Int64

// placeCall makes a test caller: a Local channel whose far half dials the
// entry context (and so enters Stasis as a caller) while its near half runs
// [hotline-caller], sending DTMF and hanging up as the script says.
func placeCall(ctx context.Context, c *Client, s farend.CallScript) error {
	vars := map[string]string{}
	if s.DTMF != "" {
		vars["CALLER_DTMF"] = s.DTMF
		vars["CALLER_DTMF_WAIT"] = seconds(s.DTMFDelay)
	}
	if s.Say != "" {
		vars["CALLER_SAY"] = saySound(s.Say)
		vars["CALLER_SAY_WAIT"] = seconds(s.SayDelay)
	}
	if s.SilentAudio {
		vars["CALLER_SILENT_AUDIO"] = "yes"
	}
	if s.HangupAfter > 0 {
		rest := s.HangupAfter
		if s.DTMF != "" {
			rest -= s.DTMFDelay
		}
		vars["CALLER_REST"] = seconds(max(rest, time.Millisecond))
	}
	q := url.Values{
		"endpoint":  {"Local/" + s.To + "@hotline-entry/n"},
		"context":   {"hotline-caller"},
		"extension": {"s"},
		"priority":  {"1"},
		"callerId":  {s.From},
		"timeout":   {"120"},
	}
	id := fmt.Sprintf("hotline-test-caller-%d-%d", os.Getpid(), farEnds.Add(1))
	return c.call(ctx, http.MethodPost, "/channels/"+seg(id), q, map[string]any{"variables": vars}, nil)
}

// saySound is the sound a test caller plays for farend.CallScript.Say: a
// file by its path (inside Asterisk's root), or a sound named after the
// words ("hello world" → hello-world).
func saySound(say string) string {
	if strings.HasPrefix(say, "/") {
		return say
	}
	return strings.ReplaceAll(say, " ", "-")
}

// phoneEndpoint maps a test phone to an extension of [hotline-agents].
func phoneEndpoint(p farend.Phone) string {
	switch p.Mode {
	case farend.PhoneBusy:
		return "Local/busy@hotline-agents/n"
	case farend.PhoneNoAnswer:
		return "Local/noanswer@hotline-agents/n"
	case farend.PhoneUnreachable:
		return "Local/nowhere@hotline-agents/n"
	}
	rest := "0"
	if p.HangupAfter > 0 {
		r := p.HangupAfter
		if p.DTMF != "" {
			r -= p.DTMFDelay
		}
		rest = seconds(max(r, time.Millisecond))
	}
	return fmt.Sprintf("Local/9-%s-%s-%s-%s@hotline-agents/n", seconds(p.AnswerDelay), rest, seconds(p.DTMFDelay), p.DTMF)
}

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

func asteriskHarness(env asteriskEnv) func(t *testing.T) *pbxtest.Harness {
	return func(t *testing.T) *pbxtest.Harness {
		c := startClient(t, env, Options{})
		if *record {
			recordTo(t, c, "contract-"+strings.ReplaceAll(strings.TrimPrefix(t.Name(), "TestAsteriskContract/"), "/", "-"))
		}
		return &pbxtest.Harness{
			Switch:    c,
			PlaceCall: func(ctx context.Context, s farend.CallScript) error { return placeCall(ctx, c, s) },
			Endpoint:  phoneEndpoint,
			Patience:  30 * time.Second,
		}
	}
}

func TestAsteriskContract(t *testing.T) {
	env := needAsterisk(t)
	pbxtest.RunSwitchContract(t, asteriskHarness(env))
}

// TestAsteriskShutdown: "core stop now" with a conversation and a ringing
// leg up; the contract's CaseSwitchShutdown. It stops the Asterisk it runs
// on, so it runs only with HOTLINE_ASTERISK_SHUTDOWN=1 (start Asterisk again
// after it).
func TestAsteriskShutdown(t *testing.T) {
	env := needAsterisk(t)
	if os.Getenv("HOTLINE_ASTERISK_SHUTDOWN") != "1" {
		t.Skip("stops the Asterisk it runs on; set HOTLINE_ASTERISK_SHUTDOWN=1 (and start Asterisk again after)")
	}
	root := os.Getenv("HOTLINE_ASTERISK_ROOT")
	if root == "" {
		t.Fatal("HOTLINE_ASTERISK_ROOT must name the chroot Asterisk runs in (asterisk.sh env)")
	}
	harness := asteriskHarness(env)
	pbxtest.RunSwitchCase(t, pbxtest.CaseSwitchShutdown, func(t *testing.T) *pbxtest.Harness {
		h := harness(t)
		h.Shutdown = func(ctx context.Context) error {
			out, err := exec.CommandContext(ctx, "chroot", root, "/usr/sbin/asterisk", "-rx", "core stop now").CombinedOutput()
			if err != nil {
				return fmt.Errorf("core stop now: %v: %s", err, out)
			}
			return nil
		}
		return h
	})
}

// Things the contract does not pin down but Hotline relies on.
func TestAsteriskDetails(t *testing.T) {
	env := needAsterisk(t)
	c := startClient(t, env, Options{})
	rec := pbxtest.NewRecorder(c.Events(), 10*time.Second)
	ctx := context.Background()
	rec.WaitFor(t, ctx, synced(1, false))

	t.Run("cancel a ringing leg", func(t *testing.T) {
		id := pbx.ChannelID(fmt.Sprintf("detail-cancel-%d", os.Getpid()))
		if err := c.Originate(ctx, pbx.OriginateRequest{ChannelID: id, Endpoint: phoneEndpoint(farend.Phone{Mode: farend.PhoneNoAnswer})}); err != nil {
			t.Fatal(err)
		}
		rec.WaitFor(t, ctx, pbxtest.On[pbx.Ringing](id))
		if err := c.Hangup(ctx, id, pbx.CauseNormal); err != nil {
			t.Fatal(err)
		}
		if f := rec.WaitFor(t, ctx, pbxtest.On[pbx.OriginateFailed](id)).(pbx.OriginateFailed); f.Reason != pbx.FailCancelled {
			t.Errorf("cancelled leg failed with %q, want %q", f.Reason, pbx.FailCancelled)
		}
	})

	t.Run("missing prompt fails the playback", func(t *testing.T) {
		ch := answeredCall(t, ctx, c, rec, "5557000020")
		if err := c.Play(ctx, ch, "detail-missing", "sound:no-such-prompt-anywhere"); err != nil {
			t.Fatal(err)
		}
		f := rec.WaitFor(t, ctx, func(ev pbx.Event) bool {
			p, ok := ev.(pbx.PlaybackFinished)
			return ok && p.Playback == "detail-missing"
		}).(pbx.PlaybackFinished)
		if !f.Failed {
			t.Errorf("PlaybackFinished of a missing prompt = %s, want Failed", pbxtest.Format(f))
		}
	})

	t.Run("barge wires a private bridge and unwires it", func(t *testing.T) {
		caller := answeredCall(t, ctx, c, rec, "5557000022")
		sup := pbx.ChannelID(fmt.Sprintf("detail-sup-%d", os.Getpid()))
		if err := c.Spy(ctx, caller, pbx.SpyBarge, pbx.OriginateRequest{ChannelID: sup, Endpoint: phoneEndpoint(farend.Phone{})}); err != nil {
			t.Fatal(err)
		}
		rec.WaitFor(t, ctx, pbxtest.On[pbx.Answered](sup))
		spyBridge := "/bridges/" + spyBridgePrefix + string(sup)
		var b struct {
			Channels []string `json:"channels"`
		}
		waitFor(t, "the spy bridge to hold snoop and supervisor", func() bool {
			return c.call(ctx, http.MethodGet, spyBridge, nil, nil, &b) == nil && len(b.Channels) == 2
		})
		if snap, err := c.Snapshot(ctx); err != nil {
			t.Fatal(err)
		} else {
			for _, ci := range snap.Channels {
				if internalID(string(ci.ID)) {
					t.Errorf("snapshot shows the internal channel %s", ci.ID)
				}
			}
			for _, bi := range snap.Bridges {
				if internalID(string(bi.ID)) {
					t.Errorf("snapshot shows the internal bridge %s", bi.ID)
				}
			}
		}
		if err := c.Hangup(ctx, sup, pbx.CauseNormal); err != nil {
			t.Fatal(err)
		}
		rec.WaitFor(t, ctx, pbxtest.On[pbx.HungUp](sup))
		// The snoop channel leaves the application at once; Asterisk frees it
		// with the next frame from the spied-on channel, which a silent test
		// caller never sends.
		waitFor(t, "the spy bridge to go and the snoop channel to leave", func() bool {
			var snoop goari.ChannelData
			gone := c.call(ctx, http.MethodGet, "/channels/"+snoopPrefix+string(sup), nil, nil, &snoop) != nil
			return c.call(ctx, http.MethodGet, spyBridge, nil, nil, nil) != nil &&
				(gone || snoop.Dialplan == nil || snoop.Dialplan.AppName != "Stasis")
		})
		if _, err := c.GetVar(ctx, caller, "CHANNEL(state)"); err != nil {
			t.Errorf("the spied-on caller did not survive the supervisor: %v", err)
		}
	})

	t.Run("the spied-on call's end ends the supervisor leg", func(t *testing.T) {
		caller := answeredCall(t, ctx, c, rec, "5557000023")
		sup := pbx.ChannelID(fmt.Sprintf("detail-sup-end-%d", os.Getpid()))
		if err := c.Spy(ctx, caller, pbx.SpyListen, pbx.OriginateRequest{ChannelID: sup, Endpoint: phoneEndpoint(farend.Phone{})}); err != nil {
			t.Fatal(err)
		}
		rec.WaitFor(t, ctx, pbxtest.On[pbx.Answered](sup))
		var b struct {
			Channels []string `json:"channels"`
		}
		waitFor(t, "the spy bridge to hold snoop and supervisor", func() bool {
			return c.call(ctx, http.MethodGet, "/bridges/"+spyBridgePrefix+string(sup), nil, nil, &b) == nil && len(b.Channels) == 2
		})
		if err := c.Hangup(ctx, caller, pbx.CauseNormal); err != nil {
			t.Fatal(err)
		}
		rec.WaitFor(t, ctx, pbxtest.On[pbx.HungUp](sup)) // not left listening to an empty bridge
	})

	t.Run("recording lands on disk", func(t *testing.T) {
		if env.root == "" {
			t.Skip("HOTLINE_ASTERISK_ROOT not set: cannot see Asterisk's files")
		}
		caller := answeredCall(t, ctx, c, rec, "5557000021")
		agent := pbx.ChannelID(fmt.Sprintf("detail-agent-%d", os.Getpid()))
		if err := c.Originate(ctx, pbx.OriginateRequest{ChannelID: agent, Endpoint: phoneEndpoint(farend.Phone{DTMF: "123", DTMFDelay: 100 * time.Millisecond})}); err != nil {
			t.Fatal(err)
		}
		rec.WaitFor(t, ctx, pbxtest.On[pbx.Answered](agent))
		br := pbx.BridgeID(fmt.Sprintf("detail-bridge-%d", os.Getpid()))
		if err := c.Bridge(ctx, br, caller, agent); err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("hotline-detail-%d", os.Getpid())
		if err := c.StartRecording(ctx, pbx.RecordRequest{Name: name, Bridge: br}); err != nil {
			t.Fatal(err)
		}
		if err := c.Play(ctx, caller, "detail-play", "sound:hello-world"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		if err := c.StopRecording(ctx, name); err != nil {
			t.Fatal(err)
		}
		f := rec.WaitFor(t, ctx, func(ev pbx.Event) bool {
			r, ok := ev.(pbx.RecordingFinished)
			return ok && r.Name == name
		}).(pbx.RecordingFinished)
		if f.Failed || f.Path != "/var/spool/asterisk/recording/"+name+".wav" {
			t.Errorf("RecordingFinished = %s", pbxtest.Format(f))
		}
		st, err := os.Stat(filepath.Join(env.root, f.Path))
		if err != nil {
			t.Fatalf("recording not on disk: %v", err)
		}
		if st.Size() < 8000 { // a second of 8 kHz 16-bit audio is 16 kB
			t.Errorf("recording %s is %d bytes, want about a second of audio", f.Path, st.Size())
		}
		_ = os.Remove(filepath.Join(env.root, f.Path))
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
