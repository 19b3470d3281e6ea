package ari_test

import (
	"slices"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
)

// Issue scenario 5: Hotline is killed with SIGKILL while one caller waits and
// another talks to an agent, then started again on the same store and
// config. The waiting caller is served after the restart; the conversation
// goes on in Asterisk (both channels up, bridge intact) and its record is
// completed when it ends.
func TestAsteriskE2ERestartKeepsCalls(t *testing.T) {
	const hankTalk = 15 * time.Second
	s := newE2E(t, "restart", map[string]e2ePhone{
		"hank": {Answer: time.Second, Hangup: hankTalk},
		"ivy":  {Answer: time.Second, Hangup: 3 * time.Second},
	}, "")
	first := s.start()

	talking := s.call(e2eCaller{Number: "6500", From: "5550501"})
	talk, bridge := s.bridged(talking, "hank", 8*time.Second)
	waiting := s.queued(e2eCaller{Number: "6500", From: "5550502"})

	s.durable()
	killed := time.Now()
	first.kill(t)
	t.Logf("hotline killed; hank's call %s in bridge %s", talk.ID, bridge)
	for _, ch := range []string{talking.Far, talk.AgentChannel, waiting.Far} {
		if !s.ast.hasChannel(t, ch) {
			t.Fatalf("channel %s went with the daemon", ch)
		}
	}

	s.start()
	s.eventually(30*time.Second, "the restarted daemon knows both calls", func() (bool, string) {
		c1, ok1 := s.liveCall(talking.Far)
		c2, ok2 := s.liveCall(waiting.Far)
		return ok1 && ok2 && c1.Phase == "bridged" && c1.Agent == "hank" && c2.Phase == "queued",
			"talking: " + c1.Phase + " " + c1.Agent + ", waiting: " + c2.Phase
	})
	if a := s.agent("hank"); a.State != "on-call" {
		t.Errorf("hank after the restart: %s, want on-call", a.State)
	}
	if b, ok := s.ast.bridgeWith(t, talking.Far, talk.AgentChannel); !ok || b.ID != bridge {
		t.Errorf("after the restart the conversation is in bridge %q (found %v), want %s", b.ID, ok, bridge)
	}

	// The waiting caller is served: ivy logs in, is rung, answers.
	s.agentAction("ivy", "login")
	served, _ := s.bridged(waiting, "ivy", 8*time.Second)
	if got := e2eAttempts(served); !slices.Equal(got, []string{"ivy:answered"}) {
		t.Errorf("waiting call's attempts %v, want [ivy:answered]", got)
	}
	served = s.waitRecord(waiting.Far, 10*time.Second, "ivy's call ends", e2eEnded)
	if served.Outcome != acd.OutcomeAnswered || served.Agent != "ivy" {
		t.Errorf("waiting call: outcome %s, agent %s; want answered by ivy", served.Outcome, served.Agent)
	}
	// The wait counts from the caller's arrival before the kill.
	if !served.Entered.Before(killed) || !e2eWithin(served.Wait, served.Answered.Sub(served.Entered), time.Millisecond) || served.Answered.Before(killed) {
		t.Errorf("waiting call: entered %v, answered %v, wait %v; want a wait from arrival (before the kill at %v) to answer",
			served.Entered, served.Answered, served.Wait, killed)
	}

	// hank's conversation ends on its own; the record is completed.
	talk = s.waitRecord(talking.Far, hankTalk+5*time.Second, "hank's call ends", e2eEnded)
	if talk.Outcome != acd.OutcomeAnswered || talk.Agent != "hank" || talk.HangupBy != acd.HangupAgent {
		t.Errorf("hank's call: outcome %s, agent %q, hangup by %s; want answered, hank, agent",
			talk.Outcome, talk.Agent, talk.HangupBy)
	}
	if !e2eWithin(talk.Talk, hankTalk, 1500*time.Millisecond) {
		t.Errorf("hank's call: talk %v, want %v ± 1.5 s (the whole conversation, across the restart)", talk.Talk, hankTalk)
	}
	s.noTaggedChannels(30 * time.Second)
	s.bridgeGone(bridge, 30*time.Second)
}
