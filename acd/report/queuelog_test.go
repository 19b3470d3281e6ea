package report

import (
	"iter"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/store"
)

// memSource is a Source over slices, records in Entered order.
type memSource struct {
	calls   []store.CallRecord
	changes []store.AgentChange
}

func (m memSource) Calls(f store.Filter) iter.Seq2[store.CallRecord, error] {
	return func(yield func(store.CallRecord, error) bool) {
		for _, c := range m.calls {
			if !c.Entered.Before(f.From) && c.Entered.Before(f.To) && !yield(c, nil) {
				return
			}
		}
	}
}

func (m memSource) AgentChanges(_ string, from, to time.Time) ([]store.AgentChange, error) {
	var out []store.AgentChange
	for _, ch := range m.changes {
		if !ch.At.Before(from) && ch.At.Before(to) {
			out = append(out, ch)
		}
	}
	return out, nil
}

func TestQueueLogEvents(t *testing.T) {
	s := time.Second
	timeout := store.CallRecord{ID: "t", Queue: "sales", Entered: at(0, 0), Ended: at(2, 0), Outcome: acd.OutcomeOverflowed,
		Timeline: []store.Step{{At: at(0, 0), Kind: "enqueue", Detail: "sales", Pos: 1}, {At: at(1, 30), Kind: "overflow", Detail: "max-wait → hangup", Pos: 1}}}
	key := store.CallRecord{ID: "k", Queue: "support", Entered: at(0, 10), Ended: at(3, 0), Outcome: acd.OutcomeAnswered,
		Answered: at(1, 0), Agent: "ann", Wait: 40 * s, Talk: 2 * time.Minute, HangupBy: acd.HangupCaller, AgentChannel: "PJSIP/ann-1",
		Attempts: []store.Attempt{{Agent: "bob", At: at(0, 30), Result: acd.AttemptNoAnswer}, {Agent: "ann", At: at(0, 45), Result: acd.AttemptAnswered}},
		Timeline: []store.Step{{At: at(0, 10), Kind: "enqueue", Detail: "sales", Pos: 2}, {At: at(0, 15), Kind: "exit-key", Detail: "9"},
			{At: at(0, 15), Kind: "overflow", Detail: "exit-key → queue", Pos: 2}, {At: at(0, 20), Kind: "enqueue", Detail: "support", Pos: 1}}}
	// Before positions were kept: 1.
	empty := store.CallRecord{ID: "e", Queue: "sales", Entered: at(0, 20), Ended: at(0, 21), Outcome: acd.OutcomeOverflowed,
		Timeline: []store.Step{{At: at(0, 20), Kind: "enqueue", Detail: "sales"}, {At: at(0, 21), Kind: "overflow", Detail: "queue-empty → hangup"}}}
	gone := store.CallRecord{ID: "g", Queue: "sales", Entered: at(0, 30), Ended: at(0, 50), Outcome: acd.OutcomeAbandoned, Wait: 20 * s,
		Timeline: []store.Step{{At: at(0, 30), Kind: "enqueue", Detail: "sales", Pos: 3}, {At: at(0, 50), Kind: "abandon", Detail: "queued", Pos: 2}}}
	src := memSource{calls: []store.CallRecord{timeout, key, empty, gone}, changes: []store.AgentChange{
		{Agent: "bob", At: at(0, 5), From: acd.LoggedOut, To: acd.Available, Queues: []string{"sales", "support"}},
		{Agent: "bob", At: at(2, 0), From: acd.Available, To: acd.Paused, Reason: "lunch", Queues: []string{"sales", "support"}},
		{Agent: "bob", At: at(2, 30), From: acd.Paused, To: acd.LoggedOut, Queues: []string{"sales", "support"}},
		{Agent: "cy", At: at(2, 40), From: acd.LoggedOut, To: acd.Paused, Reason: "training"}, // stored before queues were kept
	}}
	var b strings.Builder
	n, _, err := WriteQueueLog(&b, src, t0, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	base := t0.Unix()
	want := strings.Join([]string{
		"0|t|sales|NONE|ENTERQUEUE|||1",
		"5|NONE|sales|bob|ADDMEMBER|",
		"5|NONE|support|bob|ADDMEMBER|",
		"10|k|sales|NONE|ENTERQUEUE|||2",
		"15|k|sales|NONE|EXITWITHKEY|9|2|2|5",
		"20|k|support|NONE|ENTERQUEUE|||1",
		"20|e|sales|NONE|ENTERQUEUE|||1",
		"21|e|sales|NONE|EXITEMPTY|1|1|1",
		"30|g|sales|NONE|ENTERQUEUE|||3",
		"45|k|support|bob|RINGNOANSWER|15000",
		"50|g|sales|NONE|ABANDON|2|3|20",
		"60|k|support|ann|CONNECT|40|PJSIP/ann-1|15",
		"90|t|sales|NONE|EXITWITHTIMEOUT|1|1|90",
		"120|NONE|sales|bob|PAUSE|lunch",
		"120|NONE|support|bob|PAUSE|lunch",
		"150|NONE|sales|bob|UNPAUSE|",
		"150|NONE|support|bob|UNPAUSE|",
		"150|NONE|sales|bob|REMOVEMEMBER|",
		"150|NONE|support|bob|REMOVEMEMBER|",
		"160|NONE|NONE|cy|ADDMEMBER|",
		"160|NONE|NONE|cy|PAUSE|training",
		"180|k|support|ann|COMPLETECALLER|40|120|1",
	}, "\n") + "\n"
	var got []string
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		epoch, rest, _ := strings.Cut(line, "|")
		e, err := strconv.ParseInt(epoch, 10, 64)
		if err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		got = append(got, strconv.FormatInt(e-base, 10)+"|"+rest)
	}
	if g := strings.Join(got, "\n") + "\n"; g != want || n != 22 {
		t.Errorf("queue_log (%d lines), seconds from the start:\n%s\nwant:\n%s", n, g, want)
	}
}

// A pause reason or a caller id is text from outside: a newline or a | in
// it must not make a line of its own nor shift the fields after it.
func TestQueueLogHostileText(t *testing.T) {
	rec := store.CallRecord{ID: "h", Queue: "sales", Caller: "+1555|x\n999|forged|sales|NONE|ENTERQUEUE", Entered: at(0, 0), Ended: at(0, 9),
		Outcome: acd.OutcomeAbandoned, Timeline: []store.Step{{At: at(0, 0), Kind: "enqueue", Detail: "sales", Pos: 1}, {At: at(0, 9), Kind: "abandon", Detail: "queued", Pos: 1}}}
	src := memSource{calls: []store.CallRecord{rec}, changes: []store.AgentChange{
		{Agent: "bob", At: at(0, 5), From: acd.Available, To: acd.Paused, Reason: "lunch\r\n1|NONE|sales|eve|ADDMEMBER|", Queues: []string{"sales"}},
	}}
	var b strings.Builder
	n, _, err := WriteQueueLog(&b, src, t0, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if n != 3 || len(lines) != 3 {
		t.Fatalf("%d lines (counted %d), want 3:\n%s", len(lines), n, b.String())
	}
	for _, l := range lines {
		f := strings.Split(l, "|")
		switch f[4] {
		case "ENTERQUEUE":
			if len(f) != 8 || f[6] != "+1555 x 999 forged sales NONE ENTERQUEUE" {
				t.Errorf("ENTERQUEUE line %q: want the caller id in field 7, its | and newline as spaces", l)
			}
		case "PAUSE":
			if len(f) != 6 || f[5] != "lunch  1 NONE sales eve ADDMEMBER " {
				t.Errorf("PAUSE line %q: want the reason in field 6, its | and newlines as spaces", l)
			}
		}
	}
}

// A transferred call's CONNECT lines carry the ring each agent answered
// (and the channel of the party the record still knows, the last), as an
// untransferred call's does; a campaign's lead enters its queue under the
// lead's number, not the campaign's own caller id.
func TestQueueLogTransferRingAndLeadNumber(t *testing.T) {
	s := time.Second
	xfer := store.CallRecord{ID: "x", Direction: acd.DirectionInbound, Caller: "+12125550101", Queue: "billing", Agent: "hugo",
		AgentChannel: "PJSIP/hugo-7", Entered: at(0, 0), Answered: at(0, 10), Ended: at(5, 0), Outcome: acd.OutcomeAnswered,
		Wait: 10 * s, Talk: 4 * time.Minute, HangupBy: acd.HangupCaller,
		Attempts: []store.Attempt{{Agent: "ben", At: at(0, 8), Result: acd.AttemptAnswered}, {Agent: "hugo", At: at(2, 0), Result: acd.AttemptAnswered}},
		Timeline: []store.Step{{At: at(0, 0), Kind: "enqueue", Detail: "support", Pos: 1}, {At: at(1, 55), Kind: "enqueue", Detail: "billing", Pos: 1}},
		Legs: []store.Leg{{Agent: "ben", Queue: "support", Start: at(0, 10), End: at(1, 55), Talk: 105 * s},
			{Agent: "hugo", Queue: "billing", Via: acd.TransferBlind, From: "ben", Start: at(2, 9), End: at(5, 0), Talk: 171 * s}}}
	lead := store.CallRecord{ID: "o", Direction: acd.DirectionOutbound, Caller: "+15551230000", Called: "+12125550199", Queue: "campaign:spring",
		Entered: at(6, 0), Answered: at(6, 11), Ended: at(8, 0), Agent: "ann", Outcome: acd.OutcomeAnswered, Talk: 109 * s,
		Timeline: []store.Step{{At: at(6, 10), Kind: "enqueue", Detail: "campaign:spring", Pos: 1}}}
	var b strings.Builder
	if _, _, err := WriteQueueLog(&b, memSource{calls: []store.CallRecord{xfer, lead}}, t0, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"|x|support|ben|CONNECT|10||2\n",
		"|x|billing|hugo|CONNECT|14|PJSIP/hugo-7|9\n",
		"|o|campaign:spring|NONE|ENTERQUEUE||+12125550199|1\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("queue_log lacks %q:\n%s", want, b.String())
		}
	}
}
