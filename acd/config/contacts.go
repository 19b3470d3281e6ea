package config

import (
	"strings"
	"time"
)

// Whom a known caller waits for first (ContactRouting.Agent).
const (
	ContactAgentNone            = "none"              // the queue's strategy, as for anyone
	ContactAgentPreferred       = "preferred"         // the contact's preferred agent
	ContactAgentLast            = "last"              // the agent who took the caller's last answered call
	ContactAgentPreferredOrLast = "preferred-or-last" // the preferred agent, else the last one
)

// ContactAgents lists the ContactRouting.Agent values.
var ContactAgents = []string{ContactAgentNone, ContactAgentPreferred, ContactAgentLast, ContactAgentPreferredOrLast}

// ContactRouting is how a queue routes a caller whose contact is on record
// (matched by number when the call arrives; needs a key, see Privacy).
type ContactRouting struct {
	// Agent: whom the caller waits for first; the call is kept for that
	// agent for Wait (if logged in, not paused and able to take the queue's
	// calls), then any agent may take it.
	Agent string        `yaml:"agent"`
	Wait  time.Duration `yaml:"wait"`
	// TagPriority gives callers carrying a tag a priority in this queue:
	// the highest of their tags'; it never lowers a priority the entry or
	// flow set.
	TagPriority map[string]int `yaml:"tag_priority"`
}

func (v *validator) contactRouting(path string, r ContactRouting) {
	v.oneOf(joinPath(path, "agent"), "contact agent", r.Agent, ContactAgents)
	if r.Agent != ContactAgentNone && r.Wait <= 0 {
		v.add(joinPath(path, "wait"), "%v: want a positive wait such as 20s for the %s agent", r.Wait, r.Agent)
	}
	for tag := range r.TagPriority {
		if strings.TrimSpace(tag) == "" || tag != strings.ToLower(tag) {
			v.add(joinPath(path, "tag_priority"), "tag %q: write tags in lower case, as contacts carry them", tag)
		}
	}
}
