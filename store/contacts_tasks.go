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
		Created: c.Ended.UTC(), State: contact.TaskOpen})
}

func putTask(tx *Tx, t *contact.Task) error {
	v, err := json.Marshal(t)
	if err != nil {
		return err
	}
	if err := tx.btx.Bucket(bucketTasks).Put([]byte(t.ID), v); err != nil {
		return err
	}
	tx.tasks = append(tx.tasks, *t)
	return nil
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
		var t contact.Task
		if err := json.Unmarshal(v, &t); err != nil {
			return &DecodeError{Bucket: string(bucketTasks), Key: string(k), Err: err}
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
		return json.Unmarshal(v, &t)
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
		return putTask(tx, &t)
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
		if err := json.Unmarshal(v, &t); err != nil {
			return &DecodeError{Bucket: string(bucketTasks), Key: id, Err: err}
		}
		if err := move(&t); err != nil {
			return err
		}
		return putTask(tx, &t)
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
			var t contact.Task
			if err := json.Unmarshal(v, &t); err != nil {
				return &DecodeError{Bucket: string(bucketTasks), Key: tid, Err: err}
			}
			out = append(out, t)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b contact.Task) int { return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID)) })
	return out, err
}
