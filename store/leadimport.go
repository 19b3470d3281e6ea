package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"

	"go.etcd.io/bbolt"

	"github.com/hotline-cc/hotline/acd/campaign"
)

// A lead list of any size is imported a batch at a time, each batch in its
// own transaction, so memory stays that of one batch. The leads of an import
// still under way are hidden: the campaign's pending import (lead_imports:
// campaign → the first and last sequence numbers it gave) makes the dialer's
// hopper and the lead listings skip them. Committing deletes that record in
// one small transaction, which shows the whole list at once; aborting, or
// the next import of the campaign after a crash, deletes its leads again.
// Numbers are checked against the campaign's number index, which holds the
// batches already written, so no set of the file's numbers is kept in memory.

// importBatch is how many leads one transaction of an import writes.
const importBatch = 20_000

// LeadImport adds leads to one campaign. It is not safe for concurrent use.
type LeadImport struct {
	db          *DB
	camp        string
	first, last uint64 // sequence numbers this import gave (last < first: none yet)
	batch       []campaign.Lead
	res         ImportResult
	closed      bool
	// old holds hashes of the numbers met that the campaign had from
	// before, so that a second row of one counts as a repeat in the list;
	// it grows with such rows only.
	old map[uint64]struct{}
}

// sawOld reports whether a number the campaign had from before came up
// earlier in this import, and notes it.
func (im *LeadImport) sawOld(pk []byte) bool {
	h := fnv.New64a()
	h.Write(pk)
	k := h.Sum64()
	if _, ok := im.old[k]; ok {
		return true
	}
	if im.old == nil {
		im.old = map[uint64]struct{}{}
	}
	im.old[k] = struct{}{}
	return false
}

// BeginLeadImport starts an import into camp. An import of camp that a
// crash left pending is rolled back first; one still under way in this
// process is ErrImportBusy (its leads would be taken for a crash's).
func (db *DB) BeginLeadImport(camp string) (im *LeadImport, err error) {
	if camp == "" {
		return nil, fmt.Errorf("store: lead import: no campaign: %w", ErrInvalid)
	}
	if _, busy := db.importing.LoadOrStore(camp, struct{}{}); busy {
		return nil, fmt.Errorf("store: lead import into %q: %w", camp, ErrImportBusy)
	}
	defer func() {
		if err != nil {
			db.importing.Delete(camp)
		}
	}()
	if err := db.rollbackImport(camp); err != nil {
		return nil, err
	}
	im = &LeadImport{db: db, camp: camp, batch: make([]campaign.Lead, 0, importBatch)}
	err = db.Apply(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		seqs, err := tx.bucket(bucketLeadSeq)
		if err != nil {
			return err
		}
		if v := seqs.Get([]byte(camp)); len(v) == 8 {
			im.last = binary.BigEndian.Uint64(v)
		}
		im.first = im.last + 1
		// Counts a pending import left without its record (none should)
		// are no import's.
		if err := tx.settlePendingCounts(camp, false); err != nil {
			return err
		}
		return tx.savePendingImport(camp, im.first, im.last)
	})
	if err != nil {
		return nil, err
	}
	return im, nil
}

func (tx *Tx) savePendingImport(camp string, first, last uint64) error {
	b, err := tx.bucket(bucketLeadImports)
	if err != nil {
		return err
	}
	v := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, first), last)
	if err := b.Put([]byte(camp), v); err != nil {
		return fmt.Errorf("store: lead import of %q: %w", camp, err)
	}
	return nil
}

// Add queues a lead of the import's campaign; every importBatch leads are
// written. The lead's ID is given on writing.
func (im *LeadImport) Add(l campaign.Lead) error {
	if im.closed {
		return fmt.Errorf("store: lead import of %q is over: %w", im.camp, ErrInvalid)
	}
	if l.Campaign != im.camp || l.Phone == "" {
		return fmt.Errorf("store: lead %d of the import into %q (campaign %q, phone %q): campaign and phone are required: %w",
			im.res.Added+im.res.Duplicate+len(im.batch)+1, im.camp, l.Campaign, l.Phone, ErrInvalid)
	}
	im.batch = append(im.batch, l)
	if len(im.batch) >= importBatch {
		return im.flush()
	}
	return nil
}

// flush writes the queued leads, skipping numbers the campaign has (from
// before or from this import).
func (im *LeadImport) flush() error {
	if len(im.batch) == 0 {
		return nil
	}
	type kv struct{ k, v []byte }
	var added, dups, inList int
	next := im.last
	err := im.db.Apply(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		added, dups, inList, next = 0, 0, 0, im.last
		lb, err := tx.leadBuckets()
		if err != nil {
			return err
		}
		leadsB, due, phones, seqs := lb.leads, lb.due, lb.phones, lb.seqs
		counts, err := tx.bucket(bucketLeadCounts)
		if err != nil {
			return err
		}
		pendingCounts := tally{}
		inBatch := make(map[string]struct{}, len(im.batch))
		leadKVs := make([]kv, 0, len(im.batch))
		dueKVs := make([]kv, 0, len(im.batch))
		phoneKVs := make([]kv, 0, len(im.batch))
		var flightKVs []kv // a list may hold leads in any state
		for i := range im.batch {
			l := &im.batch[i]
			pk := phoneKey(l.Campaign, l.Phone)
			if _, dup := inBatch[string(pk)]; dup {
				dups++
				inList++
				continue
			}
			if had := phones.Get(pk); had != nil {
				dups++
				if n, ok := leadSeq(im.camp, string(had)); ok && n >= im.first || im.sawOld(pk) {
					inList++
				}
				continue
			}
			inBatch[string(pk)] = struct{}{}
			next++
			l.ID = im.camp + "-" + strconv.FormatUint(next, 10)
			data, err := json.Marshal(l)
			if err != nil {
				return fmt.Errorf("store: encode lead %q: %w", l.ID, err)
			}
			leadKVs = append(leadKVs, kv{leadKey(l.Campaign, l.ID), data})
			phoneKVs = append(phoneKVs, kv{pk, []byte(l.ID)})
			if l.State.Dialable() {
				dueKVs = append(dueKVs, kv{dueKey(l.Campaign, l.NextAttempt, l.ID), nil})
			}
			if l.ReadAtRestart() {
				flightKVs = append(flightKVs, kv{leadKey(l.Campaign, l.ID), nil})
			}
			pendingCounts.add(im.camp, l, true, 1)
			added++
		}
		// bbolt splits pages only when a transaction commits: keys put in
		// ascending order keep a large batch linear.
		for _, p := range []struct {
			b   *bbolt.Bucket
			kvs []kv
		}{{leadsB, leadKVs}, {due, dueKVs}, {phones, phoneKVs}, {tx.btx.Bucket(bucketLeadsAtRestart), flightKVs}} {
			slices.SortFunc(p.kvs, func(a, b kv) int { return bytes.Compare(a.k, b.k) })
			for _, e := range p.kvs {
				if err := p.b.Put(e.k, e.v); err != nil {
					return fmt.Errorf("store: import leads: %w", err)
				}
			}
		}
		if err := pendingCounts.apply(counts); err != nil {
			return err
		}
		if err := seqs.Put([]byte(im.camp), binary.BigEndian.AppendUint64(nil, next)); err != nil {
			return fmt.Errorf("store: lead sequence of %q: %w", im.camp, err)
		}
		return tx.savePendingImport(im.camp, im.first, next)
	})
	if err != nil {
		return err
	}
	im.last = next
	im.res.Added += added
	im.res.Duplicate += dups
	im.res.InList += inList
	im.batch = im.batch[:0]
	return nil
}

// Commit writes what is queued and shows the import's leads, all at once.
func (im *LeadImport) Commit() (ImportResult, error) {
	if err := im.db.commitImports(im); err != nil {
		return ImportResult{}, err
	}
	return im.res, nil
}

// commitImports writes what the imports have queued, then shows all their
// leads in one transaction.
func (db *DB) commitImports(ims ...*LeadImport) error {
	for _, im := range ims {
		if im.closed {
			return fmt.Errorf("store: lead import of %q is over: %w", im.camp, ErrInvalid)
		}
		if err := im.flush(); err != nil {
			return err
		}
	}
	err := db.Apply(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		b, err := tx.bucket(bucketLeadImports)
		if err != nil {
			return err
		}
		for _, im := range ims {
			if err := b.Delete([]byte(im.camp)); err != nil {
				return err
			}
			if err := tx.settlePendingCounts(im.camp, true); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, im := range ims {
		im.close()
	}
	return nil
}

// close ends the import, letting another into its campaign start.
func (im *LeadImport) close() {
	im.closed = true
	im.db.importing.Delete(im.camp)
}

// Abort deletes the leads the import wrote. An import that is over (or
// aborted) is left alone.
func (im *LeadImport) Abort() error {
	if im.closed {
		return nil
	}
	defer im.close()
	return im.db.rollbackImport(im.camp)
}

// rollbackImport deletes the leads of camp's pending import, a batch per
// transaction (a crash midway leaves the record whole and the rest pending,
// still hidden, for the next try), then the record, and gives its sequence
// numbers back when no other lead took any since.
func (db *DB) rollbackImport(camp string) error {
	var top uint64 // the highest number not yet deleted; 0: the record's last
	for {
		done := false
		err := db.Apply(func(tx *Tx) (err error) {
			defer tx.recoverCorrupt(&err)
			imports, err := tx.bucket(bucketLeadImports)
			if err != nil {
				return err
			}
			v := imports.Get([]byte(camp))
			if len(v) != 16 {
				done = true
				return nil
			}
			first, last := binary.BigEndian.Uint64(v), binary.BigEndian.Uint64(v[8:])
			lb, err := tx.leadBuckets()
			if err != nil {
				return err
			}
			leadsB, due, phones, seqs := lb.leads, lb.due, lb.phones, lb.seqs
			// From the last down; the record is left whole until the end, so
			// the sequence can be compared with its last.
			if top == 0 {
				top = last
			}
			stop := top - min(top-first+1, importBatch)
			for n := top; n > stop; n-- {
				id := camp + "-" + strconv.FormatUint(n, 10)
				key := leadKey(camp, id)
				data := leadsB.Get(key)
				if data == nil {
					continue // a duplicate took no lead, or deleted already
				}
				var l campaign.Lead
				if err := json.Unmarshal(data, &l); err != nil {
					return &DecodeError{Bucket: string(bucketLeads), Key: camp + "/" + id, Err: err}
				}
				if l.State.Dialable() {
					if err := due.Delete(dueKey(camp, l.NextAttempt, id)); err != nil {
						return err
					}
				}
				pk := phoneKey(camp, l.Phone)
				if string(phones.Get(pk)) == id {
					if err := phones.Delete(pk); err != nil {
						return err
					}
				}
				if err := leadsB.Delete(key); err != nil {
					return err
				}
				if l.ReadAtRestart() { // saved while the import was under way
					if err := tx.btx.Bucket(bucketLeadsAtRestart).Delete(key); err != nil {
						return err
					}
				}
			}
			if stop >= first {
				top = stop
				return nil
			}
			if cur := seqs.Get([]byte(camp)); len(cur) == 8 && binary.BigEndian.Uint64(cur) == last {
				if err := seqs.Put([]byte(camp), binary.BigEndian.AppendUint64(nil, first-1)); err != nil {
					return err
				}
			}
			done = true
			if err := tx.settlePendingCounts(camp, false); err != nil {
				return err
			}
			return imports.Delete([]byte(camp))
		})
		if err != nil {
			return fmt.Errorf("store: roll back the lead import of %q: %w", camp, err)
		}
		if done {
			return nil
		}
	}
}

// pendingLeads reports which leads of camp belong to an import still under
// way; nil when none does.
func (tx *Tx) pendingLeads(camp string) func(id string) bool {
	b := tx.btx.Bucket(bucketLeadImports)
	if b == nil {
		return nil
	}
	v := b.Get([]byte(camp))
	if len(v) != 16 {
		return nil
	}
	first, last := binary.BigEndian.Uint64(v), binary.BigEndian.Uint64(v[8:])
	return func(id string) bool {
		n, ok := leadSeq(camp, id)
		return ok && n >= first && n <= last
	}
}

// leadSeq is the sequence number in an imported lead's id CAMPAIGN-N.
func leadSeq(camp, id string) (uint64, bool) {
	num, ok := strings.CutPrefix(id, camp+"-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(num, 10, 64)
	return n, err == nil
}

// leadBuckets are the buckets a lead's write touches.
type leadBuckets struct{ leads, due, phones, seqs *bbolt.Bucket }

func (tx *Tx) leadBuckets() (lb leadBuckets, err error) {
	for _, b := range []struct {
		name []byte
		b    **bbolt.Bucket
	}{{bucketLeads, &lb.leads}, {bucketLeadDue, &lb.due}, {bucketLeadPhones, &lb.phones}, {bucketLeadSeq, &lb.seqs}} {
		if *b.b, err = tx.bucket(b.name); err != nil {
			return leadBuckets{}, err
		}
	}
	return lb, nil
}

// LeadPhones reports which of phones (E.164) camp has a lead of, as an
// import now would find them: the leads of an import a crash left pending
// are not counted, since the next import rolls them back. A dry run of an
// import counts with it what the import would skip.
func (db *DB) LeadPhones(camp string, phones []string) (has []bool, err error) {
	has = make([]bool, len(phones))
	err = db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		b := tx.btx.Bucket(bucketLeadPhones)
		if b == nil {
			return nil
		}
		pending := tx.pendingLeads(camp)
		for i, p := range phones {
			id := b.Get(phoneKey(camp, p))
			has[i] = id != nil && (pending == nil || !pending(string(id)))
		}
		return nil
	})
	return has, err
}

// CutImports lists, by campaign, the lead imports a killed run left
// pending (none is under way while the file is not open for writing):
// how many lead numbers each had taken. Their leads are hidden, and the
// campaign's next import rolls them back.
func (db *DB) CutImports() (cut map[string]uint64, err error) {
	err = db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		b := tx.btx.Bucket(bucketLeadImports)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if len(v) == 16 {
				first, last := binary.BigEndian.Uint64(v), binary.BigEndian.Uint64(v[8:])
				if cut == nil {
					cut = map[string]uint64{}
				}
				cut[string(k)] = last + 1 - min(first, last+1)
			}
			return nil
		})
	})
	return cut, err
}
