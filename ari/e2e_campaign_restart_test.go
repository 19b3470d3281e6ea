package ari_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/internal/campaigncheck"
	"github.com/hotline-cc/hotline/store"
)

// TestAsteriskE2ECampaignRestartKeepsLead: Hotline is killed with SIGKILL
// while a campaign's lead (a Local channel that listens until hung up)
// talks to agent a1, and started again on the same store. The conversation
// goes on in Asterisk with a1 on it; a1's hang-up ends the call, whose
// record has the whole talk time; after wrap-up the lead is done, settled
// once, and it is never dialed again.
func TestAsteriskE2ECampaignRestartKeepsLead(t *testing.T) {
	const talk = 15 * time.Second
	agents := map[string]e2ePhone{"a1": {Answer: 500 * time.Millisecond, Hangup: talk}, "a2": e2eNeverAnswers, "a3": e2eNeverAnswers}
	s, path, kindOf, _ := e2eCampaignStart(t, e2eRun{mode: "progressive", agents: agents, loggedOut: []string{"a2", "a3"}, order: e2eTimes(e2ePerson, 1)})
	var phone string
	for p := range kindOf {
		phone = p
	}
	var call engine.CallStatus
	s.eventually(20*time.Second, "the lead talks to a1", func() (bool, string) {
		for _, c := range s.status().Calls {
			if c.Agent == "a1" && c.Phase == "bridged" {
				call = c
				return true, ""
			}
		}
		return false, fmt.Sprintf("calls %+v", s.status().Calls)
	})
	s.durable()
	first := s.d
	first.kill(t)
	t.Logf("hotline killed while lead %s talks to a1 on call %s", phone, call.ID)
	if !s.ast.hasChannel(t, call.ID) {
		t.Fatalf("the lead's channel %s went with the daemon", call.ID)
	}

	s.start()
	s.eventually(30*time.Second, "the restarted daemon keeps the lead's call with a1", func() (bool, string) {
		for _, c := range s.status().Calls {
			if c.ID == call.ID {
				return c.Phase == "bridged" && c.Agent == "a1", c.Phase + " " + c.Agent
			}
		}
		return false, "the call is not live"
	})
	if a := s.agent("a1"); a.State != "on-call" {
		t.Errorf("a1 after the restart: %s, want on-call", a.State)
	}
	rec := s.recordEnded(talk+10*time.Second, "a1 hangs up and the record ends", call.ID)
	if rec.Outcome != acd.OutcomeAnswered || rec.Agent != "a1" || rec.HangupBy != acd.HangupAgent || rec.Direction != acd.DirectionOutbound {
		t.Errorf("the lead's call: %s %s, agent %q, hangup by %s; want outbound, answered by a1, hung up by a1", rec.Direction, rec.Outcome, rec.Agent, rec.HangupBy)
	}
	if !e2eWithin(rec.Talk, talk, 1500*time.Millisecond) {
		t.Errorf("the lead's call: talk %v, want %v ± 1.5 s (the whole conversation, across the restart)", rec.Talk, talk)
	}
	s.eventually(10*time.Second, "a1 out of wrap-up", func() (bool, string) {
		a := s.agent("a1")
		return a.State == "available", a.State
	})
	var st []engine.CampaignStatus
	s.getJSON("/api/v1/campaigns", &st)
	s.noTaggedChannels(30 * time.Second)
	s.d.stop(t)

	leads, dials := e2eCampaignStore(t, path)
	l := leads[phone]
	if l.State != campaign.Done || l.Disposition != "completed" || l.Attempts != 1 || len(dials[phone]) != 1 {
		t.Errorf("lead after the call: %s %q after %d attempts, %d records; want done, completed, dialed once", l.State, l.Disposition, l.Attempts, len(dials[phone]))
	}
	if c := st[0].Stats; c.Dialed != 1 || c.Answered != 1 || c.Connected != 1 || c.Abandoned != 0 {
		t.Errorf("campaign counts %+v; want one dial, answered and connected", c)
	}
}

// TestAsteriskE2ECampaignRestartWhileLeadsRing: Hotline is killed with
// SIGKILL while two leads ring (Local channels: one answers 6 s after its
// dial, one never) and started again on the same store. Asterisk reports
// the leftover channels with Hotline's call id only; the restart reads
// their leads from the attempts' records, neither hangs them up nor takes
// them for callers: the first answers into the campaign and talks to an
// agent, the second ends at its ring timeout as no-answer. One attempt,
// one record each; no attempt is settled by the restart.
func TestAsteriskE2ECampaignRestartWhileLeadsRing(t *testing.T) {
	talking := e2ePhone{Answer: 500 * time.Millisecond, Hangup: 4 * time.Second}
	agents := map[string]e2ePhone{"a1": talking, "a2": talking, "a3": e2eNeverAnswers}
	s, path, kindOf, _ := e2eCampaignStart(t, e2eRun{mode: "progressive", agents: agents, loggedOut: []string{"a3"},
		order: []e2eLeadKind{e2eSlow, e2eNever}, settings: []string{"ring_timeout: 10s"}})
	var slow, never string
	for p, k := range kindOf {
		if k == e2eSlow {
			slow = p
		} else {
			never = p
		}
	}
	campaigns := func() engine.CampaignStatus {
		var st []engine.CampaignStatus
		s.getJSON("/api/v1/campaigns", &st)
		return st[0]
	}
	s.eventually(30*time.Second, "both leads ring", func() (bool, string) {
		st := campaigns()
		return st.Ringing == 2, fmt.Sprintf("%+v", st)
	})
	s.durable()
	s.d.kill(t)
	t.Logf("hotline killed while leads %s and %s ring", slow, never)

	s.start()
	s.eventually(10*time.Second, "the slow lead answers after the restart and talks to an agent", func() (bool, string) {
		for _, c := range s.status().Calls {
			if c.Agent != "" && c.Phase == "bridged" {
				return true, ""
			}
		}
		return false, fmt.Sprintf("calls %+v", s.status().Calls)
	})
	s.eventually(15*time.Second, "the leads' attempts over", func() (bool, string) {
		ended := 0
		for _, r := range s.records() {
			if (r.Called == slow || r.Called == never) && e2eEnded(r) {
				ended++
			}
		}
		return ended >= 2, fmt.Sprintf("%d records ended", ended)
	})
	s.eventually(10*time.Second, "agents out of wrap-up", func() (bool, string) {
		a1, a2 := s.agent("a1"), s.agent("a2")
		return a1.State == "available" && a2.State == "available", a1.State + " " + a2.State
	})
	st := campaigns()
	for _, r := range s.records() {
		if r.Direction == acd.DirectionInbound {
			t.Errorf("inbound record %s from %s: a lead taken for a caller", r.ID, r.Caller)
		}
	}
	s.d.stop(t)

	leads, dials := e2eCampaignStore(t, path)
	for _, bad := range campaigncheck.RingingKept(leads, dials, slow, never) {
		t.Error(bad)
	}
	if c := st.Stats; c.Failed != 0 || c.Connected != 1 || c.Abandoned != 0 {
		t.Errorf("campaign counts %+v; want no attempt failed by the restart, one connected", c)
	}
}

// TestAsteriskE2ECampaignRestartLostLiveRecord: Hotline is killed while
// an answered lead waits for an agent (a1 never answers; connect_within is
// 6 s), and the live record of its call is taken out of the store, as a
// kill between the answer's write and that record's leaves it. Back after
// the lead's connect_within, the restart makes its call again from its
// record and plays it the safe-harbour message at once; the lead counts as
// abandoned and rests 72 hours. One attempt, one record. (A lead that
// answers while Hotline is down is no such case on Asterisk: with no
// application to enter, Asterisk hangs it up; the restart settles it as
// not answered.)
func TestAsteriskE2ECampaignRestartLostLiveRecord(t *testing.T) {
	agents := map[string]e2ePhone{"a1": e2eNeverAnswers, "a2": e2eNeverAnswers, "a3": e2eNeverAnswers}
	s, path, kindOf, _ := e2eCampaignStart(t, e2eRun{mode: "progressive", agents: agents, loggedOut: []string{"a2", "a3"},
		order: []e2eLeadKind{e2ePerson}, settings: []string{"connect_within: 6s"}})
	var phone string
	for p := range kindOf {
		phone = p
	}
	var call engine.CallStatus
	s.eventually(10*time.Second, "the lead answers and waits for a1", func() (bool, string) {
		calls := s.status().Calls
		if len(calls) == 1 && calls[0].Phase != "bridged" {
			call = calls[0]
			return true, ""
		}
		return false, fmt.Sprintf("calls %+v", calls)
	})
	answered := time.Now()
	s.durable()
	s.d.kill(t)
	if err := campaigncheck.DropLive(path, call.ID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(answered.Add(7 * time.Second)))
	s.start()
	rec := s.recordEnded(10*time.Second, "the lead hears the safe-harbour message and is hung up", call.ID)
	var st []engine.CampaignStatus
	s.getJSON("/api/v1/campaigns", &st)
	s.d.stop(t)

	leads, dials := e2eCampaignStore(t, path)
	l := leads[phone]
	e2eCheckAbandon(t, phone, l, rec)
	if l.Attempts != 1 || len(dials[phone]) != 1 || !e2eHasStep(rec, "lead-readopted", "") {
		t.Errorf("lead %s: %d attempts, %d records, timeline %+v; want one attempt, one record, its call made again", phone, l.Attempts, len(dials[phone]), rec.Timeline)
	}
	if c := st[0].Stats; c.Dialed != 1 || c.Answered != 1 || c.Abandoned != 1 || c.Failed != 0 {
		t.Errorf("campaign counts %+v; want one dial, answered and abandoned", c)
	}
}

// TestAsteriskE2ECampaignRestartDuringMachineMessage: Hotline is killed
// while an answering machine (a Local channel: greeting, beep, then it
// records) hears the campaign's machine message, and started again. The
// machine's channel, left in Hotline's application, is hung up, and its
// call record, open till then, is closed: failed, cause restart, its
// message cut. The lead keeps its machine outcome, one attempt, one record.
func TestAsteriskE2ECampaignRestartDuringMachineMessage(t *testing.T) {
	agents := map[string]e2ePhone{"a1": e2eNeverAnswers, "a2": e2eNeverAnswers, "a3": e2eNeverAnswers}
	s, path, kindOf, _ := e2eCampaignStart(t, e2eRun{mode: "progressive", agents: agents, loggedOut: []string{"a2", "a3"},
		order: []e2eLeadKind{e2eMachine}, settings: []string{"answering_machine: message",
			"machine_message: [sound:hello-world, sound:hello-world, sound:hello-world, sound:hello-world]", "ring_timeout: 10s"}})
	var phone string
	for p := range kindOf {
		phone = p
	}
	var rec store.CallRecord
	s.eventually(20*time.Second, "the machine hears its message", func() (bool, string) {
		for _, r := range s.records() {
			if r.Called == phone {
				rec = r
				return e2eHasStep(r, "machine", "") && r.Outcome == acd.OutcomeInProgress, fmt.Sprintf("%s %+v", r.Outcome, r.Timeline)
			}
		}
		return false, "no record"
	})
	s.durable()
	s.d.kill(t)
	if !s.ast.hasChannel(t, rec.Channel) {
		t.Fatalf("the machine's channel %s went with the daemon", rec.Channel)
	}
	s.start()
	rec = s.recordEnded(10*time.Second, "the machine's record closed", rec.ID)
	s.noTaggedChannels(30 * time.Second)
	s.d.stop(t)

	if rec.Outcome != acd.OutcomeFailed || rec.Cause != "restart" || !e2eHasStep(rec, "closed-at-restart", "machine message cut") {
		t.Errorf("the machine's record: %s, cause %q, timeline %+v; want failed, closed at restart", rec.Outcome, rec.Cause, rec.Timeline)
	}
	leads, dials := e2eCampaignStore(t, path)
	if l := leads[phone]; l.LastOutcome != campaign.Machine || l.Attempts != 1 || len(dials[phone]) != 1 {
		t.Errorf("machine lead: last %s after %d attempts, %d records; want its machine outcome, one record", l.LastOutcome, l.Attempts, len(dials[phone]))
	}
}

// recordEnded waits up to d for the record of call id to end and returns
// it.
func (s *e2eScenario) recordEnded(d time.Duration, what, id string) store.CallRecord {
	s.t.Helper()
	var rec store.CallRecord
	s.eventually(d, what, func() (bool, string) {
		for _, r := range s.records() {
			if r.ID == id {
				rec = r
				return e2eEnded(r), string(r.Outcome)
			}
		}
		return false, "no record"
	})
	return rec
}
