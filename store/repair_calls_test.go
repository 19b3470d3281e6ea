package store

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// callsOfALostTree writes 400 calls, each saved twice (ringing, then
// ended: the first version's page is freed), damages the calls bucket's
// root branch page and, with freelist, the freelist page too; it returns
// the damaged file's path.
func callsOfALostTree(t *testing.T, freelist bool) string {
	t.Helper()
	db, path := openTemp(t)
	for _, ended := range []bool{false, true} {
		err := db.Apply(func(tx *Tx) error {
			for i := range 400 {
				c := fullCall(fmt.Sprintf("call-%03d", i), t0.Add(time.Duration(i)*time.Minute))
				if !ended {
					c.Ended, c.Timeline, c.Disposition = time.Time{}, c.Timeline[:1], ""
				}
				if err := tx.SaveCall(c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, PreLoadFreelist: true})
	if err != nil {
		t.Fatal(err)
	}
	pageSize := bdb.Info().PageSize
	var root int
	var typ string
	_ = bdb.View(func(tx *bbolt.Tx) error {
		root = int(tx.Bucket(bucketCalls).Root())
		info, _ := tx.Page(root)
		typ = info.Type
		return nil
	})
	bdb.Close()
	// The freelist page the newer meta page names (its transaction id
	// after the freelist's and the high water mark's page ids).
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var free, txid uint64
	for _, m := range [][]byte{data[pageHeaderSize:], data[pageSize+pageHeaderSize:]} {
		if id := binary.LittleEndian.Uint64(m[48:]); id > txid {
			free, txid = binary.LittleEndian.Uint64(m[32:]), id
		}
	}
	if typ != "branch" || free == 0 {
		t.Fatalf("the calls bucket's root page %d is a %s page, the freelist page %d; want a branch and a freelist", root, typ, free)
	}
	writeAt(t, path, int64(root)*int64(pageSize)+8, []byte{0xff, 0xff})
	if freelist {
		writeAt(t, path, int64(free)*int64(pageSize)+8, []byte{0x02, 0x00}) // a leaf's flag
	}
	return path
}

// Repair copies the call records of the pages a damaged tree no longer
// reaches, their last versions (the freelist, read whole, tells the freed
// first versions apart), indexed so a listing finds them.
func TestRepairSalvagesCallsOfALostTree(t *testing.T) {
	path := callsOfALostTree(t, false)
	dst := filepath.Join(t.TempDir(), "r.db")
	rep, err := Repair(path, dst, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Check.FreeListed || rep.Copied["calls"] != 400 || len(rep.RecoveredCalls) != 400 || len(rep.LostCalls) != 0 {
		t.Fatalf("freelist read %v, copied %d calls, %d recovered, %d lost; want all 400 recovered", rep.Check.FreeListed, rep.Copied["calls"], len(rep.RecoveredCalls), len(rep.LostCalls))
	}
	fixed, err := Open(dst, Options{Verify: true, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer fixed.Close()
	calls, err := fixed.CollectCalls(Filter{})
	if err != nil || len(calls) != 400 {
		t.Fatalf("the repaired store lists %d calls (%v); want 400, indexed", len(calls), err)
	}
	for _, c := range calls {
		if c.Ended.IsZero() || len(c.Timeline) != 2 || c.Disposition != "sale" {
			t.Fatalf("call %s came back as an older version (ended %v, %d steps, disposition %q); want its last", c.ID, c.Ended, len(c.Timeline), c.Disposition)
		}
	}
}

// With the freelist unreadable, a page no walk reached may be a freed old
// copy: a call saved again since (or erased) would come back as it was,
// so the calls stay lost, named.
func TestRepairLeavesCallsWithoutTheFreelist(t *testing.T) {
	path := callsOfALostTree(t, true)
	rep, err := Repair(path, filepath.Join(t.TempDir(), "r.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Check.FreeListed || len(rep.RecoveredCalls) != 0 || len(rep.LostCalls) != 400 {
		t.Fatalf("freelist read %v, %d calls recovered, %d lost; want none recovered, 400 named lost", rep.Check.FreeListed, len(rep.RecoveredCalls), len(rep.LostCalls))
	}
}
