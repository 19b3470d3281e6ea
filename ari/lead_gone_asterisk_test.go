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

// TestAsteriskLeadEndsAtOnce: a lead originated into the lead context (it
// has a safe-harbour message) that is busy or congested at once, over
// before Hotline follows its channel (here, Hotline's subscription is
// held back a moment, as on a loaded host), still ends with its own
// reason and cause, not as unreachable; the note the lead context's
// hangup handler leaves is cleared, as is that of a lead Hotline did
// follow (busy after ringing). A Local lead whose dialplan runs Busy() at
// once (its channel ends with cause 0) is busy too, followed in time or
// not. With -record the one followed without delay is written to
// testdata/ari/lead-BusyImmediate.jsonl for TestTrackerGolden.
//
// The Busy()-at-once cases race inside Asterisk: Busy() signals busy to
// the near half before it sets its own cause, and the near half's hangup
// handler can read the far half's cause in between (0: the leg is then
// unreachable). Each is tried up to three times; it fails when every try
// does.
func TestAsteriskLeadEndsAtOnce(t *testing.T) {
	env := needAsterisk(t)
	c := startClient(t, env, Options{})
	rec := pbxtest.NewRecorder(c.Events(), 20*time.Second)
	ctx := context.Background()
	rec.WaitFor(t, ctx, synced(1, false))

	for _, tc := range []struct {
		exten  string
		reason pbx.FailReason
		cause  pbx.Cause
		follow bool // subscribe at once, not held back
		ring   time.Duration
	}{
		// Ends at once, but a loaded host can take a second to start the
		// far half's dialplan: a longer ring timeout keeps a no-answer out.
		{"busyimmediate", pbx.FailBusy, pbx.CauseBusy, true, 10 * time.Second},
		{"busyimmediate", pbx.FailBusy, pbx.CauseBusy, false, 10 * time.Second},
		{"busynow", pbx.FailBusy, pbx.CauseBusy, false, 10 * time.Second},
		{"congestednow", pbx.FailUnreachable, pbx.CauseCongestion, false, 10 * time.Second},
		{"noanswer", pbx.FailNoAnswer, pbx.CauseNoAnswer, false, time.Second},
	} {
		name := tc.exten
		if tc.follow {
			name += "-followed"
		}
		t.Run(name, func(t *testing.T) {
			c.beforeFollow = func() { time.Sleep(300 * time.Millisecond) }
			if tc.follow {
				c.beforeFollow = nil
				if *record {
					recordTo(t, c, "lead-BusyImmediate")
				}
			}
			tries := 1
			if tc.exten == "busyimmediate" {
				tries = 3
			}
			for try := 1; ; try++ {
				id := pbx.ChannelID(fmt.Sprintf("lead-%s-%d-%d", name, os.Getpid(), try))
				err := c.Originate(ctx, pbx.OriginateRequest{ChannelID: id, Endpoint: "Local/" + tc.exten + "@hotline-leads/n",
					Unattended: []string{"sound:beep"}, Timeout: tc.ring})
				if err != nil {
					t.Fatal(err)
				}
				rec.WaitFor(t, ctx, pbxtest.On[pbx.HungUp](id))
				failed := rec.Filter(pbxtest.On[pbx.OriginateFailed](id))
				if len(failed) != 1 {
					t.Fatalf("events %v; want one OriginateFailed", rec.Filter(func(ev pbx.Event) bool { return ev.Chan() == id }))
				}
				waitFor(t, "the lead's note cleared", func() bool {
					v, err := c.globalVar(ctx, GoneLeadPrefix+string(id))
					return err == nil && v == ""
				})
				f := failed[0].(pbx.OriginateFailed)
				if f.Reason == tc.reason && f.Cause == tc.cause {
					break
				}
				msg := fmt.Sprintf("try %d: OriginateFailed %s (cause %d); want %s (cause %d)", try, f.Reason, f.Cause, tc.reason, tc.cause)
				if try == tries {
					t.Fatal(msg)
				}
				t.Log(msg)
			}
		})
	}
}
