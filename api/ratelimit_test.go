package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/api/auth"
)

func TestSignInLimitBucket(t *testing.T) {
	l := &signInLimit{Burst: 3, Refill: 10 * time.Second, buckets: map[string]bucket{}}
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	for i := range 3 {
		if w := l.take("10.0.0.1", t0); w != 0 {
			t.Fatalf("attempt %d refused early: wait %v", i, w)
		}
	}
	if w := l.take("10.0.0.1", t0); w != 10*time.Second {
		t.Errorf("after the burst: wait %v, want 10s", w)
	}
	if w := l.take("10.0.0.2", t0); w != 0 {
		t.Errorf("another address waits %v", w)
	}
	if w := l.take("10.0.0.1", t0.Add(4*time.Second)); w != 6*time.Second {
		t.Errorf("4 s later: wait %v, want 6s (a refused attempt spends nothing)", w)
	}
	if w := l.take("10.0.0.1", t0.Add(10*time.Second)); w != 0 {
		t.Errorf("one refill later: wait %v, want 0", w)
	}
	// A success gives its token back: the next attempt may come at once.
	l.succeeded("10.0.0.1", t0.Add(10*time.Second))
	if w := l.take("10.0.0.1", t0.Add(10*time.Second)); w != 0 {
		t.Errorf("after a success: wait %v, want 0", w)
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
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Post(srv.URL+"/api/v1/login", "application/json",
				strings.NewReader(`{"name":"al","password":"wrong `+string(rune('a'+i))+`"}`))
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
