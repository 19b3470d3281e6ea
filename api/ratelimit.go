package api

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// signInLimit throttles failed sign-ins per client address, on top of the
// per-user lockout: one address trying many names (which the lockout never
// sees, since no single user fails often) is slowed to Refill per failure
// once it has spent Burst. Attempts sent at once are counted as they come,
// not as their hashes finish: an attempt may start only while the address
// has a token for it beside those of its attempts still being checked, and
// otherwise waits for one of those to settle. So a burst of 40 wrong
// passwords from one address gets 10 checked and 30 refused, while 40
// right ones (a floor behind one NAT at the start of a shift) all sign in,
// a few at a time. A refused attempt costs no argon2 work.
//
// The address is the connection's: behind a reverse proxy every client is
// the proxy, so the limit then applies to all of them together.
type signInLimit struct {
	Burst  int           // failures allowed at once
	Refill time.Duration // one more failure allowed after each such wait

	mu       sync.Mutex // guards the rest
	buckets  map[string]bucket
	inflight map[string]int // attempts being checked, by address
	settled  *sync.Cond     // an attempt settled (on mu)
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

// start begins an attempt from addr and returns 0, or returns how long
// addr must wait when its failures have spent its allowance. While the
// allowance is short only because of attempts still being checked, it
// waits for them to settle. Every attempt started is settled (settle).
func (l *signInLimit) start(addr string, now func() time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.settled == nil {
		l.settled = sync.NewCond(&l.mu)
	}
	for {
		b := l.current(addr, now())
		if b.tokens-float64(l.inflight[addr]) >= 1 {
			if l.inflight == nil {
				l.inflight = map[string]int{}
			}
			l.inflight[addr]++
			return 0
		}
		if l.inflight[addr] == 0 {
			return time.Duration((1 - b.tokens) * float64(l.Refill))
		}
		l.settled.Wait()
	}
}

// settle ends an attempt start let begin; a failure spends one of addr's
// allowance.
func (l *signInLimit) settle(addr string, now time.Time, failed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inflight[addr]--; l.inflight[addr] <= 0 {
		delete(l.inflight, addr)
	}
	if failed {
		b := l.current(addr, now)
		b.tokens = max(0, b.tokens-1)
		l.buckets[addr] = b
		if len(l.buckets) > maxBuckets {
			for a := range l.buckets {
				if l.current(a, now).tokens >= float64(l.Burst) {
					delete(l.buckets, a)
				}
			}
		}
	}
	if l.settled != nil {
		l.settled.Broadcast()
	}
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

// nameLocks serializes work by name (a user's sign-in state and the API's
// changes to the user); the zero value is ready, and a name's lock is
// dropped when no one holds or waits for it.
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
