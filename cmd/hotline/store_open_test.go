package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/internal/seal"
	"github.com/hotline-cc/hotline/store"
)

// TestServeRefusesAStoreInAMissingDirectory: a mistyped store.path whose
// directory does not exist stops the daemon before it starts, naming the
// setting, its line and the directory, instead of starting on a new, empty
// store.
func TestServeRefusesAStoreInAMissingDirectory(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "var", "lib", "hotlnie")
	cfg := writeFile(t, "hotline.yaml", "server: {listen: \"127.0.0.1:0\"}\nstore:\n  path: "+missing+"/hotline.db\n")
	code, _, errOut := hotline(t, nil, "--config", cfg, "serve")
	want := `store.path (` + cfg + `:3) is "` + missing + `/hotline.db": the directory ` + missing + ` does not exist`
	if code != exitInvalid || !strings.Contains(errOut, want) {
		t.Fatalf("exit %d: %s\nwant exit %d saying %s", code, errOut, exitInvalid, want)
	}
	code, _, errOut = hotline(t, map[string]string{"HOTLINE_STORE_PATH": missing + "/h.db"}, "--config", cfg, "serve")
	if code != exitInvalid || !strings.Contains(errOut, "store.path (HOTLINE_STORE_PATH)") {
		t.Fatalf("from the environment: exit %d: %s", code, errOut)
	}
}

// TestServeAnnouncesANewStore: a store created at start is logged as new,
// with its absolute path.
func TestServeAnnouncesANewStore(t *testing.T) {
	_, logs := startServe(t, "127.0.0.1:0", "pbx: {type: sim}\n")
	if !strings.Contains(logs.String(), "creating a new, empty one") || !strings.Contains(logs.String(), `"path":"/`) {
		t.Fatalf("log of a start on a new store:\n%s", logs)
	}
}

// TestUsersAddRefusesAStoreInAMissingDirectory: the commands that write to
// the store directly take the same care as serve.
func TestUsersAddRefusesAStoreInAMissingDirectory(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope", "hotline.db")
	pw := writeFile(t, "pw", "a long secret 1\n")
	code, _, errOut := hotline(t, nil, "users", "add", "root", "--role", "admin", "--password-file", pw, "--store", missing)
	if code != exitInvalid || !strings.Contains(errOut, `store.path (--store) is "`+missing+`": the directory `+filepath.Dir(missing)+` does not exist`) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

// emptyStore makes a new, empty store at path, as the first start of
// hotline serve does.
func emptyStore(t *testing.T, path string) {
	t.Helper()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestStoreCommandsRefuseAMissingStore: a command that writes to the store
// directly, pointed at a directory that exists but holds no store (a
// mistyped file name, a wrong config), stops naming the path and how to
// make a store, and leaves no file behind: it used to create a second,
// empty store there without a word.
func TestStoreCommandsRefuseAMissingStore(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "hotlnie.db")
	pw := writeFile(t, "pw", "a long secret 1\n")
	csv := writeFile(t, "leads.csv", "phone\n+12125550101\n")
	key := writeFile(t, "key", "")
	if code, out, errOut := hotline(t, nil, "keys", "generate", "--id", "k1"); code != 0 {
		t.Fatalf("keys generate: %d %s", code, errOut)
	} else if err := os.WriteFile(key, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{seal.EnvKeyFile: key, seal.EnvKey: ""}
	for _, args := range [][]string{
		{"users", "add", "root", "--role", "admin", "--password-file", pw},
		{"users", "passwd", "root", "--password-file", pw},
		{"users", "disable", "root"},
		{"tokens", "create", "--user", "root", "--role", "admin", "--name", "x"},
		{"tokens", "revoke", "3f9a0c1b2d4e"},
		{"keys", "rotate"},
		{"contacts", "add", "+12125550101"},
		{"recordings", "list", "--from", "2026-01-01", "--to", "2026-01-02"},
		{"dnc", "add", "+12125550101"},
		{"leads", "import", csv, "--campaign", "spring"},
	} {
		code, _, errOut := hotline(t, env, append(args, "--store", missing)...)
		want := `store.path (--store) is "` + missing + `": no store file there`
		if code != exitInvalid || !strings.Contains(errOut, want) || !strings.Contains(errOut, "--create") {
			t.Errorf("%v: exit %d: %s\nwant exit %d saying %s and how to make one", args, code, errOut, exitInvalid, want)
		}
		if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%v left a file at %s: %v", args, missing, err)
		}
	}

	// From the config, the message names the setting's line.
	cfg := writeFile(t, "hotline.yaml", "store:\n  path: "+missing+"\n")
	code, _, errOut := hotline(t, nil, "--config", cfg, "users", "add", "root", "--role", "admin", "--password-file", pw)
	if want := `store.path (` + cfg + `:2) is "` + missing + `": no store file there`; code != exitInvalid || !strings.Contains(errOut, want) {
		t.Fatalf("from the config: exit %d: %s\nwant %s", code, errOut, want)
	}

	// --create makes the store (the first admin of a new install); the
	// commands after it find it.
	if code, out, errOut := hotline(t, nil, "users", "add", "root", "--role", "admin", "--password-file", pw, "--store", missing, "--create"); code != 0 || !strings.Contains(out, `user "root" added`) {
		t.Fatalf("users add --create: exit %d: %s%s", code, out, errOut)
	}
	if code, out, errOut := hotline(t, nil, "users", "list", "--store", missing); code != 0 || !strings.Contains(out, "root") {
		t.Fatalf("users list after --create: exit %d: %s%s", code, out, errOut)
	}
	if code, _, errOut := hotline(t, env, "dnc", "add", "+12125550101", "--store", missing); code != 0 {
		t.Fatalf("dnc add on the store made: exit %d: %s", code, errOut)
	}
}

// TestStoreCommandsNameTheRunningDaemon: a command that opens the store
// while hotline serve holds it says so and where to go instead, rather
// than only "locked by another process".
func TestStoreCommandsNameTheRunningDaemon(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hotline.db")
	db, err := store.Open(path, store.Options{}) // as a running serve holds it
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pw := writeFile(t, "pw", "a long secret 1\n")
	for _, args := range [][]string{
		{"users", "add", "sue", "--role", "supervisor", "--password-file", pw},
		{"users", "list"},
		{"dnc", "add", "+12125550101"},
		{"tokens", "create", "--user", "sue", "--role", "supervisor", "--name", "wall"},
	} {
		code, _, errOut := hotline(t, nil, append(args, "--store", path)...)
		if code == 0 || !strings.Contains(errOut, store.ErrLocked.Error()) || !strings.Contains(errOut, "a running hotline serve holds it") {
			t.Errorf("hotline %s beside a running daemon: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
	}
}
