package sim

import (
	"maps"
	"slices"
	"time"

	"github.com/hotline-cc/hotline/acd/config"
)

// OptionsFromConfig is the seed and phone model of cfg.PBX.Sim; the caller
// adds the clock (or speed) and logger.
func OptionsFromConfig(cfg *config.Config) Options {
	return Options{Seed: cfg.PBX.Sim.Seed, Phones: cfg.PBX.Sim.Agents}
}

// TrafficFromConfig turns cfg.PBX.Sim.Callers into traffic that dials every
// entry number and may press any key some menu offers.
func TrafficFromConfig(cfg *config.Config, until time.Time) Traffic {
	c := cfg.PBX.Sim.Callers
	t := Traffic{RatePerMinute: c.RatePerMinute, Patience: c.Patience, DTMFChance: c.DTMFChance, Until: until}
	for _, e := range cfg.Entries {
		t.Entries = append(t.Entries, e.Number)
	}
	keys := map[string]bool{}
	for _, m := range cfg.Menus {
		for k := range m.Options {
			keys[k] = true
		}
	}
	t.Keys = slices.Sorted(maps.Keys(keys))
	return t
}
