package engine

import (
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/store"
)

// Store is what the engine persists. *store.DB implements it; FinishCall must
// be one durable transaction (record saved, active call removed, agent state
// saved) so that a call is never reported done before it is on disk.
type Store interface {
	FinishCall(c *store.CallRecord, agent *store.AgentState) error
	SaveCall(c *store.CallRecord) error
	Call(id string) (*store.CallRecord, error)
	SaveAgent(a *store.AgentState) error
	// SaveProgress saves a live call's resume state and its in-progress
	// record in one transaction.
	SaveProgress(ac *store.ActiveCall, rec *store.CallRecord) error
	DeleteActive(callID string) error
	SaveCallback(cb *store.Callback) error
	DeleteCallback(id string) error
}

// DBStore is the bbolt store as the engine's Store.
type DBStore struct{ *store.DB }

var _ Store = DBStore{}

// SaveProgress implements Store in one bbolt transaction.
func (d DBStore) SaveProgress(ac *store.ActiveCall, rec *store.CallRecord) error {
	return d.Apply(func(tx *store.Tx) error {
		if err := tx.SaveActive(ac); err != nil {
			return err
		}
		return tx.SaveCall(rec)
	})
}

// LoadSaved reads what Restore needs.
func LoadSaved(db *store.DB) (Saved, error) {
	var s Saved
	var err error
	if s.Agents, err = db.Agents(); err != nil {
		return s, err
	}
	if s.Active, err = db.ActiveCalls(); err != nil {
		return s, err
	}
	if s.Callbacks, err = db.Callbacks(); err != nil {
		return s, err
	}
	s.Records = map[string]*store.CallRecord{}
	for _, ac := range s.Active {
		if rec, err := db.Call(ac.CallID); err == nil {
			s.Records[ac.CallID] = rec
		}
	}
	return s, nil
}

// NopStore keeps nothing; for trials where records do not matter.
type NopStore struct{}

func (NopStore) FinishCall(*store.CallRecord, *store.AgentState) error   { return nil }
func (NopStore) SaveCall(*store.CallRecord) error                        { return nil }
func (NopStore) Call(string) (*store.CallRecord, error)                  { return nil, store.ErrNotFound }
func (NopStore) SaveAgent(*store.AgentState) error                       { return nil }
func (NopStore) SaveProgress(*store.ActiveCall, *store.CallRecord) error { return nil }
func (NopStore) DeleteActive(string) error                               { return nil }
func (NopStore) SaveCallback(*store.Callback) error                      { return nil }
func (NopStore) DeleteCallback(string) error                             { return nil }

// trailer is an ended call whose record still changes: wrap-up not over, or
// the recording not yet reported finished.
type trailer struct {
	rec       store.CallRecord
	wrap      bool
	recording string
}

func (c *Core) saveTrailer(now time.Time, id string, t *trailer) {
	if err := c.st.SaveCall(&t.rec); err != nil {
		c.warn(now, "store", "call %s: record update not saved: %v", id, err)
	}
	if !t.wrap && t.recording == "" {
		delete(c.trailing, id)
	}
}

func (c *Core) onRecordingFinished(now time.Time, e pbx.RecordingFinished) {
	for _, cl := range c.calls {
		if cl.recording == e.Name {
			cl.rec.Recording.Path = e.Path
			return
		}
	}
	for id, t := range c.trailing {
		if t.recording == e.Name {
			t.rec.Recording.Path = e.Path
			t.recording = ""
			c.saveTrailer(now, id, t)
			return
		}
	}
}

func (c *Core) activeRecord(cl *call) *store.ActiveCall {
	ac := &store.ActiveCall{
		CallID: cl.id, Channel: string(cl.ch), Enqueued: cl.enqueued, Priority: cl.priority,
		State: cl.phase, Direction: cl.dir, Since: cl.arrived, Bridge: string(cl.bridge), Recording: cl.recording,
	}
	if cl.queue != nil {
		ac.Queue = cl.queue.name
	}
	if cl.agent != nil {
		ac.Agent, ac.AgentChannel = cl.agent.id, string(cl.agentCh)
		ac.Since = cl.answered
	}
	if !cl.flow.Done() {
		flow := cl.flow
		ac.Flow = &flow
	}
	return ac
}

func (c *Core) agentRecord(a *agent) *store.AgentState {
	st := &store.AgentState{
		ID: a.id, State: a.state, PauseReason: a.pauseReason, Since: a.since,
		LoggedInAt: a.loggedInAt, CallsTaken: a.stats.Answered, TalkTime: a.stats.Talk,
		ConsecutiveNoAnswer: a.noAnswerRun,
	}
	if p := a.pending; p != nil {
		pending := p.state
		st.PendingState, st.PendingReason = &pending, p.reason
	}
	return st
}
