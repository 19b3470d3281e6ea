package store

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/contact"
)

// bucketTasks holds callback tasks (contact.Task JSON by task id): missed
// calls of known customers for agents to call back. Added after schema 1
// like agent_changes.
var bucketTasks = []byte("tasks")

// Missed says why a call that ended was missed: abandoned, after hours, or
// a message left; "" for one that was served.
func (c *CallRecord) Missed() string {
	if c.Ended.IsZero() || !c.Answered.IsZero() {
		return ""
	}
	for _, s := range c.Timeline {
		if strings.HasPrefix(s.Kind, "voicemail") {
			return contact.MissedVoicemail
		}
	}
	for _, s := range c.Timeline {
		if s.Kind == "hours" && s.Detail == "closed" {
			return contact.MissedAfterHours
		}
	}
	if c.Outcome == acd.OutcomeAbandoned {
		return contact.MissedAbandoned
	}
	return ""
}

func taskID(callID string) string { return "t-" + callID }

// openTask makes the callback task of a missed call of a known customer
// when its record is saved ended (once: a later save finds it there).
func openTask(tx *Tx, c *CallRecord) error {
	b := tx.btx.Bucket(bucketTasks)
	if b == nil || c.Contact == 0 {
		return nil
	}
	why := c.Missed()
	if why == "" || b.Get([]byte(taskID(c.ID))) != nil {
		return nil
	}
	return putTask(tx, &contact.Task{ID: taskID(c.ID), CallID: c.ID, Contact: c.Contact, Queue: c.Queue, Reason: why,
		Created: c.Ended.UTC(), State: contact.TaskOpen}, nil)
}

// storedTask is a task as the store keeps it: with a seal (SealCalls), its
// result, what the agent wrote as they closed it, is sealed.
type storedTask struct {
	contact.Task
	SealedResult []byte `json:"sealed_result,omitempty"`
}

func taskAAD(id string) []byte { return []byte("task/" + id) }

// putTask saves t: its result sealed under the primary key when the store
// seals; kept is the sealed result t was read with and could not open (under
// a key no longer configured, or read without keys), saved again as it is
// unless t has a result of its own.
func putTask(tx *Tx, t *contact.Task, kept []byte) error {
	v, err := encodeTask(tx, t, kept)
	if err != nil {
		return err
	}
	if err := tx.btx.Bucket(bucketTasks).Put([]byte(t.ID), v); err != nil {
		return err
	}
	tx.tasks = append(tx.tasks, *t)
	return nil
}

// encodeTask is t as putTask stores it.
func encodeTask(tx *Tx, t *contact.Task, kept []byte) ([]byte, error) {
	st := storedTask{Task: *t}
	switch {
	case t.Result != "" && tx.seal != nil:
		st.Result, st.SealedResult = "", tx.seal.keys.Seal([]byte(t.Result), taskAAD(t.ID))
	case t.Result == "":
		st.SealedResult = kept
	}
	return json.Marshal(st)
}

// decodeTask reads the task stored under k, its result opened; sealed is
// its sealed result when the store's keys cannot open it (Result is then
// empty).
func decodeTask(tx *Tx, k, v []byte) (t contact.Task, sealed []byte, err error) {
	var st storedTask
	if err := json.Unmarshal(v, &st); err != nil {
		return t, nil, &DecodeError{Bucket: string(bucketTasks), Key: string(k), Err: err}
	}
	t = st.Task
	if st.SealedResult == nil {
		return t, nil, nil
	}
	if tx.seal != nil {
		if plain, err := tx.seal.keys.Open(st.SealedResult, taskAAD(t.ID)); err == nil {
			t.Result = string(plain)
			return t, nil, nil
		}
	}
	return t, st.SealedResult, nil
}

// resealTasks seals the results of the tasks written in clear or under an
// older key (with the call records' walk: the tasks are those of missed
// calls, far fewer than the calls).
func (tx *Tx) resealTasks() error {
	b := tx.btx.Bucket(bucketTasks)
	if b == nil {
		return nil
	}
	var todo []contact.Task
	err := b.ForEach(func(k, v []byte) error {
		var st storedTask
		if err := json.Unmarshal(v, &st); err != nil {
			return &DecodeError{Bucket: string(bucketTasks), Key: string(k), Err: err}
		}
		if st.Result == "" && (st.SealedResult == nil || !tx.seal.keys.Stale(st.SealedResult)) {
			return nil
		}
		t, sealed, err := decodeTask(tx, k, v)
		if err == nil && sealed == nil {
			todo = append(todo, t)
		}
		return err // one under a key no longer configured is left as it is
	})
	for i := 0; err == nil && i < len(todo); i++ {
		var v []byte
		if v, err = encodeTask(tx, &todo[i], nil); err == nil {
			err = b.Put([]byte(todo[i].ID), v)
		}
	}
	return err
}

// OnTasks has fn called after each committed write that opened, claimed,
// released or closed callback tasks, with those tasks as written, in the
// writer's goroutine: fn must not block; it replaces an earlier fn. The API
// tells the desks' event streams with it.
func (db *DB) OnTasks(fn func([]contact.Task)) { db.onTasks.Store(&fn) }

func tasks(tx *Tx, keep func(*contact.Task) bool) (out []contact.Task, err error) {
	defer tx.recoverCorrupt(&err)
	b, err := tx.bucket(bucketTasks)
	if err != nil {
		return nil, err
	}
	err = b.ForEach(func(k, v []byte) error {
		t, _, err := decodeTask(tx, k, v)
		if err != nil {
			return err
		}
		if keep(&t) {
			out = append(out, t)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b contact.Task) int { return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID)) })
	return out, err
}

// Tasks lists callback tasks in state (all when ""), oldest first.
func (db *DB) Tasks(state contact.TaskState) (out []contact.Task, err error) {
	err = db.View(func(tx *Tx) error {
		out, err = tasks(tx, func(t *contact.Task) bool { return state == "" || t.State == state })
		return err
	})
	return out, err
}

// Task reads one callback task.
func (db *DB) Task(id string) (t contact.Task, err error) {
	err = db.View(func(tx *Tx) error {
		v := tx.btx.Bucket(bucketTasks).Get([]byte(id))
		if v == nil {
			return fmt.Errorf("task %q: %w", id, ErrNotFound)
		}
		t, _, err = decodeTask(tx, []byte(id), v)
		return err
	})
	return t, err
}

// ClaimTask gives agent the oldest open task that mine keeps (nil: any),
// or keeps the one it already claimed, in one transaction so two agents
// never get the same one. ErrNotFound: none is open.
func (db *DB) ClaimTask(agent string, now time.Time, mine func(*contact.Task) bool) (t contact.Task, err error) {
	err = db.Apply(func(tx *Tx) error {
		all, err := tasks(tx, func(t *contact.Task) bool {
			return t.State == contact.TaskOpen && (mine == nil || mine(t)) || t.State == contact.TaskClaimed && t.Agent == agent
		})
		if err != nil {
			return err
		}
		if i := slices.IndexFunc(all, func(t contact.Task) bool { return t.State == contact.TaskClaimed }); i >= 0 {
			t = all[i]
			return nil
		}
		if len(all) == 0 {
			return fmt.Errorf("open task: %w", ErrNotFound)
		}
		t = all[0]
		if err := t.Claim(agent, now.UTC()); err != nil {
			return err
		}
		return putTask(tx, &t, nil)
	})
	return t, err
}

// UpdateTask applies move (a contact.Task method call) to task id.
func (db *DB) UpdateTask(id string, move func(*contact.Task) error) (t contact.Task, err error) {
	err = db.Apply(func(tx *Tx) error {
		v := tx.btx.Bucket(bucketTasks).Get([]byte(id))
		if v == nil {
			return fmt.Errorf("task %q: %w", id, ErrNotFound)
		}
		var sealed []byte
		if t, sealed, err = decodeTask(tx, []byte(id), v); err != nil {
			return err
		}
		if err := move(&t); err != nil {
			return err
		}
		return putTask(tx, &t, sealed)
	})
	return t, err
}

// TasksOf lists the callback tasks of contact id's calls, oldest first. A
// task is filed with its call in the contact's history, so this reads that
// history's keys and the tasks they name, not every task in the store; a
// merged contact's tasks come with the calls the merge moved.
func (s *Contacts) TasksOf(id contact.ID) (out []contact.Task, err error) {
	err = s.db.View(func(tx *Tx) (err error) {
		defer tx.recoverCorrupt(&err)
		tb, err := tx.bucket(bucketTasks)
		if err != nil {
			return err
		}
		prefix := contactKey(id)
		cur := tx.btx.Bucket(bucketContactCalls).Cursor()
		for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
			if len(k) <= 16 {
				continue
			}
			tid := taskID(string(k[16:]))
			v := tb.Get([]byte(tid))
			if v == nil {
				continue
			}
			t, _, err := decodeTask(tx, []byte(tid), v)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b contact.Task) int { return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID)) })
	return out, err
}
