package contact

import (
	"errors"
	"fmt"
	"time"
)

// TaskState is where a callback task is: a missed call from a customer
// that an agent calls back.
type TaskState string

// Task states.
const (
	TaskOpen    TaskState = "open"    // waiting for a free agent
	TaskClaimed TaskState = "claimed" // an agent is working it
	TaskClosed  TaskState = "closed"  // done, with a result
)

// Why a call was missed (Task.Reason).
const (
	MissedAbandoned  = "abandoned"   // the caller hung up waiting
	MissedAfterHours = "after-hours" // the call came while the center was closed
	MissedVoicemail  = "voicemail"   // the caller left a message
)

// ErrTaskMove is a task move its state does not allow.
var ErrTaskMove = errors.New("task cannot move so")

// Task is a missed call to work: call the customer back and close it with
// a result. It holds no personal data: the contact and the call do.
type Task struct {
	ID      string    `json:"id"`
	CallID  string    `json:"call_id"` // the missed call
	Contact ID        `json:"contact"`
	Queue   string    `json:"queue,omitempty"`
	Reason  string    `json:"reason"` // Missed*
	Created time.Time `json:"created"`
	State   TaskState `json:"state"`
	Agent   string    `json:"agent,omitempty"` // who claimed it
	Claimed time.Time `json:"claimed,omitzero"`
	Closed  time.Time `json:"closed,omitzero"`
	Result  string    `json:"result,omitempty"`
}

// Claim gives an open task to agent.
func (t *Task) Claim(agent string, now time.Time) error {
	if t.State != TaskOpen {
		return fmt.Errorf("task %s is %s, not open: %w", t.ID, t.State, ErrTaskMove)
	}
	t.State, t.Agent, t.Claimed = TaskClaimed, agent, now
	return nil
}

// Release puts a claimed task back for others (the agent could not work it).
func (t *Task) Release(agent string) error {
	if t.State != TaskClaimed || t.Agent != agent {
		return fmt.Errorf("task %s is %s by %q, not claimed by %q: %w", t.ID, t.State, t.Agent, agent, ErrTaskMove)
	}
	t.State, t.Agent, t.Claimed = TaskOpen, "", time.Time{}
	return nil
}

// Close ends a task agent claimed, with a result.
func (t *Task) Close(agent, result string, now time.Time) error {
	switch {
	case result == "":
		return fmt.Errorf("task %s: a result is needed to close it: %w", t.ID, ErrTaskMove)
	case t.State != TaskClaimed || t.Agent != agent:
		return fmt.Errorf("task %s is %s by %q, not claimed by %q: %w", t.ID, t.State, t.Agent, agent, ErrTaskMove)
	}
	t.State, t.Closed, t.Result = TaskClosed, now, result
	return nil
}
