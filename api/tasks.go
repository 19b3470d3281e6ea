package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/api/auth"
	"github.com/hotline-cc/hotline/store"
)

// Callback task routes: missed calls of known customers (abandoned, after
// hours, a message left) that agents call back and close with a result.
// They are served with the contacts (EnableContacts).
func init() {
	for pattern, acc := range map[string]access{
		"GET /api/v1/tasks":                             {role: auth.Agent}, // ?state=open|claimed|closed
		"POST /api/v1/agents/{id}/tasks/next":           {role: auth.Agent, own: true},
		"POST /api/v1/agents/{id}/tasks/{task}/close":   {role: auth.Agent, own: true},
		"POST /api/v1/agents/{id}/tasks/{task}/release": {role: auth.Agent, own: true},
	} {
		routeAccess[pattern] = acc
	}
	routeSummary["GET /api/v1/tasks"] = "Callback tasks (missed calls of known customers), oldest first; ?state=open|claimed|closed"
	routeSummary["POST /api/v1/agents/{id}/tasks/next"] = "The agent claims the oldest open callback task (or gets the one it holds), with the customer and the missed call"
	routeSummary["POST /api/v1/agents/{id}/tasks/{task}/close"] = "The agent closes its callback task with a result"
	routeSummary["POST /api/v1/agents/{id}/tasks/{task}/release"] = "The agent puts its callback task back for others"
}

// TaskView is a task as an agent works it: the task, the customer to call
// and the missed call.
type TaskView struct {
	contact.Task
	Customer *contact.Contact `json:"customer,omitempty"`
	Call     *Call            `json:"missed_call,omitempty"`
}

// TaskEvent is the data of the event stream's "tasks" event: the task as
// just written (opened, claimed, released or closed), for a desk to update
// its list with. Without a task the desk reads its list again: it missed
// some.
type TaskEvent struct {
	Task *contact.Task `json:"task,omitempty"`
}

// CloseTaskRequest is the result a task is closed with (reached, no-answer,
// wrong-number, ...: the desk's own words).
type CloseTaskRequest struct {
	Result string `json:"result"`
}

func (s *Server) taskRoutes(book func(func(*contactBook, http.ResponseWriter, *http.Request) (any, error)) http.HandlerFunc) {
	s.mux.HandleFunc("GET /api/v1/tasks", book(func(c *contactBook, _ http.ResponseWriter, r *http.Request) (any, error) {
		state := contact.TaskState(r.URL.Query().Get("state"))
		switch state {
		case "", contact.TaskOpen, contact.TaskClaimed, contact.TaskClosed:
		default:
			return nil, badRequest("state %q: want open, claimed or closed", state)
		}
		out, err := c.db.Tasks(state)
		if shown := s.taskScopeOf(r); shown != nil {
			members := s.eng.Snapshot().Members
			out = slices.DeleteFunc(out, func(t contact.Task) bool { return !shown(members, &t) })
		}
		if out == nil {
			out = []contact.Task{}
		}
		return out, err
	}))
	s.mux.HandleFunc("POST /api/v1/agents/{id}/tasks/next", book(func(c *contactBook, _ http.ResponseWriter, r *http.Request) (any, error) {
		// The agent takes one of its own tasks, whoever asks for it.
		members, mine := s.eng.Snapshot().Members, s.agentTasks(r.PathValue("id"))
		t, err := c.db.ClaimTask(r.PathValue("id"), c.now(), func(t *contact.Task) bool { return mine(members, t) })
		if err != nil {
			return nil, err
		}
		return c.taskView(r, t)
	}))
	s.mux.HandleFunc("POST /api/v1/agents/{id}/tasks/{task}/close", book(func(c *contactBook, w http.ResponseWriter, r *http.Request) (any, error) {
		var body CloseTaskRequest
		if err := decode(w, r, &body); err != nil {
			return nil, err
		}
		body.Result = strings.TrimSpace(body.Result)
		if body.Result == "" {
			return nil, badRequest("body: field \"result\" is required")
		}
		if err := checkLen("result", body.Result, MaxShort); err != nil {
			return nil, err
		}
		return moveTask(c.db.UpdateTask(r.PathValue("task"), func(t *contact.Task) error {
			return t.Close(r.PathValue("id"), body.Result, c.now().UTC())
		}))
	}))
	s.mux.HandleFunc("POST /api/v1/agents/{id}/tasks/{task}/release", book(func(c *contactBook, _ http.ResponseWriter, r *http.Request) (any, error) {
		return moveTask(c.db.UpdateTask(r.PathValue("task"), func(t *contact.Task) error { return t.Release(r.PathValue("id")) }))
	}))
}

// taskScope says, with the queues' members as of now, whether a user sees a
// callback task. Who sees which, in the list, on the event stream and
// when an agent takes the next: an agent those of its queues (it is a
// member of them, or of a team that has them), those it holds, and those
// of no queue; a supervisor with a team those of the team's queues, those
// its agents hold, and those of no queue; an admin, or a supervisor of no
// team, every one.
type taskScope func(members map[string][]string, t *contact.Task) bool

// taskScopeOf is the request's user's scope; nil: every task.
func (s *Server) taskScopeOf(r *http.Request) taskScope {
	p := principalOf(r)
	switch {
	case p == nil: // no users: no checks
		return nil
	case !p.role.Allows(auth.Supervisor):
		return s.agentTasks(p.user.Agent)
	}
	tm := s.teamFor(p)
	if tm == nil {
		return nil
	}
	return func(members map[string][]string, t *contact.Task) bool {
		return t.Queue == "" || tm.queue(t.Queue) || t.Agent != "" && tm.agent(members, t.Agent)
	}
}

// agentTasks is the scope of agent id ("" for a user tied to no agent: the
// tasks of no queue alone).
func (s *Server) agentTasks(id string) taskScope {
	var teamQueues []string
	if sc := s.teams.Load(); sc != nil && id != "" {
		for _, tm := range sc.cfg.Teams {
			if slices.Contains(tm.Agents, id) {
				teamQueues = append(teamQueues, tm.Queues...)
			}
		}
	}
	return func(members map[string][]string, t *contact.Task) bool {
		return t.Queue == "" || id != "" && (t.Agent == id || slices.Contains(members[id], t.Queue) || slices.Contains(teamQueues, t.Queue))
	}
}

// moveTask answers a task move (a move its state refuses is a 409, see
// Server.answer).
func moveTask(t contact.Task, err error) (any, error) { return t, err }

// taskView adds the customer and the missed call to t; reading them is
// audited like a screen pop.
func (c *contactBook) taskView(r *http.Request, t contact.Task) (TaskView, error) {
	v := TaskView{Task: t}
	if ct, err := c.book.Get(t.Contact); err == nil {
		v.Customer = &ct
	} else if !errors.Is(err, store.ErrNotFound) {
		return v, err
	}
	if rec, err := c.db.Call(t.CallID); err == nil {
		v.Call = &Call{*rec}
	}
	return v, c.audit(r, "task", fmt.Sprintf("contact %d", t.Contact), 1)
}
