package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"
)

// bucketAccessLog holds the API's request audit log: every change and every
// read of call records, keyed by time then sequence. The personal-data log
// of contacts (bucketAudit) stays apart: it names records, this names
// requests.
var bucketAccessLog = []byte("access_log")

// AccessEntry is one audited API request.
type AccessEntry struct {
	At     time.Time `json:"at"`
	Who    string    `json:"who"`             // user name, or "anonymous" (public routes, no users yet)
	Role   string    `json:"role,omitempty"`  // the role the request ran with
	Token  string    `json:"token,omitempty"` // the API token's id, "" for a browser session
	Method string    `json:"method"`
	Path   string    `json:"path"` // with the query: what was read matters
	Status int       `json:"status"`
	Remote string    `json:"remote,omitempty"` // the client's address
	Note   string    `json:"note,omitempty"`   // what the path does not say, e.g. a pause's reason
	// Private is the path as asked when Path leaves out customer data (a
	// number looked up, a text searched for: "…" stands for them there).
	// With the calls' keys (SealCalls) it is stored sealed, and read back
	// into Path only by a reader that has them; without keys nothing is
	// sealed, so Path is stored as asked.
	Private string `json:"-"`
	Sealed  []byte `json:"sealed,omitempty"` // Private, sealed; nil once read
}

// aadAccessLog binds a sealed path to the access log.
var aadAccessLog = []byte("access_log")

// LogAccess appends entries to the access log in one transaction (one
// fsync for a batch, as the API's audit writer sends them).
func (db *DB) LogAccess(entries []AccessEntry) error {
	for i, e := range entries {
		if e.Who == "" || e.Method == "" || e.Path == "" || e.At.IsZero() {
			return fmt.Errorf("access entry %d: %w: at, who, method and path are required", i, ErrInvalid)
		}
	}
	sealing := db.sealing.Load()
	return db.Apply(func(tx *Tx) error {
		b := tx.btx.Bucket(bucketAccessLog)
		for _, e := range entries {
			if e.Private != "" {
				if sealing != nil {
					e.Sealed = sealing.keys.Seal([]byte(e.Private), aadAccessLog)
				} else {
					e.Path = e.Private
				}
			}
			v, err := json.Marshal(e)
			if err != nil {
				return err
			}
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			k := binary.BigEndian.AppendUint64(nil, uint64(max(e.At.UnixNano(), 0)))
			if err := b.Put(binary.BigEndian.AppendUint64(k, seq), v); err != nil {
				return err
			}
		}
		return nil
	})
}

// AccessLog returns the entries from (inclusive) to (exclusive), oldest
// first; a zero from means the beginning. A sealed path is opened with the
// calls' keys (SealCalls); without them, or when they cannot open it, the
// entry keeps its path with "…" for what was sealed.
func (db *DB) AccessLog(from, to time.Time) (out []AccessEntry, err error) {
	sealing := db.sealing.Load()
	err = db.View(func(tx *Tx) error {
		b := tx.btx.Bucket(bucketAccessLog)
		if b == nil { // a store opened read-only before the bucket existed
			return nil
		}
		cur := b.Cursor()
		end := uint64(max(to.UnixNano(), 0))
		start := binary.BigEndian.AppendUint64(nil, uint64(max(from.UnixNano(), 0)))
		for k, v := cur.Seek(start); k != nil && binary.BigEndian.Uint64(k) < end; k, v = cur.Next() {
			var e AccessEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return &DecodeError{Bucket: string(bucketAccessLog), Key: fmt.Sprintf("%x", k), Err: err}
			}
			if e.Sealed != nil && sealing != nil {
				if p, err := sealing.keys.Open(e.Sealed, aadAccessLog); err == nil {
					e.Path = string(p)
				}
			}
			e.Sealed = nil
			out = append(out, e)
		}
		return nil
	})
	return out, err
}
