package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/api/auth"
	"github.com/hotline-cc/hotline/internal/seal"
)

// RepairReport says what Repair copied and what it could not.
type RepairReport struct {
	// Check is the structure check of the damaged file: its problems are
	// the pages whose records could not be read.
	Check *Report
	// Copied counts the records written to the new file, by bucket.
	Copied map[string]int
	// Unreadable names the records found but left out (bucket/key: why).
	Unreadable []string
	// LostCalls are calls whose index entry survives but whose record does
	// not: it was on a damaged page or is unreadable.
	LostCalls []string
	// RecoveredLeads are leads copied from pages the damaged file's tree
	// no longer reaches (a lost branch page or bucket header), each
	// "CAMPAIGN/ID": the newest version those pages hold (most attempts),
	// which may be older than the lead's last (the pages may have been
	// freed): check them before their campaign runs.
	RecoveredLeads []string
	// RecoveredCalls are call records copied from pages the damaged
	// file's tree no longer reaches, by id. Only when the freelist was read
	// whole (Check.FreeListed): those pages are then the tree's own, each
	// record its last version; else an old copy on a freed page could bring
	// back what a later save changed or erased, and such calls stay lost.
	RecoveredCalls []string
	// Recovered are the other records copied so, on the same terms: agents'
	// states, campaigns' progress, abandonment hours and learned pacing,
	// users, API tokens, do-not-call entries, and (with the keys to open
	// them) contacts, their numbers
	// indexed again, each "BUCKET/KEY" (a NUL in the key as /, a contact's
	// id in decimal), quoted.
	Recovered []string
	// LostLeads are leads whose entry in the index by phone survives but
	// whose record does not (on a damaged page, or unreadable), or whose
	// record's number is not the one the index keeps (changed in place:
	// left out rather than dialed): each "CAMPAIGN/ID PHONE", with the
	// number it was imported with, to import again.
	LostLeads []string
	// Schema is the schema version written to the new file; SchemaGuessed
	// is true when the old file's was lost and CurrentSchema was assumed.
	Schema        int
	SchemaGuessed bool
	// Unindexed counts the contact numbers unindexed because their
	// contact was lost.
	Unindexed int
	// ContactsUnverified is set when contacts were copied without the
	// keys to open them, so damaged ones were copied too.
	ContactsUnverified bool
	// Incomplete names the buckets that may have lost records, sorted: a
	// page of their tree was damaged, or their header was on a lost page
	// of the top-level tree. What was recovered of them from pages no walk
	// reached is named above (Recovered*); the rest is lost. Buckets
	// rebuilt from other records (the indexes, the lead counts) are not
	// named, as they lose nothing the records kept.
	Incomplete []string
	// leftOut are the buckets of the records left out as unreadable.
	leftOut map[string]bool
	// RebuiltAgents are the agents whose saved state was lost (unreadable,
	// or on a damaged page) and was written again as their last logged
	// change left it, so a paused agent comes back paused: each as
	// "ID: STATE since TIME".
	RebuiltAgents []string
}

// MayHaveLost tells whether records of bucket may have been lost: the
// bucket is incomplete, or a record of it was left out as unreadable.
func (r *RepairReport) MayHaveLost(bucket string) bool {
	return slices.Contains(r.Incomplete, bucket) || r.leftOut[bucket]
}

// Repair copies every record that can be read from the store file at src
// into a new store file at dst, which must not exist. src is only read. The
// call index, the lead counts and the leads' indexes (by due time, by
// phone, read at a restart) of the new file are rebuilt from the records copied, so
// a damaged index loses nothing, and a number whose lead was lost can be
// imported again; contact numbers whose contact was lost are unindexed. The
// counters that number new records (contact ids, each campaign's lead
// ids) go on from the highest of the old counter and the records copied,
// so a new record never takes the id of one copied. It fails with ErrLocked while a Hotline has
// src open.
//
// With keys, each contact is opened with them and one that does not open
// (damaged, or sealed with a key not in the ring) is left out as
// unreadable; without, contacts are copied as they are
// (ContactsUnverified).
func Repair(src, dst string, keys *seal.Keyring) (*RepairReport, error) {
	f, err := openIdle(src, "stop Hotline first")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out, err := os.OpenFile(dst, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: repair into %s: %w", dst, err)
	}
	out.Close()
	rep, err := repairInto(f, src, dst, keys)
	if err != nil {
		_ = os.Remove(dst)
		return nil, err
	}
	// The new file must pass what every open checks.
	db, err := Open(dst, Options{Verify: true, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: the repaired file %s does not open: %w", dst, err)
	}
	return rep, db.Close()
}

func repairInto(f *os.File, src, dst string, keys *seal.Keyring) (*RepairReport, error) {
	bdb, err := bbolt.Open(dst, 0o600, &bbolt.Options{Timeout: time.Second, NoSync: true})
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", dst, err)
	}
	c := &copier{bdb: bdb, rep: &RepairReport{Copied: map[string]int{}}, copied: map[string]bool{}, seqs: map[string]uint64{},
		decoders: maps.Clone(repairDecoders)}
	c.salvageable = maps.Clone(salvageable)
	if keys != nil {
		c.decoders[string(bucketContacts)] = contactDecoder(keys)
		c.keys = keys
		c.salvageable[string(bucketContacts)] = contactSalvage(keys)
	}
	err = bdb.Update(func(tx *bbolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		c.rep.Check, err = walkSalvage(f, src, c.visit, func(bucket []string, seq uint64) {
			if len(bucket) == 1 {
				c.seqs[bucket[0]] = seq
			}
		}, c.orphan)
	}
	if err == nil {
		c.rep.Incomplete = incomplete(c.rep.Check, c.seqs)
		c.salvage()
	}
	if err == nil && c.rep.Check.FreeListed {
		c.salvageRecords()
	}
	if err == nil {
		err = c.finish()
	}
	if err == nil {
		err = bdb.Sync()
	}
	if cerr := bdb.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("store: writing %s: %w", dst, err)
	}
	slices.Sort(c.rep.Unreadable)
	slices.Sort(c.rep.LostCalls)
	c.rep.LostCalls = slices.Compact(c.rep.LostCalls)
	return c.rep, nil
}

// rebuilt are the buckets repair writes afresh from the records copied
// (or, for meta, from what it read), so a damaged page of theirs loses
// nothing.
var rebuilt = map[string]bool{string(bucketMeta): true, string(bucketCallIndex): true, string(bucketLeadPhones): true,
	string(bucketLeadCounts): true, string(bucketLeadsAtRestart): true, string(bucketLeadsInFlightOld): true,
	string(bucketLeadDue): true, string(bucketLeadDueV1): true}

// incomplete names the top-level buckets the walk of a damaged file may not
// have read whole (see RepairReport.Incomplete): those a problem names, and,
// when a page of the top-level tree itself was lost (or problems went
// unlisted), every bucket whose header the walk never read (seqs).
func incomplete(r *Report, seqs map[string]uint64) []string {
	set := map[string]bool{}
	top := r.More > 0
	for _, p := range r.Problems {
		if p.Bucket == "" {
			top = true
			continue
		}
		name, _, _ := strings.Cut(p.Bucket, "/")
		set[name] = true
	}
	if top {
		for _, b := range allBuckets {
			if _, read := seqs[string(b)]; !read {
				set[string(b)] = true
			}
		}
	}
	var out []string
	for name := range set {
		if !rebuilt[name] {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// copier writes what the walk of a damaged file reads into the new file,
// a batch per transaction, so a large store is never held in memory.
type copier struct {
	bdb     *bbolt.DB
	rep     *RepairReport
	batch   []entry
	copied  map[string]bool // call ids written
	indexed []string        // call ids the old index names
	phones  [][2]string     // the old index of leads by phone: lead key, phone
	// found are the lead records of pages no walk reached, the newest of
	// each key (salvage).
	found map[string]foundLead
	// foundRecords are the other records of those pages that read as a
	// salvageable bucket's, by bucket and key.
	foundRecords map[string]map[string]foundRecord
	// salvageable are the tests of those records (see salvageable), with
	// the contacts' when the keys to open them were given.
	salvageable map[string]func(k, v []byte) (rank int, ok bool)
	keys        *seal.Keyring
	contacts    [][]byte // the keys of the contacts recovered so, to index
	schema      []byte
	seqs        map[string]uint64 // the sequence of each top-level bucket whose header was read
	// decoders check the records of the buckets they are for.
	decoders map[string]func(k, v []byte) error
	err      error // the first write error; the walk's later visits are dropped
}

type entry struct {
	bucket string
	k, v   []byte
}

// repairBatch is how many records one transaction of Repair writes (a
// variable so that tests cross batches).
var repairBatch = 10000

func (c *copier) visit(bucket []string, k, v []byte) {
	if c.err != nil || len(bucket) != 1 {
		return
	}
	switch bucket[0] {
	case string(bucketMeta):
		if string(k) == string(keySchema) {
			c.schema = slices.Clone(v)
		}
		return
	case string(bucketLeadPhones):
		// Indexed afresh too; the old index tells which leads were lost,
		// and the number each was imported with.
		if camp, phone, ok := bytes.Cut(k, []byte{0}); ok {
			c.phones = append(c.phones, [2]string{string(leadKey(string(camp), string(v))), string(phone)})
		}
		return
	case string(bucketLeadCounts), string(bucketLeadsAtRestart), string(bucketLeadsInFlightOld), string(bucketLeadDue), string(bucketLeadDueV1):
		return // counted and indexed afresh from the leads copied (finish)
	case string(bucketCallIndex):
		// The index is rebuilt from the records; the old one only tells
		// which calls were lost.
		c.indexed = append(c.indexed, string(k[min(8, len(k)):]))
		return
	}
	c.batch = append(c.batch, entry{bucket: bucket[0], k: slices.Clone(k), v: slices.Clone(v)})
	if len(c.batch) >= repairBatch {
		c.err = c.flush()
	}
}

func (c *copier) flush() error {
	err := c.bdb.Update(func(tx *bbolt.Tx) error {
		for _, e := range c.batch {
			if dec := c.decoders[e.bucket]; dec != nil {
				if err := dec(e.k, e.v); err != nil {
					what := fmt.Sprintf("%s/%q: %v", e.bucket, e.k, err)
					var de *DecodeError
					if errors.As(err, &de) {
						what = de.Error() // names the bucket and key
					}
					c.rep.Unreadable = append(c.rep.Unreadable, what)
					if c.rep.leftOut == nil {
						c.rep.leftOut = map[string]bool{}
					}
					c.rep.leftOut[e.bucket] = true
					continue
				}
			}
			b, err := tx.CreateBucketIfNotExists([]byte(e.bucket))
			if err != nil {
				return fmt.Errorf("bucket %q: %w", e.bucket, err)
			}
			if err := b.Put(e.k, e.v); err != nil {
				return fmt.Errorf("bucket %q key %q: %w", e.bucket, e.k, err)
			}
			c.rep.Copied[e.bucket]++
			if e.bucket == string(bucketContacts) && c.decoders[e.bucket] == nil {
				c.rep.ContactsUnverified = true
			}
			if e.bucket == string(bucketCalls) {
				c.copied[string(e.k)] = true
				if err := reindex(tx, e.k, e.v); err != nil {
					return err
				}
			}
		}
		return nil
	})
	c.batch = c.batch[:0]
	return err
}

// finish writes the last batch and the schema version, and names the calls
// lost.
func (c *copier) finish() error {
	if c.err != nil {
		return c.err
	}
	if err := c.flush(); err != nil {
		return err
	}
	c.rep.Schema, c.rep.SchemaGuessed = CurrentSchema, true
	if v, err := strconv.Atoi(string(c.schema)); err == nil {
		c.rep.Schema, c.rep.SchemaGuessed = v, false
	}
	for _, id := range c.indexed {
		if !c.copied[id] {
			c.rep.LostCalls = append(c.rep.LostCalls, id)
		}
	}
	return c.bdb.Update(func(tx *bbolt.Tx) error {
		if err := c.lostLeads(tx); err != nil {
			return err
		}
		if _, err := rebuildLeadCounts(tx); err != nil {
			return fmt.Errorf("count the leads: %w", err)
		}
		if err := rebuildLeadsAtRestart(tx); err != nil {
			return fmt.Errorf("index the leads read at a restart: %w", err)
		}
		if err := rebuildLeadsDue(tx); err != nil {
			return fmt.Errorf("index the leads by due time: %w", err)
		}
		if err := rebuildLeadPhones(tx); err != nil {
			return fmt.Errorf("index the leads by phone: %w", err)
		}
		if err := c.rebuildAgents(tx); err != nil {
			return fmt.Errorf("rebuild the agents' states: %w", err)
		}
		if err := c.indexContacts(tx); err != nil {
			return fmt.Errorf("index the contacts recovered: %w", err)
		}
		if err := c.restoreSequences(tx); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchema, []byte(strconv.Itoa(c.rep.Schema)))
	})
}

// rebuildAgents writes the saved state of each agent the change log names
// and the new file has no state for (the engine never deletes one): the
// state its last logged change left it in (AgentChange.StateAfter).
func (c *copier) rebuildAgents(btx *bbolt.Tx) error {
	agents, changes := btx.Bucket(bucketAgents), btx.Bucket(bucketAgentChanges)
	if agents == nil || changes == nil {
		return nil
	}
	seen := map[string]bool{}
	var lost []string
	err := changes.ForEach(func(k, _ []byte) error {
		if len(k) > 16 && !seen[string(k[16:])] {
			id := string(k[16:])
			seen[id] = true
			if agents.Get([]byte(id)) == nil {
				lost = append(lost, id)
			}
		}
		return nil
	})
	if err != nil || len(lost) == 0 {
		return err
	}
	last, err := (&Tx{btx: btx}).LastAgentChanges(lost, time.Unix(1<<33, 0))
	if _, err = Skipped(err); err != nil {
		return err
	}
	for _, id := range lost {
		ch, ok := last[id]
		if !ok {
			continue // its changes are unreadable too
		}
		st := ch.StateAfter()
		v, err := json.Marshal(st)
		if err != nil {
			return err
		}
		if err := agents.Put([]byte(id), v); err != nil {
			return err
		}
		what := fmt.Sprintf("%s: %s since %s", id, st.State, st.Since.UTC().Format(time.RFC3339))
		if st.PauseReason != "" {
			what += fmt.Sprintf(" (%s)", st.PauseReason)
		}
		c.rep.RebuiltAgents = append(c.rep.RebuiltAgents, what)
	}
	return nil
}

// restoreSequences sets each bucket's sequence as the old file had it, and
// makes sure the counters that number records go on past every record
// copied: the contacts' ids, and each campaign's lead numbers (lead_seq),
// whose old value may have been lost with its page. It unindexes the
// numbers of contacts that were not copied, whose index entries would
// refuse the number to a new contact.
func (c *copier) restoreSequences(tx *bbolt.Tx) error {
	for name, seq := range c.seqs {
		if b := tx.Bucket([]byte(name)); b != nil && seq > b.Sequence() {
			if err := b.SetSequence(seq); err != nil {
				return fmt.Errorf("bucket %q: %w", name, err)
			}
		}
	}
	contacts := tx.Bucket(bucketContacts)
	if k, _ := contacts.Cursor().Last(); len(k) == 8 {
		if id := binary.BigEndian.Uint64(k); id > contacts.Sequence() {
			if err := contacts.SetSequence(id); err != nil {
				return fmt.Errorf("bucket %q: %w", bucketContacts, err)
			}
		}
	}
	idx := tx.Bucket(bucketContactPhones)
	var orphans [][]byte
	if err := idx.ForEach(func(k, v []byte) error {
		if contacts.Get(v) == nil {
			orphans = append(orphans, slices.Clone(k))
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range orphans {
		if err := idx.Delete(k); err != nil {
			return err
		}
	}
	c.rep.Unindexed = len(orphans)
	// Lead ids are CAMPAIGN-N, N from the campaign's counter.
	last := map[string]uint64{}
	if err := tx.Bucket(bucketLeads).ForEach(func(k, v []byte) error {
		var l struct {
			ID       string `json:"id"`
			Campaign string `json:"campaign"`
		}
		if json.Unmarshal(v, &l) != nil {
			return nil
		}
		if n, ok := leadSeq(l.Campaign, l.ID); ok {
			last[l.Campaign] = max(last[l.Campaign], n)
		}
		return nil
	}); err != nil {
		return err
	}
	seqs := tx.Bucket(bucketLeadSeq)
	for camp, n := range last {
		if v := seqs.Get([]byte(camp)); len(v) == 8 && binary.BigEndian.Uint64(v) >= n {
			continue
		}
		if err := seqs.Put([]byte(camp), binary.BigEndian.AppendUint64(nil, n)); err != nil {
			return fmt.Errorf("bucket %q: %w", bucketLeadSeq, err)
		}
	}
	return nil
}

type foundLead struct {
	v        []byte
	attempts int
	next     time.Time
}

// orphan keeps a record of a page no walk reached when it is a sound lead
// (its key is its campaign and id: a lead of no other bucket), the newest
// of its key: the one with the most attempts, then the latest next
// attempt.
func (c *copier) orphan(k, v []byte) {
	l, err := readLead(k, v)
	if err != nil {
		c.orphanRecord(k, v)
		return
	}
	if c.found == nil {
		c.found = map[string]foundLead{}
	}
	old, seen := c.found[string(k)]
	if seen && (old.attempts > l.Attempts || old.attempts == l.Attempts && !l.NextAttempt.After(old.next)) {
		return
	}
	c.found[string(k)] = foundLead{v: slices.Clone(v), attempts: l.Attempts, next: l.NextAttempt}
}

// salvage copies the leads found on pages no walk reached whose keys the
// walk did not copy.
func (c *copier) salvage() {
	if c.err != nil || len(c.found) == 0 {
		return
	}
	if c.err = c.flush(); c.err != nil {
		return
	}
	var keys []string // of leads the walk did not copy
	c.err = c.bdb.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketLeads)
		for _, k := range slices.Sorted(maps.Keys(c.found)) {
			if b.Get([]byte(k)) == nil {
				keys = append(keys, k)
			}
		}
		return nil
	})
	for _, k := range keys {
		c.rep.RecoveredLeads = append(c.rep.RecoveredLeads, leadName([]byte(k)))
		c.batch = append(c.batch, entry{bucket: string(bucketLeads), k: []byte(k), v: c.found[k].v})
		if len(c.batch) >= repairBatch {
			if c.err = c.flush(); c.err != nil {
				return
			}
		}
	}
}

// foundRecord is a record of a page no walk reached that reads as one of
// a bucket's (salvageable), with how new it looks (rank).
type foundRecord struct {
	v    []byte
	rank int
}

// salvageable tell, per bucket, whether a record of a page no walk
// reached is one of that bucket's: every field one of its records has,
// the key its record's own (so that no record of another bucket passes),
// sound otherwise; and rank its version (of two, the higher is kept).
var salvageable = map[string]func(k, v []byte) (rank int, ok bool){
	string(bucketCalls): func(k, v []byte) (int, bool) {
		var rec CallRecord
		if !strictJSON(v, &rec) || rec.ID != string(k) || rec.validate() != nil {
			return 0, false
		}
		rank := len(rec.Timeline) + len(rec.Attempts) // a later save has no fewer
		if !rec.Ended.IsZero() {
			rank += 1 << 30
		}
		return rank, true
	},
	string(bucketAgents): func(k, v []byte) (int, bool) {
		var a AgentState
		return 0, strictJSON(v, &a) && a.ID == string(k) && a.validate() == nil
	},
	string(bucketCampaigns): func(k, v []byte) (int, bool) {
		var p campaign.Progress
		ok := strictJSON(v, &p) && p.Name == string(k) && p.State != "" && !p.Changed.IsZero()
		return p.Counts.Dialed, ok
	},
	string(bucketCampaignHours): func(k, v []byte) (int, bool) {
		var h campaign.HourCount
		ok := strictJSON(v, &h) && h.Campaign != "" && !h.Hour.IsZero() &&
			string(k) == string(campaignHourKey(h.Campaign, h.Hour)) && h.Live >= h.Abandoned && h.Abandoned >= 0
		return h.Live, ok
	},
	string(bucketCampaignLearned): func(k, v []byte) (int, bool) {
		var l campaign.Learned
		ok := strictJSON(v, &l) && l.Campaign == string(k) && !l.Saved.IsZero()
		return int(l.Saved.Unix()), ok
	},
	string(bucketDNC): func(k, v []byte) (int, bool) {
		var e DNCEntry
		ok := strictJSON(v, &e) && string(k) == string(dncKey(e.List, e.Phone)) && checkDNC(e.List, e.Phone) == nil && !e.Added.IsZero()
		return 0, ok
	},
	string(bucketTokens): func(k, v []byte) (int, bool) {
		var t auth.Token
		if !strictJSON(v, &t) || t.ID == "" || t.ID != string(k) || t.Hash == "" || auth.CheckName(t.User) != nil || t.Created.IsZero() {
			return 0, false
		}
		if _, err := t.Role.MarshalText(); err != nil {
			return 0, false
		}
		if t.Revoked {
			return 1, true // a revocation is the later save
		}
		return 0, true
	},
	string(bucketUsers): func(k, v []byte) (int, bool) {
		var u auth.User
		if !strictJSON(v, &u) || u.Name != string(k) || auth.CheckName(u.Name) != nil || u.Hash == "" || u.Created.IsZero() {
			return 0, false
		}
		_, err := u.Role.MarshalText()
		return 0, err == nil
	},
}

// contactSalvage is the salvageable test of a contact: it opens with keys
// under its key's id, and has a number.
func contactSalvage(keys *seal.Keyring) func(k, v []byte) (int, bool) {
	s := &Contacts{keys: keys}
	return func(k, v []byte) (int, bool) {
		if len(k) != 8 {
			return 0, false
		}
		id := contact.ID(binary.BigEndian.Uint64(k))
		c, err := s.decode(id, v)
		if err != nil || c.ID != id || len(c.Phones) == 0 {
			return 0, false
		}
		return int(c.Updated.Unix()), true
	}
}

// strictJSON decodes v into x, refusing a field x does not have and
// anything after the value.
func strictJSON(v []byte, x any) bool {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.DisallowUnknownFields()
	return dec.Decode(x) == nil && !dec.More()
}

// orphanRecord keeps a record of a page no walk reached when it reads as
// one of a salvageable bucket's, the higher ranked of two versions.
func (c *copier) orphanRecord(k, v []byte) {
	for bucket, read := range c.salvageable {
		rank, ok := read(k, v)
		if !ok {
			continue
		}
		if old, seen := c.foundRecords[bucket][string(k)]; seen && old.rank >= rank {
			return
		}
		if c.foundRecords == nil {
			c.foundRecords = map[string]map[string]foundRecord{}
		}
		if c.foundRecords[bucket] == nil {
			c.foundRecords[bucket] = map[string]foundRecord{}
		}
		c.foundRecords[bucket][string(k)] = foundRecord{v: slices.Clone(v), rank: rank}
		return
	}
}

// salvageRecords copies the records found on pages no walk reached whose
// keys the walk did not copy into their buckets (flush checks and indexes
// them), and names them.
func (c *copier) salvageRecords() {
	if c.err != nil || len(c.foundRecords) == 0 {
		return
	}
	if c.err = c.flush(); c.err != nil {
		return
	}
	var add []entry
	c.err = c.bdb.View(func(tx *bbolt.Tx) error {
		for _, bucket := range slices.Sorted(maps.Keys(c.foundRecords)) {
			b := tx.Bucket([]byte(bucket))
			for _, k := range slices.Sorted(maps.Keys(c.foundRecords[bucket])) {
				if b.Get([]byte(k)) == nil {
					add = append(add, entry{bucket: bucket, k: []byte(k), v: c.foundRecords[bucket][k].v})
				}
			}
		}
		return nil
	})
	for _, e := range add {
		name := e.bucket + "/" + string(bytes.ReplaceAll(e.k, []byte{0}, []byte{'/'}))
		switch e.bucket {
		case string(bucketCalls):
			c.rep.RecoveredCalls = append(c.rep.RecoveredCalls, string(e.k))
		case string(bucketContacts):
			c.contacts = append(c.contacts, e.k)
			c.rep.Recovered = append(c.rep.Recovered, fmt.Sprintf("%q", e.bucket+"/"+strconv.FormatUint(binary.BigEndian.Uint64(e.k), 10)))
		default:
			c.rep.Recovered = append(c.rep.Recovered, fmt.Sprintf("%q", name))
		}
		c.batch = append(c.batch, e)
		if len(c.batch) >= repairBatch {
			if c.err = c.flush(); c.err != nil {
				return
			}
		}
	}
}

// indexContacts indexes the numbers of the contacts recovered from pages
// no walk reached (their index entries were lost with them, or unindexed
// as a lost contact's), each number not on another contact already.
func (c *copier) indexContacts(tx *bbolt.Tx) error {
	s := &Contacts{keys: c.keys}
	idx := tx.Bucket(bucketContactPhones)
	for _, k := range c.contacts {
		id := contact.ID(binary.BigEndian.Uint64(k))
		ct, err := s.decode(id, tx.Bucket(bucketContacts).Get(k))
		if err != nil {
			return err
		}
		for _, p := range ct.Phones {
			if _, taken := s.lookup(idx, p); !taken {
				if err := idx.Put(c.keys.Hash(p), k); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// lostLeads names the leads the old index by phone has and the copy does
// not, and leaves out (and names) a lead copied whose number is not the
// one that index keeps for it: a record changed in place, which a dialer
// would ring as it now reads.
func (c *copier) lostLeads(tx *bbolt.Tx) error {
	leads := tx.Bucket(bucketLeads)
	for _, e := range c.phones {
		key, phone := []byte(e[0]), e[1]
		name := leadName(key)
		data := leads.Get(key)
		if data == nil {
			c.rep.LostLeads = append(c.rep.LostLeads, name+" "+phone)
			continue
		}
		var l campaign.Lead
		if json.Unmarshal(data, &l) != nil || l.Phone == phone {
			continue
		}
		// The index may hold another lead's entry under this key's
		// number only if that lead has the number: one that does not
		// was changed, or its entry was.
		c.rep.LostLeads = append(c.rep.LostLeads, fmt.Sprintf("%s %s (its record says %q: changed in place, left out)", name, phone, l.Phone))
		if err := leads.Delete(key); err != nil {
			return fmt.Errorf("leave out lead %s: %w", name, err)
		}
		c.rep.Copied[string(bucketLeads)]--
	}
	slices.Sort(c.rep.LostLeads)
	return nil
}

// repairDecoders check that a record of each known bucket decodes.
var repairDecoders = map[string]func(k, v []byte) error{
	string(bucketCalls):           func(k, v []byte) error { _, err := decode[CallRecord](bucketCalls, k, v); return err },
	string(bucketAgents):          func(k, v []byte) error { _, err := decode[AgentState](bucketAgents, k, v); return err },
	string(bucketCallbacks):       func(k, v []byte) error { _, err := decode[Callback](bucketCallbacks, k, v); return err },
	string(bucketActive):          func(k, v []byte) error { _, err := decode[ActiveCall](bucketActive, k, v); return err },
	string(bucketLeads):           decodeLead,
	string(bucketDNC):             decodeDNC,
	string(bucketCampaignLearned): decodeLearned,
}

// decodeLearned checks a campaign's learned pacing record.
func decodeLearned(k, v []byte) error {
	var l struct {
		Campaign string `json:"campaign"`
		Pacer    []byte `json:"pacer"`
	}
	err := json.Unmarshal(v, &l)
	if err == nil && l.Campaign != string(k) {
		err = fmt.Errorf("campaign %q does not match its key", l.Campaign)
	}
	if err != nil {
		return &DecodeError{Bucket: string(bucketCampaignLearned), Key: string(k), Err: err}
	}
	return nil
}

// reindex adds the index entry of a copied call record.
func reindex(tx *bbolt.Tx, id, data []byte) error {
	var rec struct {
		Entered time.Time `json:"entered"`
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		return fmt.Errorf("call %q: %w", id, err)
	}
	return tx.Bucket(bucketCallIndex).Put(indexKey(rec.Entered, string(id)), []byte{})
}

// rebuildLeadPhones indexes every lead under its campaign and phone afresh
// (keys put in ascending order, as bbolt splits pages only at commit).
func rebuildLeadPhones(tx *bbolt.Tx) error {
	b, err := freshBucket(tx, bucketLeadPhones)
	if err != nil {
		return err
	}
	type entry struct{ k, id []byte }
	var all []entry
	if err := tx.Bucket(bucketLeads).ForEach(func(k, v []byte) error {
		var l struct {
			ID       string `json:"id"`
			Campaign string `json:"campaign"`
			Phone    string `json:"phone"`
		}
		if json.Unmarshal(v, &l) == nil && l.ID != "" && l.Campaign != "" && l.Phone != "" {
			all = append(all, entry{phoneKey(l.Campaign, l.Phone), []byte(l.ID)})
		}
		return nil
	}); err != nil {
		return err
	}
	slices.SortStableFunc(all, func(a, b entry) int { return bytes.Compare(a.k, b.k) })
	for _, e := range all {
		if err := b.Put(e.k, e.id); err != nil {
			return err
		}
	}
	return nil
}

// CheckLeadPhones compares the index of leads by phone with the leads, in
// the same snapshot: a lead whose number is not indexed to it, then an
// entry whose lead is gone or has another number, is a problem (an entry
// of a lost lead makes an import skip the number as already in the
// campaign). Undecodable leads are left to the check of the records.
func (db *DB) CheckLeadPhones() (problems []string, err error) {
	err = db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		idx, leads := tx.btx.Bucket(bucketLeadPhones), tx.btx.Bucket(bucketLeads)
		if idx == nil || leads == nil {
			return nil
		}
		if err := leads.ForEach(func(_, v []byte) error {
			var l campaign.Lead
			if json.Unmarshal(v, &l) != nil {
				return nil
			}
			if got := idx.Get(phoneKey(l.Campaign, l.Phone)); string(got) != l.ID {
				problems = append(problems, fmt.Sprintf("campaign %q: lead %q: number %q not indexed to it", l.Campaign, l.ID, l.Phone))
			}
			return nil
		}); err != nil {
			return err
		}
		return idx.ForEach(func(k, v []byte) error {
			camp, phone, _ := bytes.Cut(k, []byte{0})
			data := leads.Get(leadKey(string(camp), string(v)))
			var l campaign.Lead
			if data != nil && json.Unmarshal(data, &l) != nil {
				return nil
			}
			if data == nil || l.Phone != string(phone) {
				problems = append(problems, fmt.Sprintf("campaign %q: number %q indexed to lead %q, which is gone or has another number", camp, phone, v))
			}
			return nil
		})
	})
	return problems, err
}

// freshBucket replaces bucket name with an empty one.
func freshBucket(tx *bbolt.Tx, name []byte) (*bbolt.Bucket, error) {
	if tx.Bucket(name) != nil {
		if err := tx.DeleteBucket(name); err != nil {
			return nil, err
		}
	}
	return tx.CreateBucket(name)
}
