package store

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hotline-cc/hotline/acd/contact"
)

// Anonymized replaces personal text in a call record that was purged or
// whose contact was erased.
const Anonymized = "(erased)"

// anonymize removes what identifies the customer from a call record and
// keeps its figures (times, queue, agent, outcome, disposition). It returns
// the recording files to delete, if any, and whether anything changed.
func anonymize(c *CallRecord) (recordings []string, changed bool) {
	if c.Caller != "" && c.Caller != Anonymized {
		c.Caller, changed = Anonymized, true
	}
	if c.CallerName != "" {
		c.CallerName, changed = "", true
	}
	if c.Notes != "" {
		c.Notes, changed = "", true
	}
	for i := range c.Timeline {
		if c.Timeline[i].Detail != "" {
			c.Timeline[i].Detail, changed = "", true
		}
	}
	for i := range c.Legs {
		if c.Legs[i].Number != "" {
			c.Legs[i].Number, changed = Anonymized, true
		}
	}
	forget := func(r *Recording) {
		if r.Path != "" {
			recordings = append(recordings, r.Path)
		}
		if r.Path != "" || r.Name != "" {
			r.Path, r.Name, changed = "", "", true
		}
	}
	forget(&c.Recording)
	if len(c.MoreRecordings) > 0 {
		c.MoreRecordings = slices.Clone(c.MoreRecordings)
		for i := range c.MoreRecordings {
			forget(&c.MoreRecordings[i])
		}
	}
	for i := range c.Legs {
		if c.Legs[i].Number != "" {
			c.Legs[i].Number, changed = "", true
		}
	}
	if c.Sealed != nil {
		// Read without its key: dropping it is the only way to erase it.
		c.Sealed, changed = nil, true
	}
	return recordings, changed
}

// EraseReport says what an erase or a purge removed. Recordings lists the
// files the caller must delete (the store does not touch other files).
type EraseReport struct {
	Contacts   int      `json:"contacts"`
	Calls      int      `json:"calls_anonymized"`
	Recordings []string `json:"recordings,omitempty"`
}

// Erase removes a contact on its request: the contact and its number index
// go, and every call in its history keeps its figures but loses the
// number, name, notes, timeline details and recording. A call still live
// is refused: erase it once it has ended.
func (s *Contacts) Erase(id contact.ID) (rep EraseReport, err error) {
	hist, err := s.History(id, 0, 1<<30)
	if err != nil {
		return rep, err
	}
	err = s.db.Apply(func(tx *Tx) error {
		rep = EraseReport{}
		if err := s.delete(tx.btx, id); err != nil {
			return err
		}
		rep.Contacts = 1
		for _, in := range hist {
			c, err := tx.Call(in.CallID)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if c.Ended.IsZero() {
				return fmt.Errorf("contact %d: call %s is live; erase it when it has ended: %w", id, c.ID, ErrInvalid)
			}
			if err := s.anonymizeCall(tx, c, &rep); err != nil {
				return err
			}
		}
		return nil
	})
	return rep, err
}

func (s *Contacts) anonymizeCall(tx *Tx, c *CallRecord, rep *EraseReport) error {
	rec, changed := anonymize(c)
	if !changed {
		return nil
	}
	rep.Recordings = append(rep.Recordings, rec...)
	rep.Calls++
	return tx.SaveCall(c)
}

// Purge is the retention pass: calls that entered before cutoff (and have
// ended) are anonymized, and contacts neither edited nor heard from since
// cutoff are deleted. Figures stay. It works in batches of one transaction
// each, so a running Hotline waits on it only briefly.
func (s *Contacts) Purge(cutoff time.Time) (rep EraseReport, err error) {
	var old []string
	for c, err := range s.db.Calls(Filter{To: cutoff}) {
		if err != nil {
			if errors.Is(err, ErrDecode) {
				continue
			}
			return rep, err
		}
		if _, changed := anonymize(&c); changed && !c.Ended.IsZero() {
			old = append(old, c.ID)
		}
	}
	const batch = 500
	for start := 0; start < len(old); start += batch {
		err := s.db.Apply(func(tx *Tx) error {
			for _, id := range old[start:min(start+batch, len(old))] {
				c, err := tx.Call(id)
				if err != nil {
					return err
				}
				if err := s.anonymizeCall(tx, c, &rep); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return rep, err
		}
	}
	var stale []contact.ID
	err = s.Each(func(c contact.Contact) bool {
		if c.Updated.Before(cutoff) {
			stale = append(stale, c.ID)
		}
		return true
	})
	if err != nil {
		return rep, err
	}
	for _, id := range stale {
		h, err := s.History(id, 0, 1)
		if err != nil {
			return rep, err
		}
		if len(h) > 0 && !h[0].At.Before(cutoff) {
			continue // called since: kept
		}
		if err := s.Delete(id); err != nil && !errors.Is(err, ErrNotFound) {
			return rep, err
		}
		rep.Contacts++
	}
	return rep, nil
}
