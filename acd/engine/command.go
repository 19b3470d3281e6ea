package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
)

// Op is a PBX command kind.
type Op uint8

// Commands the engine issues.
const (
	OpAnswer Op = iota + 1
	OpHangup
	OpPlay
	OpStopPlayback
	OpStartMOH
	OpStopMOH
	OpOriginate
	OpBridge
	OpDestroyBridge
	OpStartRecording
	OpStopRecording
	OpSetVar
	OpSpy
	OpUnbridge
	OpPauseRecording
	OpResumeRecording
	OpListen
	OpCheckRecording
	OpStopCutPlayback // a playback of the run before a restart
)

var opNames = map[Op]string{
	OpAnswer: "answer", OpHangup: "hangup", OpPlay: "play", OpStopPlayback: "stop-playback",
	OpStartMOH: "moh-start", OpStopMOH: "moh-stop", OpOriginate: "originate", OpBridge: "bridge",
	OpDestroyBridge: "bridge-destroy", OpStartRecording: "record-start", OpStopRecording: "record-stop",
	OpSetVar: "set-var", OpSpy: "spy", OpUnbridge: "unbridge",
	OpPauseRecording: "record-pause", OpResumeRecording: "record-resume", OpListen: "listen", OpCheckRecording: "record-check",
	OpStopCutPlayback: "stop-cut-playback",
}

func (o Op) String() string {
	if n, ok := opNames[o]; ok {
		return n
	}
	return fmt.Sprintf("op(%d)", o)
}

// Command is one PBX command, as data so it can be traced, queued and retried.
type Command struct {
	Op Op
	// Lane orders commands: those with the same lane run in order. A call's
	// own channel uses the call id; each agent leg has its own lane (its
	// channel id), so ringing an agent never waits behind the caller's
	// answer or music, while the leg's originate and hang-up stay in order.
	Lane      string
	Channel   pbx.ChannelID
	Bridge    pbx.BridgeID
	Chans     []pbx.ChannelID
	Playback  pbx.PlaybackID
	Media     []string
	Cause     pbx.Cause
	MOHClass  string
	Originate pbx.OriginateRequest
	Record    pbx.RecordRequest
	Listen    pbx.ListenRequest
	Spy       pbx.SpyMode
	Name      string
	Value     string
}

// Exec runs the command on a switch.
func (c Command) Exec(ctx context.Context, sw pbx.Switch) error {
	switch c.Op {
	case OpAnswer:
		return sw.Answer(ctx, c.Channel)
	case OpHangup:
		return sw.Hangup(ctx, c.Channel, c.Cause)
	case OpPlay:
		return sw.Play(ctx, c.Channel, c.Playback, c.Media...)
	case OpStopPlayback:
		return sw.StopPlayback(ctx, c.Playback)
	case OpStopCutPlayback:
		if ps, ok := sw.(pbx.PlaybackStopper); ok {
			return ps.StopCutPlayback(ctx, c.Channel, c.Playback)
		}
		return sw.StopPlayback(ctx, c.Playback)
	case OpStartMOH:
		return sw.StartMOH(ctx, c.Channel, c.MOHClass)
	case OpStopMOH:
		return sw.StopMOH(ctx, c.Channel)
	case OpOriginate:
		return sw.Originate(ctx, c.Originate)
	case OpBridge:
		return sw.Bridge(ctx, c.Bridge, c.Chans...)
	case OpDestroyBridge:
		return sw.DestroyBridge(ctx, c.Bridge)
	case OpUnbridge:
		return sw.Unbridge(ctx, c.Bridge, c.Channel)
	case OpStartRecording:
		return sw.StartRecording(ctx, c.Record)
	case OpStopRecording:
		if ls, ok := sw.(pbx.ListenStopper); ok && c.Channel != "" {
			return ls.StopListen(ctx, c.Channel, c.Name)
		}
		return sw.StopRecording(ctx, c.Name)
	case OpPauseRecording:
		return sw.PauseRecording(ctx, c.Name)
	case OpResumeRecording:
		return sw.ResumeRecording(ctx, c.Name)
	case OpListen:
		return sw.Listen(ctx, c.Listen)
	case OpCheckRecording:
		if rc, ok := sw.(RecordingChecker); ok {
			return rc.CheckRecording(ctx, c.Name)
		}
		return fmt.Errorf("check recording %s: %w", c.Name, errors.ErrUnsupported)
	case OpSetVar:
		return sw.SetVar(ctx, c.Channel, c.Name, c.Value)
	case OpSpy:
		return sw.Spy(ctx, c.Channel, c.Spy, c.Originate)
	}
	return fmt.Errorf("engine: %w: %v", ErrUnknownOp, c.Op)
}

// String is the command as it appears in traces.
func (c Command) String() string {
	var b strings.Builder
	b.WriteString(c.Op.String())
	switch c.Op {
	case OpAnswer, OpStopMOH:
		fmt.Fprintf(&b, " %s", c.Channel)
	case OpHangup:
		fmt.Fprintf(&b, " %s cause=%s", c.Channel, c.Cause)
	case OpPlay:
		fmt.Fprintf(&b, " %s id=%s %s", c.Channel, c.Playback, strings.Join(c.Media, ","))
	case OpStopPlayback:
		fmt.Fprintf(&b, " id=%s", c.Playback)
	case OpStopCutPlayback:
		fmt.Fprintf(&b, " id=%s on %s", c.Playback, c.Channel)
	case OpStartMOH:
		fmt.Fprintf(&b, " %s class=%q", c.Channel, c.MOHClass)
	case OpOriginate:
		fmt.Fprintf(&b, " %s → %s timeout=%s", c.Originate.ChannelID, c.Originate.Endpoint, c.Originate.Timeout)
	case OpBridge:
		fmt.Fprintf(&b, " %s %v", c.Bridge, c.Chans)
	case OpDestroyBridge:
		fmt.Fprintf(&b, " %s", c.Bridge)
	case OpUnbridge:
		fmt.Fprintf(&b, " %s from %s", c.Channel, c.Bridge)
	case OpStartRecording:
		fmt.Fprintf(&b, " %s bridge=%s", c.Record.Name, c.Record.Bridge)
	case OpStopRecording, OpPauseRecording, OpResumeRecording, OpCheckRecording:
		fmt.Fprintf(&b, " %s", c.Name)
		if c.Channel != "" {
			fmt.Fprintf(&b, " on %s", c.Channel)
		}
	case OpListen:
		fmt.Fprintf(&b, " %s %s max=%s silence=%s", c.Listen.Channel, c.Listen.Name, c.Listen.Max, c.Listen.Silence)
	case OpSetVar:
		fmt.Fprintf(&b, " %s %s=%s", c.Channel, c.Name, c.Value)
	case OpSpy:
		fmt.Fprintf(&b, " %s %s → %s", c.Channel, c.Spy, c.Originate.Endpoint)
	}
	return b.String()
}

// Outputs is how a Core acts on the world. The runtime implements it.
type Outputs interface {
	// Do queues a PBX command. It must not block and must not call back
	// into the Core synchronously.
	Do(cmd Command)
	// At asks for t to be fired (Core.Fire) at or after at. Timers are never
	// cancelled: a stale timer is recognized by its generation and ignored.
	At(at time.Time, t Timer)
}

// TimerKind says what a timer is for.
type TimerKind uint8

// Timer kinds.
const (
	TimerMenu           TimerKind = iota + 1 // no key pressed in a menu
	TimerAnnounce                            // time to tell a waiting caller position/wait
	TimerMaxWait                             // caller waited the queue's max
	TimerRelax                               // the call's skill requirement relaxes
	TimerRedial                              // try agents again for a waiting call
	TimerRingGuard                           // an agent leg rang longer than the switch should allow
	TimerWrapUp                              // agent's wrap-up is over
	TimerAgentReady                          // agent's no-answer/busy delay is over
	TimerCallback                            // a callback request may be retried
	TimerCheckpoint                          // save that the live calls are still up
	TimerXferGuard                           // a transfer target rang longer than the switch should allow
	TimerRecordingGuard                      // an ended call's recording is still not reported finished
	TimerDay                                 // a new day: the queues' and agents' counters start again
	TimerPlayStopped                         // a prompt the switch stopped was followed by no hang-up
	TimerOffersHeld                          // the hold on offers after a hang-up through the switch's API is over
	timerKinds
)

// Timer is a due time's payload.
type Timer struct {
	Kind  TimerKind
	Call  string // call id (or callback id)
	Agent int32  // agent index for agent timers
	Gen   uint64
}
