package sipptest

import (
	"errors"
	"math"
	"net"
	"sync"
	"testing"
	"time"
)

// RTPSink stands in for a SIP caller's ear: a caller scenario given its
// port (Caller.MediaPort) advertises it in SDP, so Asterisk sends what the
// caller would hear here, and the sink notes when each packet came.
type RTPSink struct {
	conn net.PacketConn

	mu   sync.Mutex // guards pkts
	pkts []rtpPacket
}

type rtpPacket struct {
	at      time.Time
	samples []float64 // linear, -1..1
}

// Listen opens a sink on a free loopback port; it closes at cleanup.
func Listen(t testing.TB) *RTPSink {
	t.Helper()
	var conn net.PacketConn
	for range 20 {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if c.LocalAddr().(*net.UDPAddr).Port%2 == 0 { // RTP ports are even
			conn = c
			break
		}
		c.Close()
	}
	if conn == nil {
		t.Fatal("no even UDP port for RTP")
	}
	s := &RTPSink{conn: conn}
	done := make(chan struct{})
	go s.read(done)
	t.Cleanup(func() { conn.Close(); <-done })
	return s
}

// Port is the sink's UDP port.
func (s *RTPSink) Port() int { return s.conn.LocalAddr().(*net.UDPAddr).Port }

func (s *RTPSink) read(done chan struct{}) {
	defer close(done)
	buf := make([]byte, 2048)
	for {
		n, _, err := s.conn.ReadFrom(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		at := time.Now()
		if err != nil || n < 12 || buf[0]>>6 != 2 || buf[1]&0x7f != 0 { // RTP version 2, PCMU
			continue
		}
		off := 12 + 4*int(buf[0]&0x0f)
		if buf[0]&0x10 != 0 && n >= off+4 { // header extension
			off += 4 + 4*(int(buf[off+2])<<8|int(buf[off+3]))
		}
		if off >= n {
			continue
		}
		samples := make([]float64, n-off)
		for i, b := range buf[off:n] {
			samples[i] = ulaw(b)
		}
		s.mu.Lock()
		s.pkts = append(s.pkts, rtpPacket{at: at, samples: samples})
		s.mu.Unlock()
	}
}

// Packets is how many audio packets came.
func (s *RTPSink) Packets() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pkts)
}

// FirstTone is when the first packet after from came that is mostly a tone
// of hz (at least 70% of its amplitude, and not silence).
func (s *RTPSink) FirstTone(hz float64, from time.Time) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.pkts {
		if p.at.Before(from) {
			continue
		}
		if toneShare(p.samples, hz) >= 0.7 && rms(p.samples) > 0.01 {
			return p.at, true
		}
	}
	return time.Time{}, false
}

// ulaw decodes one G.711 µ-law sample.
func ulaw(b byte) float64 {
	b = ^b
	exp := (b >> 4) & 7
	v := ((int(b&0x0f) << 3) + 0x84) << exp
	v -= 0x84
	if b&0x80 != 0 {
		v = -v
	}
	return float64(v) / 32768
}

func rms(x []float64) float64 {
	var sum float64
	for _, v := range x {
		sum += v * v
	}
	return math.Sqrt(sum / float64(len(x)))
}

// toneShare is the amplitude of hz in x (Goertzel, 8 kHz) over the
// amplitude a pure tone of x's power would have: about 1 for that tone,
// small for speech or other tones.
func toneShare(x []float64, hz float64) float64 {
	r := rms(x)
	if r == 0 {
		return 0
	}
	coeff := 2 * math.Cos(2*math.Pi*hz/8000)
	var s1, s2 float64
	for _, v := range x {
		s1, s2 = v+coeff*s1-s2, s1
	}
	power := s1*s1 + s2*s2 - coeff*s1*s2
	amp := 2 * math.Sqrt(math.Max(power, 0)) / float64(len(x))
	return amp / (r * math.Sqrt2)
}
