package esl

import (
	"slices"
	"sort"
	"sync"

	"github.com/hotline-cc/hotline/acd/pbx"
)

// registry is what command methods need to know synchronously: which
// channel a playback or recording is on, who is in a bridge, which ids
// Hotline has dialed. Commands write it; the pump prunes it as events
// report things gone.
type registry struct {
	mu          sync.Mutex // guards every field below
	originated  map[pbx.ChannelID]bool
	arrived     map[pbx.ChannelID]bool // calls announced to the engine, until they hang up
	plays       map[pbx.PlaybackID]pbx.ChannelID
	records     map[string]recordingRef
	bridges     map[pbx.BridgeID][]pbx.ChannelID
	moh         map[pbx.ChannelID]bool
	joins       map[pbx.ChannelID]*join     // uuid_bridges FreeSWITCH is still making, by leg
	handovers   map[pbx.ChannelID]*handover // originates FreeSWITCH is still making, by leg
	originators map[pbx.ChannelID]bool      // legs whose thread runs their latest uuid_bridge
	streams     map[string]bool             // music-on-hold classes asked of this link: whether FreeSWITCH has the stream
}

type recordingRef struct {
	channel pbx.ChannelID
	path    string
	listen  bool // the record application of a Listen, not uuid_record
}

func newRegistry() *registry {
	return &registry{
		originated:  make(map[pbx.ChannelID]bool),
		arrived:     make(map[pbx.ChannelID]bool),
		plays:       make(map[pbx.PlaybackID]pbx.ChannelID),
		records:     make(map[string]recordingRef),
		bridges:     make(map[pbx.BridgeID][]pbx.ChannelID),
		moh:         make(map[pbx.ChannelID]bool),
		joins:       make(map[pbx.ChannelID]*join),
		handovers:   make(map[pbx.ChannelID]*handover),
		originators: make(map[pbx.ChannelID]bool),
		streams:     make(map[string]bool),
	}
}

// observe prunes the registry after an event went to the engine.
func (r *registry) observe(ev pbx.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch e := ev.(type) {
	case pbx.CallArrived:
		r.arrived[e.Channel] = true
	case pbx.HungUp:
		delete(r.originated, e.Channel)
		delete(r.arrived, e.Channel)
		delete(r.moh, e.Channel)
		delete(r.originators, e.Channel)
		r.removeMember(e.Channel)
	case pbx.PlaybackFinished:
		delete(r.plays, e.Playback)
	case pbx.RecordingFinished:
		delete(r.records, e.Name)
	case pbx.Utterance:
		delete(r.records, e.Name)
	case pbx.BridgeLeft:
		r.removeMember(e.Channel)
	}
}

func (r *registry) removeMember(ch pbx.ChannelID) {
	for id, members := range r.bridges {
		if i := slices.Index(members, ch); i >= 0 {
			r.bridges[id] = slices.Delete(members, i, i+1)
		}
	}
}

// resync replaces the bridges with what the switch reports after a
// (re)connect and forgets channels it no longer has.
func (r *registry) resync(s pbx.Snapshot) {
	r.mu.Lock()
	defer r.mu.Unlock()
	live := make(map[pbx.ChannelID]bool, len(s.Channels))
	for _, c := range s.Channels {
		live[c.ID] = true
	}
	for id := range r.originated {
		if !live[id] {
			delete(r.originated, id)
		}
	}
	for id := range r.moh {
		if !live[id] {
			delete(r.moh, id)
		}
	}
	for id := range r.originators {
		if !live[id] {
			delete(r.originators, id)
		}
	}
	for id := range r.arrived {
		if !live[id] {
			delete(r.arrived, id)
		}
	}
	r.bridges = make(map[pbx.BridgeID][]pbx.ChannelID)
	for _, b := range s.Bridges {
		r.bridges[b.ID] = slices.Clone(b.Channels)
	}
}

// known lists the channels Hotline dialed or was handed and has not seen
// hang up.
func (r *registry) known() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.originated)+len(r.arrived))
	for id := range r.originated {
		out = append(out, string(id))
	}
	for id := range r.arrived {
		out = append(out, string(id))
	}
	sort.Strings(out)
	return out
}

func (r *registry) bridgeOf(ch pbx.ChannelID) pbx.BridgeID {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, members := range r.bridges {
		if slices.Contains(members, ch) {
			return id
		}
	}
	return ""
}
