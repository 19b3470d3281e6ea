package sim_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/acd/sim"
)

var (
	epoch = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	bg    = context.Background()
)

// det is a switch in deterministic mode whose events a test keeps.
type det struct {
	t     testing.TB
	clock *sim.Clock
	sw    *sim.Switch
	evs   []pbx.Event
	// react, if set, sees each event as Emit delivers it, like an engine.
	react func(pbx.Event)
}

func newDet(t testing.TB, opts sim.Options) *det {
	t.Helper()
	d := &det{t: t, clock: sim.NewClock(epoch)}
	opts.Clock = d.clock
	opts.Emit = func(ev pbx.Event) {
		d.evs = append(d.evs, ev)
		if d.react != nil {
			d.react(ev)
		}
	}
	sw, err := sim.New(opts)
	if err != nil {
		t.Fatalf("new: %v", err)
	}
	d.sw = sw
	t.Cleanup(func() { _ = sw.Close() })
	return d
}

// run steps the clock to epoch+until.
func (d *det) run(until time.Duration) { d.clock.RunUntil(epoch.Add(until)) }

// at runs fn at epoch+at, failing the test if it returns an error.
func (d *det) at(at time.Duration, what string, fn func() error) {
	d.clock.Schedule(epoch.Add(at), func() {
		if err := fn(); err != nil {
			d.t.Errorf("%s at %v: %v", what, at, err)
		}
	})
}

func (d *det) phone(endpoint string, p farend.Phone) {
	d.t.Helper()
	if err := d.sw.SetPhone(endpoint, p); err != nil {
		d.t.Fatal(err)
	}
}

func (d *det) call(c farend.CallScript) pbx.ChannelID {
	d.t.Helper()
	id, err := d.sw.PlaceCall(c)
	if err != nil {
		d.t.Fatal(err)
	}
	return id
}

// trace renders the events with their virtual time since epoch.
func (d *det) trace() []string {
	return traceOf(d.evs)
}

func traceOf(evs []pbx.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = fmt.Sprintf("%v %s", ev.Time().Sub(epoch), pbxtest.Format(ev))
	}
	return out
}
