package auth

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// sleep waits ms milliseconds (time is shadowed where it is used).
func sleep(ms int) { time.Sleep(time.Duration(ms) * time.Millisecond) }

var fast = Params{Time: 1, Memory: 1024, Threads: 1}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse battery", fast)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash %q", h)
	}
	h2, _ := HashPassword("correct horse battery", fast)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{"correct horse battery", true}, {"correct horse batterY", false}, {"", false}} {
		ok, err := VerifyPassword(tc.pw, h)
		if err != nil || ok != tc.want {
			t.Errorf("%q: %v %v", tc.pw, ok, err)
		}
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=18$m=1024,t=1,p=1$c2FsdA$a2V5",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=1024,t=1,p=1$!!$a2V5"} {
		if _, err := VerifyPassword("x", bad); !errors.Is(err, ErrBadHash) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestSignInLockout(t *testing.T) {
	now := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	h, _ := HashPassword("right password", fast)
	u := &User{Name: "ann", Role: Admin, Hash: h}
	l := Lockout{After: 3, For: 15 * time.Minute}
	for i := range 3 {
		if ok, _ := u.SignIn("wrong", now, l); ok {
			t.Fatalf("wrong password %d accepted", i)
		}
	}
	if !u.Locked(now) {
		t.Fatal("not locked after 3 failures")
	}
	if ok, _ := u.SignIn("right password", now.Add(time.Minute), l); ok {
		t.Fatal("a locked user signed in")
	}
	if ok, _ := u.SignIn("right password", now.Add(16*time.Minute), l); !ok {
		t.Fatal("the lock did not end")
	}
	if u.FailedLogins != 0 {
		t.Fatalf("failures not reset: %d", u.FailedLogins)
	}
	u.Disabled = true
	if ok, _ := u.SignIn("right password", now.Add(time.Hour), l); ok {
		t.Fatal("a disabled user signed in")
	}
}

func TestRolesAndNames(t *testing.T) {
	if !Admin.Allows(Supervisor) || !Supervisor.Allows(Agent) || Agent.Allows(Supervisor) || Supervisor.Allows(Admin) {
		t.Fatal("role order")
	}
	if r, err := ParseRole("Supervisor"); err != nil || r != Supervisor {
		t.Fatal(r, err)
	}
	if _, err := ParseRole("root"); !errors.Is(err, ErrUnknownRole) {
		t.Fatal(err)
	}
	for _, n := range []string{"", "a b", "x/y", strings.Repeat("a", 65)} {
		if CheckName(n) == nil {
			t.Errorf("name %q accepted", n)
		}
	}
	if CheckName("ann.lee@example") != nil {
		t.Error("a fine name refused")
	}
	if CheckPassword("ann", "short") == nil || CheckPassword("annannann1", "ANNANNANN1") == nil || CheckPassword("ann", "long enough pw") != nil {
		t.Error("password rules")
	}
}

func TestTokens(t *testing.T) {
	tok, secret, err := NewToken("ann", Supervisor, "wallboard", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if TokenID(secret) != tok.ID || strings.Contains(tok.Hash, secret) {
		t.Fatalf("token %+v secret %q", tok, secret)
	}
	if !tok.Matches(secret) || tok.Matches(secret+"x") || tok.Matches("") {
		t.Fatal("matching")
	}
	tok.Revoked = true
	if tok.Matches(secret) {
		t.Fatal("a revoked token matches")
	}
	for _, s := range []string{"", "hl_", "hl_short_x", "xx_0123456789ab_x"} {
		if TokenID(s) != "" {
			t.Errorf("%q has an id", s)
		}
	}
}

// At most cap(argonSlots) hashes run at once however many sign-ins come
// together: each holds its memory cost while it runs.
func TestArgonRunsInSlots(t *testing.T) {
	h, err := HashPassword("correct horse battery", fast)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	running, peak := 0, 0
	real := idKey
	idKey = func(pw, salt []byte, time, memory uint32, threads uint8, n uint32) []byte {
		mu.Lock()
		running++
		peak = max(peak, running)
		mu.Unlock()
		defer func() { mu.Lock(); running--; mu.Unlock() }()
		sleep(20)
		return real(pw, salt, time, memory, threads, n)
	}
	defer func() { idKey = real }()
	var wg sync.WaitGroup
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, err := VerifyPassword("correct horse battery", h); !ok || err != nil {
				t.Errorf("verify: %v %v", ok, err)
			}
		}()
	}
	wg.Wait()
	if peak != cap(argonSlots) {
		t.Errorf("%d hashes ran at once, want %d", peak, cap(argonSlots))
	}
}
