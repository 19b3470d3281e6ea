package engine

import (
	"container/heap"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/pbx"
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
	// PublishEvery bounds how often the status snapshot and change stream
	// are refreshed after changes (they are coalesced); 0 = 100 ms.
	PublishEvery time.Duration
}

// Runtime runs a Core in one goroutine against a live switch.
type Runtime struct {
	core    *Core
	sw      pbx.Switch
	log     zerolog.Logger
	now     func() time.Time
	timeout time.Duration

	timers  timerHeap // owned by the engine goroutine
	pub     publisher // owned by the engine goroutine
	failed  chan failure
	admin   chan adminReq
	stopped chan struct{}

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
		rt.now = time.Now
	}
	if rt.timeout <= 0 {
		rt.timeout = 10 * time.Second
	}
	o.Core.Out = rtOutputs{rt}
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
	}
	rt.pub = newPublisher(o.PublishEvery)
	rt.pub.publish(core, rt.now())
	return rt, nil
}

// Run is the engine goroutine: it returns when ctx ends or the switch closes
// its event stream.
func (rt *Runtime) Run(ctx context.Context) error {
	rt.baseCtx = ctx
	defer close(rt.stopped)
	defer rt.pub.hub.Close()
	tick := time.NewTimer(time.Hour)
	defer tick.Stop()
	pubTick := time.NewTicker(rt.pub.every)
	defer pubTick.Stop()
	events := rt.sw.Events()
	for {
		rt.arm(tick)
		select {
		case <-pubTick.C:
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
			rt.core.Handle(rt.now(), ev)
		case f := <-rt.failed:
			rt.core.CommandFailed(rt.now(), f.cmd, f.err)
		case req := <-rt.admin:
			now := rt.now()
			err := req.fn(rt.core, now)
			rt.pub.publish(rt.core, now) // the requester reads its own change
			req.done <- err
			continue
		case <-tick.C:
			now := rt.now()
			for rt.timers.Len() > 0 && !rt.timers[0].at.After(now) {
				t := heap.Pop(&rt.timers).(timerItem)
				rt.core.Fire(now, t.t)
			}
		}
		rt.pub.dirty = true
	}
}

func (rt *Runtime) arm(t *time.Timer) {
	if rt.timers.Len() == 0 {
		t.Reset(time.Hour)
		return
	}
	d := rt.timers[0].at.Sub(rt.now())
	if d < 0 {
		d = 0
	}
	t.Reset(d)
}

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
			rt.log.Debug().Err(err).Str("command", cmd.String()).Msg("command failed")
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
