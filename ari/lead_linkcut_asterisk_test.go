package ari

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/internal/linkcut"
)

// TestAsteriskLeadsEndDuringLinkCut: while the ARI link is cut (Hotline
// up), one lead answers, finds no application, hears its safe-harbour
// message and is hung up by the lead context, another rings and is busy,
// and a machine's detection ends (it is left the machine message). At the
// link's return the snapshot names the first as answered unattended and
// the machine as a machine, the second ends busy (its events were lost
// with the link), before Synced; the notes are cleared.
func TestAsteriskLeadsEndDuringLinkCut(t *testing.T) {
	env := needAsterisk(t)
	relay := linkcut.New(t, asteriskAddr(t, env))
	u, err := url.Parse(env.url)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = relay.Addr
	c := startClient(t, env, Options{URL: u.String(), PingInterval: 300 * time.Millisecond})
	direct := startClient(t, env, Options{App: "hotline-direct"}) // asks Asterisk while c cannot
	rec := pbxtest.NewRecorder(c.Events(), 30*time.Second)
	ctx := context.Background()
	rec.WaitFor(t, ctx, synced(1, false))

	heard := pbx.ChannelID(fmt.Sprintf("lead-heard-%d", os.Getpid()))
	busy := pbx.ChannelID(fmt.Sprintf("lead-busy-%d", os.Getpid()))
	machine := pbx.ChannelID(fmt.Sprintf("lead-machine-%d", os.Getpid()))
	err = c.Originate(ctx, pbx.OriginateRequest{ChannelID: machine, Endpoint: "Local/machine@hotline-leads/n",
		Machine: pbx.MachineDetect, Unattended: []string{"sound:beep"}, MachineMessage: []string{"sound:beep"}, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the machine in detection", func() bool {
		var ch struct{ Dialplan struct{ Context string } }
		return direct.call(ctx, http.MethodGet, "/channels/"+string(machine), nil, nil, &ch) == nil && ch.Dialplan.Context == AMDContext
	})
	for id, exten := range map[pbx.ChannelID]string{heard: "late", busy: "ringbusy"} {
		err := c.Originate(ctx, pbx.OriginateRequest{ChannelID: id, Endpoint: "Local/" + exten + "@hotline-leads/n",
			Unattended: []string{"sound:beep"}, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
	}
	relay.Cut()
	rec.WaitFor(t, ctx, isDisconnected)
	deadline := time.Now().Add(20 * time.Second)
	for _, id := range []pbx.ChannelID{heard, busy, machine} {
		for direct.call(ctx, http.MethodGet, "/channels/"+string(id), nil, nil, nil) == nil {
			if time.Now().After(deadline) {
				t.Fatalf("lead %s still up at Asterisk", id)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	relay.Resume(t)
	s := rec.WaitFor(t, ctx, synced(1, true)).(pbx.Synced)
	if u, ok := s.Snapshot.Unattended[heard]; !ok || u.Machine || time.Since(u.At) > time.Minute {
		t.Errorf("Synced's unattended answers %v; want %s, a person answered a moment ago", s.Snapshot.Unattended, heard)
	}
	if u, ok := s.Snapshot.Unattended[machine]; !ok || !u.Machine {
		t.Errorf("Synced's unattended answers %v; want %s, a machine", s.Snapshot.Unattended, machine)
	}
	ended := func(ev pbx.Event) bool {
		switch ev.(type) {
		case pbx.Answered, pbx.OriginateFailed, pbx.HungUp:
			return ev.Chan() == heard
		}
		return false
	}
	if evs := rec.Filter(ended); len(evs) != 0 {
		t.Errorf("events of %s: %v; want no answer nor end (its answer comes with the snapshot)", heard, evs)
	}
	failed := rec.Filter(pbxtest.On[pbx.OriginateFailed](busy))
	if len(failed) != 1 || failed[0].(pbx.OriginateFailed).Reason != pbx.FailBusy || failed[0].(pbx.OriginateFailed).Cause != pbx.CauseBusy {
		t.Errorf("OriginateFailed of %s: %v; want one, busy (cause 17)", busy, failed)
	} else if rec.Index(pbxtest.On[pbx.HungUp](busy)) > rec.Index(synced(1, true)) {
		t.Errorf("%s's end after Synced; want it before", busy)
	}
	for _, name := range []string{UnattendedPrefix + string(heard), GoneLeadPrefix + string(busy), UnattendedPrefix + string(machine)} {
		if v, err := direct.globalVar(ctx, name); err != nil || v != "" {
			t.Errorf("%s = %q (%v); want it cleared", name, v, err)
		}
	}
}
