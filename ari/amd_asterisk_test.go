package ari

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
)

// TestAsteriskMachineDetection originates through AMD() (the hotline-amd
// context): a person is reported HUMAN and a machine MACHINE, each just
// before its Answered; with the beep wait a machine's answer comes after
// its greeting; a lead that hangs up during detection is seen hanging up.
func TestAsteriskMachineDetection(t *testing.T) {
	env := needAsterisk(t)
	c := startClient(t, env, Options{})
	rec := pbxtest.NewRecorder(c.Events(), 20*time.Second)
	ctx := context.Background()
	rec.WaitFor(t, ctx, synced(1, false))

	for _, tc := range []struct {
		name, exten string
		mode        pbx.MachineDetection
		want        string
		minDelay    time.Duration // from originate to Answered
	}{
		{"person", "person", pbx.MachineDetect, pbx.AMDHuman, 0},
		{"machine", "machine", pbx.MachineDetect, pbx.AMDMachine, 0},
		{"machine to the beep", "machine", pbx.MachineAfterBeep, pbx.AMDMachine, 6 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := pbx.ChannelID(fmt.Sprintf("amd-%s-%d-%d", tc.exten, tc.mode, os.Getpid()))
			start := time.Now()
			if err := c.Originate(ctx, pbx.OriginateRequest{ChannelID: id, Endpoint: "Local/" + tc.exten + "@hotline-leads/n", Machine: tc.mode}); err != nil {
				t.Fatal(err)
			}
			det := rec.WaitFor(t, ctx, pbxtest.On[pbx.MachineDetected](id)).(pbx.MachineDetected)
			i := rec.Index(pbxtest.On[pbx.MachineDetected](id))
			j := rec.Index(pbxtest.On[pbx.Answered](id))
			if det.Status != tc.want || j < i {
				t.Errorf("detection %s (%s), Answered at %d after it at %d; want %s first", det.Status, det.Cause, j, i, tc.want)
			}
			rec.WaitFor(t, ctx, pbxtest.On[pbx.Answered](id))
			if took := time.Since(start); took < tc.minDelay {
				t.Errorf("answered after %s; the beep comes after %s", took, tc.minDelay)
			}
			if err := c.Hangup(ctx, id, pbx.CauseNormal); err != nil {
				t.Fatal(err)
			}
			rec.WaitFor(t, ctx, pbxtest.On[pbx.HungUp](id))
		})
	}

	t.Run("hangup during detection", func(t *testing.T) {
		id := pbx.ChannelID(fmt.Sprintf("amd-gone-%d", os.Getpid()))
		if err := c.Originate(ctx, pbx.OriginateRequest{ChannelID: id, Endpoint: "Local/hangup@hotline-leads/n", Machine: pbx.MachineDetect}); err != nil {
			t.Fatal(err)
		}
		rec.WaitFor(t, ctx, pbxtest.On[pbx.HungUp](id))
		det, ok := rec.Filter(pbxtest.On[pbx.MachineDetected](id))[0].(pbx.MachineDetected)
		if !ok || det.Status != pbx.AMDHangup || len(rec.Filter(pbxtest.On[pbx.Answered](id))) != 0 {
			t.Errorf("events: %v; want MachineDetected HANGUP, no Answered", rec.Filter(func(ev pbx.Event) bool { return ev.Chan() == id }))
		}
	})
}
