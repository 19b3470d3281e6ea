package engine

import (
	"context"
	"sync"
	"time"
)

// SimLive shares a SimRun with other goroutines (the API of `demo --web`):
// the run still advances in one place, while requests and readers come from
// anywhere. It publishes snapshots and changes on a Hub as Runtime does, so
// the same pages and event stream work on the simulator.
type SimLive struct {
	mu   sync.Mutex // guards run and pub: a SimRun and its Core are single-goroutine
	run  *SimRun
	pub  publisher
	wall func() time.Time
	last time.Time // wall time of the last publish
}

var _ Submitter = (*SimLive)(nil)

// NewSimLive publishes r's state at most every interval of wall time (0 =
// 100 ms) while RunUntil advances it, and after every request.
func NewSimLive(r *SimRun, every time.Duration) *SimLive {
	l := &SimLive{run: r, pub: newPublisher(every), wall: time.Now}
	l.pub.publish(r.Core, r.Clock.Now())
	return l
}

// RunUntil advances virtual time to t, then publishes if due.
func (l *SimLive) RunUntil(t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.run.RunUntil(t)
	if now := l.wall(); now.Sub(l.last) >= l.pub.every {
		l.pub.publish(l.run.Core, l.run.Clock.Now())
		l.last = now
	}
}

// Status is the run's status at virtual time now (see Core.Status).
func (l *SimLive) Status(now time.Time) Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.run.Core.Status(now)
}

// Submit applies req at the current virtual time and publishes, so the
// requester reads its own change.
func (l *SimLive) Submit(ctx context.Context, req Request) (any, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v, err := l.run.Submit(ctx, req)
	l.pub.publish(l.run.Core, l.run.Clock.Now())
	l.last = l.wall()
	return v, err
}

// Snapshot is the last published state.
func (l *SimLive) Snapshot() *Snapshot { return l.pub.hub.Snapshot() }

// HubStats describe the change stream's readers.
func (l *SimLive) HubStats() HubStats { return l.pub.hub.Stats() }

// Subscribe follows the run's changes; see [Hub.Subscribe].
func (l *SimLive) Subscribe(after uint64, buf int) (*Subscription, *Snapshot, []Change) {
	return l.pub.hub.Subscribe(after, buf)
}

// Close ends every subscription.
func (l *SimLive) Close() { l.pub.hub.Close() }
