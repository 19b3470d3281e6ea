package engine

import (
	"slices"

	"github.com/hotline-cc/hotline/acd/config"
)

// A campaign's own agents: an agent campaign that lists agents (or a team,
// whose agents and queue members count as listed) gets a queue
// of its own, named CampaignQueue(campaign), whose members are those agents
// (besides any queues it lists). An agent in no inbound queue takes the
// campaign's calls through it; an agent also in inbound queues is free,
// paused and wrapped up the same way for both, and takes a waiting inbound
// caller first while the campaign keeps inbound_first, a waiting lead of the
// campaign first otherwise, across all of the agent's queues (leadDial.class).
// The queue is made from
// the config each time the engine takes one (start, reload), so it shows in
// the status like any queue but never in the config file.

// CampaignQueue is the name of the queue of a campaign's own agents. A
// configured queue cannot be named so (names take no ':').
func CampaignQueue(campaign string) string { return "campaign:" + campaign }

// withCampaignQueues returns cfg with the queues of the campaigns' own
// agents added, and those agents made their members; cfg itself is not
// changed. It is idempotent: a config that has them already is returned as
// it is.
func withCampaignQueues(cfg config.Config) config.Config {
	var add []config.Queue
	joins := map[string][]string{} // agent → campaign queues to join
	for _, k := range cfg.Campaigns {
		agents := cfg.CampaignAgents(k)
		if k.Kind != config.CampaignAgent || len(agents) == 0 {
			continue
		}
		name := CampaignQueue(k.Name)
		if slices.ContainsFunc(cfg.Queues, func(q config.Queue) bool { return q.Name == name }) {
			continue
		}
		q := config.DefaultQueue()
		q.Name = name
		q.WrapUp = k.WrapUp
		add = append(add, q)
		for _, a := range agents {
			joins[a] = append(joins[a], name)
		}
	}
	if len(add) == 0 {
		return cfg
	}
	cfg.Queues = append(slices.Clip(cfg.Queues), add...)
	cfg.Agents = slices.Clone(cfg.Agents)
	for i, a := range cfg.Agents {
		for _, q := range joins[a.ID] {
			if !slices.ContainsFunc(a.Queues, func(m config.Membership) bool { return m.Queue == q }) {
				cfg.Agents[i].Queues = append(slices.Clip(cfg.Agents[i].Queues), config.Membership{Queue: q})
			}
		}
	}
	return cfg
}
