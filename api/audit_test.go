package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/api/auth"
	"github.com/hotline-cc/hotline/internal/seal"
	"github.com/hotline-cc/hotline/store"
)

// addUser stores a user with a token and returns the token's secret.
func addUser(t *testing.T, db *store.DB, u auth.User) string {
	t.Helper()
	u.Hash, _ = auth.HashPassword("pw of "+u.Name+"!!", fastParams)
	if err := db.SaveUser(&u); err != nil {
		t.Fatal(err)
	}
	tok, secret, _ := auth.NewToken(u.Name, u.Role, "", time.Now())
	if err := db.SaveToken(&tok); err != nil {
		t.Fatal(err)
	}
	return secret
}

// An agent's pause and a supervisor's read of call records land in the
// audit log with who, role, method, path, status and address; a status
// read does not; an agent may not read the log, an admin may.
func TestAuditChangesAndCallReads(t *testing.T) {
	d := newTestDaemon(t, cfgYAML)
	h := New(d.rt, d.db, zerolog.Nop())
	h.EnableAuth(d.db, time.Now)
	stop := h.EnableAudit(d.db)
	defer stop()
	srv := httptest.NewServer(h)
	defer srv.Close()
	bearer := func(s string) http.Header { return http.Header{"Authorization": {"Bearer " + s}} }
	al := bearer(addUser(t, d.db, auth.User{Name: "al", Role: auth.Agent, Agent: "alice"}))
	sue := bearer(addUser(t, d.db, auth.User{Name: "sue", Role: auth.Supervisor}))
	root := bearer(addUser(t, d.db, auth.User{Name: "root", Role: auth.Admin}))

	if code := do(t, srv.URL, "POST", "/api/v1/agents/alice/login", "", al); code != 200 {
		t.Fatalf("login: %d", code)
	}
	if code := do(t, srv.URL, "POST", "/api/v1/agents/alice/pause", `{"reason":"lunch"}`, al); code != 200 {
		t.Fatalf("pause: %d", code)
	}
	if code := do(t, srv.URL, "GET", "/api/v1/calls?limit=5", "", sue); code != 200 {
		t.Fatalf("calls: %d", code)
	}
	if code := do(t, srv.URL, "GET", "/api/v1/status", "", sue); code != 200 {
		t.Fatalf("status: %d", code)
	}
	// The queue_log carries callers' numbers; the queues report does not.
	if code := do(t, srv.URL, "GET", "/api/v1/reports/queue-log?from=24h", "", sue); code != 200 {
		t.Fatalf("queue-log: %d", code)
	}
	if code := do(t, srv.URL, "GET", "/api/v1/reports/queues?from=24h", "", sue); code != 200 {
		t.Fatalf("queues report: %d", code)
	}
	if code := do(t, srv.URL, "GET", "/api/v1/audit", "", al); code != http.StatusForbidden {
		t.Fatalf("an agent read the audit log: %d", code)
	}
	if code := do(t, srv.URL, "GET", "/api/v1/audit", "", sue); code != http.StatusForbidden {
		t.Fatalf("a supervisor read the audit log: %d", code)
	}

	var log []store.AccessEntry
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/audit?from=1h", nil)
		req.Header = root
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		log = nil
		err = json.NewDecoder(resp.Body).Decode(&log)
		resp.Body.Close()
		if resp.StatusCode != 200 || err != nil {
			t.Fatalf("admin reads the audit log: %d %v", resp.StatusCode, err)
		}
		if len(log) >= 4 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	var lines []string
	for _, e := range log {
		if e.At.IsZero() || !strings.HasPrefix(e.Remote, "127.0.0.1:") {
			t.Errorf("entry without time or address: %+v", e)
		}
		lines = append(lines, strings.TrimSpace(e.Who+" "+e.Role+" "+e.Method+" "+e.Path+" "+http.StatusText(e.Status)+" "+e.Note))
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{
		"al agent POST /api/v1/agents/alice/login OK",
		"al agent POST /api/v1/agents/alice/pause OK reason: lunch",
		"sue supervisor GET /api/v1/calls?limit=5 OK",
		"sue supervisor GET /api/v1/reports/queue-log?from=24h OK",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("audit log lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "/api/v1/status") || strings.Contains(got, "/reports/queues") {
		t.Errorf("a status or figures read was audited:\n%s", got)
	}
	if strings.Contains(got, "al agent GET /api/v1/audit") {
		t.Errorf("a refused request was audited as passed:\n%s", got)
	}
}

// With the calls' keys the audit log keeps a number looked up, a text
// searched for and a number in the path sealed: the store file holds none
// of them, an admin reads them through the daemon (which has the keys), and
// a reader without the keys sees "…" in their place.
func TestAuditSealsCustomerData(t *testing.T) {
	key, _ := seal.Generate("k1")
	keys, _ := seal.New(key)
	d := newTestDaemonWith(t, cfgYAML, func(o *engine.Options, db *store.DB) { db.SealCalls(keys, "US") })
	h := New(d.rt, d.db, zerolog.Nop())
	h.EnableAuth(d.db, time.Now)
	stop := h.EnableAudit(d.db)
	srv := httptest.NewServer(h)
	defer srv.Close()
	root := http.Header{"Authorization": {"Bearer " + addUser(t, d.db, auth.User{Name: "root", Role: auth.Admin})}}
	if code := do(t, srv.URL, "GET", "/api/v1/calls?limit=5&number=%2B1%20212-555-0101&text=medical+condition", "", root); code != 200 {
		t.Fatalf("calls: %d", code)
	}
	do(t, srv.URL, "DELETE", "/api/v1/dnc/global/%2B16465550177", "", root)
	stop() // every entry is written

	paths := func() (got []string) {
		entries, err := d.db.AccessLog(time.Time{}, time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			got = append(got, e.Method+" "+e.Path)
		}
		return got
	}
	got := paths()
	for _, want := range []string{
		"GET /api/v1/calls?limit=5&number=%2B1%20212-555-0101&text=medical+condition",
		"DELETE /api/v1/dnc/global/%2B16465550177",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("with the keys the log lacks %q: %q", want, got)
		}
	}
	raw, err := os.ReadFile(d.db.Path())
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"212-555-0101", "medical", "6465550177"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("the store file holds %q in clear", secret)
		}
	}

	d.db.SealCalls(nil, "US") // a reader without the keys
	got = paths()
	for _, want := range []string{
		"GET /api/v1/calls?limit=5&number=…&text=…",
		"DELETE /api/v1/dnc/global/…",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("without the keys the log lacks %q: %q", want, got)
		}
	}
}
