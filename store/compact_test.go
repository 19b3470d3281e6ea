package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Compact writes only the live records: values overwritten since (here
// notes written in clear, then replaced) are in the old file's free pages
// and not in the new one, which opens with every record and the buckets'
// sequences. An open store, an existing target and a damaged file are
// refused, the last without leaving a target behind.
func TestCompact(t *testing.T) {
	db, path := openTemp(t)
	const secret = "old-note-in-clear-7f3a"
	save := func(notes string) {
		t.Helper()
		err := db.Apply(func(tx *Tx) error {
			for i := range 500 {
				c := fullCall("call-"+time.Duration(i).String(), t0.Add(time.Duration(i)*time.Second))
				c.Notes = notes
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
	save(secret)
	save("replaced")
	var seq uint64
	err := db.View(func(tx *Tx) error { seq = tx.btx.Bucket(bucketCalls).Sequence(); return nil })
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "compacted.db")
	if _, err := Compact(path, dst); !errors.Is(err, ErrLocked) {
		t.Fatalf("compact of an open store: %v, want ErrLocked", err)
	}
	if _, err := os.Stat(dst); !os.IsNotExist(err) {
		t.Fatalf("a refused compaction left %s: %v", dst, err)
	}
	db.Close()
	raw, _ := os.ReadFile(path)
	t.Logf("the old notes are in the old file's free pages: %v", bytes.Contains(raw, []byte(secret)))

	rep, err := Compact(path, dst)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Before != int64(len(raw)) || rep.After <= 0 || rep.After > rep.Before {
		t.Errorf("report %+v; the old file is %d bytes", rep, len(raw))
	}
	if got, _ := os.ReadFile(dst); bytes.Contains(got, []byte(secret)) {
		t.Error("the compacted file holds the replaced notes")
	}
	out, err := Open(dst, Options{Verify: true, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = out.View(func(tx *Tx) error {
		if s := tx.btx.Bucket(bucketCalls).Sequence(); s != seq {
			t.Errorf("calls sequence %d, want %d", s, seq)
		}
		return tx.btx.Bucket(bucketCalls).ForEach(func(k, v []byte) error {
			if n++; !bytes.Contains(v, []byte("replaced")) {
				t.Errorf("call %s: %s", k, v)
			}
			return nil
		})
	})
	out.Close()
	if err != nil || n != 500 {
		t.Fatalf("%d calls in the compacted file (%v), want 500", n, err)
	}
	if _, err := Compact(path, dst); err == nil {
		t.Error("compact into an existing file accepted")
	}

	// Damaged: refused, and no target left.
	id, pageSize := callsLeaf(t, path)
	writeAt(t, path, int64(id)*int64(pageSize)+8, []byte{0, 0})
	bad := filepath.Join(t.TempDir(), "bad.db")
	if _, err := Compact(path, bad); err == nil || !bytes.Contains([]byte(err.Error()), []byte("repair")) {
		t.Errorf("compact of a damaged store: %v, want a refusal naming repair", err)
	}
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Errorf("a refused compaction left %s: %v", bad, err)
	}
}
