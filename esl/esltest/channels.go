package esltest

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/esl/internal/wire"
)

// PhoneMode is how a far-end phone reacts to being dialed.
type PhoneMode int

// Phone modes.
const (
	Answer      PhoneMode = iota // answers after AnswerDelay
	Busy                         // USER_BUSY
	NoAnswer                     // rings until originate_timeout, NO_ANSWER
	Unreachable                  // not registered: no channel, USER_NOT_REGISTERED
)

// Phone is a far end that originate can dial.
type Phone struct {
	Mode        PhoneMode
	AnswerDelay time.Duration
	HangupAfter time.Duration // after answer; 0 = never
	DTMF        string        // sent DTMFDelay after answer
	DTMFDelay   time.Duration
}

// AddPhone makes endpoint (e.g. "user/1001", "sofia/gateway/gw/555") dialable.
func (s *Server) AddPhone(endpoint string, p Phone) {
	s.mu.Lock()
	s.phones[endpoint] = p
	s.mu.Unlock()
}

// NewPhone registers a phone under a fresh "user/phone-N" endpoint.
func (s *Server) NewPhone(p Phone) string {
	s.mu.Lock()
	s.nextID++
	ep := "user/phone-" + strconv.Itoa(s.nextID)
	s.phones[ep] = p
	s.mu.Unlock()
	return ep
}

// Call is an inbound call for PlaceCall.
type Call struct {
	From, To   string
	CallerName string
	// Vars are set before the call reaches Hotline, as the dialplan's
	// "set" actions would (hotline_args, ...).
	Vars map[string]string
	// Socket is the outbound-socket address to connect to ("socket
	// host:port async full"); "" parks the call instead ("park").
	Socket string
	// DTMF is pressed DTMFDelay after the channel is answered.
	DTMF      string
	DTMFDelay time.Duration
	// HangupAfter: the caller hangs up this long after being answered.
	HangupAfter time.Duration
	// Say is what the caller says SayDelay after the first record
	// application starts on its channel (see farend.CallScript.Say); the
	// file written holds it as sim.UtteranceAudio does.
	Say      string
	SayDelay time.Duration
}

// ChannelState is a snapshot of one simulated channel.
type ChannelState struct {
	UUID      string
	Direction string
	Answered  bool
	HungUp    bool
	Cause     string
	Partner   string
	FarHalf   string // loopback: the other half of the pair
	Parked    bool
	App       string // running application
	Vars      map[string]string
	SentDTMF  string   // digits sent to the far end with uuid_send_dtmf
	Records   []string // recordings started, by path
	Masked    []string // recordings paused with uuid_record mask, by path
	Played    []string // the playback application's arguments, in order
	Heard     []string // the files those playbacks found (and so played), in order
}

// Channel reports a channel's state; ok is false if it never existed.
func (s *Server) Channel(uuid string) (ChannelState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.chans[uuid]
	if ch == nil {
		return ChannelState{}, false
	}
	st := ChannelState{UUID: ch.uuid, Direction: ch.direction, Answered: ch.answered, HungUp: ch.hungup,
		Cause: ch.cause, Partner: ch.partner, Parked: ch.parked, SentDTMF: ch.sentDTMF, Vars: map[string]string{},
		Played: slices.Clone(ch.played), Heard: slices.Clone(ch.heard)}
	if ch.app != nil {
		st.App = ch.app.name
	}
	if ch.farHalf != nil {
		st.FarHalf = ch.farHalf.uuid
	}
	for k, v := range ch.vars {
		st.Vars[k] = v
	}
	for p := range ch.records {
		st.Records = append(st.Records, p)
	}
	sort.Strings(st.Records)
	for p, on := range ch.masked {
		if on && ch.records[p] {
			st.Masked = append(st.Masked, p)
		}
	}
	sort.Strings(st.Masked)
	return st, true
}

type channel struct {
	uuid, name, direction string
	cidNum, cidName, dest string
	created               time.Time
	vars                  map[string]string
	answered, hungup      bool
	parked                bool
	cause                 string
	partner               string
	bridgeA, bridgeB      string
	app                   *appRun   // the innermost application running
	outer                 []*appRun // the ones app runs nested in, outermost first
	apps                  []*appRun // queued by sendmsg behind an event-lock
	records               map[string]bool
	recStarted            map[string]time.Time // uuid_record files by path: when they started
	said                  bool                 // the script's words went into a record application
	masked                map[string]bool      // recordings paused with uuid_record mask, by path
	played                []string
	heard                 []string
	sentDTMF              string
	job                   string // bgapi job still waiting for the originate result
	// handingOver: answered, the originate not over yet
	// (Options.OriginateHandover); cut are the playbacks sent meanwhile.
	handingOver bool
	cut         []*appRun
	phone       *Phone
	script      *Call
	eavesdrop   string
	outbound    *conn
	farHalf     *channel // loopback: the other half of the channel pair
	timers      []*time.Timer
	joining     *join // a uuid_bridge not made yet (Options.BridgeSetup)
	entering    *join // bridged, the other leg not in yet (Options.BridgeEnter)
}

// join is a uuid_bridge being made (Options.BridgeSetup).
type join struct {
	a, b   *channel // a: the originator, whose thread makes the join
	moved  bool     // b was parked or handed to another uuid_bridge meanwhile
	left   bool     // b was parked after CHANNEL_BRIDGE, before it entered
	finish func()   // the rest of a's hang-up, once the join is over
	ended  bool
}

type appRun struct {
	name, arg, eventUUID string
	// sync: sent with event-lock, so that no message queued behind it runs
	// until it is over.
	sync bool
	// timer ends the application at due, by calling onDue; while another
	// runs nested in it the timer is stopped with left to go.
	timer *time.Timer
	due   time.Time
	onDue func()
	left  time.Duration
	// The record application: its file, when it started, what the caller
	// said into it.
	file    string
	started time.Time
	said    string
}

// PlaceCall makes an inbound call arrive, through the outbound socket when
// c.Socket is set, else by parking it. It returns the channel uuid.
func (s *Server) PlaceCall(c Call) (string, error) {
	s.mu.Lock()
	s.nextID++
	ch := &channel{
		uuid: newUUID(), direction: "inbound", cidNum: c.From, cidName: c.CallerName, dest: c.To,
		created: time.Now(), vars: map[string]string{}, records: map[string]bool{}, script: &c,
	}
	ch.name = "sofia/internal/" + c.From + "@127.0.0.1"
	for k, v := range c.Vars {
		ch.vars[k] = v
	}
	ch.vars["direction"] = "inbound"
	s.chans[ch.uuid] = ch
	s.fire("CHANNEL_CREATE", ch, nil, "")
	s.fire("CHANNEL_STATE", ch, nil, "")
	if c.Socket != "" {
		ch.vars["socket_host"], _, _ = strings.Cut(c.Socket, ":")
		s.fire("CHANNEL_EXECUTE", ch, []wire.Header{{Name: "Application", Value: "socket"}, {Name: "Application-Data", Value: c.Socket + " async full"}}, "")
	}
	s.mu.Unlock()
	if c.Socket != "" {
		nc, err := net.DialTimeout("tcp", c.Socket, 2*time.Second)
		if err != nil {
			s.mu.Lock()
			s.hangup(ch, "DESTINATION_OUT_OF_ORDER")
			s.mu.Unlock()
			return ch.uuid, fmt.Errorf("esltest: socket %s: %w", c.Socket, err)
		}
		oc := newConn(s, nc, ch)
		s.mu.Lock()
		ch.outbound = oc
		s.conns[oc] = true
		s.mu.Unlock()
		go oc.read()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !ch.hungup {
		ch.parked = true
		s.fire("CHANNEL_PARK", ch, nil, "")
	}
	return ch.uuid, nil
}

// Hangup hangs a live channel up from its far end, as a caller or phone
// putting the receiver down does, with cause ("" = NORMAL_CLEARING): at a
// moment the test chooses, where HangupAfter counts from the answer.
func (s *Server) Hangup(uuid, cause string) error {
	if cause == "" {
		cause = "NORMAL_CLEARING"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.chans[uuid]
	if ch == nil || ch.hungup {
		return fmt.Errorf("esltest: no live channel %s", uuid)
	}
	s.farEndHangup(ch, cause)
	return nil
}

// channelEvent is an event carrying a channel's data, as
// switch_channel_event_set_data adds it. Called with mu held.
func (s *Server) channelEvent(name string, ch *channel) wire.Event {
	ev := s.baseEvent(name)
	state, callState, answer := "CS_EXECUTE", "RINGING", "ringing"
	switch {
	case ch.hungup:
		state, callState, answer = "CS_HANGUP", "HANGUP", "hangup"
	case ch.entering != nil && ch.entering.a == ch:
		state, callState, answer = "CS_SOFT_EXECUTE", "ACTIVE", "answered"
	case ch.entering != nil:
		state, callState, answer = "CS_CONSUME_MEDIA", "ACTIVE", "answered"
	case ch.partner != "":
		state, callState, answer = "CS_EXCHANGE_MEDIA", "ACTIVE", "answered"
	case ch.answered:
		callState, answer = "ACTIVE", "answered"
	}
	ev.Headers = append(ev.Headers,
		wire.Header{Name: "Channel-State", Value: state},
		wire.Header{Name: "Channel-Call-State", Value: callState},
		wire.Header{Name: "Channel-Name", Value: ch.name},
		wire.Header{Name: "Unique-ID", Value: ch.uuid},
		wire.Header{Name: "Call-Direction", Value: ch.direction},
		wire.Header{Name: "Answer-State", Value: answer},
		wire.Header{Name: "Caller-Direction", Value: ch.direction},
		wire.Header{Name: "Caller-Caller-ID-Name", Value: ch.cidName},
		wire.Header{Name: "Caller-Caller-ID-Number", Value: ch.cidNum},
		wire.Header{Name: "Caller-Destination-Number", Value: ch.dest},
		wire.Header{Name: "Caller-Unique-ID", Value: ch.uuid},
		wire.Header{Name: "Caller-Context", Value: "default"},
		wire.Header{Name: "Caller-Channel-Created-Time", Value: strconv.FormatInt(ch.created.UnixMicro(), 10)},
	)
	if ch.partner != "" {
		ev.Headers = append(ev.Headers, wire.Header{Name: "Other-Leg-Unique-ID", Value: ch.partner})
	}
	names := make([]string, 0, len(ch.vars))
	for k := range ch.vars {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		ev.Headers = append(ev.Headers, wire.Header{Name: "variable_" + k, Value: ch.vars[k]})
	}
	return ev
}

// after runs f with mu held after d, unless the server closed or the
// channel hung up meanwhile. Called with mu held.
func (s *Server) after(ch *channel, d time.Duration, f func()) *time.Timer {
	t := time.AfterFunc(d, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed || ch.hungup {
			return
		}
		f()
	})
	ch.timers = append(ch.timers, t)
	return t
}

func (s *Server) answer(ch *channel) {
	if ch.answered || ch.hungup {
		return
	}
	ch.answered = true
	s.fire("CHANNEL_ANSWER", ch, nil, "")
	s.fire("CHANNEL_CALLSTATE", ch, nil, "")
	if ch.farHalf != nil {
		s.answer(ch.farHalf)
	}
	var digits string
	var dtmfDelay, hangupAfter time.Duration
	switch {
	case ch.script != nil:
		digits, dtmfDelay, hangupAfter = ch.script.DTMF, ch.script.DTMFDelay, ch.script.HangupAfter
	case ch.phone != nil:
		digits, dtmfDelay, hangupAfter = ch.phone.DTMF, ch.phone.DTMFDelay, ch.phone.HangupAfter
	}
	if digits != "" {
		s.after(ch, dtmfDelay, func() { s.pressKeys(ch, digits) })
	}
	if hangupAfter > 0 {
		// A loopback pair's phone is its far half, which runs the
		// dialplan: that half hangs up, and mod_loopback the other.
		end := ch
		if ch.phone != nil && ch.farHalf != nil {
			end = ch.farHalf
		}
		s.after(ch, hangupAfter, func() { s.farEndHangup(end, "NORMAL_CLEARING") })
	}
}

// pressKeys fires the first digit's DTMF and schedules the rest 40 ms
// apart, one timer after the other so that a busy machine cannot swap
// them. Called with mu held.
func (s *Server) pressKeys(ch *channel, digits string) {
	s.fire("DTMF", ch, []wire.Header{{Name: "DTMF-Digit", Value: digits[:1]}, {Name: "DTMF-Duration", Value: "2000"}, {Name: "DTMF-Source", Value: "RTP"}}, "")
	if rest := digits[1:]; rest != "" {
		s.after(ch, 40*time.Millisecond, func() { s.pressKeys(ch, rest) })
	}
}

// farEndHangup ends a channel from its far end. A SIP channel then
// carries, already at CHANNEL_HANGUP, the status of the BYE it received
// (sip_term_status), as mod_sofia's do; one FreeSWITCH hangs up itself
// (uuid_kill, the hangup application) has none, and HANGUP_COMPLETE names
// who sent the BYE (sip_hangup_disposition). Called with mu held.
func (s *Server) farEndHangup(ch *channel, cause string) {
	if strings.HasPrefix(ch.name, "sofia/") && !ch.hungup {
		ch.vars["sip_term_status"] = "200"
		ch.vars["sip_term_cause"] = "16"
		ch.vars["proto_specific_hangup_cause"] = "sip:200"
	}
	s.hangup(ch, cause)
}

// hangup ends a channel with FreeSWITCH's event order. Called with mu held.
func (s *Server) hangup(ch *channel, cause string) {
	if ch.hungup {
		return
	}
	ch.hungup, ch.cause = true, cause
	for _, t := range ch.timers {
		t.Stop()
	}
	s.disturbEntry(ch)
	hc := []wire.Header{{Name: "Hangup-Cause", Value: cause}}
	s.fire("CHANNEL_HANGUP", ch, hc, "")
	if far := ch.farHalf; far != nil {
		if run := far.app; run != nil && run.name == "playback" && !far.hungup {
			// mod_loopback unlinks the pair first: the other half's
			// media reads fail, and its playback ends in error while the
			// channel is still up, just before its own hang-up.
			s.endApp(far, "PLAYBACK ERROR")
		}
		s.hangup(far, cause)
	}
	s.breakApps(ch, true)
	if ch.partner != "" {
		s.unbridge(ch)
	}
	if j := ch.joining; j != nil && j.a == ch {
		// The originator's thread is busy with the join, which it
		// ends at its next poll of the other leg: the channel is torn
		// down after that.
		j.finish = func() { s.hangupDone(ch, hc) }
		s.endJoinAfter(j, s.opts.BridgeSetup/4)
		return
	}
	s.hangupDone(ch, hc)
}

// hangupDone is the rest of a hang-up, from the channel's own thread.
// Called with mu held.
func (s *Server) hangupDone(ch *channel, hc []wire.Header) {
	cause := ch.cause
	for p := range ch.records {
		s.stopRecording(ch, p)
	}
	ch.vars["hangup_cause"] = cause
	if strings.HasPrefix(ch.name, "sofia/") && ch.answered {
		ch.vars["sip_hangup_disposition"] = "send_bye"
		if ch.vars["sip_term_status"] != "" {
			ch.vars["sip_hangup_disposition"] = "recv_bye"
		}
	}
	s.fire("CHANNEL_HANGUP_COMPLETE", ch, hc, "")
	s.fire("CHANNEL_DESTROY", ch, nil, "")
	if ch.job != "" {
		s.fire("BACKGROUND_JOB", nil, []wire.Header{{Name: "Job-UUID", Value: ch.job}, {Name: "Job-Command", Value: "originate"}}, "-ERR "+cause+"\n")
		ch.job = ""
	}
	for _, other := range s.chans {
		if other.eavesdrop == ch.uuid && !other.hungup {
			s.stopApp(other, "+OK")
		}
	}
	if oc := ch.outbound; oc != nil {
		if oc.linger {
			oc.send([]byte("Content-Type: text/disconnect-notice\nControlled-Session-UUID: " + ch.uuid +
				"\nContent-Disposition: linger\nChannel-Name: " + ch.name + "\nLinger-Time: -1\nContent-Length: 0\n\n"))
		} else {
			oc.disconnect("Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n")
		}
		oc.resume = true // the call is over; closing must not hang it up again
		oc.closeAfterFlush()
	}
}

// unbridge splits ch from its partner; a leg with park_after_bridge parks,
// one with hangup_after_bridge hangs up. Called with mu held.
func (s *Server) unbridge(ch *channel) {
	other := s.chans[ch.partner]
	a, b := ch.bridgeA, ch.bridgeB
	ch.partner, ch.bridgeA, ch.bridgeB = "", "", ""
	aCh := s.chans[a]
	if aCh == nil {
		aCh = ch
	}
	s.fire("CHANNEL_UNBRIDGE", aCh, []wire.Header{{Name: "Bridge-A-Unique-ID", Value: a}, {Name: "Bridge-B-Unique-ID", Value: b}}, "")
	if other == nil {
		return
	}
	other.partner, other.bridgeA, other.bridgeB = "", "", ""
	if other.hungup {
		return
	}
	switch {
	case other.vars["park_after_bridge"] == "true":
		other.parked = true
		s.fire("CHANNEL_PARK", other, nil, "")
	case other.vars["hangup_after_bridge"] == "true":
		s.hangup(other, "NORMAL_CLEARING")
	default:
		other.parked = true
		s.fire("CHANNEL_PARK", other, nil, "")
	}
}

// Applications nest as on FreeSWITCH: a playback or record reads the
// messages queued for its channel between media frames, so an execute that
// comes while one runs starts at once, inside it. The outer one stands
// still (its timer stopped) until the inner one is over, and then goes on:
// CHANNEL_EXECUTE outer, CHANNEL_EXECUTE inner, CHANNEL_EXECUTE_COMPLETE
// inner, CHANNEL_EXECUTE_COMPLETE outer. Only an execute sent with
// event-lock holds back the messages behind it until it is over.
// uuid_break, with or without "all", ends every level, innermost first.

// armApp ends run after d by calling f (which checks run still runs).
// Called with mu held.
func (s *Server) armApp(ch *channel, run *appRun, d time.Duration, f func()) {
	run.due, run.onDue = time.Now().Add(d), f
	run.timer = s.after(ch, d, f)
}

// stopApp ends the innermost running application; the one it ran nested
// in goes on, or else the next queued one starts.
func (s *Server) stopApp(ch *channel, response string) {
	s.endApp(ch, response)
	if run := ch.app; run != nil && run.onDue != nil && run.timer == nil {
		s.armApp(ch, run, run.left, run.onDue)
	}
	s.nextApp(ch)
}

// endApp ends the innermost running application and makes the one it ran
// nested in, if any, the running one again, still paused.
func (s *Server) endApp(ch *channel, response string) {
	run := ch.app
	if run == nil {
		return
	}
	ch.app = nil
	if n := len(ch.outer); n > 0 {
		ch.app, ch.outer = ch.outer[n-1], ch.outer[:n-1]
	}
	if run.timer != nil {
		run.timer.Stop()
	}
	if run.name == "record" {
		response = s.closeRecord(ch, run)
	}
	s.fire("CHANNEL_EXECUTE_COMPLETE", ch, []wire.Header{
		{Name: "Application", Value: run.name}, {Name: "Application-Data", Value: run.arg},
		{Name: "Application-Response", Value: response}, {Name: "Application-UUID", Value: run.eventUUID}}, "")
}

// breakApps ends every running application, innermost first, as
// uuid_break does; all also throws away the queued ones.
func (s *Server) breakApps(ch *channel, all bool) {
	if all {
		ch.apps = nil
	}
	for ch.app != nil {
		s.endApp(ch, "FILE PLAYED")
	}
	s.nextApp(ch)
}

// nextApp starts the queued applications that may run now: the first one
// when none runs, and each next one nested in the one before, until one
// holds an event-lock.
func (s *Server) nextApp(ch *channel) {
	for len(ch.apps) > 0 && !ch.hungup && (ch.app == nil || !ch.app.sync) {
		run := ch.apps[0]
		ch.apps = ch.apps[1:]
		if out := ch.app; out != nil {
			if out.timer != nil {
				out.timer.Stop()
				out.timer, out.left = nil, max(time.Until(out.due), 0)
			}
			ch.outer = append(ch.outer, out)
		}
		ch.app = run
		s.startApp(ch, run)
	}
}

// startApp runs run, which just became ch's running application.
func (s *Server) startApp(ch *channel, run *appRun) {
	s.fire("CHANNEL_EXECUTE", ch, []wire.Header{{Name: "Application", Value: run.name}, {Name: "Application-Data", Value: run.arg}, {Name: "Application-UUID", Value: run.eventUUID}}, "")
	switch run.name {
	case "playback":
		ch.played = append(ch.played, run.arg)
		if stream, ok := strings.CutPrefix(run.arg, "local_stream://"); ok && !localStreams[stream] {
			s.stopApp(ch, "PLAYBACK ERROR") // FreeSWITCH plays nothing, at once
			return
		}
		if strings.HasPrefix(run.arg, "local_stream://") || strings.Contains(run.arg, "loops=-1") {
			return // plays until broken
		}
		files := s.playable(s.expandSay(run.arg))
		if len(files) == 0 {
			s.stopApp(ch, "FILE NOT FOUND")
			return
		}
		ch.heard = append(ch.heard, files...)
		s.armApp(ch, run, time.Duration(len(files))*s.opts.PlaybackTime, func() {
			if ch.app == run {
				s.stopApp(ch, "FILE PLAYED")
			}
		})
	case "record":
		s.startRecord(ch, run)
	case "answer":
		s.answer(ch)
		s.stopApp(ch, "+OK")
	case "park":
		ch.parked = true
		ch.app = nil
		if n := len(ch.outer); n > 0 {
			ch.app, ch.outer = ch.outer[n-1], ch.outer[:n-1]
		}
		s.fire("CHANNEL_PARK", ch, nil, "")
	case "hangup":
		s.hangup(ch, firstNonEmpty(run.arg, "NORMAL_CLEARING"))
	default:
		s.stopApp(ch, "+OK")
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// sendmsg handles "sendmsg [uuid]". Called with mu held.
func (s *Server) sendmsg(c *conn, uuid string, cmd wire.Command) string {
	ch := s.chans[uuid]
	if uuid == "" {
		ch = c.session
	}
	if ch == nil || ch.hungup {
		return "-ERR invalid session id [" + uuid + "]"
	}
	switch strings.ToLower(cmd.Get("call-command")) {
	case "execute":
		arg := cmd.Get("execute-app-arg")
		if arg == "" && len(cmd.Body) > 0 {
			arg = string(cmd.Body)
		}
		run := &appRun{name: cmd.Get("execute-app-name"), arg: arg, eventUUID: cmd.Get("Event-UUID"),
			sync: strings.EqualFold(cmd.Get("event-lock"), "true")}
		if ch.handingOver && run.name == "playback" {
			// The originate's thread runs it on its way out, unplayed.
			s.fire("CHANNEL_EXECUTE", ch, []wire.Header{{Name: "Application", Value: run.name}, {Name: "Application-Data", Value: run.arg}, {Name: "Application-UUID", Value: run.eventUUID}}, "")
			ch.cut = append(ch.cut, run)
			break
		}
		ch.apps = append(ch.apps, run)
		s.nextApp(ch)
	case "hangup":
		s.hangup(ch, firstNonEmpty(cmd.Get("hangup-cause"), "NORMAL_CLEARING"))
	default:
		return "-ERR unknown call-command"
	}
	return "+OK"
}

// originate runs "bgapi originate {vars}endpoint &app(arg)". Called with mu held.
func (s *Server) originate(job, arg string) {
	vars, cid, endpoint, app, err := parseOriginate(arg)
	fail := func(cause string) {
		s.fire("BACKGROUND_JOB", nil, []wire.Header{{Name: "Job-UUID", Value: job}, {Name: "Job-Command", Value: "originate"}, {Name: "Job-Command-Arg", Value: arg}}, "-ERR "+cause+"\n")
	}
	if err != nil {
		fail("INVALID_ARGS")
		return
	}
	phone, ok := s.phones[endpoint]
	if !ok || phone.Mode == Unreachable {
		fail("USER_NOT_REGISTERED")
		return
	}
	id := vars["origination_uuid"]
	if len(id) > 255 {
		id = id[:255] // FreeSWITCH keeps 255 characters of a uuid
	}
	if id == "" {
		id = newUUID()
	}
	if s.chans[id] != nil && !s.chans[id].hungup {
		fail("DESTINATION_OUT_OF_ORDER")
		return
	}
	ch := &channel{
		uuid: id, name: endpoint, direction: "outbound", dest: strings.TrimPrefix(endpoint, "user/"),
		cidNum: firstNonEmpty(cid.num, "0000000000"), cidName: cid.name, created: time.Now(),
		vars: vars, records: map[string]bool{}, job: job, phone: &phone,
	}
	s.chans[id] = ch
	s.fire("CHANNEL_CREATE", ch, nil, "")
	s.fire("CHANNEL_OUTGOING", ch, nil, "")
	if strings.HasPrefix(endpoint, "loopback/") {
		// mod_loopback makes a pair; the far half, which runs the
		// dialplan, inherits every variable of the originate.
		far := &channel{
			uuid: newUUID(), name: endpoint + "-b", direction: "inbound", dest: ch.dest, cidNum: ch.cidNum, cidName: ch.cidName,
			created: time.Now(), vars: map[string]string{}, records: map[string]bool{}, farHalf: ch,
		}
		for k, v := range vars {
			far.vars[k] = v
		}
		ch.farHalf = far
		s.chans[far.uuid] = far
		s.fire("CHANNEL_CREATE", far, nil, "")
	}
	timeout := 60 * time.Second
	if n, err := strconv.Atoi(vars["originate_timeout"]); err == nil && n > 0 {
		// As FreeSWITCH: whole seconds of the clock, so the ring ends when
		// the second count since its start reaches n, up to a second early.
		timeout = time.Duration(n)*time.Second - time.Duration(time.Now().Nanosecond())
	}
	s.after(ch, s.opts.RingTime, func() { s.fire("CHANNEL_PROGRESS", ch, nil, "") })
	switch phone.Mode {
	case Busy:
		s.after(ch, 2*s.opts.RingTime, func() { s.hangup(ch, "USER_BUSY") })
	case NoAnswer:
		s.after(ch, timeout, func() { s.hangup(ch, "NO_ANSWER") })
	default:
		s.after(ch, s.opts.RingTime+phone.AnswerDelay, func() {
			s.answer(ch)
			over := func() {
				s.fire("BACKGROUND_JOB", nil, []wire.Header{{Name: "Job-UUID", Value: job}, {Name: "Job-Command", Value: "originate"}, {Name: "Job-Command-Arg", Value: arg}}, "+OK "+id+"\n")
				ch.job = ""
				ch.handingOver = false
				for _, run := range ch.cut {
					s.fire("CHANNEL_EXECUTE_COMPLETE", ch, []wire.Header{
						{Name: "Application", Value: run.name}, {Name: "Application-Data", Value: run.arg},
						{Name: "Application-Response", Value: "PLAYBACK ERROR"}, {Name: "Application-UUID", Value: run.eventUUID}}, "")
				}
				ch.cut = nil
				s.runOriginateApp(ch, app)
			}
			if s.opts.OriginateHandover > 0 {
				ch.handingOver = true
				s.after(ch, s.opts.OriginateHandover, over)
				return
			}
			over()
		})
		if phone.AnswerDelay+s.opts.RingTime >= timeout {
			s.after(ch, timeout, func() {
				if !ch.answered {
					s.hangup(ch, "NO_ANSWER")
				}
			})
		}
	}
}

func (s *Server) runOriginateApp(ch *channel, app string) {
	app = strings.TrimPrefix(strings.TrimSpace(app), "&")
	name, arg, _ := strings.Cut(app, "(")
	arg = strings.TrimSuffix(arg, ")")
	if name == "eavesdrop" {
		ch.eavesdrop = arg
		if t := s.chans[arg]; t == nil || t.hungup {
			s.hangup(ch, "NORMAL_CLEARING")
			return
		}
	}
	ch.apps = append(ch.apps, &appRun{name: name, arg: arg})
	if name == "eavesdrop" {
		ch.app = ch.apps[0]
		ch.apps = nil
		s.fire("CHANNEL_EXECUTE", ch, []wire.Header{{Name: "Application", Value: name}, {Name: "Application-Data", Value: arg}}, "")
		return
	}
	s.nextApp(ch)
}

// callerID is the number and name an originate gives its channel.
type callerID struct{ num, name string }

// parseOriginate reads originate's arguments as FreeSWITCH does (see
// separate): "{a=b,c=d}endpoint app", the arguments split on blanks, the
// {...} block (from its brace to the one that balances it, quotes and
// backslashes not considered) on commas, each variable on its first '='.
func parseOriginate(arg string) (vars map[string]string, cid callerID, endpoint, app string, err error) {
	argv := separate(arg, ' ', 0)
	if len(argv) == 0 {
		return nil, cid, "", "", fmt.Errorf("no endpoint")
	}
	dial := argv[0]
	if len(argv) > 1 {
		app = argv[1]
	}
	vars = map[string]string{}
	if !strings.HasPrefix(dial, "{") {
		return vars, cid, dial, app, nil
	}
	depth, end := 0, -1
	for i := 0; i < len(dial) && end < 0; i++ {
		switch dial[i] {
		case '{':
			depth++
		case '}':
			if depth--; depth == 0 {
				end = i
			}
		}
	}
	if end < 0 {
		return nil, cid, "", "", fmt.Errorf("unterminated {")
	}
	for _, kv := range separate(dial[1:end], ',', 0) {
		if nv := separate(kv, '=', 2); len(nv) == 2 {
			vars[nv[0]] = nv[1]
		}
	}
	// The caller id comes from the variables as given, but FreeSWITCH
	// sets no channel variable whose value holds "${" (var_check).
	cid = callerID{num: vars["origination_caller_id_number"], name: vars["origination_caller_id_name"]}
	for k, v := range vars {
		if strings.Contains(v, "${") {
			delete(vars, k)
		}
	}
	return vars, cid, dial[end+1:], app, nil
}

// api runs one API command and returns its output. Called with mu held.
func (s *Server) api(line string) string {
	s.fire("API", nil, []wire.Header{{Name: "API-Command", Value: line}}, "")
	name, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
	args := strings.Fields(rest)
	if strings.HasPrefix(name, "uuid_") {
		if len(args) == 0 {
			return "-USAGE: " + name + " <uuid>\n"
		}
		ch := s.chans[args[0]]
		if name == "uuid_exists" {
			return strconv.FormatBool(ch != nil && !ch.hungup)
		}
		if ch == nil || ch.hungup {
			return noChannelReply(name)
		}
		return s.uuidAPI(name, ch, args[1:], rest)
	}
	switch strings.ToLower(name) {
	case "status":
		live := 0
		for _, ch := range s.chans {
			if !ch.hungup {
				live++
			}
		}
		return upLine(time.Since(s.born)) + fmt.Sprintf(
			"FreeSWITCH (Version esltest) is ready\n%d session(s) since startup\n%d session(s) - peak %d, last 5min %d \n"+
				"0 session(s) per Sec out of max 1000, peak 0, last 5min 0 \n1000 session(s) max\n", s.nextID, live, live, live)
	case "show":
		if strings.HasPrefix(rest, "channels") && strings.Contains(rest, "json") {
			return s.showChannels()
		}
	case "local_stream":
		if name, ok := strings.CutPrefix(rest, "show "); ok {
			if !localStreams[strings.TrimSpace(name)] {
				return "-ERR Cannot locate local_stream " + strings.TrimSpace(name) + "!\n"
			}
			return strings.TrimSpace(name) + "\n  ready:    true\n"
		}
	case "originate":
		return "-ERR use bgapi\n"
	case "global_getvar":
		switch rest {
		case "recordings_dir":
			return s.recordingDir()
		case "sound_prefix":
			return SoundPrefix
		}
		return ""
	case "module_exists":
		return strconv.FormatBool(rest == "mod_say_en" && s.opts.SayModule || rest == "mod_dptools" || rest == "mod_commands")
	case "file_exists":
		return strconv.FormatBool(strings.HasPrefix(rest, "/") && s.fileExists(rest))
	case "say_string":
		if out := s.expandSay("${say_string(" + rest + ")}"); !strings.HasPrefix(out, "-ERR") {
			return out
		}
		return "-ERR Usage: <module_name>[.<ext>] <lang>[.<ext>] <say_type> <say_method> [<say_gender>] <text>\n"
	}
	return "-ERR " + name + " Command not found!\n"
}

// localStreams are the music-on-hold streams of FreeSWITCH's vanilla
// local_stream.conf that the fake has.
var localStreams = map[string]bool{"default": true, "moh": true}

// noChannelReply is what FreeSWITCH 1.11 answers when a uuid_ command
// names no live channel; each command words it its own way.
func noChannelReply(cmd string) string {
	switch cmd {
	case "uuid_answer":
		return "-ERROR\n"
	case "uuid_send_dtmf", "uuid_record":
		return "-ERR Cannot locate session!\n"
	case "uuid_bridge":
		return "-ERR Invalid uuid\n"
	}
	return "-ERR No such channel!\n"
}

func (s *Server) uuidAPI(name string, ch *channel, args []string, raw string) string {
	switch name {
	case "uuid_answer":
		s.answer(ch)
		return "+OK"
	case "uuid_kill":
		cause := "NORMAL_CLEARING"
		if len(args) > 0 {
			cause = args[0]
		}
		s.hangup(ch, cause)
		return "+OK"
	case "uuid_break":
		s.breakApps(ch, len(args) > 0 && args[0] == "all")
		return "+OK"
	case "uuid_getvar":
		if len(args) < 1 {
			return "-USAGE: uuid_getvar <uuid> <var>\n"
		}
		if v, ok := ch.vars[args[0]]; ok {
			return v
		}
		return "_undef_"
	case "uuid_setvar":
		if len(args) < 1 {
			return "-USAGE: uuid_setvar <uuid> <var> [value]\n"
		}
		// The value is the rest of the line, spaces included.
		_, after, _ := strings.Cut(raw, " "+args[0])
		value := strings.TrimPrefix(after, " ")
		if value == "" {
			delete(ch.vars, args[0])
		} else {
			ch.vars[args[0]] = value
		}
		return "+OK"
	case "uuid_setvar_multi":
		if len(args) < 1 {
			return "-USAGE: uuid_setvar_multi <uuid> <var>=<value>;...\n"
		}
		for _, kv := range strings.Split(args[0], ";") {
			k, v, _ := strings.Cut(kv, "=")
			if v == "" {
				delete(ch.vars, k)
			} else {
				ch.vars[k] = v
			}
		}
		return "+OK"
	case "uuid_send_dtmf":
		if len(args) < 1 {
			return "-USAGE: uuid_send_dtmf <uuid> <dtmf>\n"
		}
		ch.sentDTMF += args[0]
		return "+OK Success"
	case "uuid_bridge":
		if len(args) < 1 {
			return "-USAGE: uuid_bridge <uuid> <other_uuid>\n"
		}
		other := s.chans[args[0]]
		if other == nil || other.hungup || other == ch {
			return "-ERR Invalid uuid " + args[0] + "\n"
		}
		if ch.handingOver || other.handingOver {
			// As FreeSWITCH: the originate's thread, on its way out, parks
			// its leg again, out of the bridge, which never forms.
			return "+OK " + other.uuid + "\n"
		}
		s.startJoin(ch, other)
		return "+OK " + other.uuid + "\n"
	case "uuid_park":
		if j := ch.joining; j != nil {
			if j.b == ch {
				j.moved = true
				ch.joining = nil
			} else {
				return "+OK" // the originator's thread is in the join; the park waits for it
			}
		}
		if j := ch.entering; j != nil && j.b == ch {
			// Its thread parks instead of entering the bridge; the
			// originator waits on for it.
			j.left = true
			ch.entering = nil
			s.stopApp(ch, "FILE PLAYED")
			ch.parked = true
			s.fire("CHANNEL_PARK", ch, nil, "")
			return "+OK"
		}
		s.disturbEntry(ch)
		if ch.partner != "" {
			s.unbridge(ch)
		}
		s.stopApp(ch, "FILE PLAYED")
		ch.parked = true
		s.fire("CHANNEL_PARK", ch, nil, "")
		return "+OK"
	case "uuid_record":
		if len(args) < 2 {
			return "-USAGE: uuid_record <uuid> [start|stop|mask|unmask] <path>\n"
		}
		switch args[0] {
		case "start":
			ch.records[args[1]] = true
			s.writeRecording(ch, args[1], true)
			s.fire("RECORD_START", ch, []wire.Header{{Name: "Record-File-Path", Value: args[1]}}, "")
		case "stop":
			if !ch.records[args[1]] && args[1] != "all" {
				return "-ERR Cannot stop record session!\n"
			}
			for p := range ch.records {
				if p == args[1] || args[1] == "all" {
					s.stopRecording(ch, p)
				}
			}
		case "mask", "unmask":
			if !ch.records[args[1]] {
				return "-ERR Cannot " + args[0] + " recording session!\n"
			}
			if ch.masked == nil {
				ch.masked = map[string]bool{}
			}
			ch.masked[args[1]] = args[0] == "mask"
		default:
			return "-USAGE: uuid_record <uuid> [start|stop|mask|unmask] <path>\n"
		}
		return "+OK Success\n"
	case "uuid_dump":
		ev := s.channelEvent("CHANNEL_DATA", ch)
		if len(args) > 0 && args[0] == "json" {
			return string(wire.AppendJSON(nil, ev))
		}
		var b strings.Builder
		for _, h := range ev.Headers {
			b.WriteString(h.Name + ": " + wire.Encode(h.Value) + "\n")
		}
		return b.String()
	}
	return "-ERR " + name + " Command not found!\n"
}

// startJoin begins a uuid_bridge of a (the originator) with b, made
// Options.BridgeSetup later (at once if zero). Called with mu held.
func (s *Server) startJoin(a, b *channel) {
	for _, leg := range []*channel{a, b} {
		if old := leg.joining; old != nil && old.b == leg {
			old.moved = true
		}
		s.disturbEntry(leg)
		if leg.partner != "" {
			s.unbridge(leg)
		}
		s.breakApps(leg, true)
		leg.parked = false
		s.answer(leg)
	}
	j := &join{a: a, b: b}
	a.joining, b.joining = j, j
	if s.opts.BridgeSetup <= 0 {
		s.endJoin(j)
		return
	}
	s.endJoinAfter(j, s.opts.BridgeSetup)
}

func (s *Server) endJoinAfter(j *join, d time.Duration) {
	time.AfterFunc(d, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.closed {
			s.endJoin(j)
		}
	})
}

// endJoin is the originator's thread done waiting for the other leg, with
// FreeSWITCH's outcome (see Options.BridgeSetup). Called with mu held.
func (s *Server) endJoin(j *join) {
	if j.ended {
		return
	}
	j.ended = true
	a, b := j.a, j.b
	for _, leg := range []*channel{a, b} {
		if leg.joining == j {
			leg.joining = nil
		}
	}
	switch {
	case a.hungup:
		if !b.hungup && b.joining != nil {
			s.hangup(b, "DESTINATION_OUT_OF_ORDER") // not steady: being joined elsewhere
		}
		if f := j.finish; f != nil {
			j.finish = nil
			f()
		}
	case b.hungup:
		if a.vars["uuid_bridge_park_on_cancel"] == "true" {
			a.parked = true
			s.fire("CHANNEL_PARK", a, nil, "")
		} else {
			s.hangup(a, "ORIGINATOR_CANCEL")
		}
	case j.moved:
		s.hangup(a, "DESTINATION_OUT_OF_ORDER")
		s.hangup(b, "DESTINATION_OUT_OF_ORDER")
	default:
		a.partner, b.partner = b.uuid, a.uuid
		a.bridgeA, a.bridgeB = a.uuid, b.uuid
		b.bridgeA, b.bridgeB = a.uuid, b.uuid
		s.fire("CHANNEL_BRIDGE", a, []wire.Header{{Name: "Bridge-A-Unique-ID", Value: a.uuid}, {Name: "Bridge-B-Unique-ID", Value: b.uuid}}, "")
		s.startEntry(j)
	}
}

// enterGiveUp is how long an originator waits for the other leg to enter
// the bridge (FreeSWITCH: 10000 waits of about 1 ms).
const enterGiveUp = 10 * time.Second

// startEntry has the other leg of a join just reported bridged enter the
// bridge Options.BridgeEnter later. Called with mu held.
func (s *Server) startEntry(j *join) {
	if s.opts.BridgeEnter <= 0 {
		s.entered(j)
		return
	}
	j.a.entering, j.b.entering = j, j
	time.AfterFunc(s.opts.BridgeEnter, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		switch {
		case s.closed || j.a.entering != j:
		case j.left:
			time.AfterFunc(enterGiveUp-s.opts.BridgeEnter, func() {
				s.mu.Lock()
				defer s.mu.Unlock()
				if !s.closed {
					s.failEntry(j)
				}
			})
		default:
			s.entered(j)
		}
	})
}

// entered: the other leg's thread is in the bridge. Called with mu held.
func (s *Server) entered(j *join) {
	for _, leg := range []*channel{j.a, j.b} {
		if leg.entering == j {
			leg.entering = nil
		}
	}
	s.fire("CHANNEL_STATE", j.b, nil, "")
}

// disturbEntry: ch is parked, killed or handed to another uuid_bridge. If
// it is the originator of a bridge its other leg has not entered yet, the
// originator stops waiting and hangs that leg up. Called with mu held.
func (s *Server) disturbEntry(ch *channel) {
	j := ch.entering
	switch {
	case j == nil:
	case j.a == ch:
		s.failEntry(j)
	default:
		j.b.entering, j.a.entering = nil, nil // its thread is gone; the originator goes on
	}
}

// failEntry: the originator gave up waiting for the other leg, which it
// hangs up (as not in the bridge, not being transferred). Called with mu
// held.
func (s *Server) failEntry(j *join) {
	if j.a.entering != j {
		return
	}
	j.a.entering, j.b.entering = nil, nil
	if !j.b.hungup {
		s.hangup(j.b, "DESTINATION_OUT_OF_ORDER")
	}
}

func (s *Server) showChannels() string {
	var rows []map[string]string
	for _, ch := range s.chans {
		if ch.hungup || !s.listed(ch.uuid) {
			continue
		}
		callstate := "RINGING"
		if ch.answered {
			callstate = "ACTIVE"
		}
		app := ""
		if ch.app != nil {
			app = ch.app.name
		} else if ch.parked {
			app = "park"
		}
		rows = append(rows, map[string]string{
			"uuid": ch.uuid, "direction": ch.direction, "created": ch.created.Format("2006-01-02 15:04:05"),
			"created_epoch": strconv.FormatInt(ch.created.Unix(), 10), "name": ch.name, "state": "CS_EXECUTE",
			"cid_name": ch.cidName, "cid_num": ch.cidNum, "dest": ch.dest, "application": app,
			"callstate": callstate, "hostname": "esltest",
		})
	}
	if len(rows) == 0 {
		return "{\"row_count\":0}\n"
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i]["uuid"] < rows[j]["uuid"] })
	b, _ := json.MarshalIndent(map[string]any{"row_count": len(rows), "rows": rows}, "", "\t")
	return string(b) + "\n"
}

func (s *Server) recordingDir() string {
	if s.opts.RecordingDir != "" {
		return s.opts.RecordingDir
	}
	return "/var/lib/esltest/recordings"
}

// startRecord runs "record PATH [MAX [THRESHOLD [SILENCE]]]" as
// FreeSWITCH does for a caller who says its script's words (once per
// call) SayDelay after the start, at 400 ms a word, then falls silent:
// it ends SILENCE seconds after the words (or after the start, if none
// come first) or at MAX. Called with mu held.
func (s *Server) startRecord(ch *channel, run *appRun) {
	f := strings.Fields(run.arg)
	if len(f) == 0 {
		s.stopApp(ch, "-ERR no file")
		return
	}
	secs := func(i, def int) time.Duration {
		if i < len(f) {
			if n, err := strconv.Atoi(f[i]); err == nil && n > 0 {
				return time.Duration(n) * time.Second
			}
		}
		return time.Duration(def) * time.Second
	}
	run.file, run.started = f[0], time.Now()
	maxLen, silence := secs(1, 3600), secs(3, 3600)
	end := silence
	if sc := ch.script; sc != nil && sc.Say != "" && !ch.said {
		ch.said = true
		gap := sc.SayDelay
		if gap <= 0 {
			gap = 500 * time.Millisecond
		}
		if gap < silence {
			s.after(ch, gap, func() {
				if ch.app == run {
					run.said = sc.Say
				}
			})
			end = gap + time.Duration(len(strings.Fields(sc.Say)))*400*time.Millisecond + silence
		}
	}
	s.fire("RECORD_START", ch, []wire.Header{{Name: "Record-File-Path", Value: run.file}}, "")
	s.armApp(ch, run, min(end, maxLen), func() {
		if ch.app == run {
			s.stopApp(ch, "")
		}
	})
}

// writeRecording writes a uuid_record file under RecordingDir as
// FreeSWITCH does: opened (a WAV header, no audio yet) when the recording
// starts, written out in full when it stops. Called with mu held.
func (s *Server) writeRecording(ch *channel, file string, start bool) {
	if s.opts.RecordingDir == "" || !strings.HasPrefix(file, s.opts.RecordingDir+"/") {
		return
	}
	if ch.recStarted == nil {
		ch.recStarted = map[string]time.Time{}
	}
	if start {
		ch.recStarted[file] = time.Now()
		_ = os.MkdirAll(filepath.Dir(file), 0o755)
	}
	_ = os.WriteFile(file, sim.UtteranceAudio("", time.Since(ch.recStarted[file])), 0o644)
}

// stopRecording ends the uuid_record file of ch as FreeSWITCH does: the
// file written out, or, shorter than the channel's RECORD_MIN_SEC, removed
// and RECORD_DISCARDED set, and RECORD_STOP naming the file either way.
// Called with mu held.
func (s *Server) stopRecording(ch *channel, file string) {
	cause := "success-maxtime" // what FreeSWITCH says of a recording stopped by uuid_record
	took := time.Since(ch.recStarted[file])
	s.writeRecording(ch, file, false)
	if minSec, err := strconv.Atoi(ch.vars["RECORD_MIN_SEC"]); err == nil && took < time.Duration(minSec)*time.Second {
		_ = os.Remove(file)
		ch.vars["RECORD_DISCARDED"] = "true"
		cause = "input-too-short"
	}
	delete(ch.records, file)
	s.fire("RECORD_STOP", ch, []wire.Header{{Name: "Record-File-Path", Value: file}, {Name: "Record-Completion-Cause", Value: cause}}, "")
}

// closeRecord writes a record application's file and reports it closed,
// or, if it cannot be written, fails the application as FreeSWITCH does
// when it cannot open the file. Called with mu held.
func (s *Server) closeRecord(ch *channel, run *appRun) string {
	if run.file == "" {
		return "-ERR no file"
	}
	if strings.HasPrefix(run.file, s.opts.RecordingDir+"/") && s.opts.RecordingDir != "" {
		_ = os.MkdirAll(filepath.Dir(run.file), 0o755)
	}
	audio := sim.UtteranceAudio(run.said, time.Since(run.started))
	if err := os.WriteFile(run.file, audio, 0o644); err != nil {
		return "-ERR Error opening " + run.file
	}
	s.fire("RECORD_STOP", ch, []wire.Header{{Name: "Record-File-Path", Value: run.file}}, "")
	return "+OK"
}

// upLine is the first line of "status", as FreeSWITCH words it: every unit
// from years to microseconds, singular for 1.
func upLine(d time.Duration) string {
	var b strings.Builder
	b.WriteString("UP ")
	for i, u := range []struct {
		name string
		d    time.Duration
	}{{"year", 365 * 24 * time.Hour}, {"day", 24 * time.Hour}, {"hour", time.Hour}, {"minute", time.Minute},
		{"second", time.Second}, {"millisecond", time.Millisecond}, {"microsecond", time.Microsecond}} {
		n := d / u.d
		d -= n * u.d
		if i > 0 {
			b.WriteString(", ")
		}
		s := "s"
		if n == 1 {
			s = ""
		}
		fmt.Fprintf(&b, "%d %s%s", n, u.name, s)
	}
	b.WriteString("\n")
	return b.String()
}
