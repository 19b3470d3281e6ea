package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hotline-cc/hotline/acd"
)

// AgentChange is one agent state change, kept so that occupancy, pause
// time and logged-in time can be rebuilt for any past period.
type AgentChange struct {
	Agent  string         `json:"agent"`
	At     time.Time      `json:"at"`
	Seq    uint64         `json:"seq"` // orders changes at the same instant; with At and Agent it is the key
	From   acd.AgentState `json:"from"`
	To     acd.AgentState `json:"to"`
	Cause  acd.AgentCause `json:"cause,omitempty"`  // why; empty only in logs written before causes were kept
	Reason string         `json:"reason,omitempty"` // the pause reason, or a detail of the cause
	By     string         `json:"by,omitempty"`     // who asked for it: the API user (or "api"), for a request
	Call   string         `json:"call,omitempty"`   // the call the change belongs to, if any
	// Queues are the queues the agent was a member of, kept with a login,
	// logout, pause and unpause: a queue_log has a line for each.
	Queues []string `json:"queues,omitempty"`
}

// StateAfter is the saved state an agent's last logged change leaves it in,
// for an agent whose saved state was lost: its state since the change, a
// pause's reason, the call a wrap-up follows (its end is not logged: the
// engine counts it from the change and the wrap-up configured). Counters
// and a pause asked for during a call are not in the log.
func (ch AgentChange) StateAfter() AgentState {
	st := AgentState{ID: ch.Agent, State: ch.To, Since: ch.At}
	switch ch.To {
	case acd.Paused:
		st.PauseReason = ch.Reason
	case acd.WrapUp:
		st.WrapCall = ch.Call
	}
	return st
}

func (ch *AgentChange) validate() error {
	if err := required("agent change agent", ch.Agent); err != nil {
		return err
	}
	if ch.At.IsZero() {
		return fmt.Errorf("agent change of %q: time is zero: %w", ch.Agent, ErrInvalid)
	}
	for _, s := range []acd.AgentState{ch.From, ch.To} {
		if _, err := s.MarshalText(); err != nil {
			return fmt.Errorf("agent change of %q: %w", ch.Agent, valid(err))
		}
	}
	return nil
}

// changeKey sorts by time, then sequence: a period is one cursor scan, and
// the same change written twice lands on the same key.
func changeKey(ch *AgentChange) []byte {
	k := binary.BigEndian.AppendUint64(timeKey(ch.At), ch.Seq)
	return append(k, ch.Agent...)
}

// SaveAgentChange adds ch to the log (replacing the same change written
// before, so a replayed write is not counted twice).
func (tx *Tx) SaveAgentChange(ch *AgentChange) (err error) {
	if err := ch.validate(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer tx.recoverCorrupt(&err)
	b, err := tx.bucket(bucketAgentChanges)
	if err != nil {
		return err
	}
	data, err := json.Marshal(ch)
	if err != nil {
		return fmt.Errorf("store: encode agent change of %q: %w", ch.Agent, err)
	}
	if err := b.Put(changeKey(ch), data); err != nil {
		return fmt.Errorf("store: put agent change of %q: %w", ch.Agent, err)
	}
	return nil
}

// AgentChanges returns the changes with from <= At < to (a zero bound is
// open), in time order; with agent set, only that agent's. A record that
// cannot be decoded is left out and reported in err (see DecodeError).
func (tx *Tx) AgentChanges(agent string, from, to time.Time) (out []AgentChange, err error) {
	defer tx.recoverCorrupt(&err)
	b := tx.btx.Bucket(bucketAgentChanges)
	if b == nil {
		return nil, nil // a store of schema 1 opened read-only: no changes logged yet
	}
	var bad []error
	c := b.Cursor()
	k, v := c.First()
	if !from.IsZero() {
		k, v = c.Seek(timeKey(from))
	}
	for ; k != nil; k, v = c.Next() {
		if len(k) < 16 {
			bad = append(bad, changeDecodeError(k, fmt.Errorf("key of %d bytes, want at least 16", len(k))))
			continue
		}
		if !to.IsZero() && keyNanos(k) >= to.UnixNano() {
			break
		}
		if agent != "" && string(k[16:]) != agent {
			continue
		}
		var ch AgentChange
		if derr := json.Unmarshal(v, &ch); derr != nil || ch.Agent != string(k[16:]) {
			if derr == nil {
				derr = fmt.Errorf("agent %q does not match its key", ch.Agent)
			}
			bad = append(bad, changeDecodeError(k, derr))
			continue
		}
		out = append(out, ch)
	}
	return out, errors.Join(bad...)
}

func changeDecodeError(k []byte, err error) error {
	return &DecodeError{Bucket: string(bucketAgentChanges), Key: fmt.Sprintf("%x", k), Err: err}
}

// AgentChanges returns the logged agent state changes of a period; see
// Tx.AgentChanges.
func (db *DB) AgentChanges(agent string, from, to time.Time) ([]AgentChange, error) {
	var out []AgentChange
	err := db.View(func(tx *Tx) (err error) {
		out, err = tx.AgentChanges(agent, from, to)
		return err
	})
	return out, err
}

// LastAgentChanges returns, for each of agents, its last logged change with
// At < before; an agent with none is left out. The log is read backwards
// from before and the read stops once every agent is found, so an agent
// that never changed costs a read of the whole log before it. A record that
// cannot be decoded is left out and reported in err (see DecodeError).
func (tx *Tx) LastAgentChanges(agents []string, before time.Time) (out map[string]AgentChange, err error) {
	defer tx.recoverCorrupt(&err)
	out = map[string]AgentChange{}
	b := tx.btx.Bucket(bucketAgentChanges)
	if b == nil || len(agents) == 0 {
		return out, nil
	}
	wanted := map[string]bool{}
	for _, a := range agents {
		wanted[a] = true
	}
	var bad []error
	c := b.Cursor()
	k, v := c.Seek(timeKey(before))
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	for ; k != nil && len(out) < len(wanted); k, v = c.Prev() {
		if len(k) < 16 {
			bad = append(bad, changeDecodeError(k, fmt.Errorf("key of %d bytes, want at least 16", len(k))))
			continue
		}
		agent := string(k[16:])
		if _, done := out[agent]; !wanted[agent] || done || keyNanos(k) >= before.UnixNano() {
			continue
		}
		var ch AgentChange
		if derr := json.Unmarshal(v, &ch); derr != nil || ch.Agent != agent {
			if derr == nil {
				derr = fmt.Errorf("agent %q does not match its key", ch.Agent)
			}
			bad = append(bad, changeDecodeError(k, derr))
			continue
		}
		out[agent] = ch
	}
	return out, errors.Join(bad...)
}

// LastAgentChanges returns each agent's last logged change before a time;
// see Tx.LastAgentChanges.
func (db *DB) LastAgentChanges(agents []string, before time.Time) (map[string]AgentChange, error) {
	var out map[string]AgentChange
	err := db.View(func(tx *Tx) (err error) {
		out, err = tx.LastAgentChanges(agents, before)
		return err
	})
	return out, err
}

// AgentIDs lists the agents whose state the store keeps (see SaveAgent),
// by their keys: an agent that has not changed state for long is still
// one, and a report needs its row.
func (db *DB) AgentIDs() ([]string, error) {
	var ids []string
	err := db.View(func(tx *Tx) error {
		b, err := tx.bucket(bucketAgents)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, _ []byte) error {
			ids = append(ids, string(k))
			return nil
		})
	})
	return ids, err
}
