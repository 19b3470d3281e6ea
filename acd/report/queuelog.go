package report

import (
	"bufio"
	"container/heap"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/store"
)

// WriteQueueLog writes the calls that entered in [from, to) and the agent
// changes of that period as Asterisk queue_log lines
// (EPOCH|CALLID|QUEUE|AGENT|EVENT|DATA...), in time order, so that tools
// that read Asterisk's queue reports read Hotline's queues:
//
//   - ENTERQUEUE (|caller id|position) when a call enters a queue;
//   - RINGNOANSWER (ring time in ms) for each agent rung who did not take it;
//   - CONNECT (hold time|agent channel|ring time) when an agent answers;
//   - COMPLETECALLER / COMPLETEAGENT (hold time|talk time|position) at its end;
//   - TRANSFER (target|context|hold time|talk time|position) when an agent
//     sends the caller to an agent, a queue or a number;
//   - ABANDON (position|start position|wait), EXITWITHTIMEOUT (the same),
//     EXITWITHKEY (key|position|start position|wait), EXITEMPTY, FULL when
//     the caller leaves the queue without an agent (EXITEMPTY also for a
//     campaign's lead moved to another of its queues, where an agent is
//     free: Asterisk has no event for it, and none of this queue's agents
//     could take it);
//   - ADDMEMBER / REMOVEMEMBER, PAUSE / UNPAUSE (reason) from the agent
//     state log, one line per queue the agent was a member of, as Asterisk
//     writes them: a Hotline agent logs in and pauses for all its queues at
//     once. A change stored without its queues (before they were kept) has
//     one line with queue NONE.
//
// The call id is Hotline's. Positions are the caller's place in the line
// (1 = next) when it entered the queue and when it left, as the engine
// recorded them; a record made before positions were kept, or a caller who
// never joined the line, has 1. A transferred call has a CONNECT per agent who took it and a TRANSFER
// (target|hotline|hold time|talk time|1) for each who sent it on. Memory
// holds the lines of the calls still open at the point reached, not all.
func WriteQueueLog(w io.Writer, src Source, from, to time.Time) (lines, skipped int, err error) {
	if from.IsZero() || to.IsZero() || !to.After(from) {
		return 0, 0, fmt.Errorf("period %s to %s: %w: want a start before its end", from, to, ErrBadOption)
	}
	bw := bufio.NewWriter(w)
	q := &qlQueue{}
	changes := newChangeReader(src, from, to)
	flush := func(before time.Time) error {
		for q.Len() > 0 && (*q)[0].at.Before(before) {
			e := heap.Pop(q).(qlEvent)
			fmt.Fprintf(bw, "%d|%s\n", e.at.Unix(), e.line)
			lines++
		}
		return nil
	}
	var seq int
	push := func(at time.Time, line string) {
		seq++
		heap.Push(q, qlEvent{at: at, seq: seq, line: line})
	}
	// Events of a call never come before it entered, nor agent changes
	// before their time, so everything earlier than the next record's
	// entry (and the next change) can be written.
	pushChangesUntil := func(t time.Time) error {
		for {
			ch, ok, err := changes.peek()
			if err != nil || !ok || !ch.At.Before(t) {
				return err
			}
			changes.next()
			changeEvents(ch, push)
		}
	}
	for rec, rerr := range src.Calls(store.Filter{From: from, To: to}) {
		if rerr != nil {
			var de *store.DecodeError
			if errors.As(rerr, &de) {
				skipped++
				continue
			}
			return lines, skipped, fmt.Errorf("read call records: %w", rerr)
		}
		if err := pushChangesUntil(rec.Entered); err != nil {
			return lines, skipped, err
		}
		_ = flush(rec.Entered)
		callEvents(&rec, push)
	}
	if err := pushChangesUntil(to); err != nil {
		return lines, skipped, err
	}
	_ = flush(time.Unix(1<<62, 0))
	skipped += changes.skipped
	return lines, skipped, bw.Flush()
}

func secsInt(d time.Duration) string {
	return strconv.FormatInt(int64(d.Round(time.Second)/time.Second), 10)
}

// callEvents pushes the queue_log lines of one ended call.
func callEvents(rec *store.CallRecord, push func(time.Time, string)) {
	if rec.Outcome == acd.OutcomeInProgress || rec.Ended.IsZero() {
		return
	}
	callLines(rec, func(_ string, at time.Time, line string) { push(at, line) })
}

// callLines emits the queue_log lines a call's record holds so far, each
// with a key naming it within the call, so that a record saved again as
// the call goes on can be written without repeating a line. Callbacks
// dialed back have no lines: the caller's queue call had them.
func callLines(rec *store.CallRecord, emit func(key string, at time.Time, line string)) {
	if rec.Direction == acd.DirectionCallback {
		return
	}
	line := func(queue, agent, event string, data ...string) string {
		if agent == "" {
			agent = "NONE"
		}
		return qlJoin(append([]string{rec.ID, queue, agent, event}, data...))
	}
	in, key, opos, leftAt := "", "", "1", "1" // opos: place on entering; leftAt: on abandoning
	var since time.Time
	for i, step := range rec.Timeline {
		k := "step" + strconv.Itoa(i)
		wait := func() string { return secsInt(step.At.Sub(since)) }
		switch step.Kind {
		case "enqueue":
			in, since, opos = step.Detail, step.At, linePos(step)
			emit(k, step.At, line(in, "", "ENTERQUEUE", "", rec.CustomerNumber(), opos))
		case "exit-key":
			key = step.Detail
		case "abandon":
			leftAt = linePos(step)
		case "callback-key":
			emit(k, step.At, line(in, "", "EXITWITHKEY", step.Detail, linePos(step), opos, wait()))
		case "overflow":
			reason, _, _ := strings.Cut(step.Detail, " → ")
			switch reason {
			case "max-wait":
				emit(k, step.At, line(in, "", "EXITWITHTIMEOUT", linePos(step), opos, wait()))
			case "exit-key":
				emit(k, step.At, line(in, "", "EXITWITHKEY", key, linePos(step), opos, wait()))
			case "queue-full":
				emit(k, step.At, line(in, "", "FULL"))
			default: // queue-empty, no-agents, a moved lead
				emit(k, step.At, line(in, "", "EXITEMPTY", linePos(step), opos, wait()))
			}
		}
	}
	if rec.Queue == "" {
		return
	}
	for i, a := range rec.Attempts {
		switch a.Result {
		case acd.AttemptNoAnswer, acd.AttemptBusy, acd.AttemptUnreachable, acd.AttemptRejected:
		default:
			continue
		}
		// The ring ended at its "no-connect" step; in older records without
		// one, when the next ring began, the call was answered or ended.
		end, found := time.Time{}, false
		for _, step := range rec.Timeline {
			if step.Kind == "no-connect" && step.Agent == a.Agent && !step.At.Before(a.At) {
				end, found = step.At, true
				break
			}
		}
		switch {
		case found:
		case i+1 < len(rec.Attempts):
			end = rec.Attempts[i+1].At
		case !rec.Answered.IsZero():
			end = rec.Answered
		case !rec.Ended.IsZero():
			end = rec.Ended
		default:
			continue // not known yet: written when the record says
		}
		end = maxTime(end, a.At)
		emit("ring"+strconv.Itoa(i), end, line(queueAt(rec, a.At), a.Agent, "RINGNOANSWER", strconv.FormatInt(end.Sub(a.At).Milliseconds(), 10)))
	}
	if len(rec.Legs) > 0 {
		transferLines(rec, line, emit, leftAt)
		return
	}
	wait := secsInt(rec.Wait)
	if !rec.Answered.IsZero() {
		ring := time.Duration(0)
		if n := len(rec.Attempts); n > 0 {
			ring = rec.Answered.Sub(rec.Attempts[n-1].At)
		}
		emit("connect", rec.Answered, line(rec.Queue, rec.Agent, "CONNECT", wait, rec.AgentChannel, secsInt(ring)))
	}
	if rec.Ended.IsZero() || rec.Outcome == acd.OutcomeInProgress {
		return
	}
	switch {
	case !rec.Answered.IsZero():
		event := "COMPLETEAGENT"
		if rec.HangupBy == acd.HangupCaller {
			event = "COMPLETECALLER"
		}
		emit("end", rec.Ended, line(rec.Queue, rec.Agent, event, wait, secsInt(rec.Talk), opos))
	case rec.Outcome == acd.OutcomeAbandoned:
		emit("end", rec.Ended, line(rec.Queue, "", "ABANDON", leftAt, opos, wait))
	}
}

// linePos is a step's place in the line as the queue_log writes it.
func linePos(s store.Step) string {
	if s.Pos <= 0 {
		return "1"
	}
	return strconv.Itoa(s.Pos)
}

// transferLines writes a transferred call's agent legs: CONNECT when each
// agent took it, TRANSFER (target|context|hold time|talk time|position)
// when it sent the caller on, and the end of the last leg as an untransferred
// call ends. The first leg's CONNECT has the key an untransferred call's
// has, so a live log that wrote it before the transfer does not repeat it.
func transferLines(rec *store.CallRecord, line func(queue, agent, event string, data ...string) string, emit func(string, time.Time, string), leftAt string) {
	waited := func(at time.Time) string { // since the call entered the queue it was taken from
		since := rec.Entered
		for _, s := range rec.Timeline {
			if s.Kind == "enqueue" && !s.At.After(at) {
				since = s.At
			}
		}
		return secsInt(at.Sub(since))
	}
	opos := func(at time.Time) string { // the place in line on entering that queue
		pos := "1"
		for _, s := range rec.Timeline {
			if s.Kind == "enqueue" && !s.At.After(at) {
				pos = linePos(s)
			}
		}
		return pos
	}
	last := len(rec.Legs) - 1
	for i, l := range rec.Legs {
		if l.Agent == "" || l.Queue == "" {
			continue // an outside number, or a flow's transfer: no queue member took it
		}
		k := strconv.Itoa(i)
		if i == 0 {
			k = ""
		}
		wait := waited(l.Start)
		ring, ch := time.Duration(0), ""
		for _, a := range rec.Attempts { // the ring that this leg's agent answered
			if a.Agent == l.Agent && !a.At.After(l.Start) {
				ring = l.Start.Sub(a.At)
			}
		}
		if i == last && l.Agent == rec.Agent {
			ch = rec.AgentChannel // the record keeps the current party's channel only
		}
		emit("connect"+k, l.Start, line(l.Queue, l.Agent, "CONNECT", wait, ch, secsInt(ring)))
		to, sent := transferTarget(rec, l)
		if i < last && !sent {
			next := rec.Legs[i+1]
			to, sent = next.Agent+next.Number, true
		}
		if sent {
			emit("transfer"+k, l.End, line(l.Queue, l.Agent, "TRANSFER", to, "hotline", wait, secsInt(l.Talk), opos(l.Start)))
			if i < last {
				continue
			}
		}
		if rec.Ended.IsZero() || rec.Outcome == acd.OutcomeInProgress {
			return
		}
		if sent {
			// Sent on and taken by no one: the caller hung up in the queue
			// it was sent to (an overflow there has its own line).
			if rec.Outcome == acd.OutcomeAbandoned {
				if q := queueAt(rec, rec.Ended); q != "" && !rec.Ended.Before(l.End) {
					emit("end", rec.Ended, line(q, "", "ABANDON", leftAt, opos(rec.Ended), waited(rec.Ended)))
				}
			}
			return
		}
		event := "COMPLETEAGENT"
		if rec.HangupBy == acd.HangupCaller {
			event = "COMPLETECALLER"
		}
		emit("end", rec.Ended, line(l.Queue, l.Agent, event, wait, secsInt(l.Talk), opos(l.Start)))
	}
}

// transferTarget is where the agent of leg l sent the caller at its end,
// as its timeline's transfer step says ("blind → queue NAME", "attended →
// agent NAME (how)", "blind → number N"): the queue, agent or number.
func transferTarget(rec *store.CallRecord, l store.Leg) (string, bool) {
	for _, s := range rec.Timeline {
		if s.Kind != "transfer" || !s.At.Equal(l.End) || (s.Agent != "" && s.Agent != l.Agent) {
			continue
		}
		_, to, ok := strings.Cut(s.Detail, "→ ")
		if !ok {
			continue
		}
		to, _, _ = strings.Cut(to, " (")
		if _, name, ok := strings.Cut(to, " "); ok {
			return name, true
		}
	}
	return "", false
}

// queueAt is the queue the call was in at at: the one it last entered by
// then (the record's queue before any).
func queueAt(rec *store.CallRecord, at time.Time) string {
	q := rec.Queue
	for _, s := range rec.Timeline {
		if s.Kind == "enqueue" && !s.At.After(at) {
			q = s.Detail
		}
	}
	return q
}

// qlFieldText makes a field's text one field of one line: caller ids and
// pause reasons come from outside, and a | or a line break in them would
// shift the fields after it or forge a line of its own.
var qlFieldText = strings.NewReplacer("|", " ", "\r", " ", "\n", " ")

// qlJoin is the fields of a queue_log line, each made safe, joined by |.
func qlJoin(fields []string) string {
	for i, f := range fields {
		fields[i] = qlFieldText.Replace(f)
	}
	return strings.Join(fields, "|")
}

// changeEvents pushes the queue_log line of one agent state change, if it
// has one.
func changeEvents(ch store.AgentChange, pushOne func(time.Time, string)) {
	queues := ch.Queues
	if len(queues) == 0 {
		queues = []string{"NONE"}
	}
	push := func(at time.Time, line string) {
		for _, q := range queues {
			pushOne(at, "NONE|"+q+"|"+ch.Agent+"|"+line)
		}
	}
	line := func(event string, data ...string) string {
		return qlJoin(append([]string{event}, data...))
	}
	switch {
	case ch.From == acd.LoggedOut && ch.To != acd.LoggedOut:
		push(ch.At, line("ADDMEMBER", ""))
		if ch.To == acd.Paused {
			push(ch.At, line("PAUSE", ch.Reason))
		}
	case ch.To == acd.LoggedOut:
		if ch.From == acd.Paused {
			push(ch.At, line("UNPAUSE", ""))
		}
		push(ch.At, line("REMOVEMEMBER", ""))
	case ch.To == acd.Paused:
		push(ch.At, line("PAUSE", ch.Reason))
	case ch.From == acd.Paused:
		push(ch.At, line("UNPAUSE", ""))
	}
}

type qlEvent struct {
	at   time.Time
	seq  int
	line string
}

// qlQueue orders lines by time, then by the order they were made.
type qlQueue []qlEvent

func (q qlQueue) Len() int { return len(q) }
func (q qlQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q qlQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *qlQueue) Push(x any)   { *q = append(*q, x.(qlEvent)) }
func (q *qlQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// changeReader reads a period's agent changes a window at a time.
type changeReader struct {
	src      Source
	from, to time.Time
	buf      []store.AgentChange
	skipped  int
}

func newChangeReader(src Source, from, to time.Time) *changeReader {
	return &changeReader{src: src, from: from, to: to}
}

func (r *changeReader) peek() (store.AgentChange, bool, error) {
	for len(r.buf) == 0 {
		if !r.from.Before(r.to) {
			return store.AgentChange{}, false, nil
		}
		end := minTime(r.from.Add(changeWindow), r.to)
		changes, err := r.src.AgentChanges("", r.from, end)
		bad, rest := store.Skipped(err)
		if rest != nil {
			return store.AgentChange{}, false, fmt.Errorf("read agent changes: %w", rest)
		}
		r.skipped += len(bad)
		r.buf, r.from = changes, end
	}
	return r.buf[0], true, nil
}

func (r *changeReader) next() { r.buf = r.buf[1:] }
