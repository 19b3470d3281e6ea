package report

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/store"
)

// Options say what a report covers and how it counts.
type Options struct {
	From, To time.Time      // the period: calls entered in [From, To); agent times clipped to it
	Interval Interval       // the rows' length; "" is IntervalPeriod
	Location *time.Location // the call center's time zone; nil is UTC
	// ShortAbandon: a caller who hangs up after waiting less than this is a
	// short abandon, counted apart (0: none is).
	ShortAbandon time.Duration
	// Threshold is a queue's service-level threshold; nil gives
	// DefaultThreshold to every queue.
	Threshold func(queue string) time.Duration
	// Campaigns gives an outbound campaign's abandonment cap and sale
	// dispositions; without a rule, the disposition "sale" is a sale.
	Campaigns map[string]CampaignRule
	// Now, when set and before To, ends the agents' current states: a
	// period that runs into the future counts no time there.
	Now time.Time
	// Agents are agents to report though they may have no change in the
	// period or the Lookback before it (logged in and ready, or paused,
	// since long before): each is in the state its last change before the
	// period left it in. Build adds the agents a Source knows (see
	// AgentLister).
	Agents []string
}

// DefaultThreshold is the service-level threshold of a queue Options do not name.
const DefaultThreshold = 20 * time.Second

// Builder accumulates a report from records and agent changes; see the
// package doc. It is not safe for concurrent use.
type Builder struct {
	o       Options
	cuts    [2]*cut // by interval, and over the whole period
	cursors map[string]*cursor
}

// cut is the accumulators of one way of cutting the period.
type cut struct {
	clock     clock
	queues    map[key]*queueAcc
	agents    map[key]*agentAcc
	disp      map[dispKey]int
	campaigns map[key]*campaignAcc
}

type key struct {
	start int64 // unix nanoseconds of the interval's start
	name  string
}

type dispKey struct {
	key
	disposition string
}

// cursor is where an agent is in the change log while it is read.
type cursor struct {
	state  acd.AgentState
	reason string
	since  time.Time
	// open, when set, is the time of the agent's first change read, which
	// came in the period: where the agent was from the period's start until
	// then is unknown until Settle says it.
	open time.Time
}

// NewBuilder checks o and starts an empty report.
func NewBuilder(o Options) (*Builder, error) {
	if o.From.IsZero() || o.To.IsZero() || !o.To.After(o.From) {
		return nil, fmt.Errorf("period %s to %s: %w: want a start before its end", o.From, o.To, ErrBadOption)
	}
	if o.Interval == "" {
		o.Interval = IntervalPeriod
	}
	if _, err := ParseInterval(string(o.Interval)); err != nil {
		return nil, err
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.ShortAbandon < 0 {
		return nil, fmt.Errorf("short abandon %v: %w: must not be negative", o.ShortAbandon, ErrBadOption)
	}
	if o.Threshold == nil {
		o.Threshold = func(string) time.Duration { return DefaultThreshold }
	}
	b := &Builder{o: o, cursors: map[string]*cursor{}}
	for i, iv := range []Interval{o.Interval, IntervalPeriod} {
		b.cuts[i] = &cut{clock: clock{iv: iv, loc: o.Location, from: o.From, to: o.To},
			queues: map[key]*queueAcc{}, agents: map[key]*agentAcc{}, disp: map[dispKey]int{}, campaigns: map[key]*campaignAcc{}}
	}
	return b, nil
}

func (c *cut) queue(start int64, name string) *queueAcc {
	k := key{start, name}
	q := c.queues[k]
	if q == nil {
		q = &queueAcc{}
		c.queues[k] = q
	}
	return q
}

func (c *cut) agent(start int64, id string) *agentAcc {
	k := key{start, id}
	a := c.agents[k]
	if a == nil {
		a = &agentAcc{}
		c.agents[k] = a
	}
	return a
}

// AddCall counts one call record; it reports whether the record was in the
// period and ended (others are skipped).
func (b *Builder) AddCall(rec *store.CallRecord) bool {
	if rec.Outcome == acd.OutcomeInProgress || rec.Ended.IsZero() ||
		rec.Entered.Before(b.o.From) || !rec.Entered.Before(b.o.To) {
		return false
	}
	threshold := time.Duration(-1)
	if rec.Queue != "" {
		threshold = b.o.Threshold(rec.Queue)
	}
	campaign := campaignOf(rec)
	for _, c := range b.cuts {
		start := c.clock.start(rec.Entered).UnixNano()
		c.addCall(rec, start, b.o.ShortAbandon, threshold)
		if campaign != "" {
			c.addDial(rec, start, campaign, b.o.Campaigns[campaign])
		}
	}
	return true
}

func (c *cut) addCall(rec *store.CallRecord, start int64, short, threshold time.Duration) {
	in, overflowed := "", false
	for _, step := range rec.Timeline {
		switch step.Kind {
		case "enqueue":
			in = step.Detail
			q := c.queue(start, in)
			q.offered++
			if overflowed {
				q.overflowIn++
			}
			overflowed = false
		case "overflow":
			c.queue(start, in).overflowed++
			overflowed = true
		case "callback-requested":
			c.queue(start, in).callbacks++
		}
	}
	for _, at := range rec.Attempts {
		a := c.agent(start, at.Agent)
		a.offered++
		switch at.Result {
		case acd.AttemptNoAnswer, acd.AttemptBusy, acd.AttemptUnreachable, acd.AttemptRejected:
			a.missed++
		}
	}
	answered := !rec.Answered.IsZero()
	if len(rec.Legs) > 0 {
		// A transferred call: each agent is counted for its own leg, and
		// the queue it was taken from for the transfer.
		for i, l := range rec.Legs {
			if l.Agent != "" {
				a := c.agent(start, l.Agent)
				a.answered++
				a.talk += l.Talk
				a.hold += l.Hold
				a.wrapUp += l.WrapUp
				if l.Queue != "" {
					q := c.queue(start, l.Queue)
					q.handled++
					q.handle += l.Talk + l.Hold + l.WrapUp
				}
			}
			if i > 0 && rec.Legs[i-1].Agent != "" {
				c.agent(start, rec.Legs[i-1].Agent).transfers++
				if q := rec.Legs[i-1].Queue; q != "" {
					c.queue(start, q).transfers++
				}
			}
		}
	} else if answered && rec.Agent != "" {
		a := c.agent(start, rec.Agent)
		a.answered++
		a.talk += rec.Talk
		a.hold += rec.Hold
		a.wrapUp += rec.WrapUp
	}
	if rec.Queue == "" {
		return
	}
	q := c.queue(start, rec.Queue)
	inbound := rec.Direction != acd.DirectionCallback
	if visits := rec.QueueVisits(); inbound && rec.PassedQueues() && len(visits) > 0 {
		// Transferred to a queue, or overflowed: each answer and abandon
		// counts in the queue it happened in, as the engine counted it.
		c.addSegments(rec, visits, start, short, threshold)
		if answered && len(rec.Legs) == 0 { // else counted per leg above
			q.handled++
			q.handle += rec.Talk + rec.Hold + rec.WrapUp
		}
		if rec.Disposition != "" {
			c.disp[dispKey{key{start, rec.Queue}, rec.Disposition}]++
		}
		return
	}
	switch {
	case answered && inbound:
		q.answered++
		if rec.Contact != 0 {
			q.contactAnswered++
			if rec.RepeatedBy != "" {
				q.repeated++
			}
		}
		q.waitAnswered += rec.Wait
		q.waits.Add(rec.Wait)
		q.waitSum += rec.Wait
		if rec.Wait <= threshold {
			q.inSL++
		}
		if len(rec.Legs) == 0 { // else counted per leg above
			q.handled++
			q.handle += rec.Talk + rec.Hold + rec.WrapUp
		}
	case answered:
		q.callbacksHandled++
		if len(rec.Legs) == 0 { // else counted per leg above
			q.handled++
			q.handle += rec.Talk + rec.Hold + rec.WrapUp
		}
	case rec.Outcome == acd.OutcomeAbandoned && inbound:
		if rec.Wait < short {
			q.shortAbandoned++
			break
		}
		q.abandoned++
		q.waits.Add(rec.Wait)
		q.waitSum += rec.Wait
	}
	if rec.Disposition != "" {
		c.disp[dispKey{key{start, rec.Queue}, rec.Disposition}]++
	}
}

// addSegments counts a call that passed through queues by its visits
// (store.CallRecord.QueueVisits): each answer and abandon in the queue it
// happened in, with the wait the engine counted there.
func (c *cut) addSegments(rec *store.CallRecord, visits []store.QueueVisit, start int64, short, threshold time.Duration) {
	first := true
	for _, v := range visits {
		q := c.queue(start, v.Queue)
		switch {
		case v.Answered:
			q.answered++
			if first && rec.Contact != 0 {
				q.contactAnswered++
				if rec.RepeatedBy != "" {
					q.repeated++
				}
			}
			first = false
			q.waitAnswered += v.Wait
			q.waits.Add(v.Wait)
			q.waitSum += v.Wait
			if v.Wait <= threshold {
				q.inSL++
			}
		case v.Wait < short:
			q.shortAbandoned++
		default:
			q.abandoned++
			q.waits.Add(v.Wait)
			q.waitSum += v.Wait
		}
	}
}

// AddChange follows one agent state change. Changes must come in time
// order (as store.DB.AgentChanges gives them); changes before the period
// only set where the agent was when it began. An agent whose first change
// comes in the period counts from that change (its From state may be one
// the engine never logged, as for an agent logged in by the config) unless
// Settle tells where it was before.
func (b *Builder) AddChange(ch *store.AgentChange) error {
	cur := b.cursors[ch.Agent]
	if cur == nil {
		cur = &cursor{state: acd.LoggedOut, since: b.o.From}
		if ch.At.After(b.o.From) {
			cur.open = ch.At
		}
		b.cursors[ch.Agent] = cur
	}
	if ch.At.Before(cur.since) && !cur.since.Equal(b.o.From) {
		return fmt.Errorf("agent %q: change at %s comes after one at %s: %w: changes must be in time order",
			ch.Agent, ch.At.Format(time.RFC3339Nano), cur.since.Format(time.RFC3339Nano), ErrBadOption)
	}
	b.span(ch.Agent, cur, ch.At)
	cur.state, cur.reason, cur.since = ch.To, "", ch.At
	if ch.To == acd.Paused {
		cur.reason = ch.Reason
	}
	return nil
}

// Unsettled lists, sorted, the agents whose first change fed came in the
// period: their time from the period's start to that change is not counted
// until Settle gives their last change before.
func (b *Builder) Unsettled() []string {
	var ids []string
	for id, cur := range b.cursors {
		if !cur.open.IsZero() {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// Settle counts, for an agent Unsettled lists, the time from the period's
// start to its first change fed in the state last left it in: last must be
// the agent's last change before the period (and before those fed). An
// agent without one is not known to have been logged in before its first
// change, and stays unsettled. For an agent no change fed names (see
// Unseen), last sets its state for the whole period.
func (b *Builder) Settle(last *store.AgentChange) error {
	if last.At.After(b.o.From) {
		return fmt.Errorf("agent %q: change at %s settles the start of a period from %s: %w: want a change before the period",
			last.Agent, last.At.Format(time.RFC3339Nano), b.o.From.Format(time.RFC3339Nano), ErrBadOption)
	}
	cur := b.cursors[last.Agent]
	if cur == nil {
		cur = &cursor{state: last.To, since: b.o.From}
		if last.To == acd.Paused {
			cur.reason = last.Reason
		}
		b.cursors[last.Agent] = cur
		return nil
	}
	if cur.open.IsZero() {
		return nil
	}
	before := &cursor{state: last.To, since: b.o.From}
	if last.To == acd.Paused {
		before.reason = last.Reason
	}
	b.span(last.Agent, before, cur.open)
	cur.open = time.Time{}
	return nil
}

// Unseen lists, sorted, the agents of ids that no change fed names: where
// they were in the period is unknown until Settle gives their last change
// before it.
func (b *Builder) Unseen(ids []string) []string {
	var out []string
	for _, id := range ids {
		if _, ok := b.cursors[id]; !ok && id != "" {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// span counts an agent's current state from cur.since to until, cut into
// intervals and clipped to the period.
func (b *Builder) span(agent string, cur *cursor, until time.Time) {
	from, to := maxTime(cur.since, b.o.From), minTime(until, b.o.To)
	if !from.Before(to) || cur.state == acd.LoggedOut {
		return
	}
	for _, c := range b.cuts {
		for s := c.clock.start(from); s.Before(to); s = c.clock.next(s) {
			seg := minTime(c.clock.next(s), to).Sub(maxTime(s, from))
			if seg <= 0 {
				continue
			}
			a := c.agent(s.UnixNano(), agent)
			a.state[cur.state] += seg
			if cur.state == acd.Paused {
				if a.pauses == nil {
					a.pauses = map[string]time.Duration{}
				}
				a.pauses[cur.reason] += seg
			}
		}
	}
}

// Report ends the agents' spans at the end of the period (or Now) and returns the
// figures. The Builder must not be used afterwards.
func (b *Builder) Report() *Report {
	until := b.o.To
	if !b.o.Now.IsZero() && b.o.Now.Before(until) {
		until = b.o.Now
	}
	for _, id := range slices.Sorted(maps.Keys(b.cursors)) {
		b.span(id, b.cursors[id], until)
	}
	r := &Report{From: b.o.From, To: b.o.To, Location: b.o.Location.String(), Interval: b.o.Interval,
		ShortAbandon: b.o.ShortAbandon, Until: until}
	r.Rows = b.cuts[0].rows(b.o)
	r.Totals = b.cuts[1].rows(b.o)
	return r
}

func (c *cut) bounds(start int64) (time.Time, time.Time) {
	s := time.Unix(0, start).In(c.clock.loc)
	e := c.clock.next(s).In(c.clock.loc) // a period's end as given may be in another zone
	// A period that does not begin or end on the interval's edges (10:07
	// to 10:52 by 15 minutes, or from=24h) has first and last rows that
	// count part of an interval: they say which part.
	if from := c.clock.from; !from.IsZero() && s.Before(from) {
		s = from.In(c.clock.loc)
	}
	if to := c.clock.to; !to.IsZero() && e.After(to) {
		e = to.In(c.clock.loc)
	}
	return s, e
}

func (c *cut) rows(o Options) Rows {
	var rs Rows
	for k, q := range c.queues {
		s, e := c.bounds(k.start)
		rs.Queues = append(rs.Queues, q.row(s, e, k.name, o.Threshold(k.name)))
	}
	for k, a := range c.agents {
		s, e := c.bounds(k.start)
		rs.Agents = append(rs.Agents, a.row(s, e, k.name))
	}
	for k, a := range c.campaigns {
		s, e := c.bounds(k.start)
		rs.Campaigns = append(rs.Campaigns, a.row(s, e, k.name, o.Campaigns[k.name]))
	}
	for k, n := range c.disp {
		s, e := c.bounds(k.start)
		rs.Dispositions = append(rs.Dispositions, DispositionRow{Start: s, End: e, Queue: k.name, Disposition: k.disposition, Calls: n})
	}
	slices.SortFunc(rs.Queues, func(a, b QueueRow) int { return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Queue, b.Queue)) })
	slices.SortFunc(rs.Agents, func(a, b AgentRow) int { return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Agent, b.Agent)) })
	slices.SortFunc(rs.Campaigns, func(a, b CampaignRow) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Campaign, b.Campaign))
	})
	slices.SortFunc(rs.Dispositions, func(a, b DispositionRow) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Queue, b.Queue), cmp.Compare(a.Disposition, b.Disposition))
	})
	return rs
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
