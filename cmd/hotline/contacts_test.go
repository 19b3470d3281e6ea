package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/internal/seal"
	"github.com/hotline-cc/hotline/store"
)

func TestKeysGenerateAndContactsCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "h.db")
	do := func(args ...string) (int, string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		code := run(context.Background(), args, &out, &errb)
		return code, out.String(), errb.String()
	}
	withStore := func(args ...string) (int, string, string) {
		t.Helper()
		return do(append(args, "--store", db)...)
	}

	t.Setenv(seal.EnvKeyFile, "")
	t.Setenv(seal.EnvKey, "")
	if code, _, errs := withStore("contacts", "add", "+12125550101"); code == 0 || !strings.Contains(errs, "HOTLINE_KEY") {
		t.Fatalf("add without a key: %d %q", code, errs)
	}
	code, k1, _ := do("keys", "generate", "--id", "one")
	if code != 0 || !regexp.MustCompile(`^one:[A-Za-z0-9+/]{43}=\n$`).MatchString(k1) {
		t.Fatalf("generate: %d %q", code, k1)
	}
	t.Setenv(seal.EnvKey, strings.TrimSpace(k1))
	emptyStore(t, db)

	if code, out, errs := withStore("contacts", "add", "(212) 555-0101", "--name", "Alice Smith", "--tag", "VIP", "--field", "plan=gold"); code != 0 || out != "contact 1 created\n" {
		t.Fatalf("add: %d %q %q", code, out, errs)
	}
	if code, _, errs := withStore("contacts", "add", "12"); code != exitInvalid || !strings.Contains(errs, `phone "12"`) {
		t.Fatalf("bad number: %d %q", code, errs)
	}
	csvFile := filepath.Join(dir, "c.csv")
	os.WriteFile(csvFile, []byte("phones,name\n+1 212 555 0102,Bob\nnope,Carl\n+12125550101,Alice again\n"), 0o600)
	if code, out, errs := withStore("contacts", "import", csvFile); code != exitFailure || out != "1 contacts imported\n" ||
		!strings.Contains(errs, "row 3:") || !strings.Contains(errs, "row 4:") || !strings.Contains(errs, "another contact") {
		t.Fatalf("import: %d %q %q", code, out, errs)
	}
	// With a config, a preferred agent it lacks is named by its row and
	// left out, as is --preferred-agent.
	cfgFile := filepath.Join(dir, "h.yaml")
	os.WriteFile(cfgFile, []byte("queues: [{name: q}]\nagents: [{id: alice, endpoint: sim/alice, queues: [{queue: q}]}]\n"), 0o600)
	os.WriteFile(csvFile, []byte("phones,name,preferred_agent\n+1 212 555 0103,Dan,alice\n+1 212 555 0104,Eve,ghost\n"), 0o600)
	if code, out, errs := withStore("contacts", "import", csvFile, "--config", cfgFile); code != exitFailure || out != "1 contacts imported\n" ||
		!strings.Contains(errs, `row 3: preferred_agent "ghost": unknown agent`) {
		t.Fatalf("import with an unknown preferred agent: %d %q %q", code, out, errs)
	}
	if code, _, errs := withStore("contacts", "add", "+12125550104", "--preferred-agent", "ghost", "--config", cfgFile); code != exitInvalid || !strings.Contains(errs, "unknown agent") {
		t.Fatalf("add with an unknown preferred agent: %d %q", code, errs)
	}
	if code, out, errs := withStore("contacts", "find", "212-555-0102"); code != 0 || !strings.Contains(out, `"name": "Bob"`) {
		t.Fatalf("find: %d %q %q", code, out, errs)
	}
	if code, out, _ := withStore("contacts", "merge", "1", "2"); code != 0 || !strings.Contains(out, "2 numbers") {
		t.Fatalf("merge: %d %q", code, out)
	}
	// The key in privacy.key_file serves as the environment's does, as
	// it does for serve and the store commands.
	keyFile, keyCfg := filepath.Join(dir, "k.key"), filepath.Join(dir, "keyed.yaml")
	os.WriteFile(keyFile, []byte(k1), 0o600)
	os.WriteFile(keyCfg, []byte("privacy: {key_file: "+keyFile+"}\n"), 0o600)
	t.Setenv(seal.EnvKey, "")
	if code, out, errs := withStore("contacts", "show", "1", "--config", keyCfg); code != 0 || !strings.Contains(out, "+12125550102") {
		t.Fatalf("show with the config's key_file: %d %q %q", code, out, errs)
	}
	if code, _, errs := withStore("contacts", "show", "1"); code != exitInvalid || !strings.Contains(errs, "privacy.key_file") {
		t.Fatalf("show with no key anywhere: %d %q, want 2 naming privacy.key_file", code, errs)
	}
	t.Setenv(seal.EnvKey, strings.TrimSpace(k1))
	if code, out, _ := withStore("contacts", "show", "1"); code != 0 || !strings.Contains(out, "+12125550102") || !strings.Contains(out, `"vip"`) {
		t.Fatalf("show merged: %d %q", code, out)
	}
	code, out, _ := withStore("contacts", "export")
	if code != 0 || !strings.HasPrefix(out, "id,phones,name") || !strings.Contains(out, "1,'+12125550101;+12125550102,Alice Smith") || !strings.Contains(out, ",gold") {
		t.Fatalf("export: %d %q", code, out)
	}

	// Rotation: a new key first, the old one after; then the new key alone reads all.
	_, k2, _ := do("keys", "generate", "--id", "two")
	t.Setenv(seal.EnvKey, strings.TrimSpace(k2)+","+strings.TrimSpace(k1))
	if code, out, errs := withStore("keys", "rotate", "--batch", "1"); code != 0 || !strings.Contains(out, `2 contacts and 0 call records re-sealed under key "two"`) {
		t.Fatalf("rotate: %d %q %q", code, out, errs)
	}
	t.Setenv(seal.EnvKey, strings.TrimSpace(k2))
	if code, out, errs := withStore("contacts", "find", "+12125550102"); code != 0 || !strings.Contains(out, "Alice Smith") {
		t.Fatalf("find after rotation with the new key only: %d %q %q", code, out, errs)
	}
	if code, out, _ := withStore("contacts", "delete", "1"); code != 0 || !strings.Contains(out, "deleted") {
		t.Fatalf("delete: %d %q", code, out)
	}
	if code, _, errs := withStore("contacts", "find", "+12125550101"); code != exitFailure || !strings.Contains(errs+"", "no contact") {
		t.Fatalf("find deleted: %d %q", code, errs)
	}
}

func TestContactsEraseAndPurgeCommands(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "h.db")
	key, _ := seal.Generate("k1")
	t.Setenv(seal.EnvKeyFile, "")
	t.Setenv(seal.EnvKey, key.String())
	keys, _ := seal.New(key)
	db, err := store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := db.Contacts(keys)
	c := contact.Contact{Phones: []string{"+12125550150"}, Name: "Erin"}
	s.Create(&c, time.Now())
	rec := filepath.Join(dir, "call1.wav")
	os.WriteFile(rec, []byte("RIFF"), 0o600)
	old := time.Now().Add(-400 * 24 * time.Hour)
	db.SaveCall(&store.CallRecord{ID: "call1", Caller: "+12125550150", Entered: time.Now().Add(-time.Hour), Ended: time.Now(),
		Recording: store.Recording{Path: rec}})
	s.AddInteraction(c.ID, store.Interaction{CallID: "call1", At: time.Now()})
	db.SaveCall(&store.CallRecord{ID: "old", Caller: "+12125550199", Entered: old, Ended: old.Add(time.Minute), Talk: time.Minute})
	db.Close()

	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"contacts", "erase", "1", "--store", dbPath}, &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "1 calls anonymized, 1 recordings deleted") {
		t.Fatalf("erase: %d %q %q", code, out.String(), errb.String())
	}
	if _, err := os.Stat(rec); !os.IsNotExist(err) {
		t.Fatalf("recording still there: %v", err)
	}
	out.Reset()
	if code := run(context.Background(), []string{"contacts", "purge", "--older-than", "8760h", "--store", dbPath}, &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "0 contacts deleted, 1 calls anonymized") {
		t.Fatalf("purge: %d %q %q", code, out.String(), errb.String())
	}
	db, err = store.Open(dbPath, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SealCalls(keys, "US") // records are sealed: the key opens them
	for _, id := range []string{"call1", "old"} {
		if c, _ := db.Call(id); c.Caller != store.Anonymized {
			t.Errorf("call %s caller %q", id, c.Caller)
		}
	}
	out.Reset()
	if code := run(context.Background(), []string{"contacts", "audit", "--store", dbPath}, &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "erase") || !strings.Contains(out.String(), "contact 1 (1)") || !strings.Contains(out.String(), "purge") {
		t.Fatalf("audit: %d %q %q", code, out.String(), errb.String())
	}
	log, _ := db.AuditLog(time.Time{}, time.Now().Add(time.Hour))
	if len(log) != 2 || log[0].Action != "erase" || log[1].Action != "purge" || !strings.HasPrefix(log[0].Who, "cli") {
		t.Errorf("audit %+v", log)
	}
}

func TestPrivacyKeysFromConfigPathOnlyWithoutEnv(t *testing.T) {
	k1, _ := seal.Generate("file")
	k2, _ := seal.Generate("env")
	path := filepath.Join(t.TempDir(), "keys")
	os.WriteFile(path, []byte(k1.String()+"\n"), 0o600)
	p := config.Privacy{KeyFile: path}
	keys, err := privacyKeys(p, func(string) string { return "" })
	if err != nil || keys.Primary() != "file" {
		t.Fatalf("key file from config: %v %v", keys, err)
	}
	keys, err = privacyKeys(p, func(k string) string { return map[string]string{seal.EnvKey: k2.String()}[k] })
	if err != nil || keys.Primary() != "env" {
		t.Fatalf("HOTLINE_KEY should win: %v %v", keys, err)
	}
	if _, err := privacyKeys(config.Privacy{}, func(string) string { return "" }); !errors.Is(err, seal.ErrNoKey) {
		t.Fatalf("no key anywhere: %v", err)
	}
}

func TestRetentionPurgesAtStart(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "h.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	key, _ := seal.Generate("k")
	keys, _ := seal.New(key)
	old := time.Now().Add(-48 * time.Hour)
	db.SaveCall(&store.CallRecord{ID: "old", Caller: "+12125550160", Entered: old, Ended: old.Add(time.Minute)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		retain(ctx, config.Retention{Age: 24 * time.Hour, Every: time.Hour}, db, db.Contacts(keys), zerolog.Nop())
		close(done)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if c, _ := db.Call("old"); c.Caller == store.Anonymized {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("retention did not purge the old call")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
}

func TestServeResealsUnderTheNewKeyInTheBackground(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "h.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	oldKey, _ := seal.Generate("old")
	newKey, _ := seal.Generate("new")
	oldRing, _ := seal.New(oldKey)
	for i := range 450 {
		c := contact.Contact{Phones: []string{fmt.Sprintf("+1212555%04d", i)}}
		if err := db.Contacts(oldRing).Create(&c, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	db.SealCalls(oldRing, "US")
	for i := range 300 {
		db.SaveCall(&store.CallRecord{ID: fmt.Sprintf("c%03d", i), Caller: "+12125550001", Notes: "n", Entered: time.Now()})
	}
	both, _ := seal.New(newKey, oldKey)
	db.SealCalls(both, "US")
	book := db.Contacts(both)
	resealInBackground(context.Background(), db, book, "new", zerolog.Nop())
	if n, _ := book.Stale(); n != 0 {
		t.Fatalf("%d contacts still under the old key", n)
	}
	if n, err := db.StaleCalls(); n != 0 || err != nil {
		t.Fatalf("%d call records still under the old key (%v)", n, err)
	}
	onlyNew, _ := seal.New(newKey)
	if c, err := db.Contacts(onlyNew).ByPhone("+12125550449"); err != nil || c.Phones[0] != "+12125550449" {
		t.Fatalf("with the new key alone: %+v %v", c, err)
	}

	// Shut down midway: it stops between batches, and what it did holds.
	third, _ := seal.Generate("third")
	r3, _ := seal.New(third, newKey)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	db.SealCalls(r3, "US")
	resealInBackground(ctx, db, db.Contacts(r3), "third", zerolog.Nop())
	if n, _ := db.Contacts(r3).Stale(); n != 450-200 {
		t.Fatalf("after a shutdown mid-rotation %d stale, want %d", n, 450-200)
	}
}

// A contact file imported again (after an import a kill cut short, say)
// finds the contacts it made already there and counts them, exit 0; a row
// whose number is on a contact that differs is still refused.
func TestContactsImportAgain(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "h.db")
	env := keyEnv(t)
	file := writeFile(t, "c.csv", "phones,name,tags,plan\n+12125550101,Ann,vip,gold\n+12125550102,Bob,,\n")
	emptyStore(t, db)
	if code, out, errs := hotline(t, env, "contacts", "import", file, "--store", db); code != 0 || out != "2 contacts imported\n" {
		t.Fatalf("first import: exit %d %q %q", code, out, errs)
	}
	if code, out, errs := hotline(t, env, "contacts", "import", file, "--store", db); code != 0 || out != "0 contacts imported, 2 already there as the file has them\n" {
		t.Errorf("second import: exit %d %q %q", code, out, errs)
	}
	changed := writeFile(t, "d.csv", "phones,name\n+12125550101,Ann Other\n+12125550103,Cy\n")
	code, out, errs := hotline(t, env, "contacts", "import", changed, "--store", db)
	if code != exitFailure || out != "1 contacts imported\n" || !strings.Contains(errs, "row 2: +12125550101: number is on another contact") {
		t.Errorf("import of a changed contact: exit %d %q %q", code, out, errs)
	}
}
