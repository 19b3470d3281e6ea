package ws

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// serve starts a websocket server that checks basic auth; each accepted
// peer is sent on the channel.
func serve(t *testing.T, refuse bool) (string, <-chan *websocket.Conn) {
	t.Helper()
	peers := make(chan *websocket.Conn, 4)
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, _ := r.BasicAuth(); u != "hotline" || p != "secret" || refuse {
			http.Error(w, "nope", http.StatusUnauthorized)
			return
		}
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			t.Errorf("upgrade: %v", err)
			return
		}
		peers <- c
	}))
	t.Cleanup(srv.Close)
	return strings.Replace(srv.URL, "http://", "ws://", 1) + "/ari/events?app=hotline", peers
}

func dial(t *testing.T, url string, idle time.Duration) (*Conn, error) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://x", nil)
	req.SetBasicAuth("hotline", "secret")
	h := http.Header{"Authorization": req.Header["Authorization"]}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return Dial(ctx, url, h, idle)
}

func TestMessagesPingsAndClose(t *testing.T) {
	url, peers := serve(t, false)
	c, err := dial(t, url, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := <-peers
	pinged := make(chan string, 1)
	p.SetPingHandler(func(d string) error { pinged <- "ping"; return nil })
	pongs := make(chan string, 1)
	p.SetPongHandler(func(d string) error { pongs <- d; return nil })
	closed := make(chan int, 1)
	p.SetCloseHandler(func(code int, _ string) error { closed <- code; return nil })
	go func() {
		for {
			if _, _, err := p.ReadMessage(); err != nil {
				return
			}
		}
	}()

	big := bytes.Repeat([]byte("x"), 70000)
	_ = p.WriteMessage(websocket.TextMessage, []byte(`{"type":"StasisStart"}`))
	_ = p.WriteControl(websocket.PingMessage, []byte("hb"), time.Now().Add(time.Second))
	_ = p.WriteMessage(websocket.TextMessage, big)
	for _, want := range [][]byte{[]byte(`{"type":"StasisStart"}`), big} {
		got, err := c.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("message %.40q, want %.40q", got, want)
		}
	}
	select {
	case d := <-pongs:
		if d != "hb" {
			t.Fatalf("pong carried %q, want hb", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ping not answered")
	}
	if err := c.Ping(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-pinged:
	case <-time.After(5 * time.Second):
		t.Fatal("Ping sent nothing")
	}
	if err := c.Shutdown(); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-closed:
		if code != websocket.CloseNormalClosure {
			t.Fatalf("Shutdown sent close %d, want 1000", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Shutdown sent no close frame")
	}
	_ = p.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, "bye"), time.Now().Add(time.Second))
	if _, err := c.ReadMessage(); !errors.Is(err, ErrClosed) || !strings.Contains(err.Error(), "1000 bye") {
		t.Fatalf("after close frame: %v, want ErrClosed with status", err)
	}
}

func TestSilentLinkTimesOut(t *testing.T) {
	url, peers := serve(t, false)
	c, err := dial(t, url, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	<-peers // the peer never writes: a half-open link looks like this
	start := time.Now()
	read := make(chan error, 1)
	go func() { _, err := c.ReadMessage(); read <- err }()
	select {
	case err = <-read:
	case <-time.After(30 * time.Second): // without the idle deadline the read never ends
		t.Fatal("ReadMessage on a silent link still waits after 30 s; want a timeout after the 200 ms idle limit")
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("ReadMessage on a silent link: %v, want a deadline timeout", err)
	}
	if took := time.Since(start); took < 200*time.Millisecond {
		t.Fatalf("silent link given up after %v, before its 200 ms idle limit", took)
	}
}

func TestPongsKeepTheLinkAlive(t *testing.T) {
	url, peers := serve(t, false)
	// The idle limit is 20 ping intervals, so that a test descheduled for
	// a while on a loaded machine still sees the pings in time.
	c, err := dial(t, url, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := <-peers
	// The server only pings, every 100 ms, then sends one message after
	// 2.5 s: beyond the idle limit, yet never silent for long.
	go func() {
		for i := 0; i < 25; i++ {
			time.Sleep(100 * time.Millisecond)
			_ = p.WriteControl(websocket.PingMessage, nil, time.Now().Add(time.Second))
		}
		_ = p.WriteMessage(websocket.TextMessage, []byte("late"))
	}()
	got, err := c.ReadMessage()
	if err != nil || string(got) != "late" {
		t.Fatalf("ReadMessage = %q, %v; pings should have kept the link alive", got, err)
	}
}

func TestHandshakeRefused(t *testing.T) {
	url, _ := serve(t, true)
	_, err := dial(t, url, 0)
	if !errors.Is(err, ErrHandshake) || !strings.Contains(err.Error(), "401") {
		t.Fatalf("Dial against 401: %v, want ErrHandshake naming 401", err)
	}
}

func TestTooLarge(t *testing.T) {
	url, peers := serve(t, false)
	c, err := dial(t, url, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := <-peers
	go func() { _ = p.WriteMessage(websocket.TextMessage, make([]byte, MaxMessage+1)) }()
	if _, err := c.ReadMessage(); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized message: %v, want ErrTooLarge", err)
	}
}

func TestBadURL(t *testing.T) {
	if _, err := Dial(context.Background(), "ftp://x/events", nil, 0); err == nil || !strings.Contains(err.Error(), "ftp") {
		t.Fatalf("ftp URL: %v", err)
	}
}
