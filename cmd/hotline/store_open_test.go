package main

import (
	"path/filepath"
	"strings"
	"testing"
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
