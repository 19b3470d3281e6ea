package kpi

import (
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/store"
)

// Tally is queue and agent counts rebuilt from stored call records.
type Tally struct {
	Queues map[string]*Queue
	Agents map[string]*Agent // Offered, Answered, NoAnswer, Busy, Talk and WrapUp; state times are not in call records
}

// TallyRecords counts what the records of ended calls say: outcomes, waits,
// talk and wrap-up, the agents rung (attempts), and from each timeline the
// queues a call entered ("enqueue"), overflowed from ("overflow") and asked
// a callback in ("callback-requested"). serviceLevel gives a queue's
// threshold. The counts follow the engine's rules: a callback is handled
// by its queue but is not an answer of it; a caller is abandoned in the
// queue it was in last.
func TallyRecords(recs []store.CallRecord, serviceLevel func(queue string) time.Duration) Tally {
	t := Tally{Queues: map[string]*Queue{}, Agents: map[string]*Agent{}}
	queue := func(name string) *Queue {
		if t.Queues[name] == nil {
			t.Queues[name] = &Queue{}
		}
		return t.Queues[name]
	}
	agent := func(id string) *Agent {
		if t.Agents[id] == nil {
			t.Agents[id] = &Agent{}
		}
		return t.Agents[id]
	}
	for i := range recs {
		rec := &recs[i]
		in := ""
		for _, step := range rec.Timeline {
			switch step.Kind {
			case "enqueue":
				in = step.Detail
				queue(in).Offered++
			case "overflow":
				queue(in).Overflowed++
			case "callback-requested":
				queue(in).Callbacks++
			}
		}
		for _, at := range rec.Attempts {
			a := agent(at.Agent)
			a.Offered++
			switch at.Result {
			case acd.AttemptNoAnswer:
				a.NoAnswer++
			case acd.AttemptBusy:
				a.Busy++
			}
		}
		answered := !rec.Answered.IsZero()
		if answered && rec.Agent != "" {
			a := agent(rec.Agent)
			a.Answered++
			a.Talk += rec.Talk
			a.WrapUp += rec.WrapUp
		}
		if rec.Queue == "" {
			continue
		}
		q := queue(rec.Queue)
		inbound := rec.Direction != acd.DirectionCallback
		switch {
		case answered:
			if inbound {
				q.Answered++
				q.WaitAnswered += rec.Wait
				if rec.Wait <= serviceLevel(rec.Queue) {
					q.InSL++
				}
			}
			q.Handled++
			q.Handle += rec.Talk + rec.WrapUp
		case rec.Outcome == acd.OutcomeAbandoned && inbound:
			q.Abandoned++
			if rec.Wait <= serviceLevel(rec.Queue) {
				q.AbandonedInSL++
			}
		}
		q.MaxWait = max(q.MaxWait, rec.Wait)
	}
	return t
}

// AgentTimes rebuilds one agent's logged-in and paused time over [from,
// until) from its logged state changes, in the order they happened. Before
// its first change the agent was in that change's From state; an agent
// without changes in the period is not known to have worked and gets zero.
func AgentTimes(changes []store.AgentChange, from, until time.Time) (loggedIn, paused time.Duration) {
	if len(changes) == 0 {
		return 0, 0
	}
	state, since := changes[0].From, from
	add := func(to time.Time) {
		if to.After(until) {
			to = until
		}
		d := to.Sub(since)
		if d <= 0 {
			return
		}
		if state != acd.LoggedOut {
			loggedIn += d
		}
		if state == acd.Paused {
			paused += d
		}
	}
	for _, ch := range changes {
		if ch.At.Before(since) {
			ch.At = since
		}
		add(ch.At)
		state, since = ch.To, ch.At
	}
	add(until)
	return loggedIn, paused
}
