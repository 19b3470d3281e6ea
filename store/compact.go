package store

import (
	"fmt"
	"os"
	"time"

	"go.etcd.io/bbolt"
)

// CompactReport is what Compact did: the sizes of the file before and of
// the new one.
type CompactReport struct {
	Before, After int64
}

// Compact copies the records of src into dst, a new file, leaving out the
// free pages: space the store no longer uses, and the old versions of
// values erased, purged or re-sealed since, which bbolt keeps there until
// it reuses them. src is only read and must not be open in Hotline (stop
// it first); dst must not exist. The new file must open as every store
// does, or it is removed. A damaged src is refused: repair it instead
// (Repair also writes only the live records).
func Compact(src, dst string) (rep CompactReport, err error) {
	f, err := openIdle(src, "stop Hotline first")
	if err != nil {
		return rep, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return rep, fmt.Errorf("store: %w", err)
	}
	rep.Before = info.Size()
	// A damaged file would stop the copy midway (or crash it): named by
	// the check instead.
	chk, err := checkFile(f, src, nil)
	if err != nil {
		return rep, err
	}
	if cerr := chk.Err(); cerr != nil {
		return rep, fmt.Errorf("store: %s is damaged, not compacted (hotline store repair writes what is readable of it into a new file): %w", src, cerr)
	}
	out, err := os.OpenFile(dst, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return rep, fmt.Errorf("store: compact into %s: %w", dst, err)
	}
	out.Close()
	defer func() {
		if err != nil {
			_ = os.Remove(dst)
		}
	}()
	from, err := bbolt.Open(src, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return rep, fmt.Errorf("store: %s: %w", src, err)
	}
	defer from.Close()
	to, err := bbolt.Open(dst, 0o600, &bbolt.Options{Timeout: time.Second, NoSync: true})
	if err != nil {
		return rep, fmt.Errorf("store: %s: %w", dst, err)
	}
	err = bbolt.Compact(to, from, 64<<20)
	if err == nil {
		err = to.Sync()
	}
	if cerr := to.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return rep, fmt.Errorf("store: compacting %s into %s: %w", src, dst, err)
	}
	// The new file must pass what every open checks.
	db, err := Open(dst, Options{Verify: true, ReadOnly: true})
	if err != nil {
		return rep, fmt.Errorf("store: the compacted file %s does not open: %w", dst, err)
	}
	if err := db.Close(); err != nil {
		return rep, err
	}
	if info, err := os.Stat(dst); err == nil {
		rep.After = info.Size()
	}
	return rep, nil
}
