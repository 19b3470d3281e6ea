package esl

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/percipia/eslgo/command"
	"github.com/percipia/eslgo/command/call"
	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/pbx"
)

var (
	_ pbx.Switch           = (*Switch)(nil)
	_ pbx.RecordingChecker = (*Switch)(nil)
)

// Switch is a pbx.Switch backed by FreeSWITCH's event socket.
type Switch struct {
	opts Options
	log  zerolog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	started   atomic.Bool
	closeOnce sync.Once
	evOnce    sync.Once
	events    chan pbx.Event
	input     chan pumpMsg

	linkMu sync.Mutex // guards cur and state
	cur    *link
	state  pbx.LinkState // for LinkState

	reg *registry
	out *outboundServer

	inversions atomic.Uint64 // events received after a higher Event-Sequence

	recDir atomic.Value // string: RecordingDir, or FreeSWITCH's recordings_dir

	prompts   prompts
	sayEngine atomic.Bool // FreeSWITCH has mod_say_en (checked at each connect)
	soundsMu  sync.Mutex  // guards soundsWarned
	// soundsWarned is the missing prompt files last logged, so that a
	// reconnect to the same switch does not log them again.
	soundsWarned string

	readyOnce sync.Once
	ready     chan struct{} // closed at the first Synced
}

// New checks the options and returns a Switch that is not connected yet;
// call Start.
func New(opts Options) (*Switch, error) {
	if opts.Address == "" {
		return nil, ErrNoAddress
	}
	opts = opts.withDefaults()
	pr, err := newPrompts(opts.SoundNames, opts.Sounds)
	if err != nil {
		return nil, fmt.Errorf("esl: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Switch{
		opts:    opts,
		log:     opts.Log.With().Str("component", "esl").Logger(),
		ctx:     ctx,
		cancel:  cancel,
		events:  make(chan pbx.Event, 1024),
		input:   make(chan pumpMsg, 4096),
		reg:     newRegistry(),
		ready:   make(chan struct{}),
		prompts: pr,
	}
	return s, nil
}

// Start opens the outbound listener (if configured) and starts connecting to
// FreeSWITCH in the background; connection trouble is logged and retried,
// and reported on Events as Disconnected/Synced. It fails only if the
// outbound address cannot be bound. When ctx ends the switch closes.
func (s *Switch) Start(ctx context.Context) error {
	if !s.started.CompareAndSwap(false, true) {
		return ErrStarted
	}
	if s.opts.OutboundListen != "" {
		ln, err := net.Listen("tcp", s.opts.OutboundListen)
		if err != nil {
			return fmt.Errorf("esl: outbound listen %s: %w", s.opts.OutboundListen, err)
		}
		s.out = newOutboundServer(s, ln)
		s.wg.Add(1)
		go s.out.serve()
	}
	s.wg.Add(2)
	go s.pump()
	go s.connectLoop()
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.ctx.Done():
		}
	}()
	return nil
}

// OutboundAddr is the address the outbound listener is bound to, or nil.
func (s *Switch) OutboundAddr() net.Addr {
	if s.out == nil {
		return nil
	}
	return s.out.ln.Addr()
}

// fallbackRecordingDir is FreeSWITCH's packaged recordings_dir, used until
// the switch has told its own.
const fallbackRecordingDir = "/var/lib/freeswitch/recordings"

func (s *Switch) recordingDir() string {
	if s.opts.RecordingDir != "" {
		return s.opts.RecordingDir
	}
	if d, _ := s.recDir.Load().(string); d != "" {
		return d
	}
	return fallbackRecordingDir
}

// Ready is closed once the first link to FreeSWITCH is up and reconciled
// (Synced was queued). Commands before that fail with pbx.ErrDisconnected.
func (s *Switch) Ready() <-chan struct{} { return s.ready }

// Stats counts how events arrived.
type Stats struct {
	// Inversions counts events received after one with a higher
	// Event-Sequence. They are delivered in the order received.
	Inversions uint64
}

// Stats returns the counters since New.
func (s *Switch) Stats() Stats {
	return Stats{Inversions: s.inversions.Load()}
}

// Events implements pbx.Switch.
func (s *Switch) Events() <-chan pbx.Event { return s.events }

// Close implements pbx.Switch.
func (s *Switch) Close() error {
	s.closeOnce.Do(func() {
		s.cancel()
		if s.out != nil {
			s.out.close()
		}
		if l := s.link(); l != nil {
			l.drop(pbx.ErrClosed)
		}
		s.wg.Wait()
		s.closeEvents()
	})
	return nil
}

func (s *Switch) closeEvents() { s.evOnce.Do(func() { close(s.events) }) }

// api runs "api <line>" and returns the reply text without its line end.
func (s *Switch) api(ctx context.Context, line string) (string, error) {
	return s.send(ctx, apiCommand(line))
}

// send runs a command and returns the reply text without its line end.
func (s *Switch) send(ctx context.Context, cmd command.Command) (string, error) {
	l := s.link()
	if l == nil {
		return "", pbx.ErrDisconnected
	}
	f, err := l.do(ctx, s.opts.CommandTimeout, cmd)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(f.ReplyText(), "\r\n"), nil
}

// check turns an -ERR reply into an error naming the command and channel.
func check(what string, ch pbx.ChannelID, reply string) error {
	if !strings.HasPrefix(reply, "-ERR") && !strings.HasPrefix(reply, "-USAGE") {
		return nil
	}
	low := strings.ToLower(reply)
	for _, gone := range []string{"no such channel", "no such session", "invalid session", "cannot locate session", "invalid uuid", "no such uuid"} {
		if strings.Contains(low, gone) {
			return fmt.Errorf("esl: %s %s: %w", what, ch, pbx.ErrNoChannel)
		}
	}
	return fmt.Errorf("esl: %s %s: %s: %w", what, ch, reply, ErrRejected)
}

func (s *Switch) apiOn(ctx context.Context, what string, ch pbx.ChannelID, line string) error {
	if err := validID(string(ch)); err != nil {
		return fmt.Errorf("esl: %s %q: %w", what, ch, err)
	}
	reply, err := s.api(ctx, line)
	if err != nil {
		return fmt.Errorf("esl: %s %s: %w", what, ch, err)
	}
	return check(what, ch, reply)
}

// maxIDLen is the longest uuid FreeSWITCH keeps whole: it takes any
// origination_uuid, and cuts one longer than this.
const maxIDLen = 255

// validID rejects ids that would break a command line or that FreeSWITCH
// would cut short. Ids of Hotline's own legs are longer than the 36
// characters of a uuid FreeSWITCH makes: a call's id, a run's tag and the
// leg's number.
func validID(id string) error {
	if id == "" || len(id) > maxIDLen || strings.ContainsAny(id, " \t\r\n,{}[]'\"=;!&|") {
		return pbx.ErrBadRequest
	}
	return nil
}

// Answer implements pbx.Switch. uuid_answer says only "-ERROR" whatever
// went wrong, so a failure is told apart by asking whether the channel
// exists.
func (s *Switch) Answer(ctx context.Context, ch pbx.ChannelID) error {
	err := s.apiOn(ctx, "answer", ch, "uuid_answer "+string(ch))
	if errors.Is(err, ErrRejected) {
		if gone := s.exists(ctx, "answer", ch); isNoChannel(gone) {
			return gone
		}
	}
	return err
}

// Hangup implements pbx.Switch; a channel already gone is not an error.
// A leg FreeSWITCH is still joining to another is killed once the join is
// over: killed before, it can take the other leg down with it (see join).
func (s *Switch) Hangup(ctx context.Context, ch pbx.ChannelID, cause pbx.Cause) error {
	s.awaitJoins(ctx, ch)
	s.post(pumpMsg{kind: msgNote, note: note{kind: noteHangup, channel: ch}})
	err := s.apiOn(ctx, "hangup", ch, "uuid_kill "+string(ch)+" "+causeName(cause))
	if isNoChannel(err) {
		return nil
	}
	return err
}

// Play implements pbx.Switch: the playback application, run through
// sendmsg with the playback id as its Event-UUID, so that the
// CHANNEL_EXECUTE_COMPLETE that ends it names the playback.
func (s *Switch) Play(ctx context.Context, ch pbx.ChannelID, id pbx.PlaybackID, media ...string) error {
	if err := validID(string(id)); err != nil {
		return fmt.Errorf("esl: play %q: %w", id, err)
	}
	arg, err := s.prompts.playArg(s.recordingDir(), s.sayEngine.Load(), media)
	if err != nil {
		return fmt.Errorf("esl: play on %s: %w (%w)", ch, err, pbx.ErrBadRequest)
	}
	s.reg.mu.Lock()
	_, dup := s.reg.plays[id]
	if !dup {
		s.reg.plays[id] = ch
	}
	s.reg.mu.Unlock()
	if dup {
		return fmt.Errorf("esl: play %s: %w", id, pbx.ErrDuplicateID)
	}
	s.post(pumpMsg{kind: msgNote, note: note{kind: notePlay, channel: ch, id: string(id)}})
	err = s.execute(ctx, "play", ch, "playback", arg, string(id))
	if err != nil {
		s.reg.mu.Lock()
		delete(s.reg.plays, id)
		s.reg.mu.Unlock()
	}
	return err
}

// execute runs a dialplan application on a channel through sendmsg.
func (s *Switch) execute(ctx context.Context, what string, ch pbx.ChannelID, app, arg, eventUUID string) error {
	return s.sendmsg(ctx, what, ch, execute(string(ch), app, arg, eventUUID))
}

func (s *Switch) sendmsg(ctx context.Context, what string, ch pbx.ChannelID, msg *call.Execute) error {
	if err := validID(string(ch)); err != nil {
		return fmt.Errorf("esl: %s %q: %w", what, ch, err)
	}
	s.awaitHandover(ctx, ch)
	reply, err := s.send(ctx, msg)
	if err != nil {
		return fmt.Errorf("esl: %s on %s: %w", what, ch, err)
	}
	err = check(what, ch, reply)
	if isNoChannel(err) && s.exists(ctx, what, ch) == nil {
		// sendmsg says "invalid session id" for a message it could not
		// read as well as for a channel that is gone: with the channel
		// still there, it is a command error and must be seen as one.
		return fmt.Errorf("esl: %s on %s: %s: %w", what, ch, reply, ErrRejected)
	}
	return err
}

// StopPlayback implements pbx.Switch.
func (s *Switch) StopPlayback(ctx context.Context, id pbx.PlaybackID) error {
	s.reg.mu.Lock()
	ch, ok := s.reg.plays[id]
	s.reg.mu.Unlock()
	if !ok {
		return fmt.Errorf("esl: stop playback %s: %w", id, pbx.ErrNoPlayback)
	}
	s.post(pumpMsg{kind: msgNote, note: note{kind: noteStopPlay, channel: ch}})
	err := s.apiOn(ctx, "stop playback", ch, "uuid_break "+string(ch)+" all")
	s.post(pumpMsg{kind: msgNote, note: note{kind: noteBreakDone, channel: ch, at: time.Now()}})
	return err
}

// StopCutPlayback implements pbx.PlaybackStopper: a playback this link
// does not know (a previous run's) is stopped by breaking off what its
// channel plays ("uuid_break all").
var _ pbx.PlaybackStopper = (*Switch)(nil)

func (s *Switch) StopCutPlayback(ctx context.Context, ch pbx.ChannelID, id pbx.PlaybackID) error {
	s.reg.mu.Lock()
	_, known := s.reg.plays[id]
	s.reg.mu.Unlock()
	if known {
		return s.StopPlayback(ctx, id)
	}
	return s.apiOn(ctx, "stop a playback of a run before", ch, "uuid_break "+string(ch)+" all")
}

// StartMOH implements pbx.Switch with a local_stream (class "" = the
// MOHStream option).
func (s *Switch) StartMOH(ctx context.Context, ch pbx.ChannelID, class string) error {
	if class == "" {
		class = s.opts.MOHStream
	}
	if strings.ContainsAny(class, " \r\n!") {
		return fmt.Errorf("esl: moh class %q: %w", class, pbx.ErrBadRequest)
	}
	if err := s.execute(ctx, "start moh", ch, "playback", "local_stream://"+s.mohStream(ctx, class), "hotline-moh"); err != nil {
		return err
	}
	s.reg.mu.Lock()
	s.reg.moh[ch] = true
	s.reg.mu.Unlock()
	return nil
}

// mohStream is the local_stream that plays class. For a stream it does
// not have, FreeSWITCH fails the playback at once and the caller hears
// silence, where Asterisk plays its default class: a class FreeSWITCH
// lacks plays the default stream (MOHStream), with a warning the first
// time. FreeSWITCH is asked once per class and link.
func (s *Switch) mohStream(ctx context.Context, class string) string {
	if class == s.opts.MOHStream {
		return class
	}
	s.reg.mu.Lock()
	has, asked := s.reg.streams[class]
	s.reg.mu.Unlock()
	if !asked {
		reply, err := s.api(ctx, "local_stream show "+class)
		if err != nil {
			return class // not known either way: the playback will tell
		}
		has = !strings.HasPrefix(reply, "-ERR")
		s.reg.mu.Lock()
		s.reg.streams[class] = has
		s.reg.mu.Unlock()
		if !has {
			s.log.Warn().Str("class", class).Str("stream", s.opts.MOHStream).Str("reply", strings.TrimSpace(reply)).
				Msg("music on hold: FreeSWITCH has no local_stream for this class (local_stream.conf); playing the default stream")
		}
	}
	if !has {
		return s.opts.MOHStream
	}
	return class
}

// StopMOH implements pbx.Switch. Only music Hotline started is broken.
// A prompt played over the music runs nested in it, and the break ends it
// too: it is reported stopped.
func (s *Switch) StopMOH(ctx context.Context, ch pbx.ChannelID) error {
	s.reg.mu.Lock()
	on := s.reg.moh[ch]
	delete(s.reg.moh, ch)
	s.reg.mu.Unlock()
	if !on {
		return s.exists(ctx, "stop moh", ch)
	}
	s.post(pumpMsg{kind: msgNote, note: note{kind: noteMOHBreak, channel: ch}})
	return s.apiOn(ctx, "stop moh", ch, "uuid_break "+string(ch))
}

func (s *Switch) exists(ctx context.Context, what string, ch pbx.ChannelID) error {
	if err := validID(string(ch)); err != nil {
		return fmt.Errorf("esl: %s %q: %w", what, ch, err)
	}
	reply, err := s.api(ctx, "uuid_exists "+string(ch))
	if err != nil {
		return fmt.Errorf("esl: %s %s: %w", what, ch, err)
	}
	if reply != "true" {
		return fmt.Errorf("esl: %s %s: %w", what, ch, pbx.ErrNoChannel)
	}
	return nil
}

// Originate implements pbx.Switch: bgapi originate with Hotline's id as
// origination_uuid, the new leg parked until it is bridged.
func (s *Switch) Originate(ctx context.Context, req pbx.OriginateRequest) error {
	return s.originate(ctx, "originate", req, "&park()", nil)
}

func (s *Switch) originate(ctx context.Context, what string, req pbx.OriginateRequest, app string, extra map[string]string) error {
	if err := validID(string(req.ChannelID)); err != nil {
		return fmt.Errorf("esl: %s %q: %w", what, req.ChannelID, err)
	}
	if req.Endpoint == "" || strings.ContainsAny(req.Endpoint, " \r\n") {
		return fmt.Errorf("esl: %s %s: endpoint %q: %w", what, req.ChannelID, req.Endpoint, pbx.ErrBadRequest)
	}
	vars, err := originateVars(req, extra)
	if err != nil {
		return fmt.Errorf("esl: %s %s: %w", what, req.ChannelID, err)
	}
	s.reg.mu.Lock()
	dup := s.reg.originated[req.ChannelID]
	if !dup {
		s.reg.originated[req.ChannelID] = true
	}
	s.reg.mu.Unlock()
	if dup {
		return fmt.Errorf("esl: %s %s: %w", what, req.ChannelID, pbx.ErrDuplicateID)
	}
	job := newUUID()
	s.reg.startHandover(req.ChannelID, job)
	s.post(pumpMsg{kind: msgNote, note: note{kind: noteOriginate, channel: req.ChannelID, id: job}})
	reply, err := s.send(ctx, bgapi{Command: "originate", Arguments: vars + req.Endpoint + " " + app, JobUUID: job})
	if err == nil && !strings.HasPrefix(reply, "+OK") {
		err = fmt.Errorf("%s: %w", reply, ErrRejected)
	}
	if err != nil {
		s.reg.mu.Lock()
		delete(s.reg.originated, req.ChannelID)
		s.reg.endHandoverLocked(req.ChannelID)
		s.reg.mu.Unlock()
		return fmt.Errorf("esl: %s %s: %w", what, req.ChannelID, err)
	}
	return nil
}

// autoAnswerAlertInfo is the Alert-Info that asks a phone to answer by
// itself, the one Hotline sends through Asterisk too.
const autoAnswerAlertInfo = "<http://127.0.0.1>;info=alert-autoanswer;delay=0"

// originateVars renders the {var=value,...} prefix of an originate.
func originateVars(req pbx.OriginateRequest, extra map[string]string) (string, error) {
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	// FreeSWITCH counts originate_timeout in whole seconds of its clock: a
	// ring begun at 12.9 s with 3 ends at 15.0 s, 2.1 s later. One second
	// more lets every ring last at least the timeout asked for (at most a
	// second longer).
	secs := int((timeout+time.Second-1)/time.Second) + 1
	vars := map[string]string{
		"origination_uuid":    string(req.ChannelID),
		"originate_timeout":   strconv.Itoa(secs),
		"park_after_bridge":   "true",
		"hangup_after_bridge": "false",
		"hotline_leg":         "originated",
	}
	// What a caller sent as their number and name is shown on the phone
	// as it is, but for line breaks and braces that would end the block.
	if req.CallerID != "" {
		vars["origination_caller_id_number"] = shownCallerID(req.CallerID)
	}
	if req.CallerName != "" {
		vars["origination_caller_id_name"] = shownCallerID(req.CallerName)
	}
	if req.AutoAnswer {
		// mod_sofia makes Call-Info answer-after=0 (and ;intercom=true in
		// the request URI) of sip_auto_answer, but no Alert-Info: the
		// Alert-Info auto answer, for the phones that read only that
		// (Polycom), is added as a header of its own.
		vars["sip_auto_answer"] = "true"
		vars["sip_h_Alert-Info"] = autoAnswerAlertInfo
	}
	for k, v := range extra {
		vars[k] = v
	}
	for k, v := range req.Vars {
		if k == "" || strings.ContainsAny(k, " \t\r\n,{}=[]'") {
			return "", fmt.Errorf("variable name %q: %w", k, pbx.ErrBadRequest)
		}
		if strings.ContainsAny(v, "\r\n") {
			return "", fmt.Errorf("variable %s: line break in value: %w", k, pbx.ErrBadRequest)
		}
		if !balancedBraces(v) {
			return "", fmt.Errorf("variable %s: unbalanced braces in value: %w", k, pbx.ErrBadRequest)
		}
		vars[k] = v
	}
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k + "=" + quoteVar(vars[k]))
	}
	b.WriteByte('}')
	return b.String(), nil
}

// quoteVar writes v for originate's {...} block. FreeSWITCH splits what
// it reads three times: the arguments on blanks, the block on commas, each
// variable on its first '='. Each pass takes away one level of quotes and
// backslashes (\\ \' and its delimiter; \n \r \t \s are control
// characters and spaces; a backslash before anything else stays), and
// trims the spaces around each part, so v is escaped for the last pass
// first. The block ends at the brace that balances its first, quotes and
// backslashes not considered: a value with unbalanced braces cannot be
// sent (see balancedBraces).
func quoteVar(v string) string {
	return escapeSeparated(escapeSeparated(escapeSeparated(v, '='), ','), ' ')
}

// escapeSeparated escapes s for one pass of FreeSWITCH's splitter on delim.
func escapeSeparated(s string, delim byte) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' || c == '\'' || c == ',' && delim == ',':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\t' && delim == ' ':
			b.WriteString(`\t`)
		case c == ' ' && (delim == ' ' || i == 0 || i == len(s)-1):
			// Blanks split the arguments; the last pass would trim
			// the value's own leading and trailing spaces.
			b.WriteString(`\s`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// shownCallerID is a caller's number or name as an originate can carry it:
// line breaks become spaces, and braces parentheses unless balanced.
func shownCallerID(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
	if !balancedBraces(s) {
		s = strings.NewReplacer("{", "(", "}", ")").Replace(s)
	}
	return s
}

// balancedBraces reports whether every '{' in s is closed by a later '}'
// and no '}' comes unopened: only such a value leaves the end of
// originate's {...} block where it is.
func balancedBraces(s string) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			if depth--; depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}

// Bridge implements pbx.Switch with uuid_bridge, so a bridge holds two
// legs; a third is refused (FreeSWITCH needs a conference for that).
func (s *Switch) Bridge(ctx context.Context, id pbx.BridgeID, chans ...pbx.ChannelID) error {
	if err := validID(string(id)); err != nil {
		return fmt.Errorf("esl: bridge %q: %w", id, err)
	}
	s.reg.mu.Lock()
	members := append([]pbx.ChannelID(nil), s.reg.bridges[id]...)
	for _, ch := range chans {
		if !containsChan(members, ch) {
			members = append(members, ch)
		}
	}
	s.reg.mu.Unlock()
	if len(members) > 2 {
		return fmt.Errorf("esl: bridge %s with %d legs: %w (%w)", id, len(members), ErrUnsupported, pbx.ErrBadRequest)
	}
	for _, ch := range chans {
		// uuid_bridge_park_on_cancel: a leg whose partner goes before
		// the join is made is parked, not hung up, as after a bridge.
		if err := s.apiOn(ctx, "bridge", ch, "uuid_setvar_multi "+string(ch)+" park_after_bridge=true;hangup_after_bridge=false;uuid_bridge_park_on_cancel=true;socket_resume=false;HOTLINE_BRIDGE="+string(id)); err != nil {
			return err
		}
	}
	s.reg.mu.Lock()
	s.reg.bridges[id] = members
	s.reg.mu.Unlock()
	if len(members) < 2 {
		return nil // waits for its second leg
	}
	a, b := members[0], members[1]
	s.awaitJoins(ctx, a, b)
	// A leg still being originated is given &park() by the originate's
	// thread on its way out, which takes it back out of a bridge made
	// meanwhile: the parties never hear each other.
	s.awaitHandover(ctx, a)
	s.awaitHandover(ctx, b)
	s.post(pumpMsg{kind: msgNote, note: note{kind: noteBridge, channel: a, other: b, bridge: id}})
	j := s.reg.startJoin(a, b)
	err := s.apiOn(ctx, "bridge", a, "uuid_bridge "+string(a)+" "+string(b))
	if err != nil {
		s.reg.endJoin(j) // refused: nothing is being joined
	}
	return err
}

// cmpBool orders false before true.
func cmpBool(x, y bool) int {
	switch {
	case x == y:
		return 0
	case x:
		return 1
	}
	return -1
}

func containsChan(list []pbx.ChannelID, ch pbx.ChannelID) bool {
	for _, c := range list {
		if c == ch {
			return true
		}
	}
	return false
}

// Unbridge implements pbx.Switch: the leg is parked, and its partner,
// having park_after_bridge set, parks too.
func (s *Switch) Unbridge(ctx context.Context, id pbx.BridgeID, ch pbx.ChannelID) error {
	s.reg.mu.Lock()
	members, ok := s.reg.bridges[id]
	members = slices.Clone(members) // the pump edits the registry's slice in place
	in := containsChan(members, ch)
	s.reg.mu.Unlock()
	if !ok {
		return fmt.Errorf("esl: unbridge %s: %w", id, pbx.ErrNoBridge)
	}
	if !in {
		return fmt.Errorf("esl: unbridge %s from %s: %w", ch, id, pbx.ErrNoChannel)
	}
	return s.park(ctx, "unbridge", members)
}

// DestroyBridge implements pbx.Switch.
func (s *Switch) DestroyBridge(ctx context.Context, id pbx.BridgeID) error {
	s.reg.mu.Lock()
	members, ok := s.reg.bridges[id]
	members = slices.Clone(members) // the pump edits the registry's slice in place
	delete(s.reg.bridges, id)
	s.reg.mu.Unlock()
	if !ok {
		return fmt.Errorf("esl: destroy bridge %s: %w", id, pbx.ErrNoBridge)
	}
	return s.park(ctx, "destroy bridge", members)
}

// park clears the bridge mark on the legs and parks them, ending the
// bridge, once FreeSWITCH is done joining them (see join). The originator
// is parked last: parked first, it stops waiting for a partner that, on a
// busy machine, may still be on its way into the bridge, and hangs it up.
func (s *Switch) park(ctx context.Context, what string, legs []pbx.ChannelID) error {
	s.awaitJoins(ctx, legs...)
	s.reg.mu.Lock()
	legs = slices.Clone(legs)
	slices.SortStableFunc(legs, func(x, y pbx.ChannelID) int {
		return cmpBool(s.reg.originators[x], s.reg.originators[y])
	})
	s.reg.mu.Unlock()
	var first error
	for _, ch := range legs {
		if err := s.apiOn(ctx, what, ch, "uuid_setvar "+string(ch)+" HOTLINE_BRIDGE"); err != nil && !isNoChannel(err) && first == nil {
			first = err
		}
		if err := s.apiOn(ctx, what, ch, "uuid_setvar "+string(ch)+" socket_resume true"); err != nil && !isNoChannel(err) && first == nil {
			first = err
		}
	}
	for _, ch := range legs {
		if err := s.apiOn(ctx, what, ch, "uuid_park "+string(ch)); err != nil && !isNoChannel(err) && first == nil {
			first = err
		}
	}
	return first
}

// StartRecording implements pbx.Switch with uuid_record into RecordingDir.
// A bridge is recorded through its first leg, which hears both parties.
func (s *Switch) StartRecording(ctx context.Context, req pbx.RecordRequest) error {
	if err := pbx.CheckRecordingName(req.Name); err != nil {
		return fmt.Errorf("esl: %w", err)
	}
	format := req.Format
	if format == "" {
		format = "wav"
	}
	target := req.Channel
	if req.Bridge != "" {
		s.reg.mu.Lock()
		target = ""
		if members := s.reg.bridges[req.Bridge]; len(members) > 0 {
			target = members[0]
		}
		s.reg.mu.Unlock()
		if target == "" {
			return fmt.Errorf("esl: record bridge %s: %w", req.Bridge, pbx.ErrNoBridge)
		}
	}
	file := path.Join(s.recordingDir(), req.Name+"."+format)
	s.reg.mu.Lock()
	_, dup := s.reg.records[req.Name]
	if !dup {
		s.reg.records[req.Name] = recordingRef{channel: target, path: file}
	}
	s.reg.mu.Unlock()
	if dup {
		return fmt.Errorf("esl: recording %s: %w", req.Name, pbx.ErrDuplicateID)
	}
	s.post(pumpMsg{kind: msgNote, note: note{kind: noteRecord, channel: target, id: req.Name, path: file, at: time.Now()}})
	if err := s.apiOn(ctx, "record", target, "uuid_record "+string(target)+" start "+file); err != nil {
		s.reg.mu.Lock()
		delete(s.reg.records, req.Name)
		s.reg.mu.Unlock()
		return err
	}
	return nil
}

// listenBeep is the tone before a Listen.
const listenBeep = "tone_stream://%(250,0,800)"

// silenceThreshold is the energy under which the record application
// counts a frame as silence.
const silenceThreshold = "200"

// Listen implements pbx.Switch with the record application, run through
// sendmsg with the listen's name as its Event-UUID: a beep first, then
// "record PATH MAX THRESHOLD SILENCE", which ends on SILENCE seconds
// below the threshold or at MAX. RECORD_STOP ends it (or, if the file
// could not be opened, CHANNEL_EXECUTE_COMPLETE); the file is read from
// RecordingDir, so Hotline must see FreeSWITCH's recordings directory.
func (s *Switch) Listen(ctx context.Context, req pbx.ListenRequest) error {
	if err := pbx.CheckRecordingName(req.Name); err != nil {
		return fmt.Errorf("esl: listen: %w", err)
	}
	if err := validID(req.Name); err != nil {
		return fmt.Errorf("esl: listen %q: %w", req.Name, err)
	}
	if err := s.exists(ctx, "listen", req.Channel); err != nil {
		return err
	}
	maxLen, silence := req.Limits()
	file := path.Join(s.recordingDir(), req.Name+".wav")
	s.reg.mu.Lock()
	_, dup := s.reg.records[req.Name]
	if !dup {
		s.reg.records[req.Name] = recordingRef{channel: req.Channel, path: file, listen: true}
	}
	s.reg.mu.Unlock()
	if dup {
		return fmt.Errorf("esl: listen %s: %w", req.Name, pbx.ErrDuplicateID)
	}
	err := s.apiOn(ctx, "listen", req.Channel, "uuid_setvar_multi "+string(req.Channel)+" playback_terminators=none;record_waste_resources=true")
	if err == nil && req.Beep {
		// With event-lock the record waits until the beep is over. Without
		// it FreeSWITCH runs the record nested inside the beep's playback:
		// the recording starts, and may end on silence, before the caller
		// has heard the beep, which plays only after it.
		beep := execute(string(req.Channel), "playback", listenBeep, "hotline-beep")
		beep.Sync = true
		err = s.sendmsg(ctx, "listen", req.Channel, beep)
	}
	if err == nil {
		s.post(pumpMsg{kind: msgNote, note: note{kind: noteListen, channel: req.Channel, id: req.Name, path: file, at: time.Now()}})
		err = s.execute(ctx, "listen", req.Channel, "record", fmt.Sprintf("%s %d %s %d", file, maxLen/time.Second, silenceThreshold, silence/time.Second), req.Name)
	}
	if err != nil {
		s.reg.mu.Lock()
		delete(s.reg.records, req.Name)
		s.reg.mu.Unlock()
	}
	return err
}

// StopRecording implements pbx.Switch; a Listen's record application is
// broken off.
func (s *Switch) StopRecording(ctx context.Context, name string) error {
	s.reg.mu.Lock()
	ref, ok := s.reg.records[name]
	s.reg.mu.Unlock()
	if !ok {
		return fmt.Errorf("esl: stop recording %s: %w", name, pbx.ErrNoRecording)
	}
	if ref.listen {
		// "all": the record application may still wait behind the beep.
		err := s.apiOn(ctx, "stop listening", ref.channel, "uuid_break "+string(ref.channel)+" all")
		s.post(pumpMsg{kind: msgNote, note: note{kind: noteListenStopped, id: name, at: time.Now()}})
		return err
	}
	return s.apiOn(ctx, "stop recording", ref.channel, "uuid_record "+string(ref.channel)+" stop "+ref.path)
}

// StopListen implements pbx.ListenStopper: a Listen this link started is
// stopped as StopRecording does; one it does not know (a previous run's)
// by breaking off what the channel runs ("uuid_break all"), as the record
// application, or a prompt queued, may still be.
var _ pbx.ListenStopper = (*Switch)(nil)

func (s *Switch) StopListen(ctx context.Context, ch pbx.ChannelID, name string) error {
	s.reg.mu.Lock()
	_, known := s.reg.records[name]
	s.reg.mu.Unlock()
	if known {
		return s.StopRecording(ctx, name)
	}
	return s.apiOn(ctx, "stop a listen of a run before", ch, "uuid_break "+string(ch)+" all")
}

// CheckRecording implements pbx.RecordingChecker. FreeSWITCH keeps no
// list of recordings over, so one this link started and whose channel is
// still up is stopped (uuid_record stop; RECORD_STOP reports it), and any
// other is looked for as a file in RecordingDir, which Hotline must see
// (as for Listen): found, it is reported with its path once its size
// holds still for recordingSettle (while it grows, nothing is reported and
// the caller asks again); not found, it is reported failed.
func (s *Switch) CheckRecording(ctx context.Context, name string) error {
	what := "check recording " + name
	if err := pbx.CheckRecordingName(name); err != nil {
		return fmt.Errorf("esl: %s: %w", what, err)
	}
	s.reg.mu.Lock()
	ref, ok := s.reg.records[name]
	s.reg.mu.Unlock()
	if ok && ref.listen {
		return fmt.Errorf("esl: %s: %w: a listen, not a recording", what, pbx.ErrBadRequest)
	}
	if ok {
		err := s.apiOn(ctx, what, ref.channel, "uuid_record "+string(ref.channel)+" stop "+ref.path)
		if err == nil || !isNoChannel(err) && !errors.Is(err, ErrRejected) {
			return err // stopped (RECORD_STOP follows), or FreeSWITCH could not be asked
		}
	}
	file, err := s.recordingFile(name, ref.path)
	if err != nil {
		return fmt.Errorf("esl: %s: %w", what, err)
	}
	var ended time.Time
	if file != "" {
		settled, err := fileSettled(ctx, file, recordingSettle)
		if err != nil || !settled {
			return err
		}
		// Its last write is when the recording ended, however long after
		// Hotline comes to ask.
		if st, err := os.Stat(file); err == nil {
			ended = st.ModTime()
		}
	}
	s.post(pumpMsg{kind: msgNote, note: note{kind: noteRecordChecked, id: name, path: file, at: time.Now(), ended: ended}})
	return nil
}

// recordingSettle is how long a recording's file must keep its size for
// CheckRecording to take it as written out.
const recordingSettle = 300 * time.Millisecond

// recordingFile finds recording name's file: at known (where this link
// started it), else in RecordingDir under any extension. It is "" when
// there is none; an error when RecordingDir cannot be read at all.
func (s *Switch) recordingFile(name, known string) (string, error) {
	dir := s.recordingDir()
	if _, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("recordings directory %s not readable here (Hotline must see FreeSWITCH's recordings_dir): %w", dir, err)
	}
	if known != "" {
		if _, err := os.Stat(known); err == nil {
			return known, nil
		}
	}
	full := path.Join(dir, name)
	entries, _ := os.ReadDir(path.Dir(full)) // sorted by name
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), path.Base(full)+".") && e.Type().IsRegular() {
			return path.Join(path.Dir(full), e.Name()), nil
		}
	}
	return "", nil
}

// fileSettled reports whether file keeps its size and time for d.
func fileSettled(ctx context.Context, file string, d time.Duration) (bool, error) {
	before, err := os.Stat(file)
	if err != nil {
		return false, err
	}
	select {
	case <-time.After(d):
	case <-ctx.Done():
		return false, ctx.Err()
	}
	after, err := os.Stat(file)
	if err != nil {
		return false, err
	}
	return after.Size() == before.Size() && after.ModTime().Equal(before.ModTime()), nil
}

// PauseRecording implements pbx.Switch with uuid_record's mask: the file
// keeps running, with silence in place of the call's audio.
func (s *Switch) PauseRecording(ctx context.Context, name string) error {
	return s.maskRecording(ctx, "pause recording", name, "mask")
}

// ResumeRecording implements pbx.Switch (uuid_record unmask).
func (s *Switch) ResumeRecording(ctx context.Context, name string) error {
	return s.maskRecording(ctx, "resume recording", name, "unmask")
}

func (s *Switch) maskRecording(ctx context.Context, what, name, verb string) error {
	s.reg.mu.Lock()
	ref, ok := s.reg.records[name]
	s.reg.mu.Unlock()
	if !ok {
		return fmt.Errorf("esl: %s %s: %w", what, name, pbx.ErrNoRecording)
	}
	return s.apiOn(ctx, what, ref.channel, "uuid_record "+string(ref.channel)+" "+verb+" "+ref.path)
}

// SendDTMF implements pbx.Switch.
func (s *Switch) SendDTMF(ctx context.Context, ch pbx.ChannelID, digits string) error {
	if digits == "" {
		return fmt.Errorf("esl: send dtmf: no digits: %w", pbx.ErrBadRequest)
	}
	for _, d := range digits {
		if !pbx.ValidDigit(d) {
			return fmt.Errorf("esl: send dtmf %q: %w", digits, pbx.ErrBadRequest)
		}
	}
	return s.apiOn(ctx, "send dtmf", ch, "uuid_send_dtmf "+string(ch)+" "+digits)
}

// SetVar implements pbx.Switch.
func (s *Switch) SetVar(ctx context.Context, ch pbx.ChannelID, name, value string) error {
	if name == "" || strings.ContainsAny(name, " \t\r\n") || strings.ContainsAny(value, "\r\n") {
		return fmt.Errorf("esl: set var %q: %w", name, pbx.ErrBadRequest)
	}
	return s.apiOn(ctx, "set var", ch, "uuid_setvar "+string(ch)+" "+name+" "+value)
}

// GetVar implements pbx.Switch.
func (s *Switch) GetVar(ctx context.Context, ch pbx.ChannelID, name string) (string, error) {
	if name == "" || strings.ContainsAny(name, " \t\r\n") {
		return "", fmt.Errorf("esl: get var %q: %w", name, pbx.ErrBadRequest)
	}
	if err := validID(string(ch)); err != nil {
		return "", fmt.Errorf("esl: get var on %q: %w", ch, err)
	}
	reply, err := s.api(ctx, "uuid_getvar "+string(ch)+" "+name)
	if err != nil {
		return "", fmt.Errorf("esl: get var %s on %s: %w", name, ch, err)
	}
	if err := check("get var", ch, reply); err != nil {
		return "", err
	}
	if reply == "_undef_" {
		return "", fmt.Errorf("esl: get var %s on %s: %w", name, ch, pbx.ErrNoVariable)
	}
	return reply, nil
}

// Spy implements pbx.Switch: the supervisor leg is originated straight into
// eavesdrop on the target, with whisper set for the modes that speak.
func (s *Switch) Spy(ctx context.Context, target pbx.ChannelID, mode pbx.SpyMode, req pbx.OriginateRequest) error {
	extra := map[string]string{"eavesdrop_enable_dtmf": "false"}
	switch mode {
	case pbx.SpyListen:
	case pbx.SpyWhisper:
		// The whisper variable named after a leg is heard by that leg's
		// bridged partner: eavesdropping on the agent's leg, _aleg reaches
		// the caller and _bleg the agent.
		extra["eavesdrop_whisper_bleg"] = "true"
	case pbx.SpyBarge:
		extra["eavesdrop_whisper_aleg"] = "true"
		extra["eavesdrop_whisper_bleg"] = "true"
	default:
		return fmt.Errorf("esl: spy mode %d: %w", mode, pbx.ErrBadRequest)
	}
	if err := s.exists(ctx, "spy", target); err != nil {
		return err
	}
	return s.originate(ctx, "spy", req, "&eavesdrop("+string(target)+")", extra)
}

func isNoChannel(err error) bool { return errors.Is(err, pbx.ErrNoChannel) }

// newUUID returns a random (version 4) UUID, the form FreeSWITCH uses for
// Job-UUIDs.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
