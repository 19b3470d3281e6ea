package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/engine"

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

// A team added through the admin API applies at once: its supervisor's
// status shrinks to the team's queue and agent without a restart; a team
// naming a user who does not exist is refused with config validate's words.
func TestServeTeamsApplyLive(t *testing.T) {
	dir := t.TempDir()
	dbPath, path := filepath.Join(dir, "h.db"), filepath.Join(dir, "hotline.yaml")
	db, err := store.Open(dbPath, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	for _, u := range []auth.User{{Name: "root", Role: auth.Admin}, {Name: "sue", Role: auth.Supervisor}} {
		tok, secret, _ := auth.NewToken(u.Name, u.Role, "", time.Now())
		if err := errors.Join(db.SaveUser(&u), db.SaveToken(&tok)); err != nil {
			t.Fatal(err)
		}
		tokens[u.Name] = secret
	}
	db.Close()
	cfg := fmt.Sprintf(reloadBase, freeAddr(t), dbPath) + "  - {id: b, endpoint: sim/b, queues: [{queue: r}]}\n"
	cfg = strings.Replace(cfg, "queues: [{name: q}]", "queues: [{name: q}, {name: r}]", 1)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	addr, _ := serveFile(t, path)
	call := func(who, method, route, body string) (int, string) {
		req, _ := http.NewRequest(method, "http://"+addr+route, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tokens[who])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(raw)
	}
	// sees reports which of the queues and agents sue's status holds.
	sees := func() string {
		_, raw := call("sue", "GET", "/api/v1/status", "")
		var st engine.Status
		if err := json.Unmarshal([]byte(raw), &st); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		var out []string
		for _, name := range []string{"q", "r", "a", "b"} {
			if slices.ContainsFunc(st.Queues, func(q engine.QueueStatus) bool { return q.Name == name }) ||
				slices.ContainsFunc(st.Agents, func(a engine.AgentStatus) bool { return a.ID == name }) {
				out = append(out, name)
			}
		}
		return strings.Join(out, " ")
	}
	if got := sees(); got != "q r a b" {
		t.Fatalf("sue in no team sees %q", got)
	}
	if code, raw := call("root", "POST", "/api/v1/config/teams", `{"fields": {"name": "front", "queues": ["q"], "supervisors": ["sue"]}}`); code != 200 {
		t.Fatalf("adding a team: %d %s", code, raw)
	}
	if got := sees(); got != "q a" {
		t.Errorf("sue in team front sees %q, want q and a", got)
	}
	code, raw := call("root", "POST", "/api/v1/config/teams", `{"fields": {"name": "back", "queues": ["r"], "supervisors": ["ghost"]}}`)
	if want := `teams[1].supervisors[0]: unknown user \"ghost\"; known: `; code != 422 || !strings.Contains(raw, want) {
		t.Errorf("a team of a user who does not exist: %d %s", code, raw)
	}
	if now, _ := os.ReadFile(path); strings.Contains(string(now), "ghost") {
		t.Errorf("the refused team reached the file:\n%s", now)
	}
}
