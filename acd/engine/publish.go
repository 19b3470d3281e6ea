package engine

import (
	"encoding/json"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Snapshot is a published, immutable Status: readers (API, metrics, CLI)
// take it without asking the engine. Seq is the last change it includes.
type Snapshot struct {
	Seq uint64 `json:"seq"`
	Status
	enc *lazyJSON // set by the hub: the JSON, encoded once for every reader
}

// JSON is the snapshot encoded, computed once however many clients send it.
func (s *Snapshot) JSON() ([]byte, error) {
	if s.enc == nil {
		return json.Marshal(s)
	}
	return s.enc.get(s)
}

// Frame is the snapshot as one Server-Sent Events message (id, event
// "snapshot", data), built once for every stream that sends it.
func (s *Snapshot) Frame() ([]byte, error) {
	if s.enc == nil {
		return sseFrame(s.Seq, "snapshot", s)
	}
	return s.enc.frame(s.Seq, "snapshot", s)
}

// ChangeKind says what a Change is about.
type ChangeKind string

// Change kinds. Each change carries the whole new state of its object, so a
// client that missed nothing can apply changes in order to its snapshot.
const (
	ChangeAgent     ChangeKind = "agent"      // an agent's state, reason, call or totals changed
	ChangeCall      ChangeKind = "call"       // a live call appeared or changed phase, queue or agent
	ChangeCallEnded ChangeKind = "call-ended" // a live call is over (its last live state is sent)
	ChangeQueue     ChangeKind = "queue"      // a queue's figures changed
	// An agent or queue a reconfigure removed is gone (after draining); its
	// last state is sent.
	ChangeAgentRemoved ChangeKind = "agent-removed"
	ChangeQueueRemoved ChangeKind = "queue-removed"
	// A campaign's state or figures changed, or a reconfigure removed it.
	ChangeCampaign        ChangeKind = "campaign"
	ChangeCampaignRemoved ChangeKind = "campaign-removed"
	// A supervisor's phone joined an agent's call or changed, or left it.
	ChangeMonitor      ChangeKind = "monitor"
	ChangeMonitorEnded ChangeKind = "monitor-ended"
	// ChangeResync replaces changes a slow subscriber missed: it carries the
	// snapshot to start again from.
	ChangeResync ChangeKind = "resync"
)

// Change is one entry of the change stream.
type Change struct {
	Seq   uint64       `json:"seq"`
	Kind  ChangeKind   `json:"kind"`
	At    time.Time    `json:"at"`
	Agent *AgentStatus `json:"agent,omitempty"`
	Call  *CallStatus  `json:"call,omitempty"`
	Queue *QueueStatus `json:"queue,omitempty"`
	// Campaign is set on ChangeCampaign and ChangeCampaignRemoved.
	Campaign *CampaignStatus `json:"campaign,omitempty"`
	// Monitor is set on ChangeMonitor and ChangeMonitorEnded.
	Monitor *Monitor `json:"monitor,omitempty"`
	// Snapshot is set on ChangeResync only.
	Snapshot *Snapshot `json:"-"`
	enc      *lazyJSON // set by the hub, shared by every subscriber's copy
}

// Apart is a copy of c a reader changes before sending (a view that cuts
// it): it is encoded on its own, not with the hub's shared encoding.
func (c Change) Apart() Change {
	c.enc = nil
	return c
}

// JSON is the change encoded, computed once however many clients send it.
func (c Change) JSON() ([]byte, error) {
	if c.enc == nil {
		return json.Marshal(c)
	}
	return c.enc.get(c)
}

// Frame is the change as one Server-Sent Events message (id, event, data),
// built once for every stream that sends it: a stream's only work per
// change is to write these bytes.
func (c Change) Frame() ([]byte, error) {
	if c.enc == nil {
		return sseFrame(c.Seq, string(c.Kind), c)
	}
	return c.enc.frame(c.Seq, string(c.Kind), c)
}

// lazyJSON encodes a published value the first time a reader needs it, as
// JSON and as an event-stream frame.
type lazyJSON struct {
	once sync.Once
	b    []byte
	err  error

	frameOnce sync.Once
	f         []byte
	ferr      error
}

func (l *lazyJSON) get(v any) ([]byte, error) {
	l.once.Do(func() { l.b, l.err = json.Marshal(v) })
	return l.b, l.err
}

func (l *lazyJSON) frame(id uint64, event string, v any) ([]byte, error) {
	l.frameOnce.Do(func() {
		var data []byte
		if data, l.ferr = l.get(v); l.ferr == nil {
			l.f = appendFrame(nil, id, event, data)
		}
	})
	return l.f, l.ferr
}

func sseFrame(id uint64, event string, v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return appendFrame(nil, id, event, data), nil
}

// appendFrame writes "id: ID\nevent: EVENT\ndata: DATA\n\n"; JSON has no
// raw newlines, so data is one line.
func appendFrame(b []byte, id uint64, event string, data []byte) []byte {
	b = append(b, "id: "...)
	b = strconv.AppendUint(b, id, 10)
	b = append(b, "\nevent: "...)
	b = append(b, event...)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	return append(b, "\n\n"...)
}

// Hub holds the published snapshot and fans changes out to subscribers. The
// engine publishes; any goroutine reads or subscribes. A subscriber that does
// not keep up never slows the engine: its buffer fills, the changes it missed
// are dropped, and it gets one ChangeResync with a fresh snapshot instead.
type Hub struct {
	snap atomic.Pointer[Snapshot]

	mu     sync.Mutex // guards seq, subs, recent, closed; held while publishing so a subscriber's snapshot and stream line up
	seq    uint64
	subs   map[*Subscription]struct{}
	recent []Change // the last changes, oldest first, for reconnecting clients
	keep   int
	closed bool
	// resyncs counts snapshots sent to subscribers that fell behind.
	resyncs uint64
}

// HubStats describe the change stream's readers.
type HubStats struct {
	Subscribers int    // open subscriptions (event streams)
	Resyncs     uint64 // times a subscriber fell behind and was sent a snapshot instead
	Seq         uint64 // the last change's number
}

// Stats reads the hub's figures.
func (h *Hub) Stats() HubStats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return HubStats{Subscribers: len(h.subs), Resyncs: h.resyncs, Seq: h.seq}
}

// NewHub makes a hub that keeps at least the last keep changes (at most
// twice as many) for replay (0 = 4096).
// Sequence numbers start from the wall clock in microseconds, so a client
// reconnecting after a daemon restart never has its old position mistaken
// for one of the new run's.
func NewHub(keep int) *Hub {
	if keep <= 0 {
		keep = 4096
	}
	h := &Hub{subs: map[*Subscription]struct{}{}, keep: keep, seq: uint64(max(time.Now().UnixMicro(), 0))}
	h.snap.Store(&Snapshot{Seq: h.seq})
	return h
}

// Subscription is one reader of the change stream.
type Subscription struct {
	// C delivers changes in order; it is closed when the hub closes or the
	// subscription is cancelled.
	C      <-chan Change
	c      chan Change
	lagged bool // guarded by Hub.mu: changes were dropped, a resync is owed
	h      *Hub
}

// Snapshot is the last published state; it never blocks.
func (h *Hub) Snapshot() *Snapshot { return h.snap.Load() }

// Subscribe starts a subscription with a buffer of buf changes (0 = 256).
// If after is the Seq of the last change the caller saw and the hub still
// holds every change since, those are returned in replay and snap is nil;
// otherwise snap is the snapshot the subscription's changes follow.
func (h *Hub) Subscribe(after uint64, buf int) (sub *Subscription, snap *Snapshot, replay []Change) {
	if buf <= 0 {
		buf = 256
	}
	c := make(chan Change, buf)
	sub = &Subscription{C: c, c: c, h: h}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(c)
		return sub, h.snap.Load(), nil
	}
	h.subs[sub] = struct{}{}
	if after > 0 && after <= h.seq {
		if after == h.seq {
			return sub, nil, nil
		}
		if len(h.recent) > 0 && h.recent[0].Seq <= after+1 {
			i := int(after + 1 - h.recent[0].Seq)
			return sub, nil, append([]Change(nil), h.recent[i:]...)
		}
	}
	return sub, h.snap.Load(), nil
}

// Cancel ends the subscription and closes C.
func (s *Subscription) Cancel() {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	if _, ok := s.h.subs[s]; ok {
		delete(s.h.subs, s)
		close(s.c)
	}
}

// Publish stores a new snapshot with changes (numbered here, in order) and
// offers them to every subscriber without waiting.
func (h *Hub) Publish(st Status, changes []Change) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	for i := range changes {
		h.seq++
		changes[i].Seq = h.seq
		changes[i].enc = &lazyJSON{}
	}
	snap := &Snapshot{Seq: h.seq, Status: st, enc: &lazyJSON{}}
	h.snap.Store(snap)
	h.recent = append(h.recent, changes...)
	if len(h.recent) > 2*h.keep { // trimmed now and then, not on every publish
		h.recent = append(h.recent[:0], h.recent[len(h.recent)-h.keep:]...)
	}
	for sub := range h.subs {
		if sub.lagged {
			if offer(sub.c, Change{Seq: snap.Seq, Kind: ChangeResync, At: st.Now, Snapshot: snap}) {
				sub.lagged = false
				h.resyncs++
			}
			continue
		}
		for _, ch := range changes {
			if !offer(sub.c, ch) {
				sub.lagged = true
				break
			}
		}
	}
}

// offer sends without waiting.
func offer(c chan<- Change, ch Change) bool {
	select {
	case c <- ch:
		return true
	default:
		return false
	}
}

// Close ends every subscription; later publishing does nothing.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	for sub := range h.subs {
		close(sub.c)
		delete(h.subs, sub)
	}
}

// publisher turns the Core's state into snapshots and changes. It lives on
// the engine goroutine: after inputs it is marked dirty, and publish, called
// at most every interval, builds the status once for all of them.
type publisher struct {
	hub   *Hub
	prev  Status
	dirty bool
	last  time.Time
	// every is how often a dirty state is published; idle is how often a
	// clean one is, so that waits and times in state stay fresh.
	every, idle time.Duration
}

// due reports whether publishing now is worth it.
func (p *publisher) due(now time.Time) bool {
	if p.dirty {
		return true
	}
	return now.Sub(p.last) >= p.idle
}

// publish builds the status, diffs it against the previous one and hands
// both to the hub.
func (p *publisher) publish(c *Core, now time.Time) {
	st := c.Status(now)
	p.hub.Publish(st, diffStatus(p.prev, st))
	p.prev, p.dirty, p.last = st, false, now
}

// diffStatus lists what changed from prev to cur. Figures that only grow
// with the clock (time logged in, longest wait) do not make a change: they
// are in the snapshot, refreshed every idle interval.
func diffStatus(prev, cur Status) []Change {
	at := cur.Now
	out := diffList(nil, prev.Agents, cur.Agents, func(a *AgentStatus) string { return a.ID }, sameAgent,
		func(a *AgentStatus) Change { return Change{Kind: ChangeAgent, At: at, Agent: a} },
		func(a *AgentStatus) Change { return Change{Kind: ChangeAgentRemoved, At: at, Agent: a} })
	out = diffList(out, prev.Queues, cur.Queues, func(q *QueueStatus) string { return q.Name },
		func(a, b *QueueStatus) bool { return queueKey(*a) == queueKey(*b) },
		func(q *QueueStatus) Change { return Change{Kind: ChangeQueue, At: at, Queue: q} },
		func(q *QueueStatus) Change { return Change{Kind: ChangeQueueRemoved, At: at, Queue: q} })
	out = diffList(out, prev.Campaigns, cur.Campaigns, func(k *CampaignStatus) string { return k.Name },
		sameCampaign,
		func(k *CampaignStatus) Change { return Change{Kind: ChangeCampaign, At: at, Campaign: k} },
		func(k *CampaignStatus) Change { return Change{Kind: ChangeCampaignRemoved, At: at, Campaign: k} })
	out = diffList(out, prev.Monitors, cur.Monitors, func(m *Monitor) string { return m.Agent + "\x00" + m.Endpoint },
		func(a, b *Monitor) bool { return *a == *b },
		func(m *Monitor) Change { return Change{Kind: ChangeMonitor, At: at, Monitor: m} },
		func(m *Monitor) Change { return Change{Kind: ChangeMonitorEnded, At: at, Monitor: m} })
	return diffList(out, prev.Calls, cur.Calls, func(c *CallStatus) string { return c.ID },
		func(a, b *CallStatus) bool { return callKey(*a) == callKey(*b) },
		func(c *CallStatus) Change { return Change{Kind: ChangeCall, At: at, Call: c} },
		func(c *CallStatus) Change { return Change{Kind: ChangeCallEnded, At: at, Call: c} })
}

// sameCampaign compares two campaign statuses by value: Learned is a
// pointer each status makes afresh.
func sameCampaign(a, b *CampaignStatus) bool {
	x, y := *a, *b
	x.Learned, y.Learned = nil, nil
	if x != y || (a.Learned == nil) != (b.Learned == nil) {
		return false
	}
	return a.Learned == nil || *a.Learned == *b.Learned
}

// diffList appends a change for each object of prev missing from cur, then
// for each object of cur that is new or not the same. Agents and queues
// keep their order from one status to the next, so the common case pairs
// them by position without building maps. A change carries a copy of its
// object: pointing into the status would keep a whole status alive for as
// long as the hub keeps the change.
func diffList[T any](out []Change, prev, cur []T, key func(*T) string, same func(a, b *T) bool,
	changed, removed func(*T) Change) []Change {
	aligned := len(prev) == len(cur)
	for i := 0; aligned && i < len(cur); i++ {
		aligned = key(&prev[i]) == key(&cur[i])
	}
	if aligned {
		for i := range cur {
			if !same(&prev[i], &cur[i]) {
				v := cur[i]
				out = append(out, changed(&v))
			}
		}
		return out
	}
	old := make(map[string]int, len(prev))
	for i := range prev {
		old[key(&prev[i])] = i
	}
	have := make(map[string]bool, len(cur))
	for i := range cur {
		have[key(&cur[i])] = true
	}
	for i := range prev {
		if !have[key(&prev[i])] {
			v := prev[i]
			out = append(out, removed(&v))
		}
	}
	for i := range cur {
		if j, ok := old[key(&cur[i])]; !ok || !same(&prev[j], &cur[i]) {
			v := cur[i]
			out = append(out, changed(&v))
		}
	}
	return out
}

// sameAgent compares two statuses of an agent, leaving out the figures that
// grow by themselves.
func sameAgent(pa, pb *AgentStatus) bool {
	a, b := *pa, *pb
	if (a.Pending == nil) != (b.Pending == nil) || a.Pending != nil && *a.Pending != *b.Pending {
		return false
	}
	if (a.Preview == nil) != (b.Preview == nil) || a.Preview != nil && (a.Preview.Lead.ID != b.Preview.Lead.ID || !a.Preview.Offered.Equal(b.Preview.Offered)) {
		return false
	}
	a.LoggedIn, a.Paused, a.Occupancy, a.Pending, a.Preview = 0, 0, 0, nil, nil
	b.LoggedIn, b.Paused, b.Occupancy, b.Pending, b.Preview = 0, 0, 0, nil, nil
	return a == b
}

func queueKey(q QueueStatus) QueueStatus {
	q.LongestWait, q.MaxWait = 0, 0
	return q
}

func callKey(c CallStatus) CallStatus {
	c.Waited, c.Talk = 0, 0
	return c
}

// Snapshot is the last published state: it costs the engine nothing.
func (rt *Runtime) Snapshot() *Snapshot { return rt.pub.hub.Snapshot() }

// HubStats describe the change stream's readers.
func (rt *Runtime) HubStats() HubStats { return rt.pub.hub.Stats() }

// Subscribe follows the engine's changes; see [Hub.Subscribe].
func (rt *Runtime) Subscribe(after uint64, buf int) (*Subscription, *Snapshot, []Change) {
	return rt.pub.hub.Subscribe(after, buf)
}

func newPublisher(every time.Duration) publisher {
	if every <= 0 {
		every = 100 * time.Millisecond
	}
	return publisher{hub: NewHub(0), every: every, idle: max(every, time.Second)}
}
