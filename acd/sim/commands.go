package sim

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/internal/redact"
)

// The pbx.Switch commands. Each one checks its arguments against the state
// now and schedules its effect Options.Latency later; the effect re-checks
// that what it touches is still there, since a hangup may come first.

// PicksUpPhones says Answer picks up an originated leg that rings, as a
// real switch cannot (engine.PhonePicker).
func (s *Switch) PicksUpPhones() bool { return true }

// Answer implements pbx.Switch. Answering an answered call does nothing.
// An originated leg that rings is picked up as if by the person at the
// phone (an agent answering from the desk): what its phone plan had in
// store (ringing out, a later answer) is dropped.
func (s *Switch) Answer(ctx context.Context, id pbx.ChannelID) error {
	return s.onChannel(ctx, "answer", id, s.answer)
}

func (s *Switch) answer(ch *channel) error {
	id := ch.id
	if !ch.inbound {
		if ch.answered {
			return nil
		}
		s.log.Debug().Str("channel", string(id)).Msg("answer an originated leg")
		ch.plan.outcome, ch.plan.answerAfter = answers, 0
		s.after(s.opts.Latency, func() {
			if !s.live(ch) || ch.answered {
				return
			}
			for _, t := range ch.timers {
				s.clock.Cancel(t)
			}
			ch.timers = nil
			s.pickUp(ch)
		})
		return nil
	}
	s.log.Debug().Str("channel", string(id)).Msg("answer")
	s.after(s.opts.Latency, func() {
		if !s.live(ch) || ch.answered {
			return
		}
		ch.answered = true
		s.stats.CallsAnswered++
		s.emit(pbx.Answered{Base: s.base(ch.id)})
		s.callerAnswered(ch)
	})
	return nil
}

// Hangup implements pbx.Switch. An unanswered originated leg reports
// OriginateFailed{FailCancelled} before HungUp.
func (s *Switch) Hangup(ctx context.Context, id pbx.ChannelID, cause pbx.Cause) error {
	if err := s.lock(ctx, "hangup"); err != nil {
		return err
	}
	defer s.unlock()
	ch, ok := s.chans[id]
	if !ok {
		return nil
	}
	if cause == 0 {
		cause = pbx.CauseNormal
	}
	s.log.Debug().Str("channel", string(id)).Stringer("cause", cause).Msg("hangup")
	s.after(s.opts.Latency, func() { s.teardown(ch, cause, pbx.FailCancelled) })
	return nil
}

// Play implements pbx.Switch. See MediaLength for how long items play; an
// item it does not know fails the playback at once.
func (s *Switch) Play(ctx context.Context, id pbx.ChannelID, pid pbx.PlaybackID, media ...string) error {
	return s.onChannel(ctx, "play", id, func(ch *channel) error { return s.play(ch, pid, media) })
}

func (s *Switch) play(ch *channel, pid pbx.PlaybackID, media []string) error {
	id := ch.id
	switch {
	case pid == "":
		return fmt.Errorf("sim: play on %s: empty playback id: %w", id, pbx.ErrBadRequest)
	case len(media) == 0:
		return fmt.Errorf("sim: play %s on %s: no media: %w", pid, id, pbx.ErrBadRequest)
	case s.playbacks[pid] != nil:
		return fmt.Errorf("sim: play %s on %s: %w", pid, id, pbx.ErrDuplicateID)
	}
	var length time.Duration
	failed := false
	for _, m := range media {
		d, ok := MediaLength(m, s.opts.PromptLength)
		failed = failed || !ok
		length += d
	}
	if failed {
		length = 0
	}
	pb := &playback{id: pid, ch: ch}
	s.playbacks[pid] = pb
	ch.playbacks = append(ch.playbacks, pid)
	s.stats.Playbacks++
	s.log.Debug().Str("channel", string(id)).Str("playback", string(pid)).Strs("media", media).Msg("play")
	pb.timer = s.after(s.opts.Latency+length, func() { s.finishPlayback(pb, false, failed) })
	return nil
}

// MediaLength is how long the sim plays one media item: prompt for
// "sound:", "recording:", "file:", "tone:" and "say:" (a text the IVR
// speaks, see ivr.SayMedia) items, 0.7 s per character of
// "digits:" and "number:". It reports false for an item it cannot play.
func MediaLength(item string, prompt time.Duration) (time.Duration, bool) {
	scheme, name, ok := strings.Cut(item, ":")
	if !ok || name == "" {
		return 0, false
	}
	switch scheme {
	case "sound", "recording", "file", "tone", "say":
		return prompt, true
	case "digits", "number":
		return time.Duration(len(name)) * digitLength, true
	}
	return 0, false
}

// StopPlayback implements pbx.Switch.
func (s *Switch) StopPlayback(ctx context.Context, pid pbx.PlaybackID) error {
	if err := s.lock(ctx, "stop playback"); err != nil {
		return err
	}
	defer s.unlock()
	pb, ok := s.playbacks[pid]
	if !ok {
		return fmt.Errorf("sim: stop playback %s: %w", pid, pbx.ErrNoPlayback)
	}
	s.after(s.opts.Latency, func() { s.finishPlayback(pb, true, false) })
	return nil
}

// StartMOH implements pbx.Switch.
func (s *Switch) StartMOH(ctx context.Context, id pbx.ChannelID, class string) error {
	return s.setMOH(ctx, "start moh", id, true, class)
}

// StopMOH implements pbx.Switch; stopping MOH that is not playing is not an error.
func (s *Switch) StopMOH(ctx context.Context, id pbx.ChannelID) error {
	return s.setMOH(ctx, "stop moh", id, false, "")
}

func (s *Switch) setMOH(ctx context.Context, op string, id pbx.ChannelID, on bool, class string) error {
	return s.onChannel(ctx, op, id, func(ch *channel) error {
		ch.onHold, ch.moh = on, class
		return nil
	})
}

// Originate implements pbx.Switch. Endpoints are "sim/NAME"; anything else
// is unreachable.
func (s *Switch) Originate(ctx context.Context, req pbx.OriginateRequest) error {
	if err := s.lock(ctx, "originate"); err != nil {
		return err
	}
	defer s.unlock()
	_, err := s.originate("originate", req)
	return err
}

// Spy implements pbx.Switch: the supervisor leg is originated like an agent
// leg and, once answered, hears (and per mode speaks to) target.
func (s *Switch) Spy(ctx context.Context, target pbx.ChannelID, mode pbx.SpyMode, req pbx.OriginateRequest) error {
	if err := s.lock(ctx, "spy"); err != nil {
		return err
	}
	defer s.unlock()
	if _, err := s.channel("spy", target); err != nil {
		return err
	}
	if mode < pbx.SpyListen || mode > pbx.SpyBarge {
		return fmt.Errorf("sim: spy on %s: mode %d: %w", target, mode, pbx.ErrBadRequest)
	}
	ch, err := s.originate("spy", req)
	if err != nil {
		return err
	}
	ch.spyOf, ch.spyMode = target, mode
	return nil
}

// originate reserves the channel id at once and dials Latency later.
func (s *Switch) originate(op string, req pbx.OriginateRequest) (*channel, error) {
	switch {
	case req.ChannelID == "":
		return nil, fmt.Errorf("sim: %s %q: empty channel id: %w", op, req.Endpoint, pbx.ErrBadRequest)
	case s.chans[req.ChannelID] != nil:
		return nil, fmt.Errorf("sim: %s %s: %w", op, req.ChannelID, pbx.ErrDuplicateID)
	case req.Timeout < 0:
		return nil, fmt.Errorf("sim: %s %s: timeout %v: %w", op, req.ChannelID, req.Timeout, pbx.ErrBadRequest)
	}
	timeout := req.Timeout
	if timeout == 0 {
		timeout = DefaultRingTimeout
	}
	ch := &channel{
		id:      req.ChannelID,
		caller:  req.CallerID,
		called:  req.Endpoint,
		vars:    maps.Clone(req.Vars),
		plan:    s.plan(req.Endpoint),
		machine: req.Machine,
	}
	if ch.vars == nil {
		ch.vars = make(map[string]string)
	}
	if req.AutoAnswer && (ch.plan.outcome == answers || ch.plan.outcome == ringsOut) {
		// The phone honours the auto-answer header: it picks up at once.
		ch.plan.outcome, ch.plan.answerAfter = answers, 0
	}
	s.chans[ch.id] = ch
	s.stats.Originates++
	s.log.Debug().Str("channel", string(ch.id)).Str("endpoint", redact.Numbers(req.Endpoint)).Msg(op)
	s.after(s.opts.Latency, func() {
		if s.live(ch) {
			s.dial(ch, timeout)
		}
	})
	return ch, nil
}

// Bridge implements pbx.Switch. The bridge exists from the call on; the
// channels join Latency later, leaving any other bridge first.
func (s *Switch) Bridge(ctx context.Context, id pbx.BridgeID, ids ...pbx.ChannelID) error {
	if err := s.lock(ctx, "bridge"); err != nil {
		return err
	}
	defer s.unlock()
	if id == "" {
		return fmt.Errorf("sim: bridge: empty bridge id: %w", pbx.ErrBadRequest)
	}
	chans := make([]*channel, 0, len(ids))
	for _, cid := range ids {
		ch, err := s.channel("bridge "+string(id), cid)
		if err != nil {
			return err
		}
		chans = append(chans, ch)
	}
	b, ok := s.bridges[id]
	if !ok {
		b = &bridge{id: id}
		s.bridges[id] = b
	}
	s.log.Debug().Str("bridge", string(id)).Int("channels", len(ids)).Msg("bridge")
	s.after(s.opts.Latency, func() {
		if s.bridges[id] != b {
			return
		}
		for _, ch := range chans {
			if s.live(ch) {
				s.join(ch, b)
			}
		}
	})
	return nil
}

// Unbridge implements pbx.Switch. A channel that is not in the bridge when
// the effect happens is left alone.
func (s *Switch) Unbridge(ctx context.Context, id pbx.BridgeID, cid pbx.ChannelID) error {
	if err := s.lock(ctx, "unbridge"); err != nil {
		return err
	}
	defer s.unlock()
	if _, ok := s.bridges[id]; !ok {
		return fmt.Errorf("sim: unbridge %s from %s: %w", cid, id, pbx.ErrNoBridge)
	}
	ch, err := s.channel("unbridge "+string(id), cid)
	if err != nil {
		return err
	}
	s.after(s.opts.Latency, func() {
		if s.live(ch) && ch.bridge == id {
			s.leave(ch)
		}
	})
	return nil
}

// DestroyBridge implements pbx.Switch: members leave (BridgeLeft each, in
// join order), recordings of the bridge finish, channels stay up.
func (s *Switch) DestroyBridge(ctx context.Context, id pbx.BridgeID) error {
	if err := s.lock(ctx, "destroy bridge"); err != nil {
		return err
	}
	defer s.unlock()
	b, ok := s.bridges[id]
	if !ok {
		return fmt.Errorf("sim: destroy bridge %s: %w", id, pbx.ErrNoBridge)
	}
	s.after(s.opts.Latency, func() {
		if s.bridges[id] != b {
			return
		}
		for _, name := range slices.Clone(b.recordings) {
			s.finishRecording(s.recordings[name])
		}
		for _, cid := range slices.Clone(b.members) {
			if ch, ok := s.chans[cid]; ok {
				s.leave(ch)
			}
		}
		delete(s.bridges, id)
	})
	return nil
}

// StartRecording implements pbx.Switch. The recording's duration counts
// from Latency after this call.
func (s *Switch) StartRecording(ctx context.Context, req pbx.RecordRequest) error {
	if err := s.lock(ctx, "start recording"); err != nil {
		return err
	}
	defer s.unlock()
	r := &recording{name: req.Name, format: req.Format, bridge: req.Bridge, channel: req.Channel}
	if r.format == "" {
		r.format = "wav"
	}
	switch {
	case pbx.CheckRecordingName(req.Name) != nil:
		return fmt.Errorf("sim: start recording: %w", pbx.CheckRecordingName(req.Name))
	case s.recordings[req.Name] != nil:
		return fmt.Errorf("sim: start recording %q: %w", req.Name, pbx.ErrDuplicateID)
	case req.Bridge != "":
		b, ok := s.bridges[req.Bridge]
		if !ok {
			return fmt.Errorf("sim: start recording %q of bridge %s: %w", req.Name, req.Bridge, pbx.ErrNoBridge)
		}
		r.channel = ""
		b.recordings = append(b.recordings, r.name)
	case req.Channel != "":
		ch, err := s.channel("start recording "+req.Name, req.Channel)
		if err != nil {
			return err
		}
		ch.recordings = append(ch.recordings, r.name)
	default:
		return fmt.Errorf("sim: start recording %q: neither bridge nor channel: %w", req.Name, pbx.ErrBadRequest)
	}
	r.started = s.clock.Now().Add(s.opts.Latency)
	s.recordings[r.name] = r
	s.stats.Recordings++
	// Asterisk's RecordingStarted and FreeSWITCH's RECORD_START: the
	// switch's time of the start, unless it was over first.
	s.after(s.opts.Latency, func() {
		if s.recordings[r.name] == r {
			s.emit(pbx.RecordingStarted{Base: s.base(r.channel), Name: r.name})
		}
	})
	return nil
}

// StopRecording implements pbx.Switch; RecordingFinished follows with Path
// "sim://recordings/NAME.FORMAT".
func (s *Switch) StopRecording(ctx context.Context, name string) error {
	if err := s.lock(ctx, "stop recording"); err != nil {
		return err
	}
	defer s.unlock()
	r, ok := s.recordings[name]
	if !ok {
		return fmt.Errorf("sim: stop recording %q: %w", name, pbx.ErrNoRecording)
	}
	s.after(s.opts.Latency, func() { s.finishRecording(r) })
	return nil
}

// CheckRecording implements pbx.RecordingChecker: a running recording is
// stopped, as by StopRecording; one over is reported again with its path;
// one the switch never had is reported failed.
func (s *Switch) CheckRecording(ctx context.Context, name string) error {
	if err := s.lock(ctx, "check recording"); err != nil {
		return err
	}
	defer s.unlock()
	if r, ok := s.recordings[name]; ok {
		s.after(s.opts.Latency, func() { s.finishRecording(r) })
		return nil
	}
	p, ok := s.stored[name]
	s.after(s.opts.Latency, func() {
		s.emit(pbx.RecordingFinished{Base: s.base(""), Name: name, Path: p, Failed: !ok})
	})
	return nil
}

// PauseRecording implements pbx.Switch; the paused time is left out of
// RecordingFinished's Duration.
func (s *Switch) PauseRecording(ctx context.Context, name string) error {
	return s.onRecording(ctx, "pause recording", name, func(r *recording, now time.Time) {
		if r.paused.IsZero() {
			r.paused = now
		}
	})
}

// ResumeRecording implements pbx.Switch.
func (s *Switch) ResumeRecording(ctx context.Context, name string) error {
	return s.onRecording(ctx, "resume recording", name, func(r *recording, now time.Time) {
		r.left += pausedFor(r, now)
		r.paused = time.Time{}
	})
}

func (s *Switch) onRecording(ctx context.Context, what, name string, do func(r *recording, now time.Time)) error {
	if err := s.lock(ctx, what); err != nil {
		return err
	}
	defer s.unlock()
	r, ok := s.recordings[name]
	if !ok {
		return fmt.Errorf("sim: %s %q: %w", what, name, pbx.ErrNoRecording)
	}
	do(r, s.clock.Now())
	return nil
}

// SendDTMF implements pbx.Switch; the far end's ChannelState.Received
// collects the digits.
func (s *Switch) SendDTMF(ctx context.Context, id pbx.ChannelID, digits string) error {
	return s.onChannel(ctx, "send dtmf", id, func(ch *channel) error {
		if err := checkDigits(digits, false); err != nil {
			return fmt.Errorf("sim: send dtmf to %s: %w", id, err)
		}
		ch.received.WriteString(digits)
		return nil
	})
}

// SetVar implements pbx.Switch.
func (s *Switch) SetVar(ctx context.Context, id pbx.ChannelID, name, value string) error {
	return s.onChannel(ctx, "set var", id, func(ch *channel) error {
		if name == "" {
			return fmt.Errorf("sim: set var on %s: empty name: %w", id, pbx.ErrBadRequest)
		}
		ch.vars[name] = value
		return nil
	})
}

// GetVar implements pbx.Switch.
func (s *Switch) GetVar(ctx context.Context, id pbx.ChannelID, name string) (string, error) {
	var v string
	err := s.onChannel(ctx, "get var", id, func(ch *channel) error {
		var ok bool
		if v, ok = ch.vars[name]; !ok {
			return fmt.Errorf("sim: get var %s on %s: %w", name, id, pbx.ErrNoVariable)
		}
		return nil
	})
	return v, err
}

// Snapshot implements pbx.Switch: live channels and bridges, sorted by id.
func (s *Switch) Snapshot(ctx context.Context) (pbx.Snapshot, error) {
	if err := s.lock(ctx, "snapshot"); err != nil {
		return pbx.Snapshot{}, err
	}
	defer s.unlock()
	return s.snapshot(), nil
}

// onChannel runs a command's body under the lock with the live channel id.
func (s *Switch) onChannel(ctx context.Context, op string, id pbx.ChannelID, fn func(ch *channel) error) error {
	if err := s.lock(ctx, op); err != nil {
		return err
	}
	defer s.unlock()
	ch, err := s.channel(op, id)
	if err != nil {
		return err
	}
	return fn(ch)
}

// channel finds a live channel for a command.
func (s *Switch) channel(op string, id pbx.ChannelID) (*channel, error) {
	ch, ok := s.chans[id]
	if !ok {
		return nil, fmt.Errorf("sim: %s %s: %w", op, id, pbx.ErrNoChannel)
	}
	return ch, nil
}
