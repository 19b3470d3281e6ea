package esltest

import (
	"bufio"
	"crypto/rand"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/esl/internal/wire"
)

// Options tune the fake. Zero values take the defaults.
type Options struct {
	Password     string        // default "ClueCon"
	PlaybackTime time.Duration // per played file; default 20 ms
	RingTime     time.Duration // before CHANNEL_PROGRESS of a dialed phone; default 5 ms
	// IdlePoll, when set, holds the events for an inbound connection
	// until bytes come from its client or IdlePoll passes, as
	// mod_event_socket's connection thread does: it waits up to 20 ms
	// for the client's bytes before it sends the events queued for it.
	// Zero sends every event at once.
	IdlePoll time.Duration
	// RecordingDir is the recordings_dir the fake reports, where its
	// record application writes; "" = /var/lib/esltest/recordings, where
	// it writes only if that directory exists.
	RecordingDir string
	// BridgeSetup, when set, makes uuid_bridge join its legs that long
	// after its "+OK", as FreeSWITCH does: the first leg's own thread (the
	// originator) polls the other leg every 20 ms and bridges the two only
	// then. What happens to the legs meanwhile has FreeSWITCH's outcomes:
	// an originator killed in that window finishes its hang-up
	// (CHANNEL_HANGUP_COMPLETE) only once the join is over, and on its way
	// out hangs the other leg up with DESTINATION_OUT_OF_ORDER if that leg
	// is being handed to another uuid_bridge; an originator whose other
	// leg hung up is hung up with ORIGINATOR_CANCEL, or parked with
	// uuid_bridge_park_on_cancel; an other leg parked or handed to another
	// uuid_bridge while the originator waits for it ends the join with
	// both hung up, DESTINATION_OUT_OF_ORDER (FreeSWITCH gives up after
	// 1000 polls). Zero joins at once.
	BridgeSetup time.Duration
	// BridgeEnter, when set, makes the other leg of a uuid_bridge enter
	// the bridge that long after CHANNEL_BRIDGE, as on FreeSWITCH: the
	// originator's thread fires CHANNEL_BRIDGE, then hands the other leg
	// to its own thread, which enters the bridge (CHANNEL_STATE
	// CS_EXCHANGE_MEDIA) when it is next scheduled; the originator waits
	// for it. An originator parked, killed or handed to another
	// uuid_bridge before the other leg entered gives up waiting and hangs
	// that leg up with DESTINATION_OUT_OF_ORDER; the other leg parked
	// meanwhile never enters, and is hung up so when the originator gives
	// up (parked, killed, or after 10 s). Default 5 ms; negative enters
	// at once.
	BridgeEnter time.Duration
	// OriginateHandover ends an answered originate that long
	// after its CHANNEL_ANSWER, as FreeSWITCH does: the originate's thread
	// sees the answer at its next look (every 20 ms), gives the leg its
	// application and returns (BACKGROUND_JOB). A playback sent with
	// sendmsg in that window is run by that thread on its way out and
	// fails unplayed: CHANNEL_EXECUTE at once, CHANNEL_EXECUTE_COMPLETE
	// "PLAYBACK ERROR" right after the BACKGROUND_JOB (FreeSWITCH 1.11.1's
	// events). Default 20 ms; negative ends the originate with its answer.
	OriginateHandover time.Duration
	// Sounds, when set, are the only files in sound_prefix (SoundPrefix),
	// relative to it ("ivr/ivr-in_line.wav"). As on FreeSWITCH, a
	// file_string:// list skips the others and plays on, and a playback
	// that finds none of its files fails at once. Nil finds every file
	// whose name does not hold "missing".
	Sounds []string
	// SayModule loads mod_say_en: say_string (module_exists mod_say_en)
	// speaks English numbers.
	SayModule bool
}

// Server is the fake FreeSWITCH.
type Server struct {
	opts Options
	ln   net.Listener
	core string
	born time.Time // when the switch (last) started: its uptime in "status"

	mu       sync.Mutex // guards every field below
	seq      uint64
	conns    map[*conn]bool
	chans    map[string]*channel
	phones   map[string]Phone
	delays   []delayRule
	unlisted map[string]time.Time // channels "show channels" leaves out, until then (zero: for good)
	commands []string
	closed   bool
	nextID   int
	refuse   time.Time // inbound connections are closed at once until then (CutLink)
}

type delayRule struct {
	prefix string
	d      time.Duration
	left   int
}

// New starts a fake FreeSWITCH on 127.0.0.1 with a free port.
func New(opts Options) (*Server, error) {
	if opts.Password == "" {
		opts.Password = "ClueCon"
	}
	if opts.PlaybackTime <= 0 {
		opts.PlaybackTime = 20 * time.Millisecond
	}
	if opts.RingTime <= 0 {
		opts.RingTime = 5 * time.Millisecond
	}
	if opts.BridgeEnter == 0 {
		opts.BridgeEnter = 5 * time.Millisecond
	}
	if opts.OriginateHandover == 0 {
		opts.OriginateHandover = 20 * time.Millisecond
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:   opts,
		ln:     ln,
		core:   newUUID(),
		born:   time.Now(),
		conns:  make(map[*conn]bool),
		chans:  make(map[string]*channel),
		phones: make(map[string]Phone),
	}
	go s.accept()
	return s, nil
}

// Addr is the host:port of the inbound event socket.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops the server and drops every connection.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	conns := s.conns
	s.conns = map[*conn]bool{}
	s.mu.Unlock()
	s.ln.Close()
	for c := range conns {
		c.close()
	}
}

// DropConnections closes every inbound connection at once, as a restart of
// mod_event_socket or a broken network would. Channels live on.
func (s *Server) DropConnections() {
	s.mu.Lock()
	var drop []*conn
	for c := range s.conns {
		if c.session == nil {
			drop = append(drop, c)
			delete(s.conns, c)
		}
	}
	s.mu.Unlock()
	for _, c := range drop {
		c.close()
	}
}

// CutLink drops every inbound connection and closes the new ones at once
// for d, as a network cut that lasts does: events of that time reach no
// one. Channels live on.
func (s *Server) CutLink(d time.Duration) {
	s.mu.Lock()
	s.refuse = time.Now().Add(d)
	s.mu.Unlock()
	s.DropConnections()
}

// Shutdown does what FreeSWITCH 1.11 does at "fsctl shutdown", in the
// order a real one sends it: SHUTDOWN (Event-Info "System Shutting Down"),
// every channel hung up with SYSTEM_SHUTDOWN, then each inbound client is
// sent the events still held for it and "The system is being shut down."
// (text/disconnect-notice), and its connection closed. New connections are
// refused for down, the time the switch takes to start again; it then
// comes back with no channel and a new Core-UUID.
func (s *Server) Shutdown(down time.Duration) {
	s.mu.Lock()
	s.fire("SHUTDOWN", nil, []wire.Header{{Name: "Event-Info", Value: "System Shutting Down"}}, "")
	uuids := make([]string, 0, len(s.chans))
	for uuid := range s.chans {
		uuids = append(uuids, uuid)
	}
	sort.Strings(uuids)
	for _, uuid := range uuids {
		// FreeSWITCH gives every channel its cause before any thread acts
		// on it: a leg still entering a bridge is not hung up by its
		// originator with a cause of its own.
		s.chans[uuid].entering = nil
	}
	for _, uuid := range uuids {
		s.hangup(s.chans[uuid], "SYSTEM_SHUTDOWN")
	}
	s.refuse = time.Now().Add(down)
	s.core = newUUID()
	s.born = s.refuse
	var inbound []*conn
	for c := range s.conns {
		if c.session == nil {
			inbound = append(inbound, c)
			delete(s.conns, c)
		}
	}
	s.mu.Unlock()
	for _, c := range inbound {
		c.qmu.Lock()
		c.queue, c.held = append(c.queue, c.held...), nil
		c.qmu.Unlock()
		c.disconnect("The system is being shut down.\n")
		c.closeAfterFlush()
	}
}

// DelayReplies makes the next n commands whose line starts with prefix wait
// d before their reply, holding up the connection meanwhile as a busy
// FreeSWITCH does.
func (s *Server) DelayReplies(prefix string, d time.Duration, n int) {
	s.mu.Lock()
	s.delays = append(s.delays, delayRule{prefix: prefix, d: d, left: n})
	s.mu.Unlock()
}

// Unlist makes "show channels" leave the channel out for d (for good if
// d is 0) while every other command still finds it, as FreeSWITCH's SQL
// scoreboard does for a new channel: it lists one milliseconds after the
// channel exists, hundreds under load. "status" counts it all along.
func (s *Server) Unlist(uuid string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.unlisted == nil {
		s.unlisted = make(map[string]time.Time)
	}
	until := time.Time{}
	if d > 0 {
		until = time.Now().Add(d)
	}
	s.unlisted[uuid] = until
}

// listed says whether "show channels" has the channel yet. Called with mu
// held.
func (s *Server) listed(uuid string) bool {
	until, ok := s.unlisted[uuid]
	return !ok || !until.IsZero() && time.Now().After(until)
}

// Commands returns every command line received so far, in order.
func (s *Server) Commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.commands...)
}

// Connections is the number of inbound event-socket clients connected.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for c := range s.conns {
		if c.session == nil && c.authed {
			n++
		}
	}
	return n
}

func (s *Server) accept() {
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		c := newConn(s, nc, nil)
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.close()
			return
		}
		if time.Now().Before(s.refuse) {
			s.mu.Unlock()
			c.close()
			continue
		}
		s.conns[c] = true
		s.mu.Unlock()
		c.send([]byte("Content-Type: auth/request\n\n"))
		go c.read()
	}
}

// conn is one event-socket connection, inbound or outbound.
type conn struct {
	s  *Server
	nc net.Conn

	// Guarded by s.mu:
	authed   bool
	events   map[string]bool
	format   string
	session  *channel // outbound: the channel the socket controls
	myevents bool
	linger   bool
	resume   bool

	qmu    sync.Mutex // guards queue, held and done
	qcond  *sync.Cond
	queue  [][]byte
	held   [][]byte // events waiting for the connection thread to wake (IdlePoll)
	done   bool
	closed sync.Once

	woken   chan struct{} // bytes came from the client (IdlePoll)
	stopped chan struct{} // closed with the connection
}

func newConn(s *Server, nc net.Conn, session *channel) *conn {
	c := &conn{s: s, nc: nc, events: map[string]bool{}, format: "plain", session: session, authed: session != nil,
		woken: make(chan struct{}, 1), stopped: make(chan struct{})}
	c.qcond = sync.NewCond(&c.qmu)
	go c.write()
	if s.opts.IdlePoll > 0 && session == nil {
		go c.poll(s.opts.IdlePoll)
	}
	return c
}

// sendEvent queues an event frame: at once, or, with IdlePoll, when the
// connection thread next wakes.
func (c *conn) sendEvent(b []byte) {
	if c.s.opts.IdlePoll <= 0 || c.session != nil {
		c.send(b)
		return
	}
	c.qmu.Lock()
	if !c.done {
		c.held = append(c.held, b)
	}
	c.qmu.Unlock()
}

// poll is mod_event_socket's connection thread between commands: it
// sleeps until the client writes or d passes, then sends what is held.
func (c *conn) poll(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-c.stopped:
			return
		case <-c.woken:
			if !t.Stop() {
				<-t.C
			}
		case <-t.C:
		}
		t.Reset(d)
		c.qmu.Lock()
		if len(c.held) > 0 && !c.done {
			c.queue = append(c.queue, c.held...)
			c.held = nil
			c.qcond.Signal()
		}
		c.qmu.Unlock()
	}
}

// wakeReader reads the client's bytes and wakes the connection thread.
type wakeReader struct{ c *conn }

func (w wakeReader) Read(p []byte) (int, error) {
	n, err := w.c.nc.Read(p)
	if n > 0 {
		select {
		case w.c.woken <- struct{}{}:
		default:
		}
	}
	return n, err
}

// send queues bytes for the writer; it never blocks.
func (c *conn) send(b []byte) {
	c.qmu.Lock()
	if !c.done {
		c.queue = append(c.queue, b)
		c.qcond.Signal()
	}
	c.qmu.Unlock()
}

func (c *conn) write() {
	for {
		c.qmu.Lock()
		for len(c.queue) == 0 && !c.done {
			c.qcond.Wait()
		}
		if len(c.queue) == 0 {
			c.qmu.Unlock()
			return
		}
		batch := c.queue
		c.queue = nil
		c.qmu.Unlock()
		for _, b := range batch {
			if _, err := c.nc.Write(b); err != nil {
				c.close()
				return
			}
		}
	}
}

// closeAfterFlush closes once everything queued is written.
func (c *conn) closeAfterFlush() {
	c.qmu.Lock()
	c.done = true
	c.qcond.Signal()
	c.qmu.Unlock()
	go func() {
		time.Sleep(20 * time.Millisecond)
		c.close()
	}()
}

func (c *conn) close() {
	c.closed.Do(func() {
		c.qmu.Lock()
		c.done = true
		c.queue = nil
		c.qcond.Signal()
		c.qmu.Unlock()
		close(c.stopped)
		c.nc.Close()
		c.s.mu.Lock()
		delete(c.s.conns, c)
		ch := c.session
		resume := c.resume || ch != nil && ch.vars["socket_resume"] == "true"
		if ch != nil {
			c.s.socketClosed(ch, resume)
		}
		c.s.mu.Unlock()
	})
}

// socketClosed does to ch what FreeSWITCH does to the channel an outbound
// socket controlled when the socket closes. Told to resume ("resume", or
// the channel's socket_resume=true) it resets the channel, which goes on
// with the dialplan (its fallback park) and so leaves a bridge it was in,
// its partner parked after it. Otherwise a bridged channel stays in its
// bridge, no longer controlled, and any other is hung up. Called with mu
// held.
func (s *Server) socketClosed(ch *channel, resume bool) {
	switch {
	case ch.hungup:
	case resume && ch.partner != "":
		s.unbridge(ch)
		s.stopApp(ch, "FILE PLAYED")
		ch.parked = true
		s.fire("CHANNEL_PARK", ch, nil, "")
	case resume, ch.partner != "":
	default:
		s.hangup(ch, "NORMAL_CLEARING")
	}
}

func (c *conn) reply(text string) {
	c.send([]byte("Content-Type: command/reply\nReply-Text: " + text + "\n\n"))
}

func (c *conn) apiResponse(body string) {
	if body == "" {
		body = "-ERR no reply\n"
	}
	c.send([]byte("Content-Type: api/response\nContent-Length: " + strconv.Itoa(len(body)) + "\n\n" + body))
}

func (c *conn) disconnect(msg string) {
	c.send([]byte("Content-Type: text/disconnect-notice\nContent-Length: " + strconv.Itoa(len(msg)) + "\n\n" + msg))
}

func (c *conn) read() {
	defer c.close()
	r := bufio.NewReader(wakeReader{c})
	for {
		cmd, err := wire.ReadCommand(r)
		if err != nil {
			return
		}
		if d := c.s.delayFor(cmd.Line); d > 0 {
			time.Sleep(d)
		}
		if !c.s.handle(c, cmd) {
			return
		}
	}
}

func (s *Server) delayFor(line string) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, r := range s.delays {
		if r.left > 0 && strings.HasPrefix(line, r.prefix) {
			s.delays[i].left--
			return r.d
		}
	}
	return 0
}

// handle runs one command; false ends the connection.
func (s *Server) handle(c *conn, cmd wire.Command) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commands = append(s.commands, cmd.Line)
	line := strings.TrimSpace(cmd.Line)
	verb, rest, _ := strings.Cut(line, " ")
	verb = strings.ToLower(verb)
	if verb == "exit" || verb == "..." {
		c.reply("+OK bye")
		c.disconnect("Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n")
		c.closeAfterFlush()
		return false
	}
	if !c.authed {
		if verb != "auth" {
			c.reply("-ERR command not found")
			return true
		}
		if rest != s.opts.Password {
			c.reply("-ERR invalid")
			c.closeAfterFlush()
			return false
		}
		c.authed = true
		c.reply("+OK accepted")
		return true
	}
	switch verb {
	case "connect":
		if c.session == nil {
			c.reply("-ERR command not found")
			return true
		}
		ev := s.channelEvent("CHANNEL_DATA", c.session)
		ev.Headers = append(ev.Headers,
			wire.Header{Name: "Content-Type", Value: "command/reply"},
			wire.Header{Name: "Reply-Text", Value: "+OK\n"},
			wire.Header{Name: "Socket-Mode", Value: "async"},
			wire.Header{Name: "Control", Value: "full"})
		c.send(wire.AppendPlain(nil, ev))
	case "resume":
		c.resume = true
		c.reply("+OK")
	case "linger":
		if c.session == nil {
			c.reply("-ERR not controlling a session")
		} else {
			c.linger = true
			c.reply("+OK will linger")
		}
	case "nolinger":
		c.linger = false
		c.reply("+OK will not linger")
	case "myevents":
		c.myevents, c.events = true, map[string]bool{"ALL": true}
		if strings.Contains(strings.ToLower(rest), "json") {
			c.format = "json"
		}
		c.reply("+OK Events Enabled")
	case "event":
		c.reply(s.subscribe(c, strings.Fields(rest)))
	case "noevents":
		c.events = map[string]bool{}
		c.reply("+OK no longer listening for events")
	case "api":
		c.apiResponse(s.api(rest))
	case "bgapi":
		job := cmd.Get("Job-UUID")
		if job == "" {
			job = newUUID()
		}
		c.send([]byte("Content-Type: command/reply\nReply-Text: +OK Job-UUID: " + job + "\nJob-UUID: " + job + "\n\n"))
		name, arg, _ := strings.Cut(rest, " ")
		if strings.ToLower(name) == "originate" {
			s.originate(job, arg)
		} else {
			s.fire("BACKGROUND_JOB", nil, []wire.Header{{Name: "Job-UUID", Value: job}, {Name: "Job-Command", Value: name}, {Name: "Job-Command-Arg", Value: arg}}, s.api(rest))
		}
	case "sendmsg":
		c.reply(s.sendmsg(c, strings.TrimSpace(rest), cmd))
	default:
		c.reply("-ERR command not found")
	}
	return true
}

func (s *Server) subscribe(c *conn, words []string) string {
	if len(words) > 0 {
		switch strings.ToLower(words[0]) {
		case "plain", "json", "xml":
			c.format = strings.ToLower(words[0])
			words = words[1:]
		}
	}
	if len(words) == 0 {
		return "-ERR no keywords supplied"
	}
	for _, w := range words {
		c.events[strings.ToUpper(w)] = true
	}
	return "+OK event listener enabled " + c.format
}

// fire numbers an event and sends it to every subscriber. Called with mu held.
func (s *Server) fire(name string, ch *channel, extra []wire.Header, body string) {
	var ev wire.Event
	if ch != nil {
		ev = s.channelEvent(name, ch)
	} else {
		ev = s.baseEvent(name)
	}
	ev.Headers = append(ev.Headers, extra...)
	ev.Body = body
	var plain, js []byte
	for c := range s.conns {
		if !c.authed || !(c.events["ALL"] || c.events[name]) {
			continue
		}
		if c.myevents && (ch == nil || c.session != ch) {
			continue
		}
		var frame []byte
		if c.format == "json" {
			if js == nil {
				js = wire.AppendJSON(nil, ev)
			}
			frame = append([]byte("Content-Length: "+strconv.Itoa(len(js))+"\nContent-Type: text/event-json\n\n"), js...)
		} else {
			if plain == nil {
				plain = wire.AppendPlain(nil, ev)
			}
			frame = append([]byte("Content-Length: "+strconv.Itoa(len(plain))+"\nContent-Type: text/event-plain\n\n"), plain...)
		}
		c.sendEvent(frame)
	}
}

func (s *Server) baseEvent(name string) wire.Event {
	s.seq++
	now := time.Now()
	return wire.Event{Headers: []wire.Header{
		{Name: "Event-Name", Value: name},
		{Name: "Core-UUID", Value: s.core},
		{Name: "FreeSWITCH-Hostname", Value: "esltest"},
		{Name: "FreeSWITCH-Switchname", Value: "esltest"},
		{Name: "FreeSWITCH-IPv4", Value: "127.0.0.1"},
		{Name: "FreeSWITCH-IPv6", Value: "::1"},
		{Name: "Event-Date-Local", Value: now.Format("2006-01-02 15:04:05")},
		{Name: "Event-Date-GMT", Value: now.UTC().Format(time.RFC1123)},
		{Name: "Event-Date-Timestamp", Value: strconv.FormatInt(now.UnixMicro(), 10)},
		{Name: "Event-Calling-File", Value: "esltest.go"},
		{Name: "Event-Calling-Function", Value: "fire"},
		{Name: "Event-Calling-Line-Number", Value: "1"},
		{Name: "Event-Sequence", Value: strconv.FormatUint(s.seq, 10)},
	}}
}

// FireCustom sends a CUSTOM event with a subclass, for load and ordering
// tests; it takes a sequence number like any event.
func (s *Server) FireCustom(subclass string, headers map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var extra []wire.Header
	extra = append(extra, wire.Header{Name: "Event-Subclass", Value: subclass})
	keys := make([]string, 0, len(headers))
	for k := range headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		extra = append(extra, wire.Header{Name: k, Value: headers[k]})
	}
	s.fire("CUSTOM", nil, extra, "")
}

// Burst fires n DTMF events ("1") on a live channel as fast as it can, the
// i-th with a DTMF-Duration of i+1 samples so that their order shows, with
// a skipped sequence number every gapEvery events (0 = none), as events
// nobody subscribed to would leave. It returns once all are queued.
func (s *Server) Burst(uuid string, n, gapEvery int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.chans[uuid]
	if ch == nil {
		return fmt.Errorf("esltest: no channel %s", uuid)
	}
	for i := 0; i < n; i++ {
		if gapEvery > 0 && i%gapEvery == gapEvery-1 {
			s.seq++
		}
		s.fire("DTMF", ch, []wire.Header{{Name: "DTMF-Digit", Value: "1"}, {Name: "DTMF-Duration", Value: strconv.Itoa(i + 1)}, {Name: "DTMF-Source", Value: "RTP"}}, "")
	}
	return nil
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
