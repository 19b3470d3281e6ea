package ws

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// peer is the server end of one test websocket.
type peer struct {
	nc net.Conn
	br *bufio.Reader
}

// send writes a server frame (unmasked).
func (p *peer) send(t *testing.T, fin bool, op byte, payload []byte) {
	t.Helper()
	b := appendFrame(nil, op, payload, [4]byte{})
	b[1] &^= 0x80 // servers do not mask; a zero mask key leaves the payload as is
	b = append(b[:len(b)-len(payload)-4], payload...)
	if !fin {
		b[0] &^= 0x80
	}
	if _, err := p.nc.Write(b); err != nil {
		t.Fatalf("server write: %v", err)
	}
}

func (p *peer) recv(t *testing.T) frame {
	t.Helper()
	_ = p.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	f, err := readFrame(p.br, MaxMessage)
	if err != nil {
		t.Fatalf("server read: %v", err)
	}
	return f
}

// serve starts a websocket server; each accepted peer is sent on the channel.
func serve(t *testing.T, status int) (string, <-chan *peer) {
	t.Helper()
	peers := make(chan *peer, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, _ := r.BasicAuth(); u != "hotline" || p != "secret" || status != http.StatusSwitchingProtocols {
			http.Error(w, "nope", http.StatusUnauthorized)
			return
		}
		nc, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Accept: " + acceptKey(r.Header.Get("Sec-WebSocket-Key")) + "\r\n\r\n")
		_ = brw.Flush()
		peers <- &peer{nc: nc, br: brw.Reader}
	}))
	t.Cleanup(srv.Close)
	return strings.Replace(srv.URL, "http://", "ws://", 1) + "/ari/events?app=hotline", peers
}

func dial(t *testing.T, url string, idle time.Duration) (*Conn, error) {
	t.Helper()
	h := http.Header{}
	req, _ := http.NewRequest(http.MethodGet, "http://x", nil)
	req.SetBasicAuth("hotline", "secret")
	h.Set("Authorization", req.Header.Get("Authorization"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return Dial(ctx, url, h, idle)
}

func TestMessagesPingsAndClose(t *testing.T) {
	url, peers := serve(t, http.StatusSwitchingProtocols)
	c, err := dial(t, url, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := <-peers

	p.send(t, true, opText, []byte(`{"type":"StasisStart"}`))
	p.send(t, false, opText, []byte(`{"type":`))
	p.send(t, true, opPing, []byte("hb")) // control frames may interleave fragments
	p.send(t, true, opPong, nil)
	p.send(t, true, opContinuation, []byte(`"Dial"}`))
	big := bytes.Repeat([]byte("x"), 70000) // 64-bit length
	p.send(t, true, opText, big)

	for _, want := range [][]byte{[]byte(`{"type":"StasisStart"}`), []byte(`{"type":"Dial"}`), big} {
		got, err := c.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("message %.40q, want %.40q", got, want)
		}
	}
	if f := p.recv(t); f.op != opPong || string(f.payload) != "hb" {
		t.Fatalf("reply to ping = op %#x %q, want pong \"hb\"", f.op, f.payload)
	}
	if err := c.Ping(); err != nil {
		t.Fatal(err)
	}
	if f := p.recv(t); f.op != opPing {
		t.Fatalf("Ping sent op %#x", f.op)
	}
	if err := c.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if f := p.recv(t); f.op != opClose || !bytes.Equal(f.payload, []byte{0x03, 0xE8}) {
		t.Fatalf("Shutdown sent op %#x %x, want close 1000", f.op, f.payload)
	}
	p.send(t, true, opClose, []byte{0x03, 0xE8, 'b', 'y', 'e'})
	if _, err := c.ReadMessage(); !errors.Is(err, ErrClosed) || !strings.Contains(err.Error(), "1000 bye") {
		t.Fatalf("after close frame: %v, want ErrClosed with status", err)
	}
}

func TestSilentLinkTimesOut(t *testing.T) {
	url, peers := serve(t, http.StatusSwitchingProtocols)
	c, err := dial(t, url, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	<-peers // the peer never writes: a half-open link looks like this
	_, err = c.ReadMessage()
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("ReadMessage on a silent link: %v, want a timeout", err)
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("want os.ErrDeadlineExceeded, got %v", err)
	}
}

func TestHandshakeRefused(t *testing.T) {
	url, _ := serve(t, http.StatusUnauthorized)
	_, err := dial(t, url, 0)
	if !errors.Is(err, ErrHandshake) || !strings.Contains(err.Error(), "401") {
		t.Fatalf("Dial against 401: %v, want ErrHandshake naming 401", err)
	}
}

func TestProtocolViolations(t *testing.T) {
	for name, raw := range map[string][]byte{
		"reserved bits":       {0xF1, 0x00},
		"long ping":           append([]byte{0x89, 126, 0, 200}, make([]byte, 200)...),
		"fragmented close":    {0x08, 0x00},
		"truncated payload":   {0x81, 0x05, 'a'},
		"oversized":           {0x82, 127, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF},
		"truncated extension": {0x81, 126, 0x01},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := readFrame(bytes.NewReader(raw), MaxMessage); err == nil {
				t.Fatalf("readFrame(%x) accepted a bad frame", raw)
			}
		})
	}
}

// A client frame must read back as sent, whatever its size class.
func TestFrameRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 125, 126, 65535, 65536} {
		payload := bytes.Repeat([]byte{0x5A}, n)
		b := appendFrame(nil, opBinary, payload, [4]byte{1, 2, 3, 4})
		f, err := readFrame(bytes.NewReader(b), MaxMessage)
		if err != nil {
			t.Fatalf("size %d: %v", n, err)
		}
		if !f.fin || f.op != opBinary || !bytes.Equal(f.payload, payload) {
			t.Fatalf("size %d: got fin=%v op=%#x len=%d", n, f.fin, f.op, len(f.payload))
		}
	}
}

func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{0x81, 0x02, 'h', 'i'})
	f.Add(appendFrame(nil, opText, []byte("masked"), [4]byte{9, 8, 7, 6}))
	f.Add([]byte{0x82, 126, 0x00, 0x03, 1, 2, 3})
	f.Add([]byte{0x88, 0x02, 0x03, 0xE8})
	f.Fuzz(func(t *testing.T, raw []byte) {
		fr, err := readFrame(bytes.NewReader(raw), 1<<16)
		if err != nil {
			return
		}
		// Whatever parses must survive being written and read again.
		again, err := readFrame(bytes.NewReader(appendFrame(nil, fr.op, fr.payload, [4]byte{0xA, 0xB, 0xC, 0xD})), 1<<16)
		if err != nil || again.op != fr.op || !bytes.Equal(again.payload, fr.payload) {
			t.Fatalf("round trip of %x: %v %+v", raw, err, again)
		}
	})
}
