package ari_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/internal/sipptest"
)

// An agent who answers from the desk (answer: desk): the desk's Answer
// calls her SIP phone with Call-Info answer-after=0 and the phone, which
// answers only when asked to, picks up by itself. An agent who answers on
// the phone is rung without the header, and the same kind of phone rings
// out.
func TestAsteriskSIPDeskAutoAnswer(t *testing.T) {
	env := sipptest.Need(t)
	s := newE2E(t, "autoanswer", nil, "")
	deskPhone := s.sipPhone(env, "sip-agent1", sipptest.Phone{Mode: "autoanswer", TalkMs: 3000})
	ringPhone := s.sipPhone(env, "sip-agent2", sipptest.Phone{Mode: "autoanswer"})
	s.start()
	caller := s.sipCall(env, "7301", sipptest.Caller{From: "5557301", HoldMs: 10000})
	s.eventually(10*time.Second, "the call rings desk's desk", func() (bool, string) {
		a := s.agent("desk")
		return a.State == "ringing", "desk is " + a.State
	})
	if strings.Contains(deskPhone.Trace(), "INVITE sip:") {
		t.Errorf("desk's phone was rung before she answered on the desk:\n%s", deskPhone.Trace())
	}
	s.agentAction("desk", "call/answer")
	rec := s.sipRecord("5557301", 20*time.Second, "the call answered from the desk ends", e2eEnded)
	if rec.Outcome != "answered" || rec.Agent != "desk" || rec.HangupBy != "agent" {
		t.Errorf("record: outcome %s, agent %q, hang-up by %s; want answered, desk, the agent (her phone hangs up after 3 s)", rec.Outcome, rec.Agent, rec.HangupBy)
	}
	if !strings.Contains(deskPhone.Trace(), "answer-after=0") {
		t.Errorf("desk's phone got no auto-answer header:\n%s", deskPhone.Trace())
	}
	_ = caller.Wait(t, 20*time.Second)

	ringCaller := s.sipCall(env, "7302", sipptest.Caller{From: "5557302", HoldMs: 5000})
	_ = ringCaller.Wait(t, 20*time.Second)
	rec = s.sipRecord("5557302", 10*time.Second, "the call to the phone agent ends", e2eEnded)
	if got := e2eAttempts(rec); len(got) == 0 || got[0] != "ring:no-answer" {
		t.Errorf("attempts %v, want ring's phone rung out first (no auto-answer asked)", got)
	}
	if tr := ringPhone.Trace(); !strings.Contains(tr, "INVITE sip:") || strings.Contains(tr, "answer-after") {
		t.Errorf("ring's phone: want an INVITE without the auto-answer header:\n%s", tr)
	}
}
