package store

import (
	"slices"
	"time"
)

// QueueVisit is what a call did in one queue it was answered or abandoned
// in, as its timeline has it.
type QueueVisit struct {
	Queue string
	// Wait is how long the caller had waited: since it was first queued
	// (an overflow goes on counting) or, after a transfer back into a
	// queue, since that transfer, as the engine counts it.
	Wait      time.Duration
	Answered  bool // an agent took it from this queue
	Abandoned bool // the caller hung up waiting in this queue
}

// PassedQueues reports a call that was queued more than once: overflowed
// to another queue, or transferred into one.
func (c *CallRecord) PassedQueues() bool {
	n := 0
	for _, step := range c.Timeline {
		if step.Kind == "enqueue" {
			n++
		}
	}
	return n > 1
}

// QueueVisits lists the answers and the abandon of the call by the queue
// each happened in, in order, from its timeline's enqueue, connect and
// abandon steps.
func (c *CallRecord) QueueVisits() []QueueVisit {
	var out []QueueVisit
	in, since, connected := "", time.Time{}, false
	for _, step := range c.Timeline {
		switch step.Kind {
		case "enqueue":
			if connected || since.IsZero() {
				since = step.At // a transfer puts the caller in line anew
			}
			in, connected = step.Detail, false
		case "requeue":
			in = step.Detail // back in line after a restart: the same wait
		case "connect", "abandon":
			if in == "" || connected {
				break
			}
			connected = step.Kind == "connect"
			out = append(out, QueueVisit{Queue: in, Wait: step.At.Sub(since), Answered: connected, Abandoned: !connected})
		}
	}
	return out
}

// InQueue reports whether the call was in queue: its last, or one it
// overflowed or was transferred from.
func (c *CallRecord) InQueue(queue string) bool {
	return c.Queue == queue || slices.ContainsFunc(c.Timeline, func(s Step) bool {
		return (s.Kind == "enqueue" || s.Kind == "requeue") && s.Detail == queue
	})
}

// TakenBy reports whether agent took the call: the last agent, or one who
// talked to the caller before transferring it on.
func (c *CallRecord) TakenBy(agent string) bool {
	return c.Agent == agent || slices.ContainsFunc(c.Legs, func(l Leg) bool { return l.Agent == agent })
}
