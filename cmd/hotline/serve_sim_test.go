package main

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/configs"
)

// Under serve on the simulated switch, the agents who work a campaign get
// the demo's headsets: rung for a lead, ana (sales, the follow-up
// campaign's queue) picks up within connect_within, where the demo
// config's agent phones ring 4 s and every lead would be abandoned.
func TestServeSimCampaignAgentsPickUpInTime(t *testing.T) {
	cfg, err := config.Parse(configs.Demo, "demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg.PBX.Sim.Callers.RatePerMinute = 0 // only the calls this test places
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	clock := sim.NewClock(start)
	sw, err := sim.New(sim.Options{Seed: cfg.PBX.Sim.Seed, Phones: cfg.PBX.Sim.Agents, Clock: clock, Emit: func(pbx.Event) {}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sw.Close() })
	if err := startSimTraffic(sw, cfg); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(cfg.Campaigns, func(k config.Campaign) bool { return k.Name == "follow-up" })
	if i < 0 {
		t.Fatal("the demo config has no follow-up campaign")
	}
	k := cfg.Campaigns[i]
	const n = 20
	for i := range n {
		id := pbx.ChannelID(fmt.Sprintf("ana-%d", i))
		if err := sw.Originate(context.Background(), pbx.OriginateRequest{ChannelID: id, Endpoint: "sim/ana", Timeout: 20 * time.Second}); err != nil {
			t.Fatal(err)
		}
	}
	clock.RunUntil(start.Add(k.ConnectWithin))
	if got := sw.Stats().OriginatesAnswered; got < n-1 {
		t.Errorf("ana answered %d of %d rings within connect_within %s; want nearly all", got, n, k.ConnectWithin)
	}
}

// TestServeSimReloadGivesHeadsets: an agent a config reload adds to a
// campaign gets the quick headset too. Without it the agent's phone rings
// for pbx.sim.agents.answer_delay (4 s in the demo), past connect_within,
// and every lead it took would be abandoned.
func TestServeSimReloadGivesHeadsets(t *testing.T) {
	full, err := config.Parse(configs.Demo, "demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	full.PBX.Sim.Callers.RatePerMinute = 0
	i := slices.IndexFunc(full.Campaigns, func(k config.Campaign) bool { return k.Name == "follow-up" })
	if i < 0 {
		t.Fatal("the demo config has no follow-up campaign")
	}
	within := full.Campaigns[i].ConnectWithin
	before := full
	before.Campaigns = nil // the campaigns come with the reload
	for _, reload := range []bool{false, true} {
		start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
		clock := sim.NewClock(start)
		sw, err := sim.New(sim.Options{Seed: full.PBX.Sim.Seed, Phones: full.PBX.Sim.Agents, Clock: clock, Emit: func(pbx.Event) {}})
		if err != nil {
			t.Fatal(err)
		}
		if err := startSimTraffic(sw, before); err != nil {
			t.Fatal(err)
		}
		if reload {
			reloadHeadsets(sw, zerolog.Nop())(full)
		}
		const n = 20
		for i := range n {
			id := pbx.ChannelID(fmt.Sprintf("ana-%d", i))
			if err := sw.Originate(context.Background(), pbx.OriginateRequest{ChannelID: id, Endpoint: "sim/ana", Timeout: 20 * time.Second}); err != nil {
				t.Fatal(err)
			}
		}
		clock.RunUntil(start.Add(within))
		got := sw.Stats().OriginatesAnswered
		_ = sw.Close()
		switch {
		case reload && got < n-1:
			t.Errorf("after the reload ana answered %d of %d rings within connect_within %s; want nearly all", got, n, within)
		case !reload && got > n/2:
			t.Errorf("with no campaign, ana's phone answered %d of %d rings within %s: the test cannot tell the headsets apart", got, n, within)
		}
	}
}
