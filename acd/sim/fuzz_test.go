package sim_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/acd/sim"
)

// FuzzCommands drives the switch with command sequences decoded from the
// input and checks the event stream against a model of what a switch may
// say: no event for a channel that is gone, joins and leaves that pair up,
// OriginateFailed right before HungUp, every playback finished exactly once,
// and a final Snapshot that matches. Run longer with
// go test ./acd/sim -fuzz FuzzCommands.
func FuzzCommands(f *testing.F) {
	f.Add([]byte{0, 0, 1, 0, 2, 0, 13, 3, 6, 0, 4, 1, 9, 0, 13, 3, 3, 0})
	f.Add([]byte{2, 1, 2, 2, 2, 3, 2, 4, 13, 3, 13, 3, 13, 3})
	f.Add([]byte{0, 1, 1, 0, 4, 0, 4, 1, 5, 0, 8, 0, 0, 2, 1, 1, 6, 3, 7, 1, 12, 0, 13, 2, 3, 1})
	f.Add([]byte("a quick brown fox jumps over the lazy dog, twice: a quick brown fox jumps over"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkCommands(t, data)
	})
}

// TestCommandsProperty runs the fuzz property over many pseudo-random
// inputs, so plain go test covers more than the seed corpus.
func TestCommandsProperty(t *testing.T) {
	for seed := range uint64(300) {
		rng := newRand(seed)
		data := make([]byte, 20+rng.IntN(120))
		for i := range data {
			data[i] = byte(rng.IntN(256))
		}
		t.Run(fmt.Sprint(seed), func(t *testing.T) { checkCommands(t, data) })
	}
}

type modelChan struct {
	originated bool
	answered   bool
	rang       bool
	bridge     pbx.BridgeID
}

type model struct {
	t         *testing.T
	live      map[pbx.ChannelID]*modelChan
	arriving  map[pbx.ChannelID]bool
	playbacks map[pbx.PlaybackID]pbx.ChannelID
	recs      map[string]bool
	last      time.Time
	prev      pbx.Event
}

func (m *model) fail(format string, args ...any) {
	m.t.Helper()
	m.t.Fatalf(format, args...)
}

func (m *model) event(ev pbx.Event) {
	m.t.Helper()
	if ev.Time().Before(m.last) {
		m.fail("time went back: %s", pbxtest.Format(ev))
	}
	m.last = ev.Time()
	if f, ok := m.prev.(pbx.OriginateFailed); ok {
		if h, ok := ev.(pbx.HungUp); !ok || h.Channel != f.Channel {
			m.fail("%s not followed by its HungUp but %s", pbxtest.Format(f), pbxtest.Format(ev))
		}
	}
	m.prev = ev
	id := ev.Chan()
	c := m.live[id]
	if _, ok := ev.(pbx.CallArrived); ok {
		if c != nil || !m.arriving[id] {
			m.fail("unexpected %s", pbxtest.Format(ev))
		}
		delete(m.arriving, id)
		m.live[id] = &modelChan{}
		return
	}
	if _, ok := ev.(pbx.Synced); ok {
		return
	}
	if r, ok := ev.(pbx.RecordingStarted); ok {
		if !m.recs[r.Name] {
			m.fail("%s for a recording not running", pbxtest.Format(ev))
		}
		return
	}
	if r, ok := ev.(pbx.RecordingFinished); ok {
		if !m.recs[r.Name] {
			m.fail("unexpected %s", pbxtest.Format(ev))
		}
		delete(m.recs, r.Name)
		return
	}
	if c == nil {
		m.fail("event for a channel that is not live: %s", pbxtest.Format(ev))
	}
	switch e := ev.(type) {
	case pbx.Ringing:
		if !c.originated || c.answered || c.rang {
			m.fail("unexpected %s", pbxtest.Format(ev))
		}
		c.rang = true
	case pbx.Answered:
		if c.answered || (c.originated && !c.rang) {
			m.fail("unexpected %s", pbxtest.Format(ev))
		}
		c.answered = true
	case pbx.DTMF:
		if !c.answered {
			m.fail("DTMF before answer: %s", pbxtest.Format(ev))
		}
	case pbx.PlaybackFinished:
		if m.playbacks[e.Playback] != id {
			m.fail("unexpected %s", pbxtest.Format(ev))
		}
		delete(m.playbacks, e.Playback)
	case pbx.BridgeJoined:
		if c.bridge != "" {
			m.fail("%s while in %s", pbxtest.Format(ev), c.bridge)
		}
		c.bridge = e.Bridge
	case pbx.BridgeLeft:
		if c.bridge != e.Bridge {
			m.fail("%s while in %q", pbxtest.Format(ev), c.bridge)
		}
		c.bridge = ""
	case pbx.OriginateFailed:
		if !c.originated || c.answered {
			m.fail("unexpected %s", pbxtest.Format(ev))
		}
	case pbx.HungUp:
		if c.bridge != "" {
			m.fail("%s while still in %s", pbxtest.Format(ev), c.bridge)
		}
		for pid, ch := range m.playbacks {
			if ch == id {
				m.fail("%s with playback %s still running", pbxtest.Format(ev), pid)
			}
		}
		delete(m.live, id)
	default:
		m.fail("unexpected event type %s", pbxtest.Format(ev))
	}
}

// command checks a command's error against the model: a command on a live
// channel never fails with ErrNoChannel, one on a dead channel always does,
// and every error wraps a pbx error.
func (m *model) command(name string, ch pbx.ChannelID, err error) bool {
	m.t.Helper()
	if err != nil && !slices.ContainsFunc(pbxErrors, func(e error) bool { return errors.Is(err, e) }) {
		m.fail("%s: error %v wraps no pbx error", name, err)
	}
	if ch != "" {
		if live := m.live[ch] != nil; live == errors.Is(err, pbx.ErrNoChannel) {
			m.fail("%s on %s (live %t): %v", name, ch, live, err)
		}
	}
	return err == nil
}

var pbxErrors = []error{pbx.ErrNoChannel, pbx.ErrNoBridge, pbx.ErrNoPlayback, pbx.ErrNoRecording,
	pbx.ErrNoVariable, pbx.ErrBadRequest, pbx.ErrDuplicateID}

func checkCommands(t *testing.T, data []byte) {
	m := &model{t: t, live: map[pbx.ChannelID]*modelChan{}, arriving: map[pbx.ChannelID]bool{},
		playbacks: map[pbx.PlaybackID]pbx.ChannelID{}, recs: map[string]bool{}, last: epoch}
	clock := sim.NewClock(epoch)
	sw, err := sim.New(sim.Options{Seed: int64(len(data)), Clock: clock, Emit: m.event})
	if err != nil {
		t.Fatal(err)
	}
	defer sw.Close()
	phones := []farend.Phone{
		{AnswerDelay: time.Second},
		{Mode: farend.PhoneBusy},
		{Mode: farend.PhoneNoAnswer},
		{AnswerDelay: 2 * time.Second, HangupAfter: 3 * time.Second, DTMF: "7"},
	}
	for i, p := range phones {
		if err := sw.SetPhone(fmt.Sprintf("sim/p%d", i), p); err != nil {
			t.Fatal(err)
		}
	}
	chans := []pbx.ChannelID{"o0", "o1", "o2", "o3", "s0", "s1", "ghost"}
	media := [][]string{{"sound:a"}, {"digits:12", "sound:b"}, {"bogus"}, {"number:7"}}

	next := func() byte {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return b
	}
	pick := func() pbx.ChannelID { return chans[int(next())%len(chans)] }
	for len(data) > 0 {
		op, arg := next()%14, next()
		switch op {
		case 0:
			id, err := sw.PlaceCall(farend.CallScript{From: "1", To: "2", DTMF: "12"[:arg%3], DTMFDelay: time.Second,
				HangupAfter: time.Duration(arg%4) * 2 * time.Second})
			if m.command("place call", "", err) {
				m.arriving[id] = true
				chans = append(chans, id)
			}
		case 1:
			ch := pick()
			m.command("answer", ch, ignore(sw.Answer(bg, ch), pbx.ErrBadRequest))
		case 2, 12:
			id := pbx.ChannelID(fmt.Sprintf("o%d", arg%4))
			ep := fmt.Sprintf("sim/p%d", arg%5)
			if arg%5 == 4 {
				ep = "PJSIP/elsewhere"
			}
			req := pbx.OriginateRequest{ChannelID: id, Endpoint: ep, Timeout: 4 * time.Second}
			if op == 2 {
				err = sw.Originate(bg, req)
			} else {
				target := pick()
				req.ChannelID = pbx.ChannelID(fmt.Sprintf("s%d", arg%2))
				err = sw.Spy(bg, target, pbx.SpyListen, req)
				if !m.command("spy target", target, ignore(err, pbx.ErrDuplicateID)) {
					continue
				}
			}
			if errors.Is(err, pbx.ErrDuplicateID) != (m.live[req.ChannelID] != nil) {
				m.fail("originate %s: %v with live %t", req.ChannelID, err, m.live[req.ChannelID] != nil)
			}
			if m.command("originate", "", err) {
				m.live[req.ChannelID] = &modelChan{originated: true}
			}
		case 3:
			m.command("hangup", "", sw.Hangup(bg, pick(), pbx.Cause(arg%30)))
		case 4:
			ch, pid := pick(), pbx.PlaybackID(fmt.Sprintf("p%d", arg%4))
			err := sw.Play(bg, ch, pid, media[arg%4]...)
			if errors.Is(err, pbx.ErrDuplicateID) != (m.playbacks[pid] != "" && m.live[ch] != nil) {
				m.fail("play %s: %v", pid, err)
			}
			if m.command("play", ch, ignore(err, pbx.ErrDuplicateID)) && err == nil {
				m.playbacks[pid] = ch
			}
		case 5:
			pid := pbx.PlaybackID(fmt.Sprintf("p%d", arg%4))
			if err := sw.StopPlayback(bg, pid); errors.Is(err, pbx.ErrNoPlayback) != (m.playbacks[pid] == "") {
				m.fail("stop playback %s: %v", pid, err)
			}
		case 6:
			a, b := pick(), pick()
			err := sw.Bridge(bg, pbx.BridgeID(fmt.Sprintf("b%d", arg%2)), a, b)
			if errors.Is(err, pbx.ErrNoChannel) == (m.live[a] != nil && m.live[b] != nil) {
				m.fail("bridge %s %s: %v", a, b, err)
			}
		case 7:
			m.command("unbridge", "", ignore(sw.Unbridge(bg, pbx.BridgeID(fmt.Sprintf("b%d", arg%2)), pick()), pbx.ErrNoChannel))
		case 8:
			m.command("destroy bridge", "", sw.DestroyBridge(bg, pbx.BridgeID(fmt.Sprintf("b%d", arg%2))))
		case 9:
			name := fmt.Sprintf("r%d", arg%2)
			req := pbx.RecordRequest{Name: name, Bridge: pbx.BridgeID(fmt.Sprintf("b%d", arg%3))}
			if arg%3 == 2 {
				req = pbx.RecordRequest{Name: name, Channel: pick()}
			}
			err := sw.StartRecording(bg, req)
			if errors.Is(err, pbx.ErrDuplicateID) != m.recs[name] {
				m.fail("start recording %s: %v", name, err)
			}
			if m.command("start recording", "", err) {
				m.recs[name] = true
			}
		case 10:
			name := fmt.Sprintf("r%d", arg%2)
			if err := sw.StopRecording(bg, name); errors.Is(err, pbx.ErrNoRecording) == m.recs[name] {
				m.fail("stop recording %s: %v", name, err)
			}
		case 11:
			ch := pick()
			if m.command("set var", ch, sw.SetVar(bg, ch, "K", "v")) {
				v, err := sw.GetVar(bg, ch, "K")
				if err != nil || v != "v" {
					m.fail("get var after set: %q, %v", v, err)
				}
			}
			_, err := sw.GetVar(bg, ch, "UNSET")
			m.command("get var", ch, ignore(err, pbx.ErrNoVariable))
		case 13:
			clock.RunUntil(clock.Now().Add(time.Duration(arg%8) * 500 * time.Millisecond))
		}
	}
	for steps := 0; clock.Step(); steps++ {
		if steps > 100_000 {
			t.Fatal("the switch keeps scheduling work with no one calling")
		}
	}
	if len(m.playbacks) > 0 {
		t.Fatalf("playbacks never finished: %v", m.playbacks)
	}
	snap, err := sw.Snapshot(bg)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Channels) != len(m.live) {
		t.Fatalf("snapshot has %d channels, model %d", len(snap.Channels), len(m.live))
	}
	for _, ci := range snap.Channels {
		c := m.live[ci.ID]
		if c == nil || c.answered != ci.Answered || c.bridge != ci.Bridge {
			t.Fatalf("snapshot channel %+v, model %+v", ci, c)
		}
	}
}

// ignore turns an expected error into nil for the model's ErrNoChannel check.
func ignore(err, expected error) error {
	if errors.Is(err, expected) {
		return nil
	}
	return err
}
