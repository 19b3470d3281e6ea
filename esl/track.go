package esl

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/esl/internal/wire"
)

// tracker turns FreeSWITCH events, in Event-Sequence order, into Hotline's
// normalized events. It is pure: the pump goroutine owns it, and commands
// tell it what they are about to cause through notes, sent before the
// command so that a note always precedes the events it explains.
type tracker struct {
	chans    map[string]*chanState
	jobs     map[string]string          // bgapi Job-UUID → originated channel
	plays    map[string]pbx.ChannelID   // playback id → channel, while playing
	stopping map[string]bool            // playback ids being stopped
	started  map[string]bool            // playback ids whose CHANNEL_EXECUTE came
	records  map[string]recording       // file path → recording
	listens  map[string]string          // Listen name → file path, until its record application completes
	pairs    map[[2]string]pbx.BridgeID // requested uuid_bridge → Hotline bridge id
	pending  []pbx.Event                // made by a note, for the pump to take
	doubts   map[pbx.ChannelID]*doubt   // failed playbacks held until their channel shows it lives
}

// doubt is a playback FreeSWITCH ended with an error (not "FILE NOT
// FOUND") on a channel still up. A loopback half whose other half hangs up
// sees its media reads fail first: its playback ends "PLAYBACK ERROR", the
// channel still CS_EXECUTE and answered, and its CHANNEL_HANGUP comes a
// moment later. Reported at once, that failure would run what follows the
// prompt (ring an agent, record a voicemail) for a caller already gone. So
// it is held: the channel's hang-up makes it a stopped playback, any other
// event of the channel or doubtGrace passing makes it the failure it is.
type doubt struct {
	ev  pbx.PlaybackFinished
	due time.Time // zero until the pump arms it
}

// doubtGrace is how long a failed playback waits for its channel's
// hang-up: FreeSWITCH hangs a loopback half up within milliseconds of its
// other half, and a prompt that truly failed goes on this much later.
const doubtGrace = time.Second

type chanState struct {
	originated bool
	created    bool // CHANNEL_CREATE seen (an originate may fail before one)
	ringing    bool
	answered   bool
	failed     bool // OriginateFailed sent
	killing    bool // Hotline asked FreeSWITCH to hang it up
	bridge     pbx.BridgeID
}

type recording struct {
	name    string
	channel pbx.ChannelID
	started time.Time
	listen  bool // a Listen's record application: ends in pbx.Utterance
}

func newTracker() *tracker {
	return &tracker{
		chans:    make(map[string]*chanState),
		jobs:     make(map[string]string),
		plays:    make(map[string]pbx.ChannelID),
		stopping: make(map[string]bool),
		started:  make(map[string]bool),
		records:  make(map[string]recording),
		listens:  make(map[string]string),
		pairs:    make(map[[2]string]pbx.BridgeID),
		doubts:   make(map[pbx.ChannelID]*doubt),
	}
}

// note is what a command tells the tracker before it is sent.
type note struct {
	kind      noteKind
	channel   pbx.ChannelID
	other     pbx.ChannelID
	id        string // job uuid, playback id, recording name
	path      string
	bridge    pbx.BridgeID
	at        time.Time
	ended     time.Time         // noteRecordChecked: when the file was last written
	liveUUIDs map[string]bool   // noteResync: every channel FreeSWITCH has
	snap      []pbx.ChannelInfo // noteResync: Hotline's channels among them
}

type noteKind int

const (
	noteOriginate noteKind = iota + 1
	notePlay
	noteStopPlay
	noteBreakDone // the uuid_break for a stopped playback was answered
	noteMOHBreak  // a plain uuid_break ends the music and the prompts nested in it
	noteRecord
	noteListen        // a record application about to run for a Listen
	noteListenStopped // the uuid_break that stops a Listen was answered
	noteBridge
	noteResync
	noteRecordChecked // CheckRecording found the file at path (or, path "", no file)
	noteHangup        // Hotline is about to hang the channel up
)

func (t *tracker) note(n note) {
	switch n.kind {
	case noteOriginate:
		t.chans[string(n.channel)] = &chanState{originated: true}
		t.jobs[n.id] = string(n.channel)
	case noteHangup:
		if st := t.chans[string(n.channel)]; st != nil {
			st.killing = true
		}
	case notePlay:
		t.plays[n.id] = n.channel
	case noteStopPlay:
		// uuid_break ends every playback of the channel: one played while
		// another ran is nested in it, and the break ends both levels.
		for id, ch := range t.plays {
			if ch == n.channel {
				t.stopping[id] = true
			}
		}
	case noteMOHBreak:
		// Queued playbacks stay queued: only the ones running end.
		for id, ch := range t.plays {
			if ch == n.channel && t.started[id] {
				t.stopping[id] = true
			}
		}
	case noteBreakDone:
		// A playback still queued when "uuid_break all" came was thrown
		// away unplayed: FreeSWITCH reports nothing about it. One that had
		// started ends with CHANNEL_EXECUTE_COMPLETE, even if that event is
		// still on its way: forgetting it here makes that event a no-op.
		var gone []string
		for id, ch := range t.plays {
			if ch == n.channel && t.stopping[id] && !t.started[id] {
				gone = append(gone, id)
			}
		}
		slices.Sort(gone)
		for _, id := range gone {
			t.forgetPlay(id)
			t.pending = append(t.pending, pbx.PlaybackFinished{Base: pbx.Base{Channel: n.channel, At: n.at}, Playback: pbx.PlaybackID(id), Stopped: true})
		}
	case noteRecord:
		t.records[n.path] = recording{name: n.id, channel: n.channel, started: n.at}
	case noteListen:
		t.records[n.path] = recording{name: n.id, channel: n.channel, started: n.at, listen: true}
		t.listens[n.id] = n.path
	case noteListenStopped:
		// A record application still queued behind the beep was thrown
		// away by "uuid_break all": FreeSWITCH reports nothing of it.
		if p, ok := t.listens[n.id]; ok && !t.started[n.id] {
			r := t.records[p]
			delete(t.listens, n.id)
			delete(t.records, p)
			t.pending = append(t.pending, pbx.Utterance{Base: pbx.Base{Channel: r.channel, At: n.at}, Name: r.name, Path: p})
		}
	case noteRecordChecked:
		// A RECORD_STOP still on its way finds nothing left to report.
		for p, r := range t.records {
			if r.name == n.id && !r.listen {
				delete(t.records, p)
			}
		}
		t.pending = append(t.pending, pbx.RecordingFinished{Base: pbx.Base{At: n.at}, Name: n.id, Path: n.path, Failed: n.path == "", End: n.ended})
	case noteBridge:
		t.pairs[pairKey(string(n.channel), string(n.other))] = n.bridge
	case noteResync:
		for id := range t.chans {
			if !n.liveUUIDs[id] {
				t.forget(id)
			}
		}
		for ch := range t.doubts {
			if !n.liveUUIDs[string(ch)] {
				delete(t.doubts, ch) // gone: the snapshot ends its call
			}
		}
		// Channels that were there before this link (a restart, a
		// reconnect) are known from now on, so their events count.
		for _, c := range n.snap {
			if st := t.chans[string(c.ID)]; st != nil {
				st.bridge = c.Bridge
				continue
			}
			t.chans[string(c.ID)] = &chanState{
				originated: c.Vars["HOTLINE_LEG"] == "originated",
				created:    true,
				answered:   c.Answered,
				bridge:     c.Bridge,
			}
		}
	}
}

func pairKey(a, b string) [2]string {
	if a > b {
		a, b = b, a
	}
	return [2]string{a, b}
}

// apply returns the normalized events one FreeSWITCH event stands for.
func (t *tracker) apply(ev *wire.Event, out []pbx.Event) []pbx.Event {
	if len(t.doubts) == 0 {
		return t.applyEvent(ev, out)
	}
	n := len(out)
	out = t.applyEvent(ev, out)
	if len(out) == n {
		return out
	}
	// A doubted playback's channel did something other than hang up
	// (hungUp takes its doubt first): it lives, and the failure goes out
	// ahead of what it did.
	var release []pbx.Event
	for _, e := range out[n:] {
		if d := t.doubts[e.Chan()]; d != nil {
			delete(t.doubts, e.Chan())
			release = append(release, d.ev)
		}
	}
	if len(release) == 0 {
		return out
	}
	return slices.Insert(out, n, release...)
}

// armDoubts gives the doubts made since the last call their deadline and
// returns the earliest deadline, if any doubt is held.
func (t *tracker) armDoubts(now time.Time) (time.Time, bool) {
	var first time.Time
	for _, d := range t.doubts {
		if d.due.IsZero() {
			d.due = now.Add(doubtGrace)
		}
		if first.IsZero() || d.due.Before(first) {
			first = d.due
		}
	}
	return first, !first.IsZero()
}

// expireDoubts reports, as the failures they are, the held playbacks whose
// channel has not hung up by their deadline.
func (t *tracker) expireDoubts(now time.Time, out []pbx.Event) []pbx.Event {
	var due []pbx.ChannelID
	for ch, d := range t.doubts {
		if !d.due.IsZero() && !now.Before(d.due) {
			due = append(due, ch)
		}
	}
	slices.Sort(due)
	for _, ch := range due {
		out = append(out, t.doubts[ch].ev)
		delete(t.doubts, ch)
	}
	return out
}

func (t *tracker) applyEvent(ev *wire.Event, out []pbx.Event) []pbx.Event {
	uuid := ev.Get("Unique-ID")
	at := eventTime(ev)
	base := pbx.Base{Channel: pbx.ChannelID(uuid), At: at}
	st := t.chans[uuid]
	switch ev.Name() {
	case "CHANNEL_CREATE":
		if st != nil {
			st.created = true
		}
	case "CHANNEL_PARK":
		if st != nil || uuid == "" {
			return out
		}
		args, ok := header(ev, "variable_hotline_args")
		if !ok {
			return out // not a call for Hotline
		}
		st = &chanState{created: true}
		t.chans[uuid] = st
		out = append(out, pbx.CallArrived{
			Base:       base,
			Caller:     ev.Get("Caller-Caller-ID-Number"),
			CallerName: ev.Get("Caller-Caller-ID-Name"),
			Called:     ev.Get("Caller-Destination-Number"),
			Args:       splitArgs(args),
			Vars:       hotlineVars(ev.Headers),
		})
		if ev.Get("Answer-State") == "answered" {
			st.answered = true
			out = append(out, pbx.Answered{Base: base})
		}
	case "CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA":
		if st != nil && st.originated && !st.ringing && !st.answered {
			st.ringing = true
			out = append(out, pbx.Ringing{Base: base})
		}
	case "CHANNEL_ANSWER":
		if st != nil && !st.answered && !st.failed {
			st.answered = true
			out = append(out, pbx.Answered{Base: base})
		}
	case "DTMF":
		if st == nil {
			return out
		}
		d, _ := utf8.DecodeRuneInString(ev.Get("DTMF-Digit"))
		if !pbx.ValidDigit(d) {
			return out
		}
		samples, _ := strconv.Atoi(ev.Get("DTMF-Duration"))
		// FreeSWITCH counts DTMF duration in 8 kHz samples.
		out = append(out, pbx.DTMF{Base: base, Digit: d, Duration: time.Duration(samples) * time.Second / 8000})
	case "CHANNEL_EXECUTE":
		if id := ev.Get("Application-UUID"); id != "" {
			if _, ok := t.plays[id]; ok {
				t.started[id] = true
			}
			if _, ok := t.listens[id]; ok {
				t.started[id] = true
			}
		}
	case "CHANNEL_EXECUTE_COMPLETE":
		id := ev.Get("Application-UUID")
		if p, ok := t.listens[id]; ok && id != "" {
			delete(t.listens, id)
			delete(t.started, id)
			if r, open := t.records[p]; open {
				// The record application ended without RECORD_STOP: it
				// could not open its file.
				delete(t.records, p)
				out = append(out, pbx.Utterance{Base: pbx.Base{Channel: r.channel, At: at}, Name: r.name, Path: p, Failed: true,
					Err: "record: " + ev.Get("Application-Response")})
			}
			return out
		}
		ch, ok := t.plays[id]
		if !ok || id == "" {
			return out
		}
		// A playback that ends as its channel hangs up was stopped, not
		// failed, whatever its response says: the hang-up follows.
		hanging := ev.Get("Answer-State") == "hangup" || ev.Get("Channel-State") == "CS_HANGUP"
		stopped := t.stopping[id] || hanging
		t.forgetPlay(id)
		resp := strings.ToUpper(ev.Get("Application-Response"))
		failed := !stopped && (strings.Contains(resp, "NOT FOUND") || strings.Contains(resp, "ERROR"))
		fin := pbx.PlaybackFinished{Base: pbx.Base{Channel: ch, At: at}, Playback: pbx.PlaybackID(id), Stopped: stopped, Failed: failed}
		if failed && !strings.Contains(resp, "NOT FOUND") && t.chans[string(ch)] != nil {
			if d := t.doubts[ch]; d != nil {
				out = append(out, d.ev) // an earlier one: its channel lived on
			}
			t.doubts[ch] = &doubt{ev: fin}
			return out
		}
		out = append(out, fin)
	case "CHANNEL_BRIDGE":
		a, b := ev.Get("Bridge-A-Unique-ID"), ev.Get("Bridge-B-Unique-ID")
		if b == "" {
			b = ev.Get("Other-Leg-Unique-ID")
		}
		if a == "" {
			a = uuid
		}
		id, ok := t.pairs[pairKey(a, b)]
		if !ok {
			id = pbx.BridgeID(a) // bridged outside Hotline: name it after the A leg
		}
		for _, leg := range []string{a, b} {
			if s := t.chans[leg]; s != nil && s.bridge != id {
				s.bridge = id
				out = append(out, pbx.BridgeJoined{Base: pbx.Base{Channel: pbx.ChannelID(leg), At: at}, Bridge: id})
			}
		}
	case "CHANNEL_UNBRIDGE":
		a, b := ev.Get("Bridge-A-Unique-ID"), ev.Get("Bridge-B-Unique-ID")
		if b == "" {
			b = ev.Get("Other-Leg-Unique-ID")
		}
		if a == "" {
			a = uuid
		}
		delete(t.pairs, pairKey(a, b))
		for _, leg := range []string{a, b} {
			out = t.leave(leg, at, out)
		}
	case "SHUTDOWN":
		// fsctl shutdown: FreeSWITCH hangs every channel up next
		// (SYSTEM_SHUTDOWN), then closes the socket.
		out = append(out, pbx.SwitchStopping{Base: pbx.Base{At: at}})
	case "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE":
		// The channel is over at CHANNEL_HANGUP. HANGUP_COMPLETE comes only
		// once the channel's own thread has left what it was doing: a leg
		// in a bridge waits for its next media frame, up to 20 ms more on
		// a loopback or RTP leg, and the agent would wait that long to be
		// free. HANGUP_COMPLETE still ends a channel whose CHANNEL_HANGUP
		// was lost with a link.
		if st == nil {
			return out
		}
		cause := parseCause(ev.Get("Hangup-Cause"), ev.Get("variable_hangup_cause_q850"))
		if cause == pbx.CauseNormal && !st.originated && !st.killing && hungUpBySwitch(ev) {
			cause = pbx.CauseManagerRequest
		}
		return t.hungUp(uuid, st, base, cause, out)
	case "RECORD_START":
		p := ev.Get("Record-File-Path")
		if r, ok := t.records[p]; ok && !at.IsZero() {
			r.started = at
			t.records[p] = r
			if !r.listen {
				// Its Event-Date-Timestamp, as RECORD_STOP's is the end.
				out = append(out, pbx.RecordingStarted{Base: pbx.Base{Channel: r.channel, At: at}, Name: r.name})
			}
		}
	case "RECORD_STOP":
		p := ev.Get("Record-File-Path")
		r, ok := t.records[p]
		if !ok {
			return out
		}
		delete(t.records, p)
		if r.listen {
			return append(out, pbx.Utterance{Base: pbx.Base{Channel: r.channel, At: at}, Name: r.name, Path: p, Duration: durationSince(r.started, at)})
		}
		f := pbx.RecordingFinished{Base: pbx.Base{Channel: r.channel, At: at}, Name: r.name, Path: p, Duration: durationSince(r.started, at), End: at}
		if ev.Get("Record-Completion-Cause") == "input-too-short" {
			// FreeSWITCH removed the file before saying where it was (its
			// RECORD_DISCARDED variable stays set for the channel's later
			// recordings, so it tells nothing).
			f.Failed, f.Err = true, "no audio kept: FreeSWITCH discarded the file as too short (RECORD_MIN_SEC)"
		}
		out = append(out, f)
	case "BACKGROUND_JOB":
		ch, ok := t.jobs[ev.Get("Job-UUID")]
		if !ok {
			return out
		}
		delete(t.jobs, ev.Get("Job-UUID"))
		body := strings.TrimSpace(ev.Body)
		s := t.chans[ch]
		if !strings.HasPrefix(body, "-ERR") || s == nil || s.failed || s.answered {
			return out
		}
		cause := parseCause(strings.TrimSpace(strings.TrimPrefix(body, "-ERR")), "")
		s.failed = true
		b := pbx.Base{Channel: pbx.ChannelID(ch), At: at}
		out = append(out, pbx.OriginateFailed{Base: b, Reason: pbx.ReasonForCause(cause), Cause: cause})
		if !s.created {
			// No channel was ever made, so no hang-up event will come.
			t.forget(ch)
			out = append(out, pbx.HungUp{Base: b, Cause: cause})
		}
	}
	return out
}

// hungUpBySwitch tells whether a SIP channel's normal hang-up came from
// FreeSWITCH's side rather than from the far end: a bare uuid_kill from the
// console or another client says NORMAL_CLEARING, as the caller's BYE does,
// but only the far end's BYE (or final response) leaves the SIP status it
// ended with in sip_term_status, already at CHANNEL_HANGUP; a BYE FreeSWITCH
// sends is named send_bye by HANGUP_COMPLETE. Other channels (loopback,
// Local-like test callers) carry no such trace and keep the caller's.
func hungUpBySwitch(ev *wire.Event) bool {
	if !strings.HasPrefix(ev.Get("Channel-Name"), "sofia/") || ev.Get("variable_sip_term_status") != "" {
		return false
	}
	d := ev.Get("variable_sip_hangup_disposition")
	return d == "" || strings.HasPrefix(d, "send_")
}

// hungUp ends a channel: its playbacks stop, it leaves its bridge, an
// unanswered leg of Hotline's fails, and the tracker forgets it, so that
// the events FreeSWITCH still sends about it (CHANNEL_EXECUTE_COMPLETE,
// CHANNEL_UNBRIDGE, CHANNEL_HANGUP_COMPLETE) are no-ops.
func (t *tracker) hungUp(uuid string, st *chanState, base pbx.Base, cause pbx.Cause, out []pbx.Event) []pbx.Event {
	if d := t.doubts[pbx.ChannelID(uuid)]; d != nil {
		// The media failed because the channel was going: a stop.
		delete(t.doubts, pbx.ChannelID(uuid))
		d.ev.Stopped, d.ev.Failed = true, false
		out = append(out, d.ev)
	}
	for id, ch := range t.plays {
		if string(ch) == uuid {
			t.forgetPlay(id)
			out = append(out, pbx.PlaybackFinished{Base: base, Playback: pbx.PlaybackID(id), Stopped: true})
		}
	}
	out = t.leave(uuid, base.At, out)
	if st.originated && !st.answered && !st.failed {
		out = append(out, pbx.OriginateFailed{Base: base, Reason: pbx.ReasonForCause(cause), Cause: cause})
	}
	t.forget(uuid)
	return append(out, pbx.HungUp{Base: base, Cause: cause})
}

func (t *tracker) leave(leg string, at time.Time, out []pbx.Event) []pbx.Event {
	if s := t.chans[leg]; s != nil && s.bridge != "" {
		out = append(out, pbx.BridgeLeft{Base: pbx.Base{Channel: pbx.ChannelID(leg), At: at}, Bridge: s.bridge})
		s.bridge = ""
	}
	return out
}

func (t *tracker) forgetPlay(id string) {
	delete(t.plays, id)
	delete(t.stopping, id)
	delete(t.started, id)
}

// takePending hands over the events notes made.
func (t *tracker) takePending(out []pbx.Event) []pbx.Event {
	out = append(out, t.pending...)
	t.pending = t.pending[:0]
	return out
}

func (t *tracker) forget(uuid string) {
	delete(t.chans, uuid)
	for job, ch := range t.jobs {
		if ch == uuid {
			delete(t.jobs, job)
		}
	}
}

// header looks a header up and says whether it was there.
func header(ev *wire.Event, name string) (string, bool) {
	if !ev.Has(name) {
		return "", false
	}
	return ev.Get(name), true
}

// splitArgs splits hotline_args ("queue,sales") the way Stasis splits its
// application arguments.
func splitArgs(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// hotlineVars collects the channel variables named hotline_* in any case,
// keyed in upper case (HOTLINE_CALL, HOTLINE_ARGS) so that a dialplan's
// hotline_queue and Hotline's own HOTLINE_QUEUE read alike.
func hotlineVars(hs []wire.Header) map[string]string {
	var vars map[string]string
	for _, h := range hs {
		name, ok := strings.CutPrefix(h.Name, "variable_")
		if !ok || len(name) < len("hotline_") || !strings.EqualFold(name[:len("hotline_")], "hotline_") {
			continue
		}
		if vars == nil {
			vars = make(map[string]string)
		}
		vars[strings.ToUpper(name)] = h.Value
	}
	return vars
}

// eventTime reads Event-Date-Timestamp (microseconds since the epoch).
func eventTime(ev *wire.Event) time.Time {
	us, err := strconv.ParseInt(ev.Get("Event-Date-Timestamp"), 10, 64)
	if err != nil || us <= 0 {
		return time.Time{}
	}
	return time.UnixMicro(us)
}

func durationSince(start, end time.Time) time.Duration {
	if start.IsZero() || end.IsZero() || end.Before(start) {
		return 0
	}
	return end.Sub(start)
}
