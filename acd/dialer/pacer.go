package dialer

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Mode is how a campaign paces its calls.
type Mode int

// Dial modes.
const (
	Preview Mode = iota + 1
	Progressive
	Power
	Predictive
)

var modeNames = map[Mode]string{Preview: "preview", Progressive: "progressive", Power: "power", Predictive: "predictive"}

func (m Mode) String() string {
	if s, ok := modeNames[m]; ok {
		return s
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// ErrBadOptions is returned for pacer options that cannot work.
var ErrBadOptions = errors.New("dialer: bad options")

// ParseMode reads a mode name.
func ParseMode(s string) (Mode, error) {
	for m, n := range modeNames {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return m, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown dial mode %q; known: preview, progressive, power, predictive", ErrBadOptions, s)
}

// Options configure a Pacer.
type Options struct {
	Mode Mode
	// Ratio is the calls per free agent in Power mode (e.g. 1.5).
	Ratio float64
	// AbandonCap is the highest share of live answers that may be
	// abandoned over Window (0.03 = 3 %).
	AbandonCap float64
	// Window is the rolling period the cap is measured over (30 days by
	// default; 24 h for the stricter mode).
	Window time.Duration
	// ConnectWithin is how long an answered call may wait for an agent
	// before it counts as abandoned (the two-second rule).
	ConnectWithin time.Duration
	// Priors until the campaign has its own figures.
	AnswerRate float64       // share of dials answered live
	HandleTime time.Duration // mean talk + wrap-up
	WrapUp     time.Duration // the wrap-up part of HandleTime
	MaxDials   int           // most calls in flight at once, 0 = no limit
}

// DefaultOptions are the regulatory defaults: 3 % over 30 days, two seconds.
func DefaultOptions(m Mode) Options {
	return Options{Mode: m, Ratio: 1.5, AbandonCap: 0.03, Window: 30 * 24 * time.Hour,
		ConnectWithin: 2 * time.Second, AnswerRate: 0.3, HandleTime: 2 * time.Minute}
}

// Validate lists what is wrong with the options.
func (o Options) Validate() error {
	var errs []error
	bad := func(f string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+f, append([]any{ErrBadOptions}, a...)...))
	}
	if _, ok := modeNames[o.Mode]; !ok {
		bad("mode %d is not a dial mode", int(o.Mode))
	}
	if o.Mode == Power && !(o.Ratio >= 1 && o.Ratio <= 10) {
		bad("power ratio %v: want 1 to 10 calls per free agent", o.Ratio)
	}
	if !(o.AbandonCap > 0 && o.AbandonCap < 1) {
		bad("abandonment cap %v: want a share between 0 and 1, e.g. 0.03", o.AbandonCap)
	}
	if o.Window < time.Hour {
		bad("abandonment window %v: want at least 1h", o.Window)
	}
	if o.ConnectWithin <= 0 {
		bad("connect-within %v: want a positive duration", o.ConnectWithin)
	}
	if !(o.AnswerRate > 0 && o.AnswerRate <= 1) {
		bad("answer-rate prior %v: want a share above 0", o.AnswerRate)
	}
	if o.HandleTime <= 0 {
		bad("handle-time prior %v: want a positive duration", o.HandleTime)
	}
	if o.WrapUp < 0 || o.WrapUp >= o.HandleTime {
		bad("wrap-up prior %v: want 0 or more and less than the handle time %v", o.WrapUp, o.HandleTime)
	}
	if o.MaxDials < 0 {
		bad("max dials %d: must not be negative", o.MaxDials)
	}
	return errors.Join(errs...)
}

// Snapshot is the campaign's moment when the pacer is asked.
type Snapshot struct {
	Now time.Time
	// FreeAgents are ready for a call of this campaign now.
	FreeAgents int
	// Busy holds, per agent talking on a call of this campaign, when the
	// talk began.
	Busy []time.Time
	// WrapEnds holds, per agent in wrap-up after a call of this campaign,
	// when that wrap-up ends.
	WrapEnds []time.Time
	// Ringing holds, per dial in flight, when it was placed.
	Ringing []time.Time
	// Waiting is the number of answered calls waiting for an agent now.
	Waiting int
}

// Pacer keeps a campaign's recent figures and decides its dialing. It is not
// safe for concurrent use; the campaign runner owns it.
type Pacer struct {
	o Options

	// Recent dial outcomes (ring time, answered live or not) and talk
	// times, with sorted copies for counting; dials younger than ringRipe
	// wait in unripe.
	outcomes []outcome // oldest placed first
	answered sorted    // ring times of the live answers among outcomes
	ended    sorted    // ring times of all outcomes
	unripe   []outcome
	latest   time.Time
	talk     ring
	wrap     float64 // mean wrap-up of recent calls, seconds
	wraps    int

	// Abandonment over the window, in hourly buckets.
	buckets []bucket

	tab tables

	// The abandonment budget's learned bias (see budgetShare).
	bias      float64
	learnedAt int // live answers in the window when it last learned

	changes uint64 // dial outcomes and handled calls recorded (Changes)
}

type bucket struct {
	hour      int64 // Unix hour
	live      int   // live answers
	abandoned int
}

// NewPacer builds a pacer.
func NewPacer(o Options) (*Pacer, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return &Pacer{o: o, wrap: o.WrapUp.Seconds()}, nil
}

// Options returns the pacer's options.
func (p *Pacer) Options() Options { return p.o }

// DialEnded records a dial placed at placed that stopped ringing at ended:
// answered live or not (no answer, busy, failed, machine).
//
// Outcomes count only once their dial is ripe (placed ringRipe before the
// latest time the pacer saw): until then the quick answers of a young batch
// of dials are in and its slow ones are not, which would make answers look
// both likelier and quicker than they are.
func (p *Pacer) DialEnded(placed, ended time.Time, live bool) {
	p.unripe = append(p.unripe, outcome{placed: placed, ring: ended.Sub(placed).Seconds(), live: live})
	p.changes++
	p.ripen(ended)
}

type outcome struct {
	placed time.Time
	ring   float64
	live   bool
}

// addOutcome adds a ripe outcome. Outcomes come in the order their dials
// were placed, and leave by whole placements: the dials of one moment end
// in ring-time order (answers first), so keeping part of a large batch
// would keep its no-answers and lose its answers.
func (p *Pacer) addOutcome(o outcome) {
	p.outcomes = append(p.outcomes, o)
	p.ended.add(o.ring)
	if o.live {
		p.answered.add(o.ring)
	}
	for {
		n := 0
		for n < len(p.outcomes) && p.outcomes[n].placed.Equal(p.outcomes[0].placed) {
			n++
		}
		if len(p.outcomes)-n < keep {
			break
		}
		for _, old := range p.outcomes[:n] {
			p.ended.remove(old.ring)
			if old.live {
				p.answered.remove(old.ring)
			}
		}
		p.outcomes = slices.Delete(p.outcomes, 0, n)
	}
	p.tab.touch()
}

// ringRipe is longer than any ring a switch lets run.
const ringRipe = 90 * time.Second

func (p *Pacer) ripen(now time.Time) {
	if now.After(p.latest) {
		p.latest = now
	}
	cut := p.latest.Add(-ringRipe)
	var ripe []outcome
	kept := p.unripe[:0]
	for _, o := range p.unripe {
		if o.placed.After(cut) {
			kept = append(kept, o)
		} else {
			ripe = append(ripe, o)
		}
	}
	p.unripe = kept
	slices.SortStableFunc(ripe, func(a, b outcome) int { return a.placed.Compare(b.placed) })
	for _, o := range ripe {
		p.addOutcome(o)
	}
}

// Handled records a finished call: its talk and the wrap-up that follows.
func (p *Pacer) Handled(talk, wrap time.Duration) {
	p.talk.add(talk.Seconds())
	p.changes++
	p.wraps = min(p.wraps+1, keep)
	p.wrap += (wrap.Seconds() - p.wrap) / float64(p.wraps)
	p.tab.touch()
}

// Connected records a live answer that reached an agent in time, or was
// abandoned (no agent within ConnectWithin), at now.
func (p *Pacer) Connected(now time.Time, abandoned bool) {
	h := now.Unix() / 3600
	if n := len(p.buckets); n == 0 || p.buckets[n-1].hour != h {
		p.buckets = append(p.buckets, bucket{hour: h})
	}
	b := &p.buckets[len(p.buckets)-1]
	b.live++
	if abandoned {
		b.abandoned++
	}
	p.expire(now)
}

func (p *Pacer) expire(now time.Time) {
	oldest := now.Add(-p.o.Window).Unix() / 3600
	i := 0
	for i < len(p.buckets) && p.buckets[i].hour < oldest {
		i++
	}
	p.buckets = p.buckets[i:]
}

// Abandonment returns the live answers and abandons within the window
// before now, and their ratio (0 with no answers).
func (p *Pacer) Abandonment(now time.Time) (live, abandoned int, rate float64) {
	oldest := now.Add(-p.o.Window).Unix() / 3600
	for _, b := range p.buckets {
		if b.hour >= oldest {
			live += b.live
			abandoned += b.abandoned
		}
	}
	if live > 0 {
		rate = float64(abandoned) / float64(live)
	}
	return live, abandoned, rate
}

// Room returns how many more abandons the window can take at now without
// going over the cap (see room): 0 while a campaign must not abandon at
// all, as a new one under 3 % until 33 live answers have reached agents.
func (p *Pacer) Room(now time.Time) int { return p.room(now) }

// Pace returns how many calls to place now.
func (p *Pacer) Pace(s Snapshot) int {
	p.ripen(s.Now)
	n := p.pace(s)
	if p.o.MaxDials > 0 {
		n = min(n, p.o.MaxDials-len(s.Ringing))
	}
	return max(0, n)
}

func (p *Pacer) pace(s Snapshot) int {
	free := s.FreeAgents - s.Waiting
	switch p.o.Mode {
	case Progressive:
		return free - len(s.Ringing)
	case Power:
		return p.power(s)
	case Predictive:
		return p.predict(s)
	}
	return 0
}

// power places Ratio calls per free agent while the calls beyond one per
// free agent fit the abandonment room, and one per free agent when they do
// not: a power campaign's abandons count against its cap like a predictive
// one's, and the cap binds every call, whatever the mode. The extra calls
// are checked as predictive's dials ahead are, against the doubtful
// forecast of the abandons to come (see predict), but with no budget
// share: power dials its ratio whenever the room can take what it risks.
func (p *Pacer) power(s Snapshot) int {
	free := max(0, s.FreeAgents-s.Waiting)
	full := int(math.Ceil(p.o.Ratio*float64(free))) - len(s.Ringing)
	base := max(0, free-len(s.Ringing)) // what progressive would place
	if full <= base {
		return full
	}
	room := p.roomLeft(s, false)
	if room == 0 {
		return free - len(s.Ringing)
	}
	f := p.forecast(s)
	g := p.doubtful(f, room)
	young := len(p.talk.buf) < keep
	risk := roomRisk
	if young {
		risk = youngRisk
	}
	law := g.law
	for range base {
		law = addBernoulli(law, g.pn[horizon])
	}
	n := base
	for k := base + 1; k <= full; k++ {
		law = addBernoulli(law, g.pn[horizon])
		if !withinRoom(g.abandons(k, law), room, young) || g.beyond(k, law, room) > risk {
			break
		}
		n = k
	}
	return n
}

// DialSamples is how many dial outcomes (ring time, live or not) the pacer
// holds for its estimates.
func (p *Pacer) DialSamples() int { return len(p.unripe) + len(p.outcomes) }
