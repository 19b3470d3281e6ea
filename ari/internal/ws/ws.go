// Package ws is the websocket link ARI's event stream needs, on
// github.com/gorilla/websocket: a handshake with basic auth, text messages
// in, pings out, and a read deadline renewed by every frame (pongs
// included) so that a silent, half-open link is noticed.
//
// It exists because the client inside the ARI library hides control frames
// (a pong can't be seen) and reconnects silently.
package ws

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/gorilla/websocket"
)

// Errors of the websocket layer.
var (
	ErrHandshake = errors.New("ws: handshake refused")
	ErrClosed    = errors.New("ws: closed by peer")
	ErrTooLarge  = errors.New("ws: message too large")
)

// HandshakeError is a handshake the server answered with a status other
// than 101; errors.Is(err, ErrHandshake) holds for it.
type HandshakeError struct {
	Host   string
	Status int    // HTTP status code
	Text   string // the status line's text, e.g. "503 Service Unavailable"
}

func (e *HandshakeError) Error() string {
	return fmt.Sprintf("%v: %s answered %s", ErrHandshake, e.Host, e.Text)
}

// Is makes errors.Is(err, ErrHandshake) hold.
func (e *HandshakeError) Is(target error) bool { return target == ErrHandshake }

// MaxMessage bounds one assembled message; ARI events are a few kB.
const MaxMessage = 16 << 20

// controlWait bounds writing a ping or close frame.
const controlWait = time.Second

// Conn is a client websocket. ReadMessage must be called from one goroutine;
// Ping, Shutdown and Close may be called from any.
type Conn struct {
	c    *websocket.Conn
	idle time.Duration
}

// Dial opens a websocket to rawURL ("ws://"; "http://" is taken as "ws://";
// "wss://" and "https://" use TLS) with the extra request header h. idle is
// the longest the link may stay silent before ReadMessage fails; 0 = forever.
func Dial(ctx context.Context, rawURL string, h http.Header, idle time.Duration) (*Conn, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("ws: url %q: %w", rawURL, err)
	}
	switch u.Scheme {
	case "ws", "wss":
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return nil, fmt.Errorf("ws: url %q: scheme %q not supported", rawURL, u.Scheme)
	}
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second, Proxy: http.ProxyFromEnvironment}
	c, resp, err := d.DialContext(ctx, u.String(), h)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		if errors.Is(err, websocket.ErrBadHandshake) && resp != nil {
			return nil, &HandshakeError{Host: u.Host, Status: resp.StatusCode, Text: resp.Status}
		}
		return nil, fmt.Errorf("ws: dial %s: %w", u.Host, err)
	}
	conn := &Conn{c: c, idle: idle}
	c.SetReadLimit(MaxMessage)
	// Any frame proves the link alive: renew the deadline on pings and
	// pongs too, not only on messages.
	c.SetPongHandler(func(string) error { conn.renew(); return nil })
	c.SetPingHandler(func(data string) error {
		conn.renew()
		err := c.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(controlWait))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	})
	return conn, nil
}

func (c *Conn) renew() {
	if c.idle > 0 {
		_ = c.c.SetReadDeadline(time.Now().Add(c.idle))
	}
}

// ReadMessage returns the next text or binary message. It answers pings,
// swallows pongs and fails when the peer closes, breaks the protocol or stays
// silent longer than the idle limit (a net.Error with Timeout()).
func (c *Conn) ReadMessage() ([]byte, error) {
	c.renew()
	_, msg, err := c.c.ReadMessage()
	if err == nil {
		return msg, nil
	}
	var ce *websocket.CloseError
	switch {
	case errors.As(err, &ce):
		return nil, fmt.Errorf("%w: status %d %s", ErrClosed, ce.Code, ce.Text)
	case errors.Is(err, websocket.ErrReadLimit):
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, MaxMessage)
	}
	return nil, err
}

// Ping sends a ping; the pong (or any frame) renews ReadMessage's deadline.
func (c *Conn) Ping() error {
	return c.c.WriteControl(websocket.PingMessage, nil, time.Now().Add(controlWait))
}

// Shutdown starts the closing handshake: it sends a close frame and leaves
// the connection open, so that ReadMessage sees the peer's close frame once
// the peer is done. Close ends it either way.
func (c *Conn) Shutdown() error {
	return c.c.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(controlWait))
}

// Close closes the TCP connection, unblocking a ReadMessage in progress.
func (c *Conn) Close() error { return c.c.Close() }
