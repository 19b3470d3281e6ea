package report

import (
	"errors"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/store"
)

var t0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

func at(min, sec int) time.Time {
	return t0.Add(time.Duration(min)*time.Minute + time.Duration(sec)*time.Second)
}

// call is a record of a caller who entered at entered, waited wait in queue
// and got outcome; an answered call talked 60 s to agent with 10 s wrap-up.
func call(id, queue string, entered time.Time, wait time.Duration, outcome acd.Outcome, agent string) store.CallRecord {
	rec := store.CallRecord{ID: id, Direction: acd.DirectionInbound, Queue: queue, Entered: entered, Wait: wait,
		Outcome: outcome, Ended: entered.Add(wait + 70*time.Second),
		Timeline: []store.Step{{At: entered, Kind: "enqueue", Detail: queue}}}
	if outcome == acd.OutcomeAnswered {
		rec.Agent = agent
		rec.Answered = entered.Add(wait)
		rec.Talk, rec.WrapUp = 60*time.Second, 10*time.Second
		rec.Attempts = []store.Attempt{{Agent: agent, At: entered.Add(wait - time.Second), Result: acd.AttemptAnswered}}
	}
	return rec
}

func build(t *testing.T, o Options, recs []store.CallRecord, changes []store.AgentChange) *Report {
	t.Helper()
	b, err := NewBuilder(o)
	if err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		b.AddCall(&recs[i])
	}
	for i := range changes {
		if err := b.AddChange(&changes[i]); err != nil {
			t.Fatal(err)
		}
	}
	return b.Report()
}

func TestQueueFigures(t *testing.T) {
	s := time.Second
	recs := []store.CallRecord{
		call("a1", "sales", at(1, 0), 5*s, acd.OutcomeAnswered, "ann"),
		call("a2", "sales", at(2, 0), 30*s, acd.OutcomeAnswered, "bob"),
		call("a3", "sales", at(3, 0), 20*s, acd.OutcomeAnswered, "ann"), // at the threshold: in
		call("ab1", "sales", at(4, 0), 3*s, acd.OutcomeAbandoned, ""),   // short
		call("ab2", "sales", at(5, 0), 50*s, acd.OutcomeAbandoned, ""),
		call("b1", "sales", at(16, 0), 7*s, acd.OutcomeAnswered, "bob"), // next quarter
		call("s1", "support", at(2, 0), 1*s, acd.OutcomeAnswered, "cy"),
		call("late", "sales", at(70, 0), 1*s, acd.OutcomeAnswered, "cy"), // after the period
	}
	recs[0].Disposition = "sale"
	recs[1].Disposition = "sale"
	recs[5].Disposition = "no-sale"
	// a call that moved from support to sales and asked a callback there
	cb := store.CallRecord{ID: "cb", Direction: acd.DirectionInbound, Queue: "sales", Entered: at(6, 0), Ended: at(7, 0),
		Wait: 40 * s, Outcome: acd.OutcomeCallback, Timeline: []store.Step{
			{At: at(6, 0), Kind: "enqueue", Detail: "support"}, {At: at(6, 20), Kind: "overflow"},
			{At: at(6, 20), Kind: "enqueue", Detail: "sales"}, {At: at(6, 40), Kind: "callback-requested"}}}
	dialed := store.CallRecord{ID: "cbd", Direction: acd.DirectionCallback, Queue: "sales", Entered: at(8, 0), Ended: at(10, 0),
		Answered: at(8, 10), Agent: "ann", Talk: 90 * s, Outcome: acd.OutcomeAnswered}
	open := call("open", "sales", at(9, 0), 0, acd.OutcomeInProgress, "")
	open.Ended = time.Time{}
	recs = append(recs, cb, dialed, open)

	r := build(t, Options{From: t0, To: t0.Add(time.Hour), Interval: Interval15m, ShortAbandon: 5 * s,
		Threshold: func(q string) time.Duration { return map[string]time.Duration{"sales": 20 * s, "support": 10 * s}[q] }}, recs, nil)

	if len(r.Rows.Queues) != 3 {
		t.Fatalf("%d queue rows, want sales and support at 9:00, sales at 9:15: %+v", len(r.Rows.Queues), r.Rows.Queues)
	}
	sales := r.Rows.Queues[0]
	if sales.Queue != "sales" || !sales.Start.Equal(t0) || !sales.End.Equal(at(15, 0)) {
		t.Fatalf("first row %s %s-%s", sales.Queue, sales.Start, sales.End)
	}
	check := func(name string, got, want any) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("offered", sales.Offered, 6) // a1 a2 a3 ab1 ab2 cb
	check("answered", sales.Answered, 3)
	check("abandoned", sales.Abandoned, 1)
	check("short abandoned", sales.ShortAbandoned, 1)
	check("callbacks", sales.Callbacks, 1)
	check("callbacks handled", sales.CallbacksHandled, 1)
	check("in SL", sales.InSL, 2)
	check("SL over answered", sales.SLAnswered, 2.0/3)
	check("SL over answered+abandoned", sales.SLOffered, 2.0/4)
	check("ASA", sales.ASA, secs(55*time.Second/3))
	check("average wait", sales.AvgWait, Seconds((5+30+20+50)/4.0))
	check("longest wait", sales.MaxWait, Seconds(50))
	check("handled", sales.Handled, 4)
	check("AHT", sales.AHT, Seconds((3*70+90)/4.0))
	if p := sales.P90Wait; p < 49 || p > 50 {
		t.Errorf("p90 wait %v, want in the bucket of 50 s", p)
	}
	support := r.Rows.Queues[1]
	check("support offered", support.Offered, 2) // s1 and cb's first queue
	check("support overflowed", support.Overflowed, 1)
	check("support overflow in", support.OverflowIn, 0)
	check("sales overflow in", sales.OverflowIn, 1) // cb, from support
	check("support answered", support.Answered, 1)
	check("support threshold", support.Threshold, Seconds(10))

	if len(r.Totals.Queues) != 2 || r.Totals.Queues[0].Offered != 7 || r.Totals.Queues[0].Answered != 4 {
		t.Errorf("totals %+v", r.Totals.Queues)
	}
	if got := r.Totals.Dispositions; len(got) != 2 || got[0].Disposition != "no-sale" || got[0].Calls != 1 || got[1].Calls != 2 {
		t.Errorf("dispositions %+v", got)
	}
	var ann AgentRow
	for _, a := range r.Totals.Agents {
		if a.Agent == "ann" {
			ann = a
		}
	}
	check("ann answered", ann.Answered, 3) // two queue calls, one callback
	check("ann offered", ann.Offered, 2)   // the dialed callback records no attempt
	check("ann talk", ann.Talk, Seconds(210))
}

// Agent times are cut at interval boundaries, carried from changes before
// the period, and split by pause reason.
func TestAgentTimes(t *testing.T) {
	changes := []store.AgentChange{
		{Agent: "ann", At: t0.Add(-time.Hour), From: acd.LoggedOut, To: acd.Available},
		{Agent: "bob", At: at(5, 0), From: acd.LoggedOut, To: acd.Available},
		{Agent: "ann", At: at(10, 0), From: acd.Available, To: acd.OnCall},
		{Agent: "ann", At: at(20, 0), From: acd.OnCall, To: acd.WrapUp},
		{Agent: "ann", At: at(21, 0), From: acd.WrapUp, To: acd.Paused, Reason: "lunch"},
		{Agent: "bob", At: at(25, 0), From: acd.Available, To: acd.Paused, Reason: "break"},
		{Agent: "bob", At: at(35, 0), From: acd.Paused, To: acd.Paused, Reason: "coaching"},
		{Agent: "bob", At: at(40, 0), From: acd.Paused, To: acd.LoggedOut},
		{Agent: "ann", At: at(51, 0), From: acd.Paused, To: acd.Available},
	}
	r := build(t, Options{From: t0, To: t0.Add(time.Hour), Interval: Interval15m}, nil, changes)
	row := func(start int, agent string) AgentRow {
		for _, a := range r.Rows.Agents {
			if a.Agent == agent && a.Start.Equal(at(start, 0)) {
				return a
			}
		}
		t.Fatalf("no row for %s at +%dm", agent, start)
		return AgentRow{}
	}
	m := func(n float64) Seconds { return Seconds(60 * n) }
	cases := []struct {
		start                                    int
		agent                                    string
		loggedIn, available, onCall, wrap, pause Seconds
	}{
		{0, "ann", m(15), m(10), m(5), 0, 0},
		{15, "ann", m(15), 0, m(5), m(1), m(9)},
		{30, "ann", m(15), 0, 0, 0, m(15)},
		{45, "ann", m(15), m(9), 0, 0, m(6)},
		{0, "bob", m(10), m(10), 0, 0, 0},
		{15, "bob", m(15), m(10), 0, 0, m(5)},
		{30, "bob", m(10), 0, 0, 0, m(10)},
	}
	for _, c := range cases {
		a := row(c.start, c.agent)
		if a.LoggedIn != c.loggedIn || a.Available != c.available || a.OnCall != c.onCall || a.InWrapUp != c.wrap || a.Paused != c.pause {
			t.Errorf("%s at +%dm: logged in %v available %v on call %v wrap-up %v paused %v; want %v %v %v %v %v", c.agent, c.start,
				a.LoggedIn, a.Available, a.OnCall, a.InWrapUp, a.Paused, c.loggedIn, c.available, c.onCall, c.wrap, c.pause)
		}
	}
	if got := row(30, "bob").Pauses; got["break"] != m(5) || got["coaching"] != m(5) {
		t.Errorf("bob's pauses at +30m: %v", got)
	}
	ann := row(15, "ann")
	if want := 6.0 / 6; ann.Occupancy != want {
		t.Errorf("ann's occupancy at +15m %v, want %v (6 busy minutes over 6 staffed)", ann.Occupancy, want)
	}
	if want := 6.0 / 15; ann.Utilization != want {
		t.Errorf("ann's utilization at +15m %v, want %v", ann.Utilization, want)
	}
	for _, a := range r.Rows.Agents {
		if a.Agent == "bob" && a.Start.Equal(at(45, 0)) {
			t.Errorf("bob has a row after logging out: %+v", a)
		}
	}
	bad := []store.AgentChange{changes[2], changes[0]}
	b, _ := NewBuilder(Options{From: at(0, 0), To: at(60, 0)})
	_ = b.AddChange(&bad[0])
	if err := b.AddChange(&bad[1]); !errors.Is(err, ErrBadOption) {
		t.Errorf("changes out of order: %v", err)
	}
}

// A day clocks go back is one row of 25 hours, and an agent logged in all
// of it has 25 hours.
func TestAgentDayAcrossDST(t *testing.T) {
	loc := berlin(t)
	day := time.Date(2026, 10, 25, 0, 0, 0, 0, loc)
	changes := []store.AgentChange{{Agent: "ann", At: day.Add(-time.Minute), From: acd.LoggedOut, To: acd.Available}}
	r := build(t, Options{From: day.AddDate(0, 0, -1), To: day.AddDate(0, 0, 2), Interval: IntervalDay, Location: loc}, nil, changes)
	if len(r.Rows.Agents) != 3 {
		t.Fatalf("%d rows: %+v", len(r.Rows.Agents), r.Rows.Agents)
	}
	for i, want := range []Seconds{60, 25 * 3600, 24 * 3600} {
		if got := r.Rows.Agents[i].LoggedIn; got != want {
			t.Errorf("day %s: logged in %v s, want %v", r.Rows.Agents[i].Start.Format("2006-01-02"), got, want)
		}
	}
}

func TestOptionsRefused(t *testing.T) {
	for name, o := range map[string]Options{
		"no period":      {},
		"reversed":       {From: at(10, 0), To: at(0, 0)},
		"interval":       {From: at(0, 0), To: at(10, 0), Interval: "fortnight"},
		"short abandons": {From: at(0, 0), To: at(10, 0), ShortAbandon: -time.Second},
	} {
		if _, err := NewBuilder(o); !errors.Is(err, ErrBadOption) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Memory holds one accumulator per interval and queue, whatever the
// number of calls.
func TestMemoryDoesNotGrowWithCalls(t *testing.T) {
	b, err := NewBuilder(Options{From: t0, To: t0.Add(time.Hour), Interval: Interval15m})
	if err != nil {
		t.Fatal(err)
	}
	rec := call("x", "sales", at(1, 0), 10*time.Second, acd.OutcomeAnswered, "ann")
	for i := range 200_000 {
		rec.Entered = at(i%60, i%59)
		rec.Wait = time.Duration(i%900) * time.Second
		b.AddCall(&rec)
	}
	if n := len(b.cuts[0].queues); n != 4 {
		t.Errorf("%d queue accumulators after 200,000 calls in 4 quarters", n)
	}
	if n := len(b.cuts[0].agents); n != 4 {
		t.Errorf("%d agent accumulators", n)
	}
	allocs := testing.AllocsPerRun(1000, func() { b.AddCall(&rec) })
	if allocs != 0 {
		t.Errorf("%v allocations per call counted into existing rows, want 0", allocs)
	}
}

// A period that runs past now counts an agent still logged in up to now,
// not to the period's end.
func TestAgentTimesStopAtNow(t *testing.T) {
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	changes := []store.AgentChange{{Agent: "ann", At: day.Add(9 * time.Hour), From: acd.LoggedOut, To: acd.Available}}
	r := build(t, Options{From: day, To: day.AddDate(0, 0, 1), Now: day.Add(12 * time.Hour)}, nil, changes)
	if len(r.Totals.Agents) != 1 || r.Totals.Agents[0].LoggedIn != 3*3600 || r.Totals.Agents[0].Available != 3*3600 {
		t.Errorf("agents = %+v, want 3 h logged in and available", r.Totals.Agents)
	}
}
