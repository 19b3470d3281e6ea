package store

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/hotline-cc/hotline/acd"
)

func rawGet(t *testing.T, path string, bucket, key []byte) []byte {
	t.Helper()
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatalf("bbolt.Open: %v", err)
	}
	defer bdb.Close()
	var v []byte
	_ = bdb.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucket); b != nil {
			v = bytes.Clone(b.Get(key))
		}
		return nil
	})
	return v
}

func closedStore(t *testing.T) string {
	t.Helper()
	db, path := openTemp(t)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFreshStoreHasCurrentSchema(t *testing.T) {
	db, path := openTemp(t)
	if got := db.SchemaVersion(); got != CurrentSchema {
		t.Errorf("SchemaVersion = %d, want %d", got, CurrentSchema)
	}
	db.Close()
	if got := string(rawGet(t, path, bucketMeta, keySchema)); got != "1" {
		t.Errorf("stored schema = %q, want \"1\"", got)
	}
}

func TestOpenCreatesDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "var", "lib", "hotline.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
}

func TestSchemaVersionChecks(t *testing.T) {
	tests := []struct {
		name    string
		stored  string
		want    error
		message string
	}{
		{"newer", "99", ErrSchema, "version 99 is newer than 1"},
		{"older than migratable", "0", ErrSchema, "version 0 is older than 1"},
		{"not a number", "one", ErrCorrupt, `schema version "one"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := closedStore(t)
			rawPut(t, path, bucketMeta, keySchema, []byte(tt.stored))
			db, err := Open(path, Options{})
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.message) || !strings.Contains(err.Error(), path) {
				t.Errorf("Open = %v, want %v mentioning %q and the path", err, tt.want, tt.message)
			}
			if got := string(rawGet(t, path, bucketMeta, keySchema)); got != tt.stored {
				t.Errorf("refused open rewrote the schema to %q", got)
			}
		})
	}
}

func TestForeignBboltFileIsNotAStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	rawPut(t, path, []byte("widgets"), []byte("k"), []byte("v"))
	_, err := Open(path, Options{})
	if !errors.Is(err, ErrNotStore) {
		t.Fatalf("Open = %v, want ErrNotStore", err)
	}
	if got := string(rawGet(t, path, []byte("widgets"), []byte("k"))); got != "v" {
		t.Errorf("foreign data changed: %q", got)
	}
	if got := rawGet(t, path, bucketMeta, keySchema); got != nil {
		t.Errorf("refused open wrote a schema: %q", got)
	}
}

func TestMigration(t *testing.T) {
	v2 := func(step migration) schemaSpec {
		return schemaSpec{current: 2, oldest: 1, steps: map[int]migration{1: step}}
	}
	seed := func(t *testing.T) string {
		db, path := openTemp(t)
		if err := db.SaveAgent(&AgentState{ID: "a1", State: acd.Paused}); err != nil {
			t.Fatal(err)
		}
		db.Close()
		return path
	}

	t.Run("runs and records the new version", func(t *testing.T) {
		path := seed(t)
		ran := 0
		db, err := openWith(path, Options{}, v2(func(tx *bbolt.Tx) error {
			ran++
			return tx.Bucket(bucketAgents).Put([]byte("a2"), []byte(`{"id":"a2","state":"available"}`))
		}))
		if err != nil {
			t.Fatal(err)
		}
		if db.SchemaVersion() != 2 || ran != 1 {
			t.Errorf("SchemaVersion = %d, step ran %d times", db.SchemaVersion(), ran)
		}
		agents, err := db.Agents()
		if err != nil || len(agents) != 2 {
			t.Errorf("Agents after migration = %+v, %v", agents, err)
		}
		db.Close()
		if got := string(rawGet(t, path, bucketMeta, keySchema)); got != "2" {
			t.Errorf("stored schema = %q, want 2", got)
		}
		// Opening again at version 2 runs nothing.
		db, err = openWith(path, Options{}, v2(func(*bbolt.Tx) error { ran++; return nil }))
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		if ran != 1 {
			t.Errorf("step ran again on an up-to-date store")
		}
	})

	t.Run("a failing step changes nothing", func(t *testing.T) {
		path := seed(t)
		_, err := openWith(path, Options{}, v2(func(tx *bbolt.Tx) error {
			if err := tx.DeleteBucket(bucketAgents); err != nil {
				return err
			}
			return errors.New("disk on fire")
		}))
		if err == nil || !strings.Contains(err.Error(), "migrate schema 1 to 2: disk on fire") {
			t.Fatalf("Open = %v", err)
		}
		db, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if agents, err := db.Agents(); err != nil || len(agents) != 1 {
			t.Errorf("failed migration lost data: %+v, %v", agents, err)
		}
	})

	t.Run("a missing step is refused", func(t *testing.T) {
		path := seed(t)
		_, err := openWith(path, Options{}, schemaSpec{current: 3, oldest: 1, steps: map[int]migration{
			1: func(*bbolt.Tx) error { return nil },
		}})
		if !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "no migration from version 2") {
			t.Errorf("Open = %v", err)
		}
		if got := string(rawGet(t, path, bucketMeta, keySchema)); got != "1" {
			t.Errorf("stored schema = %q after a refused migration", got)
		}
	})

	t.Run("read-only cannot migrate", func(t *testing.T) {
		path := seed(t)
		_, err := openWith(path, Options{ReadOnly: true}, v2(func(*bbolt.Tx) error { return nil }))
		if !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "open it once read-write") {
			t.Errorf("Open = %v", err)
		}
	})
}

func TestReadOnly(t *testing.T) {
	db, path := openTemp(t)
	if err := db.SaveCall(fullCall("c1", t0)); err != nil {
		t.Fatal(err)
	}
	db.Close()

	r1, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Close()
	r2, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("second reader: %v", err)
	}
	defer r2.Close()
	if _, err := r2.Call("c1"); err != nil {
		t.Error(err)
	}
	if err := r1.SaveCall(fullCall("c2", t0)); err == nil {
		t.Error("write to a read-only store succeeded")
	}
	if _, err := Open(path, Options{LockTimeout: 100 * time.Millisecond}); !errors.Is(err, ErrLocked) {
		t.Errorf("writer beside readers: %v, want ErrLocked", err)
	}

	missing := filepath.Join(t.TempDir(), "none.db")
	if _, err := Open(missing, Options{ReadOnly: true}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("read-only open of a missing file = %v, want not-exist", err)
	}
}

func TestLockedFile(t *testing.T) {
	db, path := openTemp(t)
	// Longer than DefaultLockTimeout, so that a give-up before it shows
	// the timeout ignored; only a lower bound is held, as load can only
	// make the wait longer.
	const timeout = DefaultLockTimeout + time.Second
	start := time.Now()
	_, err := Open(path, Options{LockTimeout: timeout})
	waited := time.Since(start)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open = %v, want ErrLocked", err)
	}
	if want := "store: " + path + " is locked by another process"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	if waited < timeout-100*time.Millisecond { // bbolt polls the lock every 50 ms
		t.Errorf("gave up after %v with a %v timeout", waited, timeout)
	}
	if err := db.SaveAgent(&AgentState{ID: "a1"}); err != nil {
		t.Errorf("holder broken by the refused open: %v", err)
	}
	db.Close()
	db2, err := Open(path, Options{LockTimeout: timeout})
	if err != nil {
		t.Fatalf("Open after the holder closed: %v", err)
	}
	db2.Close()
}

// assertCorrupt opens path expecting ErrCorrupt, and checks the refused open
// neither changed the file nor kept its lock.
func assertCorrupt(t *testing.T, path string, opts Options) {
	t.Helper()
	before, _ := os.ReadFile(path)
	for range 2 { // the second time proves the lock was released
		opts.LockTimeout = 100 * time.Millisecond
		db, err := Open(path, opts)
		if err == nil {
			db.Close()
			t.Fatal("Open succeeded")
		}
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) {
			t.Fatalf("Open = %v, want ErrCorrupt naming the path", err)
		}
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("refused open changed the file")
	}
}

func TestCorruptFiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	tests := map[string][]byte{
		"100 random bytes":  random(100),
		"5000 random bytes": random(5000),
		"64 KiB random":     random(64 << 10),
		"zeros":             make([]byte, 16<<10),
		"empty":             {}, // cut to nothing: not a new store to make in its place
		"a config file":     []byte(strings.Repeat("server:\n  listen: 127.0.0.1:8080\n", 300)),
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "hotline.db")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			assertCorrupt(t, path, Options{})
		})
	}
}

// bigStore writes enough calls for the file to span many pages, and
// returns its path and the size its pages use (the file is larger: bbolt
// grows it ahead of need).
func bigStore(t *testing.T) (path string, used int) {
	t.Helper()
	db, path := openTemp(t)
	err := db.Apply(func(tx *Tx) error {
		for i := range 2000 {
			c := fullCall("call-"+time.Duration(i).String(), t0.Add(time.Duration(i)*time.Second))
			if err := tx.SaveCall(c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *Tx) error {
		used = int(tx.btx.Size())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	return path, used
}

func TestTruncatedStore(t *testing.T) {
	path, used := bigStore(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := os.Getpagesize()
	for _, size := range []int{2*page + 100, 4 * page, used / 4, used / 2, used - page, used - 1} {
		t.Run(fmt.Sprintf("%d of %d bytes", size, used), func(t *testing.T) {
			cut := filepath.Join(t.TempDir(), "cut.db")
			if err := os.WriteFile(cut, data[:size], 0o600); err != nil {
				t.Fatal(err)
			}
			assertCorrupt(t, cut, Options{})
			// Named truncated, opened for writing too: bbolt read its free
			// list past the end and the error was a nil pointer's.
			if _, err := Open(cut, Options{}); err == nil || !strings.Contains(err.Error(), "truncated: ") || strings.Contains(err.Error(), "nil pointer") {
				t.Errorf("open for writing: %v, want it named truncated", err)
			}
		})
	}
}

func TestDamagedPage(t *testing.T) {
	path, _ := bigStore(t)
	root, pageSize := callsRoot(t, path, "branch")
	writeAt(t, path, int64(root)*int64(pageSize), bytes.Repeat([]byte{0xA5}, pageSize))

	for _, opts := range []Options{{}, {Verify: true}, {ReadOnly: true}} {
		assertCorrupt(t, path, opts)
	}
}

func TestOpenErrorsFromTheOS(t *testing.T) {
	dir := t.TempDir()
	for _, o := range []Options{{}, {ReadOnly: true}} {
		_, err := Open(dir, o)
		if err == nil || errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), dir+" is a directory, not a store file") {
			t.Errorf("Open(a directory, %+v) = %v, want it named a directory", o, err)
		}
	}
}

// TestMissingBucketRefused: a store that lost one of the buckets every
// Hotline store has had since its first schema (its call records, say) is
// damaged, not a store to fill again: Open refuses it, naming the file and
// the bucket, and leaves the file as it is for store repair.
func TestMissingBucketRefused(t *testing.T) {
	for _, name := range []string{"calls", "agents", "active"} {
		t.Run(name, func(t *testing.T) {
			db, path := openTemp(t)
			if err := db.Apply(func(tx *Tx) error { return tx.SaveCall(fullCall("c1", t0)) }); err != nil {
				t.Fatal(err)
			}
			db.Close()
			bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if err := bdb.Update(func(tx *bbolt.Tx) error { return tx.DeleteBucket([]byte(name)) }); err != nil {
				t.Fatal(err)
			}
			bdb.Close()
			assertCorrupt(t, path, Options{})
			_, err = Open(path, Options{LockTimeout: 100 * time.Millisecond})
			if want := `bucket "` + name + `" is missing`; err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Open = %v, want it to say %s", err, want)
			}
		})
	}
}
