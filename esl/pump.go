package esl

import (
	"time"

	"github.com/percipia/eslgo"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/esl/internal/reorder"
	"github.com/hotline-cc/hotline/esl/internal/wire"
)

// pumpMsg is everything the pump goroutine consumes, on one channel so that
// a note a command posts before it is sent is seen before any event the
// command causes.
type pumpMsg struct {
	kind      msgKind
	gen       uint64
	ev        *wire.Event
	raw       *eslgo.Event // msgEvent: as eslgo delivered it
	note      note
	snap      pbx.Snapshot
	live      map[string]bool
	reconnect bool
	err       error
}

type msgKind int

const (
	msgEvent  msgKind = iota + 1 // an event from link gen
	msgNote                      // a command's note for the tracker
	msgUp                        // link gen connected; hold its events until synced
	msgSynced                    // link gen reconciled
	msgDown                      // link gen lost
)

// post hands a message to the pump unless the switch is closing.
func (s *Switch) post(m pumpMsg) {
	select {
	case s.input <- m:
	case <-s.ctx.Done():
	}
}

// pump owns the reorder buffer and the tracker: it puts events back in
// Event-Sequence order, turns them into pbx events and queues those for
// Events without ever blocking on a slow reader.
func (s *Switch) pump() {
	defer s.wg.Done()
	defer s.closeEvents()
	p := pumper{
		s:     s,
		buf:   reorder.New[*wire.Event](s.opts.ReorderWindow),
		track: newTracker(),
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var released []*wire.Event
	for {
		var out chan<- pbx.Event
		var head pbx.Event
		if len(p.queue) > 0 {
			out, head = s.events, p.queue[0]
		}
		if d, ok := p.buf.Deadline(); ok {
			timer.Reset(time.Until(d))
		} else {
			timer.Stop()
		}
		select {
		case m := <-s.input:
			p.handle(m)
		case out <- head:
			p.queue[0] = nil
			p.queue = p.queue[1:]
			continue
		case <-timer.C:
		case <-s.ctx.Done():
			return
		}
		// A gap is given up on after the window only when nothing else is
		// queued: with a backlog the missing event may be right behind,
		// held up on one of eslgo's goroutines. ReorderMaxWait bounds that.
		now := time.Now()
		if d, ok := p.buf.Deadline(); ok && len(s.input) > 0 && now.Sub(d) < s.opts.ReorderMaxWait {
			released = p.buf.ReleaseReady(released[:0])
		} else {
			released = p.buf.Release(released[:0], now)
		}
		for _, ev := range released {
			p.deliver(ev)
		}
	}
}

type pumper struct {
	s       *Switch
	buf     *reorder.Buffer[*wire.Event]
	track   *tracker
	gen     uint64        // current link; 0 while down
	syncing bool          // between msgUp and msgSynced
	held    []*wire.Event // released while syncing, delivered after Synced
	queue   []pbx.Event   // waiting for the engine
	maxSeen uint64        // highest Event-Sequence received
}

func (p *pumper) handle(m pumpMsg) {
	switch m.kind {
	case msgEvent:
		if m.gen != p.gen {
			return // from a link already given up
		}
		ev, err := decodeESLEvent(m.raw)
		if err != nil {
			p.s.log.Warn().Err(err).Msg("undecodable event dropped")
			return
		}
		m.ev = ev
		seq, ok := m.ev.Seq()
		if ok && seq < p.maxSeen {
			p.s.inversions.Add(1) // arrived after a higher number: eslgo's goroutines at work
		} else if ok {
			p.maxSeen = seq
		}
		if !ok {
			p.deliver(m.ev)
			return
		}
		if late := p.buf.Push(seq, m.ev, time.Now()); late {
			p.s.late.Add(1)
			p.s.log.Warn().Uint64("seq", seq).Str("event", m.ev.Name()).Uint64("late_total", p.s.late.Load()).
				Msg("event arrived after the reorder window; delivered out of order")
			p.deliver(m.ev)
		}
	case msgNote:
		p.track.note(m.note)
	case msgUp:
		p.buf.Reset()
		p.gen, p.syncing, p.held = m.gen, true, nil
	case msgSynced:
		if m.gen != p.gen {
			return
		}
		p.track.note(note{kind: noteResync, liveUUIDs: m.live})
		p.emit(pbx.Synced{Base: pbx.Base{At: time.Now()}, Snapshot: m.snap, Reconnect: m.reconnect})
		p.s.readyOnce.Do(func() { close(p.s.ready) })
		p.syncing = false
		for _, ev := range p.held {
			p.deliver(ev)
		}
		p.held = nil
	case msgDown:
		if m.gen != p.gen {
			return
		}
		for _, ev := range p.buf.Flush(nil) {
			p.deliver(ev)
		}
		if p.syncing {
			p.syncing = false
			for _, ev := range p.held {
				p.deliver(ev)
			}
			p.held = nil
		}
		p.gen = 0
		p.emit(pbx.Disconnected{Base: pbx.Base{At: time.Now()}, Err: m.err})
	}
}

func (p *pumper) deliver(ev *wire.Event) {
	if p.syncing {
		p.held = append(p.held, ev)
		return
	}
	n := len(p.queue)
	p.queue = p.track.apply(ev, p.queue)
	for _, e := range p.queue[n:] {
		p.s.reg.observe(e)
	}
}

func (p *pumper) emit(e pbx.Event) {
	p.queue = append(p.queue, e)
}
