package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/ivr"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/routing"
	"github.com/hotline-cc/hotline/acd/speech"
	"github.com/hotline-cc/hotline/store"
)

// Options configure a Core.
type Options struct {
	Config config.Config
	Out    Outputs
	Store  Store
	// Writer carries the writes to Store. The runtime gives one that commits
	// in its own goroutine and reports back through Saved; when nil, writes
	// are committed synchronously (simulation, tests).
	Writer *store.Writer
	// Seed feeds the random strategies; the same seed gives the same choices.
	Seed uint64
	// IDPrefix makes call ids unique across restarts of the daemon.
	IDPrefix string
	// Trace, if set, receives one line per decision and command (golden traces).
	Trace func(now time.Time, line string)
	// Warn receives problems that are counted, not fatal (bad DTMF, events for
	// unknown calls, illegal transitions). The daemon logs them.
	Warn func(now time.Time, msg string)
	// Finished, if set, is told of each call that is over for good: ended,
	// its final record durable. It runs on the engine goroutine.
	Finished func(now time.Time, callID string)
	// Lookup carries out a flow's HTTP lookup, off the engine goroutine;
	// nil = ivrhttp.Do with the default client.
	Lookup func(ctx context.Context, l ivr.Lookup) ivr.LookupResult
	// MatchCaller, if set, finds an inbound caller's contact before the call
	// is routed (contact.go); it runs off the engine goroutine, and the call
	// waits for it at most MatchTimeout (0: DefaultMatchTimeout).
	MatchCaller  CallerMatcher
	MatchTimeout time.Duration
	// Recognizer, if set, lets callers say their question to a FAQ: the
	// switch records it (pbx.Switch.Listen), the recognizer transcribes it
	// off the engine goroutine within RecognizeTimeout (0:
	// DefaultRecognizeTimeout), and the FAQ matches the transcript. On a
	// failure the call goes on by keys. nil = keys alone.
	Recognizer       speech.Recognizer
	RecognizeTimeout time.Duration
	// Speaker turns the flows' texts (say: media) into prompt files the
	// switch plays; nil = say: media go to the switch as they are (the
	// simulator plays them).
	Speaker Speaker
	// PickUpPhones says the switch picks up a phone it rings when asked, as
	// if the person there did: the simulator does; a real switch cannot
	// answer a SIP phone's ringing leg, so the desk's Answer is refused for
	// an agent with answer: phone. NewRuntime sets it from the switch (see
	// PhonePicker), NewSimRun always.
	PickUpPhones bool
}

// PhonePicker is a switch that can pick up a ringing phone it called (the
// simulator). A switch that does not implement it cannot.
type PhonePicker interface {
	PicksUpPhones() bool
}

// Core is the engine's state machine. It is not safe for concurrent use: one
// goroutine drives it (see Run and SimRun).
type Core struct {
	// members is each agent's queues by name, for Status: rebuilt on a
	// reconfigure, never changed in place, so snapshots share it.
	members map[string][]string
	opts    Options
	out     Outputs
	w       *store.Writer // the engine's writes, in order; Saved reports them durable
	rng     *rand.Rand
	catalog routing.Catalog

	queues   []*queue
	queueIdx map[string]*queue
	agents   []*agent
	agentIdx map[string]*agent
	view     []routing.Agent // routing's view of agents, index-aligned with agents
	entries  map[string]config.Entry
	flow     *ivr.Flow // the menus, as one IVR flow

	calls     map[string]*call
	chans     map[pbx.ChannelID]chanRef
	callbacks map[string]*callbackReq
	playbacks map[pbx.PlaybackID]*call

	unsaved   []unsaved // the same, in the order of their writes
	savedSeq  uint64    // the newest write reported durable
	changeSeq uint64    // numbers agent state changes logged at the same instant

	goneChans map[pbx.ChannelID]struct{}
	trailing  map[string]*trailer // ended calls whose wrap-up or recording is not over

	seq      uint64
	warnings map[string]int
	started  time.Time
	synced   bool
	linkDown time.Time // when the link to the switch last went down
	linkUp   time.Time // when it last came (back) up
	// stopping is when the switch said it is shutting down
	// (pbx.SwitchStopping); zero again once it is back (Synced). Meanwhile
	// no agent is rung and no lead dialed (see switchStopping).
	stopping time.Time
	// killHeld: until then no agent is offered a caller, because the switch
	// just hung one of Hotline's channels up through its API (see
	// holdOffers).
	killHeld time.Time

	camps map[string]*campaignRun // started outbound campaigns (campaign.go)
	// campNames are the keys of camps, sorted (campOrder).
	campNames []string
	// campsRemoved are started campaigns the last reload removed: kept to
	// be stopped, not started again (reconfigure.go).
	campsRemoved map[string]bool
	// campsNext are the settings the last reload gave started campaigns,
	// which keep theirs until they are stopped and started again.
	campsNext map[string]config.Campaign
	// leftLeads are the channels of leads an earlier run dialed that a
	// sync found before the campaigns were resumed (ResumeCampaigns):
	// neither callers nor stranded legs, they wait for ReconcileLeads.
	leftLeads map[pbx.ChannelID]pbx.ChannelInfo
	leftSeen  map[pbx.ChannelID]leftSeen // what became of them since
	resumed   bool                       // ResumeCampaigns ran
	// leftEnded are the calls of leads an earlier run left answered,
	// restored from the store, that ended before ResumeCampaigns took
	// their leads up (by call id): readoptLead settles those leads by them.
	leftEnded map[string]*call
	inbound   inboundLog // recent inbound callers, for the campaigns (campaign_blend.go)

	checkpointDue bool      // a checkpoint of the live calls is scheduled
	checkpointed  time.Time // the last full checkpoint (resume states saved)
	dayStart      time.Time // the counters' day (Saved.Since); zero: counted since the start
	// stranded: legs from before a restart being hung up, and the agent
	// each one rings, held back until it is gone (see hangUpStranded)
	stranded map[pbx.ChannelID]*agent

	// scratch buffers reused on the hot path
	selBuf  []int32
	waitBuf []routing.Waiting
	waitRef []waitRef
}

type chanRef struct {
	call *call
	leg  *leg // nil for the caller's own channel
	// target is set on the channel of a transfer's target (transfer.go)
	// until it joins the call as its agent.
	target *target
}

// NewCore builds a Core from a validated config.
func NewCore(opts Options, now time.Time) (*Core, error) {
	if opts.Out == nil {
		return nil, fmt.Errorf("engine: %w: no outputs", ErrBadConfig)
	}
	if opts.Store == nil {
		opts.Store = NopStore{}
	}
	opts.Config = withCampaignQueues(opts.Config)
	w := opts.Writer
	if w == nil {
		w = store.NewWriter(opts.Store, store.WriterOptions{Sync: true})
	}
	c := &Core{
		opts:      opts,
		out:       opts.Out,
		w:         w,
		rng:       rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		queueIdx:  map[string]*queue{},
		agentIdx:  map[string]*agent{},
		entries:   map[string]config.Entry{},
		calls:     map[string]*call{},
		chans:     map[pbx.ChannelID]chanRef{},
		callbacks: map[string]*callbackReq{},
		playbacks: map[pbx.PlaybackID]*call{},
		warnings:  map[string]int{},
		goneChans: map[pbx.ChannelID]struct{}{},
		trailing:  map[string]*trailer{},
		started:   now,
	}
	cfg := opts.Config
	for _, e := range cfg.Entries {
		c.entries[e.Number] = e
	}
	flow, err := menuFlow(cfg.Menus, cfg.Flows)
	if err != nil {
		return nil, fmt.Errorf("engine: menus: %w", err)
	}
	c.flow = flow
	for i, qc := range cfg.Queues {
		q, err := c.compileQueue(int32(i), qc)
		if err != nil {
			return nil, err
		}
		c.queues = append(c.queues, q)
		c.queueIdx[q.name] = q
	}
	for i, ac := range cfg.Agents {
		a := &agent{idx: int32(i), id: ac.ID, cfg: ac, state: acd.LoggedOut, since: now, penalty: map[int32]int{}}
		if ac.LoggedIn {
			a.state = acd.Available
			a.loggedInAt = now
			a.idleSince = now
		}
		c.agents = append(c.agents, a)
		c.agentIdx[a.id] = a
		lv, err := c.catalog.Levels(ac.Skills)
		if err != nil {
			return nil, fmt.Errorf("engine: agent %q: %w", ac.ID, err)
		}
		c.view = append(c.view, routing.Agent{
			Levels:    lv,
			IdleSince: now,
			Weight:    max(ac.Weight, 1),
		})
		for _, m := range ac.Queues {
			q := c.queueIdx[m.Queue]
			if q == nil {
				return nil, fmt.Errorf("engine: agent %q: %w %q", ac.ID, ErrUnknownQueue, m.Queue)
			}
			a.penalty[q.idx] = m.Penalty
			q.rs.Members = append(q.rs.Members, routing.Member{Agent: a.idx, Penalty: m.Penalty, Tier: m.Tier, Order: len(q.rs.Members)})
			a.queues = append(a.queues, q)
		}
	}
	for _, a := range c.agents {
		c.refreshView(a, now)
	}
	c.members = memberships(c.agents)
	return c, nil
}

func (c *Core) compileQueue(idx int32, qc config.Queue) (*queue, error) {
	strat, err := routing.ParseStrategy(qc.Strategy)
	if err != nil {
		return nil, fmt.Errorf("engine: queue %q: %w", qc.Name, err)
	}
	base, err := c.catalog.Requirement(qc.Skills, routing.AnyPenalty)
	if err != nil {
		return nil, fmt.Errorf("engine: queue %q: %w", qc.Name, err)
	}
	join, err := routing.ParseJoinRule(qc.JoinEmpty)
	if err != nil {
		return nil, fmt.Errorf("engine: queue %q: %w", qc.Name, err)
	}
	q := &queue{idx: idx, name: qc.Name, cfg: qc, base: base, join: join}
	q.est.Horizon = time.Hour
	q.rs.Strategy = strat
	for i, t := range qc.Targets {
		r, err := c.catalog.Requirement(t.Skills, t.MaxPenalty)
		if err != nil {
			return nil, fmt.Errorf("engine: queue %q target %d: %w", qc.Name, i, err)
		}
		q.targets = append(q.targets, routing.Target{After: t.After, Req: r})
	}
	return q, nil
}

// newID returns a call id unique within this run and, with IDPrefix, across runs.
func (c *Core) newID(now time.Time, kind string) string {
	c.seq++
	p := c.opts.IDPrefix
	if p != "" {
		p += "-"
	}
	return p + kind + now.UTC().Format("060102150405") + "-" + strconv.FormatUint(c.seq, 10)
}

func (c *Core) do(cmd Command) {
	if c.opts.Trace != nil {
		c.opts.Trace(time.Time{}, "  → "+cmd.String())
	}
	c.out.Do(cmd)
}

func (c *Core) trace(now time.Time, format string, args ...any) {
	if c.opts.Trace != nil {
		c.opts.Trace(now, fmt.Sprintf(format, args...))
	}
}

// warn records a counted, non-fatal problem.
func (c *Core) warn(now time.Time, kind, format string, args ...any) {
	c.warnings[kind]++
	msg := fmt.Sprintf(format, args...)
	c.trace(now, "warn %s: %s", kind, msg)
	if c.opts.Warn != nil {
		c.opts.Warn(now, kind+": "+msg)
	}
}

// lookup finds the call a channel belongs to. A channel Hotline let go of
// (cancelled legs, supervisors) is expected and not warned about.
func (c *Core) lookup(now time.Time, ch pbx.ChannelID, what string) (chanRef, bool) {
	ref, ok := c.chans[ch]
	if !ok {
		if _, gone := c.goneChans[ch]; !gone {
			c.warn(now, "unknown-channel", "%s on unknown channel %s", what, ch)
		}
	}
	return ref, ok
}

// Warnings returns how many problems of each kind were seen.
func (c *Core) Warnings() map[string]int {
	out := make(map[string]int, len(c.warnings))
	for k, v := range c.warnings {
		out[k] = v
	}
	return out
}

// Handle reacts to one PBX event.
func (c *Core) Handle(now time.Time, ev pbx.Event) {
	if c.campaignEvent(now, ev) || c.transferEvent(now, ev) {
		return
	}
	switch e := ev.(type) {
	case pbx.CallArrived:
		c.onArrived(now, e)
	case pbx.Answered:
		c.onAnswered(now, e)
	case pbx.Ringing:
		if ref, ok := c.lookup(now, e.Channel, "ringing"); ok && ref.leg != nil {
			c.step(now, ref.call, "ringing", ref.leg.agent.id, "")
		}
	case pbx.DTMF:
		c.onDTMF(now, e)
	case pbx.PlaybackFinished:
		c.onPlaybackFinished(now, e)
	case pbx.OriginateFailed:
		c.onOriginateFailed(now, e)
	case pbx.HungUp:
		c.onHungUp(now, e)
	case pbx.BridgeJoined:
		c.onBridgeJoined(now, e)
	case pbx.BridgeLeft:
		// The engine unbridges itself; this only confirms.
	case pbx.RecordingStarted:
		c.onRecordingStarted(now, e)
	case pbx.RecordingFinished:
		c.onRecordingFinished(now, e)
	case pbx.Utterance:
		c.onUtterance(now, e)
	case pbx.Synced:
		c.reconcile(now, e)
	case pbx.SwitchStopping:
		if c.stopping.IsZero() {
			c.stopping = now
			c.warn(now, "switch-shutdown", "the switch is shutting down: its calls end by the system (cause %s), leads cut short are retried", causeSwitchShutdown)
		}
	case pbx.Disconnected:
		c.synced, c.linkDown = false, now
		c.warn(now, "pbx-disconnected", "link to the switch is down: %v", e.Err)
	default:
		c.warn(now, "unknown-event", "event %T ignored", ev)
	}
}

// stopGrace is how long a switch that said it is shutting down may keep
// the link before it is taken as up again: its shutdown was called off.
const stopGrace = time.Minute

// switchStopping reports whether the switch is shutting down: it said so
// and has not come back since (a reconnect clears it), and it dropped the
// link or still may.
func (c *Core) switchStopping(now time.Time) bool {
	return !c.stopping.IsZero() && (c.linkDown.After(c.stopping) || now.Sub(c.stopping) < stopGrace)
}

// killHold is how long offers wait after the switch hung one of Hotline's
// channels up through its API or console. hupall ends every channel it
// matches one after the other, and their hang-ups come a few milliseconds
// apart: an agent the first frees must not be handed a caller the next
// one ends. An administrator's single uuid_kill costs the queue a quarter
// of a second.
const killHold = 250 * time.Millisecond

// holdOffers starts (or lengthens) the hold on offers after a hang-up
// through the switch's API; the TimerOffersHeld due at its end offers the
// agents free then.
func (c *Core) holdOffers(now time.Time) {
	c.killHeld = now.Add(killHold)
	c.out.At(c.killHeld, Timer{Kind: TimerOffersHeld})
}

// offersHeld reports whether offers wait: the switch is shutting down or
// has just hung channels up through its API.
func (c *Core) offersHeld(now time.Time) bool {
	return c.switchStopping(now) || now.Before(c.killHeld)
}

// offersResume offers the agents free at the end of a hold to the callers
// that waited through it.
func (c *Core) offersResume(now time.Time) {
	if c.offersHeld(now) {
		return // lengthened: a later timer ends it
	}
	for _, a := range c.agents {
		if a.state == acd.Available {
			c.agentFree(now, a)
		}
	}
}

// CommandFailed is told by the runtime when a command returned an error.
func (c *Core) CommandFailed(now time.Time, cmd Command, err error) {
	if errors.Is(err, pbx.ErrNoChannel) && cmd.Op != OpOriginate && cmd.Op != OpBridge && cmd.Op != OpSpy {
		// The channel hung up while the command was on its way; its HungUp
		// event settles the call.
		c.trace(now, "channel gone: %s", cmd)
		return
	}
	if cmd.Op == OpDestroyBridge && errors.Is(err, pbx.ErrNoBridge) {
		// Gone already: a switch whose bridges end with their channels
		// (FreeSWITCH), a bridge whose calls ended while Hotline was down.
		c.trace(now, "bridge already gone: %s", cmd)
		return
	}
	if cmd.Op == OpStopRecording && errors.Is(err, pbx.ErrNoRecording) {
		c.trace(now, "recording already over: %s", cmd)
		return
	}
	c.warn(now, "command-failed", "%s: %v", cmd, err)
	switch cmd.Op {
	case OpOriginate:
		// The leg never existed: treat it as unreachable.
		c.onOriginateFailed(now, pbx.OriginateFailed{
			Base:   pbx.Base{Channel: cmd.Originate.ChannelID, At: now},
			Reason: pbx.FailUnreachable, Cause: pbx.CauseUnreachable,
		})
	case OpListen:
		if ref, ok := c.chans[cmd.Listen.Channel]; ok && ref.call.listen.name == cmd.Listen.Name {
			ref.call.listen.name = ""
			c.speechFailed(now, ref.call, err.Error())
		}
	case OpAnswer:
		if ref, ok := c.chans[cmd.Channel]; ok && ref.leg != nil && !ref.leg.answered {
			c.warn(now, "desk-answer", "agent %s: the switch cannot pick up a ringing phone; the agent answers on the phone, or set answer: desk on the agent to answer from the desk", ref.leg.agent.id)
		}
	case OpCheckRecording:
		if errors.Is(err, pbx.ErrDisconnected) {
			return // asked again once the link is back (checkRecordingsAfterGap)
		}
		c.recordingUnchecked(now, cmd.Lane, cmd.Name, err)
	case OpStartRecording:
		for _, cl := range c.calls {
			if cl.recording == cmd.Record.Name {
				c.recordingFailed(now, cl, cmd.Record.Name, err.Error())
			}
		}
		// A call that ended while the start was on its way (its caller
		// hung up as the agent came) waits for a recording that never
		// began: it is settled failed now, with the switch's own words,
		// not at the guard's check as "the switch reported it failed". A
		// start lost with the link may have begun: the check after the gap
		// looks for its file.
		if !errors.Is(err, pbx.ErrDisconnected) {
			for id := range c.trailing {
				c.recordingUnchecked(now, id, cmd.Record.Name, err) // a no-op for calls not waiting for it
			}
		}
	case OpPlay:
		// A prompt that cannot play must not leave the caller in silence.
		c.onPlaybackFinished(now, pbx.PlaybackFinished{Base: pbx.Base{Channel: cmd.Channel, At: now}, Playback: cmd.Playback, Failed: true})
	case OpBridge:
		if ref, ok := c.chans[cmd.Channel]; ok && ref.call.phase == acd.CallBridged {
			c.warn(now, "bridge-failed", "call %s could not be bridged; ending it", ref.call.id)
			c.endCall(now, ref.call, acd.HangupSystem, pbx.CauseNormal)
		}
	}
}

func sortStrings(s []string) { slices.Sort(s) }

// memberships lists each agent's queues by name.
func memberships(agents []*agent) map[string][]string {
	m := make(map[string][]string, len(agents))
	for _, a := range agents {
		qs := make([]string, 0, len(a.cfg.Queues))
		for _, mb := range a.cfg.Queues {
			qs = append(qs, mb.Queue)
		}
		m[a.id] = qs
	}
	return m
}
