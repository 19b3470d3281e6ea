package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"
)

// AuditEntry records one read or export of personal data.
type AuditEntry struct {
	At      time.Time `json:"at"`
	Who     string    `json:"who"`             // user, token or "cli:<os user>"
	Action  string    `json:"action"`          // read, find, export, erase, ...
	Subject string    `json:"subject"`         // what was read: "contact 42", "all contacts"
	Count   int       `json:"count,omitempty"` // records read
}

// Audit appends e to the audit log. Keys are the time then a sequence, so
// the log reads in time order and two entries in one nanosecond both stay.
func (db *DB) Audit(e AuditEntry) error {
	if e.Who == "" || e.Action == "" {
		return fmt.Errorf("audit entry: %w: who and action are required", ErrInvalid)
	}
	v, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return db.Apply(func(tx *Tx) error {
		b := tx.btx.Bucket(bucketAudit)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		k := binary.BigEndian.AppendUint64(nil, uint64(e.At.UnixNano()))
		k = binary.BigEndian.AppendUint64(k, seq)
		return b.Put(k, v)
	})
}

// AuditLog returns the entries from (inclusive) to (exclusive), oldest
// first; a zero from means the beginning.
func (db *DB) AuditLog(from, to time.Time) (out []AuditEntry, err error) {
	err = db.View(func(tx *Tx) error {
		cur := tx.btx.Bucket(bucketAudit).Cursor()
		end := uint64(max(to.UnixNano(), 0))
		start := binary.BigEndian.AppendUint64(nil, uint64(max(from.UnixNano(), 0)))
		for k, v := cur.Seek(start); k != nil && binary.BigEndian.Uint64(k) < end; k, v = cur.Next() {
			var e AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return &DecodeError{Bucket: string(bucketAudit), Key: fmt.Sprintf("%x", k), Err: err}
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}
