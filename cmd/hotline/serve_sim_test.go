package main

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

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
