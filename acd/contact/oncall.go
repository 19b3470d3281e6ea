package contact

import (
	"slices"
	"strings"
)

// OnCall is what a call knows of its caller's contact: matched by number
// when the call arrives, before it is routed. The engine keeps it on the
// call; flows read Known and Tags, routing PreferredAgent and LastAgent.
type OnCall struct {
	ID             ID       `json:"id"`
	Known          bool     `json:"known"`          // on record before this call (not created by it)
	Tags           []string `json:"tags,omitempty"` // as on the contact: lower case, sorted
	PreferredAgent string   `json:"preferred_agent,omitempty"`
	LastAgent      string   `json:"last_agent,omitempty"` // who took the caller's last answered call
}

// OnCall is c as a call carries it; known says c was on record before.
func (c Contact) OnCall(known bool, lastAgent string) OnCall {
	return OnCall{ID: c.ID, Known: known, Tags: slices.Clone(c.Tags), PreferredAgent: c.PreferredAgent, LastAgent: lastAgent}
}

// HasTag reports whether the caller carries tag (case-insensitive).
func (o OnCall) HasTag(tag string) bool {
	_, ok := slices.BinarySearch(o.Tags, strings.ToLower(tag))
	return ok
}
