// Package linkcut relays TCP between Hotline and a switch in tests, so that
// a test can cut the link or leave it half-open while calls go on.
package linkcut

import (
	"net"
	"sync"
	"testing"
	"time"
)

// Relay relays TCP between Hotline and a switch (ARI's REST requests and
// event websocket, or the event socket). It can cut the link (close every
// relayed connection and refuse new ones until resumed, on the same port) or
// freeze the connections open now (bytes stop, nobody is told: a half-open
// link, as after a NAT or firewall drops its state) while new ones pass.
type Relay struct {
	target string
	// Addr is where Hotline connects instead of target.
	Addr string

	mu     sync.Mutex // guards ln and conns
	thawed *sync.Cond // on mu: a connection was closed
	ln     net.Listener
	conns  map[net.Conn]bool // relayed connections → frozen
}

// New relays a free loopback port to target until the test ends.
func New(t testing.TB, target string) *Relay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Relay{target: target, Addr: ln.Addr().String(), ln: ln, conns: map[net.Conn]bool{}}
	p.thawed = sync.NewCond(&p.mu)
	go p.accept(ln)
	t.Cleanup(p.Cut)
	return p
}

func (p *Relay) accept(ln net.Listener) {
	for {
		down, err := ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = down.Close()
			continue
		}
		if !p.track(down, up) {
			_ = down.Close()
			_ = up.Close()
			continue
		}
		go p.relay(down, up)
		go p.relay(up, down)
	}
}

// track adds a relayed pair unless the link was cut meanwhile.
func (p *Relay) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		return false
	}
	for _, c := range conns {
		p.conns[c] = false
	}
	return true
}

// relay copies src to dst until either closes; bytes read from a frozen
// src are held back until the relay closes it.
func (p *Relay) relay(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			for p.conns[src] {
				p.thawed.Wait()
			}
			_, open := p.conns[src]
			p.mu.Unlock()
			if !open {
				break
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	_ = dst.Close()
	_ = src.Close()
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.thawed.Broadcast()
	p.mu.Unlock()
}

// Freeze stops the bytes of every connection relayed now, for good; the
// connections stay open until cut.
func (p *Relay) Freeze() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		p.conns[c] = true
	}
	return len(p.conns) / 2
}

// Cut closes the listener and every relayed connection.
func (p *Relay) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		_ = c.Close()
		delete(p.conns, c)
	}
	p.thawed.Broadcast()
}

// Resume listens again on the same address (retrying while the old socket
// lingers).
func (p *Relay) Resume(t testing.TB) {
	t.Helper()
	var ln net.Listener
	var err error
	for range 20 {
		if ln, err = net.Listen("tcp", p.Addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("relay: listening again on %s: %v", p.Addr, err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go p.accept(ln)
}
