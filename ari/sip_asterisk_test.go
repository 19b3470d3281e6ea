package ari

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/ari/internal/sipptest"
)

// Legs to real SIP phones (SIPp) that do not answer fail with the reason
// the phone gave. With -record each case's ARI events are written to
// testdata/ari/sip-<case>.jsonl, which TestTrackerGolden replays.
func TestAsteriskSIPOriginateFailures(t *testing.T) {
	env := needAsterisk(t)
	sip := sipptest.Need(t)
	sip.Phone(t, "sip-agent1", sipptest.Phone{Mode: "busy"})
	sip.Phone(t, "sip-agent2", sipptest.Phone{Mode: "decline"})
	sip.Phone(t, "sip-agent3", sipptest.Phone{Mode: "noanswer"})
	c := startClient(t, env, Options{})
	rec := pbxtest.NewRecorder(c.Events(), 10*time.Second)
	ctx := context.Background()
	waitFor(t, "the SIP phones online and the offline one offline", func() bool {
		for ep, want := range map[string]string{"sip-agent1": "online", "sip-agent2": "online", "sip-agent3": "online", "sip-offline": "offline"} {
			var e struct{ State string }
			if c.call(ctx, http.MethodGet, "/endpoints/PJSIP/"+ep, nil, nil, &e) != nil || e.State != want {
				return false
			}
		}
		return true
	})
	for _, tc := range []struct {
		name, endpoint string
		reason         pbx.FailReason
		cause          pbx.Cause
	}{
		{"Busy", "PJSIP/sip-agent1", pbx.FailBusy, pbx.CauseBusy},
		{"Decline", "PJSIP/sip-agent2", pbx.FailRejected, pbx.CauseRejected},
		{"NoAnswer", "PJSIP/sip-agent3", pbx.FailNoAnswer, pbx.CauseNoAnswer},
		{"Offline", "PJSIP/sip-offline", pbx.FailUnreachable, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if *record && tc.cause != 0 { // an offline phone's leg never exists: no events
				recordTo(t, c, "sip-"+tc.name)
			}
			id := pbx.ChannelID(fmt.Sprintf("sip-%s-%d", tc.name, os.Getpid()))
			if err := c.Originate(ctx, pbx.OriginateRequest{ChannelID: id, Endpoint: tc.endpoint, Timeout: 2 * time.Second}); err != nil {
				t.Fatal(err)
			}
			f := rec.WaitFor(t, ctx, pbxtest.On[pbx.OriginateFailed](id)).(pbx.OriginateFailed)
			if f.Reason != tc.reason || tc.cause != 0 && f.Cause != tc.cause {
				t.Errorf("leg to %s failed with %s (cause %d %s), want %s (cause %d)", tc.endpoint, f.Reason, f.Cause, f.Cause, tc.reason, tc.cause)
			}
			rec.WaitFor(t, ctx, pbxtest.On[pbx.HungUp](id))
		})
	}
}
