package esl_test

import (
	"context"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/esl"
	"github.com/hotline-cc/hotline/esl/esltest"
)

// TestSocketCloseKeepsConversation: in socket mode Hotline stops (its
// outbound socket closes) while a caller talks to an agent. The caller's
// channel was told not to resume the dialplan while it is in a bridge
// (socket_resume=false; true again when it leaves it), so FreeSWITCH
// leaves the two joined instead of sending the caller on to the fallback
// park, and they go on talking while Hotline is down. A caller waiting
// when the socket closes goes on with the dialplan (socket_resume=true),
// not hung up.
func TestSocketCloseKeepsConversation(t *testing.T) {
	ctx := context.Background()
	f := newFixtureOn(t, esltest.Options{}, esl.Options{OutboundListen: "127.0.0.1:0"})
	rec := pbxtest.NewRecorder(f.sw.Events(), 10*time.Second)
	arrived := func(from string) pbx.ChannelID {
		return rec.WaitFor(t, ctx, func(ev pbx.Event) bool {
			a, ok := ev.(pbx.CallArrived)
			return ok && a.Caller == from
		}).Chan()
	}
	if _, err := f.placeCall(farend.CallScript{From: "5550001", To: "100"}, "entry,100"); err != nil {
		t.Fatal(err)
	}
	talking := arrived("5550001")
	if _, err := f.placeCall(farend.CallScript{From: "5550002", To: "100"}, "entry,100"); err != nil {
		t.Fatal(err)
	}
	waiting := arrived("5550002")
	if err := f.sw.Originate(ctx, pbx.OriginateRequest{ChannelID: "agent-leg-1", Endpoint: f.fs.NewPhone(esltest.Phone{Mode: esltest.Answer})}); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, ctx, func(ev pbx.Event) bool { _, ok := ev.(pbx.Answered); return ok && ev.Chan() == "agent-leg-1" })
	if err := f.sw.Bridge(ctx, "b-1", talking, "agent-leg-1"); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, ctx, func(ev pbx.Event) bool { j, ok := ev.(pbx.BridgeJoined); return ok && j.Channel == talking })
	f.sw.Close()
	time.Sleep(200 * time.Millisecond)
	if st, _ := f.fs.Channel(string(talking)); st.HungUp || st.Partner != "agent-leg-1" {
		t.Errorf("talking caller after the socket closed: hung up %v, partner %q; want still joined to agent-leg-1", st.HungUp, st.Partner)
	}
	if st, _ := f.fs.Channel(string(waiting)); st.HungUp {
		t.Errorf("waiting caller hung up when the socket closed; want it to go on in the dialplan")
	}
}
