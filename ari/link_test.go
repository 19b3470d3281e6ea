package ari

import (
	"context"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
)

// synced matches the n-th Synced event with the given Reconnect flag.
func synced(n int, reconnect bool) func(pbx.Event) bool {
	seen := 0
	return func(ev pbx.Event) bool {
		s, ok := ev.(pbx.Synced)
		if ok && s.Reconnect == reconnect {
			seen++
		}
		return ok && s.Reconnect == reconnect && seen == n
	}
}

func isDisconnected(ev pbx.Event) bool { _, ok := ev.(pbx.Disconnected); return ok }

func arrivedFrom(number string) func(pbx.Event) bool {
	return func(ev pbx.Event) bool {
		a, ok := ev.(pbx.CallArrived)
		return ok && a.Caller == number
	}
}

func findChannel(snap pbx.Snapshot, id pbx.ChannelID) (pbx.ChannelInfo, bool) {
	i := slices.IndexFunc(snap.Channels, func(ci pbx.ChannelInfo) bool { return ci.ID == id })
	if i < 0 {
		return pbx.ChannelInfo{}, false
	}
	return snap.Channels[i], true
}

// proxied starts a client whose REST and websocket traffic go through p.
func proxied(t *testing.T, env asteriskEnv, p *proxy, ping time.Duration) *Client {
	t.Helper()
	u, err := url.Parse(env.url)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = p.addr()
	return startClient(t, env, Options{URL: u.String(), PingInterval: ping})
}

func asteriskAddr(t *testing.T, env asteriskEnv) string {
	t.Helper()
	u, err := url.Parse(env.url)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// answeredCall places a call through c, answers it and returns its channel.
func answeredCall(t *testing.T, ctx context.Context, c *Client, rec *pbxtest.Recorder, from string) pbx.ChannelID {
	t.Helper()
	if err := placeCall(ctx, c, farend.CallScript{From: from, To: "100"}); err != nil {
		t.Fatalf("place call: %v", err)
	}
	ch := rec.WaitFor(t, ctx, arrivedFrom(from)).Chan()
	if err := c.Answer(ctx, ch); err != nil {
		t.Fatalf("answer: %v", err)
	}
	rec.WaitFor(t, ctx, pbxtest.On[pbx.Answered](ch))
	return ch
}

// Cutting the TCP link: Disconnected, then Synced{Reconnect} listing the
// call that stayed up, then events flow again.
func TestAsteriskLinkCut(t *testing.T) {
	env := needAsterisk(t)
	p := newProxy(t, asteriskAddr(t, env))
	c := proxied(t, env, p, 300*time.Millisecond)
	rec := pbxtest.NewRecorder(c.Events(), 10*time.Second)
	ctx := context.Background()
	rec.WaitFor(t, ctx, synced(1, false))
	ch := answeredCall(t, ctx, c, rec, "5557000001")

	p.cut()
	rec.WaitFor(t, ctx, isDisconnected)
	s := rec.WaitFor(t, ctx, synced(1, true)).(pbx.Synced)
	if ci, ok := findChannel(s.Snapshot, ch); !ok || !ci.Answered {
		t.Fatalf("Synced after the cut lacks answered call %s: %+v", ch, s.Snapshot.Channels)
	}
	if err := c.Hangup(ctx, ch, pbx.CauseNormal); err != nil {
		t.Fatalf("hangup after reconnect: %v", err)
	}
	rec.WaitFor(t, ctx, pbxtest.On[pbx.HungUp](ch))
	rec.WaitFor(t, ctx, synced(1, true))
}

// A half-open link (bytes stop, nobody closes) is noticed within a few ping
// intervals. When the stale websocket finally closes at Asterisk's end,
// Asterisk retires the application under the new websocket; the heartbeat
// notices that too, and the client registers again.
func TestAsteriskHalfOpenLink(t *testing.T) {
	env := needAsterisk(t)
	p := newProxy(t, asteriskAddr(t, env))
	const ping = 300 * time.Millisecond
	c := proxied(t, env, p, ping)
	rec := pbxtest.NewRecorder(c.Events(), 10*time.Second)
	ctx := context.Background()
	rec.WaitFor(t, ctx, synced(1, false))
	ch := answeredCall(t, ctx, c, rec, "5557000002")

	frozeAt := time.Now()
	release := p.freeze()
	d := rec.WaitFor(t, ctx, isDisconnected)
	detect := d.Time().Sub(frozeAt)
	t.Logf("half-open link detected after %v (ping interval %v): %v", detect.Round(time.Millisecond), ping, d.(pbx.Disconnected).Err)
	// Pings notice it in a few intervals; without them the link would be
	// left to TCP keep-alive, whose first probe alone waits 15 s.
	if limit := 10*ping + 2*time.Second; detect > limit {
		t.Errorf("half-open link took %v to detect, want under %v", detect, limit)
	}
	s := rec.WaitFor(t, ctx, synced(1, true)).(pbx.Synced)
	if _, ok := findChannel(s.Snapshot, ch); !ok {
		t.Fatalf("Synced after reconnect lacks %s", ch)
	}

	release() // the stale websocket ends at Asterisk's side now
	time.Sleep(6 * ping)
	// Whatever Asterisk did to the application, a new call must reach us.
	ch2 := answeredCall(t, ctx, c, rec, "5557000003")
	for _, id := range []pbx.ChannelID{ch, ch2} {
		if err := c.Hangup(ctx, id, pbx.CauseNormal); err != nil {
			t.Fatal(err)
		}
		rec.WaitFor(t, ctx, pbxtest.On[pbx.HungUp](id))
	}
	t.Logf("reconnects: %d", len(rec.Filter(func(ev pbx.Event) bool { s, ok := ev.(pbx.Synced); return ok && s.Reconnect })))
}

// A new Hotline process adopts what an old one left: a waiting caller it can
// still bridge, a bridged conversation with its variables, a leg still
// ringing whose failure it then hears about.
func TestAsteriskRestartAdopts(t *testing.T) {
	env := needAsterisk(t)
	ctx := context.Background()
	old := startClient(t, env, Options{})
	rec := pbxtest.NewRecorder(old.Events(), 10*time.Second)

	talking := answeredCall(t, ctx, old, rec, "5557000010")
	waiting := answeredCall(t, ctx, old, rec, "5557000011")
	for _, err := range []error{
		old.SetVar(ctx, talking, pbx.VarCallID, "call-talking"),
		old.SetVar(ctx, waiting, pbx.VarCallID, "call-waiting"),
		old.StartMOH(ctx, waiting, ""),
		old.Originate(ctx, pbx.OriginateRequest{
			ChannelID: "restart-agent-1", Endpoint: phoneEndpoint(farend.Phone{AnswerDelay: 100 * time.Millisecond}),
			Vars: map[string]string{pbx.VarCallID: "call-talking", pbx.VarRole: "agent", pbx.VarAgent: "a1"},
		}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	rec.WaitFor(t, ctx, pbxtest.On[pbx.Answered]("restart-agent-1"))
	if err := old.Bridge(ctx, "restart-bridge-1", talking, "restart-agent-1"); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, ctx, pbxtest.On[pbx.BridgeJoined]("restart-agent-1"))
	if err := old.Originate(ctx, pbx.OriginateRequest{
		ChannelID: "restart-ringing-1", Endpoint: phoneEndpoint(farend.Phone{Mode: farend.PhoneNoAnswer}),
		Timeout: 3 * time.Second, Vars: map[string]string{pbx.VarRole: "agent"},
	}); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, ctx, pbxtest.On[pbx.Ringing]("restart-ringing-1"))

	// The old process goes away; its calls must not.
	_ = old.Close()

	c, err := New(Options{URL: env.url, Username: env.user, Password: env.password, Log: testLog(t), PingInterval: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	t.Cleanup(func() { clearApp(t, c) })
	rec2 := pbxtest.NewRecorder(c.Events(), 10*time.Second)
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	s := rec2.WaitFor(t, ctx, synced(1, false)).(pbx.Synced)

	want := map[pbx.ChannelID]struct {
		answered bool
		bridge   pbx.BridgeID
		vars     map[string]string
	}{
		talking:             {true, "restart-bridge-1", map[string]string{pbx.VarCallID: "call-talking"}},
		waiting:             {true, "", map[string]string{pbx.VarCallID: "call-waiting"}},
		"restart-agent-1":   {true, "restart-bridge-1", map[string]string{pbx.VarCallID: "call-talking", pbx.VarRole: "agent", pbx.VarAgent: "a1"}},
		"restart-ringing-1": {false, "", map[string]string{pbx.VarRole: "agent"}},
	}
	for id, w := range want {
		ci, ok := findChannel(s.Snapshot, id)
		if !ok {
			t.Errorf("snapshot after restart lacks %s: %+v", id, s.Snapshot.Channels)
			continue
		}
		if ci.Answered != w.answered || ci.Bridge != w.bridge {
			t.Errorf("%s after restart: answered=%v bridge=%q, want %v %q", id, ci.Answered, ci.Bridge, w.answered, w.bridge)
		}
		for k, v := range w.vars {
			if ci.Vars[k] != v {
				t.Errorf("%s after restart: %s=%q, want %q (vars %v)", id, k, ci.Vars[k], v, ci.Vars)
			}
		}
	}
	if len(s.Snapshot.Channels) != len(want) {
		t.Errorf("snapshot after restart has %d channels, want %d: %+v", len(s.Snapshot.Channels), len(want), s.Snapshot.Channels)
	}

	// The ringing leg times out under the new process, with its reason.
	f := rec2.WaitFor(t, ctx, pbxtest.On[pbx.OriginateFailed]("restart-ringing-1")).(pbx.OriginateFailed)
	if f.Reason != pbx.FailNoAnswer {
		t.Errorf("adopted ringing leg failed with %q, want %q", f.Reason, pbx.FailNoAnswer)
	}
	rec2.WaitFor(t, ctx, pbxtest.On[pbx.HungUp]("restart-ringing-1"))

	// The waiting caller is still served: a new agent, a new bridge.
	if err := c.StopMOH(ctx, waiting); err != nil {
		t.Fatal(err)
	}
	if err := c.Originate(ctx, pbx.OriginateRequest{ChannelID: "restart-agent-2", Endpoint: phoneEndpoint(farend.Phone{})}); err != nil {
		t.Fatal(err)
	}
	rec2.WaitFor(t, ctx, pbxtest.On[pbx.Answered]("restart-agent-2"))
	if err := c.Bridge(ctx, "restart-bridge-2", waiting, "restart-agent-2"); err != nil {
		t.Fatal(err)
	}
	rec2.WaitFor(t, ctx, pbxtest.On[pbx.BridgeJoined](waiting))

	// The conversation that survived ends, and the new process hears it.
	if err := c.Hangup(ctx, "restart-agent-1", pbx.CauseNormal); err != nil {
		t.Fatal(err)
	}
	rec2.WaitFor(t, ctx, pbxtest.On[pbx.BridgeLeft]("restart-agent-1"))
	rec2.WaitFor(t, ctx, pbxtest.On[pbx.HungUp]("restart-agent-1"))
	if err := c.Hangup(ctx, talking, pbx.CauseNormal); err != nil {
		t.Fatal(err)
	}
	rec2.WaitFor(t, ctx, pbxtest.On[pbx.HungUp](talking))
}
