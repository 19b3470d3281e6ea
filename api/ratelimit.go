package api

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// signInLimit throttles sign-ins per client address, on top of the
// per-user lockout: one address trying many names (which the lockout never
// sees, since no single user fails often) is slowed to Refill per failure
// once it has spent Burst. Each attempt takes its token before the password
// is hashed and a success gives it back, so attempts sent at once are
// counted as they come, not as their hashes finish: a burst of 40 from one
// address gets 10 checked and 30 refused, and a flood costs no argon2 work.
//
// The address is the connection's: behind a reverse proxy every client is
// the proxy, so the limit then applies to all of them together.
type signInLimit struct {
	Burst  int           // failures allowed at once
	Refill time.Duration // one more failure allowed after each such wait

	mu      sync.Mutex // guards buckets
	buckets map[string]bucket
}

// bucket is one address's allowance: tokens as of at.
type bucket struct {
	tokens float64
	at     time.Time
}

// defaultSignInLimit allows 10 failures at once, then one every 6 s (10 a minute).
func defaultSignInLimit() *signInLimit {
	return &signInLimit{Burst: 10, Refill: 6 * time.Second, buckets: map[string]bucket{}}
}

// maxBuckets bounds the addresses kept; past it, full buckets are dropped.
const maxBuckets = 4096

func (l *signInLimit) current(addr string, now time.Time) bucket {
	b, ok := l.buckets[addr]
	if !ok {
		return bucket{tokens: float64(l.Burst), at: now}
	}
	b.tokens = min(float64(l.Burst), b.tokens+float64(now.Sub(b.at))/float64(l.Refill))
	b.at = now
	return b
}

// take spends one of addr's allowance for an attempt and returns 0, or
// returns how long addr must wait (spending nothing) when none is left.
func (l *signInLimit) take(addr string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.current(addr, now)
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) * float64(l.Refill))
	}
	b.tokens--
	l.buckets[addr] = b
	if len(l.buckets) > maxBuckets {
		for a := range l.buckets {
			if l.current(a, now).tokens >= float64(l.Burst) {
				delete(l.buckets, a)
			}
		}
	}
	return 0
}

// succeeded gives back the token a successful attempt took: only failures
// count against an address.
func (l *signInLimit) succeeded(addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.current(addr, now)
	b.tokens = min(float64(l.Burst), b.tokens+1)
	l.buckets[addr] = b
}

// clientAddr is the request's remote host without its port.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// refuseTooMany answers 429 with the wait in Retry-After (whole seconds, at least 1).
func refuseTooMany(w http.ResponseWriter, wait time.Duration) {
	secs := int((wait + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(max(1, secs)))
	writeJSON(w, http.StatusTooManyRequests, Error{Error: "too many failed sign-ins from your address; try again in " +
		strconv.Itoa(max(1, secs)) + " s"})
}

// nameLocks serializes work by name (a user's sign-ins); the zero value is
// ready, and a name's lock is dropped when no one holds or waits for it.
type nameLocks struct {
	mu sync.Mutex
	m  map[string]*nameLock
}

type nameLock struct {
	sync.Mutex
	users int // holders and waiters
}

// lock takes name's lock and returns its release.
func (l *nameLocks) lock(name string) (unlock func()) {
	l.mu.Lock()
	if l.m == nil {
		l.m = map[string]*nameLock{}
	}
	n := l.m[name]
	if n == nil {
		n = &nameLock{}
		l.m[name] = n
	}
	n.users++
	l.mu.Unlock()
	n.Lock()
	return func() {
		n.Unlock()
		l.mu.Lock()
		if n.users--; n.users == 0 {
			delete(l.m, name)
		}
		l.mu.Unlock()
	}
}
