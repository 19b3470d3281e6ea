package report

import (
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/kpi"
)

// Report is the figures of a period.
type Report struct {
	From         time.Time     `json:"from"`
	To           time.Time     `json:"to"`
	Location     string        `json:"timezone"`
	Interval     Interval      `json:"interval"`
	ShortAbandon time.Duration `json:"-"`
	// Until is where the agents' time ends: To, or the moment the report
	// was built when To lies ahead (zero: To).
	Until  time.Time `json:"-"`
	Rows   Rows      `json:"rows"`   // one per interval and queue, agent or disposition
	Totals Rows      `json:"totals"` // the same over the whole period
}

// Counted is how much of start..end the report counts: the part from its
// start (From) to its end, or to now (Until) when its end lies ahead. An
// interval that began before From, or is under way, counts only that part;
// one ahead of now counts nothing (0).
func (r *Report) Counted(start, end time.Time) time.Duration {
	until := r.To
	if !r.Until.IsZero() && r.Until.Before(until) {
		until = r.Until
	}
	return max(0, minTime(end, until).Sub(maxTime(start, r.From)))
}

// Rows are a report's rows, sorted by interval, then name.
type Rows struct {
	Queues       []QueueRow       `json:"queues"`
	Agents       []AgentRow       `json:"agents"`
	Dispositions []DispositionRow `json:"dispositions"`
	Campaigns    []CampaignRow    `json:"campaigns"`
}

// Seconds is a duration written as a number of seconds.
type Seconds float64

// Duration is s as a time.Duration.
func (s Seconds) Duration() time.Duration { return time.Duration(float64(s) * float64(time.Second)) }

func secs(d time.Duration) Seconds { return Seconds(d.Seconds()) }

// QueueRow is one queue over one interval. Waits are those of calls
// answered or abandoned (short abandons left out).
type QueueRow struct {
	Start            time.Time `json:"start"`
	End              time.Time `json:"end"`
	Queue            string    `json:"queue"`
	Offered          int       `json:"offered"`
	Answered         int       `json:"answered"`
	Abandoned        int       `json:"abandoned"`
	ShortAbandoned   int       `json:"short_abandoned"`
	Overflowed       int       `json:"overflowed"`
	OverflowIn       int       `json:"overflow_in"`       // offered here on overflowing from another queue
	Callbacks        int       `json:"callbacks"`         // callbacks requested
	CallbacksHandled int       `json:"callbacks_handled"` // callbacks dialed back and talked
	Threshold        Seconds   `json:"threshold_s"`
	InSL             int       `json:"in_sl"`           // answered within the threshold
	SLAnswered       float64   `json:"sl_answered"`     // InSL over answered
	SLOffered        float64   `json:"sl_offered"`      // InSL over answered + abandoned
	AbandonRate      float64   `json:"abandon_rate"`    // abandoned over answered + abandoned
	ASA              Seconds   `json:"asa_s"`           // mean wait of answered calls
	AvgWait          Seconds   `json:"avg_wait_s"`      // mean wait of answered and abandoned calls
	P90Wait          Seconds   `json:"p90_wait_s"`      // 90th percentile of the same (to its histogram bucket)
	MaxWait          Seconds   `json:"max_wait_s"`      // longest of the same
	Transfers        int       `json:"transfers"`       // calls its agents transferred (to an agent, a queue or a number)
	Handled          int       `json:"handled"`         // answers and callbacks talked
	AHT              Seconds   `json:"aht_s"`           // mean talk + hold + wrap-up of handled calls
	WaitAnswered     Seconds   `json:"wait_answered_s"` // sum, so rows can be added up
	Handle           Seconds   `json:"handle_s"`        // sum, so rows can be added up
	// First-contact resolution: of the answered calls of known customers,
	// those a later call on the same topic marked repeated (see
	// store.CallRecord.RepeatedBy), and the share not repeated.
	ContactAnswered int     `json:"contact_answered"`
	Repeated        int     `json:"repeated"`
	FCR             float64 `json:"fcr"`
}

type queueAcc struct {
	offered, answered, abandoned, shortAbandoned, overflowed, overflowIn, callbacks, callbacksHandled int
	transfers                                                                                         int
	inSL, handled                                                                                     int
	contactAnswered, repeated                                                                         int
	waitAnswered, waitSum, handle                                                                     time.Duration
	waits                                                                                             Histogram
}

func (q *queueAcc) row(start, end time.Time, name string, threshold time.Duration) QueueRow {
	slOffered := 1.0
	if n := q.answered + q.abandoned; n > 0 {
		slOffered = float64(q.inSL) / float64(n)
	}
	return QueueRow{
		Start: start, End: end, Queue: name,
		Offered: q.offered, Answered: q.answered, Abandoned: q.abandoned, ShortAbandoned: q.shortAbandoned,
		Overflowed: q.overflowed, OverflowIn: q.overflowIn, Callbacks: q.callbacks, CallbacksHandled: q.callbacksHandled,
		Threshold: secs(threshold), InSL: q.inSL,
		SLAnswered:      kpi.ServiceLevel(q.inSL, q.answered, 0),
		SLOffered:       slOffered,
		AbandonRate:     kpi.AbandonRate(q.abandoned, q.answered),
		ASA:             secs(kpi.Average(q.waitAnswered, q.answered)),
		AvgWait:         secs(kpi.Average(q.waitSum, q.waits.N())),
		P90Wait:         secs(q.waits.Quantile(0.9)),
		MaxWait:         secs(q.waits.Max()),
		Transfers:       q.transfers,
		Handled:         q.handled,
		AHT:             secs(kpi.Average(q.handle, q.handled)),
		WaitAnswered:    secs(q.waitAnswered),
		Handle:          secs(q.handle),
		ContactAnswered: q.contactAnswered,
		Repeated:        q.repeated,
		FCR:             fcr(q.contactAnswered, q.repeated),
	}
}

// fcr is the first-contact resolution rate: 1 when no call could repeat.
func fcr(answered, repeated int) float64 {
	if answered == 0 {
		return 1
	}
	return 1 - float64(repeated)/float64(answered)
}

// AgentRow is one agent over one interval: what the call records say
// (offers, answers, talk) and what the state log says (time by state).
type AgentRow struct {
	Start       time.Time          `json:"start"`
	End         time.Time          `json:"end"`
	Agent       string             `json:"agent"`
	Offered     int                `json:"offered"` // times rung
	Answered    int                `json:"answered"`
	Missed      int                `json:"missed"` // rung and not answered: no answer, busy, unreachable, rejected
	Talk        Seconds            `json:"talk_s"`
	Hold        Seconds            `json:"hold_s"` // callers on hold, part of the AHT
	WrapUp      Seconds            `json:"wrap_up_s"`
	Transfers   int                `json:"transfers"` // calls it transferred
	AHT         Seconds            `json:"aht_s"`
	LoggedIn    Seconds            `json:"logged_in_s"`
	Available   Seconds            `json:"available_s"`
	Ringing     Seconds            `json:"ringing_s"`
	OnCall      Seconds            `json:"on_call_s"`
	InWrapUp    Seconds            `json:"in_wrap_up_s"` // time in the wrap-up state
	Paused      Seconds            `json:"paused_s"`
	Pauses      map[string]Seconds `json:"pauses,omitempty"` // paused time by reason ("" when none was given)
	Occupancy   float64            `json:"occupancy"`        // on call + wrap-up over logged in and not paused
	Utilization float64            `json:"utilization"`      // on call + wrap-up over logged in
}

type agentAcc struct {
	offered, answered, missed, transfers int
	talk, hold, wrapUp                   time.Duration
	state                                [acd.Paused + 1]time.Duration
	pauses                               map[string]time.Duration
}

func (a *agentAcc) row(start, end time.Time, id string) AgentRow {
	var logged time.Duration
	for s, d := range a.state {
		if acd.AgentState(s) != acd.LoggedOut {
			logged += d
		}
	}
	busy := a.state[acd.OnCall] + a.state[acd.WrapUp]
	r := AgentRow{
		Start: start, End: end, Agent: id,
		Offered: a.offered, Answered: a.answered, Missed: a.missed,
		Talk: secs(a.talk), Hold: secs(a.hold), WrapUp: secs(a.wrapUp), Transfers: a.transfers,
		AHT:      secs(kpi.Average(a.talk+a.hold+a.wrapUp, a.answered)),
		LoggedIn: secs(logged), Available: secs(a.state[acd.Available]), Ringing: secs(a.state[acd.Ringing]),
		OnCall: secs(a.state[acd.OnCall]), InWrapUp: secs(a.state[acd.WrapUp]), Paused: secs(a.state[acd.Paused]),
		Occupancy:   kpi.Occupancy(busy, logged-a.state[acd.Paused]),
		Utilization: kpi.Occupancy(busy, logged),
	}
	if len(a.pauses) > 0 {
		r.Pauses = map[string]Seconds{}
		for reason, d := range a.pauses {
			r.Pauses[reason] = secs(d)
		}
	}
	return r
}

// DispositionRow counts the calls of a queue closed with one disposition.
type DispositionRow struct {
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	Queue       string    `json:"queue"`
	Disposition string    `json:"disposition"`
	Calls       int       `json:"calls"`
}
