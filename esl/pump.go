package esl

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/esl/internal/wire"
)

// pumpMsg is everything the pump goroutine consumes, on one channel so that
// a note a command posts before it is sent is seen before any event the
// command causes.
type pumpMsg struct {
	kind      msgKind
	gen       uint64
	ev        *wire.Event // msgEvent
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

// pump owns the tracker: it turns events, in the order they came off the
// socket, into pbx events and queues those for Events without ever
// blocking on a slow reader.
func (s *Switch) pump() {
	defer s.wg.Done()
	defer s.closeEvents()
	p := pumper{s: s, track: newTracker()}
	doubts := time.NewTimer(time.Hour)
	doubts.Stop()
	defer doubts.Stop()
	armed := time.Time{} // the deadline doubts is set for; zero when stopped
	for {
		var out chan<- pbx.Event
		var head pbx.Event
		if len(p.queue) > 0 {
			out, head = s.events, p.queue[0]
		}
		select {
		case m := <-s.input:
			p.handle(m)
		case out <- head:
			p.queue[0] = nil
			p.queue = p.queue[1:]
		case <-doubts.C:
			armed = time.Time{}
			p.expireDoubts(time.Now())
		case <-s.ctx.Done():
			return
		}
		// A failed playback held in doubt (tracker.doubt) waits on the
		// timer for its channel's hang-up.
		switch due, ok := p.track.armDoubts(time.Now()); {
		case !ok && !armed.IsZero():
			doubts.Stop()
			armed = time.Time{}
		case ok && !due.Equal(armed):
			doubts.Reset(time.Until(due))
			armed = due
		}
	}
}

// expireDoubts hands the engine the held playback failures now due.
func (p *pumper) expireDoubts(now time.Time) {
	n := len(p.queue)
	p.queue = p.track.expireDoubts(now, p.queue)
	p.observe(n)
}

// observe shows the registry the events queued from index n on.
func (p *pumper) observe(n int) {
	for _, e := range p.queue[n:] {
		p.s.reg.observe(e)
	}
}

type pumper struct {
	s       *Switch
	track   *tracker
	gen     uint64        // current link; 0 while down
	syncing bool          // between msgUp and msgSynced
	held    []*wire.Event // received while syncing, delivered after Synced
	queue   []pbx.Event   // waiting for the engine
	maxSeen uint64        // highest Event-Sequence received on this link
}

func (p *pumper) handle(m pumpMsg) {
	switch m.kind {
	case msgEvent:
		if m.gen != p.gen {
			return // from a link already given up
		}
		if seq, ok := m.ev.Seq(); ok && seq < p.maxSeen {
			// FreeSWITCH queues an event for a connection from whichever
			// thread dispatched it; the socket's order is what counts.
			p.s.inversions.Add(1)
		} else if ok {
			p.maxSeen = seq
		}
		p.deliver(m.ev)
	case msgNote:
		p.track.note(m.note)
		n := len(p.queue)
		p.queue = p.track.takePending(p.queue)
		p.observe(n)
	case msgUp:
		p.gen, p.syncing, p.held, p.maxSeen = m.gen, true, nil, 0
	case msgSynced:
		if m.gen != p.gen {
			return
		}
		p.track.note(note{kind: noteResync, liveUUIDs: m.live, snap: m.snap.Channels})
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
		if p.syncing {
			p.syncing = false
			for _, ev := range p.held {
				p.deliver(ev)
			}
			p.held = nil
		}
		p.gen = 0
		p.s.reg.endJoins()
		p.s.reg.endHandovers()
		p.emit(pbx.Disconnected{Base: pbx.Base{At: time.Now()}, Err: m.err})
	}
}

func (p *pumper) deliver(ev *wire.Event) {
	if p.syncing {
		p.held = append(p.held, ev)
		return
	}
	p.s.reg.settleJoins(ev)
	p.s.reg.settleHandovers(ev)
	n := len(p.queue)
	p.queue = p.track.apply(ev, p.queue)
	for i, e := range p.queue[n:] {
		switch e := e.(type) {
		case pbx.Utterance:
			if !e.Failed {
				p.queue[n+i] = p.readUtterance(e)
			}
		case pbx.RecordingFinished:
			if !e.Failed {
				p.queue[n+i] = p.s.checkRecorded(e)
			}
		}
		p.s.reg.observe(e)
	}
}

// readUtterance reads a Listen's file, which FreeSWITCH has closed by
// RECORD_STOP, and removes it. It is short (seconds of 8 or 16 kHz audio)
// and local.
func (p *pumper) readUtterance(u pbx.Utterance) pbx.Utterance {
	audio, err := os.ReadFile(u.Path)
	if err != nil {
		u.Failed, u.Err = true, fmt.Sprintf("reading the utterance: %v (Hotline must see FreeSWITCH's recordings directory)", err)
		return u
	}
	u.Audio = audio
	// The audio travels in the event; the file would only pile up in
	// FreeSWITCH's recordings directory (Asterisk's are deleted likewise).
	if err := os.Remove(u.Path); err != nil {
		p.s.log.Warn().Err(err).Str("file", u.Path).Msg("removing a caller's utterance")
	}
	return u
}

// wavHeader is the size of a WAV file with no audio in it.
const wavHeader = 44

// checkRecorded fails a recording FreeSWITCH reported stopped but stored no
// audio for: no file where RECORD_STOP said (FreeSWITCH drops a file it
// wrote nothing to), or a WAV header alone. A recordings directory Hotline
// cannot see is taken on trust.
func (s *Switch) checkRecorded(f pbx.RecordingFinished) pbx.RecordingFinished {
	if f.Path == "" {
		return f
	}
	if _, err := os.Stat(s.recordingDir()); err != nil {
		return f
	}
	switch fi, err := os.Stat(f.Path); {
	case errors.Is(err, fs.ErrNotExist):
		f.Failed, f.Err = true, "no audio kept: FreeSWITCH reported "+f.Path+" but stored no file there"
	case err == nil && strings.HasSuffix(f.Path, ".wav") && fi.Size() <= wavHeader:
		f.Failed, f.Err = true, "no audio kept: "+f.Path+" holds a WAV header alone"
	}
	return f
}

func (p *pumper) emit(e pbx.Event) {
	p.queue = append(p.queue, e)
}
