package engine

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// deafTrunk passes a run's commands to its simulated switch, except that a
// transfer target (an originate for no queue) is rung as if the switch
// ignored its timeout: it rings for an hour and nothing is reported.
type deafTrunk struct{ r *SimRun }

func (o deafTrunk) Do(cmd Command) {
	if cmd.Op == OpOriginate && cmd.Originate.Vars[pbx.VarQueue] == "" {
		cmd.Originate.Timeout = time.Hour
	}
	simOutputs(o).Do(cmd)
}

func (o deafTrunk) At(at time.Time, t Timer) { simOutputs(o).At(at, t) }

// phaseAt checks the call's phase at d.
func (x *xferRun) phaseAt(d time.Duration, want acd.CallPhase, when string) {
	x.check(d, func() {
		if p := x.phase(); p != want {
			x.t.Errorf("%s: phase %s, want %s", when, p, want)
		}
	})
}

// TestTransferTargetGuard: a transfer target that never answers, on a
// switch that never times its ring out, is given up by the engine a grace
// after its ring time: a blind transfer sends the caller back to its queue
// (alice takes it again), a consult goes back to the held caller; both in
// the timeline.
func TestTransferTargetGuard(t *testing.T) {
	deaf := map[string]farend.Phone{"sim/carol": {Mode: farend.PhoneNoAnswer}, "sim/ext-5550001": {Mode: farend.PhoneNoAnswer}}
	t.Run("blind to an agent", func(t *testing.T) {
		x := newXferRun(t, "100", nil, 60*time.Second, deaf)
		x.r.Core.out = deafTrunk{x.r}
		x.at(10*time.Second, "transfer", nil, transfer("alice", TransferTo{Agent: "carol"}, false))
		x.phaseAt(22*time.Second, acd.CallTransferring, "before the guard (ring_timeout 10s + grace)")
		x.check(24*time.Second, func() {
			if st := x.agentState("carol"); st == acd.Ringing || st == acd.OnCall {
				t.Errorf("carol is %s after the guard", st)
			}
		})
		rec := x.record(2 * time.Minute)
		if !hasStep(rec, "transfer-timeout", "agent carol") || !hasStep(rec, "transfer-failed", "no-answer") {
			t.Errorf("timeline %s; want transfer-timeout then transfer-failed no-answer", timelineKinds(rec))
		}
		if rec.Queue != "support" || rec.Agent != "alice" || len(rec.Legs) != 2 {
			t.Errorf("queue %s agent %s legs %s; want the caller back in support with alice", rec.Queue, rec.Agent, legsText(rec))
		}
	})
	t.Run("consult of a number", func(t *testing.T) {
		x := newXferRun(t, "100", nil, 60*time.Second, deaf)
		x.r.Core.out = deafTrunk{x.r}
		x.at(10*time.Second, "consult", nil, transfer("alice", TransferTo{Number: "5550001"}, true))
		x.phaseAt(42*time.Second, acd.CallConsulting, "before the guard (transfer_ring_timeout 30s + grace)")
		x.phaseAt(44*time.Second, acd.CallHeld, "after the guard, back with alice")
		x.at(45*time.Second, "alice takes the caller back", nil, unhold("alice"))
		rec := x.record(2 * time.Minute)
		if !hasStep(rec, "transfer-timeout", "number 5550001") || !hasStep(rec, "transfer-failed", "no-answer") || rec.Agent != "alice" || rec.Transfers != 0 {
			t.Errorf("timeline %s agent %s transfers %d; want the consult given up, alice still on the call", timelineKinds(rec), rec.Agent, rec.Transfers)
		}
	})
}
