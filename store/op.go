package store

import (
	"fmt"
	"slices"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
)

// Op is one change to the store: a record saved or deleted. Ops are built
// by the functions below, which copy the record, so the caller may go on
// changing its own value while the op waits to be written.
type Op struct {
	kind     opKind
	id       string
	call     *CallRecord
	agent    *AgentState
	active   *ActiveCall
	callback *Callback
	change   *AgentChange
	lead     *campaign.Lead
	dnc      *DNCEntry
	progress *campaign.Progress
	hour     *campaign.HourCount
	learned  *campaign.Learned
	alive    *time.Time
}

type opKind uint8

const (
	opPutCall opKind = iota + 1
	opPutAgent
	opPutActive
	opDeleteActive
	opPutCallback
	opDeleteCallback
	opPutAgentChange
	opPutLead
	opPutDNC
	opPutCampaignProgress
	opPutCampaignHour
	opPutCampaignLearned
	opPutAlive
)

var opNames = [...]string{
	opPutCall: "save call", opPutAgent: "save agent", opPutActive: "save active call",
	opDeleteActive: "delete active call", opPutCallback: "save callback",
	opDeleteCallback: "delete callback", opPutAgentChange: "save agent change", opPutLead: "save lead", opPutDNC: "add do-not-call",
	opPutCampaignProgress: "save campaign progress", opPutCampaignHour: "save campaign hour",
	opPutCampaignLearned: "save campaign's learned pacing", opPutAlive: "save heartbeat",
}

func (op Op) String() string {
	if int(op.kind) < len(opNames) && op.kind != 0 {
		return fmt.Sprintf("%s %q", opNames[op.kind], op.id)
	}
	return "empty op"
}

// PutCall saves a copy of c, replacing the record with the same ID.
func PutCall(c *CallRecord) Op {
	cp := *c
	cp.Attempts = slices.Clone(c.Attempts)
	cp.Timeline = slices.Clone(c.Timeline)
	cp.Legs = slices.Clone(c.Legs)
	cp.MoreRecordings = slices.Clone(c.MoreRecordings)
	return Op{kind: opPutCall, id: c.ID, call: &cp}
}

// PutAgent saves a copy of a, replacing the agent's previous state.
func PutAgent(a *AgentState) Op {
	cp := *a
	if a.PendingState != nil {
		p := *a.PendingState
		cp.PendingState = &p
	}
	return Op{kind: opPutAgent, id: a.ID, agent: &cp}
}

// PutActive saves a copy of a live call's resume state.
func PutActive(ac *ActiveCall) Op {
	cp := *ac
	return Op{kind: opPutActive, id: ac.CallID, active: &cp}
}

// DeleteActive removes a call's resume state.
func DeleteActive(callID string) Op { return Op{kind: opDeleteActive, id: callID} }

// PutCallback saves a copy of a callback request.
func PutCallback(cb *Callback) Op {
	cp := *cb
	return Op{kind: opPutCallback, id: cb.ID, callback: &cp}
}

// DeleteCallback removes a callback request.
func DeleteCallback(id string) Op { return Op{kind: opDeleteCallback, id: id} }

// PutAgentChange adds an agent state change to the log.
func PutAgentChange(ch *AgentChange) Op {
	cp := *ch
	return Op{kind: opPutAgentChange, id: ch.Agent, change: &cp}
}

// PutLead saves a copy of a campaign lead (its state, attempts and next
// attempt), keeping the lead indexes in step.
func PutLead(l *campaign.Lead) Op {
	cp := *l
	return Op{kind: opPutLead, id: l.Campaign + "/" + l.ID, lead: &cp}
}

// PutDNC lists a number on a do-not-call list (kept if listed already).
func PutDNC(e *DNCEntry) Op {
	cp := *e
	return Op{kind: opPutDNC, id: e.List + "/" + e.Phone, dnc: &cp}
}

// PutCampaignProgress saves a copy of a campaign's run state and counts.
func PutCampaignProgress(p *campaign.Progress) Op {
	cp := *p
	return Op{kind: opPutCampaignProgress, id: p.Name, progress: &cp}
}

// PutCampaignHour saves a copy of one hour of a campaign's abandonment
// counts.
func PutCampaignHour(h *campaign.HourCount) Op {
	cp := *h
	return Op{kind: opPutCampaignHour, id: h.Campaign + "/" + h.Hour.UTC().Format(time.RFC3339), hour: &cp}
}

// PutCampaignLearned saves a copy of what a campaign's pacer has learned,
// replacing what was saved before.
func PutCampaignLearned(l *campaign.Learned) Op {
	cp := *l
	cp.Pacer = slices.Clone(l.Pacer)
	return Op{kind: opPutCampaignLearned, id: l.Campaign, learned: &cp}
}

// Check reports an op that could never be written (a record that does not
// validate), so that it is refused when submitted rather than failing its
// transaction later.
func (op Op) Check() error {
	var err error
	switch op.kind {
	case opPutCall:
		err = op.call.validate()
	case opPutAgent:
		err = op.agent.validate()
	case opPutActive:
		err = op.active.validate()
	case opPutCallback:
		err = op.callback.validate()
	case opPutAgentChange:
		err = op.change.validate()
	case opPutLead:
		if op.lead.ID == "" || op.lead.Campaign == "" || op.lead.Phone == "" {
			err = fmt.Errorf("lead %q of campaign %q: id, campaign and phone are required: %w", op.lead.ID, op.lead.Campaign, ErrInvalid)
		}
	case opPutDNC:
		err = checkDNC(op.dnc.List, op.dnc.Phone)
	case opPutCampaignProgress:
		err = checkCampaignName(op.progress.Name)
	case opPutCampaignHour:
		err = checkCampaignName(op.hour.Campaign)
	case opPutCampaignLearned:
		err = checkCampaignName(op.learned.Campaign)
	case opPutAlive:
		if op.alive.IsZero() {
			err = fmt.Errorf("heartbeat with no time: %w", ErrInvalid)
		}
	case opDeleteActive, opDeleteCallback:
		err = required("id", op.id)
	default:
		err = fmt.Errorf("empty op: %w", ErrInvalid)
	}
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// apply performs the op inside a write transaction.
func (op Op) apply(tx *Tx) error {
	switch op.kind {
	case opPutCall:
		return tx.SaveCall(op.call)
	case opPutAgent:
		return tx.SaveAgent(op.agent)
	case opPutActive:
		return tx.SaveActive(op.active)
	case opDeleteActive:
		return tx.DeleteActive(op.id)
	case opPutCallback:
		return tx.SaveCallback(op.callback)
	case opDeleteCallback:
		return tx.DeleteCallback(op.id)
	case opPutAgentChange:
		return tx.SaveAgentChange(op.change)
	case opPutLead:
		return tx.SaveLead(op.lead)
	case opPutDNC:
		return tx.SaveDNC(*op.dnc)
	case opPutCampaignProgress:
		return tx.SaveCampaignProgress(op.progress)
	case opPutCampaignHour:
		return tx.SaveCampaignHour(op.hour)
	case opPutCampaignLearned:
		return tx.SaveCampaignLearned(op.learned)
	case opPutAlive:
		return tx.SaveAlive(*op.alive)
	}
	return op.Check()
}

// Write applies ops in order in one transaction (one fsync): all of them
// or, on error, none.
func (db *DB) Write(ops []Op) error {
	return db.Apply(func(tx *Tx) error {
		for _, op := range ops {
			if err := op.apply(tx); err != nil {
				return err
			}
		}
		return nil
	})
}

// Saves returns the record op saves: *CallRecord, *AgentState, *ActiveCall,
// *Callback, *AgentChange, *campaign.Lead, *DNCEntry, *campaign.Progress,
// *campaign.HourCount, *campaign.Learned or *time.Time (a heartbeat,
// PutAlive); nil for a delete. Stand-ins for the store in
// tests read ops through it and Deletes.
func (op Op) Saves() any {
	switch op.kind {
	case opPutCall:
		return op.call
	case opPutAgent:
		return op.agent
	case opPutActive:
		return op.active
	case opPutCallback:
		return op.callback
	case opPutAgentChange:
		return op.change
	case opPutLead:
		return op.lead
	case opPutDNC:
		return op.dnc
	case opPutCampaignProgress:
		return op.progress
	case opPutCampaignHour:
		return op.hour
	case opPutCampaignLearned:
		return op.learned
	case opPutAlive:
		return op.alive
	}
	return nil
}

// Deletes returns what a delete op removes, Bucket "active" or "callbacks",
// and its ID; ok is false for a save.
func (op Op) Deletes() (bucket, id string, ok bool) {
	switch op.kind {
	case opDeleteActive:
		return string(bucketActive), op.id, true
	case opDeleteCallback:
		return string(bucketCallbacks), op.id, true
	}
	return "", "", false
}
