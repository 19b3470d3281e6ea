package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"go.etcd.io/bbolt"

	"github.com/hotline-cc/hotline/acd/campaign"
)

// leads_at_restart indexes the leads a restart reads (see
// campaign.Lead.ReadAtRestart: those a run may leave mid-call, and those
// waiting for a callback) under campaign NUL id, kept in the transaction
// of every lead change, so a restart reads those leads alone rather than
// every lead of every campaign. Like lead_counts it is not among
// allBuckets: a store from before it has it built from the leads at its
// first read-write open, and `hotline store repair` builds the new file's.
// The index before it, leads_in_flight, left the callbacks out; a store
// that has it loses it when the new one is built.
var (
	bucketLeadsAtRestart   = []byte("leads_at_restart")
	bucketLeadsInFlightOld = []byte("leads_in_flight")
)

// indexAtRestart keeps l's entry in the index in step with its save; prev
// is the lead as saved before (nil: new, or unreadable).
func (tx *Tx) indexAtRestart(prev, l *campaign.Lead) error {
	b, err := tx.bucket(bucketLeadsAtRestart)
	if err != nil {
		return err
	}
	key := leadKey(l.Campaign, l.ID)
	switch {
	case l.ReadAtRestart():
		err = b.Put(key, nil)
	case prev == nil || prev.ReadAtRestart():
		err = b.Delete(key)
	}
	if err != nil {
		return fmt.Errorf("store: index lead %q for a restart: %w", l.ID, err)
	}
	return nil
}

// LeadsAtRestart calls fn for every lead of a campaign a restart reads
// (campaign.Lead.ReadAtRestart), those of an import under way left out,
// until fn returns false. It reads the index, so it costs those leads,
// whatever the campaign's size. A store opened read-only from
// before the index is read lead by lead.
func (db *DB) LeadsAtRestart(camp string, fn func(campaign.Lead) bool) error {
	return db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		idx, leads := tx.btx.Bucket(bucketLeadsAtRestart), tx.btx.Bucket(bucketLeads)
		if idx == nil {
			return tx.eachLead(camp, func(_ []byte, l campaign.Lead) bool { return !l.ReadAtRestart() || fn(l) })
		}
		if leads == nil {
			return nil
		}
		pending := tx.pendingLeads(camp)
		prefix := []byte(camp + "\x00")
		c := idx.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if pending != nil && pending(string(k[len(prefix):])) {
				continue
			}
			data := leads.Get(k)
			if data == nil {
				continue // a stale entry: store check names it
			}
			var l campaign.Lead
			if err := json.Unmarshal(data, &l); err != nil {
				return &DecodeError{Bucket: string(bucketLeads), Key: camp + "/" + string(k[len(prefix):]), Err: err}
			}
			if l.ReadAtRestart() && !fn(l) {
				return nil
			}
		}
		return nil
	})
}

// atRestartKeys are the index's keys as the leads say, and the keys of the
// leads that could not be decoded.
func atRestartKeys(tx *bbolt.Tx) (keys, undecodable [][]byte, err error) {
	leads := tx.Bucket(bucketLeads)
	if leads == nil {
		return nil, nil, nil
	}
	err = leads.ForEach(func(k, v []byte) error {
		var l campaign.Lead
		if json.Unmarshal(v, &l) != nil {
			undecodable = append(undecodable, slices.Clone(k))
			return nil
		}
		if l.ReadAtRestart() {
			keys = append(keys, slices.Clone(k))
		}
		return nil
	})
	return keys, undecodable, err
}

// rebuildLeadsAtRestart fills leads_at_restart afresh from the leads, and
// drops the index before it.
func rebuildLeadsAtRestart(tx *bbolt.Tx) error {
	if tx.Bucket(bucketLeadsInFlightOld) != nil {
		if err := tx.DeleteBucket(bucketLeadsInFlightOld); err != nil {
			return err
		}
	}
	b, err := freshBucket(tx, bucketLeadsAtRestart)
	if err != nil {
		return err
	}
	keys, _, err := atRestartKeys(tx)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := b.Put(k, nil); err != nil {
			return err
		}
	}
	return nil
}

// ensureLeadsAtRestart builds leads_at_restart when a store from before it
// is opened read-write.
func (db *DB) ensureLeadsAtRestart(tx *bbolt.Tx) error {
	return db.ensureIndex(tx, bucketLeadsAtRestart, rebuildLeadsAtRestart, "index of leads read at a restart")
}

// CheckLeadsAtRestart compares the index of leads read at a restart with
// the leads, read in the same snapshot: each lead missing from it, or
// entry of no such lead, is a problem. An entry of a lead that cannot be decoded
// is left to the check of the records, which names the lead. A store
// without the index (opened read-only from before it) has none to check.
func (db *DB) CheckLeadsAtRestart() (problems []string, err error) {
	err = db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		b := tx.btx.Bucket(bucketLeadsAtRestart)
		if b == nil {
			return nil
		}
		want, undecodable, err := atRestartKeys(tx.btx)
		if err != nil {
			return err
		}
		name := func(k []byte) string {
			camp, id, _ := bytes.Cut(k, []byte{0})
			return fmt.Sprintf("campaign %q: lead %q", camp, id)
		}
		stale := func(k []byte) {
			if _, bad := slices.BinarySearchFunc(undecodable, k, bytes.Compare); !bad {
				problems = append(problems, name(k)+": indexed as read at a restart, neither in flight nor waiting for a callback")
			}
		}
		c := b.Cursor()
		k, _ := c.First()
		// Both lists are in key order: walk them side by side.
		for _, w := range want {
			for ; k != nil && bytes.Compare(k, w) < 0; k, _ = c.Next() {
				stale(k)
			}
			if k != nil && bytes.Equal(k, w) {
				k, _ = c.Next()
				continue
			}
			problems = append(problems, name(w)+": in flight or waiting for a callback, missing from the index")
		}
		for ; k != nil; k, _ = c.Next() {
			stale(k)
		}
		return nil
	})
	return problems, err
}
