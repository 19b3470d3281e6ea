package engine

import (
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/store"
)

// OptOut tells the engine of numbers just put on a do-not-call list (List
// is store.GlobalDNC or a campaign's name) while it runs. A hopper takes
// each lead's verdict as it reads it, and a read hopper may wait long for
// a free agent: without this, a lead read before its number was listed
// would still be dialed. Leads of those numbers in a hopper, in a read
// under way, held for an agent after a restart or shown to one in preview
// mode become do-not-call at their turn instead.
type OptOut struct {
	returns[int]
	List   string
	Phones []string // E.164, as the list keeps them
}

func (r OptOut) apply(c *Core, now time.Time) (any, error) {
	return c.OptOut(now, r.List, r.Phones), nil
}

// OptOut marks the leads of phones that the campaigns reading list hold as
// do-not-call, and reports how many it found.
func (c *Core) OptOut(now time.Time, list string, phones []string) int {
	listed := make(map[string]bool, len(phones))
	for _, p := range phones {
		listed[p] = true
	}
	n := 0
	for name, r := range c.camps {
		if list != store.GlobalDNC && list != name {
			continue
		}
		for i := range r.hopper {
			if ll := &r.hopper[i]; listed[ll.Lead.Phone] && !ll.Blocked {
				ll.Blocked = true
				n++
			}
		}
		for ag, ll := range r.reserved {
			if listed[ll.Lead.Phone] && !ll.Blocked {
				ll.Blocked = true
				r.reserved[ag] = ll
				n++
			}
		}
		for _, kept := range r.kept {
			for i := range kept {
				if ll := &kept[i]; listed[ll.Lead.Phone] && !ll.Blocked {
					ll.Blocked = true
					n++
				}
			}
		}
		for _, p := range r.previews {
			if listed[p.lead.Phone] && !p.blocked {
				p.blocked = true
				n++
			}
		}
		if r.loading {
			// The read under way may have taken the verdict before.
			r.optedOut = append(r.optedOut, phones...)
		}
	}
	if n > 0 {
		c.trace(now, "do-not-call %s: %d leads read before their numbers were listed will not be dialed", list, n)
	}
	return n
}

// applyOptOuts marks the leads of a hopper read that came in after numbers
// were listed while it ran.
func (r *campaignRun) applyOptOuts(leads []LoadedLead) {
	if len(r.optedOut) == 0 {
		return
	}
	listed := make(map[string]bool, len(r.optedOut))
	for _, p := range r.optedOut {
		listed[p] = true
	}
	r.optedOut = nil
	for i := range leads {
		if listed[leads[i].Lead.Phone] {
			leads[i].Blocked = true
		}
	}
}

// blockShown makes a shown lead whose number was listed meanwhile
// do-not-call instead of dialing it, and frees its agent.
func (c *Core) blockShown(now time.Time, p *preview) {
	r, l := p.run, campaign.Release(p.lead)
	delete(r.known, l.ID)
	r.stats.SkippedDNC++
	if nl, err := campaign.MarkDNC(l); err == nil {
		c.trace(now, "campaign %s: lead %s shown to %s was put on a do-not-call list; not dialed", r.cfg.Name, l.ID, p.agent.id)
		c.saveLead(now, r, &nl)
	} else {
		c.warn(now, "illegal-transition", "campaign %s: %v", r.cfg.Name, err)
	}
	c.freeHeld(now, p.agent)
}
