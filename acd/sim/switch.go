package sim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/internal/hrtimer"
)

var (
	_ pbx.Switch           = (*Switch)(nil)
	_ pbx.RecordingChecker = (*Switch)(nil)
)

// Defaults for zero Options fields.
const (
	DefaultPromptLength  = 2 * time.Second
	DefaultRingTimeout   = 30 * time.Second
	digitLength          = 700 * time.Millisecond // per character of "digits:" and "number:"
	dtmfDuration         = 100 * time.Millisecond
	dtmfGap              = 250 * time.Millisecond // between digits a far end sends
	trafficDTMFMinDelay  = time.Second
	trafficDTMFMaxExtra  = 2 * time.Second
	eventsChannelBacklog = 64
)

// Options configures a Switch.
type Options struct {
	// Seed makes every random draw (arrivals, patience, phones) repeatable.
	Seed int64
	// Clock selects deterministic mode; Emit must then be set too.
	Clock *Clock
	// Emit receives events in deterministic mode, called from inside
	// Clock.Step. It may call the switch's commands.
	Emit func(pbx.Event)
	// Speed is how many virtual seconds pass per wall second in real-time
	// mode; 0 = 1. Durations in scripts and options are virtual.
	Speed float64
	// Latency is how long after a command its effect happens.
	Latency time.Duration
	// PromptLength is how long a "sound:", "recording:", "file:" or "tone:"
	// item plays; 0 = DefaultPromptLength.
	PromptLength time.Duration
	// Phones is the random model for endpoints "sim/..." nobody scripted.
	Phones config.SimAgentPhone
	// Log receives debug lines about commands; the zero Logger is silent.
	Log zerolog.Logger
}

// Stats counts what happened on the switch since New.
type Stats struct {
	CallsPlaced        int // inbound calls that arrived (scripted and traffic)
	CallsAnswered      int // inbound calls Hotline answered
	CallerHangups      int // inbound calls the caller ended (script or patience)
	Abandoned          int // traffic callers who ran out of patience before being bridged
	Originates         int // Originate and Spy requests accepted
	OriginatesAnswered int
	Busy               int // originates that failed busy
	NoAnswer           int // ... that rang out
	Unreachable        int // ... whose endpoint does not exist
	Cancelled          int // ... that Hotline hung up before answer
	PhoneHangups       int // answered originated legs the far-end phone ended
	Playbacks          int
	Recordings         int
	DigitsPressed      int // DTMF digits far ends sent to Hotline
	Events             int // events delivered
}

// Switch is the simulated switch. See the package documentation for its two
// modes.
type Switch struct {
	opts     Options
	log      zerolog.Logger
	realtime bool
	speed    float64

	// mu guards every field below and, in real-time mode, the clock: the run
	// loop and commands from any goroutine take it. Functions scheduled on
	// the clock never take it themselves: the run loop (real-time) holds it
	// for them, and in deterministic mode the clock's owner is the only
	// goroutine, so Emit can call back into commands without deadlock.
	mu         sync.Mutex
	clock      *Clock
	rng        *rand.Rand
	closed     bool
	started    bool
	born       time.Time // the clock's time at New: when the switch started
	chans      map[pbx.ChannelID]*channel
	bridges    map[pbx.BridgeID]*bridge
	playbacks  map[pbx.PlaybackID]*playback
	recordings map[string]*recording
	stored     map[string]string // recordings over, by name: their path
	phones     map[string]farend.Phone
	models     map[string]config.SimAgentPhone
	inbound    int         // last inbound channel number handed out
	pending    []pbx.Event // produced by the running scheduled function
	queue      []pbx.Event // real-time: waiting to be sent on events
	stats      Stats

	events    chan pbx.Event
	wake      chan struct{} // real-time: the clock or queue changed
	done      chan struct{} // real-time: Close asks the loop to stop
	exited    chan struct{} // real-time: the loop stopped
	wallStart time.Time     // real-time: wall time at virtual virtStart
	virtStart time.Time
}

// New makes a switch. In real-time mode call Start before expecting events.
func New(opts Options) (*Switch, error) {
	if err := checkOptions(opts); err != nil {
		return nil, err
	}
	if opts.PromptLength == 0 {
		opts.PromptLength = DefaultPromptLength
	}
	s := &Switch{
		opts:       opts,
		log:        opts.Log.With().Str("component", "sim").Logger(),
		rng:        rand.New(rand.NewPCG(uint64(opts.Seed), 0x686f746c696e65)),
		chans:      make(map[pbx.ChannelID]*channel),
		bridges:    make(map[pbx.BridgeID]*bridge),
		playbacks:  make(map[pbx.PlaybackID]*playback),
		recordings: make(map[string]*recording),
		stored:     make(map[string]string),
		phones:     make(map[string]farend.Phone),
		models:     make(map[string]config.SimAgentPhone),
		events:     make(chan pbx.Event, eventsChannelBacklog),
	}
	if opts.Clock != nil {
		s.clock = opts.Clock
		s.born = s.clock.Now()
		return s, nil
	}
	s.realtime = true
	s.speed = opts.Speed
	if s.speed == 0 {
		s.speed = 1
	}
	s.wallStart = time.Now()
	s.virtStart = s.wallStart
	s.clock = NewClock(s.virtStart)
	s.born = s.virtStart
	s.wake = make(chan struct{}, 1)
	s.done = make(chan struct{})
	s.exited = make(chan struct{})
	return s, nil
}

func checkOptions(o Options) error {
	var problems []string
	if o.Clock != nil && o.Emit == nil {
		problems = append(problems, "Clock without Emit (deterministic mode delivers events through Emit)")
	}
	if o.Clock == nil && o.Emit != nil {
		problems = append(problems, "Emit without Clock (real-time mode delivers events on Events())")
	}
	if o.Speed < 0 {
		problems = append(problems, fmt.Sprintf("Speed %v < 0", o.Speed))
	}
	if o.Latency < 0 {
		problems = append(problems, fmt.Sprintf("Latency %v < 0", o.Latency))
	}
	if o.PromptLength < 0 {
		problems = append(problems, fmt.Sprintf("PromptLength %v < 0", o.PromptLength))
	}
	if err := checkModel(o.Phones); err != nil {
		problems = append(problems, "Phones: "+err.Error())
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %v", ErrBadOptions, problems)
	}
	return nil
}

// Start emits Synced (an empty switch, not a reconnect) and, in real-time
// mode, starts the goroutine that runs the clock and delivers events. In
// deterministic mode it only schedules Synced on the clock.
func (s *Switch) Start(ctx context.Context) error {
	if err := s.lock(ctx, "start"); err != nil {
		return err
	}
	defer s.unlock()
	if s.started {
		return ErrAlreadyStarted
	}
	s.started = true
	s.after(0, func() {
		s.emit(pbx.Synced{Base: s.base(""), Snapshot: s.snapshot()})
	})
	if s.realtime {
		go s.run()
	}
	s.log.Info().Bool("realtime", s.realtime).Float64("speed", s.speed).Msg("simulated switch started")
	return nil
}

// Events implements pbx.Switch. In deterministic mode nothing is ever sent
// on it (events go to Options.Emit); it is closed by Close in both modes.
func (s *Switch) Events() <-chan pbx.Event { return s.events }

// Close stops the switch and closes Events; events not yet read are
// discarded. Later commands fail with pbx.ErrClosed.
func (s *Switch) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	running := s.realtime && s.started
	s.mu.Unlock()
	if running {
		close(s.done)
		<-s.exited
	}
	close(s.events)
	s.log.Info().Msg("simulated switch closed")
	return nil
}

// Stats returns the counters so far.
func (s *Switch) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Now is the switch's virtual time.
func (s *Switch) Now() time.Time {
	s.mu.Lock()
	defer s.unlock() // catching up may have queued events
	s.catchUp()
	return s.clock.Now()
}

// run is the real-time loop: it runs the clock as wall time passes and hands
// queued events to the Events channel, one select for both so that a slow
// reader never stalls the clock.
func (s *Switch) run() {
	defer close(s.exited)
	// Events are stamped with the time they were due: a time.Timer, up to
	// 1 ms late, would make the switch look slow to whoever measures.
	timer := hrtimer.New()
	defer timer.Close()
	var armed time.Time // the virtual time timer is set for; zero once it fired
	for {
		s.mu.Lock()
		s.catchUp()
		var out chan<- pbx.Event
		var head pbx.Event
		if len(s.queue) > 0 {
			out, head = s.events, s.queue[0]
		}
		var tick <-chan time.Time
		if next, ok := s.clock.Next(); ok {
			if !next.Equal(armed) {
				timer.Reset(s.wallUntil(next))
				armed = next
			}
			tick = timer.C
		}
		s.mu.Unlock()

		select {
		case out <- head:
			s.mu.Lock()
			s.queue[0] = nil
			s.queue = s.queue[1:]
			s.mu.Unlock()
		case <-tick:
			armed = time.Time{}
		case <-s.wake:
		case <-s.done:
			return
		}
	}
}

// virtualNow maps wall time to virtual time in real-time mode.
func (s *Switch) virtualNow() time.Time {
	return s.virtStart.Add(time.Duration(float64(time.Since(s.wallStart)) * s.speed))
}

// wallUntil is the wall time left until virtual time at.
func (s *Switch) wallUntil(at time.Time) time.Duration {
	d := time.Duration(float64(at.Sub(s.virtualNow())) / s.speed)
	return max(d, 0)
}

// catchUp runs, in real-time mode, everything due by now. Called with mu held.
func (s *Switch) catchUp() {
	if s.realtime && !s.closed {
		s.clock.RunUntil(s.virtualNow())
	}
}

// lock starts a command: it checks ctx, takes mu, refuses a closed switch
// and brings the real-time clock up to date.
func (s *Switch) lock(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sim: %s: %w", op, err)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("sim: %s: %w", op, pbx.ErrClosed)
	}
	s.catchUp()
	return nil
}

// unlock ends a command and wakes the run loop, whose next deadline may have
// changed.
func (s *Switch) unlock() {
	s.mu.Unlock()
	if s.realtime {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// after schedules fn d from now. Events fn emits are delivered when it
// returns, so Emit never sees the switch half-way through a change.
func (s *Switch) after(d time.Duration, fn func()) TimerID {
	return s.clock.After(d, func() {
		if s.closed {
			return
		}
		fn()
		s.flush()
	})
}

// emit queues an event of the running scheduled function.
func (s *Switch) emit(ev pbx.Event) { s.pending = append(s.pending, ev) }

func (s *Switch) flush() {
	evs := s.pending
	s.pending = nil
	s.stats.Events += len(evs)
	if s.realtime {
		s.queue = append(s.queue, evs...)
		return
	}
	for _, ev := range evs {
		s.opts.Emit(ev)
	}
}

func (s *Switch) base(ch pbx.ChannelID) pbx.Base {
	return pbx.Base{Channel: ch, At: s.clock.Now()}
}

// exp draws an exponential duration with the given mean.
func (s *Switch) exp(mean time.Duration) time.Duration {
	if mean <= 0 {
		return 0
	}
	return time.Duration(s.rng.ExpFloat64() * float64(mean))
}

// checkModel refuses a random phone model that cannot be played.
func checkModel(p config.SimAgentPhone) error {
	if p.AnswerDelay < 0 || p.TalkTime < 0 {
		return errors.New("negative duration")
	}
	if p.BusyRate < 0 || p.NoAnswerRate < 0 || p.BusyRate+p.NoAnswerRate > 1 {
		return fmt.Errorf("busy rate %v and no-answer rate %v must be >= 0 and sum to <= 1", p.BusyRate, p.NoAnswerRate)
	}
	return nil
}
