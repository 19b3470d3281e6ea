package sim_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
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
		PlaceCall: func(_ context.Context, c farend.CallScript) error {
			_, err := sw.PlaceCall(c)
			return err
		},
		Endpoint: func(p farend.Phone) string {
			ep := fmt.Sprintf("sim/phone-%d", phones.Add(1))
			if err := sw.SetPhone(ep, p); err != nil {
				t.Fatalf("set phone: %v", err)
			}
			return ep
		},
		Patience: 10 * time.Second, // a failing wait's limit: long enough for a loaded machine
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

// brokenSwitch breaks the contract on purpose in three ways: it loses the
// HungUp of failed originates, GetVar always succeeds, and Answer of an
// unknown channel succeeds.
type brokenSwitch struct {
	*sim.Switch
	events chan pbx.Event
}

func (b *brokenSwitch) Events() <-chan pbx.Event { return b.events }

func (b *brokenSwitch) GetVar(context.Context, pbx.ChannelID, string) (string, error) {
	return "", nil
}

func (b *brokenSwitch) Answer(ctx context.Context, ch pbx.ChannelID) error {
	if err := b.Switch.Answer(ctx, ch); !errors.Is(err, pbx.ErrNoChannel) {
		return err
	}
	return nil
}

const brokenEnv = "HOTLINE_SIM_BROKEN_CONTRACT"

// TestContractCatchesBrokenSwitch runs the suite against brokenSwitch in a
// child process and checks that exactly the cases it breaks fail.
func TestContractCatchesBrokenSwitch(t *testing.T) {
	if os.Getenv(brokenEnv) != "" {
		pbxtest.RunSwitchContract(t, func(t *testing.T) *pbxtest.Harness {
			h := newHarness(t)
			h.Patience = 300 * time.Millisecond
			b := &brokenSwitch{Switch: h.Switch.(*sim.Switch), events: make(chan pbx.Event)}
			go func() {
				defer close(b.events)
				failed := map[pbx.ChannelID]bool{}
				for ev := range b.Switch.Events() {
					if f, ok := ev.(pbx.OriginateFailed); ok {
						failed[f.Channel] = true
					}
					if _, ok := ev.(pbx.HungUp); ok && failed[ev.Chan()] {
						continue
					}
					b.events <- ev
				}
			}()
			h.Switch = b
			return h
		})
		return
	}
	if testing.Short() {
		t.Skip("runs the test binary again")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestContractCatchesBrokenSwitch$", "-test.v")
	cmd.Env = append(os.Environ(), brokenEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the contract passed a broken switch:\n%s", out)
	}
	var failed []string
	for _, l := range strings.Split(string(out), "\n") {
		if name, ok := strings.CutPrefix(strings.TrimSpace(l), "--- FAIL: TestContractCatchesBrokenSwitch/"); ok {
			failed = append(failed, strings.Fields(name)[0])
		}
	}
	want := []string{pbxtest.CaseOriginateBusy, pbxtest.CaseLeadBusy, pbxtest.CaseOriginateNoAnswer, pbxtest.CaseOriginateUnreachable,
		pbxtest.CaseVars, pbxtest.CaseGetVarUnset, pbxtest.CaseUnknownChannel}
	if !slices.Equal(failed, want) {
		t.Errorf("failed cases %v, want %v; output:\n%s", failed, want, out)
	}
}
