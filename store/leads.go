package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/hotline-cc/hotline/acd/campaign"
)

// Leads live in three buckets: the leads themselves (campaign NUL id), an
// index of dialable leads by the time they are due (campaign NUL due-time
// id), which the dialer's hopper reads a few at a time, and an index by
// number (campaign NUL E.164), which keeps a number once per campaign.

func leadKey(camp, id string) []byte { return []byte(camp + "\x00" + id) }

func dueKey(camp string, due time.Time, id string) []byte {
	k := append([]byte(camp+"\x00"), timeKey(due)...)
	return append(k, id...)
}

func phoneKey(camp, phone string) []byte { return []byte(camp + "\x00" + phone) }

// SaveLead stores l, keeping the due index in step: a dialable lead is
// indexed under its next attempt, any other is not.
func (tx *Tx) SaveLead(l *campaign.Lead) (err error) {
	if l.ID == "" || l.Campaign == "" || l.Phone == "" {
		return fmt.Errorf("store: lead %q of campaign %q: id, campaign and phone are required: %w", l.ID, l.Campaign, ErrInvalid)
	}
	defer tx.recoverCorrupt(&err)
	leads, err := tx.bucket(bucketLeads)
	if err != nil {
		return err
	}
	due, err := tx.bucket(bucketLeadDue)
	if err != nil {
		return err
	}
	phones, err := tx.bucket(bucketLeadPhones)
	if err != nil {
		return err
	}
	key := leadKey(l.Campaign, l.ID)
	if old := leads.Get(key); old != nil {
		var prev campaign.Lead
		if json.Unmarshal(old, &prev) == nil {
			if prev.State.Dialable() {
				if err := due.Delete(dueKey(prev.Campaign, prev.NextAttempt, prev.ID)); err != nil {
					return fmt.Errorf("store: unindex lead %q: %w", l.ID, err)
				}
			}
			if prev.Phone != l.Phone {
				if err := phones.Delete(phoneKey(prev.Campaign, prev.Phone)); err != nil {
					return fmt.Errorf("store: unindex lead %q: %w", l.ID, err)
				}
			}
		}
	}
	data, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("store: encode lead %q: %w", l.ID, err)
	}
	if err := leads.Put(key, data); err != nil {
		return fmt.Errorf("store: put lead %q: %w", l.ID, err)
	}
	if err := phones.Put(phoneKey(l.Campaign, l.Phone), []byte(l.ID)); err != nil {
		return fmt.Errorf("store: index lead %q: %w", l.ID, err)
	}
	if l.State.Dialable() {
		if err := due.Put(dueKey(l.Campaign, l.NextAttempt, l.ID), nil); err != nil {
			return fmt.Errorf("store: index lead %q: %w", l.ID, err)
		}
	}
	return nil
}

// Lead returns one lead, or ErrNotFound.
func (tx *Tx) Lead(camp, id string) (l *campaign.Lead, err error) {
	defer tx.recoverCorrupt(&err)
	b := tx.btx.Bucket(bucketLeads)
	if b == nil {
		return nil, fmt.Errorf("store: lead %q: %w", id, ErrNotFound)
	}
	data := b.Get(leadKey(camp, id))
	if data == nil {
		return nil, fmt.Errorf("store: lead %q of campaign %q: %w", id, camp, ErrNotFound)
	}
	l = new(campaign.Lead)
	if err := json.Unmarshal(data, l); err != nil {
		return nil, &DecodeError{Bucket: string(bucketLeads), Key: camp + "/" + id, Err: err}
	}
	return l, nil
}

// ImportResult is what ImportLeads did.
type ImportResult struct {
	Added     int
	Duplicate int // numbers the campaign had already
}

// ImportLeads adds leads to their campaign in one transaction: all of them
// or, on an error, none. A number the campaign has already is skipped and
// counted. Each lead gets the id CAMPAIGN-N from the campaign's own sequence.
//
// bbolt splits pages only when a transaction commits, so keys put in random
// order into one large transaction cost a copy each; the keys of each bucket
// are put in ascending order instead, which keeps a million-lead import
// linear.
func (db *DB) ImportLeads(leads []campaign.Lead) (res ImportResult, err error) {
	type kv struct{ k, v []byte }
	err = db.Apply(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		res = ImportResult{}
		leadsB, err := tx.bucket(bucketLeads)
		if err != nil {
			return err
		}
		due, err := tx.bucket(bucketLeadDue)
		if err != nil {
			return err
		}
		phones, err := tx.bucket(bucketLeadPhones)
		if err != nil {
			return err
		}
		seqs, err := tx.bucket(bucketLeadSeq)
		if err != nil {
			return err
		}
		next := map[string]uint64{}
		inFile := map[string]bool{}
		var leadKVs, dueKVs, phoneKVs []kv
		for i := range leads {
			l := leads[i]
			if l.Campaign == "" || l.Phone == "" {
				return fmt.Errorf("store: lead %d of the import: campaign and phone are required: %w", i+1, ErrInvalid)
			}
			pk := phoneKey(l.Campaign, l.Phone)
			if inFile[string(pk)] || phones.Get(pk) != nil {
				res.Duplicate++
				continue
			}
			inFile[string(pk)] = true
			n, ok := next[l.Campaign]
			if !ok {
				if v := seqs.Get([]byte(l.Campaign)); len(v) == 8 {
					n = binary.BigEndian.Uint64(v)
				}
			}
			n++
			next[l.Campaign] = n
			l.ID = fmt.Sprintf("%s-%d", l.Campaign, n)
			data, err := json.Marshal(&l)
			if err != nil {
				return fmt.Errorf("store: encode lead %q: %w", l.ID, err)
			}
			leadKVs = append(leadKVs, kv{leadKey(l.Campaign, l.ID), data})
			phoneKVs = append(phoneKVs, kv{pk, []byte(l.ID)})
			if l.State.Dialable() {
				dueKVs = append(dueKVs, kv{dueKey(l.Campaign, l.NextAttempt, l.ID), nil})
			}
			res.Added++
		}
		for _, p := range []struct {
			b   *bbolt.Bucket
			kvs []kv
		}{{leadsB, leadKVs}, {due, dueKVs}, {phones, phoneKVs}} {
			slices.SortFunc(p.kvs, func(a, b kv) int { return bytes.Compare(a.k, b.k) })
			for _, e := range p.kvs {
				if err := p.b.Put(e.k, e.v); err != nil {
					return fmt.Errorf("store: import leads: %w", err)
				}
			}
		}
		for camp, n := range next {
			if err := seqs.Put([]byte(camp), binary.BigEndian.AppendUint64(nil, n)); err != nil {
				return fmt.Errorf("store: lead sequence of %q: %w", camp, err)
			}
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

// DueLeads returns up to limit dialable leads of a campaign whose next
// attempt is at or before now, the longest due first: the dialer's hopper.
// It reads the due index, so a campaign of a million leads costs no more
// than one of a thousand.
func (db *DB) DueLeads(camp string, now time.Time, limit int) (out []campaign.Lead, err error) {
	err = db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		due, leads := tx.btx.Bucket(bucketLeadDue), tx.btx.Bucket(bucketLeads)
		if due == nil || leads == nil {
			return nil
		}
		prefix := []byte(camp + "\x00")
		end := dueKey(camp, now, "\xff")
		c := due.Cursor()
		for k, _ := c.Seek(prefix); k != nil && len(out) < limit; k, _ = c.Next() {
			if len(k) < len(prefix)+8 || string(k[:len(prefix)]) != string(prefix) || string(k) > string(end) {
				break
			}
			id := string(k[len(prefix)+8:])
			data := leads.Get(leadKey(camp, id))
			if data == nil {
				continue
			}
			var l campaign.Lead
			if err := json.Unmarshal(data, &l); err != nil {
				continue
			}
			out = append(out, l)
		}
		return nil
	})
	return out, err
}

// CampaignLeads calls fn for every lead of a campaign, in id-key order,
// until fn returns false.
func (db *DB) CampaignLeads(camp string, fn func(campaign.Lead) bool) error {
	return db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		b := tx.btx.Bucket(bucketLeads)
		if b == nil {
			return nil
		}
		prefix := []byte(camp + "\x00")
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && string(k[:min(len(k), len(prefix))]) == string(prefix); k, v = c.Next() {
			var l campaign.Lead
			if err := json.Unmarshal(v, &l); err != nil {
				return &DecodeError{Bucket: string(bucketLeads), Key: string(k), Err: err}
			}
			if !fn(l) {
				return nil
			}
		}
		return nil
	})
}
