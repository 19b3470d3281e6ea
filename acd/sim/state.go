package sim

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
)

// channel is one live leg, inbound (a caller) or originated (a phone).
type channel struct {
	id       pbx.ChannelID
	machine  pbx.MachineDetection // asked for by the originate
	inbound  bool
	answered bool
	caller   string
	called   string
	vars     map[string]string
	bridge   pbx.BridgeID
	moh      string
	onHold   bool
	received strings.Builder // DTMF Hotline sent to the far end

	playbacks  []pbx.PlaybackID // running, in Play order
	recordings []string         // of this channel alone, in start order
	timers     []TimerID        // far-end behaviour still to come

	// Inbound legs.
	script   callerScript
	patience TimerID // traffic callers: pending abandon, 0 once bridged
	listens  int     // Listens so far, which tell the script's words apart

	// Originated legs.
	plan    phonePlan
	spyOf   pbx.ChannelID
	spyMode pbx.SpyMode
}

type bridge struct {
	id         pbx.BridgeID
	members    []pbx.ChannelID // in join order
	recordings []string
}

type playback struct {
	id    pbx.PlaybackID
	ch    *channel
	timer TimerID
}

type recording struct {
	name    string
	format  string
	bridge  pbx.BridgeID
	channel pbx.ChannelID
	started time.Time
	paused  time.Time     // zero while recording
	left    time.Duration // paused time of earlier pauses, left out of Duration
	listen  *listening    // an utterance (Switch.Listen), not a call recording
}

// ChannelState is everything the sim knows about a live channel, for tests
// and the demo to check what a far end hears and holds.
type ChannelState struct {
	pbx.ChannelInfo
	Inbound  bool
	OnHold   bool   // music on hold is playing
	MOHClass string // class asked for, "" = default
	Received string // DTMF digits Hotline sent to the far end, in order
	Playing  []pbx.PlaybackID
	SpyOf    pbx.ChannelID // supervisor legs: the channel spied on
	SpyMode  pbx.SpyMode
}

// Channel describes a live channel.
func (s *Switch) Channel(id pbx.ChannelID) (ChannelState, bool) {
	s.mu.Lock()
	defer s.unlock() // catching up may have queued events
	s.catchUp()
	ch, ok := s.chans[id]
	if !ok {
		return ChannelState{}, false
	}
	return ChannelState{
		ChannelInfo: ch.info(),
		Inbound:     ch.inbound,
		OnHold:      ch.onHold,
		MOHClass:    ch.moh,
		Received:    ch.received.String(),
		Playing:     slices.Clone(ch.playbacks),
		SpyOf:       ch.spyOf,
		SpyMode:     ch.spyMode,
	}, true
}

func (ch *channel) info() pbx.ChannelInfo {
	return pbx.ChannelInfo{
		ID:         ch.id,
		Answered:   ch.answered,
		Caller:     ch.caller,
		CallerName: ch.script.name,
		Called:     ch.called,
		Vars:       maps.Clone(ch.vars),
		Bridge:     ch.bridge,
	}
}

// snapshot lists live channels and bridges sorted by id.
func (s *Switch) snapshot() pbx.Snapshot {
	snap := pbx.Snapshot{Started: s.born}
	for _, id := range slices.Sorted(maps.Keys(s.chans)) {
		snap.Channels = append(snap.Channels, s.chans[id].info())
	}
	for _, id := range slices.Sorted(maps.Keys(s.bridges)) {
		b := s.bridges[id]
		snap.Bridges = append(snap.Bridges, pbx.BridgeInfo{ID: id, Channels: slices.Clone(b.members)})
	}
	return snap
}

// live reports whether ch is still the channel under its id: a scheduled
// effect may find it hung up, or its id reused by a newer channel.
func (s *Switch) live(ch *channel) bool { return s.chans[ch.id] == ch }

// later schedules far-end behaviour of ch, cancelled if ch goes away first.
func (s *Switch) later(ch *channel, d time.Duration, fn func()) {
	ch.timers = append(ch.timers, s.after(d, func() {
		if s.live(ch) {
			fn()
		}
	}))
}

// join puts ch into bridge b, leaving any other bridge first. A traffic
// caller stops counting patience once bridged.
func (s *Switch) join(ch *channel, b *bridge) {
	if ch.bridge == b.id {
		return
	}
	s.leave(ch)
	ch.bridge = b.id
	b.members = append(b.members, ch.id)
	if ch.patience != 0 {
		s.clock.Cancel(ch.patience)
		ch.patience = 0
	}
	s.emit(pbx.BridgeJoined{Base: s.base(ch.id), Bridge: b.id})
}

// leave takes ch out of its bridge, if any.
func (s *Switch) leave(ch *channel) {
	if ch.bridge == "" {
		return
	}
	if b, ok := s.bridges[ch.bridge]; ok {
		b.members = slices.DeleteFunc(b.members, func(id pbx.ChannelID) bool { return id == ch.id })
	}
	s.emit(pbx.BridgeLeft{Base: s.base(ch.id), Bridge: ch.bridge})
	ch.bridge = ""
}

// teardown ends ch in the documented order: playbacks, recordings, bridge,
// OriginateFailed (unanswered originated legs), HungUp.
func (s *Switch) teardown(ch *channel, cause pbx.Cause, reason pbx.FailReason) {
	if !s.live(ch) {
		return
	}
	for _, id := range ch.timers {
		s.clock.Cancel(id)
	}
	ch.timers = nil
	if ch.patience != 0 {
		s.clock.Cancel(ch.patience)
		ch.patience = 0
	}
	for _, id := range slices.Clone(ch.playbacks) {
		s.finishPlayback(s.playbacks[id], true, false)
	}
	for _, name := range slices.Clone(ch.recordings) {
		s.finishRecording(s.recordings[name])
	}
	s.leave(ch)
	if !ch.inbound && !ch.answered {
		s.countFailure(reason)
		s.emit(pbx.OriginateFailed{Base: s.base(ch.id), Reason: reason, Cause: cause})
	}
	delete(s.chans, ch.id)
	s.emit(pbx.HungUp{Base: s.base(ch.id), Cause: cause})
	// The supervisor legs on ch go with it, as on Asterisk and FreeSWITCH.
	var spies []*channel
	for _, c := range s.chans {
		if c.spyOf == ch.id {
			spies = append(spies, c)
		}
	}
	slices.SortFunc(spies, func(a, b *channel) int { return strings.Compare(string(a.id), string(b.id)) })
	for _, c := range spies {
		s.teardown(c, pbx.CauseNormal, pbx.FailCancelled)
	}
}

func (s *Switch) countFailure(r pbx.FailReason) {
	switch r {
	case pbx.FailBusy:
		s.stats.Busy++
	case pbx.FailNoAnswer:
		s.stats.NoAnswer++
	case pbx.FailUnreachable:
		s.stats.Unreachable++
	case pbx.FailCancelled:
		s.stats.Cancelled++
	}
}

func (s *Switch) finishPlayback(pb *playback, stopped, failed bool) {
	if pb == nil || s.playbacks[pb.id] != pb {
		return
	}
	s.clock.Cancel(pb.timer)
	delete(s.playbacks, pb.id)
	pb.ch.playbacks = slices.DeleteFunc(pb.ch.playbacks, func(id pbx.PlaybackID) bool { return id == pb.id })
	s.emit(pbx.PlaybackFinished{Base: s.base(pb.ch.id), Playback: pb.id, Stopped: stopped, Failed: failed})
}

func (s *Switch) finishRecording(r *recording) {
	if r == nil || s.recordings[r.name] != r {
		return
	}
	delete(s.recordings, r.name)
	isIt := func(name string) bool { return name == r.name }
	if b, ok := s.bridges[r.bridge]; ok {
		b.recordings = slices.DeleteFunc(b.recordings, isIt)
	}
	if ch, ok := s.chans[r.channel]; ok {
		ch.recordings = slices.DeleteFunc(ch.recordings, isIt)
	}
	if r.listen != nil {
		s.emit(s.utterance(r))
		return
	}
	s.stored[r.name] = "sim://recordings/" + r.name + "." + r.format
	s.emit(pbx.RecordingFinished{
		Base:     s.base(r.channel),
		Name:     r.name,
		Path:     s.stored[r.name],
		Duration: max(s.clock.Now().Sub(r.started)-r.left-pausedFor(r, s.clock.Now()), 0),
		End:      s.clock.Now(),
	})
}

// pausedFor is how long a paused recording has been paused at now.
func pausedFor(r *recording, now time.Time) time.Duration {
	if r.paused.IsZero() {
		return 0
	}
	return max(now.Sub(r.paused), 0)
}
