package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// skillAdvisories names the queues whose callers no member can ever take:
// every set of skills the queue asks for (its own, and each of its targets')
// needs a level no agent of the queue has. Valid, since agents and skills
// change by reload, but its callers wait until max_wait or hang up.
func (c Config) skillAdvisories() []Advisory {
	var out []Advisory
	for i, q := range c.Queues {
		var members []Agent
		for _, a := range c.Agents {
			if slices.ContainsFunc(a.Queues, func(m Membership) bool { return m.Queue == q.Name }) {
				members = append(members, a)
			}
		}
		if len(members) == 0 {
			continue // no members at all is plain to see (and a campaign's queue may be so)
		}
		sets := []map[string]int{q.Skills}
		for _, t := range q.Targets {
			sets = append(sets, t.Skills)
		}
		if slices.ContainsFunc(sets, func(need map[string]int) bool { return servedBy(need, members) }) {
			continue
		}
		var lacks []string
		for _, s := range slices.Sorted(maps.Keys(q.Skills)) {
			if !servedBy(map[string]int{s: q.Skills[s]}, members) {
				lacks = append(lacks, fmt.Sprintf("%s at %d or more", s, q.Skills[s]))
			}
		}
		text := "no agent of the queue has every skill it asks for"
		if len(lacks) > 0 {
			text = "no agent of the queue has " + strings.Join(lacks, ", nor ")
		}
		if len(q.Targets) > 0 {
			text += ", nor what any of its targets asks"
		}
		out = append(out, Advisory{joinPath(indexPath("queues", i), "skills"), text + "; its callers wait until max_wait or hang up"})
	}
	return out
}

// servedBy tells whether one of agents has every skill of need at its level.
func servedBy(need map[string]int, agents []Agent) bool {
	return slices.ContainsFunc(agents, func(a Agent) bool {
		for s, lvl := range need {
			if a.Skills[s] < lvl {
				return false
			}
		}
		return true
	})
}
