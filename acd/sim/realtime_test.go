package sim_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/acd/sim"
)

// TestRealtimeNeverDrops lets thousands of events pile up with nobody
// reading, then reads them all in order.
func TestRealtimeNeverDrops(t *testing.T) {
	sw := startRealtime(t, sim.Options{Speed: 1000})
	const calls = 3000
	for range calls {
		if _, err := sw.PlaceCall(farend.CallScript{From: "1", To: "2"}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.After(60 * time.Second) // 3000 calls under the race detector on a loaded machine
	var got []pbx.ChannelID
	for len(got) < calls {
		select {
		case ev := <-sw.Events():
			if a, ok := ev.(pbx.CallArrived); ok {
				got = append(got, a.Channel)
			}
		case <-deadline:
			t.Fatalf("only %d of %d CallArrived events", len(got), calls)
		}
	}
	for i, id := range got {
		if want := pbx.ChannelID("sim-in-" + strconv.Itoa(i+1)); id != want {
			t.Fatalf("event %d is for %s, want %s", i, id, want)
		}
	}
}

func TestRealtimeConcurrentCommands(t *testing.T) {
	sw := startRealtime(t, sim.Options{Speed: 100})
	rec := pbxtest.NewRecorder(sw.Events(), 30*time.Second)
	const workers, each = 8, 25
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			for i := range each {
				id := pbx.ChannelID("w" + strconv.Itoa(w) + "-" + strconv.Itoa(i))
				if err := sw.Originate(bg, pbx.OriginateRequest{ChannelID: id, Endpoint: "sim/x"}); err != nil {
					errs <- err
					return
				}
				if err := sw.Hangup(bg, id, pbx.CauseNormal); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	rec.WaitFor(t, bg, func(pbx.Event) bool { return len(rec.Filter(isHungUp)) == workers*each })
	if st := sw.Stats(); st.Originates != workers*each {
		t.Errorf("originates = %d, want %d", st.Originates, workers*each)
	}
}

func isHungUp(ev pbx.Event) bool { _, ok := ev.(pbx.HungUp); return ok }

func TestCloseStopsEverything(t *testing.T) {
	sw, err := sim.New(sim.Options{Speed: 10})
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.Start(bg); err != nil {
		t.Fatal(err)
	}
	if err := sw.StartTraffic(sim.Traffic{Entries: []string{"1"}, RatePerMinute: 600}); err != nil {
		t.Fatal(err)
	}
	if err := sw.Close(); err != nil {
		t.Fatal(err)
	}
	for range sw.Events() { // must end: Close closed it
	}
	if err := sw.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := sw.Answer(bg, "sim-in-1"); !errors.Is(err, pbx.ErrClosed) {
		t.Errorf("Answer after Close: %v, want pbx.ErrClosed", err)
	}
	if _, err := sw.PlaceCall(farend.CallScript{}); !errors.Is(err, pbx.ErrClosed) {
		t.Errorf("PlaceCall after Close: %v, want pbx.ErrClosed", err)
	}
}

func TestCloseWithoutStart(t *testing.T) {
	sw, err := sim.New(sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.Close(); err != nil {
		t.Fatal(err)
	}
	if _, open := <-sw.Events(); open {
		t.Error("Events still open after Close")
	}
}

func TestCancelledContext(t *testing.T) {
	sw := startRealtime(t, sim.Options{})
	ctx, cancel := context.WithCancel(bg)
	cancel()
	if err := sw.Originate(ctx, pbx.OriginateRequest{ChannelID: "a", Endpoint: "sim/a"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Originate with a cancelled context: %v", err)
	}
}

func TestBadOptions(t *testing.T) {
	clock := sim.NewClock(epoch)
	emit := func(pbx.Event) {}
	for name, o := range map[string]sim.Options{
		"clock without emit": {Clock: clock},
		"emit without clock": {Emit: emit},
		"negative speed":     {Speed: -1},
		"negative latency":   {Latency: -time.Second},
		"rates above one":    {Phones: config.SimAgentPhone{BusyRate: 0.6, NoAnswerRate: 0.6}},
		"negative talk time": {Phones: config.SimAgentPhone{TalkTime: -time.Second}},
	} {
		if _, err := sim.New(o); !errors.Is(err, sim.ErrBadOptions) {
			t.Errorf("%s: %v, want ErrBadOptions", name, err)
		}
	}
	d := newDet(t, sim.Options{})
	for name, tr := range map[string]sim.Traffic{
		"no entries":   {RatePerMinute: 1},
		"zero rate":    {Entries: []string{"1"}},
		"bad chance":   {Entries: []string{"1"}, RatePerMinute: 1, DTMFChance: 2},
		"bad key":      {Entries: []string{"1"}, RatePerMinute: 1, Keys: []string{"x"}},
		"empty key":    {Entries: []string{"1"}, RatePerMinute: 1, Keys: []string{""}},
		"neg patience": {Entries: []string{"1"}, RatePerMinute: 1, Patience: -1},
	} {
		if err := d.sw.StartTraffic(tr); !errors.Is(err, sim.ErrBadTraffic) {
			t.Errorf("%s: %v, want ErrBadTraffic", name, err)
		}
	}
	if err := d.sw.SetPhone("PJSIP/1", farend.Phone{}); !errors.Is(err, pbx.ErrBadRequest) {
		t.Errorf("SetPhone outside sim/: %v", err)
	}
}
