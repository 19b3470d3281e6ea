package store

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"go.etcd.io/bbolt"
)

// GlobalDNC is the do-not-call list every campaign honours.
const GlobalDNC = "global"

// DNCEntry is one number on a do-not-call list.
type DNCEntry struct {
	List   string    `json:"list"`
	Phone  string    `json:"phone"` // E.164
	Added  time.Time `json:"added"`
	Source string    `json:"source,omitempty"` // import file, disposition, caller key, API
}

func dncKey(list, phone string) []byte { return []byte(list + "\x00" + phone) }

func checkDNC(list, phone string) error {
	if list == "" || strings.ContainsRune(list, 0) {
		return fmt.Errorf("store: do-not-call list name %q: %w", list, ErrInvalid)
	}
	if !strings.HasPrefix(phone, "+") || len(phone) < 4 {
		return fmt.Errorf("store: do-not-call number %q is not E.164: %w", phone, ErrInvalid)
	}
	return nil
}

// AddDNC puts numbers on a list in one transaction and returns how many
// were new. A number already listed keeps its first entry.
func (db *DB) AddDNC(entries []DNCEntry) (added int, err error) {
	err = db.Apply(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		added = 0
		b, err := tx.bucket(bucketDNC)
		if err != nil {
			return err
		}
		for _, e := range entries {
			n, err := putDNC(b, e)
			if err != nil {
				return err
			}
			added += n
		}
		return nil
	})
	return added, err
}

// putDNC lists e unless its number is on its list already; it returns 1
// when it was added.
func putDNC(b *bbolt.Bucket, e DNCEntry) (int, error) {
	if err := checkDNC(e.List, e.Phone); err != nil {
		return 0, err
	}
	k := dncKey(e.List, e.Phone)
	if b.Get(k) != nil {
		return 0, nil
	}
	data, err := json.Marshal(e)
	if err != nil {
		return 0, fmt.Errorf("store: encode do-not-call %q: %w", e.Phone, err)
	}
	if err := b.Put(k, data); err != nil {
		return 0, fmt.Errorf("store: put do-not-call %q: %w", e.Phone, err)
	}
	return 1, nil
}

// SaveDNC lists a number inside a write transaction (see AddDNC).
func (tx *Tx) SaveDNC(e DNCEntry) (err error) {
	defer tx.recoverCorrupt(&err)
	b, err := tx.bucket(bucketDNC)
	if err != nil {
		return err
	}
	_, err = putDNC(b, e)
	return err
}

// RemoveDNC takes a number off a list; it reports whether it was there.
func (db *DB) RemoveDNC(list, phone string) (removed bool, err error) {
	err = db.Apply(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		b, err := tx.bucket(bucketDNC)
		if err != nil {
			return err
		}
		k := dncKey(list, phone)
		if removed = b.Get(k) != nil; removed {
			return b.Delete(k)
		}
		return nil
	})
	return removed, err
}

// Blocked reports whether phone is on any of the lists (the global list is
// always checked), and on which.
func (tx *Tx) Blocked(phone string, lists ...string) (list string, blocked bool, err error) {
	defer tx.recoverCorrupt(&err)
	b := tx.btx.Bucket(bucketDNC)
	if b == nil {
		return "", false, nil
	}
	for _, l := range append([]string{GlobalDNC}, lists...) {
		if b.Get(dncKey(l, phone)) != nil {
			return l, true, nil
		}
	}
	return "", false, nil
}

// Blocked is Tx.Blocked in a read transaction of its own.
func (db *DB) Blocked(phone string, lists ...string) (list string, blocked bool, err error) {
	err = db.View(func(tx *Tx) error {
		list, blocked, err = tx.Blocked(phone, lists...)
		return err
	})
	return list, blocked, err
}

// DNCList calls fn for every entry of a list, in number order.
func (db *DB) DNCList(list string, fn func(DNCEntry) bool) error {
	return db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		b := tx.btx.Bucket(bucketDNC)
		if b == nil {
			return nil
		}
		prefix := list + "\x00"
		c := b.Cursor()
		for k, v := c.Seek([]byte(prefix)); k != nil && strings.HasPrefix(string(k), prefix); k, v = c.Next() {
			var e DNCEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return &DecodeError{Bucket: string(bucketDNC), Key: string(k), Err: err}
			}
			if !fn(e) {
				return nil
			}
		}
		return nil
	})
}

// decodeDNC checks that a do-not-call entry decodes.
func decodeDNC(k, v []byte) error {
	var e DNCEntry
	if err := json.Unmarshal(v, &e); err != nil {
		return &DecodeError{Bucket: string(bucketDNC), Key: string(k), Err: err}
	}
	return nil
}
