package esl_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/esl"
	"github.com/hotline-cc/hotline/esl/esltest"
)

// testLog is quiet unless HOTLINE_TEST_LOG is set.
func testLog(t testing.TB) zerolog.Logger {
	if os.Getenv("HOTLINE_TEST_LOG") == "" {
		return zerolog.Nop()
	}
	return zerolog.New(zerolog.NewTestWriter(t)).With().Timestamp().Logger()
}

// fixture is a fake FreeSWITCH with a started Switch connected to it.
type fixture struct {
	fs *esltest.Server
	sw *esl.Switch
}

func newFixture(t testing.TB, opts esl.Options) *fixture {
	t.Helper()
	return newFixtureOn(t, esltest.Options{}, opts)
}

// newFixtureOn is newFixture with a fake configured by fake.
func newFixtureOn(t testing.TB, fake esltest.Options, opts esl.Options) *fixture {
	t.Helper()
	fs, err := esltest.New(fake)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fs.Close)
	opts.Address = fs.Addr()
	opts.Password = "ClueCon"
	if opts.CommandTimeout == 0 { // long: a loaded machine must not drop the link
		opts.CommandTimeout = 10 * time.Second
	}
	if opts.ReconnectDelay == 0 {
		opts.ReconnectDelay = 20 * time.Millisecond
	}
	opts.Log = testLog(t)
	return &fixture{fs: fs, sw: startSwitch(t, opts)}
}

// startSwitch starts a Switch with opts as they are, closed when the test
// ends, and waits until it synced with its FreeSWITCH.
func startSwitch(t testing.TB, opts esl.Options) *esl.Switch {
	t.Helper()
	sw, err := esl.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sw.Close() })
	select {
	case <-sw.Ready():
	case <-time.After(30 * time.Second):
		t.Fatalf("switch never synced with %s", opts.Address)
	}
	return sw
}

// placeCall sends an inbound call through the outbound socket when the
// switch listens for one, else parks it.
func (f *fixture) placeCall(c farend.CallScript, args string) (string, error) {
	call := esltest.Call{
		From: c.From, To: c.To, Vars: map[string]string{"hotline_args": args},
		DTMF: c.DTMF, DTMFDelay: c.DTMFDelay, HangupAfter: c.HangupAfter, Say: c.Say, SayDelay: c.SayDelay,
	}
	if a := f.sw.OutboundAddr(); a != nil {
		call.Socket = a.String()
	}
	return f.fs.PlaceCall(call)
}

func phoneFor(p farend.Phone) esltest.Phone {
	mode := map[farend.PhoneMode]esltest.PhoneMode{
		farend.PhoneAnswer:      esltest.Answer,
		farend.PhoneBusy:        esltest.Busy,
		farend.PhoneNoAnswer:    esltest.NoAnswer,
		farend.PhoneUnreachable: esltest.Unreachable,
	}[p.Mode]
	return esltest.Phone{Mode: mode, AnswerDelay: p.AnswerDelay, HangupAfter: p.HangupAfter, DTMF: p.DTMF, DTMFDelay: p.DTMFDelay}
}

func TestSwitchContract(t *testing.T) {
	pbxtest.RunSwitchContract(t, func(t *testing.T) *pbxtest.Harness {
		// Bridges are joined a moment after uuid_bridge, as on FreeSWITCH.
		f := newFixtureOn(t, esltest.Options{RecordingDir: t.TempDir(), BridgeSetup: 30 * time.Millisecond, BridgeEnter: 20 * time.Millisecond}, esl.Options{OutboundListen: "127.0.0.1:0"})
		return &pbxtest.Harness{
			Switch: f.sw,
			PlaceCall: func(ctx context.Context, c farend.CallScript) error {
				_, err := f.placeCall(c, "entry,"+c.To)
				return err
			},
			Endpoint:   func(p farend.Phone) string { return f.fs.NewPhone(phoneFor(p)) },
			Patience:   10 * time.Second,
			LeftBehind: fileExists,
			Shutdown:   func(context.Context) error { f.fs.Shutdown(time.Second); return nil },
			ComesBack:  true,
		}
	})
}

var _ pbx.Switch = (*esl.Switch)(nil)

func esltestCall(from string) esltest.Call { return esltest.Call{From: from, To: "100"} }

// fileExists: whether a Listen's file is still on disk (Hotline reads
// FreeSWITCH's recordings directory, on the fake and on a real switch).
func fileExists(u pbx.Utterance) bool {
	_, err := os.Stat(u.Path)
	return err == nil
}
