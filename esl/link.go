package esl

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/percipia/eslgo/command"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/esl/internal/wire"
)

// subscription is every event the tracker reads. Event-Sequence is global
// in FreeSWITCH, so the events left out show up as gaps in the numbering.
var subscription = command.Event{Format: "json", Listen: []string{
	"CHANNEL_CREATE", "CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA", "CHANNEL_ANSWER",
	"CHANNEL_PARK", "CHANNEL_BRIDGE", "CHANNEL_UNBRIDGE", "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_STATE",
	"CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE", "DTMF", "BACKGROUND_JOB", "RECORD_START", "RECORD_STOP", "SHUTDOWN",
}}

// link is one authenticated inbound connection. One goroutine reads it and
// hands each event to the pump as it comes off the socket, so events keep
// FreeSWITCH's order without any waiting; replies go to the commands in the
// order the commands were written, which is the order FreeSWITCH answers
// them. Its generation number tells its events apart from those of an
// earlier connection still in flight.
type link struct {
	nc  net.Conn
	gen uint64

	mu      sync.Mutex        // guards pending and the writes, so both keep one order
	pending []chan wire.Frame // one per command written and not yet answered

	lostOnce sync.Once
	lost     chan struct{} // closed when the link is unusable
	lostErr  error         // set before lost is closed
	readDone chan struct{} // closed when the reader has returned
}

func newLink(nc net.Conn, gen uint64) *link {
	return &link{nc: nc, gen: gen, lost: make(chan struct{}), readDone: make(chan struct{})}
}

// drop marks the link dead; the connection loop closes it and reconnects.
func (l *link) drop(err error) {
	l.lostOnce.Do(func() {
		l.lostErr = err
		close(l.lost)
	})
}

func (l *link) isLost() bool {
	select {
	case <-l.lost:
		return true
	default:
	}
	return false
}

// close ends the connection and waits for the reader to return.
func (l *link) close() {
	l.nc.Close()
	<-l.readDone
}

// do sends one command and waits for its reply. A command that times out
// drops the link: FreeSWITCH is not answering, and a half-open connection
// must be noticed. A caller that gives up (ctx) leaves its slot in the
// queue, so the late reply is thrown away rather than taken for the next
// command's.
func (l *link) do(ctx context.Context, timeout time.Duration, cmd command.Command) (wire.Frame, error) {
	if err := ctx.Err(); err != nil {
		return wire.Frame{}, err
	}
	if l.isLost() {
		return wire.Frame{}, fmt.Errorf("%w: %v", pbx.ErrDisconnected, l.lostErr)
	}
	reply := make(chan wire.Frame, 1)
	msg := message(cmd)
	l.mu.Lock()
	l.pending = append(l.pending, reply)
	_ = l.nc.SetWriteDeadline(time.Now().Add(timeout))
	_, err := l.nc.Write(msg)
	l.mu.Unlock()
	if err != nil {
		l.drop(fmt.Errorf("command %q: %w", commandLine(cmd), err))
		return wire.Frame{}, fmt.Errorf("%w (%w)", pbx.ErrDisconnected, err)
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case f := <-reply:
		return f, nil
	case <-l.lost:
		return wire.Frame{}, fmt.Errorf("%w: %v", pbx.ErrDisconnected, l.lostErr)
	case <-timer.C:
		err := fmt.Errorf("%w after %v", ErrCommandTimeout, timeout)
		l.drop(fmt.Errorf("command %q: %w", commandLine(cmd), err))
		return wire.Frame{}, fmt.Errorf("%w (%w)", pbx.ErrDisconnected, err)
	case <-ctx.Done():
		return wire.Frame{}, ctx.Err()
	}
}

// wake writes a lone line end between two commands. mod_event_socket
// drops line ends before a command, but the bytes end the wait of its
// connection thread, which sends the events queued meanwhile.
func (l *link) wake(timeout time.Duration) {
	l.mu.Lock()
	_ = l.nc.SetWriteDeadline(time.Now().Add(timeout))
	_, err := l.nc.Write(lineEnd)
	l.mu.Unlock()
	if err != nil {
		l.drop(fmt.Errorf("waking the event socket: %w", err))
	}
}

var lineEnd = []byte("\n")

// read is the link's only reader: replies to the oldest waiting command,
// events to the pump, in the order they arrive.
func (s *Switch) read(l *link, r *bufio.Reader) {
	defer close(l.readDone)
	for {
		f, err := wire.ReadFrame(r)
		if err != nil {
			l.drop(fmt.Errorf("reading the event socket: %w", err))
			return
		}
		switch f.ContentType() {
		case wire.TypeReply, wire.TypeAPIResponse:
			l.mu.Lock()
			var reply chan wire.Frame
			if len(l.pending) > 0 {
				reply = l.pending[0]
				l.pending[0] = nil
				l.pending = l.pending[1:]
			}
			l.mu.Unlock()
			if reply == nil {
				l.drop(fmt.Errorf("a %s nobody asked for: %q", f.ContentType(), clip(f.ReplyText())))
				return
			}
			reply <- f
		case wire.TypeEventJSON, wire.TypeEventPlain:
			ev, err := decodeEvent(f)
			if err != nil {
				s.log.Warn().Err(err).Msg("undecodable event dropped")
				continue
			}
			s.post(pumpMsg{kind: msgEvent, gen: l.gen, ev: &ev})
		case wire.TypeDisconnect, wire.TypeRejection:
			l.drop(fmt.Errorf("FreeSWITCH ended the session: %s", strings.TrimSpace(string(f.Body))))
			return
		}
	}
}

func decodeEvent(f wire.Frame) (wire.Event, error) {
	if f.ContentType() == wire.TypeEventJSON {
		return wire.ParseJSON(f.Body)
	}
	return wire.ParsePlain(f.Body)
}

// dial connects and authenticates.
func (s *Switch) dial(gen uint64) (*link, *bufio.Reader, error) {
	nc, r, err := dialAuth(s.ctx, s.opts.Address, s.opts.Password, s.opts.CommandTimeout)
	if err != nil {
		if s.ctx.Err() != nil {
			return nil, nil, pbx.ErrClosed
		}
		return nil, nil, err
	}
	return newLink(nc, gen), r, nil
}

// dialAuth opens an inbound connection and authenticates, each step
// within timeout.
func dialAuth(ctx context.Context, address, password string, timeout time.Duration) (net.Conn, *bufio.Reader, error) {
	d := net.Dialer{Timeout: timeout}
	nc, err := d.DialContext(ctx, "tcp", address)
	if err != nil {
		return nil, nil, err
	}
	r := bufio.NewReaderSize(nc, 64<<10)
	fail := func(err error) (net.Conn, *bufio.Reader, error) {
		nc.Close()
		return nil, nil, err
	}
	deadline := time.Now().Add(2 * timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = nc.SetDeadline(deadline)
	f, err := wire.ReadFrame(r)
	if err != nil {
		return fail(fmt.Errorf("waiting for auth/request: %w", err))
	}
	if f.ContentType() != wire.TypeAuthRequest {
		return fail(fmt.Errorf("got %q where auth/request was expected: %w", f.ContentType(), ErrRejected))
	}
	if _, err := nc.Write(message(command.Auth{Password: password})); err != nil {
		return fail(err)
	}
	if f, err = wire.ReadFrame(r); err != nil {
		return fail(fmt.Errorf("auth: %w", err))
	}
	if reply := f.ReplyText(); !strings.HasPrefix(reply, "+OK") {
		return fail(fmt.Errorf("auth: %s: %w", reply, ErrRejected))
	}
	_ = nc.SetDeadline(time.Time{})
	return nc, r, nil
}

// API connects to the event socket at address, runs one api command (such
// as command.API{Command: "reloadxml"}) and returns its reply without the
// final line end; for one-off tools such as "dialplan apply" reloading the
// XML. The whole exchange ends when ctx does.
func API(ctx context.Context, address, password string, cmd command.API) (string, error) {
	timeout := 10 * time.Second
	if d, ok := ctx.Deadline(); ok {
		timeout = time.Until(d)
	}
	nc, r, err := dialAuth(ctx, address, password, timeout)
	if err != nil {
		var ne net.Error
		if ctx.Err() != nil || errors.As(err, &ne) && ne.Timeout() {
			return "", fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
		}
		return "", err
	}
	defer nc.Close()
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	_ = nc.SetDeadline(time.Now().Add(timeout))
	if _, err := nc.Write(message(cmd)); err != nil {
		return "", err
	}
	for {
		f, err := wire.ReadFrame(r)
		if err != nil {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			return "", err
		}
		switch f.ContentType() {
		case wire.TypeAPIResponse, wire.TypeReply:
			_, _ = nc.Write(message(command.Exit{}))
			return strings.TrimRight(f.ReplyText(), "\r\n"), nil
		case wire.TypeDisconnect, wire.TypeRejection:
			return "", fmt.Errorf("FreeSWITCH ended the session: %s", strings.TrimSpace(string(f.Body)))
		}
	}
}

// connectLoop keeps one link up: connect, subscribe, reconcile, watch, and
// start over when the link drops.
func (s *Switch) connectLoop() {
	defer s.wg.Done()
	var gen uint64
	delay := time.Duration(0)
	for {
		if !s.sleep(delay) {
			return
		}
		delay = s.opts.ReconnectDelay
		l, r, err := s.dial(gen + 1)
		if err != nil {
			if s.ctx.Err() != nil {
				return
			}
			s.log.Warn().Err(err).Str("address", s.opts.Address).Msg("event socket connect failed")
			s.linkDown(err, true)
			continue
		}
		gen++
		s.log.Info().Str("address", s.opts.Address).Uint64("generation", gen).Msg("event socket connected")
		s.post(pumpMsg{kind: msgUp, gen: gen})
		go s.read(l, r)
		s.setLink(l)
		s.linkUp()
		if err := s.sync(l, gen > 1); err != nil {
			l.drop(err)
		}
		s.watch(l)
		s.setLink(nil)
		l.close()
		s.log.Warn().Err(l.lostErr).Uint64("generation", gen).Msg("event socket lost")
		s.linkDown(cmp.Or(l.lostErr, errors.New("event socket lost")), false)
		s.post(pumpMsg{kind: msgDown, gen: gen, err: l.lostErr})
		if s.ctx.Err() != nil {
			return
		}
	}
}

// sync subscribes and sends the engine a snapshot of what is live.
func (s *Switch) sync(l *link, reconnect bool) error {
	ctx, cancel := context.WithTimeout(s.ctx, 4*s.opts.CommandTimeout)
	defer cancel()
	f, err := l.do(ctx, s.opts.CommandTimeout, subscription)
	if err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	if reply := f.ReplyText(); !strings.HasPrefix(reply, "+OK") {
		return fmt.Errorf("subscribe: %s: %w", reply, ErrRejected)
	}
	if s.opts.RecordingDir == "" {
		if f, err := l.do(ctx, s.opts.CommandTimeout, command.API{Command: "global_getvar", Arguments: "recordings_dir"}); err != nil {
			return fmt.Errorf("recordings_dir: %w", err)
		} else if dir := strings.TrimSpace(f.ReplyText()); strings.HasPrefix(dir, "/") {
			s.recDir.Store(dir)
		}
	}
	if err := s.checkSounds(ctx, l); err != nil {
		return err
	}
	snap, live, err := s.snapshotOn(ctx, l)
	if err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	s.reg.resync(snap)
	s.reg.mu.Lock()
	clear(s.reg.streams) // the switch may have been restarted with other streams
	s.reg.mu.Unlock()
	s.post(pumpMsg{kind: msgSynced, gen: l.gen, snap: snap, live: live, reconnect: reconnect})
	return nil
}

// watch returns once the link is lost, pinging it while it is idle so that
// a half-open TCP connection is noticed, and waking FreeSWITCH's side of
// it every WakeInterval (see Options).
func (s *Switch) watch(l *link) {
	tick := time.NewTicker(s.opts.PingInterval)
	defer tick.Stop()
	var wake <-chan time.Time
	if s.opts.WakeInterval > 0 {
		t := time.NewTicker(s.opts.WakeInterval)
		defer t.Stop()
		wake = t.C
	}
	for {
		select {
		case <-l.lost:
			return
		case <-s.ctx.Done():
			l.drop(pbx.ErrClosed)
			return
		case <-wake:
			l.wake(s.opts.CommandTimeout)
		case <-tick.C:
			f, err := l.do(s.ctx, s.opts.CommandTimeout, command.API{Command: "status"})
			if err == nil && strings.HasPrefix(f.ReplyText(), "-ERR") {
				l.drop(fmt.Errorf("ping: %s", f.ReplyText()))
			}
		}
	}
}

func (s *Switch) sleep(d time.Duration) bool {
	if d <= 0 {
		return s.ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}

func (s *Switch) setLink(l *link) {
	s.linkMu.Lock()
	s.cur = l
	s.linkMu.Unlock()
}

// LinkState reports the event socket link to FreeSWITCH: up, or down
// since when and why. The HTTP API's /healthz and metrics read it.
func (s *Switch) LinkState() pbx.LinkState {
	s.linkMu.Lock()
	defer s.linkMu.Unlock()
	return s.state
}

func (s *Switch) linkUp() {
	s.linkMu.Lock()
	s.state = pbx.LinkState{Up: true, Since: time.Now()}
	s.linkMu.Unlock()
}

// linkDown records for LinkState that the link went down, or that one more
// attempt to bring it up failed.
func (s *Switch) linkDown(err error, attempt bool) {
	s.linkMu.Lock()
	defer s.linkMu.Unlock()
	s.state.Down(time.Now(), err, attempt)
}

func (s *Switch) link() *link {
	s.linkMu.Lock()
	defer s.linkMu.Unlock()
	return s.cur
}
