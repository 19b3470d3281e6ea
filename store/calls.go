package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"time"

	"go.etcd.io/bbolt"
)

// scanBudget bounds the index entries one read transaction of Calls visits,
// so a long listing never pins one snapshot (and the file's size) for long.
const scanBudget = 512

// SaveCall stores c, replacing the record with the same ID, and keeps the
// Entered index (and, with SealCalls, the number index) in step when a
// re-save changes them.
func (tx *Tx) SaveCall(c *CallRecord) error { return tx.saveCall(c, false) }

// saveCall is SaveCall; rehash recomputes the number index entry (under a
// new primary key) instead of keeping the previous version's.
func (tx *Tx) saveCall(c *CallRecord, rehash bool) (err error) {
	if err := c.validate(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer tx.recoverCorrupt(&err)
	calls, err := tx.bucket(bucketCalls)
	if err != nil {
		return err
	}
	index, err := tx.bucket(bucketCallIndex)
	if err != nil {
		return err
	}
	key := indexKey(c.Entered, c.ID)
	var oldHash, oldKey []byte
	if old := calls.Get([]byte(c.ID)); old != nil {
		// An old record that no longer decodes leaves its index entry behind;
		// scans drop such stale entries since the record disagrees with them.
		if prev, ok := enteredOf(old); ok {
			oldKey = indexKey(prev, c.ID)
			if !prev.Equal(c.Entered) {
				if err := index.Delete(oldKey); err != nil {
					return fmt.Errorf("store: unindex call %q: %w", c.ID, err)
				}
				if err := unfileInteraction(tx, c.Contact, prev, c.ID); err != nil {
					return err
				}
			}
		}
		oldHash = numberHashOf(old)
	}
	recorded := c.recorded() // before sealing empties it
	data, hash, err := tx.seal.encode(c, oldHash, rehash)
	if err != nil {
		return err
	}
	if err := calls.Put([]byte(c.ID), data); err != nil {
		return fmt.Errorf("store: put call %q: %w", c.ID, err)
	}
	if err := index.Put(key, []byte{}); err != nil {
		return fmt.Errorf("store: index call %q: %w", c.ID, err)
	}
	if err := indexRecording(tx, recorded, oldKey, key); err != nil {
		return fmt.Errorf("store: index recording of call %q: %w", c.ID, err)
	}
	if oldKey == nil {
		oldKey = key
	}
	if tx.seal == nil {
		if err := tx.markNumberIndex(""); err != nil {
			return err
		}
	}
	if err := reindexNumber(tx.btx.Bucket(bucketCallNumbers), oldHash, oldKey, hash, key); err != nil {
		return fmt.Errorf("store: index number of call %q: %w", c.ID, err)
	}
	if err := fileInteraction(tx, c); err != nil {
		return fmt.Errorf("store: file call %q with contact %d: %w", c.ID, c.Contact, err)
	}
	if err := markRepeats(tx, c); err != nil {
		return fmt.Errorf("store: first-contact resolution of call %q: %w", c.ID, err)
	}
	if err := openTask(tx, c); err != nil {
		return fmt.Errorf("store: callback task of call %q: %w", c.ID, err)
	}
	return nil
}

// enteredOf reads the Entered time of a stored call record without decoding
// the rest (its timeline can be long, and a call is re-saved often). A
// quote inside a JSON string is escaped, so the key's pattern cannot occur
// inside a value, and no nested object has an "entered" key.
func enteredOf(data []byte) (time.Time, bool) {
	const key = `"entered":`
	i := bytes.Index(data, []byte(key))
	if i < 0 {
		return time.Time{}, false
	}
	rest := data[i+len(key):]
	end := bytes.IndexByte(rest[min(1, len(rest)):], '"')
	if len(rest) == 0 || rest[0] != '"' || end < 0 {
		return time.Time{}, false
	}
	var t time.Time
	if err := json.Unmarshal(rest[:end+2], &t); err != nil {
		return time.Time{}, false
	}
	return t, true
}

// Call returns the record with the given ID, or ErrNotFound.
func (tx *Tx) Call(id string) (*CallRecord, error) {
	c, err := get[CallRecord](tx, bucketCalls, id)
	if err == nil {
		tx.seal.open(c)
	}
	return c, err
}

// SaveCall stores one call record durably (fsync before it returns).
func (db *DB) SaveCall(c *CallRecord) error {
	return db.Apply(func(tx *Tx) error { return tx.SaveCall(c) })
}

// Call returns the record with the given ID, or ErrNotFound.
func (db *DB) Call(id string) (*CallRecord, error) {
	var c *CallRecord
	err := db.View(func(tx *Tx) (err error) {
		c, err = tx.Call(id)
		return err
	})
	return c, err
}

// Calls yields the records f selects in Entered order (newest first with
// f.Descending). A record that cannot be decoded is yielded as a
// *DecodeError and the listing goes on; any other error ends it. Records are
// read in short transactions, so the loop body may write to the store; a
// record re-saved during the loop with a later Entered may be seen twice.
func (db *DB) Calls(f Filter) iter.Seq2[CallRecord, error] {
	return func(yield func(CallRecord, error) bool) {
		if f.Contact != 0 {
			db.callsOfContact(f, yield)
			return
		}
		if f.Number != "" && db.callsByNumber(f, yield) {
			return
		}
		var after []byte
		found := 0
		for {
			var page []scanned
			err := db.View(func(tx *Tx) (err error) {
				page, after, err = tx.scanCalls(f, after, scanBudget)
				return err
			})
			if err != nil {
				yield(CallRecord{}, err)
				return
			}
			for _, s := range page {
				if !yield(s.call, s.err) {
					return
				}
				if s.err == nil {
					found++
					if f.Limit > 0 && found >= f.Limit {
						return
					}
				}
			}
			if after == nil {
				return
			}
		}
	}
}

// CollectCalls returns what Calls yields: the records it could read, and
// the decode errors (joined) of those it could not.
func (db *DB) CollectCalls(f Filter) ([]CallRecord, error) {
	var out []CallRecord
	var bad []error
	for c, err := range db.Calls(f) {
		if err == nil {
			out = append(out, c)
			continue
		}
		if !errors.Is(err, ErrDecode) {
			return out, err
		}
		bad = append(bad, err)
	}
	return out, errors.Join(bad...)
}

type scanned struct {
	call CallRecord
	err  error
}

// scanCalls visits at most budget index entries from the one after the
// key after (or from the filter's start) and returns what matched, plus the
// key to resume after, nil when the range is exhausted.
func (tx *Tx) scanCalls(f Filter, after []byte, budget int) (page []scanned, next []byte, err error) {
	defer tx.recoverCorrupt(&err)
	index, err := tx.bucket(bucketCallIndex)
	if err != nil {
		return nil, nil, err
	}
	calls, err := tx.bucket(bucketCalls)
	if err != nil {
		return nil, nil, err
	}
	c := index.Cursor()
	for k := seekStart(c, f, after); k != nil; k = advance(c, f.Descending) {
		if len(k) >= 8 && outOfRange(&f, keyNanos(k)) {
			return page, nil, nil
		}
		if s, ok := tx.visitCall(calls, k, &f); ok {
			page = append(page, s)
		}
		if budget--; budget == 0 {
			return page, bytes.Clone(k), nil
		}
	}
	return page, nil, nil
}

// outOfRange reports an index time past the end of the scan's range; the
// start of the range is where the scan began.
func outOfRange(f *Filter, at int64) bool {
	if f.Descending {
		return !f.From.IsZero() && at < f.From.UnixNano()
	}
	return !f.To.IsZero() && at >= f.To.UnixNano()
}

// visitCall reads the record an index entry points to; ok is false when the
// entry is stale or the record does not match.
func (tx *Tx) visitCall(calls *bbolt.Bucket, k []byte, f *Filter) (s scanned, ok bool) {
	if len(k) < 8 {
		return scanned{err: &DecodeError{Bucket: string(bucketCallIndex), Key: fmt.Sprintf("%x", k),
			Err: fmt.Errorf("index key of %d bytes, want at least 8", len(k))}}, true
	}
	id := k[8:]
	data := calls.Get(id)
	if data == nil {
		return s, false // stale: the record is gone
	}
	rec, err := decode[CallRecord](bucketCalls, id, data)
	if err == nil {
		tx.seal.open(&rec)
	}
	switch {
	case err != nil:
		return scanned{err: err}, true
	case rec.Entered.UnixNano() != keyNanos(k):
		return s, false // stale: the record was re-saved with another Entered
	case !f.match(&rec, tx.seal):
		return s, false
	}
	return scanned{call: rec}, true
}

// seekStart places c on the first index entry of the scan.
func seekStart(c *bbolt.Cursor, f Filter, after []byte) []byte {
	if !f.Descending {
		switch {
		case after != nil:
			k, _ := c.Seek(after)
			if bytes.Equal(k, after) {
				k, _ = c.Next()
			}
			return k
		case !f.From.IsZero():
			k, _ := c.Seek(timeKey(f.From))
			return k
		default:
			k, _ := c.First()
			return k
		}
	}
	bound := after
	if bound == nil && !f.To.IsZero() {
		bound = timeKey(f.To)
	}
	k, _ := c.Last()
	if bound == nil {
		return k
	}
	if k, _ = c.Seek(bound); k == nil {
		k, _ = c.Last()
	}
	for k != nil && bytes.Compare(k, bound) >= 0 {
		k, _ = c.Prev()
	}
	return k
}

func advance(c *bbolt.Cursor, descending bool) []byte {
	var k []byte
	if descending {
		k, _ = c.Prev()
	} else {
		k, _ = c.Next()
	}
	return k
}

// CheckTime refuses a time the keys below cannot hold exactly: they are
// nanoseconds since 1970 in an int64 (the years 1678 to 2262), so a query
// from the year 1000 or to 9999 wrapped around and matched nothing or the
// wrong records.
func CheckTime(t time.Time) error {
	// 2200-01-01 itself is in: the end of a period "to 2200".
	if t.Year() < 1900 || t.After(time.Date(2200, 1, 1, 0, 0, 0, 0, t.Location())) {
		return fmt.Errorf("%s: want a time in the years 1900 to 2200", t.Format(time.RFC3339))
	}
	return nil
}

// timeKey encodes t so that byte order is time order, before 1970 included
// (the sign bit is flipped).
func timeKey(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), uint64(t.UnixNano())^(1<<63))
}

func indexKey(entered time.Time, id string) []byte {
	return append(timeKey(entered), id...)
}

func keyNanos(k []byte) int64 { return int64(binary.BigEndian.Uint64(k) ^ (1 << 63)) }
