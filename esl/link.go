package esl

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/percipia/eslgo"
	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/esl/internal/wire"
)

// subscription is every event the tracker reads. Event-Sequence is global
// in FreeSWITCH, so the events left out show up as gaps in the numbering.
const subscription = "event json CHANNEL_CREATE CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA CHANNEL_ANSWER " +
	"CHANNEL_PARK CHANNEL_BRIDGE CHANNEL_UNBRIDGE CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE " +
	"CHANNEL_EXECUTE_COMPLETE DTMF BACKGROUND_JOB RECORD_START RECORD_STOP"

// link is one authenticated inbound connection. Its generation number tells
// its events apart from those of an earlier connection still in flight.
type link struct {
	conn *eslgo.Conn
	gen  uint64

	// cmdMu keeps one command in flight: eslgo hands whatever reply comes
	// next to whichever caller is waiting, so two waiting callers could
	// swap replies.
	cmdMu sync.Mutex

	lostOnce sync.Once
	lost     chan struct{} // closed when the link is unusable
	lostErr  error         // set before lost is closed

	ctx    context.Context // eslgo's running context for this connection
	cancel context.CancelFunc
}

func newLink(parent context.Context, gen uint64) *link {
	ctx, cancel := context.WithCancel(parent)
	return &link{gen: gen, lost: make(chan struct{}), ctx: ctx, cancel: cancel}
}

// closeConn ends the connection. eslgo's auth and disconnect loops read its
// reply-channel map without the lock Close takes to empty it, so they are
// stopped through the context first and given a moment to return.
func (l *link) closeConn() {
	l.cancel()
	if l.conn != nil {
		time.Sleep(10 * time.Millisecond)
		l.conn.Close()
	}
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

// rawCommand is a command line (plus optional header lines) sent as is.
type rawCommand string

func (c rawCommand) BuildMessage() string { return string(c) }

// do sends one command and waits for its reply. Any failure, a timeout
// included, drops the link: the reply may still arrive, and eslgo would
// give it to the next command as if it were that command's own.
func (l *link) do(ctx context.Context, timeout time.Duration, cmd rawCommand) (*eslgo.RawResponse, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l.cmdMu.Lock()
	defer l.cmdMu.Unlock()
	if l.isLost() {
		return nil, fmt.Errorf("%w: %v", pbx.ErrDisconnected, l.lostErr)
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := l.conn.SendCommand(cctx, cmd)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			err = fmt.Errorf("%w after %v", ErrCommandTimeout, timeout)
		}
		l.drop(fmt.Errorf("command %q: %w", firstLine(string(cmd)), err))
		return nil, fmt.Errorf("%w (%w)", pbx.ErrDisconnected, err)
	}
	return resp, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// dial connects and authenticates. eslgo's Dial waits for auth/request with
// no time limit, so it runs aside and is abandoned if it takes too long.
func (s *Switch) dial(l *link) (*eslgo.Conn, error) {
	opts := eslgo.InboundOptions{
		Options: eslgo.Options{
			Context:     l.ctx,
			Logger:      eslLogger{s.log.With().Str("lib", "eslgo").Logger()},
			ExitTimeout: time.Second,
		},
		Network:      "tcp",
		Password:     s.opts.Password,
		AuthTimeout:  s.opts.CommandTimeout,
		OnDisconnect: func() { l.drop(errors.New("FreeSWITCH closed the event socket")) },
	}
	type result struct {
		conn *eslgo.Conn
		err  error
	}
	done := make(chan result, 1)
	go func() {
		c, err := opts.Dial(s.opts.Address)
		done <- result{c, err}
	}()
	timer := time.NewTimer(2 * s.opts.CommandTimeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.conn, r.err
	case <-timer.C:
		go func() {
			if r := <-done; r.conn != nil {
				r.conn.Close()
			}
		}()
		return nil, fmt.Errorf("no auth/request from %s within %v", s.opts.Address, 2*s.opts.CommandTimeout)
	case <-s.ctx.Done():
		return nil, pbx.ErrClosed
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
		l := newLink(s.ctx, gen+1)
		conn, err := s.dial(l)
		if err != nil {
			l.cancel()
			if s.ctx.Err() != nil {
				return
			}
			s.log.Warn().Err(err).Str("address", s.opts.Address).Msg("event socket connect failed")
			continue
		}
		gen++
		l.conn = conn
		s.log.Info().Str("address", s.opts.Address).Uint64("generation", gen).Msg("event socket connected")
		s.post(pumpMsg{kind: msgUp, gen: gen})
		conn.RegisterEventListener(eslgo.EventListenAll, func(e *eslgo.Event) { s.onEvent(gen, e) })
		s.setLink(l)
		if err := s.sync(l, gen > 1); err != nil {
			l.drop(err)
		}
		s.watch(l)
		s.setLink(nil)
		l.closeConn()
		s.log.Warn().Err(l.lostErr).Uint64("generation", gen).Msg("event socket lost")
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
	resp, err := l.do(ctx, s.opts.CommandTimeout, subscription)
	if err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	if !resp.IsOk() {
		return fmt.Errorf("subscribe: %s: %w", resp.GetReply(), ErrRejected)
	}
	if s.opts.RecordingDir == "" {
		if resp, err := l.do(ctx, s.opts.CommandTimeout, "api global_getvar recordings_dir"); err != nil {
			return fmt.Errorf("recordings_dir: %w", err)
		} else if dir := strings.TrimSpace(resp.GetReply()); strings.HasPrefix(dir, "/") {
			s.recDir.Store(dir)
		}
	}
	snap, live, err := s.snapshotOn(ctx, l)
	if err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	s.reg.resync(snap)
	s.post(pumpMsg{kind: msgSynced, gen: l.gen, snap: snap, live: live, reconnect: reconnect})
	return nil
}

// watch returns once the link is lost, pinging it while it is idle so that
// a half-open TCP connection is noticed.
func (s *Switch) watch(l *link) {
	tick := time.NewTicker(s.opts.PingInterval)
	defer tick.Stop()
	for {
		select {
		case <-l.lost:
			return
		case <-s.ctx.Done():
			l.drop(pbx.ErrClosed)
			return
		case <-tick.C:
			resp, err := l.do(s.ctx, s.opts.CommandTimeout, "api status")
			if err == nil && strings.HasPrefix(resp.GetReply(), "-ERR") {
				l.drop(fmt.Errorf("ping: %s", resp.GetReply()))
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

func (s *Switch) link() *link {
	s.linkMu.Lock()
	defer s.linkMu.Unlock()
	return s.cur
}

// onEvent runs on one of eslgo's goroutines per event, in no particular
// order. It does nothing but hand the event to the pump, which decodes it
// and restores the order: the less each goroutine does, the sooner every
// one of them has run, and the shorter a straggler keeps a gap open.
func (s *Switch) onEvent(gen uint64, e *eslgo.Event) {
	s.post(pumpMsg{kind: msgEvent, gen: gen, raw: e})
}

// decodeESLEvent reads a JSON event's body, or falls back to the headers
// eslgo parsed from a plain one (their names are then canonicalized).
func decodeESLEvent(e *eslgo.Event) (*wire.Event, error) {
	if len(e.Headers) == 0 {
		ev, err := wire.ParseJSON(e.Body)
		return &ev, err
	}
	ev := &wire.Event{Body: string(e.Body)}
	for name, values := range e.Headers {
		for _, v := range values {
			ev.Headers = append(ev.Headers, wire.Header{Name: name, Value: wire.Decode(v)})
		}
	}
	return ev, nil
}

// eslLogger sends eslgo's own messages to zerolog.
type eslLogger struct{ log zerolog.Logger }

func (l eslLogger) Debug(f string, a ...interface{}) { l.log.Debug().Msgf(strings.TrimSpace(f), a...) }
func (l eslLogger) Info(f string, a ...interface{})  { l.log.Debug().Msgf(strings.TrimSpace(f), a...) }
func (l eslLogger) Warn(f string, a ...interface{})  { l.log.Warn().Msgf(strings.TrimSpace(f), a...) }
func (l eslLogger) Error(f string, a ...interface{}) { l.log.Error().Msgf(strings.TrimSpace(f), a...) }
