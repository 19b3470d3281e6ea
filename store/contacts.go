package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"

	"go.etcd.io/bbolt"

	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/internal/seal"
)

// ErrNumberTaken means a number is already on another contact; merge the two.
var ErrNumberTaken = errors.New("number is on another contact")

// Contacts reads and writes contacts sealed under a keyring. Each contact is
// one value in bucket contacts (key: the id, 8 bytes big-endian; value: the
// contact's JSON sealed with AAD "contact/ID"), and each of its numbers one
// key in contacts_by_phone: the keyring's hash of the E.164 number, whose
// value is the id. No number, name or note is stored in clear.
type Contacts struct {
	db   *DB
	keys *seal.Keyring
}

// Contacts returns the contact store under keys.
func (db *DB) Contacts(keys *seal.Keyring) *Contacts { return &Contacts{db: db, keys: keys} }

func contactKey(id contact.ID) []byte { return binary.BigEndian.AppendUint64(nil, uint64(id)) }

func contactAAD(id contact.ID) []byte { return []byte("contact/" + strconv.FormatUint(uint64(id), 10)) }

// Create normalizes nothing (see contact.Normalize): it assigns c.ID, stamps
// Created and Updated and saves c with its numbers indexed.
func (s *Contacts) Create(c *contact.Contact, now time.Time) error {
	return s.db.Apply(func(tx *Tx) error {
		b := tx.btx.Bucket(bucketContacts)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		c.ID = contact.ID(seq)
		c.Created, c.Updated = now.UTC(), now.UTC()
		return s.put(tx.btx, nil, *c)
	})
}

// Update saves c over the contact with its ID, re-indexing its numbers.
func (s *Contacts) Update(c *contact.Contact, now time.Time) error {
	return s.db.Apply(func(tx *Tx) error {
		old, err := s.get(tx.btx, c.ID)
		if err != nil {
			return err
		}
		c.Created, c.Updated = old.Created, now.UTC()
		return s.put(tx.btx, &old, *c)
	})
}

// put writes c and its index entries; old is the version it replaces.
func (s *Contacts) put(btx *bbolt.Tx, old *contact.Contact, c contact.Contact) error {
	if c.ID == 0 {
		return fmt.Errorf("contact: %w: no id", ErrInvalid)
	}
	if len(c.Phones) == 0 {
		return fmt.Errorf("contact %d: %w: %v", c.ID, ErrInvalid, contact.ErrNoNumber)
	}
	idx := btx.Bucket(bucketContactPhones)
	if old != nil {
		for _, p := range old.Phones {
			if err := s.unindex(idx, p); err != nil {
				return err
			}
		}
	}
	for _, p := range c.Phones {
		if other, ok := s.lookup(idx, p); ok && other != c.ID {
			return fmt.Errorf("%s: %w %d", p, ErrNumberTaken, other)
		}
		if err := s.unindex(idx, p); err != nil { // entries under older keys
			return err
		}
		if err := idx.Put(s.keys.Hash(p), contactKey(c.ID)); err != nil {
			return err
		}
	}
	plain, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return btx.Bucket(bucketContacts).Put(contactKey(c.ID), s.keys.Seal(plain, contactAAD(c.ID)))
}

func (s *Contacts) unindex(idx *bbolt.Bucket, phone string) error {
	for _, h := range s.keys.HashAll(phone) {
		if err := idx.Delete(h); err != nil {
			return err
		}
	}
	return nil
}

// lookup finds phone's contact id under any key of the ring.
func (s *Contacts) lookup(idx *bbolt.Bucket, phone string) (contact.ID, bool) {
	for _, h := range s.keys.HashAll(phone) {
		if v := idx.Get(h); len(v) == 8 {
			return contact.ID(binary.BigEndian.Uint64(v)), true
		}
	}
	return 0, false
}

func (s *Contacts) get(btx *bbolt.Tx, id contact.ID) (contact.Contact, error) {
	v := btx.Bucket(bucketContacts).Get(contactKey(id))
	if v == nil {
		return contact.Contact{}, fmt.Errorf("contact %d: %w", id, ErrNotFound)
	}
	return s.decode(id, v)
}

func (s *Contacts) decode(id contact.ID, v []byte) (contact.Contact, error) {
	plain, err := s.keys.Open(v, contactAAD(id))
	if err != nil {
		return contact.Contact{}, &DecodeError{Bucket: string(bucketContacts), Key: strconv.FormatUint(uint64(id), 10), Err: err}
	}
	var c contact.Contact
	if err := json.Unmarshal(plain, &c); err != nil {
		return contact.Contact{}, &DecodeError{Bucket: string(bucketContacts), Key: strconv.FormatUint(uint64(id), 10), Err: err}
	}
	return c, nil
}

// contactDecoder checks that a stored contact opens with keys and decodes.
func contactDecoder(keys *seal.Keyring) func(k, v []byte) error {
	s := &Contacts{keys: keys}
	return func(k, v []byte) error {
		if len(k) != 8 {
			return &DecodeError{Bucket: string(bucketContacts), Key: fmt.Sprintf("%x", k), Err: errors.New("not a contact id")}
		}
		_, err := s.decode(contact.ID(binary.BigEndian.Uint64(k)), v)
		return err
	}
}

// Get reads one contact.
func (s *Contacts) Get(id contact.ID) (c contact.Contact, err error) {
	err = s.db.View(func(tx *Tx) error {
		c, err = s.get(tx.btx, id)
		return err
	})
	return c, err
}

// ByPhone finds the contact with the E.164 number phone: one index read
// per configured key, no scan.
func (s *Contacts) ByPhone(phone string) (c contact.Contact, err error) {
	err = s.db.View(func(tx *Tx) error {
		id, ok := s.lookup(tx.btx.Bucket(bucketContactPhones), phone)
		if !ok {
			return fmt.Errorf("contact with number: %w", ErrNotFound)
		}
		c, err = s.get(tx.btx, id)
		return err
	})
	return c, err
}

// Match finds the caller's contact or creates one with the number only;
// created says which.
func (s *Contacts) Match(phone string, now time.Time) (c contact.Contact, created bool, err error) {
	err = s.db.Apply(func(tx *Tx) error {
		if id, ok := s.lookup(tx.btx.Bucket(bucketContactPhones), phone); ok {
			c, err = s.get(tx.btx, id)
			return err
		}
		seq, err := tx.btx.Bucket(bucketContacts).NextSequence()
		if err != nil {
			return err
		}
		c = contact.Contact{ID: contact.ID(seq), Phones: []string{phone}, Created: now.UTC(), Updated: now.UTC()}
		created = true
		return s.put(tx.btx, nil, c)
	})
	return c, created, err
}

// Delete removes a contact and its index entries (its interactions stay,
// under its id; Erase also anonymizes them).
func (s *Contacts) Delete(id contact.ID) error {
	return s.db.Apply(func(tx *Tx) error { return s.delete(tx.btx, id) })
}

func (s *Contacts) delete(btx *bbolt.Tx, id contact.ID) error {
	c, err := s.get(btx, id)
	if err != nil {
		return err
	}
	idx := btx.Bucket(bucketContactPhones)
	for _, p := range c.Phones {
		if err := s.unindex(idx, p); err != nil {
			return err
		}
	}
	return btx.Bucket(bucketContacts).Delete(contactKey(id))
}

// Merge folds contact dup into keep (see contact.Merge) in one transaction:
// dup is deleted, its numbers point to keep and its interactions move to keep.
func (s *Contacts) Merge(keep, dup contact.ID, now time.Time) (out contact.Contact, err error) {
	err = s.db.Apply(func(tx *Tx) error {
		k, err := s.get(tx.btx, keep)
		if err != nil {
			return err
		}
		d, err := s.get(tx.btx, dup)
		if err != nil {
			return err
		}
		if out, err = contact.Merge(k, d, now.UTC()); err != nil {
			return err
		}
		if err := s.delete(tx.btx, dup); err != nil {
			return err
		}
		moved, err := moveInteractions(tx.btx, dup, keep)
		if err != nil {
			return err
		}
		for _, id := range moved { // their records name keep from now on
			c, err := tx.Call(id)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			c.Contact = keep
			if err := tx.SaveCall(c); err != nil {
				return err
			}
		}
		return s.put(tx.btx, &k, out)
	})
	return out, err
}

// Each calls fn with every contact in id order until fn returns false.
// Contacts that do not open are skipped and reported as DecodeErrors.
func (s *Contacts) Each(fn func(contact.Contact) bool) error {
	var bad []error
	err := s.db.View(func(tx *Tx) error {
		cur := tx.btx.Bucket(bucketContacts).Cursor()
		for k, v := cur.First(); k != nil; k, v = cur.Next() {
			c, err := s.decode(contact.ID(binary.BigEndian.Uint64(k)), v)
			if err != nil {
				bad = append(bad, err)
				continue
			}
			if !fn(c) {
				return nil
			}
		}
		return nil
	})
	return errors.Join(append([]error{err}, bad...)...)
}

// Import creates the contacts; one whose number is already on record is
// reported by its position in cs (0-based) and left out.
func (s *Contacts) Import(cs []contact.Contact, now time.Time) (created, same int, rejected map[int]error, err error) {
	rejected = map[int]error{}
	const batch = 1000
	for start := 0; start < len(cs); start += batch {
		end := min(start+batch, len(cs))
		err = s.db.Apply(func(tx *Tx) error {
			b := tx.btx.Bucket(bucketContacts)
			for i := start; i < end; i++ {
				c := cs[i]
				seq, err := b.NextSequence()
				if err != nil {
					return err
				}
				c.ID, c.Created, c.Updated = contact.ID(seq), now.UTC(), now.UTC()
				if err := s.put(tx.btx, nil, c); err != nil {
					if errors.Is(err, ErrNumberTaken) && s.holds(tx.btx, c) {
						same++ // imported already (an import cut short, run again)
						continue
					}
					if errors.Is(err, ErrNumberTaken) || errors.Is(err, ErrInvalid) {
						rejected[i] = err
						continue
					}
					return err
				}
				cs[i].ID = c.ID
				created++
			}
			return nil
		})
		if err != nil {
			return created, same, rejected, err
		}
	}
	return created, same, rejected, nil
}

// holds reports whether the contact of c's first number is c as an import
// would make it: the same numbers, name and every other field.
func (s *Contacts) holds(btx *bbolt.Tx, c contact.Contact) bool {
	id, ok := s.lookup(btx.Bucket(bucketContactPhones), c.Phones[0])
	if !ok {
		return false
	}
	had, err := s.get(btx, id)
	if err != nil {
		return false
	}
	had.ID, had.Created, had.Updated = c.ID, c.Created, c.Updated
	return reflect.DeepEqual(normalized(had), normalized(c))
}

// normalized treats an empty map or list as none, as a stored contact
// decodes them.
func normalized(c contact.Contact) contact.Contact {
	if len(c.Fields) == 0 {
		c.Fields = nil
	}
	if len(c.Tags) == 0 {
		c.Tags = nil
	}
	return c
}

// RotateStep re-seals up to batch contacts that are under a key other than
// the primary, in one transaction, starting after id from; it returns where
// the next step starts and how many it re-sealed. next is 0 when the walk is
// done. Each step commits on its own: a crash between steps leaves every
// contact under one of the configured keys and the index pointing at it
// under one of their hashes, which ByPhone tries all of.
func (s *Contacts) RotateStep(from contact.ID, batch int) (next contact.ID, resealed int, err error) {
	err = s.db.Apply(func(tx *Tx) error {
		cur := tx.btx.Bucket(bucketContacts).Cursor()
		k, v := cur.Seek(contactKey(from + 1))
		for ; k != nil; k, v = cur.Next() {
			if resealed == batch {
				next = contact.ID(binary.BigEndian.Uint64(k)) - 1
				return nil
			}
			if !s.keys.Stale(v) {
				continue
			}
			k = bytes.Clone(k)
			id := contact.ID(binary.BigEndian.Uint64(k))
			c, err := s.decode(id, v)
			if err != nil {
				return err
			}
			if err := s.put(tx.btx, &c, c); err != nil {
				return err
			}
			resealed++
			// put wrote into the bucket under the cursor: seek back to it.
			cur.Seek(k)
		}
		next = 0
		return nil
	})
	return next, resealed, err
}

// Stale counts contacts not under the primary key.
func (s *Contacts) Stale() (n int, err error) {
	err = s.db.View(func(tx *Tx) error {
		return tx.btx.Bucket(bucketContacts).ForEach(func(_, v []byte) error {
			if s.keys.Stale(v) {
				n++
			}
			return nil
		})
	})
	return n, err
}

// Interaction is one call in a contact's history.
type Interaction struct {
	CallID      string    `json:"call_id"`
	At          time.Time `json:"at"`
	Direction   string    `json:"direction,omitempty"`
	Queue       string    `json:"queue,omitempty"`
	Agent       string    `json:"agent,omitempty"`
	Disposition string    `json:"disposition,omitempty"`
	Outcome     string    `json:"outcome,omitempty"`
	Topic       string    `json:"topic,omitempty"`    // see CallRecord.Topic
	Repeated    bool      `json:"repeated,omitempty"` // CallRecord.RepeatedBy is set
}

// interactionKey sorts a contact's interactions newest first: the id, then
// the time counted down from the largest.
func interactionKey(id contact.ID, at time.Time, call string) []byte {
	k := contactKey(id)
	k = binary.BigEndian.AppendUint64(k, math.MaxUint64-uint64(at.UnixNano()))
	return append(k, call...)
}

// AddInteraction puts a call in the contact's history (again with the same
// call and time replaces it).
func (s *Contacts) AddInteraction(id contact.ID, in Interaction) error {
	if in.CallID == "" {
		return fmt.Errorf("interaction of contact %d: %w: no call id", id, ErrInvalid)
	}
	v, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return s.db.Apply(func(tx *Tx) error {
		return tx.btx.Bucket(bucketContactCalls).Put(interactionKey(id, in.At, in.CallID), v)
	})
}

// History returns a page of the contact's interactions, newest first,
// skipping the first offset. A filed reason kept sealed as the topic is
// read from the call record; without the calls' keys (SealCalls) the topic
// is left empty.
func (s *Contacts) History(id contact.ID, offset, limit int) (out []Interaction, err error) {
	err = s.db.View(func(tx *Tx) error {
		prefix := contactKey(id)
		cur := tx.btx.Bucket(bucketContactCalls).Cursor()
		i := 0
		for k, v := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, v = cur.Next() {
			if i++; i <= offset {
				continue
			}
			var in Interaction
			if err := json.Unmarshal(v, &in); err != nil {
				return &DecodeError{Bucket: string(bucketContactCalls), Key: fmt.Sprintf("%x", k), Err: err}
			}
			if SealedTopic(in.Topic) {
				in.Topic = ""
				if rec, err := tx.Call(in.CallID); err == nil && rec.Sealed == nil {
					in.Topic = rec.Topic()
				}
			}
			out = append(out, in)
		}
		return nil
	})
	return out, err
}

func moveInteractions(btx *bbolt.Tx, from, to contact.ID) (calls []string, err error) {
	b := btx.Bucket(bucketContactCalls)
	prefix := contactKey(from)
	type kv struct{ k, v []byte }
	var moved []kv
	cur := b.Cursor()
	for k, v := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = cur.Next() {
		moved = append(moved, kv{bytes.Clone(k), bytes.Clone(v)})
	}
	for _, m := range moved {
		if err := b.Delete(m.k); err != nil {
			return nil, err
		}
		if err := b.Put(append(contactKey(to), m.k[8:]...), m.v); err != nil {
			return nil, err
		}
		calls = append(calls, string(m.k[16:]))
	}
	return calls, nil
}

// HasContacts reports whether the store holds any contact.
func (db *DB) HasContacts() bool {
	has := false
	_ = db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		if b := tx.btx.Bucket(bucketContacts); b != nil {
			k, _ := b.Cursor().First()
			has = k != nil
		}
		return nil
	})
	return has
}
