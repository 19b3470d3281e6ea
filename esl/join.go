package esl

import (
	"context"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/esl/internal/wire"
)

// A uuid_bridge is answered "+OK" at once, but FreeSWITCH joins the legs
// later: the first leg's own thread (the originator) polls the other one
// every 20 ms until it is ready, waits for its answer, and only then
// bridges them (CHANNEL_BRIDGE). Until that thread is done it acts on the
// other leg whatever happened meanwhile. Killed in that window, it still
// checks the other leg on its way out and hangs it up with
// DESTINATION_OUT_OF_ORDER if that leg is not steady at that instant, as
// one being parked or handed to another uuid_bridge is not. Parked or
// bridged elsewhere in that window, the leg is fought over by two
// bridges.
//
// CHANNEL_BRIDGE does not end that window. The originator fires it, then
// hands the other leg to that leg's own thread (CS_EXCHANGE_MEDIA) and
// waits for it to enter the bridge; on a busy machine that thread may run
// 100 ms later. An originator parked or killed before the other leg is in
// stops waiting and hangs that leg up with DESTINATION_OUT_OF_ORDER: an
// agent who held her caller 30 ms after the bridge lost her leg so. The
// other leg is in once its CHANNEL_STATE says CS_EXCHANGE_MEDIA.
//
// So a command that kills, parks or re-bridges a leg of a join still being
// made waits until FreeSWITCH is done with it: the other leg entered the
// bridge, or the originator is over (CHANNEL_HANGUP_COMPLETE comes only
// once its thread has left the join) or parked (uuid_bridge_park_on_cancel,
// when the other leg went). A join that never settles is let go after
// joinWait.

// joinWait bounds how long a command waits for a join to settle.
const joinWait = 3 * time.Second

// join is one uuid_bridge FreeSWITCH is still making.
type join struct {
	a, b pbx.ChannelID // a is the originator
	done chan struct{}
}

// startJoin records the uuid_bridge of a with b about to be sent; a is
// the originator unless CHANNEL_BRIDGE says otherwise.
func (r *registry) startJoin(a, b pbx.ChannelID) *join {
	r.mu.Lock()
	defer r.mu.Unlock()
	j := &join{a: a, b: b, done: make(chan struct{})}
	r.joins[a], r.joins[b] = j, j
	r.originators[a] = true
	delete(r.originators, b)
	return j
}

// endJoin lets every command waiting on j go. Called with mu held.
func (r *registry) endJoinLocked(j *join) {
	for _, leg := range []pbx.ChannelID{j.a, j.b} {
		if r.joins[leg] == j {
			delete(r.joins, leg)
		}
	}
	select {
	case <-j.done:
	default:
		close(j.done)
	}
}

func (r *registry) endJoin(j *join) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.endJoinLocked(j)
}

// endJoins lets every join go: the link is down and its events are lost.
func (r *registry) endJoins() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, j := range r.joins {
		r.endJoinLocked(j)
	}
}

func (r *registry) joinOf(ch pbx.ChannelID) *join {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.joins[ch]
}

// settleJoins ends the joins a FreeSWITCH event shows settled.
func (r *registry) settleJoins(ev *wire.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.joins) == 0 {
		return
	}
	uuid := pbx.ChannelID(ev.Get("Unique-ID"))
	switch ev.Name() {
	case "CHANNEL_BRIDGE":
		// FreeSWITCH makes the answered leg the originator when the
		// first one has no media yet.
		a, b := pbx.ChannelID(ev.Get("Bridge-A-Unique-ID")), pbx.ChannelID(ev.Get("Bridge-B-Unique-ID"))
		if a == "" {
			a = uuid
		}
		if j := r.joins[a]; j != nil && pairKey(string(j.a), string(j.b)) == pairKey(string(a), string(b)) {
			j.a, j.b = a, b
			r.originators[a] = true
			delete(r.originators, b)
		}
	case "CHANNEL_STATE":
		if j := r.joins[uuid]; j != nil && ev.Get("Channel-State") == "CS_EXCHANGE_MEDIA" {
			r.endJoinLocked(j) // the other leg's thread is in the bridge
		}
	case "CHANNEL_HANGUP_COMPLETE", "CHANNEL_PARK":
		if j := r.joins[uuid]; j != nil && j.a == uuid {
			r.endJoinLocked(j)
		}
	}
}

// awaitJoins waits until no leg in chans is in a join FreeSWITCH is still
// making (at most joinWait each, or until ctx ends).
func (s *Switch) awaitJoins(ctx context.Context, chans ...pbx.ChannelID) {
	for _, ch := range chans {
		j := s.reg.joinOf(ch)
		if j == nil {
			continue
		}
		t := time.NewTimer(joinWait)
		select {
		case <-j.done:
		case <-ctx.Done():
		case <-t.C:
			s.reg.endJoin(j)
			s.log.Warn().Str("channel", string(j.a)).Str("other", string(j.b)).Dur("waited", joinWait).
				Msg("uuid_bridge never settled; going on")
		}
		t.Stop()
	}
}
