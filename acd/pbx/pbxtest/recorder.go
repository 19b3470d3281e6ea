package pbxtest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
)

// DefaultPatience is how long a wait lasts when a harness sets no Patience.
const DefaultPatience = 5 * time.Second

// Recorder keeps every event of a switch, like httptest.ResponseRecorder
// keeps a response: a goroutine drains Switch.Events() as fast as events
// come, so the switch never waits on a test, and tests look at what was
// recorded or wait for an event to show up.
type Recorder struct {
	patience time.Duration

	mu      sync.Mutex // guards events, closed and changed
	events  []pbx.Event
	closed  bool          // the events channel was closed
	changed chan struct{} // closed and replaced whenever events or closed change
}

// NewRecorder starts draining events. WaitFor gives up after patience
// (0 = DefaultPatience). The goroutine ends when events is closed.
func NewRecorder(events <-chan pbx.Event, patience time.Duration) *Recorder {
	if patience <= 0 {
		patience = DefaultPatience
	}
	r := &Recorder{patience: patience, changed: make(chan struct{})}
	go func() {
		for ev := range events {
			r.mu.Lock()
			r.events = append(r.events, ev)
			r.signal()
			r.mu.Unlock()
		}
		r.mu.Lock()
		r.closed = true
		r.signal()
		r.mu.Unlock()
	}()
	return r
}

// signal wakes the waiters; called with mu held.
func (r *Recorder) signal() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// Events returns a copy of every event recorded so far, in arrival order.
func (r *Recorder) Events() []pbx.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]pbx.Event(nil), r.events...)
}

// Filter returns the recorded events that match, in arrival order.
func (r *Recorder) Filter(match func(pbx.Event) bool) []pbx.Event {
	var out []pbx.Event
	for _, ev := range r.Events() {
		if match(ev) {
			out = append(out, ev)
		}
	}
	return out
}

// Index is the position of the first recorded event that matches, or -1.
func (r *Recorder) Index(match func(pbx.Event) bool) int {
	for i, ev := range r.Events() {
		if match(ev) {
			return i
		}
	}
	return -1
}

// WaitFor returns the first recorded event, old or new, that matches. It
// fails the test, listing every event seen, if none does within the
// recorder's patience, before ctx ends, or before the switch closes Events.
func (r *Recorder) WaitFor(t testing.TB, ctx context.Context, match func(pbx.Event) bool) pbx.Event {
	t.Helper()
	ev, err := r.Await(ctx, match)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return ev
}

// Await is WaitFor returning an error instead of failing a test.
func (r *Recorder) Await(ctx context.Context, match func(pbx.Event) bool) (pbx.Event, error) {
	ctx, cancel := context.WithTimeout(ctx, r.patience)
	defer cancel()
	seen := 0
	for {
		r.mu.Lock()
		fresh := r.events[seen:len(r.events):len(r.events)]
		closed, changed := r.closed, r.changed
		r.mu.Unlock()
		// match runs unlocked: it may look at the recorder itself.
		for _, ev := range fresh {
			if match(ev) {
				return ev, nil
			}
		}
		seen += len(fresh)
		if closed {
			return nil, fmt.Errorf("events closed before the awaited event; %s", r.dump())
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("no awaited event within %v (%v); %s", r.patience, ctx.Err(), r.dump())
		}
	}
}

// dump lists the recorded events for a failure message.
func (r *Recorder) dump() string {
	evs := r.Events()
	var b strings.Builder
	fmt.Fprintf(&b, "%d events seen:", len(evs))
	for i, ev := range evs {
		fmt.Fprintf(&b, "\n  %3d %s", i, Format(ev))
	}
	return b.String()
}

// On matches events of type E about channel ch.
func On[E pbx.Event](ch pbx.ChannelID) func(pbx.Event) bool {
	return func(ev pbx.Event) bool {
		_, ok := ev.(E)
		return ok && ev.Chan() == ch
	}
}

// Format renders an event on one line, without its time, for logs, failure
// messages and golden traces.
func Format(ev pbx.Event) string {
	switch e := ev.(type) {
	case pbx.CallArrived:
		return fmt.Sprintf("CallArrived %s caller=%q called=%q args=%q vars=%v", e.Channel, e.Caller, e.Called, e.Args, e.Vars)
	case pbx.Ringing:
		return "Ringing " + string(e.Channel)
	case pbx.Answered:
		return "Answered " + string(e.Channel)
	case pbx.DTMF:
		return fmt.Sprintf("DTMF %s digit=%c duration=%v", e.Channel, e.Digit, e.Duration)
	case pbx.PlaybackFinished:
		return fmt.Sprintf("PlaybackFinished %s playback=%s stopped=%t failed=%t", e.Channel, e.Playback, e.Stopped, e.Failed)
	case pbx.OriginateFailed:
		return fmt.Sprintf("OriginateFailed %s reason=%s cause=%s", e.Channel, e.Reason, e.Cause)
	case pbx.HungUp:
		return fmt.Sprintf("HungUp %s cause=%s", e.Channel, e.Cause)
	case pbx.BridgeJoined:
		return fmt.Sprintf("BridgeJoined %s bridge=%s", e.Channel, e.Bridge)
	case pbx.BridgeLeft:
		return fmt.Sprintf("BridgeLeft %s bridge=%s", e.Channel, e.Bridge)
	case pbx.RecordingStarted:
		return fmt.Sprintf("RecordingStarted %s name=%q", e.Channel, e.Name)
	case pbx.RecordingFinished:
		s := fmt.Sprintf("RecordingFinished %s name=%q path=%q duration=%v failed=%t", e.Channel, e.Name, e.Path, e.Duration, e.Failed)
		if e.Err != "" {
			s += fmt.Sprintf(" err=%q", e.Err)
		}
		return s
	case pbx.Utterance:
		return fmt.Sprintf("Utterance %s name=%q path=%q audio=%d bytes duration=%v failed=%t err=%q", e.Channel, e.Name, e.Path, len(e.Audio), e.Duration, e.Failed, e.Err)
	case pbx.Synced:
		return fmt.Sprintf("Synced channels=%d bridges=%d reconnect=%t", len(e.Snapshot.Channels), len(e.Snapshot.Bridges), e.Reconnect)
	case pbx.SwitchStopping:
		return "SwitchStopping"
	case pbx.Disconnected:
		return fmt.Sprintf("Disconnected err=%v", e.Err)
	}
	return fmt.Sprintf("%T %+v", ev, ev)
}
