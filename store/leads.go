package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/internal/seal"
)

// Leads live in three buckets: the leads themselves (campaign NUL id), an
// index of dialable leads by the time they are due (see leadsdue.go),
// which the dialer's hopper reads a few at a time, and an index by number
// (campaign NUL E.164), which keeps a number once per campaign.

func leadKey(camp, id string) []byte { return []byte(camp + "\x00" + id) }

func phoneKey(camp, phone string) []byte { return []byte(camp + "\x00" + phone) }

// SaveLead stores l, keeping the due index in step: a dialable lead is
// indexed under its next attempt, any other is not.
func (tx *Tx) SaveLead(l *campaign.Lead) (err error) {
	if l.ID == "" || l.Campaign == "" || l.Phone == "" {
		return fmt.Errorf("store: lead %q of campaign %q: id, campaign and phone are required: %w", l.ID, l.Campaign, ErrInvalid)
	}
	defer tx.recoverCorrupt(&err)
	lb, err := tx.leadBuckets()
	if err != nil {
		return err
	}
	leads, due, phones := lb.leads, lb.due, lb.phones
	key := leadKey(l.Campaign, l.ID)
	var counted *campaign.Lead // the lead as its campaign's counts hold it
	if old := leads.Get(key); old != nil {
		var prev campaign.Lead
		if json.Unmarshal(old, &prev) == nil {
			counted = &prev
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
	if err := tx.indexAtRestart(counted, l); err != nil {
		return err
	}
	return tx.countLead(counted, l)
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

// Lead returns a campaign's lead by id, or ErrNotFound.
func (db *DB) Lead(camp, id string) (l *campaign.Lead, err error) {
	err = db.View(func(tx *Tx) (err error) { l, err = tx.Lead(camp, id); return err })
	return l, err
}

// ImportResult is what ImportLeads did.
type ImportResult struct {
	Added     int
	Duplicate int // numbers the campaign had already
	// InList counts the duplicates whose number came earlier in the same
	// import rather than before it.
	InList int
}

// ImportLeads adds leads to their campaigns: all of them or, on an error,
// none. A number the campaign has already is skipped and counted. Each lead
// gets the id CAMPAIGN-N from the campaign's own sequence. It writes through
// a LeadImport per campaign, so a large list costs the memory of the list,
// not more.
func (db *DB) ImportLeads(leads []campaign.Lead) (res ImportResult, err error) {
	byCamp := map[string]*LeadImport{}
	var ims []*LeadImport
	defer func() {
		if err != nil {
			for _, im := range ims {
				_ = im.Abort()
			}
		}
	}()
	for i, l := range leads {
		if l.Campaign == "" || l.Phone == "" {
			return ImportResult{}, fmt.Errorf("store: lead %d of the import: campaign and phone are required: %w", i+1, ErrInvalid)
		}
		im := byCamp[l.Campaign]
		if im == nil {
			if im, err = db.BeginLeadImport(l.Campaign); err != nil {
				return ImportResult{}, err
			}
			byCamp[l.Campaign] = im
			ims = append(ims, im)
		}
		if err = im.Add(l); err != nil {
			return ImportResult{}, err
		}
	}
	if err = db.commitImports(ims...); err != nil {
		return ImportResult{}, err
	}
	for _, im := range ims {
		res.Added += im.res.Added
		res.Duplicate += im.res.Duplicate
		res.InList += im.res.InList
	}
	return res, nil
}

// DueLeads returns up to limit dialable leads of a campaign whose next
// attempt is at or before now, the longest due first: the dialer's hopper.
// A lead whose record is not one to dial (undecodable, damaged, its
// number not indexed to it: see dialableLead) is left out, and the error
// names it (a *DecodeError; see Skipped) with the others returned.
// It reads the due index, so a campaign of a million leads costs no more
// than one of a thousand. A store opened read-only from before the index
// is read lead by lead (dueByScan).
func (db *DB) DueLeads(camp string, now time.Time, limit int) (out []campaign.Lead, err error) {
	err = db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		due, leads := tx.btx.Bucket(bucketLeadDue), tx.btx.Bucket(bucketLeads)
		if due == nil {
			out, err = tx.dueByScan(camp, now, limit)
			return err
		}
		if leads == nil {
			return nil
		}
		pending := tx.pendingLeads(camp)
		phones := tx.btx.Bucket(bucketLeadPhones)
		var bad []error // leads left out, named: see Skipped
		prefix := []byte(camp + "\x00")
		end := dueKey(camp, now, "\xff")
		c := due.Cursor()
		for k, _ := c.Seek(prefix); k != nil && len(out) < limit; k, _ = c.Next() {
			if len(k) < len(prefix)+16 || string(k[:len(prefix)]) != string(prefix) || string(k) > string(end) {
				break
			}
			id := dueID(k, len(prefix))
			if pending != nil && pending(id) {
				continue
			}
			data := leads.Get(leadKey(camp, id))
			if data == nil {
				continue
			}
			l, err := dialableLead(leadKey(camp, id), data, phones)
			if err != nil {
				bad = append(bad, err)
				continue
			}
			out = append(out, l)
		}
		return errors.Join(bad...)
	})
	return out, err
}

// CampaignLeads calls fn for every lead of a campaign, in id-key order,
// until fn returns false. A lead that cannot be decoded is passed by: the
// error names each (see Skipped) once the others are given.
func (db *DB) CampaignLeads(camp string, fn func(campaign.Lead) bool) error {
	return db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		return tx.eachLead(camp, func(_ []byte, l campaign.Lead) bool { return fn(l) })
	})
}

// eachLead calls fn for every lead of a campaign but those of an import
// under way, with its key, in key order, until fn returns false. A lead
// that cannot be decoded is passed by, its DecodeError joined to the
// error returned.
func (tx *Tx) eachLead(camp string, fn func(k []byte, l campaign.Lead) bool) error {
	b := tx.btx.Bucket(bucketLeads)
	if b == nil {
		return nil
	}
	pending := tx.pendingLeads(camp)
	prefix := []byte(camp + "\x00")
	c := b.Cursor()
	var bad []error
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if pending != nil && pending(string(k[len(prefix):])) {
			continue
		}
		var l campaign.Lead
		if err := json.Unmarshal(v, &l); err != nil {
			bad = append(bad, &DecodeError{Bucket: string(bucketLeads), Key: string(k), Err: err})
			continue
		}
		if !fn(k, l) {
			break
		}
	}
	return errors.Join(bad...)
}

// UnreadableLeads names the leads whose records cannot be decoded: the
// dialer and the exports pass them by; store check names
// them and store repair leaves them out.
func (db *DB) UnreadableLeads() (bad []*DecodeError, err error) {
	return db.unreadable(bucketLeads, decodeLead)
}

// UnreadableDNC names the do-not-call entries that cannot be decoded.
func (db *DB) UnreadableDNC() (bad []*DecodeError, err error) {
	return db.unreadable(bucketDNC, decodeDNC)
}

// UnreadableContacts names the contacts that cannot be opened with keys
// (damaged, or sealed with a key the ring does not hold) or decoded.
func (db *DB) UnreadableContacts(keys *seal.Keyring) (bad []*DecodeError, err error) {
	return db.unreadable(bucketContacts, contactDecoder(keys))
}

// unreadable runs decode on every record of bucket and collects its
// DecodeErrors.
func (db *DB) unreadable(bucket []byte, decode func(k, v []byte) error) (bad []*DecodeError, err error) {
	err = db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		b := tx.btx.Bucket(bucket)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var de *DecodeError
			if err := decode(k, v); errors.As(err, &de) {
				bad = append(bad, de)
			}
			return nil
		})
	})
	return bad, err
}

// decodeLead checks that a stored lead decodes.
func decodeLead(k, v []byte) error {
	if _, err := readLead(k, v); err != nil {
		return &DecodeError{Bucket: string(bucketLeads), Key: string(k), Err: err}
	}
	return nil
}

// readLead decodes the lead record v of key k and checks it is sound
// (soundLead).
func readLead(k, v []byte) (l campaign.Lead, err error) {
	if err = json.Unmarshal(v, &l); err == nil {
		err = soundLead(k, &l)
	}
	return l, err
}

// leadName is a lead's key as a person reads it: CAMPAIGN/ID.
func leadName(k []byte) string { return string(bytes.Replace(k, []byte{0}, []byte{'/'}, 1)) }

// soundLead checks what a decoded lead's record must hold to be dialed:
// its key, and a number as Hotline writes them (E.164: + and 2 to 15
// digits). A record damaged in place may still decode, with bytes of its
// number changed: dialing it would ring no one or someone else.
func soundLead(k []byte, l *campaign.Lead) error {
	if string(k) != string(leadKey(l.Campaign, l.ID)) {
		return fmt.Errorf("lead %q of campaign %q does not match its key", l.ID, l.Campaign)
	}
	if !e164Shape(l.Phone) {
		return fmt.Errorf("number %q is not one Hotline writes (E.164), so the record is damaged", l.Phone)
	}
	return nil
}

// e164Shape tells whether s is + and 2 to 15 digits, the first not 0.
func e164Shape(s string) bool {
	d, ok := strings.CutPrefix(s, "+")
	if !ok || len(d) < 2 || len(d) > 15 || d[0] == '0' {
		return false
	}
	for _, r := range d {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// dialableLead decodes a lead the dialer is to read and checks it as
// store check does: sound (soundLead), and its number indexed to it in
// leads_by_phone (phones, when the store has that index). A number that
// is not is one that changed outside Hotline, by damage (a digit or two)
// or by hand: the dialer leaves the lead out, named, rather than ring it.
func dialableLead(k, v []byte, phones *bbolt.Bucket) (campaign.Lead, error) {
	l, err := readLead(k, v)
	if err == nil && phones != nil {
		if got := phones.Get(phoneKey(l.Campaign, l.Phone)); string(got) != l.ID {
			err = fmt.Errorf("number %s is not indexed to it: the record changed outside Hotline (damaged?); not dialed (hotline store check)", l.Phone)
		}
	}
	if err != nil {
		return l, &DecodeError{Bucket: string(bucketLeads), Key: leadName(k), Err: err}
	}
	return l, nil
}

// DialableLead returns a lead the dialer is to dial (a callback due), or
// ErrNotFound; a *DecodeError when the record is not one to dial (see
// dialableLead).
func (db *DB) DialableLead(camp, id string) (l *campaign.Lead, err error) {
	err = db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		b := tx.btx.Bucket(bucketLeads)
		var data []byte
		if b != nil {
			data = b.Get(leadKey(camp, id))
		}
		if data == nil {
			return fmt.Errorf("store: lead %q of campaign %q: %w", id, camp, ErrNotFound)
		}
		x, err := dialableLead(leadKey(camp, id), data, tx.btx.Bucket(bucketLeadPhones))
		if err != nil {
			return err
		}
		l = &x
		return nil
	})
	return l, err
}

// leadsChunk is how many leads LeadsInOrder reads per read transaction.
const leadsChunk = 1000

// LeadsInOrder calls fn for every lead of a campaign in the order they
// were imported (CAMPAIGN-2 before CAMPAIGN-10), then any lead with an id
// of another form, until fn returns false. It reads a chunk of leads per
// read transaction and calls fn outside it, so a slow fn (an export to a
// slow client) neither holds the file nor the list in memory. A lead that
// cannot be decoded is passed by: the error names each (see Skipped).
func (db *DB) LeadsInOrder(camp string, fn func(campaign.Lead) bool) error {
	return db.leadsInOrder(camp, leadsChunk, fn)
}

func (db *DB) leadsInOrder(camp string, chunk int, fn func(campaign.Lead) bool) error {
	var last uint64
	if err := db.View(func(tx *Tx) error {
		if b := tx.btx.Bucket(bucketLeadSeq); b != nil {
			if v := b.Get([]byte(camp)); len(v) == 8 {
				last = binary.BigEndian.Uint64(v)
			}
		}
		return nil
	}); err != nil {
		return err
	}
	prefix := []byte(camp + "\x00")
	// inSeq reports the leads the first pass gives.
	inSeq := func(id string) bool { n, ok := leadSeq(camp, id); return ok && n >= 1 && n <= last }
	var batch []campaign.Lead
	var bad []error // the leads passed by, undecodable
	decode := func(k, data []byte) error {
		var l campaign.Lead
		if err := json.Unmarshal(data, &l); err != nil {
			bad = append(bad, &DecodeError{Bucket: string(bucketLeads), Key: string(k), Err: err})
			return nil
		}
		batch = append(batch, l)
		return nil
	}
	// give hands the chunk read to fn; it reports whether to go on.
	give := func() bool {
		for _, l := range batch {
			if !fn(l) {
				return false
			}
		}
		batch = batch[:0]
		return true
	}
	for n := uint64(1); n <= last; {
		err := db.View(func(tx *Tx) (err error) {
			defer tx.recoverCorrupt(&err)
			leads := tx.btx.Bucket(bucketLeads)
			if leads == nil {
				n = last + 1
				return nil
			}
			pending := tx.pendingLeads(camp)
			for ; n <= last && len(batch) < chunk; n++ {
				id := camp + "-" + strconv.FormatUint(n, 10)
				if pending != nil && pending(id) {
					continue
				}
				k := leadKey(camp, id)
				if data := leads.Get(k); data != nil {
					if err := decode(k, data); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if !give() {
			return errors.Join(bad...)
		}
	}
	// Then the leads whose ids are of another form, by key.
	from := prefix
	for from != nil {
		err := db.View(func(tx *Tx) (err error) {
			defer tx.recoverCorrupt(&err)
			leads := tx.btx.Bucket(bucketLeads)
			if leads == nil {
				from = nil
				return nil
			}
			c := leads.Cursor()
			for k, v := c.Seek(from); ; k, v = c.Next() {
				if k == nil || !bytes.HasPrefix(k, prefix) {
					from = nil
					return nil
				}
				if len(batch) == chunk {
					from = bytes.Clone(k) // the next chunk starts here
					return nil
				}
				if id := string(k[len(prefix):]); inSeq(id) {
					continue
				}
				if err := decode(k, v); err != nil {
					return err
				}
			}
		})
		if err != nil {
			return err
		}
		if !give() {
			return errors.Join(bad...)
		}
	}
	return errors.Join(bad...)
}
