package linkcut_test

import (
	"bufio"
	"net"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/internal/linkcut"
)

// echo serves lines back until the test ends.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					if _, err := c.Write(append(sc.Bytes(), '\n')); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// answered bounds a round trip that must succeed: only a link that never
// answers takes it, so a loaded machine does not fail the test. A round
// trip that must fail gets a short bound instead.
const answered = 30 * time.Second

// roundTrip sends a line over c and reads it back within a deadline.
func roundTrip(c net.Conn, r *bufio.Reader, line string, within time.Duration) (string, error) {
	_ = c.SetDeadline(time.Now().Add(within))
	if _, err := c.Write([]byte(line + "\n")); err != nil {
		return "", err
	}
	got, err := r.ReadString('\n')
	return got, err
}

func dial(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, bufio.NewReader(c)
}

func TestCutRefusesUntilResumed(t *testing.T) {
	r := linkcut.New(t, echo(t))
	c, rd := dial(t, r.Addr)
	if got, err := roundTrip(c, rd, "one", answered); err != nil || got != "one\n" {
		t.Fatalf("before the cut: %q, %v", got, err)
	}
	r.Cut()
	if _, err := roundTrip(c, rd, "two", time.Second); err == nil {
		t.Error("a relayed connection still carries bytes after the cut")
	}
	if c2, err := net.Dial("tcp", r.Addr); err == nil {
		c2.Close()
		t.Error("a new connection was accepted during the cut")
	}
	r.Resume(t)
	c3, rd3 := dial(t, r.Addr)
	if got, err := roundTrip(c3, rd3, "three", answered); err != nil || got != "three\n" {
		t.Fatalf("after resume, on the same address: %q, %v", got, err)
	}
}

func TestFreezeStopsOpenConnectionsOnly(t *testing.T) {
	r := linkcut.New(t, echo(t))
	old, rdOld := dial(t, r.Addr)
	if _, err := roundTrip(old, rdOld, "warm", answered); err != nil {
		t.Fatal(err)
	}
	if n := r.Freeze(); n != 1 {
		t.Errorf("froze %d connections, want 1", n)
	}
	if got, err := roundTrip(old, rdOld, "lost", 300*time.Millisecond); err == nil {
		t.Errorf("a frozen connection answered %q", got)
	}
	fresh, rdFresh := dial(t, r.Addr)
	if got, err := roundTrip(fresh, rdFresh, "new", answered); err != nil || got != "new\n" {
		t.Errorf("a connection made after the freeze: %q, %v", got, err)
	}
}
