package ari

import (
	"io"
	"net"
	"sync"
	"testing"
)

// proxy is a TCP relay between the client and Asterisk that a test can cut
// (both ends see the connection close) or freeze (bytes stop flowing but the
// connections stay open: a half-open link as far as either end can tell).
type proxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex // guards pairs
	pairs []*pair
}

type pair struct {
	down, up net.Conn   // client side, Asterisk side
	gate     sync.Mutex // guards frozen
	frozen   bool
	thaw     *sync.Cond // on gate: frozen went false
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	go p.accept()
	t.Cleanup(func() {
		_ = ln.Close()
		p.cut()
	})
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) accept() {
	for {
		down, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = down.Close()
			continue
		}
		pr := &pair{down: down, up: up}
		pr.thaw = sync.NewCond(&pr.gate)
		p.mu.Lock()
		p.pairs = append(p.pairs, pr)
		p.mu.Unlock()
		go pr.pipe(up, down)
		go pr.pipe(down, up)
	}
}

// pipe copies src to dst, holding bytes back while the pair is frozen.
func (pr *pair) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		pr.gate.Lock()
		for pr.frozen {
			pr.thaw.Wait()
		}
		pr.gate.Unlock()
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				err = werr
			}
		}
		if err != nil {
			if err != io.EOF {
				_ = src.Close()
			}
			_ = dst.Close()
			return
		}
	}
}

// take hands over the connections open now; later ones are not affected.
func (p *proxy) take() []*pair {
	p.mu.Lock()
	defer p.mu.Unlock()
	pairs := p.pairs
	p.pairs = nil
	return pairs
}

func (pr *pair) setFrozen(f bool) {
	pr.gate.Lock()
	pr.frozen = f
	pr.thaw.Broadcast()
	pr.gate.Unlock()
}

func (pr *pair) close() {
	_ = pr.down.Close()
	_ = pr.up.Close()
	pr.setFrozen(false)
}

// cut closes every connection open now, both ends.
func (p *proxy) cut() {
	for _, pr := range p.take() {
		pr.close()
	}
}

// freeze stops the bytes on every connection open now and returns a
// function that closes those connections. New connections flow normally.
func (p *proxy) freeze() (release func()) {
	pairs := p.take()
	for _, pr := range pairs {
		pr.setFrozen(true)
	}
	return func() {
		for _, pr := range pairs {
			pr.close()
		}
	}
}
