package engine

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/config"
)

// InUse lists what cfg would remove that is in use now, one line each: a
// queue with callers waiting or being offered (one talking keeps its call) or
// callback requests, an agent ringing or on a call, a menu or flow a
// caller is in (or the node of a kept flow a caller is at), a running
// campaign with leads in flight. Reconfigure would let them finish (queues
// drain, agents log out after their call); a reload not forced is refused
// when the list is not empty.
func (c *Core) InUse(cfg config.Config) []string {
	var out []string
	listed := func(name string) bool {
		return slices.ContainsFunc(cfg.Campaigns, func(k config.Campaign) bool { return k.Name == name })
	}
	// A started campaign the config drops is kept until the next start
	// (keepStartedCampaigns), and its own queue with it.
	full := cfg
	full.Campaigns = slices.Clone(cfg.Campaigns)
	for _, k := range c.opts.Config.Campaigns {
		if c.camps[k.Name] != nil && !listed(k.Name) {
			full.Campaigns = append(full.Campaigns, k)
		}
	}
	queues := map[string]bool{}
	for _, q := range withCampaignQueues(full).Queues {
		queues[q.Name] = true
	}
	for _, q := range c.queues {
		if q.removed || queues[q.name] {
			continue
		}
		n := 0
		for _, cl := range c.calls {
			if cl.queue == q && cl.phase != acd.CallEnded && !cl.phase.Connected() {
				n++
			}
		}
		if cb := c.pendingCallbacks(q); n+cb > 0 {
			out = append(out, fmt.Sprintf("queue %q: %s", q.name, count(n, "caller")+" waiting"+plusCount(cb, "callback request")))
		}
	}
	agents := map[string]bool{}
	for _, a := range cfg.Agents {
		agents[a.ID] = true
	}
	for _, a := range c.agents {
		if a.removed || agents[a.id] {
			continue
		}
		switch a.state {
		case acd.Ringing:
			out = append(out, fmt.Sprintf("agent %q: being rung for a call", a.id))
		case acd.OnCall:
			out = append(out, fmt.Sprintf("agent %q: on a call", a.id))
		}
	}
	inFlow, inNode, inMenu := map[string]int{}, map[string]int{}, map[string]int{}
	for _, cl := range c.calls {
		if cl.phase != acd.CallMenu {
			continue
		}
		if name, _, ok := strings.Cut(cl.flow.Node, "/"); ok {
			inFlow[name]++
			inNode[cl.flow.Node]++
		} else if cl.flow.Node != "" {
			inMenu[cl.flow.Node]++ // a DTMF menu's node is its name
		}
	}
	for _, name := range slices.Sorted(maps.Keys(inMenu)) {
		if !slices.ContainsFunc(cfg.Menus, func(m config.Menu) bool { return m.Name == name }) {
			out = append(out, fmt.Sprintf("menu %q: %s in it", name, count(inMenu[name], "caller")))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(inFlow)) {
		if _, ok := cfg.Flows[name]; !ok {
			out = append(out, fmt.Sprintf("flow %q: %s in it", name, count(inFlow[name], "caller")))
		}
	}
	// A flow the config keeps may still lose, or rename, the node a caller
	// is at: that caller would be sent back to where its entry leads.
	for _, at := range slices.Sorted(maps.Keys(inNode)) {
		name, node, _ := strings.Cut(at, "/")
		f, ok := cfg.Flows[name]
		if !ok || node == "" {
			continue // the whole flow is listed above
		}
		if n, ok := f.Nodes[node]; !ok || n.Node == nil {
			out = append(out, fmt.Sprintf("flow %q: node %q is gone, %s in it", name, node, count(inNode[at], "caller")))
		}
	}
	for _, name := range c.campOrder() {
		r := c.camps[name]
		if listed(name) || c.campsRemoved[name] { // removed by a reload before: taken already
			continue
		}
		if n := len(r.dials) + len(r.pending) + len(r.byCall); r.state == CampaignRunning && n > 0 {
			out = append(out, fmt.Sprintf("campaign %q: running, %s", name, count(n, "lead")+" dialing or on a call"))
		}
	}
	return out
}

// count says n things, "1 caller", "2 callers".
func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// plusCount adds ", n things" when there are any.
func plusCount(n int, what string) string {
	if n == 0 {
		return ""
	}
	return ", " + count(n, what)
}
