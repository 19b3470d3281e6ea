// Package ws is the client side of RFC 6455 websockets, just what ARI's event
// stream needs: a handshake with basic auth, text messages in, pings out, and
// a read deadline renewed by every frame so that a silent link is noticed.
//
// It exists because the websocket client ARI libraries use hides control
// frames: a pong can't be seen, so a half-open TCP link goes unnoticed.
package ws

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Errors of the websocket layer.
var (
	ErrHandshake = errors.New("ws: handshake refused")
	ErrProtocol  = errors.New("ws: protocol violation")
	ErrTooLarge  = errors.New("ws: message too large")
	ErrClosed    = errors.New("ws: closed by peer")
)

// Opcodes (RFC 6455 section 5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// MaxMessage bounds one assembled message; ARI events are a few kB.
const MaxMessage = 16 << 20

const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// Conn is a client websocket. ReadMessage must be called from one goroutine;
// Ping and Close may be called from any.
type Conn struct {
	nc   net.Conn
	br   *bufio.Reader
	idle time.Duration

	wmu     sync.Mutex  // serializes frame writes
	closing atomic.Bool // we sent a close frame
}

// Dial opens a websocket to rawURL ("ws://", "wss://" is not supported;
// "http://" is taken as "ws://") with the extra request header h. idle is
// the longest the link may stay silent before ReadMessage fails; 0 = forever.
func Dial(ctx context.Context, rawURL string, h http.Header, idle time.Duration) (*Conn, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("ws: url %q: %w", rawURL, err)
	}
	switch u.Scheme {
	case "ws", "http":
	default:
		return nil, fmt.Errorf("ws: url %q: scheme %q not supported", rawURL, u.Scheme)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, fmt.Errorf("ws: dial %s: %w", host, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	c, err := handshake(nc, u, h)
	if !stop() || err != nil {
		_ = nc.Close()
		if err == nil {
			err = ctx.Err()
		}
		return nil, err
	}
	_ = nc.SetDeadline(time.Time{})
	c.idle = idle
	return c, nil
}

func handshake(nc net.Conn, u *url.URL, h http.Header) (*Conn, error) {
	var raw [16]byte
	_, _ = rand.Read(raw[:])
	key := base64.StdEncoding.EncodeToString(raw[:])

	req := &http.Request{
		Method:     http.MethodGet,
		URL:        &url.URL{Path: u.Path, RawQuery: u.RawQuery},
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     http.Header{},
		Host:       u.Host,
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Sec-WebSocket-Key", key)
	req.Header.Set("Sec-WebSocket-Version", "13")
	if err := req.Write(nc); err != nil {
		return nil, fmt.Errorf("ws: send handshake: %w", err)
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return nil, fmt.Errorf("ws: read handshake: %w", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("%w: %s %s", ErrHandshake, resp.Status, body)
	}
	if got, want := resp.Header.Get("Sec-WebSocket-Accept"), acceptKey(key); got != want {
		return nil, fmt.Errorf("%w: bad Sec-WebSocket-Accept %q", ErrHandshake, got)
	}
	return &Conn{nc: nc, br: br}, nil
}

// acceptKey is the server's proof that it read our key (RFC 6455 4.2.2).
func acceptKey(key string) string {
	sum := sha1.Sum([]byte(key + acceptGUID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// ReadMessage returns the next text or binary message. It answers pings,
// swallows pongs and fails when the peer closes, breaks the protocol or stays
// silent longer than the idle limit.
func (c *Conn) ReadMessage() ([]byte, error) {
	var msg []byte
	inMessage := false
	for {
		if c.idle > 0 {
			_ = c.nc.SetReadDeadline(time.Now().Add(c.idle))
		}
		f, err := readFrame(c.br, MaxMessage)
		if err != nil {
			return nil, err
		}
		switch f.op {
		case opPing:
			if err := c.write(opPong, f.payload); err != nil {
				return nil, err
			}
		case opPong:
		case opClose:
			if !c.closing.Load() {
				_ = c.write(opClose, f.payload)
			}
			return nil, fmt.Errorf("%w: %s", ErrClosed, closeReason(f.payload))
		case opText, opBinary:
			if inMessage {
				return nil, fmt.Errorf("%w: new message inside a fragmented one", ErrProtocol)
			}
			if f.fin {
				return f.payload, nil
			}
			msg, inMessage = f.payload, true
		case opContinuation:
			if !inMessage {
				return nil, fmt.Errorf("%w: continuation without a message", ErrProtocol)
			}
			if len(msg)+len(f.payload) > MaxMessage {
				return nil, ErrTooLarge
			}
			msg = append(msg, f.payload...)
			if f.fin {
				return msg, nil
			}
		default:
			return nil, fmt.Errorf("%w: opcode %#x", ErrProtocol, f.op)
		}
	}
}

func closeReason(p []byte) string {
	if len(p) < 2 {
		return "no status"
	}
	return fmt.Sprintf("status %d %s", binary.BigEndian.Uint16(p), p[2:])
}

// Ping sends a ping; the pong (or any frame) renews ReadMessage's deadline.
func (c *Conn) Ping() error { return c.write(opPing, nil) }

// Shutdown starts the closing handshake: it sends a close frame and leaves
// the connection open, so that ReadMessage sees the peer's close frame once
// the peer is done. Close ends it either way.
func (c *Conn) Shutdown() error {
	_ = c.nc.SetWriteDeadline(time.Now().Add(time.Second))
	c.closing.Store(true)
	return c.write(opClose, []byte{0x03, 0xE8}) // 1000 normal closure
}

// Close closes the TCP connection, unblocking a ReadMessage in progress.
func (c *Conn) Close() error { return c.nc.Close() }

func (c *Conn) write(op byte, payload []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	var mask [4]byte
	_, _ = rand.Read(mask[:])
	_, err := c.nc.Write(appendFrame(nil, op, payload, mask))
	return err
}

// frame is one websocket frame after unmasking.
type frame struct {
	fin     bool
	op      byte
	payload []byte
}

// readFrame reads one frame from r. Server frames must not be masked, but a
// masked one is unmasked rather than refused: robustness costs nothing here.
func readFrame(r io.Reader, max int) (frame, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return frame{}, err
	}
	f := frame{fin: hdr[0]&0x80 != 0, op: hdr[0] & 0x0F}
	if hdr[0]&0x70 != 0 {
		return frame{}, fmt.Errorf("%w: reserved bits set", ErrProtocol)
	}
	masked := hdr[1]&0x80 != 0
	n := uint64(hdr[1] & 0x7F)
	switch n {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			return frame{}, unexpected(err)
		}
		n = uint64(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			return frame{}, unexpected(err)
		}
		n = binary.BigEndian.Uint64(ext[:])
	}
	if f.op >= opClose && (n > 125 || !f.fin) {
		return frame{}, fmt.Errorf("%w: bad control frame", ErrProtocol)
	}
	if n > uint64(max) {
		return frame{}, ErrTooLarge
	}
	var mask [4]byte
	if masked {
		if _, err := io.ReadFull(r, mask[:]); err != nil {
			return frame{}, unexpected(err)
		}
	}
	f.payload = make([]byte, n)
	if _, err := io.ReadFull(r, f.payload); err != nil {
		return frame{}, unexpected(err)
	}
	if masked {
		for i := range f.payload {
			f.payload[i] ^= mask[i%4]
		}
	}
	return f, nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// appendFrame appends one final frame with the given mask to b.
func appendFrame(b []byte, op byte, payload []byte, mask [4]byte) []byte {
	b = append(b, 0x80|op)
	switch n := len(payload); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n <= 0xFFFF:
		b = append(b, 0x80|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	b = append(b, mask[:]...)
	for i, p := range payload {
		b = append(b, p^mask[i%4])
	}
	return b
}
