package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/api/auth"
	"github.com/hotline-cc/hotline/store"
)

// handledWindow is how long after a call its agent may still open the
// caller's contact: a shift, for the wrap-up and the notes that follow it.
const handledWindow = 12 * time.Hour

// errNotYourContact refuses a contact the user has no call or task of. It
// names neither the id nor the number and is given whether the contact
// exists or not, so that walking ids or numbers tells nothing.
var errNotYourContact = fmt.Errorf("%w: a contact is opened from a call or callback task of yours only", errForbidden)

// contactScope is which contacts a user may open: an agent those of the
// live calls it is rung for or on, of the callback tasks on its desk (open
// ones of its queues, the ones it holds) and of the calls it took in the
// last handledWindow; a supervisor with a team those of the live calls,
// tasks and stored calls of the team's queues and agents. Admins and
// supervisors of no team open every contact (a nil scope).
type contactScope struct {
	agent string // an agent user's agent ("" for a team supervisor)
	team  *team  // a supervisor's team; nil for an agent
	snap  *engine.Snapshot
	tasks taskScope
}

// contactScopeOf is the request's user's scope; nil: every contact.
func (s *Server) contactScopeOf(r *http.Request) *contactScope {
	p := principalOf(r)
	if p == nil {
		return nil // no users: no checks
	}
	if !p.role.Allows(auth.Supervisor) {
		return &contactScope{agent: p.user.Agent, snap: s.eng.Snapshot(), tasks: s.agentTasks(p.user.Agent)}
	}
	t := s.teamFor(p)
	if t == nil {
		return nil
	}
	return &contactScope{team: t, snap: s.eng.Snapshot(), tasks: s.taskScopeOf(r)}
}

// call reports whether the scope sees the live call c.
func (sc *contactScope) call(c *engine.CallStatus) bool {
	if sc.team != nil {
		return sc.team.call(sc.snap.Members, c)
	}
	if sc.agent == "" {
		return false
	}
	if c.Agent == sc.agent {
		return true
	}
	i := slices.IndexFunc(sc.snap.Agents, func(a engine.AgentStatus) bool { return a.ID == sc.agent })
	return i >= 0 && sc.snap.Agents[i].Call != "" && sc.snap.Agents[i].Call == c.ID
}

// caller reports whether phone (E.164) is the caller of a live call the
// scope sees.
func (sc *contactScope) caller(phone, region string) bool {
	for i := range sc.snap.Calls {
		c := &sc.snap.Calls[i]
		if p, err := contact.NormalizePhone(c.Caller, region); err == nil && p == phone && sc.call(c) {
			return true
		}
	}
	return false
}

// opens reports whether the scope may open contact id; nil opens all.
func (c *contactBook) opens(sc *contactScope, id contact.ID) (bool, error) {
	if sc == nil {
		return true, nil
	}
	if sc.team == nil && sc.agent == "" {
		return false, nil // an agent user tied to no agent
	}
	for i := range sc.snap.Calls {
		call := &sc.snap.Calls[i]
		if call.Contact != nil && call.Contact.ID == id && sc.call(call) {
			return true, nil
		}
	}
	// A call whose contact was not matched in time carries none: its
	// number still says whose it is.
	if ct, err := c.book.Get(id); err == nil {
		if slices.ContainsFunc(ct.Phones, func(p string) bool { return sc.caller(p, c.region) }) {
			return true, nil
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	tasks, err := c.book.TasksOf(id)
	if err != nil {
		return false, err
	}
	for i := range tasks {
		t := &tasks[i]
		if !sc.tasks(sc.snap.Members, t) {
			continue
		}
		if sc.team != nil || t.State == contact.TaskOpen || t.State == contact.TaskClaimed && t.Agent == sc.agent {
			return true, nil
		}
	}
	return c.handled(sc, id)
}

// handled reports whether the contact has a stored call the scope sees:
// for an agent one it took (or a leg of) in the last handledWindow, for a
// team one in its queues or with its agents.
func (c *contactBook) handled(sc *contactScope, id contact.ID) (bool, error) {
	const page = 100
	now := c.now()
	for offset := 0; ; offset += page {
		h, err := c.book.History(id, offset, page)
		if err != nil {
			return false, err
		}
		for _, in := range h {
			if sc.team != nil {
				if sc.team.queue(in.Queue) || in.Agent != "" && sc.team.agent(sc.snap.Members, in.Agent) {
					return true, nil
				}
				continue
			}
			if now.Sub(in.At) > handledWindow {
				return false, nil // newest first: the rest are older
			}
			if in.Agent == sc.agent {
				return true, nil
			}
			if rec, err := c.db.Call(in.CallID); err == nil && slices.ContainsFunc(rec.Legs, func(l store.Leg) bool { return l.Agent == sc.agent }) {
				return true, nil
			}
		}
		if len(h) < page {
			return false, nil
		}
	}
}

// mayOpen refuses contact id to a user whose scope has it not.
func (c *contactBook) mayOpen(r *http.Request, id contact.ID) error {
	ok, err := c.opens(c.scopeOf(r), id)
	if err != nil {
		return err
	}
	if !ok {
		return errNotYourContact
	}
	return nil
}
