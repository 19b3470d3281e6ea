package store

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"go.etcd.io/bbolt"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/acd/ivr"
	"github.com/hotline-cc/hotline/internal/seal"
)

// bucketCallNumbers indexes call records by the keyed hash of the
// customer's number: hash (32 bytes) + 8-byte Entered (as calls_by_entered)
// + call ID -> empty. It came after schema 1: a read-write open creates it;
// reads without it fall back to a scan.
var bucketCallNumbers = []byte("calls_by_number")

// keyNumberIndex, in bucket meta, says how far the number index covers the
// call records: "complete" once a ResealCalls walk from the first record
// found nothing in clear ("walking" during that walk). Saving a record in
// clear deletes it, and searches by number scan until a walk completes it
// again.
var keyNumberIndex = []byte("calls_by_number")

const (
	numberIndexWalking  = "walking"
	numberIndexComplete = "complete"
)

// numberIndexComplete reports whether the number index lists every call.
func (tx *Tx) numberIndexComplete() bool {
	m := tx.btx.Bucket(bucketMeta)
	return m != nil && string(m.Get(keyNumberIndex)) == numberIndexComplete
}

// markNumberIndex moves keyNumberIndex: a walk starts, a walk ends, or a
// record was written in clear (to "").
func (tx *Tx) markNumberIndex(to string) error {
	m := tx.btx.Bucket(bucketMeta)
	cur := string(m.Get(keyNumberIndex))
	switch {
	case to == "" && cur != "":
		return m.Delete(keyNumberIndex)
	case to == numberIndexWalking && cur == "",
		to == numberIndexComplete && cur == numberIndexWalking:
		return m.Put(keyNumberIndex, []byte(to))
	}
	return nil
}

// callSeal is how call records are sealed: under keys, with numbers written
// without a country code read as numbers of region.
type callSeal struct {
	keys   *seal.Keyring
	region string
}

// SealCalls seals the personal fields of every call record written from now
// on under keys (the primary key seals, every key opens) and indexes each
// record by the keyed hash of the customer's number; region is the country
// of numbers written without a country code. Call it once, right after
// Open, before records are read. Records written in clear before stay
// readable; ResealCalls seals them.
//
// Without SealCalls (or with nil keys) records are written as they are: in clear, or with
// the sealed part they were read with, which is kept.
func (db *DB) SealCalls(keys *seal.Keyring, region string) {
	if keys == nil { // no keys: records are written and read as they are
		db.sealing.Store(nil)
		return
	}
	db.sealing.Store(&callSeal{keys: keys, region: region})
	if keys != nil && !db.bolt.IsReadOnly() {
		db.indexOldRecordings() // the sealed calls an open without the key could not judge
	}
}

// personal is the part of a call record that identifies the customer; it
// is what Sealed holds.
type personal struct {
	Caller        string   `json:"caller,omitempty"`
	CallerName    string   `json:"caller_name,omitempty"`
	Called        string   `json:"called,omitempty"`
	Notes         string   `json:"notes,omitempty"`
	Reason        string   `json:"reason,omitempty"`      // what the agent filed the call as
	Details       []string `json:"details,omitempty"`     // Timeline[i].Detail
	LegNumbers    []string `json:"leg_numbers,omitempty"` // Legs[i].Number
	RecordingName string   `json:"recording_name,omitempty"`
	RecordingPath string   `json:"recording_path,omitempty"`
	// More holds MoreRecordings[i]'s name and path.
	More []sealedRecording `json:"more_recordings,omitempty"`
}

type sealedRecording struct {
	Name string `json:"name,omitempty"`
	Path string `json:"path,omitempty"`
}

// clearKinds are the timeline steps whose detail stays in clear when
// records are sealed: the ones reports read (queue names, menu nodes and
// keys, reasons, causes) and that never carry a number, a collected value or
// what a caller said. Every other kind, new ones included, is sealed.
var clearKinds = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, k := range ivr.Kinds() { // node entries: "flow/node"
		m[k] = true
	}
	for _, k := range []string{"enqueue", "overflow", "exit-key", "callback-key", "callback-requested", "callback-start",
		"callback-no-answer", "menu-choice", "language", "hours", "condition", "menu-retry", "menu-default",
		"collect-retry", "collect-fallback", "faq-answer", "faq-agent", "faq-done", "faq-repeat", "faq-back",
		"faq-retry", "faq-fallback", "announce", "flow-skills", "flow-priority", "bridged", "connect", "offer",
		"no-connect", "late-answer", "agent-paused", "agent-hangup", "caller-hangup", "abandon", "end", "restored", "requeue",
		"recording-failed", "not-reached", "lead-answered", "ring-cut-by-restart", "adopted-after-restart",
		"gone-during-gap", "agent-gone-during-gap", "contact", "prefer-agent", "tag-priority"} {
		m[k] = true
	}
	return m
})

// take moves the personal fields out of c (whose Timeline it may write:
// pass a copy) and reports whether there were any.
func (p *personal) take(c *CallRecord) bool {
	*p = personal{Caller: c.Caller, CallerName: c.CallerName, Called: c.Called, Notes: c.Notes, Reason: c.Reason,
		RecordingName: c.Recording.Name, RecordingPath: c.Recording.Path}
	c.Caller, c.CallerName, c.Called, c.Notes, c.Reason, c.Recording.Name, c.Recording.Path = "", "", "", "", "", "", ""
	found := p.Caller != "" || p.CallerName != "" || p.Called != "" || p.Notes != "" || p.Reason != "" ||
		p.RecordingName != "" || p.RecordingPath != ""
	for i := range c.Timeline {
		if d := c.Timeline[i].Detail; d != "" && !clearKinds()[c.Timeline[i].Kind] {
			if p.Details == nil {
				p.Details = make([]string, len(c.Timeline))
			}
			p.Details[i], c.Timeline[i].Detail, found = d, "", true
		}
	}
	if len(c.MoreRecordings) > 0 {
		more := make([]Recording, len(c.MoreRecordings)) // c's slice is the caller's
		for i, r := range c.MoreRecordings {
			if r.Name != "" || r.Path != "" {
				if p.More == nil {
					p.More = make([]sealedRecording, len(c.MoreRecordings))
				}
				p.More[i], r.Name, r.Path, found = sealedRecording{r.Name, r.Path}, "", "", true
			}
			more[i] = r
		}
		c.MoreRecordings = more
	}
	for i := range c.Legs {
		if n := c.Legs[i].Number; n != "" {
			if p.LegNumbers == nil {
				p.LegNumbers = make([]string, len(c.Legs))
			}
			p.LegNumbers[i], c.Legs[i].Number, found = n, "", true
		}
	}
	return found
}

// give puts the personal fields back into c.
func (p *personal) give(c *CallRecord) {
	c.Caller, c.CallerName, c.Called, c.Notes = p.Caller, p.CallerName, p.Called, p.Notes
	if p.Reason != "" { // a record sealed before reasons were has its reason in clear
		c.Reason = p.Reason
	}
	c.Recording.Name, c.Recording.Path = p.RecordingName, p.RecordingPath
	for i := range min(len(p.More), len(c.MoreRecordings)) {
		c.MoreRecordings[i].Name, c.MoreRecordings[i].Path = p.More[i].Name, p.More[i].Path
	}
	for i := range min(len(p.Details), len(c.Timeline)) {
		if p.Details[i] != "" {
			c.Timeline[i].Detail = p.Details[i]
		}
	}
	for i := range min(len(p.LegNumbers), len(c.Legs)) {
		if p.LegNumbers[i] != "" {
			c.Legs[i].Number = p.LegNumbers[i]
		}
	}
}

func callAAD(id string) []byte { return []byte("call/" + id) }

// storedCall is a call record as the calls bucket holds it: the record and
// the number index entry it owns, so a re-save can drop that entry without
// opening the sealed part.
type storedCall struct {
	*CallRecord
	NumberHash []byte `json:"number_hash,omitempty"`
}

// CustomerNumber is the customer's number on the call: the caller of an
// inbound call, the number dialed for a call Hotline placed.
func (c *CallRecord) CustomerNumber() string {
	switch c.Direction {
	case acd.DirectionOutbound, acd.DirectionCallback:
		return c.Called
	}
	return c.Caller
}

// normal is number in E.164 when it reads as a phone number, else as it is:
// the one spelling both the index and a search use.
func (s *callSeal) normal(number string) string {
	if strings.HasPrefix(number, "+") && strings.IndexFunc(number[1:], func(r rune) bool { return r < '0' || r > '9' }) < 0 {
		return number // already E.164: the common case, without parsing
	}
	region := "US"
	if s != nil && s.region != "" {
		region = s.region
	}
	if e, err := contact.NormalizePhone(number, region); err == nil {
		return e
	}
	return strings.TrimSpace(number)
}

// sameNumber reports whether a record's number is the one searched for.
func (s *callSeal) sameNumber(recorded, want string) bool {
	return recorded != "" && recorded != Anonymized && (recorded == want || s.normal(recorded) == s.normal(want))
}

// encode is the stored form of c: with a seal, its personal fields sealed
// (c itself is not changed) and hash the index entry for its number
// (reused from the previous version when it has one, unless rehash).
func (s *callSeal) encode(c *CallRecord, prevHash []byte, rehash bool) (data, hash []byte, err error) {
	out := storedCall{CallRecord: c}
	if s != nil {
		cp := *c
		cp.Timeline, cp.Legs = slices.Clone(c.Timeline), slices.Clone(c.Legs)
		var p personal
		if p.take(&cp) {
			plain, err := json.Marshal(p)
			if err != nil {
				return nil, nil, err
			}
			cp.Sealed = s.keys.Seal(plain, callAAD(c.ID))
			out.CallRecord = &cp
		}
		// else: nothing personal in clear, so Sealed (if any) is kept
		switch n := c.CustomerNumber(); {
		case n == "" || n == Anonymized:
		case prevHash != nil && !rehash:
			hash = prevHash
		default:
			hash = s.keys.Hash(s.normal(n))
		}
		out.NumberHash = hash
	}
	data, err = json.Marshal(out)
	if err != nil {
		return nil, nil, fmt.Errorf("store: encode call %q: %w", c.ID, err)
	}
	return data, hash, nil
}

// open fills in the personal fields of a record read from the store. A
// record that does not open (no key, or one not configured) keeps Sealed and
// its figures: reports still count it.
func (s *callSeal) open(c *CallRecord) {
	if s == nil || c.Sealed == nil {
		return
	}
	plain, err := s.keys.Open(c.Sealed, callAAD(c.ID))
	if err != nil {
		return
	}
	var p personal
	if json.Unmarshal(plain, &p) != nil {
		return
	}
	p.give(c)
	c.Sealed = nil
}

// numberHashOf reads the number index entry a stored record owns without
// decoding the rest (see enteredOf).
func numberHashOf(data []byte) []byte {
	const key = `"number_hash":"`
	i := bytes.LastIndex(data, []byte(key))
	if i < 0 {
		return nil
	}
	rest := data[i+len(key):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return nil
	}
	h, err := base64.StdEncoding.DecodeString(string(rest[:end]))
	if err != nil || len(h) != seal.HashSize {
		return nil
	}
	return h
}

func numberKey(hash []byte, indexKey []byte) []byte {
	return append(slices.Clip(hash), indexKey...)
}

// reindexNumber moves a record's number index entry from its previous
// version's (oldHash, oldKey) to (hash, key).
func reindexNumber(b *bbolt.Bucket, oldHash, oldKey, hash, key []byte) error {
	if b == nil {
		return nil // a store opened read-only before the bucket existed
	}
	if oldHash != nil && (!bytes.Equal(oldHash, hash) || !bytes.Equal(oldKey, key)) {
		if err := b.Delete(numberKey(oldHash, oldKey)); err != nil {
			return err
		}
	}
	if hash == nil {
		return nil
	}
	return b.Put(numberKey(hash, key), []byte{})
}

// numberKeys returns the calls_by_entered keys the number index lists for
// f.Number within f's time range, in f's order; ok is false when there is
// no index to use (no seal, or a store opened read-only before it existed).
func (tx *Tx) numberKeys(f *Filter) (keys [][]byte, ok bool) {
	b := tx.btx.Bucket(bucketCallNumbers)
	if tx.seal == nil || b == nil || !tx.numberIndexComplete() {
		return nil, false
	}
	from, to := []byte(nil), []byte(nil)
	if !f.From.IsZero() {
		from = timeKey(f.From)
	}
	if !f.To.IsZero() {
		to = timeKey(f.To)
	}
	for _, h := range tx.seal.keys.HashAll(tx.seal.normal(f.Number)) {
		c := b.Cursor()
		for k, _ := c.Seek(append(slices.Clip(h), from...)); k != nil && bytes.HasPrefix(k, h); k, _ = c.Next() {
			ik := k[len(h):]
			if to != nil && bytes.Compare(ik, to) >= 0 {
				break
			}
			keys = append(keys, bytes.Clone(ik))
		}
	}
	slices.SortFunc(keys, bytes.Compare)
	keys = slices.CompactFunc(keys, bytes.Equal)
	if f.Descending {
		slices.Reverse(keys)
	}
	return keys, true
}

// callsByNumber is Calls through the number index; ok is false when there
// is none, and Calls scans the time range instead.
func (db *DB) callsByNumber(f Filter, yield func(CallRecord, error) bool) (ok bool) {
	var keys [][]byte
	err := db.View(func(tx *Tx) error {
		keys, ok = tx.numberKeys(&f)
		return nil
	})
	if err != nil {
		yield(CallRecord{}, err)
		return true
	}
	if !ok {
		return false
	}
	found := 0
	for start := 0; start < len(keys); start += scanBudget {
		var page []scanned
		err := db.View(func(tx *Tx) (err error) {
			defer tx.recoverCorrupt(&err)
			calls, err := tx.bucket(bucketCalls)
			if err != nil {
				return err
			}
			for _, k := range keys[start:min(start+scanBudget, len(keys))] {
				if s, ok := tx.visitCall(calls, k, &f); ok {
					page = append(page, s)
				}
			}
			return nil
		})
		if err != nil {
			yield(CallRecord{}, err)
			return true
		}
		for _, s := range page {
			if !yield(s.call, s.err) {
				return true
			}
			if s.err == nil {
				if found++; f.Limit > 0 && found >= f.Limit {
					return true
				}
			}
		}
	}
	return true
}

// ErrNotSealing means the store was asked to seal call records and has no key
// (see SealCalls).
var ErrNotSealing = errors.New("call records are not sealed: no key given")

// ResealCalls re-saves up to batch call records, after the ID after in ID
// order, that are in clear (written before a key was configured) or sealed
// under a key other than the primary: each is then sealed under the primary
// key and indexed under its number's hash. It returns the ID to resume
// after ("" when the walk is done) and how many it re-sealed. Each step
// commits on its own, so a stop anywhere leaves every record readable with
// the configured keys, and a later run carries on. The walk's first step
// also re-seals the callback requests and the results of callback tasks.
// A record that cannot be decoded is left as it is and the walk goes on:
// the error then names each such record (Skipped tells them apart), and
// next is as without them, so one damaged record does not keep every
// other in clear or under the old key.
func (db *DB) ResealCalls(after string, batch int) (next string, resealed int, err error) {
	if db.sealing.Load() == nil {
		return "", 0, ErrNotSealing
	}
	if batch < 1 {
		return "", 0, fmt.Errorf("store: reseal batch %d: %w: want at least 1", batch, ErrInvalid)
	}
	var skipped []error
	err = db.Apply(func(tx *Tx) (err error) {
		skipped = nil
		defer tx.recoverCorrupt(&err)
		calls, err := tx.bucket(bucketCalls)
		if err != nil {
			return err
		}
		if after == "" {
			if err := tx.markNumberIndex(numberIndexWalking); err != nil {
				return err
			}
			if err := tx.resealCallbacks(); err != nil {
				return err
			}
			if err := tx.resealTasks(); err != nil {
				return err
			}
		}
		var todo []*CallRecord
		budget := 8 * batch // records that need nothing cost a visit too
		cur := calls.Cursor()
		k, v := cur.Seek([]byte(after))
		if k != nil && string(k) == after {
			k, v = cur.Next()
		}
		next = ""
		last := ""
		for ; k != nil; k, v = cur.Next() {
			if len(todo) == batch || budget == 0 {
				next = last
				break
			}
			budget--
			last = string(k)
			c, err := tx.needsReseal(k, v)
			var de *DecodeError
			switch {
			case errors.As(err, &de):
				skipped = append(skipped, de)
				continue
			case err != nil:
				return err
			}
			if c != nil {
				todo = append(todo, c)
			}
		}
		for _, c := range todo {
			if err := tx.saveCall(c, true); err != nil {
				return err
			}
		}
		resealed = len(todo)
		if next == "" {
			return tx.markNumberIndex(numberIndexComplete)
		}
		return nil
	})
	if err != nil {
		return "", 0, err
	}
	return next, resealed, errors.Join(skipped...)
}

// needsReseal returns the opened record stored under k when it is in clear,
// under an older key or missing from the number index; nil when it is fine
// as it is.
func (tx *Tx) needsReseal(k, v []byte) (*CallRecord, error) {
	c, err := decode[CallRecord](bucketCalls, k, v)
	if err != nil {
		return nil, err
	}
	if c.Sealed == nil {
		var p personal
		cp := c
		cp.Timeline, cp.Legs = slices.Clone(c.Timeline), slices.Clone(c.Legs)
		if !p.take(&cp) {
			return nil, nil // nothing personal
		}
		return &c, nil
	}
	stale := tx.seal.keys.Stale(c.Sealed)
	// A record sealed before filed reasons were sealed keeps its reason in
	// clear beside the sealed part: it is sealed again.
	stale = stale || c.Reason != ""
	if !stale && numberHashOf(v) != nil {
		return nil, nil
	}
	if tx.seal.open(&c); c.Sealed != nil {
		id, _ := seal.KeyID(c.Sealed)
		return nil, &DecodeError{Bucket: string(bucketCalls), Key: string(k),
			Err: fmt.Errorf("sealed part under key %q: %w", id, seal.ErrUnknownKey)}
	}
	if n := c.CustomerNumber(); !stale && (n == "" || n == Anonymized) {
		return nil, nil // sealed under the primary key, no number to index
	}
	return &c, nil
}

// StaleCalls counts call records, and callback tasks' results, in clear or
// under a key other than the primary: what ResealCalls has left to do.
func (db *DB) StaleCalls() (n int, err error) {
	if db.sealing.Load() == nil {
		return 0, ErrNotSealing
	}
	var skipped []error
	err = db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		calls, err := tx.bucket(bucketCalls)
		if err != nil {
			return err
		}
		err = calls.ForEach(func(k, v []byte) error {
			c, err := tx.needsReseal(k, v)
			if c != nil {
				n++
			}
			if de := (*DecodeError)(nil); errors.As(err, &de) {
				skipped = append(skipped, de) // named apart: no key reseals it
				return nil
			}
			return err
		})
		if tb := tx.btx.Bucket(bucketTasks); err == nil && tb != nil {
			err = tb.ForEach(func(k, v []byte) error {
				var st storedTask
				if err := json.Unmarshal(v, &st); err != nil {
					return &DecodeError{Bucket: string(bucketTasks), Key: string(k), Err: err}
				}
				if st.Result != "" || st.SealedResult != nil && tx.seal.keys.Stale(st.SealedResult) {
					n++
				}
				return nil
			})
		}
		return err
	})
	if err == nil {
		err = errors.Join(skipped...)
	}
	return n, err
}

// activePersonal is the part of a live call's resume state that SealCalls
// seals.
type activePersonal struct {
	Recording string          `json:"recording,omitempty"`
	Flow      *ivr.State      `json:"flow,omitempty"`
	Contact   *contact.OnCall `json:"contact,omitempty"`
	Consult   *ActiveConsult  `json:"consult,omitempty"` // the number consulted
}

func activeAAD(id string) []byte { return []byte("active/" + id) }

// active is the stored form of ac: with a seal, its recording and flow
// sealed (ac itself is not changed).
func (s *callSeal) active(ac *ActiveCall) *ActiveCall {
	if s == nil || (ac.Recording == "" && ac.Flow == nil && ac.Contact == nil && ac.Consult == nil) {
		return ac
	}
	plain, err := json.Marshal(activePersonal{Recording: ac.Recording, Flow: ac.Flow, Contact: ac.Contact, Consult: ac.Consult})
	if err != nil {
		return ac // ivr.State always encodes; kept as it is rather than lost
	}
	cp := *ac
	cp.Recording, cp.Flow, cp.Contact, cp.Consult = "", nil, nil, nil
	cp.Sealed = s.keys.Seal(plain, activeAAD(ac.CallID))
	return &cp
}

// openActive fills in what active sealed; without the key ac keeps Sealed.
func (s *callSeal) openActive(ac *ActiveCall) {
	if s == nil || ac.Sealed == nil {
		return
	}
	plain, err := s.keys.Open(ac.Sealed, activeAAD(ac.CallID))
	if err != nil {
		return
	}
	var p activePersonal
	if json.Unmarshal(plain, &p) != nil {
		return
	}
	ac.Recording, ac.Flow, ac.Contact, ac.Consult, ac.Sealed = p.Recording, p.Flow, p.Contact, p.Consult, nil
}

func callbackAAD(id string) []byte { return []byte("callback/" + id) }

// callback is the stored form of cb: with a seal, the number to call
// sealed (cb itself is not changed).
func (s *callSeal) callback(cb *Callback) *Callback {
	if s == nil || cb.Number == "" {
		return cb
	}
	cp := *cb
	cp.Number = ""
	cp.Sealed = s.keys.Seal([]byte(cb.Number), callbackAAD(cb.ID))
	return &cp
}

// openCallback fills in the number; without the key cb keeps Sealed.
func (s *callSeal) openCallback(cb *Callback) {
	if s == nil || cb.Sealed == nil {
		return
	}
	if plain, err := s.keys.Open(cb.Sealed, callbackAAD(cb.ID)); err == nil {
		cb.Number, cb.Sealed = string(plain), nil
	}
}

// resealCallbacks re-seals the callback requests in clear or under an older
// key (they are few: all in one go).
func (tx *Tx) resealCallbacks() error {
	cbs, err := list[Callback](tx, bucketCallbacks)
	if err != nil {
		return err
	}
	for i := range cbs {
		cb := &cbs[i]
		if cb.Sealed != nil && !tx.seal.keys.Stale(cb.Sealed) || cb.Sealed == nil && cb.Number == "" {
			continue
		}
		if tx.seal.openCallback(cb); cb.Sealed != nil {
			continue // under a key no longer configured: left as it is
		}
		if err := tx.SaveCallback(cb); err != nil {
			return err
		}
	}
	return nil
}
