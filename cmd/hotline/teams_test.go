package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/api/auth"
	"github.com/hotline-cc/hotline/store"
)

// config validate checks the teams' supervisors against the users of the
// config's store: an unknown one is a problem named by its path and line.
func TestConfigValidateTeamSupervisors(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "h.db")
	db, err := store.Open(dbPath, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SaveUser(&auth.User{Name: "sue", Role: auth.Supervisor}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	cfg := "pbx: {type: sim}\nstore: {path: " + dbPath + "}\nqueues:\n  - {name: support}\nteams:\n" +
		"  - name: front\n    queues: [support]\n    supervisors: [sue, ghost]\n"
	file := writeFile(t, "h.yaml", cfg)
	code, _, errOut := hotline(t, nil, "config", "validate", file)
	if want := file + `:8: teams[0].supervisors[1]: unknown user "ghost"; known: sue`; code != exitInvalid || !strings.Contains(errOut, want) {
		t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, exitInvalid, want)
	}
	file = writeFile(t, "ok.yaml", strings.Replace(cfg, ", ghost", "", 1))
	if code, out, errOut := hotline(t, nil, "config", "validate", file); code != 0 || !strings.Contains(out, "ok") {
		t.Errorf("all known: exit %d %q %q", code, out, errOut)
	}
}
