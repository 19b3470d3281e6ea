package sipptest

import "testing"

// FreeUDP hands out no base twice: bases given for phones not yet started
// are free to the kernel, and a sipp's media port picked meanwhile took
// one once (its SIP and audio sockets on the same port, the registration
// failed). 400 picks from some 7000 bases would repeat one almost surely.
func TestFreeUDPNeverTwice(t *testing.T) {
	seen := map[int]bool{}
	for range 400 {
		base := FreeUDP(t)
		if seen[base] {
			t.Fatalf("base %d handed out twice", base)
		}
		seen[base] = true
	}
}
