package engine

import (
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/acd/ivr"
	"github.com/hotline-cc/hotline/acd/kpi"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/routing"
	"github.com/hotline-cc/hotline/store"
)

type queue struct {
	idx     int32
	name    string
	cfg     config.Queue
	base    routing.Requirement
	targets []routing.Target
	rs      routing.QueueState
	join    routing.JoinRule // join_empty
	// waiting holds callers (and callback requests) not yet bridged, in
	// arrival order; service order is decided by routing.NextCall.
	waiting []*call
	est     routing.Estimator
	stats   kpi.Queue
	removed bool // by a reconfigure: takes no new callers, keeps its waiting ones
}

type agent struct {
	idx         int32
	id          string
	cfg         config.Agent
	state       acd.AgentState
	pauseReason string
	since       time.Time
	loggedInAt  time.Time
	idleSince   time.Time
	notBefore   time.Time // not offered calls before this (no-answer/busy delays)
	heldUntil   time.Time // end of a hold while a leg left from before a restart is hung up
	queues      []*queue
	penalty     map[int32]int // queue idx → penalty
	call        *call         // call being offered, talked or wrapped up
	noAnswerRun int           // consecutive unanswered offers
	wrapStart   time.Time
	wrapCall    string         // the call a wrap-up restored at a restart follows (call is nil then)
	wrapUntil   time.Time      // and when that wrap-up ends; also the own end of one that left a call going on (a transfer)
	countedTo   time.Time      // the restart: restoreCounters counted the time before it
	pending     *pendingChange // asked for during a call; applied when it and its wrap-up are over
	asked       *pendingChange // the agent's own pending, while a reload's removal replaces it
	why         motive         // of the last change
	gen         [timerKinds]uint64
	stats       kpi.Agent // LoggedIn and Paused: the current interval is added at read time
	removed     bool      // by a reconfigure: finishes its call, then stays logged out
	unreachable bool      // its endpoint could not be rung; warned once until it answers again
	// turn is the campaign whose pacer counts the agent, when it is in
	// several that dial (see Core.paces); "" is the first of them.
	turn string
}

// pendingChange is a pause or logout an agent asked for while handling a
// call. It waits for the call and its wrap-up to end; Ready cancels it.
type pendingChange struct {
	state acd.AgentState // acd.Paused or acd.LoggedOut
	motive
}

// motive says why an agent's state changes, as the stored log keeps it.
type motive struct {
	cause  acd.AgentCause
	reason string // the pause reason, or a detail of the cause
	by     string // who asked, for a request
}

type leg struct {
	ch        pbx.ChannelID
	agent     *agent
	started   time.Time
	answered  bool
	desk      bool // rings the desk only, no channel yet (answer: desk)
	answering bool // answered from the desk; the phone is not up yet
}

type call struct {
	id       string
	ch       pbx.ChannelID
	dir      acd.Direction // the call's kind: inbound or callback
	phase    acd.CallPhase
	arrived  time.Time
	entry    string
	flow     ivr.State // where the call is in the IVR flow while in phase menu
	queue    *queue
	enqueued time.Time // place in line: kept across overflow and callbacks
	entered  time.Time // entered the current queue
	priority int
	class    routing.Class  // ranks before priority: a campaign's answered lead goes before or after inbound callers
	skills   map[string]int // required of its agent on top of the queue's (set by its IVR flow)
	needs    []routing.Need // skills, interned
	legs     []*leg
	agent    *agent
	agentCh  pbx.ChannelID
	bridge   pbx.BridgeID
	spies    []store.ActiveSpy // supervisors on the agent's channel, saved so a restart keeps them
	answered time.Time         // the agent answered
	talkFrom time.Time         // both parties confirmed in the bridge: talk counts from here
	joined   bridgeJoin
	wrapEnd  time.Time
	rec      store.CallRecord

	playback    pbx.PlaybackID
	playNext    func(now time.Time) // what to do when the current playback finishes
	stoppedNext func(now time.Time) // what a prompt the switch stopped was to go on with (see playStopped)
	moh         bool
	recording   string
	recPaused   bool // the recording is paused (recording.go)
	recStopped  bool // its recording was stopped before the end (a voicemail taken)
	legSeq      int
	legTag      string // this run's tag in new leg ids of a call restored after a restart (see nextChannel)
	playSeq     int
	playCut     pbx.PlaybackID // restored: the playback the run before left playing (stopCutPlayback)
	workGen     uint64         // numbers the flow's work (lookups) so a late answer is told from the current one
	listen      listening      // a spoken question (ivrlisten.go)
	rendering   pbx.PlaybackID // a playback waiting for its prompts to be rendered
	prompts     []string       // the media of the current playback of rendered prompts, until replayed once
	gen         [timerKinds]uint64
	callback    *callbackReq // set when this call dials a callback request
	restored    bool         // came back from the store after a restart
	resumed     bool         // re-entering its queue after a restart
	endPending  bool         // hang-up requested, waiting for HungUp
	seen        time.Time    // restored: the last time the previous run knew the call up
	checked     time.Time    // last checkpoint: saved as known up at this time
	endAt       time.Time    // the switch's time of the end, when it came late
	endFrom     time.Time    // the end is unknown within [endFrom, when it was found gone]

	xfer transferState // hold, consult and transfer (transfer.go)

	contact contact.OnCall     // the caller's contact, matched on arrival (contact.go); rec.Contact its id
	pref    routing.Preference // the agent a known caller waits for first in its queue
	only    *agent             // the one agent who may take the call (a callback kept for them), nil = any
}

// callbackReq is a caller who left the queue asking to be called back. It
// keeps the caller's place in line (enqueued) and waits like a caller.
type callbackReq struct {
	id        string
	state     acd.CallbackState
	queue     *queue
	number    string
	enqueued  time.Time
	priority  int
	attempts  int
	next      time.Time
	dialing   *call
	gen       uint64
	origin    string // call id of the call that asked
	recording string // a voicemail the caller left for the agent, by recording name
}

type waitRef struct {
	call *call
	cb   *callbackReq
	to   *queue // a campaign's lead moves to this queue of the agent's to be offered (waitingLeads)
}

// dispatchable reports whether a waiting call may be offered to agents now.
func (cl *call) dispatchable() bool {
	return cl.phase == acd.CallQueued && len(cl.legs) == 0 && !cl.endPending
}
