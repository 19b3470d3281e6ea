package store

import (
	"fmt"
	"io"
)

// Backup writes a consistent copy of the store to w from one read
// transaction, so the daemon goes on writing meanwhile: the copy holds every
// commit made before Backup began and none after. start, if not nil, is
// called with the copy's size before the first byte is written (an HTTP
// handler sets Content-Length there). The copy is a store file that Open
// accepts as it is.
func (db *DB) Backup(w io.Writer, start func(size int64)) (n int64, err error) {
	err = db.View(func(tx *Tx) error {
		if start != nil {
			start(tx.btx.Size())
		}
		n, err = tx.btx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("store: backup of %s: %w", db.path, err)
	}
	return n, nil
}
