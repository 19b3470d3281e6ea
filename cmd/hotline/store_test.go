package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.etcd.io/bbolt"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/api"
	"github.com/hotline-cc/hotline/internal/seal"
	"github.com/hotline-cc/hotline/internal/storetest"
	"github.com/hotline-cc/hotline/store"
)

func TestCallsListsReadableRecordsAndWarns(t *testing.T) {
	path := storetest.WithCalls(t, "c1", "c2", "c3")
	storetest.DamageRecord(t, path, "c2")
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv := httptest.NewServer(api.New(nil, db, zerolog.Nop()))
	defer srv.Close()

	code, out, errOut := hotline(t, nil, "calls", "--api", srv.URL)
	if code != 0 {
		t.Fatalf("hotline calls: exit %d, %q", code, errOut)
	}
	if !strings.Contains(out, "c1") || !strings.Contains(out, "c3") || strings.Contains(out, "c2") {
		t.Errorf("hotline calls printed %q, want c1 and c3 only", out)
	}
	if !strings.Contains(errOut, "warning: 1 unreadable") || !strings.Contains(errOut, "calls/c2") {
		t.Errorf("hotline calls warned %q, want it to name calls/c2", errOut)
	}
}

// damagePage zeroes the type of the first leaf page holding call records
// (bbolt's page header: id uint64, then flags uint16; leaf is 0x02).
func damagePage(t *testing.T, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	size := os.Getpagesize()
	for p := 2; (p+1)*size <= len(raw); p++ {
		page := raw[p*size : (p+1)*size]
		if page[8] == 0x02 && page[9] == 0 && bytes.Contains(page, []byte(`{"id":"c`)) {
			page[8] = 0
			if err := os.WriteFile(path, raw, 0o600); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatal("no leaf page of call records found")
}

func manyIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("c%04d", i)
	}
	return ids
}

func TestStoreCheckAndRepair(t *testing.T) {
	path := storetest.WithCalls(t, manyIDs(500)...)
	code, out, errOut := hotline(t, nil, "store", "check", path)
	if code != 0 || !strings.Contains(out, "ok") || !strings.Contains(out, "calls 500") {
		t.Fatalf("store check of a good file: exit %d, %q %q", code, out, errOut)
	}
	damagePage(t, path)
	code, out, errOut = hotline(t, nil, "store", "check", path)
	if code != 1 || !strings.Contains(out, "damaged") || !strings.Contains(out, "type 0x0") ||
		!strings.Contains(errOut, path) {
		t.Fatalf("store check of a damaged file: exit %d, %q %q", code, out, errOut)
	}
	if _, err := store.Open(path, store.Options{}); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("Open of the damaged file = %v, want ErrCorrupt", err)
	}

	repaired := filepath.Join(t.TempDir(), "repaired.db")
	code, out, errOut = hotline(t, nil, "store", "repair", path, "-o", repaired)
	if code != exitRepairLost || !strings.Contains(out, "lost with damaged pages") || !strings.Contains(out, "call records lost") ||
		!strings.Contains(out, "may have lost records, but for those named recovered above: calls (call records)") || !strings.Contains(errOut, repaired+" written, but records were lost") {
		t.Fatalf("store repair: exit %d, %q %q", code, out, errOut)
	}
	db, err := store.Open(repaired, store.Options{})
	if err != nil {
		t.Fatalf("the repaired file: %v", err)
	}
	defer db.Close()
	calls, err := db.CollectCalls(store.Filter{})
	if err != nil || len(calls) == 0 || len(calls) >= 500 {
		t.Errorf("the repaired file lists %d calls (%v), want the readable part of 500", len(calls), err)
	}
	if !strings.Contains(out, fmt.Sprintf("calls %d", len(calls))) {
		t.Errorf("store repair said %q, want it to count the %d calls copied", out, len(calls))
	}
}

// A repair that could read nothing (a file cut short before its root page,
// an empty file) fails and leaves no NEW: it wrote an empty store, said
// "copied no buckets" and exited 0, ready to be put in place of the records.
func TestStoreRepairReadsNothing(t *testing.T) {
	path := storetest.WithCalls(t, manyIDs(50)...)
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	repaired := filepath.Join(t.TempDir(), "repaired.db")
	code, out, errOut := hotline(t, nil, "store", "repair", path, "-o", repaired)
	if code != 1 || !strings.Contains(errOut, "nothing could be read") {
		t.Fatalf("store repair of an empty file: exit %d, %q %q", code, out, errOut)
	}
	if _, err := os.Stat(repaired); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("store repair left %s: %v", repaired, err)
	}
}

// store check compares the lead counts and the index of leads read at a restart
// and of due leads with the leads; store repair rebuilds them.
func TestStoreCheckLeadCounts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.ImportLeads([]campaign.Lead{{Campaign: "spring", Phone: "+12125550100"}, {Campaign: "spring", Phone: "+12125550101"}})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := hotline(t, nil, "store", "check", path); code != 0 {
		t.Fatalf("store check: exit %d, %q %q", code, out, errOut)
	}
	bdb, err := bbolt.Open(path, 0o600, nil)
	if err == nil {
		err = bdb.Update(func(tx *bbolt.Tx) error {
			if err := tx.Bucket([]byte("lead_counts")).Put([]byte("spring\x00s\x00"), []byte{0, 0, 0, 0, 0, 0, 0, 3}); err != nil {
				return err
			}
			stale := append([]byte("spring\x00"), make([]byte, 15)...)
			if err := tx.Bucket([]byte("leads_due")).Put(append(append(stale, 9), "spring-9"...), nil); err != nil {
				return err
			}
			return tx.Bucket([]byte("leads_at_restart")).Put([]byte("spring\x00spring-2"), nil)
		})
		bdb.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := hotline(t, nil, "store", "check", path)
	if code != 1 || !strings.Contains(out, `campaign "spring": leads new: kept 3, the leads say 2`) || !strings.Contains(out, "hotline store repair") ||
		!strings.Contains(out, `campaign "spring": lead "spring-2": indexed as read at a restart, neither in flight nor waiting for a callback`) ||
		!strings.Contains(out, `campaign "spring": lead "spring-9": indexed as due, the lead is not dialable then`) {
		t.Fatalf("store check of wrong counts: exit %d, %q %q", code, out, errOut)
	}
	repaired := filepath.Join(t.TempDir(), "repaired.db")
	if code, out, errOut := hotline(t, nil, "store", "repair", path, "-o", repaired); code != 0 {
		t.Fatalf("store repair: exit %d, %q %q", code, out, errOut)
	}
	if code, out, errOut := hotline(t, nil, "store", "check", repaired); code != 0 {
		t.Fatalf("store check of the repaired file: exit %d, %q %q", code, out, errOut)
	}
}

// serve and demo refuse a store with a damaged page, naming it, and leave
// the file as it was.
func TestServeAndDemoRefuseDamagedStore(t *testing.T) {
	path := storetest.WithCalls(t, manyIDs(500)...)
	damagePage(t, path)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
server: {listen: "127.0.0.1:0"}
store: {path: %q}
pbx: {type: sim}
entries: [{number: "1", queue: q}]
queues: [{name: q}]
agents: [{id: a, endpoint: sim/a, queues: [{queue: q}]}]
`, path)), "serve.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err = runServe(ctx, cfg, zerolog.Nop())
	if !errors.Is(err, store.ErrCorrupt) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "type 0x0") {
		t.Errorf("serve on a damaged store: %v; want ErrCorrupt naming the file and the page", err)
	}
	code, _, errOut := hotline(t, nil, "demo", "--store", path, "--speed", "0", "--duration", "1m")
	if code != 1 || !strings.Contains(errOut, path) || !strings.Contains(errOut, "type 0x0") {
		t.Errorf("demo on a damaged store: exit %d, %q; want 1 naming the file and the page", code, errOut)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("the damaged store was written to")
	}
}

// One unreadable agent state does not keep serve from starting: it is left
// out and logged at error level.
func TestServeStartsWithAnUnreadableRecord(t *testing.T) {
	path := withUnreadableAgent(t, "c1", "c2")

	var logs safeBuffer
	msgs := notifySocket(t)
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
server: {listen: "127.0.0.1:0"}
store: {path: %q}
pbx: {type: sim}
entries: [{number: "1", queue: q}]
queues: [{name: q}]
agents: [{id: a, endpoint: sim/a, queues: [{queue: q}]}]
`, path)), "serve.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, cfg, zerolog.New(&logs)) }()
	select {
	case m := <-msgs:
		if !strings.Contains(m, "READY=1") {
			t.Errorf("first notification %q, want READY=1", m)
		}
	case err := <-done:
		t.Fatalf("serve did not start: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("serve sent no READY=1 within 10 s")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
	if !strings.Contains(logs.String(), `key \"zed\"`) || !strings.Contains(logs.String(), `"level":"error"`) {
		t.Errorf("no error logged naming the unreadable agent state zed: %s", logs.String())
	}
}

// A record serve would leave out as unreadable (serve's log sends the
// admin to store check) is reported by store check, which exits 1 and
// names it; store repair lists it.
func TestStoreCheckNamesUnreadableRecords(t *testing.T) {
	path := withUnreadableAgent(t, "c1", "c2", "c3")
	storetest.DamageRecord(t, path, "c2")
	code, out, errOut := hotline(t, nil, "store", "check", path)
	if code != 1 || !strings.Contains(out, `"agents" key "zed"`) || !strings.Contains(out, `"calls" key "c2"`) ||
		!strings.Contains(out, "hotline store repair") || !strings.Contains(errOut, "2 unreadable records") {
		t.Fatalf("store check of a file with two unreadable records: exit %d, %q %q", code, out, errOut)
	}
}

// A lead whose record cannot be decoded (the dialer passes it by, an
// export leaves it out, naming it) is named by store check, and store repair leaves it
// out, so the repaired file checks clean and exports its other leads.
func TestStoreCheckAndRepairUnreadableLead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.ImportLeads([]campaign.Lead{{Campaign: "spring", Phone: "+12125550100"}, {Campaign: "spring", Phone: "+12125550101"},
		{Campaign: "spring", Phone: "+12125550102"}})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Every copy: the import writes a lead twice (hidden, then shown), so
	// the file may hold a stale one on a free page.
	raw = bytes.ReplaceAll(raw, []byte(`{"id":"spring-2"`), []byte(`X"id":"spring-2"`))
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	// The export writes the other leads, names the one left out, exits 1.
	code, out, errOut := hotline(t, nil, "leads", "export", "--campaign", "spring", "--store", path)
	if code != exitFailure || !strings.Contains(out, "+12125550100") || !strings.Contains(out, "+12125550102") ||
		!strings.Contains(errOut, `left out, unreadable: store: bucket "leads" key "spring\x00spring-2"`) {
		t.Fatalf("leads export of a file with an unreadable lead: exit %d, %q %q", code, out, errOut)
	}
	code, out, errOut = hotline(t, nil, "store", "check", path)
	if code != 1 || !strings.Contains(out, `"leads" key "spring\x00spring-2"`) || (!strings.Contains(errOut, "1 unreadable record") || strings.Contains(errOut, "1 unreadable records")) {
		t.Fatalf("store check of a file with an unreadable lead: exit %d, %q %q", code, out, errOut)
	}
	repaired := filepath.Join(t.TempDir(), "repaired.db")
	if code, out, errOut := hotline(t, nil, "store", "repair", path, "-o", repaired); code != exitRepairLost || !strings.Contains(out, "spring-2") {
		t.Fatalf("store repair: exit %d, %q %q; want the lead named as left out", code, out, errOut)
	}
	if code, out, errOut := hotline(t, nil, "store", "check", repaired); code != 0 {
		t.Fatalf("store check of the repaired file: exit %d, %q %q", code, out, errOut)
	}
	code, out, errOut = hotline(t, nil, "leads", "export", "--campaign", "spring", "--store", repaired)
	if code != 0 || !strings.Contains(out, "+12125550100") || !strings.Contains(out, "+12125550102") {
		t.Fatalf("leads export of the repaired file: exit %d, %q %q", code, out, errOut)
	}
}

// withUnreadableAgent is a store file with the calls ids and the state of
// agent zed, whose record cannot be decoded.
func withUnreadableAgent(t *testing.T, ids ...string) string {
	t.Helper()
	path := storetest.WithCalls(t, ids...)
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SaveAgent(&store.AgentState{ID: "zed", State: acd.Available}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	storetest.DamageRecord(t, path, "zed")
	return path
}

// A store written before the index of due leads, checked read-only while
// the daemon is stopped: the check passes (nothing is damaged) and says
// that the index is not built yet, what reads do meanwhile and what builds
// it; it does not pass over it in silence.
func TestStoreCheckUnbuiltIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.ImportLeads([]campaign.Lead{{Campaign: "spring", Phone: "+12125550100"}})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	bdb, err := bbolt.Open(path, 0o600, nil)
	if err == nil {
		err = bdb.Update(func(tx *bbolt.Tx) error { return tx.DeleteBucket([]byte("leads_due")) })
		bdb.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := hotline(t, nil, "store", "check", path)
	if code != 0 || !strings.Contains(out, "no index of due leads yet") || !strings.Contains(out, "hotline serve") {
		t.Fatalf("store check of a store without the due index: exit %d, %q %q", code, out, errOut)
	}
}

// A campaign's progress stored with its counts under the old Go field
// names (SkippedDNC...) passes store check, survives store repair, and
// reads back with its counts from both files.
func TestStoreCheckOldCampaignCounts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	bdb, err := bbolt.Open(path, 0o600, nil)
	if err == nil {
		err = bdb.Update(func(tx *bbolt.Tx) error {
			return tx.Bucket([]byte("campaigns")).Put([]byte("spring"),
				[]byte(`{"name":"spring","state":"paused","changed":"2026-03-01T10:00:00Z","counts":{"Dialed":9,"NoAnswer":2,"SkippedDNC":3}}`))
		})
		bdb.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	repaired := filepath.Join(t.TempDir(), "repaired.db")
	for _, args := range [][]string{{"store", "check", path}, {"store", "repair", path, "-o", repaired}, {"store", "check", repaired}} {
		if code, out, errOut := hotline(t, nil, args...); code != 0 {
			t.Fatalf("%v: exit %d, %q %q", args, code, out, errOut)
		}
	}
	for _, p := range []string{path, repaired} {
		db, err := store.Open(p, store.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		ps, err := db.CampaignProgress()
		db.Close()
		if err != nil || len(ps) != 1 || (ps[0].Counts != campaign.Counts{Dialed: 9, NoAnswer: 2, SkippedDNC: 3}) {
			t.Errorf("%s: progress %+v %v", p, ps, err)
		}
	}
}

// A file with no meta page bbolt can use (a config file given by mistake,
// an empty one) is named as such, and the check does not send the admin to
// store repair, which can read nothing of it: it asks whether the path is
// the store, and points to a backup.
func TestStoreCheckNotAStore(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{"hotline.yaml": "queues:\n  - name: support\n" + strings.Repeat("# padding\n", 400), "empty.db": ""} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := hotline(t, nil, "store", "check", path)
		if code != 1 || strings.Contains(out, "store repair") || !strings.Contains(out, "not a Hotline store") ||
			!strings.Contains(out, "hotline store backup") || !strings.Contains(errOut, path) {
			t.Errorf("%s: exit %d, %q %q", name, code, out, errOut)
		}
	}
}

// A store that lost its calls bucket is refused by serve, naming the file
// and the bucket (an empty bucket in its place would hide the loss), and
// store check calls it damaged, and store repair says which records it
// could not copy, not that nothing was lost.
func TestServeRefusesStoreMissingCalls(t *testing.T) {
	path := storetest.WithCalls(t, "c1", "c2")
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := bdb.Update(func(tx *bbolt.Tx) error { return tx.DeleteBucket([]byte("calls")) }); err != nil {
		t.Fatal(err)
	}
	bdb.Close()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
server: {listen: "127.0.0.1:0"}
store: {path: %q}
pbx: {type: sim}
entries: [{number: "1", queue: q}]
queues: [{name: q}]
agents: [{id: a, endpoint: sim/a, queues: [{queue: q}]}]
`, path)), "serve.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err = runServe(ctx, cfg, zerolog.Nop())
	if !errors.Is(err, store.ErrCorrupt) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), `bucket "calls" is missing`) {
		t.Errorf("serve on a store without its calls: %v; want ErrCorrupt naming the file and the bucket", err)
	}
	code, out, errOut := hotline(t, nil, "store", "check", path)
	if code != 1 || !strings.Contains(out, "damaged") || !strings.Contains(out, `bucket "calls" is missing`) || strings.Contains(out, ": ok (") {
		t.Errorf("store check: exit %d, %q %q; want 1, the file damaged for its missing calls", code, out, errOut)
	}
	repaired := filepath.Join(t.TempDir(), "repaired.db")
	code, out, errOut = hotline(t, nil, "store", "repair", path, "-o", repaired)
	if code != exitRepairLost || !strings.Contains(out, "2 call records lost") || strings.Contains(out, "nothing was lost") {
		t.Errorf("store repair: exit %d, %q %q; want the 2 lost calls named and no claim that nothing was lost", code, out, errOut)
	}
}

// TestStoreCheckNewerSchema: a store a newer Hotline wrote has sound pages
// but cannot be opened by this build: store check says why and does not
// call it ok first.
func TestStoreCheckNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hotline.db")
	emptyStore(t, path)
	bdb, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := bdb.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), []byte(strconv.Itoa(store.CurrentSchema+1)))
	}); err != nil {
		t.Fatal(err)
	}
	bdb.Close()
	code, out, errOut := hotline(t, nil, "store", "check", path)
	if code == 0 || strings.Contains(out, ": ok") || !strings.Contains(errOut, store.ErrSchema.Error()) {
		t.Errorf("store check of a newer store: exit %d\n%s%s", code, out, errOut)
	}
}

// A do-not-call entry or a contact that cannot be read is named by store
// check (the contact when the key is at hand to open it) and left out by
// store repair, which says so; before, check called the file ok and repair
// copied both, each breaking its whole export.
func TestStoreCheckAndRepairDNCAndContacts(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "h.db")
	env := keyEnv(t)
	for _, args := range [][]string{
		{"dnc", "add", "+12125550101", "+12125550102", "--create"},
		{"contacts", "add", "+12125550111", "--name", "Ann"},
		{"contacts", "add", "+12125550112", "--name", "Bob"},
	} {
		if code, _, errs := hotline(t, env, append(args, "--store", path)...); code != 0 {
			t.Fatalf("%v: %s", args, errs)
		}
	}
	// Break the first entry's JSON and one byte of the last contact's seal.
	bdb, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bbolt.Tx) error {
		d := tx.Bucket([]byte("dnc"))
		k, v := d.Cursor().First()
		if err := d.Put(bytes.Clone(k), append([]byte("X"), v[1:]...)); err != nil {
			return err
		}
		c := tx.Bucket([]byte("contacts"))
		k, v = c.Cursor().Last()
		v = bytes.Clone(v)
		v[len(v)-3] ^= 0x40
		return c.Put(bytes.Clone(k), v)
	})
	bdb.Close()
	if err != nil {
		t.Fatal(err)
	}

	code, out, errs := hotline(t, env, "store", "check", path)
	if code != exitFailure || !strings.Contains(out, `bucket "dnc" key "global\x00+12125550101"`) || !strings.Contains(out, `bucket "contacts" key "2"`) {
		t.Errorf("check with the key: exit %d\n%s%s\nwant exit 1 naming the entry and contact 2", code, out, errs)
	}
	nokey := map[string]string{seal.EnvKey: "", seal.EnvKeyFile: ""}
	code, out, _ = hotline(t, nokey, "store", "check", path)
	if code != exitFailure || !strings.Contains(out, "contacts not checked: no key") || strings.Contains(out, `"contacts"`) {
		t.Errorf("check without a key: exit %d\n%s\nwant the entry named and the contacts said unchecked", code, out)
	}

	fixed := filepath.Join(dir, "fixed.db")
	code, out, errs = hotline(t, env, "store", "repair", path, "-o", fixed)
	if code != exitRepairLost || !strings.Contains(out, `left out, unreadable: store: bucket "dnc" key "global\x00+12125550101"`) || !strings.Contains(out, `left out, unreadable: store: bucket "contacts" key "2"`) ||
		strings.Contains(out, "nothing was lost") || !strings.Contains(out, "WARNING: numbers on do-not-call lists may be lost: import the lists again") {
		t.Fatalf("repair: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := hotline(t, env, "store", "check", fixed); code != 0 {
		t.Errorf("check of the repaired file: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := hotline(t, env, "dnc", "export", "--store", fixed); code != 0 || !strings.Contains(out, "+12125550102") || strings.Contains(out, "+12125550101") {
		t.Errorf("dnc export of the repaired file: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := hotline(t, env, "contacts", "export", "--store", fixed); code != 0 || !strings.Contains(out, "Ann") || strings.Contains(out, "Bob") {
		t.Errorf("contacts export of the repaired file: exit %d\n%s%s", code, out, errs)
	}
	unverified := filepath.Join(dir, "unverified.db")
	if code, out, _ := hotline(t, nokey, "store", "repair", path, "-o", unverified); code != exitRepairLost || !strings.Contains(out, "contacts copied without being opened") {
		t.Errorf("repair without a key: exit %d\n%s", code, out)
	}
}

// An import a kill cut short leaves its leads hidden until the campaign's
// next import rolls them back: store check says so, naming the campaign,
// rather than calling the file ok in silence.
func TestStoreCheckNamesCutImport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	im, err := db.BeginLeadImport("spring")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20_001 { // a batch written, the import not committed
		if err := im.Add(campaign.Lead{Campaign: "spring", Phone: fmt.Sprintf("+1212555%04d", i%10000) + strconv.Itoa(i/10000)}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close() // killed
	code, out, errs := hotline(t, nil, "store", "check", path)
	if code != 0 || !strings.Contains(out, `campaign "spring": a lead import was cut short (up to 20000 leads written`) {
		t.Errorf("check: exit %d\n%s%s", code, out, errs)
	}
}

// keyEnv is an environment with a new key in HOTLINE_KEY (and no key file).
func keyEnv(t *testing.T) map[string]string {
	t.Helper()
	code, key, _ := hotline(t, nil, "keys", "generate", "--id", "one")
	if code != 0 {
		t.Fatal("keys generate failed")
	}
	return map[string]string{seal.EnvKey: strings.TrimSpace(key), seal.EnvKeyFile: ""}
}

// store compact writes a new file with every record and says so; without
// -o, or on a damaged file, it fails with a word on what to do.
func TestStoreCompact(t *testing.T) {
	path := storetest.WithCalls(t, manyIDs(200)...)
	if code, _, errOut := hotline(t, nil, "store", "compact", path); code == 0 || !strings.Contains(errOut, "-o NEW") {
		t.Fatalf("store compact without -o: exit %d, %q", code, errOut)
	}
	compacted := filepath.Join(t.TempDir(), "compacted.db")
	code, out, errOut := hotline(t, nil, "store", "compact", path, "-o", compacted)
	if code != 0 || !strings.Contains(out, "every record copied") {
		t.Fatalf("store compact: exit %d, %q %q", code, out, errOut)
	}
	code, out, errOut = hotline(t, nil, "store", "check", compacted)
	if code != 0 || !strings.Contains(out, "calls 200") {
		t.Fatalf("store check of the compacted file: exit %d, %q %q", code, out, errOut)
	}
	damagePage(t, path)
	code, _, errOut = hotline(t, nil, "store", "compact", path, "-o", filepath.Join(t.TempDir(), "x.db"))
	if code != 1 || !strings.Contains(errOut, "damaged") || !strings.Contains(errOut, "store repair") {
		t.Fatalf("store compact of a damaged file: exit %d, %q", code, errOut)
	}
}

// A bucket name read from a damaged page is printed quoted when it holds
// bytes a terminal should not get; plain names are printed as they are.
func TestKeyCountsQuotesOddNames(t *testing.T) {
	got := keyCounts(map[string]int{"calls": 3, "agents\x00\xff\x1b[2J": 1})
	if want := `"agents\x00\xff\x1b[2J" 1, calls 3`; got != want {
		t.Errorf("keyCounts = %q, want %q", got, want)
	}
}
