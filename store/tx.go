package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/hotline-cc/hotline/acd/contact"
	"go.etcd.io/bbolt"
)

// Tx is one transaction over the store. Inside Apply it reads and writes;
// inside View its writes fail. A Tx must not be used after its function
// returns.
type Tx struct {
	btx  *bbolt.Tx
	path string
	seal *callSeal // nil: call records are written as they are
	// repeats is the first-contact-resolution window (see TrackRepeats).
	repeats time.Duration
	tasks   []contact.Task // the callback tasks written, as written (see DB.OnTasks)
}

// Apply runs fn in one read-write transaction and commits it, fsync
// included, before returning: when Apply returns nil every write of fn is on
// disk. When fn returns an error or panics, nothing fn wrote is kept.
// Writers are serialized; keep fn short and free of I/O, and do not call
// the DB's own methods inside it (bbolt would deadlock).
func (db *DB) Apply(fn func(*Tx) error) error { return db.run(true, fn) }

// View runs fn in a read-only transaction: a consistent snapshot that
// concurrent writers do not block.
func (db *DB) View(fn func(*Tx) error) error { return db.run(false, fn) }

// run turns panics inside bbolt into ErrCorrupt but lets panics from fn
// itself through: they are bugs in the caller, not damage in the file.
func (db *DB) run(writable bool, fn func(*Tx) error) (err error) {
	inFn := false
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if inFn {
				panic(r)
			}
			err = corruptError(db.path, r)
		}
	}()
	var tx *Tx
	body := func(btx *bbolt.Tx) error {
		inFn = true
		tx = &Tx{btx: btx, path: db.path, seal: db.sealing.Load(), repeats: time.Duration(db.repeatWindow.Load())}
		ferr := fn(tx)
		inFn = false
		return ferr
	}
	if writable {
		err = db.bolt.Update(body)
		if f := db.onTasks.Load(); err == nil && tx != nil && len(tx.tasks) > 0 && f != nil {
			(*f)(tx.tasks)
		}
	} else {
		err = db.bolt.View(body)
	}
	return db.closedErr(err)
}

// FinishCall is the engine's end of a call in one durable transaction: the
// final record saved, the call's resume state deleted and, when agent is not
// nil, the agent's state saved.
func (db *DB) FinishCall(c *CallRecord, agent *AgentState) error {
	return db.Apply(func(tx *Tx) error {
		if err := tx.SaveCall(c); err != nil {
			return err
		}
		if err := tx.DeleteActive(c.ID); err != nil {
			return err
		}
		if agent == nil {
			return nil
		}
		return tx.SaveAgent(agent)
	})
}

// SaveAgent stores a (replaces the agent's previous state).
func (tx *Tx) SaveAgent(a *AgentState) error {
	if err := a.validate(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return tx.put(bucketAgents, a.ID, a)
}

// Agent returns one agent's state, or ErrNotFound.
func (tx *Tx) Agent(id string) (*AgentState, error) { return get[AgentState](tx, bucketAgents, id) }

// Agents returns every stored agent state in ID order. Records that cannot
// be decoded are left out and reported in err (see DecodeError); the others
// are returned all the same.
func (tx *Tx) Agents() ([]AgentState, error) { return list[AgentState](tx, bucketAgents) }

// DeleteAgent removes an agent's state; a missing agent is not an error.
func (tx *Tx) DeleteAgent(id string) error { return tx.delete(bucketAgents, id) }

// SaveCallback stores cb (replaces the request with the same ID).
func (tx *Tx) SaveCallback(cb *Callback) error {
	if err := cb.validate(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return tx.put(bucketCallbacks, cb.ID, tx.seal.callback(cb))
}

// Callbacks returns every stored callback request in ID order; bad records
// are reported as in Agents.
func (tx *Tx) Callbacks() ([]Callback, error) {
	out, err := list[Callback](tx, bucketCallbacks)
	for i := range out {
		tx.seal.openCallback(&out[i])
	}
	return out, err
}

// DeleteCallback removes a callback request; a missing one is not an error.
func (tx *Tx) DeleteCallback(id string) error { return tx.delete(bucketCallbacks, id) }

// SaveActive stores a live call's resume state (replaces the previous one).
func (tx *Tx) SaveActive(ac *ActiveCall) error {
	if err := ac.validate(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return tx.put(bucketActive, ac.CallID, tx.seal.active(ac))
}

// ActiveCalls returns the resume state of every call live at the last save,
// in call ID order; bad records are reported as in Agents.
func (tx *Tx) ActiveCalls() ([]ActiveCall, error) {
	out, err := list[ActiveCall](tx, bucketActive)
	for i := range out {
		tx.seal.openActive(&out[i])
	}
	return out, err
}

// DeleteActive removes a call's resume state; a missing one is not an error.
func (tx *Tx) DeleteActive(callID string) error { return tx.delete(bucketActive, callID) }

// The DB methods below each run one transaction; use Apply to group writes.

// SaveAgent stores one agent's state durably.
func (db *DB) SaveAgent(a *AgentState) error {
	return db.Apply(func(tx *Tx) error { return tx.SaveAgent(a) })
}

// Agents returns every stored agent state; see Tx.Agents.
func (db *DB) Agents() ([]AgentState, error) { return viewList(db, (*Tx).Agents) }

// DeleteAgent removes an agent's state durably.
func (db *DB) DeleteAgent(id string) error {
	return db.Apply(func(tx *Tx) error { return tx.DeleteAgent(id) })
}

// SaveCallback stores a callback request durably.
func (db *DB) SaveCallback(cb *Callback) error {
	return db.Apply(func(tx *Tx) error { return tx.SaveCallback(cb) })
}

// Callbacks returns every stored callback request; see Tx.Callbacks.
func (db *DB) Callbacks() ([]Callback, error) { return viewList(db, (*Tx).Callbacks) }

// DeleteCallback removes a callback request durably.
func (db *DB) DeleteCallback(id string) error {
	return db.Apply(func(tx *Tx) error { return tx.DeleteCallback(id) })
}

// SaveActive stores a live call's resume state durably.
func (db *DB) SaveActive(ac *ActiveCall) error {
	return db.Apply(func(tx *Tx) error { return tx.SaveActive(ac) })
}

// ActiveCalls returns the resume state of every live call; see Tx.ActiveCalls.
func (db *DB) ActiveCalls() ([]ActiveCall, error) { return viewList(db, (*Tx).ActiveCalls) }

// DeleteActive removes a call's resume state durably.
func (db *DB) DeleteActive(callID string) error {
	return db.Apply(func(tx *Tx) error { return tx.DeleteActive(callID) })
}

func viewList[T any](db *DB, read func(*Tx) ([]T, error)) ([]T, error) {
	var out []T
	err := db.View(func(tx *Tx) (err error) {
		out, err = read(tx)
		return err
	})
	return out, err
}

// record is what every stored type has: the key it is stored under.
type record[T any] interface {
	*T
	key() string
}

func (c *CallRecord) key() string  { return c.ID }
func (a *AgentState) key() string  { return a.ID }
func (cb *Callback) key() string   { return cb.ID }
func (ac *ActiveCall) key() string { return ac.CallID }

// decode reads one stored value and checks it belongs under its key, so a
// stray "{}" or "null" is reported rather than listed as an empty record.
func decode[T any, P record[T]](bucket, key, data []byte) (T, error) {
	var v T
	err := json.Unmarshal(data, &v)
	if err == nil && P(&v).key() != string(key) {
		err = fmt.Errorf("record id %q does not match its key", P(&v).key())
	}
	if err != nil {
		return v, &DecodeError{Bucket: string(bucket), Key: string(key), Err: err}
	}
	return v, nil
}

// recoverCorrupt, deferred, turns a panic inside bbolt into ErrCorrupt.
func (tx *Tx) recoverCorrupt(err *error) {
	if r := recover(); r != nil {
		*err = corruptError(tx.path, r)
	}
}

func (tx *Tx) bucket(name []byte) (*bbolt.Bucket, error) {
	b := tx.btx.Bucket(name)
	if b == nil {
		return nil, fmt.Errorf("store: %s: %w: bucket %q is missing", tx.path, ErrCorrupt, name)
	}
	return b, nil
}

func (tx *Tx) put(bucket []byte, key string, v any) (err error) {
	defer tx.recoverCorrupt(&err)
	b, err := tx.bucket(bucket)
	if err != nil {
		return err
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode %s %q: %w", bucket, key, err)
	}
	if err := b.Put([]byte(key), data); err != nil {
		return fmt.Errorf("store: put %s %q: %w", bucket, key, err)
	}
	return nil
}

func (tx *Tx) delete(bucket []byte, key string) (err error) {
	defer tx.recoverCorrupt(&err)
	b, err := tx.bucket(bucket)
	if err != nil {
		return err
	}
	if err := b.Delete([]byte(key)); err != nil {
		return fmt.Errorf("store: delete %s %q: %w", bucket, key, err)
	}
	return nil
}

func get[T any, P record[T]](tx *Tx, bucket []byte, key string) (_ *T, err error) {
	defer tx.recoverCorrupt(&err)
	b, err := tx.bucket(bucket)
	if err != nil {
		return nil, err
	}
	data := b.Get([]byte(key))
	if data == nil {
		return nil, fmt.Errorf("store: %s %q: %w", bucket, key, ErrNotFound)
	}
	v, err := decode[T, P](bucket, []byte(key), data)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

func list[T any, P record[T]](tx *Tx, bucket []byte) (out []T, err error) {
	defer tx.recoverCorrupt(&err)
	b, err := tx.bucket(bucket)
	if err != nil {
		return nil, err
	}
	var bad []error
	err = b.ForEach(func(k, v []byte) error {
		rec, derr := decode[T, P](bucket, k, v)
		if derr != nil {
			bad = append(bad, derr)
			return nil
		}
		out = append(out, rec)
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("store: list %s: %w", bucket, err)
	}
	return out, errors.Join(bad...)
}
