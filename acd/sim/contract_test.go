package sim_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/acd/sim"
)

// contractSpeed runs virtual time fast enough that the whole suite takes
// well under a second of ringing and prompts.
const contractSpeed = 20

func newHarness(t *testing.T) *pbxtest.Harness {
	t.Helper()
	sw := startRealtime(t, sim.Options{Seed: 1, Speed: contractSpeed})
	var phones atomic.Int64
	return &pbxtest.Harness{
		Switch: sw,
		PlaceCall: func(_ context.Context, c pbxtest.CallScript) error {
			_, err := sw.PlaceCall(c)
			return err
		},
		Endpoint: func(p pbxtest.Phone) string {
			ep := fmt.Sprintf("sim/phone-%d", phones.Add(1))
			if err := sw.SetPhone(ep, p); err != nil {
				t.Fatalf("set phone: %v", err)
			}
			return ep
		},
		Patience: 2 * time.Second,
	}
}

func startRealtime(t *testing.T, opts sim.Options) *sim.Switch {
	t.Helper()
	sw, err := sim.New(opts)
	if err != nil {
		t.Fatalf("new: %v", err)
	}
	if err := sw.Start(context.Background()); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { _ = sw.Close() })
	return sw
}

func TestSwitchContract(t *testing.T) {
	pbxtest.RunSwitchContract(t, newHarness)
}
