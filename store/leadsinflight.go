package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"go.etcd.io/bbolt"

	"github.com/hotline-cc/hotline/acd/campaign"
)

// leads_in_flight indexes the leads a run may leave mid-call (see
// campaign.Lead.InFlight) under campaign NUL id, kept in the transaction
// of every lead change, so a restart reads those leads alone rather than
// every lead of every campaign. Like lead_counts it is not among
// allBuckets: a store from before it has it built from the leads at its
// first read-write open, and `hotline store repair` builds the new file's.
var bucketLeadsInFlight = []byte("leads_in_flight")

// indexInFlight keeps l's entry in the index in step with its save; prev
// is the lead as saved before (nil: new, or unreadable).
func (tx *Tx) indexInFlight(prev, l *campaign.Lead) error {
	b, err := tx.bucket(bucketLeadsInFlight)
	if err != nil {
		return err
	}
	key := leadKey(l.Campaign, l.ID)
	switch {
	case l.InFlight():
		err = b.Put(key, nil)
	case prev == nil || prev.InFlight():
		err = b.Delete(key)
	}
	if err != nil {
		return fmt.Errorf("store: index lead %q in flight: %w", l.ID, err)
	}
	return nil
}

// LeadsInFlight calls fn for every lead of a campaign a run may have left
// mid-call (campaign.Lead.InFlight), those of an import under way left
// out, until fn returns false. It reads the index, so it costs the leads
// in flight, whatever the campaign's size. A store opened read-only from
// before the index is read lead by lead.
func (db *DB) LeadsInFlight(camp string, fn func(campaign.Lead) bool) error {
	return db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		idx, leads := tx.btx.Bucket(bucketLeadsInFlight), tx.btx.Bucket(bucketLeads)
		if idx == nil {
			return tx.eachLead(camp, func(_ []byte, l campaign.Lead) bool { return !l.InFlight() || fn(l) })
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
			if l.InFlight() && !fn(l) {
				return nil
			}
		}
		return nil
	})
}

// inFlightKeys are the index's keys as the leads say, and the keys of the
// leads that could not be decoded.
func inFlightKeys(tx *bbolt.Tx) (keys, undecodable [][]byte, err error) {
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
		if l.InFlight() {
			keys = append(keys, slices.Clone(k))
		}
		return nil
	})
	return keys, undecodable, err
}

// rebuildLeadsInFlight fills leads_in_flight afresh from the leads.
func rebuildLeadsInFlight(tx *bbolt.Tx) error {
	b, err := freshBucket(tx, bucketLeadsInFlight)
	if err != nil {
		return err
	}
	keys, _, err := inFlightKeys(tx)
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

// ensureLeadsInFlight builds leads_in_flight when a store from before it
// is opened read-write.
func (db *DB) ensureLeadsInFlight(tx *bbolt.Tx) error {
	return db.ensureIndex(tx, bucketLeadsInFlight, rebuildLeadsInFlight, "index of leads in flight")
}

// CheckLeadsInFlight compares the index of leads in flight with the leads,
// read in the same snapshot: each lead missing from it, or entry of no
// lead in flight, is a problem. An entry of a lead that cannot be decoded
// is left to the check of the records, which names the lead. A store
// without the index (opened read-only from before it) has none to check.
func (db *DB) CheckLeadsInFlight() (problems []string, err error) {
	err = db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		b := tx.btx.Bucket(bucketLeadsInFlight)
		if b == nil {
			return nil
		}
		want, undecodable, err := inFlightKeys(tx.btx)
		if err != nil {
			return err
		}
		name := func(k []byte) string {
			camp, id, _ := bytes.Cut(k, []byte{0})
			return fmt.Sprintf("campaign %q: lead %q", camp, id)
		}
		stale := func(k []byte) {
			if _, bad := slices.BinarySearchFunc(undecodable, k, bytes.Compare); !bad {
				problems = append(problems, name(k)+": indexed in flight, the lead is not")
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
			problems = append(problems, name(w)+": in flight, missing from the index")
		}
		for ; k != nil; k, _ = c.Next() {
			stale(k)
		}
		return nil
	})
	return problems, err
}
