// Package dialsim runs a dialer pacer against simulated called parties and
// agents in virtual time, to measure what a dial mode yields: talk minutes
// per agent-hour, abandonment, dials per agent-hour and agent idle time.
//
// It is deterministic (a seed gives the same day) and single-threaded; it
// drives the same [dialer.Pacer] a campaign runs with.
package dialsim

import (
	"container/heap"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/hotline-cc/hotline/acd/dialer"
)

// Model is the called parties' and agents' behaviour.
type Model struct {
	AnswerRate float64       // share of dials answered live
	Talk       time.Duration // mean talk time (lognormal)
	TalkCV     float64       // coefficient of variation of talk time
	Wrap       time.Duration // wrap-up after each call
	// Ring time before an answer, and before giving up on a no-answer,
	// uniform in these ranges.
	AnswerRing   [2]time.Duration
	NoAnswerRing [2]time.Duration
}

// DefaultModel is the reference model: 30 % answer, lognormal talk of 120 s
// mean and CV 0.8, 15 s wrap-up, 4-16 s to an answer, 10-26 s to no answer.
func DefaultModel() Model {
	return Model{AnswerRate: 0.3, Talk: 120 * time.Second, TalkCV: 0.8, Wrap: 15 * time.Second,
		AnswerRing: [2]time.Duration{4 * time.Second, 16 * time.Second}, NoAnswerRing: [2]time.Duration{10 * time.Second, 26 * time.Second}}
}

// ErrBadModel is returned for a model that cannot run.
var ErrBadModel = errors.New("dialsim: bad model")

// Validate lists what is wrong with the model.
func (m Model) Validate() error {
	var errs []error
	bad := func(f string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+f, append([]any{ErrBadModel}, a...)...))
	}
	if !(m.AnswerRate > 0 && m.AnswerRate <= 1) {
		bad("answer rate %v: want a share above 0 and at most 1", m.AnswerRate)
	}
	// A day bounds talk and wrap-up: a lognormal draw around a mean of
	// years overflows time.Duration and came out as negative talk.
	if m.Talk <= 0 || m.Talk > 24*time.Hour {
		bad("talk time %v: want a positive duration, at most 24h", m.Talk)
	}
	if !(m.TalkCV >= 0 && m.TalkCV <= 5) {
		bad("talk CV %v: want 0 to 5", m.TalkCV)
	}
	if m.Wrap < 0 || m.Wrap > 24*time.Hour {
		bad("wrap-up %v: want 0 to 24h", m.Wrap)
	}
	for _, r := range [][2]time.Duration{m.AnswerRing, m.NoAnswerRing} {
		if r[0] < 0 || r[1] < r[0] {
			bad("ring range %v-%v: want 0 <= low <= high", r[0], r[1])
		}
	}
	return errors.Join(errs...)
}

// Run is one simulation's settings.
type Run struct {
	Agents int
	Hours  float64 // the working hours of each day
	// Days is how many days the campaign works (0 is 1): Hours from the
	// same time each day, its schedule closed for the rest of the day, as
	// a campaign runs on a daemon that stays up. The pacer carries its
	// figures and its abandonment window from one day into the next; at
	// the close it dials no more, and the calls in flight end as they
	// would (an answer may still be abandoned, and counts).
	Days int
	// RestartNightly restarts the daemon each night: each day after the
	// first begins with a new pacer given what a restarted daemon reads
	// from its store, the abandonment window's hours and what the pacer
	// had learned of answers and talks.
	RestartNightly bool
	Seed           uint64
	Model          Model
	Pacer          dialer.Options
}

// Result is what a run measured.
type Result struct {
	Mode                dialer.Mode
	Agents              int
	Hours               float64
	Dials               int
	LiveAnswers         int
	Connected           int
	Abandoned           int
	TalkMinPerAgentHour float64
	DialsPerAgentHour   float64
	AbandonRate         float64 // abandoned / live answers
	IdleShare           float64 // share of agent time neither talking nor in wrap-up
	// MaxHourlyAbandonRate is the worst of the campaign's abandonment rates
	// (over its window) taken at the end of every hour, from the first on.
	MaxHourlyAbandonRate float64
	// MaxAbandonRate is the worst rate over the window at any moment, from
	// the first abandon on: taken after every abandon (the only moments the
	// rate goes up), from the simulation's own count of the live answers
	// settled (connected or abandoned) within the window, not the pacer's.
	MaxAbandonRate float64
	// WorstMoment is when that worst rate was reached, since the start.
	WorstMoment time.Duration
	// ByHour splits the working hours by hour, day after day, the last of
	// each day possibly part of an hour: a campaign's first minutes, when
	// it knows little and may not abandon yet, apart from the hours after.
	ByHour []Hour
	// ByDay has each working day's figures, the first day first.
	ByDay []Day
}

// Day is one working day of a run: its talk and idle share over its
// working hours, and the live answers of those hours with the abandoned
// among them.
type Day struct {
	TalkMinPerAgentHour float64
	IdleShare           float64
	LiveAnswers         int
	Abandoned           int
}

// Hour is one hour of a simulated day.
type Hour struct {
	Day                 int           // the working day, from 0
	Length              time.Duration // an hour, or less for the day's last part
	TalkMinPerAgentHour float64
	IdleShare           float64
	// LiveAnswers are those answered within the hour; Abandoned those of
	// them that found no agent in time (perhaps in the next hour's first
	// seconds).
	LiveAnswers int
	Abandoned   int
}

type evKind int

const (
	evRingEnd evKind = iota
	evAbandon
	evTalkEnd
	evWrapEnd
	evTick
)

type event struct {
	at   time.Duration
	kind evKind
	id   int // dial id or agent id
	seq  int
}

type evHeap []event

func (h evHeap) Len() int { return len(h) }
func (h evHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h evHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *evHeap) Push(x any)   { *h = append(*h, x.(event)) }
func (h *evHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

type dial struct {
	start    time.Duration
	answered time.Duration
	live     bool
	active   bool
}

type agentState struct {
	busy    bool
	since   time.Duration // when the talk began
	wrapEnd time.Duration // when the wrap-up ends, once the talk is over
}

func (r Run) validate() error {
	if err := r.Model.Validate(); err != nil {
		return err
	}
	if r.Agents < 1 || r.Agents > 10000 {
		return fmt.Errorf("%w: agents %d: want 1 to 10000", ErrBadModel, r.Agents)
	}
	if !(r.Hours >= 1.0/60 && r.Hours <= 24*31) {
		return fmt.Errorf("%w: hours %v: want a minute (0.0167) to a month (744)", ErrBadModel, r.Hours)
	}
	if r.Days < 0 || r.Days > 31 {
		return fmt.Errorf("%w: days %d: want 1 to 31", ErrBadModel, r.Days)
	}
	if r.Days > 1 && r.Hours > 24 {
		return fmt.Errorf("%w: hours %v a day: want at most 24 over several days", ErrBadModel, r.Hours)
	}
	if r.RestartNightly && r.Days < 2 {
		return fmt.Errorf("%w: a nightly restart needs two days or more", ErrBadModel)
	}
	return nil
}

// Simulate runs the pacer for the given hours and returns what it measured.
func Simulate(r Run) (Result, error) {
	if err := r.validate(); err != nil {
		return Result{}, err
	}
	pc, err := dialer.NewPacer(r.Pacer)
	if err != nil {
		return Result{}, err
	}
	s := &state{run: r, pacer: pc, rng: rand.New(rand.NewPCG(r.Seed, 0x5eed)),
		agents: make([]agentState, r.Agents), epoch: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}
	sigma2 := math.Log(1 + r.Model.TalkCV*r.Model.TalkCV)
	s.lnSigma = math.Sqrt(sigma2)
	s.lnMu = math.Log(r.Model.Talk.Seconds()) - sigma2/2
	s.days = max(1, r.Days)
	s.open = time.Duration(r.Hours * float64(time.Hour))
	end := time.Duration(s.days-1)*day + s.open
	s.end = end
	s.push(0, evTick, 0)
	for s.q.Len() > 0 {
		e := heap.Pop(&s.q).(event)
		if e.at > end {
			break
		}
		s.now = e.at
		s.handle(e, end)
	}
	s.accrue(end)
	s.noteRate()
	res := Result{Mode: r.Pacer.Mode, Agents: r.Agents, Hours: r.Hours, Dials: s.dials, LiveAnswers: s.live,
		Connected: s.connected, Abandoned: s.abandoned, MaxHourlyAbandonRate: s.maxRate, MaxAbandonRate: s.maxAnyRate, WorstMoment: s.worstAt}
	agentHours := float64(r.Agents) * r.Hours * float64(s.days)
	res.TalkMinPerAgentHour = s.talk.Minutes() / agentHours
	res.DialsPerAgentHour = float64(s.dials) / agentHours
	if s.live > 0 {
		res.AbandonRate = float64(s.abandoned) / float64(s.live)
	}
	res.IdleShare = s.idle.Hours() / agentHours
	for d := range s.days {
		var talk, idle time.Duration
		var dy Day
		for i := 0; time.Duration(i)*time.Hour < s.open; i++ {
			h := s.hour(time.Duration(d)*day + time.Duration(i)*time.Hour)
			length := min(time.Hour, s.open-time.Duration(i)*time.Hour)
			ah := float64(r.Agents) * length.Hours()
			res.ByHour = append(res.ByHour, Hour{Day: d, Length: length, TalkMinPerAgentHour: h.talk.Minutes() / ah,
				IdleShare: h.idle.Hours() / ah, LiveAnswers: h.live, Abandoned: h.abandoned})
			talk, idle = talk+h.talk, idle+h.idle
			dy.LiveAnswers, dy.Abandoned = dy.LiveAnswers+h.live, dy.Abandoned+h.abandoned
		}
		ah := float64(r.Agents) * r.Hours
		dy.TalkMinPerAgentHour, dy.IdleShare = talk.Minutes()/ah, idle.Hours()/ah
		res.ByDay = append(res.ByDay, dy)
	}
	return res, nil
}

type state struct {
	run     Run
	pacer   *dialer.Pacer
	rng     *rand.Rand
	q       evHeap
	seq     int
	now     time.Duration
	end     time.Duration // the last day's close
	open    time.Duration // the working hours of a day
	days    int
	epoch   time.Time
	lnMu    float64
	lnSigma float64

	dialsList []dial
	ringing   []int // dials in flight, in the order placed
	waiting   []int // live answered dials waiting for an agent, oldest first
	agents    []agentState

	dials, live, connected, abandoned int
	talk, idle                        time.Duration
	hours                             []hourCount
	lastAccrue                        time.Duration
	maxRate, maxAnyRate               float64
	worstAt                           time.Duration

	// The live answers settled within the window, oldest first, and
	// their counts.
	settled        []settledAnswer
	winLive, winAb int
}

const day = 24 * time.Hour

// closeOf returns the close of the working day t is in, or of the last
// one before t if t falls after a close.
func (s *state) closeOf(t time.Duration) time.Duration {
	return t/day*day + s.open
}

// restart replaces the pacer with a new one given what the daemon's store
// keeps: the abandonment window's hours and what the pacer had learned
// (its last save; at night nothing has changed since).
func (s *state) restart() {
	pc, err := dialer.NewPacer(s.run.Pacer)
	if err != nil {
		panic(err) // the options were valid for the first pacer
	}
	now := s.epoch.Add(s.now)
	for t := now.Add(-s.run.Pacer.Window).Truncate(time.Hour); !t.After(now); t = t.Add(time.Hour) {
		if live, ab := s.pacer.AbandonHour(t); live+ab > 0 {
			pc.RestoreHour(t, live, ab)
		}
	}
	if err := pc.RestoreLearned(s.pacer.MarshalLearned()); err != nil {
		panic(err) // an encoding of this very build
	}
	s.pacer = pc
}

// working tells whether the campaign dials at t: within a day's working
// hours, its close included.
func (s *state) working(t time.Duration) bool {
	return t <= s.closeOf(t)
}

// hourCount is one hour's counts; hours count from the first day's start,
// the closed ones too (their counts stay 0: an answer after a close counts
// in the run's figures, not its hour's).
type hourCount struct {
	talk, idle      time.Duration
	live, abandoned int
}

// hour returns the counts of the hour holding t.
func (s *state) hour(t time.Duration) *hourCount {
	i := int(t / time.Hour)
	for len(s.hours) <= i {
		s.hours = append(s.hours, hourCount{})
	}
	return &s.hours[i]
}

// spread calls add with each hour's part of [from, to).
func (s *state) spread(from, to time.Duration, add func(h *hourCount, d time.Duration)) {
	for from < to {
		next := min(to, (from/time.Hour+1)*time.Hour)
		add(s.hour(from), next-from)
		from = next
	}
}

type settledAnswer struct {
	at        time.Duration
	abandoned bool
}

// settle counts a live answer connected or abandoned now, and returns the
// window's abandonment rate.
func (s *state) settle(abandoned bool) float64 {
	s.settled = append(s.settled, settledAnswer{at: s.now, abandoned: abandoned})
	s.winLive++
	if abandoned {
		s.winAb++
	}
	return s.windowRate()
}

// windowRate is the abandoned share of the live answers settled within the
// window (now − Window, now].
func (s *state) windowRate() float64 {
	i := 0
	for i < len(s.settled) && s.settled[i].at <= s.now-s.run.Pacer.Window {
		s.winLive--
		if s.settled[i].abandoned {
			s.winAb--
		}
		i++
	}
	s.settled = s.settled[i:]
	if s.winLive == 0 {
		return 0
	}
	return float64(s.winAb) / float64(s.winLive)
}

func (s *state) push(at time.Duration, k evKind, id int) {
	s.seq++
	heap.Push(&s.q, event{at: at, kind: k, id: id, seq: s.seq})
}

func (s *state) uniform(r [2]time.Duration) time.Duration {
	return r[0] + time.Duration(s.rng.Float64()*float64(r[1]-r[0]))
}

// accrue adds idle time of free agents up to t.
func (s *state) accrue(t time.Duration) {
	d := t - s.lastAccrue
	if d <= 0 {
		return
	}
	free := 0
	for _, a := range s.agents {
		if !a.busy {
			free++
		}
	}
	// Only working hours count: from each day's start to its close.
	for from := s.lastAccrue; from < t; {
		start, close := from/day*day, s.closeOf(from)
		if from >= close {
			from = start + day
			continue
		}
		to := min(t, close)
		s.idle += time.Duration(free) * (to - from)
		s.spread(from, to, func(h *hourCount, d time.Duration) { h.idle += time.Duration(free) * d })
		from = to
	}
	s.lastAccrue = t
}

func (s *state) handle(e event, end time.Duration) {
	s.accrue(s.now)
	m := s.run.Model
	switch e.kind {
	case evTick:
		if s.run.RestartNightly && s.now > 0 && s.now%day == 0 {
			s.restart()
		}
		if s.now > 0 && s.now%time.Hour == 0 && s.working(s.now) {
			s.noteRate()
		}
		next := s.now + time.Second
		if !s.working(next) {
			next = next/day*day + day // the next day's start
		}
		if next <= end {
			s.push(next, evTick, 0)
		}
	case evRingEnd:
		d := &s.dialsList[e.id]
		if i := slices.Index(s.ringing, e.id); i >= 0 {
			s.ringing = slices.Delete(s.ringing, i, i+1)
		}
		s.pacer.DialEnded(s.epoch.Add(d.start), s.epoch.Add(s.now), d.live)
		if d.live {
			s.live++
			d.answered = s.now
			if s.working(s.now) {
				s.hour(s.now).live++ // one after a close counts in the run, not the day
			}
			if a := s.freeAgent(); a >= 0 {
				s.connect(a, e.id)
			} else {
				s.waiting = append(s.waiting, e.id)
				d.active = true
				s.push(s.now+s.run.Pacer.ConnectWithin, evAbandon, e.id)
			}
		}
	case evAbandon:
		d := &s.dialsList[e.id]
		if d.active {
			d.active = false
			for i, w := range s.waiting {
				if w == e.id {
					s.waiting = append(s.waiting[:i], s.waiting[i+1:]...)
					break
				}
			}
			s.abandoned++
			if s.working(d.answered) {
				s.hour(d.answered).abandoned++
			}
			s.pacer.Connected(s.epoch.Add(s.now), true)
			if rate := s.settle(true); rate > s.maxAnyRate {
				s.maxAnyRate, s.worstAt = rate, s.now
			}
		}
	case evTalkEnd:
		a := &s.agents[e.id]
		a.wrapEnd = s.now + m.Wrap
		s.push(a.wrapEnd, evWrapEnd, e.id)
	case evWrapEnd:
		a := &s.agents[e.id]
		s.pacer.Handled(a.wrapEnd-m.Wrap-a.since, m.Wrap)
		a.busy = false
		for len(s.waiting) > 0 {
			w := s.waiting[0]
			s.waiting = s.waiting[1:]
			if s.dialsList[w].active {
				s.dialsList[w].active = false
				s.connect(e.id, w)
				break
			}
		}
	}
	s.decide()
}

func (s *state) freeAgent() int {
	for i, a := range s.agents {
		if !a.busy {
			return i
		}
	}
	return -1
}

func (s *state) connect(agent, _ int) {
	a := &s.agents[agent]
	a.busy, a.since, a.wrapEnd = true, s.now, 0
	talk := time.Duration(math.Exp(s.lnMu+s.lnSigma*s.rng.NormFloat64()) * float64(time.Second))
	// The day's talk: a call still going at the close counts until then,
	// one connected after it not at all.
	counted := max(0, min(talk, min(s.closeOf(s.now), s.end)-s.now))
	s.talk += counted
	s.spread(s.now, s.now+counted, func(h *hourCount, d time.Duration) { h.talk += d })
	s.connected++
	s.pacer.Connected(s.epoch.Add(s.now), false)
	s.settle(false)
	s.push(s.now+talk, evTalkEnd, agent)
}

func (s *state) noteRate() {
	s.maxRate = math.Max(s.maxRate, s.windowRate())
}

func (s *state) decide() {
	if !s.working(s.now) {
		return // closed for the day
	}
	snap := dialer.Snapshot{Now: s.epoch.Add(s.now), Waiting: len(s.waiting)}
	for _, a := range s.agents {
		switch {
		case a.busy && a.wrapEnd > 0:
			snap.WrapEnds = append(snap.WrapEnds, s.epoch.Add(a.wrapEnd))
		case a.busy:
			snap.Busy = append(snap.Busy, s.epoch.Add(a.since))
		default:
			snap.FreeAgents++
		}
	}
	for _, id := range s.ringing {
		snap.Ringing = append(snap.Ringing, s.epoch.Add(s.dialsList[id].start))
	}
	n := s.pacer.Pace(snap)
	m := s.run.Model
	for range n {
		id := len(s.dialsList)
		live := s.rng.Float64() < m.AnswerRate
		var ring time.Duration
		if live {
			ring = s.uniform(m.AnswerRing)
		} else {
			ring = s.uniform(m.NoAnswerRing)
		}
		s.dialsList = append(s.dialsList, dial{start: s.now, live: live})
		s.ringing = append(s.ringing, id)
		s.dials++
		s.push(s.now+ring, evRingEnd, id)
	}
}
