package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/api/auth"
	"github.com/hotline-cc/hotline/store"
)

func TestSignInLimitBucket(t *testing.T) {
	l := &signInLimit{Burst: 3, Refill: 10 * time.Second, buckets: map[string]bucket{}}
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	at := func(d time.Duration) func() time.Time { return func() time.Time { return t0.Add(d) } }
	fail := func(addr string, d time.Duration) time.Duration {
		w := l.start(addr, at(d))
		if w == 0 {
			l.settle(addr, t0.Add(d), true)
		}
		return w
	}
	for i := range 3 {
		if w := fail("10.0.0.1", 0); w != 0 {
			t.Fatalf("failure %d refused early: wait %v", i, w)
		}
	}
	if w := fail("10.0.0.1", 0); w != 10*time.Second {
		t.Errorf("after the burst: wait %v, want 10s", w)
	}
	if w := fail("10.0.0.2", 0); w != 0 {
		t.Errorf("another address waits %v", w)
	}
	if w := fail("10.0.0.1", 4*time.Second); w != 6*time.Second {
		t.Errorf("4 s later: wait %v, want 6s (a refused attempt spends nothing)", w)
	}
	if w := l.start("10.0.0.1", at(10*time.Second)); w != 0 {
		t.Errorf("one refill later: wait %v, want 0", w)
	}
	l.settle("10.0.0.1", t0.Add(10*time.Second), false) // a success spends nothing
	if w := l.start("10.0.0.1", at(10*time.Second)); w != 0 {
		t.Errorf("after a success: wait %v, want 0", w)
	}
	l.settle("10.0.0.1", t0.Add(10*time.Second), false)
}

// Attempts being checked hold the address's allowance: the next one waits
// for one of them to settle, and starts when it succeeded (or is refused
// when it failed and spent the last of it).
func TestSignInLimitWaitsForAttemptsInFlight(t *testing.T) {
	l := &signInLimit{Burst: 2, Refill: time.Minute, buckets: map[string]bucket{}}
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { return t0 }
	for i := range 2 {
		if w := l.start("10.0.0.1", now); w != 0 {
			t.Fatalf("attempt %d: wait %v", i, w)
		}
	}
	third := make(chan time.Duration)
	go func() { third <- l.start("10.0.0.1", now) }()
	select {
	case w := <-third:
		t.Fatalf("a third attempt while two are checked: wait %v, want it to wait for them", w)
	case <-time.After(50 * time.Millisecond):
	}
	l.settle("10.0.0.1", t0, false) // the first signed in: its token is back
	select {
	case w := <-third:
		if w != 0 {
			t.Fatalf("after a success: wait %v, want 0", w)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the third attempt still waits after the first settled")
	}
	fourth := make(chan time.Duration)
	go func() { fourth <- l.start("10.0.0.1", now) }()
	l.settle("10.0.0.1", t0, true) // the second failed: one token left, held by the third
	select {
	case w := <-fourth:
		t.Fatalf("a fourth attempt while the third holds the last token: wait %v, want it to wait", w)
	case <-time.After(50 * time.Millisecond):
	}
	l.settle("10.0.0.1", t0, true) // the third failed too: none left
	select {
	case w := <-fourth:
		if w != time.Minute {
			t.Fatalf("after the failures: wait %v, want 1m", w)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the fourth attempt still waits with nothing in flight")
	}
}

// Wrong passwords sent at once are counted as they come: from one address
// no more than the burst are checked, and a user's lockout sees every
// failure (each attempt read and saved the count on its own before, so 40
// at once left it at 1 and the right password still signed in).
func TestSignInBurstAtOnce(t *testing.T) {
	d := newTestDaemon(t, cfgYAML)
	h := New(d.rt, d.db, zerolog.Nop())
	h.EnableAuth(d.db, time.Now)
	srv := httptest.NewServer(h)
	defer srv.Close()
	u := auth.User{Name: "al", Role: auth.Agent, Agent: "alice"}
	u.Hash, _ = auth.HashPassword("right password", auth.Params{Time: 1, Memory: 8 * 1024, Threads: 1})
	if err := d.db.SaveUser(&u); err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for i := range 40 {
		bodies = append(bodies, `{"name":"al","password":"wrong `+string(rune('a'+i))+`"}`)
	}
	codes := signInsAtOnce(t, srv.URL, bodies)
	if codes[http.StatusUnauthorized] != 10 || codes[http.StatusTooManyRequests] != 30 {
		t.Errorf("40 wrong passwords at once: %v, want 10 × 401 and 30 × 429", codes)
	}
	got, err := d.db.User("al")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Locked(time.Now()) {
		t.Errorf("after 10 wrong passwords checked at once the user is not locked (failures %d)", got.FailedLogins)
	}
}

// Failed sign-ins under many names from one address (which no user's
// lockout sees) are answered 429 with Retry-After once the address has
// spent its allowance, even with a right password; the allowance comes back
// with time.
func TestSignInRateLimitPerAddress(t *testing.T) {
	d := newTestDaemon(t, cfgYAML)
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h := New(d.rt, d.db, zerolog.Nop())
	h.EnableAuth(d.db, clock)
	srv := httptest.NewServer(h)
	defer srv.Close()
	u := auth.User{Name: "al", Role: auth.Agent, Agent: "alice"}
	u.Hash, _ = auth.HashPassword("right password", fastParams)
	if err := d.db.SaveUser(&u); err != nil {
		t.Fatal(err)
	}
	login := func(name, pw string) *http.Response {
		resp, err := http.Post(srv.URL+"/api/v1/login", "application/json",
			strings.NewReader(`{"name":"`+name+`","password":"`+pw+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for i := range 10 {
		if r := login("user"+string(rune('a'+i)), "guess"); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d, want 401", i, r.StatusCode)
		}
	}
	r := login("al", "right password")
	if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "6" {
		t.Fatalf("after 10 failures: %d Retry-After %q, want 429 and 6", r.StatusCode, r.Header.Get("Retry-After"))
	}
	mu.Lock()
	now = now.Add(6 * time.Second)
	mu.Unlock()
	if r := login("al", "right password"); r.StatusCode != http.StatusOK {
		t.Fatalf("6 s later, the right password: %d", r.StatusCode)
	}
}

// Right passwords sent at once from one address (a floor behind one NAT at
// the start of a shift) all sign in: none is counted as a failure, and
// those past the burst wait for the attempts being checked instead of
// being refused (TestSignInLimitWaitsForAttemptsInFlight shows the wait).
func TestSignInRightPasswordsAtOnce(t *testing.T) {
	d := newTestDaemon(t, cfgYAML)
	h := New(d.rt, d.db, zerolog.Nop())
	h.EnableAuth(d.db, time.Now)
	srv := httptest.NewServer(h)
	defer srv.Close()
	var names []string
	// Hashes slow enough (32 MiB) that more than the burst are in flight.
	hash, _ := auth.HashPassword("right password", auth.Params{Time: 1, Memory: 32 * 1024, Threads: 1})
	for i := range 30 {
		u := auth.User{Name: fmt.Sprintf("agent%02d", i), Role: auth.Agent, Hash: hash}
		if err := d.db.SaveUser(&u); err != nil {
			t.Fatal(err)
		}
		names = append(names, u.Name)
	}
	var bodies []string
	for _, name := range names {
		bodies = append(bodies, `{"name":"`+name+`","password":"right password"}`)
	}
	if codes := signInsAtOnce(t, srv.URL, bodies); codes[http.StatusOK] != 30 {
		t.Errorf("30 right passwords at once: %v, want 30 × 200", codes)
	}
}

// resetDuring is the store with a new password set for a user between a
// sign-in's first read of it and the hash check's end, as an admin's
// change landing while the hash runs.
type resetDuring struct {
	*store.DB
	reads   int
	newHash string
}

func (r *resetDuring) User(name string) (*auth.User, error) {
	u, err := r.DB.User(name)
	if r.reads++; r.reads == 2 && err == nil { // the sign-in's second read: the change landed
		u.Hash = r.newHash
		if err := r.DB.SaveUser(u); err != nil {
			return nil, err
		}
	}
	return u, err
}

// A password reset that lands while a sign-in with the old password is
// being checked wins: the sign-in is refused, and its save keeps the new
// password (it saved the copy it read first, and the old password worked
// again).
func TestSignInDoesNotUndoAPasswordReset(t *testing.T) {
	d := newTestDaemon(t, cfgYAML)
	u := auth.User{Name: "al", Role: auth.Agent}
	u.Hash, _ = auth.HashPassword("old password", fastParams)
	if err := d.db.SaveUser(&u); err != nil {
		t.Fatal(err)
	}
	newHash, _ := auth.HashPassword("new password", fastParams)
	h := New(d.rt, d.db, zerolog.Nop())
	h.EnableAuth(&resetDuring{DB: d.db, newHash: newHash}, time.Now)
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/api/v1/login", "application/json", strings.NewReader(`{"name":"al","password":"old password"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the old password while it was reset: %d, want 401", resp.StatusCode)
	}
	got, err := d.db.User("al")
	if err != nil || got.Hash != newHash {
		t.Errorf("after the sign-in the stored password is not the new one (%v)", err)
	}
}

// signInsAtOnce posts each body to the sign-in route at once and counts
// the answers by status.
func signInsAtOnce(t *testing.T, base string, bodies []string) map[int]int {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for _, body := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Post(base+"/api/v1/login", "application/json", strings.NewReader(body))
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			mu.Lock()
			codes[resp.StatusCode]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	return codes
}
