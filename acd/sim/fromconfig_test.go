package sim_test

import (
	"slices"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/sim"
)

func TestTrafficFromConfig(t *testing.T) {
	cfg := &config.Config{
		PBX: config.PBX{Sim: config.Sim{
			Seed:    9,
			Callers: config.SimCallers{RatePerMinute: 4, Patience: time.Minute, DTMFChance: 0.5},
			Agents:  config.SimAgentPhone{TalkTime: time.Minute},
		}},
		Entries: []config.Entry{{Number: "100", Menu: "main"}, {Number: "200", Queue: "sales"}},
		Menus: []config.Menu{
			{Name: "main", Options: map[string]config.Target{"2": {Queue: "b"}, "1": {Queue: "a"}}},
			{Name: "more", Options: map[string]config.Target{"#": {Hangup: true}, "1": {Menu: "main"}}},
		},
	}
	until := epoch.Add(time.Hour)
	tr := sim.TrafficFromConfig(cfg, until)
	if !slices.Equal(tr.Entries, []string{"100", "200"}) || !slices.Equal(tr.Keys, []string{"#", "1", "2"}) {
		t.Errorf("entries %q keys %q", tr.Entries, tr.Keys)
	}
	if tr.RatePerMinute != 4 || tr.Patience != time.Minute || tr.DTMFChance != 0.5 || !tr.Until.Equal(until) {
		t.Errorf("traffic %+v", tr)
	}
	o := sim.OptionsFromConfig(cfg)
	if o.Seed != 9 || o.Phones.TalkTime != time.Minute {
		t.Errorf("options %+v", o)
	}
	d := newDet(t, o)
	if err := d.sw.StartTraffic(tr); err != nil {
		t.Fatalf("traffic from a valid config refused: %v", err)
	}
}
