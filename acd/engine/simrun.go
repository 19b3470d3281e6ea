package engine

import (
	"context"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/sim"
)

// SimRun drives a Core on the simulated switch in virtual time, in one
// goroutine: the same seed and config give the same calls, decisions and
// records, which is what the demo and the golden traces rely on.
type SimRun struct {
	Clock  *sim.Clock
	Switch *sim.Switch
	Core   *Core
	failed []failure
}

type failure struct {
	cmd Command
	err error
}

var _ PhonePicker = (*sim.Switch)(nil)

// SimOptions configure a SimRun. Core options' Out is set by NewSimRun.
type SimOptions struct {
	Core  Options
	Start time.Time
	Sim   sim.Options // Clock and Emit are set by NewSimRun
}

// NewSimRun wires a Core to a deterministic simulated switch.
func NewSimRun(o SimOptions) (*SimRun, error) {
	r := &SimRun{Clock: sim.NewClock(o.Start)}
	o.Core.Out = simOutputs{r}
	o.Core.PickUpPhones = true
	core, err := NewCore(o.Core, o.Start)
	if err != nil {
		return nil, err
	}
	r.Core = core
	core.logConfigLogins(o.Start, nil)
	o.Sim.Clock = r.Clock
	o.Sim.Emit = func(ev pbx.Event) {
		r.Core.Handle(r.Clock.Now(), ev)
		r.drain()
	}
	sw, err := sim.New(o.Sim)
	if err != nil {
		return nil, err
	}
	r.Switch = sw
	return r, nil
}

// Login logs agents in at the current virtual time.
func (r *SimRun) Login(ids ...string) error {
	for _, id := range ids {
		if err := r.Core.Login(r.Clock.Now(), id); err != nil {
			return err
		}
	}
	r.drain()
	return nil
}

// Do runs an admin request at the current virtual time.
func (r *SimRun) Do(fn func(c *Core, now time.Time) error) error {
	err := fn(r.Core, r.Clock.Now())
	r.drain()
	return err
}

// RunUntil advances virtual time to t, handling everything due on the way.
func (r *SimRun) RunUntil(t time.Time) { r.Clock.RunUntil(t) }

// drain reports command failures and durable writes to the Core after the
// input that caused them, never from inside it. The Core's writer commits
// synchronously unless Options.Writer gave another.
func (r *SimRun) drain() {
	if d := r.Core.w.Durable(); d > r.Core.savedSeq {
		r.Core.Saved(r.Clock.Now(), d)
	}
	for len(r.failed) > 0 {
		f := r.failed[0]
		r.failed = r.failed[1:]
		r.Core.CommandFailed(r.Clock.Now(), f.cmd, f.err)
	}
}

type simOutputs struct{ r *SimRun }

func (o simOutputs) Do(cmd Command) {
	if err := cmd.Exec(context.Background(), o.r.Switch); err != nil {
		o.r.failed = append(o.r.failed, failure{cmd, err})
	}
}

func (o simOutputs) At(at time.Time, t Timer) {
	r := o.r
	r.Clock.Schedule(at, func() {
		r.Core.Fire(r.Clock.Now(), t)
		r.drain()
	})
}
