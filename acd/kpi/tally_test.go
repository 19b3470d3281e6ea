package kpi

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/store"
)

func TestTallyRecords(t *testing.T) {
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	steps := func(kv ...string) []store.Step {
		var s []store.Step
		for i := 0; i < len(kv); i += 2 {
			s = append(s, store.Step{Kind: kv[i], Detail: kv[i+1]})
		}
		return s
	}
	recs := []store.CallRecord{
		{ // answered in time after one agent did not answer
			Direction: acd.DirectionInbound, Queue: "sales", Outcome: acd.OutcomeAnswered, Agent: "ann",
			Answered: t0, Wait: 15 * time.Second, Talk: 2 * time.Minute, WrapUp: 30 * time.Second,
			Attempts: []store.Attempt{{Agent: "bob", Result: acd.AttemptNoAnswer}, {Agent: "ann", Result: acd.AttemptAnswered}},
			Timeline: steps("enqueue", "sales", "offer", "", "connect", ""),
		},
		{ // overflowed from sales to support, answered late there
			Direction: acd.DirectionInbound, Queue: "support", Outcome: acd.OutcomeAnswered, Agent: "bob",
			Answered: t0, Wait: 50 * time.Second, Talk: time.Minute,
			Attempts: []store.Attempt{{Agent: "bob", Result: acd.AttemptAnswered}},
			Timeline: steps("enqueue", "sales", "overflow", "max-wait → queue", "enqueue", "support"),
		},
		{ // gave up within the threshold
			Direction: acd.DirectionInbound, Queue: "sales", Outcome: acd.OutcomeAbandoned, Wait: 10 * time.Second,
			Timeline: steps("enqueue", "sales", "abandon", "queued"),
		},
		{ // gave up after it, with a busy agent rung
			Direction: acd.DirectionInbound, Queue: "sales", Outcome: acd.OutcomeAbandoned, Wait: 70 * time.Second,
			Attempts: []store.Attempt{{Agent: "ann", Result: acd.AttemptBusy}},
			Timeline: steps("enqueue", "sales", "abandon", "queued"),
		},
		{ // asked for a callback
			Direction: acd.DirectionInbound, Queue: "sales", Outcome: acd.OutcomeCallback, Wait: 5 * time.Second,
			Timeline: steps("enqueue", "sales", "callback-key", "1", "callback-requested", "cb-1"),
		},
		{ // the callback: handle time of sales, not an answer of it
			Direction: acd.DirectionCallback, Queue: "sales", Outcome: acd.OutcomeAnswered, Agent: "ann",
			Answered: t0, Wait: 3 * time.Minute, Talk: time.Minute,
			Attempts: []store.Attempt{{Agent: "ann", Result: acd.AttemptAnswered}},
		},
		{ // never reached a queue
			Direction: acd.DirectionInbound, Outcome: acd.OutcomeSelfService, Timeline: steps("menu", "main"),
		},
	}
	sl := map[string]time.Duration{"sales": 20 * time.Second, "support": 30 * time.Second}
	got := TallyRecords(recs, func(q string) time.Duration { return sl[q] })
	wantQ := map[string]Queue{
		"sales": {Offered: 5, Answered: 1, Abandoned: 2, Overflowed: 1, Callbacks: 1, InSL: 1, AbandonedInSL: 1,
			WaitAnswered: 15 * time.Second, Handled: 2, Handle: 3*time.Minute + 30*time.Second, MaxWait: 3 * time.Minute},
		"support": {Offered: 1, Answered: 1, WaitAnswered: 50 * time.Second, Handled: 1, Handle: time.Minute, MaxWait: 50 * time.Second},
	}
	if len(got.Queues) != len(wantQ) {
		t.Errorf("queues %v, want %d", got.Queues, len(wantQ))
	}
	for name, want := range wantQ {
		if q := got.Queues[name]; q == nil || *q != want {
			t.Errorf("queue %s = %+v\n          want %+v", name, q, want)
		}
	}
	wantA := map[string]Agent{
		"ann": {Offered: 3, Answered: 2, Busy: 1, Talk: 3 * time.Minute, WrapUp: 30 * time.Second},
		"bob": {Offered: 2, Answered: 1, NoAnswer: 1, Talk: time.Minute},
	}
	for id, want := range wantA {
		if a := got.Agents[id]; a == nil || *a != want {
			t.Errorf("agent %s = %+v\n         want %+v", id, a, want)
		}
	}
}

func TestAgentTimes(t *testing.T) {
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	ch := func(m int, from, to acd.AgentState) store.AgentChange {
		return store.AgentChange{Agent: "ann", At: at(m), From: from, To: to}
	}
	day := []store.AgentChange{
		ch(10, acd.Available, acd.Ringing), // logged in before the period began
		ch(11, acd.Ringing, acd.OnCall),
		ch(20, acd.OnCall, acd.WrapUp),
		ch(21, acd.WrapUp, acd.Available),
		ch(30, acd.Available, acd.Paused),
		ch(45, acd.Paused, acd.Available),
		ch(50, acd.Available, acd.LoggedOut),
		ch(55, acd.LoggedOut, acd.Available),
	}
	for _, tt := range []struct {
		name           string
		changes        []store.AgentChange
		from, until    time.Time
		logged, paused time.Duration
	}{
		{"whole period", day, at(0), at(60), 55 * time.Minute, 15 * time.Minute},
		{"period ends in a pause", day, at(0), at(40), 40 * time.Minute, 10 * time.Minute},
		{"period starts in a pause", day[5:], at(35), at(60), 20 * time.Minute, 10 * time.Minute}, // the log read from 35 on
		{"logged out at first", []store.AgentChange{ch(5, acd.LoggedOut, acd.Available)}, at(0), at(60), 55 * time.Minute, 0},
		{"no changes", nil, at(0), at(60), 0, 0},
	} {
		l, p := AgentTimes(tt.changes, tt.from, tt.until)
		if l != tt.logged || p != tt.paused {
			t.Errorf("%s: logged in %v paused %v, want %v and %v", tt.name, l, p, tt.logged, tt.paused)
		}
	}
}

// AddLive counts a ring still going when the record was saved (its offer
// step, no attempt yet) as the engine did when it began, and a settled one
// once.
func TestAddLiveCountsRingsGoing(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	rec := store.CallRecord{ID: "c1", Queue: "support", Entered: t0, Outcome: acd.OutcomeInProgress,
		Timeline: []store.Step{{At: t0, Kind: "enqueue", Detail: "support"},
			{At: t0.Add(time.Second), Kind: "offer", Agent: "bob", Detail: "c1-a1"},
			{At: t0.Add(20 * time.Second), Kind: "offer", Agent: "carol", Detail: "c1-a2"}},
		Attempts: []store.Attempt{{Agent: "bob", At: t0.Add(time.Second), Result: acd.AttemptNoAnswer}}}
	tally := TallyRecords(nil, func(string) time.Duration { return 20 * time.Second })
	tally.AddLive([]store.CallRecord{rec}, func(string) time.Duration { return 20 * time.Second })
	if b, c := tally.Agents["bob"], tally.Agents["carol"]; b == nil || c == nil || b.Offered != 1 || b.NoAnswer != 1 || c.Offered != 1 {
		t.Errorf("bob %+v, carol %+v; want each offered once (bob's ring settled, carol's going)", b, c)
	}
	if q := tally.Queues["support"]; q == nil || q.Offered != 1 {
		t.Errorf("support %+v, want offered 1", q)
	}
}

// A call that passed through queues counts each answer and abandon in the
// queue it happened in, waited as the engine counted it: answered in
// support after 5 s, transferred to billing, abandoned there 40 s later;
// and one overflowed from sales to support, answered 50 s after it was
// first queued.
func TestTallyCountsEachQueueVisit(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	recs := []store.CallRecord{
		{Direction: acd.DirectionInbound, Queue: "billing", Agent: "ann", Answered: at(5), Outcome: acd.OutcomeAbandoned, Wait: 40 * time.Second,
			Talk: 20 * time.Second, Legs: []store.Leg{{Agent: "ann", Queue: "support"}},
			Timeline: []store.Step{{At: at(0), Kind: "enqueue", Detail: "support"}, {At: at(5), Kind: "connect", Agent: "ann"},
				{At: at(25), Kind: "transfer", Agent: "ann"}, {At: at(25), Kind: "enqueue", Detail: "billing"}, {At: at(65), Kind: "abandon", Detail: "queued"}}},
		{Direction: acd.DirectionInbound, Queue: "support", Agent: "bob", Answered: at(50), Outcome: acd.OutcomeAnswered, Wait: 50 * time.Second,
			Timeline: []store.Step{{At: at(0), Kind: "enqueue", Detail: "sales"}, {At: at(30), Kind: "overflow", Detail: "max-wait → queue"},
				{At: at(30), Kind: "enqueue", Detail: "support"}, {At: at(50), Kind: "connect", Agent: "bob"}}},
	}
	got := TallyRecords(recs, func(string) time.Duration { return 20 * time.Second })
	if q := got.Queues["support"]; q.Offered != 2 || q.Answered != 2 || q.Abandoned != 0 || q.WaitAnswered != 55*time.Second || q.InSL != 1 {
		t.Errorf("support %+v; want 2 offered and answered (5 s and 50 s), 1 in SL", q)
	}
	if q := got.Queues["billing"]; q.Offered != 1 || q.Answered != 0 || q.Abandoned != 1 || q.AbandonedInSL != 0 {
		t.Errorf("billing %+v; want 1 offered, abandoned after 40 s", q)
	}
	if q := got.Queues["sales"]; q.Offered != 1 || q.Answered != 0 || q.Overflowed != 1 {
		t.Errorf("sales %+v; want 1 offered and overflowed", q)
	}
}

// A transferred call counts each agent for their own leg (answer, talk,
// hold, wrap-up), not the whole call for the last, and the queue's handle
// time takes each leg's hold as the live counters and the reports do; a
// live call counts the legs already over and the current agent's answer.
func TestTallyCountsTransferLegsAndHold(t *testing.T) {
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	s := time.Second
	transferred := store.CallRecord{
		ID: "x", Direction: acd.DirectionInbound, Queue: "support", Agent: "bob", Outcome: acd.OutcomeAnswered,
		Entered: t0, Answered: t0.Add(5 * s), Wait: 5 * s, Talk: 90 * s, Hold: 10 * s, WrapUp: 8 * s,
		Timeline: []store.Step{{Kind: "enqueue", Detail: "support"}},
		Legs: []store.Leg{
			{Agent: "alice", Queue: "support", Talk: 60 * s, Hold: 10 * s, WrapUp: 5 * s},
			{Agent: "bob", Queue: "support", Via: acd.TransferBlind, From: "alice", Talk: 30 * s, WrapUp: 3 * s},
		},
	}
	held := store.CallRecord{
		ID: "h", Direction: acd.DirectionInbound, Queue: "support", Agent: "alice", Outcome: acd.OutcomeAnswered,
		Entered: t0, Answered: t0.Add(2 * s), Wait: 2 * s, Talk: 40 * s, Hold: 20 * s, WrapUp: 5 * s,
		Timeline: []store.Step{{Kind: "enqueue", Detail: "support"}},
	}
	sl := func(string) time.Duration { return 20 * s }
	tally := TallyRecords([]store.CallRecord{transferred, held}, sl)
	for id, want := range map[string]Agent{
		"alice": {Answered: 2, Talk: 100 * s, Hold: 30 * s, WrapUp: 10 * s},
		"bob":   {Answered: 1, Talk: 30 * s, WrapUp: 3 * s},
	} {
		if got := tally.Agents[id]; got == nil || *got != want {
			t.Errorf("agent %s: %+v, want %+v", id, got, want)
		}
	}
	q := tally.Queues["support"]
	if q.Handled != 3 || q.Handle != (60+10+5+30+3+40+20+5)*s || q.Answered != 2 {
		t.Errorf("support: handled %d, handle %v, answered %d; want 3, 173s, 2", q.Handled, q.Handle, q.Answered)
	}

	live := transferred
	live.Legs = live.Legs[:1] // alice's leg is over; bob talks
	live.Talk, live.WrapUp = 0, 0
	tally = TallyRecords(nil, sl)
	tally.AddLive([]store.CallRecord{live}, sl)
	if a := tally.Agents["alice"]; a == nil || a.Answered != 1 || a.Talk != 60*s || a.Hold != 10*s || a.WrapUp != 5*s {
		t.Errorf("live: alice %+v, want her leg over: 1 answer, 60s talk, 10s hold, 5s wrap-up", a)
	}
	if b := tally.Agents["bob"]; b == nil || b.Answered != 1 || b.Talk != 0 {
		t.Errorf("live: bob %+v, want his answer only (his talk counts as it ends)", b)
	}
}
