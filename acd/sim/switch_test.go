package sim_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
)

func TestScenarios(t *testing.T) {
	s := time.Second
	tests := []struct {
		name  string
		opts  sim.Options
		setup func(d *det)
		until time.Duration
		want  []string
	}{{
		name: "busy phone fails then hangs up",
		setup: func(d *det) {
			d.phone("sim/a", farend.Phone{Mode: farend.PhoneBusy})
			d.at(0, "originate", func() error {
				return d.sw.Originate(bg, pbx.OriginateRequest{ChannelID: "a1", Endpoint: "sim/a"})
			})
		},
		until: s,
		want: []string{
			"0s OriginateFailed a1 reason=busy cause=busy",
			"0s HungUp a1 cause=busy",
		},
	}, {
		name: "endpoint outside sim/ is unreachable",
		setup: func(d *det) {
			d.at(0, "originate", func() error {
				return d.sw.Originate(bg, pbx.OriginateRequest{ChannelID: "a1", Endpoint: "PJSIP/1001"})
			})
		},
		until: s,
		want: []string{
			"0s OriginateFailed a1 reason=unreachable cause=unreachable",
			"0s HungUp a1 cause=unreachable",
		},
	}, {
		name: "ring timeout shorter than the answer delay",
		setup: func(d *det) {
			d.phone("sim/slow", farend.Phone{AnswerDelay: 10 * s})
			d.at(0, "originate", func() error {
				return d.sw.Originate(bg, pbx.OriginateRequest{ChannelID: "a1", Endpoint: "sim/slow", Timeout: 5 * s})
			})
		},
		until: 20 * s,
		want: []string{
			"0s Ringing a1",
			"5s OriginateFailed a1 reason=no-answer cause=no-answer",
			"5s HungUp a1 cause=no-answer",
		},
	}, {
		name: "hotline hangs up a ringing leg",
		setup: func(d *det) {
			d.phone("sim/a", farend.Phone{Mode: farend.PhoneNoAnswer})
			d.at(0, "originate", func() error {
				return d.sw.Originate(bg, pbx.OriginateRequest{ChannelID: "a1", Endpoint: "sim/a"})
			})
			d.at(3*s, "hangup", func() error { return d.sw.Hangup(bg, "a1", pbx.CauseOriginatorCancel) })
		},
		until: 60 * s,
		want: []string{
			"0s Ringing a1",
			"3s OriginateFailed a1 reason=cancelled cause=originator-cancel",
			"3s HungUp a1 cause=originator-cancel",
		},
	}, {
		name: "answered phone talks, presses keys and hangs up",
		setup: func(d *det) {
			d.phone("sim/a", farend.Phone{AnswerDelay: 2 * s, HangupAfter: 10 * s, DTMF: "9*", DTMFDelay: s})
			d.at(0, "originate", func() error {
				return d.sw.Originate(bg, pbx.OriginateRequest{ChannelID: "a1", Endpoint: "sim/a"})
			})
		},
		until: 60 * s,
		want: []string{
			"0s Ringing a1",
			"2s Answered a1",
			"3s DTMF a1 digit=9 duration=100ms",
			"3.25s DTMF a1 digit=* duration=100ms",
			"12s HungUp a1 cause=normal",
		},
	}, {
		name: "hangup tears down in order: playback, recording, bridge, hangup",
		setup: func(d *det) {
			d.phone("sim/a", farend.Phone{})
			in := d.call(farend.CallScript{From: "5550001", To: "100", Args: []string{"queue", "sales"}})
			d.at(s, "answer", func() error { return d.sw.Answer(bg, in) })
			d.at(s, "originate", func() error {
				return d.sw.Originate(bg, pbx.OriginateRequest{ChannelID: "a1", Endpoint: "sim/a"})
			})
			d.at(2*s, "bridge", func() error { return d.sw.Bridge(bg, "b1", in, "a1") })
			d.at(3*s, "record", func() error {
				return d.sw.StartRecording(bg, pbx.RecordRequest{Name: "r1", Channel: in, Format: "gsm"})
			})
			d.at(3*s, "play", func() error { return d.sw.Play(bg, in, "p1", "sound:beep", "digits:123") })
			d.at(4*s, "hangup", func() error { return d.sw.Hangup(bg, in, pbx.CauseNormal) })
		},
		until: 60 * s,
		want: []string{
			`0s CallArrived sim-in-1 caller="5550001" called="100" args=["queue" "sales"] vars=map[]`,
			"1s Answered sim-in-1",
			"1s Ringing a1",
			"1s Answered a1",
			"2s BridgeJoined sim-in-1 bridge=b1",
			"2s BridgeJoined a1 bridge=b1",
			`3s RecordingStarted sim-in-1 name="r1"`,
			"4s PlaybackFinished sim-in-1 playback=p1 stopped=true failed=false",
			`4s RecordingFinished sim-in-1 name="r1" path="sim://recordings/r1.gsm" duration=1s failed=false`,
			"4s BridgeLeft sim-in-1 bridge=b1",
			"4s HungUp sim-in-1 cause=normal",
		},
	}, {
		name: "media lengths, stop and failure",
		opts: sim.Options{PromptLength: 3 * time.Second},
		setup: func(d *det) {
			in := d.call(farend.CallScript{From: "1", To: "2"})
			d.at(0, "play", func() error { return d.sw.Play(bg, in, "p1", "sound:a", "number:42") })
			d.at(0, "play", func() error { return d.sw.Play(bg, in, "p2", "digits:123") })
			d.at(0, "play", func() error { return d.sw.Play(bg, in, "p3", "bogus") })
			d.at(0, "play", func() error { return d.sw.Play(bg, in, "p4", "sound:a", "sound:b") })
			d.at(time.Second, "stop", func() error { return d.sw.StopPlayback(bg, "p4") })
		},
		until: 60 * s,
		want: []string{
			`0s CallArrived sim-in-1 caller="1" called="2" args=[] vars=map[]`,
			"0s PlaybackFinished sim-in-1 playback=p3 stopped=false failed=true",
			"1s PlaybackFinished sim-in-1 playback=p4 stopped=true failed=false",
			"2.1s PlaybackFinished sim-in-1 playback=p2 stopped=false failed=false",
			"4.4s PlaybackFinished sim-in-1 playback=p1 stopped=false failed=false",
		},
	}, {
		name: "latency delays every effect",
		opts: sim.Options{Latency: 200 * time.Millisecond},
		setup: func(d *det) {
			in := d.call(farend.CallScript{From: "1", To: "2", DTMF: "5", DTMFDelay: s, HangupAfter: 5 * s})
			d.at(s, "answer", func() error { return d.sw.Answer(bg, in) })
		},
		until: 60 * s,
		want: []string{
			`200ms CallArrived sim-in-1 caller="1" called="2" args=[] vars=map[]`,
			"1.2s Answered sim-in-1",
			"2.2s DTMF sim-in-1 digit=5 duration=100ms",
			"6.2s HungUp sim-in-1 cause=normal",
		},
	}, {
		name: "destroying a bridge ends its recording and frees its members",
		setup: func(d *det) {
			d.phone("sim/a", farend.Phone{})
			in := d.call(farend.CallScript{From: "1", To: "2"})
			d.at(0, "originate", func() error {
				return d.sw.Originate(bg, pbx.OriginateRequest{ChannelID: "a1", Endpoint: "sim/a"})
			})
			d.at(s, "bridge", func() error { return d.sw.Bridge(bg, "b1", in, "a1") })
			d.at(s, "record", func() error { return d.sw.StartRecording(bg, pbx.RecordRequest{Name: "r", Bridge: "b1"}) })
			d.at(9*s, "destroy", func() error { return d.sw.DestroyBridge(bg, "b1") })
		},
		until: 60 * s,
		want: []string{
			`0s CallArrived sim-in-1 caller="1" called="2" args=[] vars=map[]`,
			"0s Ringing a1",
			"0s Answered a1",
			"1s BridgeJoined sim-in-1 bridge=b1",
			"1s BridgeJoined a1 bridge=b1",
			`1s RecordingStarted  name="r"`,
			`9s RecordingFinished  name="r" path="sim://recordings/r.wav" duration=8s failed=false`,
			"9s BridgeLeft sim-in-1 bridge=b1",
			"9s BridgeLeft a1 bridge=b1",
		},
	}, {
		name: "moving a channel to another bridge leaves the first",
		setup: func(d *det) {
			in := d.call(farend.CallScript{From: "1", To: "2"})
			d.at(s, "bridge", func() error { return d.sw.Bridge(bg, "b1", in) })
			d.at(2*s, "bridge", func() error { return d.sw.Bridge(bg, "b2", in) })
			d.at(3*s, "bridge again", func() error { return d.sw.Bridge(bg, "b2", in) })
		},
		until: 60 * s,
		want: []string{
			`0s CallArrived sim-in-1 caller="1" called="2" args=[] vars=map[]`,
			"1s BridgeJoined sim-in-1 bridge=b1",
			"2s BridgeLeft sim-in-1 bridge=b1",
			"2s BridgeJoined sim-in-1 bridge=b2",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDet(t, tt.opts)
			tt.setup(d)
			d.run(tt.until)
			if got := d.trace(); !slices.Equal(got, tt.want) {
				t.Errorf("trace:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

func TestCommandsOnlySchedule(t *testing.T) {
	d := newDet(t, sim.Options{})
	d.phone("sim/a", farend.Phone{})
	in := d.call(farend.CallScript{From: "1", To: "2"})
	if err := d.sw.Originate(bg, pbx.OriginateRequest{ChannelID: "a1", Endpoint: "sim/a"}); err != nil {
		t.Fatal(err)
	}
	if err := d.sw.Start(bg); err != nil {
		t.Fatal(err)
	}
	if len(d.evs) != 0 {
		t.Fatalf("events delivered from inside commands: %v", d.trace())
	}
	if !d.clock.Step() || len(d.evs) != 1 {
		t.Fatalf("one Step delivered %d events, want 1", len(d.evs))
	}
	d.run(time.Second)
	want := []string{
		`0s CallArrived ` + string(in) + ` caller="1" called="2" args=[] vars=map[]`,
		"0s Ringing a1",
		"0s Synced channels=2 bridges=0 reconnect=false", // the answer is scheduled from inside the dial
		"0s Answered a1",
	}
	if got := d.trace(); !slices.Equal(got, want) {
		t.Errorf("trace:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if err := d.sw.Start(bg); !errors.Is(err, sim.ErrAlreadyStarted) {
		t.Errorf("second Start: %v, want ErrAlreadyStarted", err)
	}
}

func TestTrafficPatience(t *testing.T) {
	d := newDet(t, sim.Options{Seed: 3})
	var arrived int
	var bridged []pbx.ChannelID
	d.react = func(ev pbx.Event) {
		// Bridge every other caller as soon as it arrives; the rest wait.
		if a, ok := ev.(pbx.CallArrived); ok {
			if arrived++; arrived%2 == 0 {
				bridged = append(bridged, a.Channel)
				if err := d.sw.Bridge(bg, pbx.BridgeID("b-"+a.Channel), a.Channel); err != nil {
					t.Error(err)
				}
			}
		}
	}
	err := d.sw.StartTraffic(sim.Traffic{
		Entries: []string{"100"}, RatePerMinute: 30, Patience: 20 * time.Second,
		Until: epoch.Add(10 * time.Minute),
	})
	if err != nil {
		t.Fatal(err)
	}
	d.run(time.Hour)
	st := d.sw.Stats()
	if st.CallsPlaced < 200 || st.CallsPlaced > 400 {
		t.Errorf("%d calls in 10 minutes at 30/min", st.CallsPlaced)
	}
	hung := map[pbx.ChannelID]bool{}
	for _, ev := range d.evs {
		if h, ok := ev.(pbx.HungUp); ok {
			hung[h.Channel] = true
		}
	}
	for _, ch := range bridged {
		if hung[ch] {
			t.Errorf("bridged caller %s hung up out of patience", ch)
		}
	}
	if st.Abandoned != len(hung) || st.Abandoned != st.CallsPlaced-len(bridged) {
		t.Errorf("abandoned %d, hung up %d, unbridged %d: want all equal", st.Abandoned, len(hung), st.CallsPlaced-len(bridged))
	}
	last := d.evs[len(d.evs)-1].Time()
	if last.After(epoch.Add(10*time.Minute + 5*time.Minute)) {
		t.Errorf("events until %v, arrivals should stop at 10 min", last.Sub(epoch))
	}
}

func TestRandomPhones(t *testing.T) {
	d := newDet(t, sim.Options{Seed: 5, Phones: config.SimAgentPhone{
		AnswerDelay: 4 * time.Second, NoAnswerRate: 0.2, BusyRate: 0.1, TalkTime: time.Minute,
	}})
	const n = 2000
	for i := range n {
		id := pbx.ChannelID(fmt.Sprintf("a%d", i))
		if err := d.sw.Originate(bg, pbx.OriginateRequest{ChannelID: id, Endpoint: "sim/agent", Timeout: 20 * time.Second}); err != nil {
			t.Fatal(err)
		}
	}
	d.run(24 * time.Hour)
	st := d.sw.Stats()
	if st.Originates != n || st.Busy+st.NoAnswer+st.OriginatesAnswered != n {
		t.Fatalf("stats do not add up: %+v", st)
	}
	near := func(name string, got int, p float64) {
		if want := p * n; float64(got) < want*0.8 || float64(got) > want*1.2 {
			t.Errorf("%s = %d, want about %.0f", name, got, want)
		}
	}
	near("busy", st.Busy, 0.1)
	near("no-answer", st.NoAnswer, 0.2)
	near("answered", st.OriginatesAnswered, 0.7)
	if st.PhoneHangups != st.OriginatesAnswered {
		t.Errorf("phone hangups %d, answered %d: every answered phone ends its talk", st.PhoneHangups, st.OriginatesAnswered)
	}
}

// A phone given its own random model follows it; the others keep
// Options.Phones. A model that cannot be played is refused.
func TestPhoneModel(t *testing.T) {
	d := newDet(t, sim.Options{Seed: 5, Phones: config.SimAgentPhone{AnswerDelay: 4 * time.Second, NoAnswerRate: 1}})
	if err := d.sw.SetPhoneModel("sim/headset", config.SimAgentPhone{AnswerDelay: 300 * time.Millisecond, TalkTime: time.Minute}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []config.SimAgentPhone{{BusyRate: 0.7, NoAnswerRate: 0.7}, {AnswerDelay: -time.Second}} {
		if err := d.sw.SetPhoneModel("sim/x", bad); !errors.Is(err, sim.ErrBadOptions) {
			t.Errorf("model %+v: %v; want ErrBadOptions", bad, err)
		}
	}
	if err := d.sw.SetPhoneModel("PJSIP/1", config.SimAgentPhone{}); err == nil {
		t.Error("a model for an endpoint the sim cannot ring was taken")
	}
	const n = 200
	for i := range n {
		for _, ep := range []string{"sim/headset", "sim/desk"} {
			id := pbx.ChannelID(fmt.Sprintf("%s-%d", ep, i))
			if err := d.sw.Originate(bg, pbx.OriginateRequest{ChannelID: id, Endpoint: ep, Timeout: 20 * time.Second}); err != nil {
				t.Fatal(err)
			}
		}
	}
	d.run(24 * time.Hour)
	if st := d.sw.Stats(); st.OriginatesAnswered != n || st.NoAnswer != n {
		t.Errorf("%d answered, %d unanswered; want the %d rings of the headset answered and the %d of the desk phone not",
			st.OriginatesAnswered, st.NoAnswer, n, n)
	}
}
