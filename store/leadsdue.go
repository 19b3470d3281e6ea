package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/hotline-cc/hotline/acd/campaign"
)

// leads_due indexes the dialable leads by the time they are due, then by
// their place in the import: campaign NUL next-attempt (8 bytes, see
// timeKey) import-sequence (8 bytes, big-endian) id. Leads due at the same
// moment (a whole list imported at once) are thus dialed in the order of
// the file, so a list sorted by priority is dialed that way. The index
// before it, leads_by_due, put the id after the time, and ids compare as
// text (spring-10 before spring-2); a store that has it gets leads_due
// built from the leads at its first read-write open (and loses the old
// one), and `hotline store repair` builds the new file's.
var (
	bucketLeadDue   = []byte("leads_due")
	bucketLeadDueV1 = []byte("leads_by_due")
)

// dueKey is l's key in leads_due. An id outside the campaign's sequence
// (not CAMPAIGN-N) sorts after those in it.
func dueKey(camp string, due time.Time, id string) []byte {
	seq, ok := leadSeq(camp, id)
	if !ok {
		seq = math.MaxUint64
	}
	k := append([]byte(camp+"\x00"), timeKey(due)...)
	k = binary.BigEndian.AppendUint64(k, seq)
	return append(k, id...)
}

// dueID is the lead id of a leads_due key whose campaign prefix (with its
// NUL) is prefixLen long.
func dueID(k []byte, prefixLen int) string {
	return string(k[min(len(k), prefixLen+16):])
}

// eachDue calls fn with the key in leads_due of every dialable lead, and
// with nil for a lead that cannot be decoded; lead is its key in leads.
func eachDue(tx *bbolt.Tx, fn func(lead, due []byte) error) error {
	leads := tx.Bucket(bucketLeads)
	if leads == nil {
		return nil
	}
	return leads.ForEach(func(k, v []byte) error {
		var l campaign.Lead
		if json.Unmarshal(v, &l) != nil {
			return fn(k, nil)
		}
		if l.State.Dialable() {
			return fn(k, dueKey(l.Campaign, l.NextAttempt, l.ID))
		}
		return nil
	})
}

// rebuildLeadsDue fills leads_due afresh from the leads, and drops the
// index of the format before it.
func rebuildLeadsDue(tx *bbolt.Tx) error {
	for _, name := range [][]byte{bucketLeadDue, bucketLeadDueV1} {
		if tx.Bucket(name) != nil {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
	}
	b, err := tx.CreateBucket(bucketLeadDue)
	if err != nil {
		return err
	}
	// bbolt splits pages only at commit: keys put in ascending order keep
	// a large index linear (a million in text order of ids took minutes).
	// The leads come a campaign at a time, so sorting each one's keys
	// puts them all in order and holds one campaign's at most.
	var keys [][]byte
	flush := func() error {
		slices.SortFunc(keys, bytes.Compare)
		for _, k := range keys {
			if err := b.Put(k, nil); err != nil {
				return err
			}
		}
		keys = keys[:0]
		return nil
	}
	var camp []byte
	if err := eachDue(tx, func(lead, due []byte) error {
		if due == nil {
			return nil
		}
		if c, _, _ := bytes.Cut(lead, []byte{0}); !bytes.Equal(c, camp) {
			if err := flush(); err != nil {
				return err
			}
			camp = slices.Clone(c)
		}
		keys = append(keys, due)
		return nil
	}); err != nil {
		return err
	}
	return flush()
}

// dueByScan is DueLeads without the index: it reads every lead of the
// campaign and keeps the limit longest due, in the index's order.
func (tx *Tx) dueByScan(camp string, now time.Time, limit int) (out []campaign.Lead, err error) {
	var keys [][]byte
	err = tx.eachLead(camp, func(_ []byte, l campaign.Lead) bool {
		if !l.State.Dialable() || l.NextAttempt.After(now) {
			return true
		}
		k := dueKey(camp, l.NextAttempt, l.ID)
		if i, _ := slices.BinarySearchFunc(keys, k, bytes.Compare); i < limit {
			keys, out = slices.Insert(keys, i, k), slices.Insert(out, i, l)
			if len(out) > limit {
				keys, out = keys[:limit], out[:limit]
			}
		}
		return true
	})
	return out, err
}

// Unbuilt names the indexes kept from the leads that the store lacks: one
// written by an older Hotline and opened read-only, whose reads scan the
// leads instead until a read-write open (serve) builds them.
func (db *DB) Unbuilt() (missing []string) {
	_ = db.View(func(tx *Tx) error {
		for _, ix := range []struct {
			bucket []byte
			what   string
		}{{bucketLeadCounts, "lead counts"}, {bucketLeadDue, "index of due leads"}, {bucketLeadsAtRestart, "index of leads read at a restart"}} {
			if tx.btx.Bucket(ix.bucket) == nil {
				missing = append(missing, ix.what)
			}
		}
		return nil
	})
	return missing
}

// ensureLeadsDue builds leads_due when a store from before it is opened
// read-write.
func (db *DB) ensureLeadsDue(tx *bbolt.Tx) error {
	return db.ensureIndex(tx, bucketLeadDue, rebuildLeadsDue, "index of due leads")
}

// ensureIndex builds an index kept from the leads (name, by rebuild) when
// a store from before it is opened read-write, and logs it unless the
// store is new.
func (db *DB) ensureIndex(tx *bbolt.Tx, name []byte, rebuild func(*bbolt.Tx) error, what string) error {
	if tx.Bucket(name) != nil {
		return nil
	}
	start := time.Now()
	if err := rebuild(tx); err != nil {
		return fmt.Errorf("build the %s: %w", what, err)
	}
	if leads := tx.Bucket(bucketLeads); leads != nil {
		if k, _ := leads.Cursor().First(); k != nil { // not a fresh store
			db.log.Info().Int("entries", tx.Bucket(name).Stats().KeyN).Dur("took", time.Since(start)).Msg(what + " built from the leads")
		}
	}
	return nil
}

// CheckLeadsDue compares the index of due leads with the leads, read in
// the same snapshot: each dialable lead missing from it, then each entry
// of no lead dialable at that time, is a problem. An entry of a lead that
// cannot be decoded is left to the check of the records. A store without
// the index (opened read-only from before it) has none to check. It looks
// each lead up rather than holding a list: a million leads cost no memory.
func (db *DB) CheckLeadsDue() (problems []string, err error) {
	err = db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		idx, leads := tx.btx.Bucket(bucketLeadDue), tx.btx.Bucket(bucketLeads)
		if idx == nil || leads == nil {
			return nil
		}
		name := func(camp, id []byte) string { return fmt.Sprintf("campaign %q: lead %q", camp, id) }
		if err := eachDue(tx.btx, func(lead, due []byte) error {
			if due != nil && idx.Get(due) == nil {
				camp, id, _ := bytes.Cut(lead, []byte{0})
				problems = append(problems, name(camp, id)+": dialable, missing from the index of due leads")
			}
			return nil
		}); err != nil {
			return err
		}
		return idx.ForEach(func(k, _ []byte) error {
			camp, _, _ := bytes.Cut(k, []byte{0})
			id := dueID(k, len(camp)+1)
			data := leads.Get(leadKey(string(camp), id))
			var l campaign.Lead
			if data != nil && json.Unmarshal(data, &l) != nil {
				return nil // undecodable: the check of the records names it
			}
			if data == nil || !l.State.Dialable() || !bytes.Equal(dueKey(l.Campaign, l.NextAttempt, l.ID), k) {
				problems = append(problems, name(camp, []byte(id))+": indexed as due, the lead is not dialable then")
			}
			return nil
		})
	})
	return problems, err
}
