package store

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/contact"
)

// lastAgentDepth bounds how many of a contact's latest calls are read to
// find the last agent who answered one.
const lastAgentDepth = 5

// MatchCall is the contact of a call arriving from phone (E.164): found
// through the number index, or created with the number only. A known
// caller's lookup is one read transaction; only a new number writes. The
// call joins the contact's history when its record, carrying the contact
// (CallRecord.Contact), is saved.
func (s *Contacts) MatchCall(phone string, at time.Time) (contact.OnCall, error) {
	var oc contact.OnCall
	found := false
	err := s.db.View(func(tx *Tx) error {
		id, ok := s.lookup(tx.btx.Bucket(bucketContactPhones), phone)
		if !ok {
			return nil
		}
		c, err := s.get(tx.btx, id)
		if err != nil {
			return err
		}
		found = true
		oc = c.OnCall(true, lastAgent(tx, id))
		return nil
	})
	if err != nil {
		return oc, err
	}
	if !found {
		c, created, err := s.Match(phone, at)
		if err != nil {
			return oc, err
		}
		oc = c.OnCall(!created, "")
	}
	return oc, nil
}

// fileInteraction keeps c in its contact's history, up to date with the
// record (queue, agent, disposition); see SaveCall.
func fileInteraction(tx *Tx, c *CallRecord) error {
	b := tx.btx.Bucket(bucketContactCalls)
	if c.Contact == 0 || b == nil {
		return nil
	}
	v, err := json.Marshal(Interaction{CallID: c.ID, At: c.Entered.UTC(), Direction: string(c.Direction),
		Queue: c.Queue, Agent: c.Agent, Disposition: c.Disposition, Outcome: string(c.Outcome),
		Topic: tx.storedTopic(c), Repeated: c.RepeatedBy != ""})
	if err != nil {
		return err
	}
	return b.Put(interactionKey(c.Contact, c.Entered, c.ID), v)
}

// lastAgent is the agent of the contact's latest answered call, among its
// lastAgentDepth latest.
func lastAgent(tx *Tx, id contact.ID) string {
	prefix := contactKey(id)
	cur := tx.btx.Bucket(bucketContactCalls).Cursor()
	n := 0
	for k, v := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && n < lastAgentDepth; k, v = cur.Next() {
		n++
		var in Interaction
		if json.Unmarshal(v, &in) != nil {
			continue
		}
		if in.Outcome != "" { // filed with its record: no need to read that
			if in.Agent != "" && in.Outcome != string(acd.OutcomeAbandoned) {
				return in.Agent
			}
			continue
		}
		c, err := tx.Call(in.CallID)
		if err != nil {
			continue // gone (purged, repaired away): older calls may tell
		}
		if c.Agent != "" && !c.Answered.IsZero() {
			return c.Agent
		}
	}
	return ""
}

// CallerMatcher is MatchCall for the engine (engine.CallerMatcher): it
// normalizes the caller's number (region: the country of numbers written
// without a country code) and fails for one that is no phone number
// (anonymous, internal). A number already in E.164 form is taken as it is
// when libphonenumber does not know its range: the caller ID still tells
// the caller apart.
func (s *Contacts) CallerMatcher(region string) func(ctx context.Context, callID, number string, at time.Time) (contact.OnCall, error) {
	return func(_ context.Context, _, number string, at time.Time) (contact.OnCall, error) {
		phone, err := contact.NormalizePhone(number, region)
		if err != nil && !e164.MatchString(number) {
			return contact.OnCall{}, err
		}
		if err != nil {
			phone = number
		}
		return s.MatchCall(phone, at)
	}
}

// e164 is the form of an international number: + and 8 to 15 digits.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

// unfileInteraction drops a call's entry from a contact's history.
func unfileInteraction(tx *Tx, id contact.ID, at time.Time, callID string) error {
	b := tx.btx.Bucket(bucketContactCalls)
	if id == 0 || b == nil {
		return nil
	}
	return b.Delete(interactionKey(id, at, callID))
}

// callsOfContact is Calls through the contact's history rather than a scan
// of the time range: a contact's calls are few.
func (db *DB) callsOfContact(f Filter, yield func(CallRecord, error) bool) {
	var recs []CallRecord
	var bad []error
	err := db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		prefix := contactKey(f.Contact)
		cur := tx.btx.Bucket(bucketContactCalls).Cursor()
		for k, v := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = cur.Next() {
			var in Interaction
			if err := json.Unmarshal(v, &in); err != nil {
				bad = append(bad, &DecodeError{Bucket: string(bucketContactCalls), Key: fmt.Sprintf("%x", k), Err: err})
				continue
			}
			c, err := tx.Call(in.CallID)
			switch {
			case errors.Is(err, ErrNotFound):
				continue
			case err != nil:
				bad = append(bad, err)
				continue
			}
			inRange := (f.From.IsZero() || !c.Entered.Before(f.From)) && (f.To.IsZero() || c.Entered.Before(f.To))
			if inRange && f.match(c, tx.seal) {
				recs = append(recs, *c)
			}
		}
		return nil
	})
	if err != nil {
		yield(CallRecord{}, err)
		return
	}
	for _, e := range bad {
		if !yield(CallRecord{}, e) {
			return
		}
	}
	slices.SortStableFunc(recs, func(a, b CallRecord) int {
		if f.Descending {
			a, b = b, a
		}
		return a.Entered.Compare(b.Entered)
	})
	for i, c := range recs {
		if f.Limit > 0 && i >= f.Limit || !yield(c, nil) {
			return
		}
	}
}

// TrackRepeats turns first-contact resolution on: saving a call of a
// contact marks the contact's answered calls on the same topic in the
// window before it as repeated (CallRecord.RepeatedBy). 0 turns it off.
func (db *DB) TrackRepeats(window time.Duration) { db.repeatWindow.Store(int64(window)) }

// Topic is what a call was about, for first-contact resolution: the reason
// the agent filed, else its queue, else its campaign entry.
func (c *CallRecord) Topic() string {
	switch {
	case c.Reason != "":
		return c.Reason
	case c.Queue != "":
		return "queue:" + c.Queue
	}
	return c.Entry
}

// sealedTopic starts an interaction's topic that is the keyed hash of the
// reason the agent filed, as it is stored when call records are sealed: the
// reason is the agent's words about the customer's call.
const sealedTopic = "reason#"

// SealedTopic reports whether an interaction's topic is a filed reason's
// keyed hash, which only the call record opens.
func SealedTopic(topic string) bool { return strings.HasPrefix(topic, sealedTopic) }

// storedTopic is c's topic (CallRecord.Topic) as the contact's history
// keeps it: with keys, a filed reason's keyed hash under the primary key;
// without, the topic as it is.
func (tx *Tx) storedTopic(c *CallRecord) string {
	if c.Reason == "" || tx.seal == nil {
		return c.Topic()
	}
	return sealedTopic + base64.RawStdEncoding.EncodeToString(tx.seal.keys.Hash(c.Reason))
}

// storedTopics are the forms c's topic may have in the contact's history:
// storedTopic under each key and, with keys, in clear too, as written
// before them.
func (tx *Tx) storedTopics(c *CallRecord) []string {
	topic := c.Topic()
	if c.Reason == "" || tx.seal == nil {
		return []string{topic}
	}
	var out []string
	for _, h := range tx.seal.keys.HashAll(c.Reason) {
		out = append(out, sealedTopic+base64.RawStdEncoding.EncodeToString(h))
	}
	return append(out, topic)
}

// markRepeats marks the answered calls of c's contact on c's topic, in the
// window before c, as repeated by c.
func markRepeats(tx *Tx, c *CallRecord) error {
	b := tx.btx.Bucket(bucketContactCalls)
	if tx.repeats <= 0 || c.Contact == 0 || c.Topic() == "" || b == nil {
		return nil
	}
	topics := tx.storedTopics(c)
	prefix := contactKey(c.Contact)
	var earlier []string
	cur := b.Cursor()
	// Newest first: start just after c's own key, stop past the window.
	for k, v := cur.Seek(interactionKey(c.Contact, c.Entered, "")); k != nil && bytes.HasPrefix(k, prefix); k, v = cur.Next() {
		var in Interaction
		if json.Unmarshal(v, &in) != nil || in.CallID == c.ID {
			continue
		}
		if !in.At.Before(c.Entered) {
			continue
		}
		if c.Entered.Sub(in.At) > tx.repeats {
			break
		}
		if slices.Contains(topics, in.Topic) && !in.Repeated && in.Outcome == string(acd.OutcomeAnswered) {
			earlier = append(earlier, in.CallID)
		}
	}
	for _, id := range earlier {
		e, err := tx.Call(id)
		if err != nil {
			continue // gone or unreadable: nothing to mark
		}
		e.RepeatedBy = c.ID
		if err := tx.saveCall(e, false); err != nil {
			return err
		}
	}
	return nil
}
