package report

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/store"
)

// transferred is a call as the engine records a blind transfer to a queue:
// ann (support) talks 20 s with 5 s of hold and sends the caller to
// billing at 0:30; bob takes it at 0:40, talks 60 s, and the caller hangs
// up. Each has 10 s of wrap-up.
func transferred() store.CallRecord {
	s := time.Second
	return store.CallRecord{ID: "x", Direction: acd.DirectionInbound, Queue: "billing", Agent: "bob", Entered: at(0, 0),
		Answered: at(0, 5), Ended: at(1, 40), Wait: 10 * s, Talk: 80 * s, Hold: 5 * s, WrapUp: 20 * s, Transfers: 1,
		Outcome: acd.OutcomeAnswered, HangupBy: acd.HangupCaller,
		Legs: []store.Leg{
			{Agent: "ann", Queue: "support", Start: at(0, 5), End: at(0, 30), Talk: 20 * s, Hold: 5 * s, WrapUp: 10 * s},
			{Agent: "bob", Queue: "billing", Via: acd.TransferBlind, From: "ann", Start: at(0, 40), End: at(1, 40), Talk: 60 * s, WrapUp: 10 * s},
		},
		Timeline: []store.Step{{At: at(0, 0), Kind: "enqueue", Detail: "support"},
			{At: at(0, 5), Kind: "connect", Agent: "ann", Detail: "wait=5s"},
			{At: at(0, 30), Kind: "transfer", Agent: "ann", Detail: "blind → queue billing"},
			{At: at(0, 30), Kind: "enqueue", Detail: "billing"},
			{At: at(0, 40), Kind: "connect", Agent: "bob", Detail: "wait=10s"}}}
}

// transferredThenAbandoned is a caller ann (support) sends to billing at
// 0:25, second in its line, who hangs up there at 1:05, first in line.
func transferredThenAbandoned() store.CallRecord {
	s := time.Second
	rec := store.CallRecord{ID: "y", Direction: acd.DirectionInbound, Queue: "billing", Agent: "ann", Entered: at(0, 0),
		Answered: at(0, 5), Ended: at(1, 5), Wait: 40 * s, Talk: 20 * s, Transfers: 1, Outcome: acd.OutcomeAbandoned,
		Legs: []store.Leg{{Agent: "ann", Queue: "support", Start: at(0, 5), End: at(0, 25), Talk: 20 * s}},
		Timeline: []store.Step{{At: at(0, 0), Kind: "enqueue", Detail: "support"},
			{At: at(0, 5), Kind: "connect", Agent: "ann", Detail: "wait=5s"},
			{At: at(0, 25), Kind: "transfer", Agent: "ann", Detail: "blind → queue billing"},
			{At: at(0, 25), Kind: "enqueue", Detail: "billing", Pos: 2},
			{At: at(1, 5), Kind: "abandon", Detail: "queued", Pos: 1}}}
	return rec
}

// TestTransfersAndHold: each agent is counted for its own leg; the queue
// and the agent who transferred count the transfer; hold is in the AHT.
func TestTransfersAndHold(t *testing.T) {
	held := call("h", "support", at(5, 0), 4*time.Second, acd.OutcomeAnswered, "ann")
	held.Hold = 30 * time.Second
	r := build(t, Options{From: t0, To: t0.Add(time.Hour), Threshold: func(string) time.Duration { return 20 * time.Second }},
		[]store.CallRecord{transferred(), held}, nil)
	agents := map[string]AgentRow{}
	for _, a := range r.Rows.Agents {
		agents[a.Agent] = a
	}
	// ann: the transferred leg (20 s talk, 5 s hold, 10 s wrap-up) and the
	// held call (60 s talk, 30 s hold, 10 s wrap-up).
	if a := agents["ann"]; a.Answered != 2 || a.Transfers != 1 || a.Talk != 80 || a.Hold != 35 || a.AHT != (80+35+20)/2.0 {
		t.Errorf("ann: %+v; want 2 answered, 1 transfer, talk 80, hold 35, AHT 67.5", a)
	}
	if b := agents["bob"]; b.Answered != 1 || b.Transfers != 0 || b.Talk != 60 || b.AHT != 70 {
		t.Errorf("bob: %+v; want 1 answered, no transfer, talk 60, AHT 70", b)
	}
	queues := map[string]QueueRow{}
	for _, q := range r.Rows.Queues {
		queues[q.Queue] = q
	}
	// support answered the transferred call (ann, after 5 s) and the held
	// one, and handled ann's leg (35 s) and the held call (100 s); billing
	// answered the caller again, 10 s after the transfer, as the engine
	// counts them: each queue's offers are its answers here.
	if q := queues["support"]; q.Transfers != 1 || q.Handled != 2 || q.AHT != (35+100)/2.0 || q.Answered != 2 || q.Offered != 2 || q.ASA != (5+4)/2.0 {
		t.Errorf("support: %+v; want 2 offered, 2 answered (ASA 4.5), 2 handled, 1 transfer, AHT 67.5", q)
	}
	if q := queues["billing"]; q.Transfers != 0 || q.Offered != 1 || q.Answered != 1 || q.Handled != 1 || q.AHT != 70 || q.ASA != 10 {
		t.Errorf("billing: %+v; want 1 offered, answered (ASA 10) and handled, AHT 70 (bob's leg), no transfer", q)
	}
}

func TestQueueLogTransfer(t *testing.T) {
	got := strings.Split(queueLogOf(t, transferred()), "\n")
	want := []string{
		"0|x|support|NONE|ENTERQUEUE|||1",
		"5|x|support|ann|CONNECT|5||0",
		"30|x|billing|NONE|ENTERQUEUE|||1", // the same second: the timeline's steps come first
		"30|x|support|ann|TRANSFER|billing|hotline|5|20|1",
		"40|x|billing|bob|CONNECT|10||0",
		"100|x|billing|bob|COMPLETECALLER|10|60|1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("queue_log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A caller transferred into billing who hangs up there is abandoned in
// billing (40 s after the transfer), answered in support: billing's offers
// are its answers, abandons and overflows.
func TestTransferThenAbandon(t *testing.T) {
	rec := transferredThenAbandoned()
	r := build(t, Options{From: t0, To: t0.Add(time.Hour), Threshold: func(string) time.Duration { return 20 * time.Second }},
		[]store.CallRecord{rec}, nil)
	queues := map[string]QueueRow{}
	for _, q := range r.Rows.Queues {
		queues[q.Queue] = q
	}
	if q := queues["support"]; q.Offered != 1 || q.Answered != 1 || q.ASA != 5 || q.Abandoned != 0 {
		t.Errorf("support: %+v; want 1 offered, answered after 5 s", q)
	}
	if q := queues["billing"]; q.Offered != 1 || q.Answered != 0 || q.Abandoned != 1 || q.MaxWait != 40 {
		t.Errorf("billing: %+v; want 1 offered, abandoned after 40 s", q)
	}
}

// queueLogOf writes recs' queue_log with times in seconds from t0.
func queueLogOf(t *testing.T, recs ...store.CallRecord) string {
	t.Helper()
	var b strings.Builder
	if _, _, err := WriteQueueLog(&b, memSource{calls: recs}, t0, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		epoch, rest, _ := strings.Cut(line, "|")
		e, _ := strconv.ParseInt(epoch, 10, 64)
		got = append(got, strconv.FormatInt(e-t0.Unix(), 10)+"|"+rest)
	}
	return strings.Join(got, "\n")
}

// A caller transferred into billing who hangs up there before an agent
// takes it: ann's leg ends in a TRANSFER to billing, and the caller
// abandons billing after 40 s (not a COMPLETE of ann's in support).
func TestQueueLogTransferThenAbandon(t *testing.T) {
	rec := transferredThenAbandoned()
	want := strings.Join([]string{
		"0|y|support|NONE|ENTERQUEUE|||1",
		"5|y|support|ann|CONNECT|5||0",
		"25|y|billing|NONE|ENTERQUEUE|||2",
		"25|y|support|ann|TRANSFER|billing|hotline|5|20|1",
		"65|y|billing|NONE|ABANDON|1|2|40",
	}, "\n")
	if got := queueLogOf(t, rec); got != want {
		t.Errorf("queue_log:\n%s\nwant:\n%s", got, want)
	}
}

// Agents rung and not answering are written in the queue the caller was
// in when they rang: carl in support before ann took the call, dave in
// billing after she transferred it there. An attended transfer to an
// agent names that agent, and one back into the same queue names it.
func TestQueueLogRingsAndTargetsAcrossTransfers(t *testing.T) {
	rec := transferred()
	rec.Attempts = []store.Attempt{{Agent: "carl", At: at(0, 1), Result: acd.AttemptNoAnswer}, {Agent: "ann", At: at(0, 4)},
		{Agent: "dave", At: at(0, 31), Result: acd.AttemptNoAnswer}, {Agent: "bob", At: at(0, 38)}}
	rec.Timeline = append(rec.Timeline, store.Step{At: at(0, 3), Kind: "no-connect", Agent: "carl"},
		store.Step{At: at(0, 35), Kind: "no-connect", Agent: "dave"})
	got := queueLogOf(t, rec)
	for _, line := range []string{"3|x|support|carl|RINGNOANSWER|2000", "35|x|billing|dave|RINGNOANSWER|4000"} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("queue_log has no %q:\n%s", line, got)
		}
	}

	same := transferred()
	same.Legs[1].Queue, same.Timeline[2].Detail, same.Timeline[3].Detail = "support", "blind → queue support", "support"
	if got := queueLogOf(t, same); !strings.Contains(got, "30|x|support|ann|TRANSFER|support|hotline|") {
		t.Errorf("transfer back into support:\n%s", got)
	}
	toAgent := transferred()
	toAgent.Legs[1].Via, toAgent.Timeline[2].Detail = acd.TransferAttended, "attended → agent bob (bridged)"
	toAgent.Timeline = slices.Delete(toAgent.Timeline, 3, 4) // no queue entered
	if got := queueLogOf(t, toAgent); !strings.Contains(got, "30|x|support|ann|TRANSFER|bob|hotline|") {
		t.Errorf("attended transfer to bob:\n%s", got)
	}
}
