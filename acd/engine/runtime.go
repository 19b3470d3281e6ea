package engine

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/internal/hrtimer"
	"github.com/hotline-cc/hotline/internal/redact"
	"github.com/hotline-cc/hotline/store"
)

// RunOptions configure the daemon's runtime.
type RunOptions struct {
	Core   Options // Out is set by NewRuntime
	Switch pbx.Switch
	Log    zerolog.Logger
	// Saved, if set, is restored before the first event (restart).
	Saved *Saved
	// CommandTimeout bounds one PBX command; 0 = 10 s.
	CommandTimeout time.Duration
	// Now is the clock; nil = time.Now.
	Now func() time.Time
	// Lag, if set, records how late the loop takes up each input: a PBX
	// event's delay since the switch stamped it, a timer's since it was due.
	// Meaningful when the switch's clock is Now (the simulator).
	Lag *LagRecorder
	// FlushTimeout bounds the wait for queued writes when Run returns;
	// 0 = 10 s.
	FlushTimeout time.Duration
	// PublishEvery bounds how often the status snapshot and change stream
	// are refreshed after changes (they are coalesced); 0 = 100 ms.
	PublishEvery time.Duration
}

// Runtime runs a Core in one goroutine against a live switch.
type Runtime struct {
	core      *Core
	sw        pbx.Switch
	log       zerolog.Logger
	now       func() time.Time
	wallClock bool // now is time.Now
	timeout   time.Duration

	timers  timerHeap // owned by the engine goroutine
	pub     publisher // owned by the engine goroutine
	failed  chan failure
	admin   chan adminReq
	stopped chan struct{}

	writer       *store.Writer
	replies      []reply // admin requests waiting for their writes to be durable, in order
	flushTimeout time.Duration
	lag          *LagRecorder // nil unless RunOptions.Lag

	lanesMu sync.Mutex // guards lanes
	lanes   map[string]*lane
	wg      sync.WaitGroup
	baseCtx context.Context
}

type adminReq struct {
	fn   func(c *Core, now time.Time) error
	done chan error
}

// NewRuntime builds the runtime and its Core.
func NewRuntime(o RunOptions) (*Runtime, error) {
	rt := &Runtime{sw: o.Switch, log: o.Log.With().Str("component", "engine").Logger(), now: o.Now,
		timeout: o.CommandTimeout, failed: make(chan failure, 1024), admin: make(chan adminReq),
		stopped: make(chan struct{}), lanes: map[string]*lane{}}
	if rt.now == nil {
		rt.now, rt.wallClock = time.Now, true
	}
	if rt.timeout <= 0 {
		rt.timeout = 10 * time.Second
	}
	o.Core.Out = rtOutputs{rt}
	p, ok := o.Switch.(PhonePicker)
	o.Core.PickUpPhones = ok && p.PicksUpPhones()
	if o.Core.Store == nil {
		o.Core.Store = NopStore{}
	}
	rt.writer = store.NewWriter(o.Core.Store, store.WriterOptions{Logger: o.Log})
	o.Core.Writer = rt.writer
	rt.lag = o.Lag
	rt.flushTimeout = o.FlushTimeout
	if rt.flushTimeout <= 0 {
		rt.flushTimeout = 10 * time.Second
	}
	if o.Core.Warn == nil {
		o.Core.Warn = func(_ time.Time, msg string) { rt.log.Warn().Msg(msg) }
	}
	core, err := NewCore(o.Core, rt.now())
	if err != nil {
		return nil, err
	}
	rt.core = core
	if o.Saved != nil {
		core.Restore(rt.now(), *o.Saved)
	} else {
		core.logConfigLogins(rt.now(), nil)
	}
	rt.pub = newPublisher(o.PublishEvery)
	rt.pub.publish(core, rt.now())
	return rt, nil
}

// Run is the engine goroutine: it returns when ctx ends or the switch closes
// its event stream.
func (rt *Runtime) Run(ctx context.Context) error {
	rt.baseCtx = ctx
	rt.writer.Start()
	defer rt.closeWriter()
	defer close(rt.stopped)
	defer rt.pub.hub.Close()
	// A timer fires within tens of microseconds where the machine allows;
	// a time.Timer would take up a timer due in 0.3 ms after 1 ms.
	tick := hrtimer.New()
	defer tick.Close()
	var armed time.Time // what tick is set for; zero once it fired or stopped
	pubTick := time.NewTicker(rt.pub.every)
	defer pubTick.Stop()
	events := rt.sw.Events()
	saved := rt.writer.Saved()
	for {
		armed = rt.arm(tick, armed)
		select {
		case seq := <-saved:
			rt.core.Saved(rt.now(), seq)
			rt.reply(seq)
		case <-pubTick.C:
			rt.releaseUnsaved()
			if now := rt.now(); rt.pub.due(now) {
				rt.pub.publish(rt.core, now)
			}
			continue
		case <-ctx.Done():
			rt.wg.Wait()
			return nil
		case ev, ok := <-events:
			if !ok {
				rt.wg.Wait()
				return errors.New("engine: switch closed its event stream")
			}
			now := rt.now()
			rt.lag.add(now.Sub(ev.Time()))
			start := rt.lag.start()
			rt.core.Handle(now, ev)
			rt.lag.handled(start)
		case f := <-rt.failed:
			rt.core.CommandFailed(rt.now(), f.cmd, f.err)
		case req := <-rt.admin:
			now := rt.now()
			before := rt.writer.Submitted()
			err := req.fn(rt.core, now)
			rt.pub.publish(rt.core, now) // the requester reads its own change
			if seq := rt.writer.Submitted(); seq > before && rt.writer.Durable() < seq {
				// A request is acknowledged once what it changed is durable.
				rt.replies = append(rt.replies, reply{seq: seq, done: req.done, err: err})
				rt.releaseUnsaved()
				continue
			}
			req.done <- err
			continue
		case <-tick.C:
			armed = time.Time{}
			now := rt.now()
			if rt.timers.Len() == 0 || rt.timers[0].at.After(now) {
				continue // a tick of an earlier arming: nothing is due
			}
			rt.lag.addTimer(now.Sub(rt.timers[0].at))
			start := rt.lag.start()
			for rt.timers.Len() > 0 && !rt.timers[0].at.After(now) {
				t := heap.Pop(&rt.timers).(timerItem)
				rt.core.Fire(now, t.t)
			}
			rt.lag.handled(start)
		}
		rt.pub.dirty = true
	}
}

// arm sets t for the earliest timer and returns the time it is set for.
// On the wall clock a timer already set for that time is left alone (each
// setting is a system call); a RunOptions.Now that runs faster than the
// wall clock (a simulator's virtual time) has the wait recomputed from it
// on every turn of the loop.
func (rt *Runtime) arm(t *hrtimer.Timer, armed time.Time) time.Time {
	if rt.timers.Len() == 0 {
		if !armed.IsZero() {
			t.Stop()
		}
		return time.Time{}
	}
	at := rt.timers[0].at
	if !rt.wallClock || !at.Equal(armed) {
		t.Reset(at.Sub(rt.now()))
	}
	return at
}

// reply is an answered admin request held until its writes are durable.
type reply struct {
	seq  uint64
	done chan error
	err  error
}

// reply sends the answers whose writes are durable now.
func (rt *Runtime) reply(saved uint64) {
	n := 0
	for n < len(rt.replies) && rt.replies[n].seq <= saved {
		rt.replies[n].done <- rt.replies[n].err
		n++
	}
	clear(rt.replies[:n])
	rt.replies = rt.replies[n:]
}

// releaseUnsaved answers, while the store fails, the requests waiting for
// their writes to be durable: the changes are made and kept for the
// writer's retries, but a client is not held until the disk takes writes
// again, which may be hours; it is told the change is not saved yet.
func (rt *Runtime) releaseUnsaved() {
	if len(rt.replies) == 0 || !rt.writer.Failing() {
		return
	}
	for _, r := range rt.replies {
		err := r.err
		if err == nil {
			err = fmt.Errorf("%w: the store is failing (%v); it is saved once writes succeed again", ErrNotSaved, rt.writer.Err())
		}
		r.done <- err
	}
	clear(rt.replies)
	rt.replies = rt.replies[:0]
}

// closeWriter waits for the engine's queued writes to be committed, so that
// the store may be closed after Run returns.
func (rt *Runtime) closeWriter() {
	ctx, cancel := context.WithTimeout(context.Background(), rt.flushTimeout)
	defer cancel()
	if err := rt.writer.Close(ctx); err != nil {
		rt.log.Error().Err(err).Msg("records not written at stop")
	}
	rt.reply(rt.writer.Durable())
	for _, r := range rt.replies {
		r.done <- fmt.Errorf("%w before the change was saved", ErrStopped)
	}
	rt.replies = nil
}

// Writer is the engine's store writer: a health check reports
// Writer().Failing() and Writer().Failures().
func (rt *Runtime) Writer() *store.Writer { return rt.writer }

// Do runs fn on the engine goroutine and returns its error: the only way
// other goroutines (API, CLI) touch the Core.
func (rt *Runtime) Do(ctx context.Context, fn func(c *Core, now time.Time) error) error {
	req := adminReq{fn: fn, done: make(chan error, 1)}
	select {
	case rt.admin <- req:
	case <-rt.stopped:
		return ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Status asks the engine for its live status.
func (rt *Runtime) Status(ctx context.Context) (Status, error) {
	var s Status
	err := rt.Do(ctx, func(c *Core, now time.Time) error { s = c.Status(now); return nil })
	return s, err
}

type rtOutputs struct{ rt *Runtime }

// Do queues a command on its call's lane; lanes run in their own goroutines
// so a slow switch never blocks the engine and one call's commands keep order.
func (o rtOutputs) Do(cmd Command) {
	rt := o.rt
	rt.lanesMu.Lock()
	l, ok := rt.lanes[cmd.Lane]
	if !ok {
		l = &lane{}
		rt.lanes[cmd.Lane] = l
	}
	l.queue = append(l.queue, cmd)
	start := !l.running
	l.running = true
	rt.lanesMu.Unlock()
	if start {
		rt.wg.Add(1)
		go rt.runLane(cmd.Lane, l)
	}
}

func (o rtOutputs) At(at time.Time, t Timer) { heap.Push(&o.rt.timers, timerItem{at: at, t: t}) }

type lane struct {
	queue   []Command
	running bool
}

func (rt *Runtime) runLane(name string, l *lane) {
	defer rt.wg.Done()
	for {
		rt.lanesMu.Lock()
		if len(l.queue) == 0 {
			l.running = false
			delete(rt.lanes, name)
			rt.lanesMu.Unlock()
			return
		}
		cmd := l.queue[0]
		l.queue = l.queue[1:]
		rt.lanesMu.Unlock()
		base := rt.baseCtx
		if base == nil {
			base = context.Background()
		}
		ctx, cancel := context.WithTimeout(base, rt.timeout)
		err := cmd.Exec(ctx, rt.sw)
		cancel()
		if err != nil && !errors.Is(err, context.Canceled) {
			if e := rt.log.Debug(); e.Enabled() {
				command, text := failedForLog(cmd, err)
				e.Str("error", text).Str("command", command).Msg("command failed")
			}
			select {
			case rt.failed <- failure{cmd, err}:
			case <-rt.stopped:
				return
			}
		}
	}
}

type timerItem struct {
	at time.Time
	t  Timer
}

type timerHeap []timerItem

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h timerHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)        { *h = append(*h, x.(timerItem)) }
func (h *timerHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// LagRecorder keeps the engine loop's lags (see RunOptions.Lag) and how
// long the engine took over each input. It is safe for concurrent use; a
// nil recorder records nothing.
type LagRecorder struct {
	mu     sync.Mutex // guards lags, timers and work
	lags   []time.Duration
	timers []time.Duration
	work   []time.Duration
}

func (l *LagRecorder) add(d time.Duration) {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.lags = append(l.lags, max(d, 0))
	l.mu.Unlock()
}

func (l *LagRecorder) addTimer(d time.Duration) {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.lags = append(l.lags, max(d, 0))
	l.timers = append(l.timers, max(d, 0))
	l.mu.Unlock()
}

// start returns the wall time an input's handling starts (zero when nil).
func (l *LagRecorder) start() time.Time {
	if l == nil {
		return time.Time{}
	}
	return time.Now()
}

func (l *LagRecorder) handled(start time.Time) {
	if l == nil {
		return
	}
	d := time.Since(start)
	l.mu.Lock()
	l.work = append(l.work, d)
	l.mu.Unlock()
}

// Quantile returns the lag below which a share q (0..1) of the inputs
// were taken up, and the number of inputs.
func (l *LagRecorder) Quantile(q float64) (time.Duration, int) { return l.quantile(&l.lags, q) }

// TimerQuantile is Quantile for timers alone: their lag is the engine's
// own, while an event's also holds the switch's delay in sending it.
func (l *LagRecorder) TimerQuantile(q float64) (time.Duration, int) { return l.quantile(&l.timers, q) }

// WorkQuantile is Quantile for the time the engine spent on one input.
func (l *LagRecorder) WorkQuantile(q float64) (time.Duration, int) { return l.quantile(&l.work, q) }

func (l *LagRecorder) quantile(samples *[]time.Duration, q float64) (time.Duration, int) {
	l.mu.Lock()
	s := slices.Clone(*samples)
	l.mu.Unlock()
	if len(s) == 0 {
		return 0, 0
	}
	slices.Sort(s)
	i := min(int(q*float64(len(s))), len(s)-1)
	return s[i], len(s)
}

// failedForLog is a failed command and its error as the log shows them: a
// lead's dial string, and an error naming it, keep no customer number.
func failedForLog(cmd Command, err error) (command, text string) {
	text = err.Error()
	if cmd.Op == OpOriginate {
		cmd.Originate.Endpoint, text = redact.Numbers(cmd.Originate.Endpoint), redact.Numbers(text)
	}
	return cmd.String(), text
}
