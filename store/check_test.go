package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/hotline-cc/hotline/acd"
)

// pageIn returns the id of a page of bucket's tree at or after from (a
// branch or leaf page, as bbolt sees it), and the page size.
func pageIn(t *testing.T, path string, from int) (id uint64, pageSize int) {
	t.Helper()
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, PreLoadFreelist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	err = bdb.View(func(tx *bbolt.Tx) error {
		for id := from; id < int(tx.Size())/bdb.Info().PageSize; id++ {
			info, err := tx.Page(id)
			if err != nil {
				return err
			}
			if info != nil && (info.Type == "leaf" || info.Type == "branch") {
				return errFound(uint64(id))
			}
		}
		return errors.New("no branch or leaf page")
	})
	var found errFound
	if !errors.As(err, &found) {
		t.Fatal(err)
	}
	return uint64(found), bdb.Info().PageSize
}

type errFound uint64

func (errFound) Error() string { return "found" }

// writeAt changes the file at off.
func writeAt(t *testing.T, path string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

// bboltCheck is bbolt's own consistency check of the file.
func bboltCheck(t *testing.T, path string) []error {
	t.Helper()
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, PreLoadFreelist: true})
	if err != nil {
		return []error{err}
	}
	defer bdb.Close()
	var errs []error
	_ = bdb.View(func(tx *bbolt.Tx) error {
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return nil
	})
	return errs
}

func TestCheckCleanStore(t *testing.T) {
	path, _ := bigStore(t)
	rep, err := Check(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Err(); err != nil {
		t.Fatalf("Check of an undamaged store: %v", err)
	}
	if rep.Keys["calls"] != 2000 || rep.Keys["calls_by_entered"] != 2000 || rep.Read < 10 {
		t.Errorf("Check counted %v in %d pages, want 2000 calls and index entries", rep.Keys, rep.Read)
	}
	if errs := bboltCheck(t, path); len(errs) != 0 {
		t.Errorf("bbolt check disagrees: %v", errs)
	}
}

// A page whose type is zeroed (bbolt check reports it) is refused at every
// open, not found later by a listing.
func TestCheckZeroedPageType(t *testing.T) {
	path, _ := bigStore(t)
	id, pageSize := pageIn(t, path, 10)
	writeAt(t, path, int64(id)*int64(pageSize)+8, []byte{0, 0})
	if errs := bboltCheck(t, path); len(errs) == 0 {
		t.Fatalf("bbolt check finds nothing wrong with page %d zeroed", id)
	}
	rep, err := Check(path)
	if err != nil {
		t.Fatal(err)
	}
	err = rep.Err()
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Check = %v, want ErrCorrupt naming the file", err)
	}
	if len(rep.Problems) == 0 || rep.Problems[0].Page != id || !strings.Contains(rep.Problems[0].What, "type 0x0") {
		t.Errorf("problems %v, want page %d named with its type", rep.Problems, id)
	}
	for _, opts := range []Options{{}, {ReadOnly: true}} {
		assertCorrupt(t, path, opts)
	}
}

// A branch page that points back at itself sends bbolt's cursors round for
// ever; Open must refuse the file, and quickly.
func TestCheckPagesInACircle(t *testing.T) {
	path, _ := bigStore(t)
	root, pageSize := callsRoot(t, path, "branch")
	// The first element's child pointer: header, then pos and ksize.
	self := make([]byte, 8)
	byteOrder.PutUint64(self, root)
	writeAt(t, path, int64(root)*int64(pageSize)+pageHeaderSize+8, self)

	done := make(chan error, 1)
	go func() {
		db, err := Open(path, Options{Verify: true, LockTimeout: 100 * time.Millisecond})
		if err == nil {
			db.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "circle") {
			t.Errorf("Open = %v, want ErrCorrupt naming pages in a circle", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Open with Verify did not return within 10 s on pages in a circle")
	}
}

func TestCheckLockedByWriter(t *testing.T) {
	_, path := openTemp(t)
	if _, err := Check(path); !errors.Is(err, ErrLocked) {
		t.Errorf("Check of an open store = %v, want ErrLocked", err)
	}
}

// callsLeaf returns a leaf page of the calls bucket (one holding call
// records, which start {"id":"call-), and the page size.
func callsLeaf(t *testing.T, path string) (id uint64, pageSize int) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for off := 0; ; off++ {
		at := bytes.Index(raw[off:], []byte(`{"id":"call-`))
		if at < 0 {
			t.Fatal("no leaf page of the calls bucket found")
		}
		off += at
		id, pageSize = pageIn(t, path, off/os.Getpagesize())
		if id == uint64(off/pageSize) {
			return id, pageSize
		}
	}
}

func TestRepair(t *testing.T) {
	defer func(n int) { repairBatch = n }(repairBatch)
	repairBatch = 97 // many transactions, the last one short
	path, _ := bigStore(t)
	id, pageSize := callsLeaf(t, path)
	writeAt(t, path, int64(id)*int64(pageSize)+8, []byte{0, 0})
	before, _ := os.ReadFile(path)

	out := filepath.Join(t.TempDir(), "repaired.db")
	rep, err := Repair(path, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("Repair changed the damaged file")
	}
	if rep.Check.Err() == nil || rep.Check.Problems[0].Page != id {
		t.Errorf("Repair's check = %v, want page %d named", rep.Check.Err(), id)
	}
	lost := len(rep.LostCalls)
	if lost == 0 || rep.Copied["calls"]+lost != 2000 {
		t.Errorf("copied %d calls and lost %d, want some lost and 2000 in all", rep.Copied["calls"], lost)
	}
	if rep.Schema != CurrentSchema || rep.SchemaGuessed {
		t.Errorf("schema %d (guessed %v), want %d read from the file", rep.Schema, rep.SchemaGuessed, CurrentSchema)
	}

	db, err := Open(out, Options{Verify: true})
	if err != nil {
		t.Fatalf("the repaired file does not open: %v", err)
	}
	defer db.Close()
	calls, err := db.CollectCalls(Filter{})
	if err != nil || len(calls) != rep.Copied["calls"] {
		t.Errorf("the repaired file lists %d calls (%v), want %d", len(calls), err, rep.Copied["calls"])
	}
	if _, err := db.Call(rep.LostCalls[0]); !errors.Is(err, ErrNotFound) {
		t.Errorf("lost call %s: %v, want ErrNotFound", rep.LostCalls[0], err)
	}
	if _, err := Repair(path, out, nil); err == nil {
		t.Error("Repair overwrote an existing file")
	}
}

// callsRoot returns the root page of the calls bucket, of the given type,
// and the page size.
func callsRoot(t *testing.T, path, typ string) (root uint64, pageSize int) {
	t.Helper()
	bdb, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	var got string
	_ = bdb.View(func(tx *bbolt.Tx) error {
		root = uint64(tx.Bucket(bucketCalls).Root())
		info, perr := tx.Page(int(root))
		if info != nil {
			got = info.Type
		}
		err = perr
		return nil
	})
	if root == 0 || err != nil || got != typ {
		t.Fatalf("the calls bucket's root page %d is a %q page, want %s (%v)", root, got, typ, err)
	}
	return root, bdb.Info().PageSize
}

// Check names a store whose schema version is gone or is not a number, as
// Open refuses it, rather than calling the file ok.
func TestCheckBadSchemaVersion(t *testing.T) {
	for _, tc := range []struct {
		name  string
		value []byte // nil: the key deleted
		want  string
	}{
		{"not a number", []byte("x"), `schema version "x" is not a number`},
		{"empty", []byte{}, `schema version "" is not a number`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, path := openTemp(t)
			db.Close()
			rawPut(t, path, bucketMeta, keySchema, tc.value)
			rep, err := Check(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0].What, tc.want) {
				t.Errorf("problems %v, want one saying %s", rep.Problems, tc.want)
			}
			if _, err := Open(path, Options{LockTimeout: 100 * time.Millisecond}); err == nil {
				t.Error("Open took the store")
			}
		})
	}
}

// A meta page that is not valid while the other is: the file opens from
// the other, as of the transaction before, and Check says so (the last
// write may be lost) without calling the file damaged, as a crash while a
// meta page is written leaves it too.
func TestCheckBadMetaPage(t *testing.T) {
	db, path := openTemp(t)
	for _, n := range []string{"c1", "c2"} {
		if err := db.Apply(func(tx *Tx) error { return tx.SaveCall(fullCall(n, t0)) }); err != nil {
			t.Fatal(err)
		}
	}
	pageSize := os.Getpagesize()
	db.Close()
	if rep, err := Check(path); err != nil || rep.BadMeta != "" || rep.Err() != nil {
		t.Fatalf("sound file: bad meta %q, %v, %v", rep.BadMeta, rep.Err(), err)
	}
	raw, _ := os.ReadFile(path)
	txid := func(page int) uint64 { return byteOrder.Uint64(raw[page*pageSize+pageHeaderSize+48:]) }
	newest := 0
	if txid(1) > txid(0) {
		newest = 1
	}
	writeAt(t, path, int64(newest*pageSize), make([]byte, pageSize))
	rep, err := Check(path)
	if err != nil || rep.Err() != nil {
		t.Fatalf("one meta page bad: %v %v; want it read from the other", rep.Err(), err)
	}
	if want := fmt.Sprintf("meta page at byte %d", newest*pageSize); !strings.HasPrefix(rep.BadMeta, want) {
		t.Errorf("bad meta %q, want it to name the %s", rep.BadMeta, want)
	}
}

// An agent whose saved state is unreadable, or gone (on a damaged page),
// gets it back in the repaired file from its last logged change: paused
// with the reason, or in wrap-up after its call; one whose state reads is
// copied as it is.
func TestRepairRebuildsAgentsFromTheirChanges(t *testing.T) {
	db, path := openTemp(t)
	at := t0.Add(time.Hour)
	err := db.Apply(func(tx *Tx) error {
		for _, x := range []struct {
			st AgentState
			ch AgentChange
		}{
			{AgentState{ID: "alice", State: acd.Paused, PauseReason: "meeting", Since: at, CallsTaken: 4},
				AgentChange{Agent: "alice", At: at, From: acd.Available, To: acd.Paused, Cause: acd.CausePause, Reason: "meeting"}},
			{AgentState{ID: "bob", State: acd.WrapUp, Since: at, WrapCall: "c1", WrapUntil: at.Add(time.Minute)},
				AgentChange{Agent: "bob", At: at, From: acd.OnCall, To: acd.WrapUp, Cause: acd.CauseCallEnd, Call: "c1"}},
			{AgentState{ID: "carol", State: acd.Available, Since: at, CallsTaken: 9},
				AgentChange{Agent: "carol", At: at, From: acd.LoggedOut, To: acd.Available, Cause: acd.CauseLogin}},
		} {
			if err := tx.SaveAgent(&x.st); err != nil {
				return err
			}
			if err := tx.SaveAgentChange(&x.ch); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	rawPut(t, path, bucketAgents, []byte("alice"), []byte(`{"id":"alXce"`))
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := bdb.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketAgents).Delete([]byte("bob")) }); err != nil {
		t.Fatal(err)
	}
	bdb.Close()

	out := filepath.Join(t.TempDir(), "repaired.db")
	rep, err := Repair(path, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.RebuiltAgents) != 2 || !strings.HasPrefix(rep.RebuiltAgents[0], "alice: paused since") || !strings.Contains(rep.RebuiltAgents[0], "(meeting)") ||
		!strings.HasPrefix(rep.RebuiltAgents[1], "bob: wrap-up since") {
		t.Errorf("rebuilt %q; want alice paused (meeting) and bob in wrap-up", rep.RebuiltAgents)
	}
	rdb, err := Open(out, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	agents, err := rdb.Agents()
	if err != nil || len(agents) != 3 {
		t.Fatalf("agents %+v %v", agents, err)
	}
	got := map[string]AgentState{}
	for _, a := range agents {
		got[a.ID] = a
	}
	if a := got["alice"]; a.State != acd.Paused || a.PauseReason != "meeting" || !a.Since.Equal(at) {
		t.Errorf("alice %+v; want paused (meeting) since %s", a, at)
	}
	if b := got["bob"]; b.State != acd.WrapUp || b.WrapCall != "c1" || !b.Since.Equal(at) {
		t.Errorf("bob %+v; want in wrap-up after c1 since %s", b, at)
	}
	if c := got["carol"]; c.State != acd.Available || c.CallsTaken != 9 {
		t.Errorf("carol %+v; want copied as she was", c)
	}
}

// A file cut short (a copy that stopped, a disk that filled) keeps what
// its remaining pages hold: check names the missing pages and walks the
// rest, and repair copies every record they hold; only the missing pages'
// are lost. Cut by one byte, the last page is gone and nothing else.
func TestRepairTruncated(t *testing.T) {
	path, used := bigStore(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{used - 1} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			cut := filepath.Join(t.TempDir(), "cut.db")
			if err := os.WriteFile(cut, data[:size], 0o600); err != nil {
				t.Fatal(err)
			}
			rep, err := Check(cut)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Err() == nil || !strings.Contains(rep.Problems[0].What, "truncated") {
				t.Fatalf("check: %v, want it named truncated", rep.Err())
			}
			out := filepath.Join(t.TempDir(), "repaired.db")
			rr, err := Repair(cut, out, nil)
			if err != nil {
				t.Fatalf("repair: %v", err)
			}
			copied := rr.Copied["calls"]
			if copied == 0 || copied+len(rr.LostCalls) > 2000 {
				t.Errorf("copied %d calls, lost %d named", copied, len(rr.LostCalls))
			}
			if size == used-1 && copied < 1900 {
				t.Errorf("cut by one byte: copied %d of 2000 calls", copied)
			}
			db, err := Open(out, Options{Verify: true})
			if err != nil {
				t.Fatalf("the repaired file does not open: %v", err)
			}
			defer db.Close()
			if calls, err := db.CollectCalls(Filter{}); err != nil || len(calls) != copied {
				t.Errorf("the repaired file lists %d calls (%v), want %d", len(calls), err, copied)
			}
		})
	}
}

// One element header of a leaf page damaged (its value's offset sent past
// the page) costs that record, not the rest of the page: the check names
// the element and the repair copies the records after it (a call record
// fills half a page: the one after it).
func TestRepairBadElementHeader(t *testing.T) {
	path, _ := bigStore(t)
	id, pageSize := callsLeaf(t, path)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := raw[int(id)*pageSize:]
	if count := int(byteOrder.Uint16(page[10:])); count < 2 {
		t.Fatalf("leaf page %d holds %d elements; want a few", id, count)
	}
	writeAt(t, path, int64(id)*int64(pageSize)+pageHeaderSize+4, []byte{0xff, 0x7f, 0, 0}) // element 0
	rep, err := Repair(path, filepath.Join(t.TempDir(), "repaired.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Check.Err() == nil || !strings.Contains(rep.Check.Problems[0].What, "element 0 of") {
		t.Errorf("check %v; want element 0 named", rep.Check.Err())
	}
	if len(rep.LostCalls) != 1 || rep.Copied["calls"] != 1999 {
		t.Errorf("copied %d calls, lost %v; want the one record of the damaged element lost", rep.Copied["calls"], rep.LostCalls)
	}
}

// A file bbolt itself refuses to open (its freelist page's header zeroed)
// is refused with the page named, as store check names it, bbolt's own
// words after.
func TestOpenNamesThePageBboltRefuses(t *testing.T) {
	path, _ := bigStore(t)
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, PreLoadFreelist: true})
	if err != nil {
		t.Fatal(err)
	}
	pageSize := bdb.Info().PageSize
	var free int
	_ = bdb.View(func(tx *bbolt.Tx) error {
		for id := 2; id < int(tx.Size())/pageSize; id++ {
			if info, _ := tx.Page(id); info != nil && info.Type == "freelist" {
				free = id
				return nil
			}
		}
		return nil
	})
	bdb.Close()
	if free == 0 {
		t.Fatal("no freelist page")
	}
	writeAt(t, path, int64(free)*int64(pageSize), make([]byte, 16))
	_, err = Open(path, Options{LockTimeout: 100 * time.Millisecond})
	if want := fmt.Sprintf("page %d", free); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "bbolt: ") {
		t.Fatalf("Open = %v; want ErrCorrupt naming %s, then bbolt's words", err, want)
	}
}
