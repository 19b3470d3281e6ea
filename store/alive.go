package store

import (
	"time"
)

// keyAlive (in bucket meta) is when Hotline last saved that the calls it
// held live were still up: its heartbeat, written every few seconds while
// calls live and its link to the switch is up.
var keyAlive = []byte("alive")

// PutAlive saves that every call live in the store (its active record)
// was still up at at. The ops before it in the same writer are durable
// when it is, so an active record still in the store after it names a
// call Hotline still held then.
func PutAlive(at time.Time) Op {
	t := at
	return Op{kind: opPutAlive, id: string(keyAlive), alive: &t}
}

// SaveAlive saves the heartbeat (see PutAlive).
func (tx *Tx) SaveAlive(at time.Time) (err error) {
	defer tx.recoverCorrupt(&err)
	b, err := tx.bucket(bucketMeta)
	if err != nil {
		return err
	}
	return b.Put(keyAlive, []byte(at.UTC().Format(time.RFC3339Nano)))
}

// Alive is the last heartbeat saved, zero when none was. A value that
// cannot be read is a *DecodeError naming it, with a zero time: the
// heartbeat only narrows when calls that ended unseen ended.
func (tx *Tx) Alive() (time.Time, error) {
	b := tx.btx.Bucket(bucketMeta)
	if b == nil {
		return time.Time{}, nil
	}
	v := b.Get(keyAlive)
	if v == nil {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, string(v))
	if err != nil {
		return time.Time{}, &DecodeError{Bucket: string(bucketMeta), Key: string(keyAlive), Err: err}
	}
	return t, nil
}

// Alive is Tx.Alive in a read transaction of its own.
func (db *DB) Alive() (at time.Time, err error) {
	err = db.View(func(tx *Tx) (err error) {
		at, err = tx.Alive()
		return err
	})
	return at, err
}
