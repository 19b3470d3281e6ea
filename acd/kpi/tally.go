package kpi

import (
	"slices"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/store"
)

// Tally is queue and agent counts rebuilt from stored call records.
type Tally struct {
	Queues map[string]*Queue
	Agents map[string]*Agent // Offered, Answered, NoAnswer, Busy, Talk, Hold and WrapUp; state times are not in call records
}

// TallyRecords counts what the records of ended calls say: outcomes, waits,
// talk and wrap-up, the agents rung (attempts), and from each timeline the
// queues a call entered ("enqueue"), overflowed from ("overflow") and asked
// a callback in ("callback-requested"). serviceLevel gives a queue's
// threshold. The counts follow the engine's rules: a callback is handled
// by its queue but is not an answer of it; a caller is abandoned in the
// queue it was in last.
func TallyRecords(recs []store.CallRecord, serviceLevel func(queue string) time.Duration) Tally {
	t := newTally()
	for i := range recs {
		rec := &recs[i]
		t.started(rec)
		answered := !rec.Answered.IsZero()
		if len(rec.Legs) > 0 {
			// A transferred call: each agent counts its own leg, and
			// the queue it took the call from that leg's handling.
			t.legs(rec.Legs)
		} else if answered && rec.Agent != "" {
			a := t.agent(rec.Agent)
			a.Answered++
			a.Talk += rec.Talk
			a.Hold += rec.Hold
			a.WrapUp += rec.WrapUp
		}
		if rec.Queue == "" {
			continue
		}
		q := t.queue(rec.Queue)
		inbound := rec.Direction != acd.DirectionCallback
		if visits := rec.QueueVisits(); inbound && rec.PassedQueues() && len(visits) > 0 {
			// Overflowed or transferred into a queue: each answer and
			// abandon counts in the queue it happened in.
			for _, v := range visits {
				vq := t.queue(v.Queue)
				if v.Answered {
					vq.answer(v.Wait, serviceLevel(v.Queue))
				} else {
					vq.Abandoned++
					if v.Wait <= serviceLevel(v.Queue) {
						vq.AbandonedInSL++
					}
				}
			}
			if answered && len(rec.Legs) == 0 { // else counted per leg
				q.Handled++
				q.Handle += rec.Talk + rec.Hold + rec.WrapUp
			}
			q.MaxWait = max(q.MaxWait, rec.Wait)
			continue
		}
		switch {
		case answered:
			if inbound {
				q.answer(rec.Wait, serviceLevel(rec.Queue))
			}
			if len(rec.Legs) == 0 { // else counted per leg
				q.Handled++
				q.Handle += rec.Talk + rec.Hold + rec.WrapUp
			}
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

// newTally is an empty Tally.
func newTally() Tally {
	return Tally{Queues: map[string]*Queue{}, Agents: map[string]*Agent{}}
}

// AddLive counts what the records of calls still going say so far, as the
// engine counted it while they went: the queues entered, the overflows and
// callbacks asked, the agents rung and the answer. Their abandon, talk and
// wrap-up are counted when they end.
func (t Tally) AddLive(recs []store.CallRecord, serviceLevel func(queue string) time.Duration) {
	for i := range recs {
		rec := &recs[i]
		t.started(rec)
		// A ring still going when the record was saved has its offer step
		// and no attempt yet (that comes as it is settled), but the engine
		// counted the agent offered as it began.
		for _, step := range rec.Timeline {
			if step.Kind == "offer" && step.Agent != "" && !slices.ContainsFunc(rec.Attempts, func(at store.Attempt) bool {
				return at.Agent == step.Agent && at.At.Equal(step.At)
			}) {
				t.agent(step.Agent).Offered++
			}
		}
		// The legs of agents who transferred the call on are over: the
		// engine counted them as they ended.
		t.legs(rec.Legs)
		if rec.Answered.IsZero() {
			continue
		}
		if n := len(rec.Legs); rec.Agent != "" && (n == 0 || rec.Legs[n-1].Agent != rec.Agent) {
			t.agent(rec.Agent).Answered++
		}
		if rec.Queue != "" && rec.Direction != acd.DirectionCallback {
			t.queue(rec.Queue).answer(rec.Wait, serviceLevel(rec.Queue))
		}
	}
}

// started counts what a call gives as it goes, before its answer: the
// queues it entered, overflowed from and asked a callback in, and each
// agent rung.
func (t Tally) started(rec *store.CallRecord) {
	in := ""
	for _, step := range rec.Timeline {
		switch step.Kind {
		case "enqueue":
			in = step.Detail
			t.queue(in).Offered++
		case "overflow":
			t.queue(in).Overflowed++
		case "callback-requested":
			t.queue(in).Callbacks++
		}
	}
	for _, at := range rec.Attempts {
		a := t.agent(at.Agent)
		a.Offered++
		switch at.Result {
		case acd.AttemptNoAnswer:
			a.NoAnswer++
		case acd.AttemptBusy:
			a.Busy++
		}
	}
}

// legs counts each agent's leg of a transferred call: its answer, talk,
// hold and wrap-up, and the handling in the queue it took the call from
// (as the reports count them).
func (t Tally) legs(legs []store.Leg) {
	for _, l := range legs {
		if l.Agent == "" {
			continue
		}
		a := t.agent(l.Agent)
		a.Answered++
		a.Talk += l.Talk
		a.Hold += l.Hold
		a.WrapUp += l.WrapUp
		if l.Queue != "" {
			q := t.queue(l.Queue)
			q.Handled++
			q.Handle += l.Talk + l.Hold + l.WrapUp
		}
	}
}

func (t Tally) queue(name string) *Queue {
	if t.Queues[name] == nil {
		t.Queues[name] = &Queue{}
	}
	return t.Queues[name]
}

func (t Tally) agent(id string) *Agent {
	if t.Agents[id] == nil {
		t.Agents[id] = &Agent{}
	}
	return t.Agents[id]
}

// answer counts an answer after wait in a queue whose service level is sl.
func (q *Queue) answer(wait, sl time.Duration) {
	q.Answered++
	q.WaitAnswered += wait
	if wait <= sl {
		q.InSL++
	}
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
