package ari_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/store"
)

// Issue 9 point 2: Hotline is killed with SIGKILL while an agent's phone
// rings (it answers after 8 s) and started again at once. The leg left
// ringing is hung up, never answered into silence; the agent is rung again
// on a leg whose id is new (no "id already in use"), is not counted as not
// answering, and takes the caller.
func TestAsteriskE2ERestartWhileAgentRings(t *testing.T) {
	const answer = 8 * time.Second
	s := newE2E(t, "restart-ring", map[string]e2ePhone{"jack": {Answer: answer, Hangup: 3 * time.Second}}, "")
	first := s.start()

	pc := s.call(e2eCaller{Number: "6500", From: "5550601"})
	s.eventually(5*time.Second, "jack's phone rings", func() (bool, string) {
		a := s.agent("jack")
		return a.State == "ringing", "jack: " + a.State
	})
	var oldLegs []string
	s.eventually(3*time.Second, "Asterisk has jack's ringing leg", func() (bool, string) {
		oldLegs = oldLegs[:0]
		for _, ch := range s.ast.channelsTagged(t, s.tag+"jack") {
			oldLegs = append(oldLegs, ch.ID)
		}
		return len(oldLegs) > 0, "no channel tagged " + s.tag + "jack"
	})
	first.kill(t)
	restarted := time.Now()
	s.start()

	rec, _ := s.bridged(pc, "jack", answer+10*time.Second)
	if slices.Contains(oldLegs, rec.AgentChannel) {
		t.Errorf("jack talks on %s, a leg of the killed run (%v)", rec.AgentChannel, oldLegs)
	}
	if got := e2eAttempts(rec); !slices.Equal(got, []string{"jack:answered"}) {
		t.Errorf("attempts %v, want [jack:answered]", got)
	}
	if a := s.agent("jack"); a.NoAnswer != 0 || a.State != "on-call" && a.State != "wrap-up" && a.State != "available" {
		t.Errorf("jack after the restart: %s, no-answer %d; want him taking the call, not blamed", a.State, a.NoAnswer)
	}
	if waited := rec.Answered.Sub(restarted); waited > answer+5*time.Second {
		t.Errorf("caller answered %v after the restart, want within one ring of %v (+5 s)", waited, answer)
	}
	for _, id := range oldLegs {
		if id != rec.AgentChannel && s.ast.hasChannel(t, id) {
			t.Errorf("old leg %s still up", id)
		}
	}
	if n := s.d.logLines("already in use"); n != 0 {
		t.Errorf("the restarted daemon reused a leg id (%d log lines say so)", n)
	}
	rec = s.waitRecord(pc.Far, 15*time.Second, "the call ends", e2eEnded)
	if rec.Outcome != acd.OutcomeAnswered || !strings.Contains(e2eTimeline(rec), "ring-cut-by-restart") {
		t.Errorf("record: outcome %s, timeline %s; want answered, with ring-cut-by-restart", rec.Outcome, e2eTimeline(rec))
	}
	s.noTaggedChannels(5 * time.Second)
}

func e2eTimeline(r store.CallRecord) string {
	var kinds []string
	for _, s := range r.Timeline {
		kinds = append(kinds, s.Kind)
	}
	return strings.Join(kinds, ",")
}
