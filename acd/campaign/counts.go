package campaign

import "time"

// LeadCounts are a campaign's leads counted: what its page shows.
type LeadCounts struct {
	Total    int
	States   map[LeadState]int // states with no lead are left out
	Due      int               // dialable with their next attempt come: may be dialed now
	Answered int               // with survey answers
	Skips    map[string]int    // preview skips by reason (see Lead.Skips); reasons never given are left out
}

// Count adds l, as it stands at now, to c.
func (c *LeadCounts) Count(l Lead, now time.Time) {
	if c.States == nil {
		c.States = map[LeadState]int{}
	}
	c.Total++
	c.States[l.State]++
	if l.Due(now) {
		c.Due++
	}
	if len(l.Answers) > 0 {
		c.Answered++
	}
	for why, n := range l.Skips {
		if c.Skips == nil {
			c.Skips = map[string]int{}
		}
		c.Skips[why] += n
	}
}

// Due reports whether l may be dialed at now: dialable, its next attempt
// come.
func (l Lead) Due(now time.Time) bool { return l.State.Dialable() && !l.NextAttempt.After(now) }
