package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/api/auth"
	"github.com/hotline-cc/hotline/store"
)

func TestUsersAndTokens(t *testing.T) {
	db := filepath.Join(t.TempDir(), "h.db")
	do := func(stdin string, args ...string) (int, string, string) {
		cmd := newRootCmd()
		var out, errb bytes.Buffer
		cmd.SetArgs(append(args, "--store", db))
		cmd.SetOut(&out)
		cmd.SetErr(&errb)
		cmd.SetIn(strings.NewReader(stdin))
		err := cmd.ExecuteContext(context.Background())
		if err != nil {
			errb.WriteString(err.Error())
			return exitCode(err), out.String(), errb.String()
		}
		return 0, out.String(), errb.String()
	}
	if code, out, errs := do("a long secret 1\n", "users", "add", "root", "--role", "admin", "--create"); code != 0 || !strings.Contains(out, `user "root" added (admin)`) {
		t.Fatalf("add: %d %q %q", code, out, errs)
	}
	if code, _, errs := do("a long secret 1\n", "users", "add", "root", "--role", "admin"); code != exitInvalid || !strings.Contains(errs, "exists already") {
		t.Fatalf("second add: %d %q", code, errs)
	}
	if code, _, errs := do("a long secret 1\n", "users", "add", "ROOT", "--role", "admin"); code != exitInvalid || !strings.Contains(errs, `user "ROOT" differs from the user "root" only in case`) {
		t.Fatalf("add differing in case: %d %q", code, errs)
	}
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"short\n", []string{"users", "add", "bob", "--role", "supervisor"}, "at least 10 characters"},
		{"a long secret 2\n", []string{"users", "add", "eve", "--role", "agent"}, "needs --agent"},
		{"a long secret 2\n", []string{"users", "add", "x y"}, "bad user name"},
		{"a long secret 2\n", []string{"users", "add", "kim", "--role", "root"}, "unknown role"},
		{"", []string{"users", "add", "kim", "--role", "admin"}, "no password"},
	} {
		if code, _, errs := do(tc.stdin, tc.args...); code != exitInvalid || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: %d %q, want %q", tc.args, code, errs, tc.want)
		}
	}
	do("another secret9\n", "users", "add", "al", "--role", "agent", "--agent", "alice")
	code, out, _ := do("", "tokens", "create", "--user", "al", "--name", "script")
	if code != 0 || !strings.Contains(out, "hl_") {
		t.Fatalf("token: %d %q", code, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	secret := lines[len(lines)-1]
	if code, _, errs := do("", "tokens", "create", "--user", "al", "--role", "admin"); code != exitInvalid || !strings.Contains(errs, "above user") {
		t.Fatalf("raised role: %d %q", code, errs)
	}
	do("", "users", "disable", "al")
	code, out, _ = do("", "users", "list")
	if code != 0 || !strings.Contains(out, "al    agent  alice") || !strings.Contains(out, "disabled") {
		t.Fatalf("list: %q", out)
	}
	// passwd, enable, tokens list and revoke, each on the store.
	if code, out, errs := do("a new long secret\n", "users", "passwd", "root"); code != 0 || !strings.Contains(out, `password of "root" changed`) {
		t.Fatalf("passwd: %d %q %q", code, out, errs)
	}
	if code, _, errs := do("short\n", "users", "passwd", "root"); code != exitInvalid || !strings.Contains(errs, "at least 10 characters") {
		t.Fatalf("passwd too short: %d %q", code, errs)
	}
	if code, _, errs := do("a new long secret\n", "users", "passwd", "nobody"); code == 0 || !strings.Contains(errs, "not found") {
		t.Fatalf("passwd of no user: %d %q", code, errs)
	}
	if code, out, _ := do("", "users", "enable", "al"); code != 0 || !strings.Contains(out, `user "al" enabled`) {
		t.Fatalf("enable: %d %q", code, out)
	}
	// The last enabled admin is kept, as the API keeps it; with another
	// admin, either may go.
	if code, _, errs := do("", "users", "disable", "root"); code == 0 || !strings.Contains(errs, `user "root" is the last enabled admin`) {
		t.Fatalf("disable the last admin: %d %q", code, errs)
	}
	do("a long secret 3\n", "users", "add", "ops", "--role", "admin")
	if code, out, errs := do("", "users", "disable", "root"); code != 0 || !strings.Contains(out, `user "root" disabled`) {
		t.Fatalf("disable an admin beside another: %d %q %q", code, out, errs)
	}
	if code, _, errs := do("", "users", "disable", "ops"); code == 0 || !strings.Contains(errs, "last enabled admin") {
		t.Fatalf("disable the admin left: %d %q", code, errs)
	}
	do("", "users", "enable", "root")
	code, out, _ = do("", "tokens", "list")
	if code != 0 || !strings.HasPrefix(out, "ID ") || !strings.Contains(out, "  al    agent  script  ") || !strings.Contains(out, "active") {
		t.Fatalf("tokens list: %d %q", code, out)
	}
	id := auth.TokenID(secret)
	if code, out, _ := do("", "tokens", "revoke", id); code != 0 || out != "token "+id+" revoked\n" {
		t.Fatalf("revoke: %d %q", code, out)
	}
	if _, out, _ := do("", "tokens", "list"); !strings.Contains(out, "revoked") {
		t.Fatalf("tokens list after the revoke: %q", out)
	}
	s, err := store.Open(db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tok, err := s.Token(auth.TokenID(secret))
	if err != nil || tok.Hash != auth.HashToken(secret) || tok.Matches(secret) || tok.User != "al" || tok.Role != auth.Agent || !tok.Revoked {
		t.Fatalf("stored token %+v %v (secret %q)", tok, err, secret)
	}
	u, _ := s.User("root")
	if ok, _ := auth.VerifyPassword("a new long secret", u.Hash); !ok || strings.Contains(u.Hash, "secret") {
		t.Fatalf("stored hash %q", u.Hash)
	}
}

// An agent user names an agent of the config, as the API's user form
// checks: "users add zed --agent nobody" made a user whose desk has no
// agent to work as.
func TestUsersAddChecksTheAgent(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "hotline.yaml")
	yaml := "store: {path: " + filepath.Join(dir, "h.db") + "}\nqueues: [{name: q}]\nentries: [{number: \"1\", queue: q}]\n" +
		"agents: [{id: alice, endpoint: sim/alice, queues: [{queue: q}]}]\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("a long secret 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := hotline(t, nil, "--config", cfg, "users", "add", "zed", "--agent", "nobody", "--password-file", pw, "--create")
	if code != exitInvalid || !strings.Contains(errOut, `--agent "nobody": unknown agent; known: alice`) {
		t.Errorf("an unknown agent: exit %d, %q", code, errOut)
	}
	if code, out, errOut := hotline(t, nil, "--config", cfg, "users", "add", "al", "--agent", "alice", "--password-file", pw, "--create"); code != 0 {
		t.Errorf("a known agent: exit %d, %q %q", code, out, errOut)
	}
}

// users list and tokens list on a store that is not there name the path
// and how to make one, exit 2, as the commands that write do.
func TestListsWithoutAStore(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.db")
	for _, what := range []string{"users", "tokens"} {
		code, _, errOut := hotline(t, nil, what, "list", "--store", missing)
		if code != exitInvalid || !strings.Contains(errOut, "no store file") || !strings.Contains(errOut, "--create") {
			t.Errorf("%s list without a store: exit %d, %q", what, code, errOut)
		}
	}
}
