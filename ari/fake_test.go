package ari

import (
	"bufio"
	"cmp"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeARI is an ARI server in memory: enough REST and websocket for the
// client's link machinery, with hooks to misbehave. It records every
// command request, like httptest.ResponseRecorder records a response.
type fakeARI struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex // guards the fields below
	sess     *fakeSession
	sessions int
	mute     bool          // answer neither pings nor heartbeats: a half-open link
	ping     time.Duration // the client's PingInterval (0: 2 s)
	refuse   []int         // statuses for the next websocket handshakes, one each (Asterisk starting: 404, 503)
	channels string        // JSON of GET /channels
	bridges  string        // JSON of GET /bridges
	requests []string
	answers  map[string]fakeAnswer // by "METHOD /path"
}

type fakeAnswer struct {
	status int
	body   string
	then   func(f *fakeARI) // runs after the answer is written
}

type fakeSession struct {
	nc  net.Conn
	wmu sync.Mutex // serializes frame writes
}

func newFakeARI(t *testing.T) *fakeARI {
	t.Helper()
	f := &fakeARI{t: t, channels: "[]", bridges: "[]", answers: map[string]fakeAnswer{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		f.dropSession()
		f.srv.Close()
	})
	return f
}

func (f *fakeARI) url() string { return f.srv.URL + "/ari" }

// client starts a Client on the fake with a short reconnect delay. Its
// ping interval (f.ping, 2 s unless a test about the link's liveness
// shortens it) and request timeout are long enough that a test
// descheduled on a loaded machine does not lose its link or a command.
func (f *fakeARI) client(t *testing.T) *Client {
	t.Helper()
	c, err := New(Options{
		URL: f.url(), Username: "hotline", Password: "secret",
		PingInterval: cmp.Or(f.ping, 2*time.Second), RequestTimeout: 30 * time.Second, ReconnectDelay: 50 * time.Millisecond,
		Log: testLog(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func (f *fakeARI) answer(method, path string, a fakeAnswer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[method+" "+path] = a
}

// refuseNext makes the next websocket handshakes answer these statuses.
func (f *fakeARI) refuseNext(statuses ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refuse = append(f.refuse, statuses...)
}

func (f *fakeARI) setMute(m bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mute = m
}

func (f *fakeARI) recorded() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

func (f *fakeARI) sessionCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sessions
}

func (f *fakeARI) serve(w http.ResponseWriter, r *http.Request) {
	if u, p, _ := r.BasicAuth(); u != "hotline" || p != "secret" {
		http.Error(w, `{"message":"Authentication required"}`, http.StatusUnauthorized)
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/ari")
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	mute := f.mute
	switch {
	case path == "/events" && r.Header.Get("Upgrade") == "websocket":
		var refuse int
		if len(f.refuse) > 0 {
			refuse, f.refuse = f.refuse[0], f.refuse[1:]
		}
		f.mu.Unlock()
		if refuse != 0 {
			http.Error(w, http.StatusText(refuse), refuse)
			return
		}
		if mute {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		f.upgrade(w, r)
		return
	case path == "/events/user/"+heartbeatEvent:
		f.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		f.mu.Lock()
		s := f.sess
		f.mu.Unlock()
		if !mute && s != nil { // a heartbeat into a dropped link is lost, as in Asterisk
			_ = s.write(0x1, []byte(`{"type":"ChannelUserevent","eventname":"`+heartbeatEvent+`","application":"hotline"}`))
		}
		return
	case r.Method == http.MethodGet && path == "/channels":
		body := f.channels
		f.mu.Unlock()
		_, _ = io.WriteString(w, body)
		return
	case r.Method == http.MethodGet && path == "/bridges":
		body := f.bridges
		f.mu.Unlock()
		_, _ = io.WriteString(w, body)
		return
	case r.Method == http.MethodGet && path == "/asterisk/info" && r.URL.Query().Get("only") == "status":
		// Its clock is years off this machine's: it has run three hours.
		f.mu.Unlock()
		_, _ = io.WriteString(w, `{"status":{"startup_time":"2020-03-01T07:00:00.250+0100","last_reload_time":"2020-03-01T09:00:00.000+0100"}}`)
		return
	case r.Method == http.MethodGet && path == "/asterisk/ping":
		f.mu.Unlock()
		_, _ = io.WriteString(w, `{"asterisk_id":"02:42:ac:11:00:02","ping":"pong","timestamp":"2020-03-01T10:00:00.250+0100"}`)
		return
	case r.Method == http.MethodGet && path == "/applications/hotline":
		f.mu.Unlock()
		_, _ = io.WriteString(w, `{"name":"hotline","channel_ids":["in-1","leg-9"],"bridge_ids":[]}`)
		return
	}
	line := r.Method + " " + path
	if r.URL.RawQuery != "" {
		line += "?" + r.URL.RawQuery
	}
	if len(body) > 0 {
		line += " " + strings.TrimSpace(string(body))
	}
	f.requests = append(f.requests, line)
	a, ok := f.answers[r.Method+" "+path+"?"+r.URL.RawQuery] // a request with just these parameters
	if !ok {
		a, ok = f.answers[r.Method+" "+path]
	}
	f.mu.Unlock()
	if !ok {
		a = fakeAnswer{status: http.StatusNoContent}
	}
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
	if a.then != nil {
		a.then(f)
	}
}

func (f *fakeARI) upgrade(w http.ResponseWriter, r *http.Request) {
	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		f.t.Errorf("hijack: %v", err)
		return
	}
	sum := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: " + base64.StdEncoding.EncodeToString(sum[:]) + "\r\n\r\n")
	_ = brw.Flush()
	s := &fakeSession{nc: nc}
	f.mu.Lock()
	f.sess = s
	f.sessions++
	f.mu.Unlock()
	go f.readClient(s, brw.Reader)
}

// readClient answers the client's pings (unless muted) and its close.
func (f *fakeARI) readClient(s *fakeSession, br *bufio.Reader) {
	for {
		var hdr [2]byte
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return
		}
		n := int(hdr[1] & 0x7F)
		switch n {
		case 126:
			var ext [2]byte
			_, _ = io.ReadFull(br, ext[:])
			n = int(binary.BigEndian.Uint16(ext[:]))
		case 127:
			var ext [8]byte
			_, _ = io.ReadFull(br, ext[:])
			n = int(binary.BigEndian.Uint64(ext[:]))
		}
		var mask [4]byte
		_, _ = io.ReadFull(br, mask[:])
		payload := make([]byte, n)
		if _, err := io.ReadFull(br, payload); err != nil {
			return
		}
		for i := range payload {
			payload[i] ^= mask[i%4]
		}
		f.mu.Lock()
		mute := f.mute
		f.mu.Unlock()
		switch hdr[0] & 0x0F {
		case 0x9:
			if !mute {
				s.write(0xA, payload)
			}
		case 0x8:
			s.write(0x8, payload)
			_ = s.nc.Close()
			return
		}
	}
}

func (s *fakeSession) write(op byte, payload []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	b := []byte{0x80 | op}
	switch n := len(payload); {
	case n < 126:
		b = append(b, byte(n))
	case n <= 0xFFFF:
		b = append(b, 126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	_ = s.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := s.nc.Write(append(b, payload...))
	return err
}

// emit sends one ARI event on the current websocket.
func (f *fakeARI) emit(event string) {
	f.mu.Lock()
	s := f.sess
	f.mu.Unlock()
	if s == nil {
		f.t.Errorf("emit with no websocket: %s", event)
		return
	}
	if err := s.write(0x1, []byte(event)); err != nil {
		f.t.Errorf("emit: %v", err)
	}
}

// dropSession closes the websocket's TCP connection without a close frame.
func (f *fakeARI) dropSession() {
	f.mu.Lock()
	s := f.sess
	f.sess = nil
	f.mu.Unlock()
	if s != nil {
		_ = s.nc.Close()
	}
}
