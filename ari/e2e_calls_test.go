package ari_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/store"
)

// attemptsOf lists a record's attempts as "agent:result".
func attemptsOf(r store.CallRecord) []string {
	var out []string
	for _, a := range r.Attempts {
		out = append(out, a.Agent+":"+string(a.Result))
	}
	return out
}

// bridged waits until the record names an agent and Asterisk holds the
// caller and that agent's channel in one bridge; it returns the record and
// the bridge's id.
func (s *scenario) bridged(pc placedCall, agent string, timeout time.Duration) (store.CallRecord, string) {
	s.t.Helper()
	rec := s.waitRecord(pc.Far, timeout, agent+" answers", func(r store.CallRecord) bool {
		return r.Agent == agent && !r.Answered.IsZero() && r.AgentChannel != ""
	})
	var bridge string
	s.eventually(5*time.Second, "Asterisk bridges the caller with "+agent, func() (bool, string) {
		b, ok := s.ast.bridgeWith(s.t, pc.Far, rec.AgentChannel)
		bridge = b.ID
		return ok, "no bridge holds " + pc.Far + " and " + rec.AgentChannel
	})
	return rec, bridge
}

// bridgeGone waits until Asterisk no longer has the bridge.
func (s *scenario) bridgeGone(id string, timeout time.Duration) {
	s.t.Helper()
	s.eventually(timeout, "bridge "+id+" left in Asterisk", func() (bool, string) {
		for _, b := range s.ast.bridges(s.t) {
			if b.ID == id {
				return false, "still there with channels " + strings.Join(b.Channels, ",")
			}
		}
		return true, ""
	})
}

// Issue scenario 1: caller → queue → the longest-idle agent answers → bridged
// → the agent hangs up → a record with the wait and talk the phones scripted,
// the agent's id, and a recording Asterisk wrote.
func TestAsteriskE2EAnsweredLongestIdle(t *testing.T) {
	const ring, talk = 1 * time.Second, 3 * time.Second
	s := newScenario(t, "answered", map[string]phone{
		"alice": {Answer: ring, Hangup: talk},
		"bob":   {Answer: ring}, // would stay on the line: if bob took the call, the test fails
	}, "")
	s.start()
	time.Sleep(time.Second) // alice has been idle a second longer than bob
	s.agentAction("bob", "login")
	if st := s.agent("bob").State; st != "available" {
		t.Fatalf("bob after login: %s, want available", st)
	}

	pc := s.call(caller{Number: "6100"})
	rec, bridge := s.bridged(pc, "alice", 10*time.Second)
	if !strings.Contains(s.channelName(rec.AgentChannel), s.tag+"alice") {
		t.Errorf("agent channel %s is not alice's phone (%s)", rec.AgentChannel, s.channelName(rec.AgentChannel))
	}

	rec = s.waitRecord(pc.Far, talk+10*time.Second, "the call ends when alice hangs up", ended)
	if rec.Outcome != store.OutcomeAnswered || rec.HangupBy != store.HangupAgent || rec.Agent != "alice" || rec.Queue != "sales" {
		t.Errorf("record: outcome %s, hangup by %s, agent %q, queue %q; want answered, agent, alice, sales",
			rec.Outcome, rec.HangupBy, rec.Agent, rec.Queue)
	}
	if got := attemptsOf(rec); !slices.Equal(got, []string{"alice:answered"}) {
		t.Errorf("attempts %v, want [alice:answered]", got)
	}
	t.Logf("record: wait %v, talk %v, attempts %v, recording %s", rec.Wait, rec.Talk, attemptsOf(rec), rec.Recording.Path)
	// Wait: the phone rings `ring` before it answers, plus originate and
	// Local channel set-up. Talk: the phone hangs up `talk` after answering.
	if rec.Wait < ring-100*time.Millisecond || rec.Wait > ring+1500*time.Millisecond {
		t.Errorf("wait %v, want %v (+1.5 s at most)", rec.Wait, ring)
	}
	if !within(rec.Talk, talk, time.Second) {
		t.Errorf("talk %v, want %v ± 1 s", rec.Talk, talk)
	}
	if rec.Answered.Sub(rec.Entered) != rec.Wait || rec.Ended.Sub(rec.Answered) < rec.Talk-50*time.Millisecond {
		t.Errorf("times disagree: entered %v answered %v ended %v, wait %v talk %v",
			rec.Entered, rec.Answered, rec.Ended, rec.Wait, rec.Talk)
	}

	// The recording: named by Hotline, written by Asterisk where it said.
	if rec.Recording.Name == "" || rec.Recording.Path == "" {
		t.Fatalf("record has no recording: %+v", rec.Recording)
	}
	file := filepath.Join(s.ast.root, rec.Recording.Path)
	s.eventually(5*time.Second, "recording file "+file, func() (bool, string) {
		fi, err := os.Stat(file)
		if err != nil {
			return false, err.Error()
		}
		// 3 s of 8 kHz 16-bit audio is 48 kB; a header alone is 44 bytes.
		return fi.Size() > 8000, "size " + fi.Name()
	})
	t.Cleanup(func() { _ = os.Remove(file) })

	// Asterisk's view: the caller was hung up, the bridge destroyed.
	s.noTaggedChannels(5 * time.Second)
	s.bridgeGone(bridge, 5*time.Second)
	if a := s.agent("bob"); a.Offered != 0 {
		t.Errorf("bob was offered %d calls, want 0", a.Offered)
	}
}

// channelName is the name Asterisk gives the channel, "" if it is gone.
func (s *scenario) channelName(id string) string {
	s.t.Helper()
	for _, ch := range s.ast.channels(s.t) {
		if ch.ID == id {
			return ch.Name
		}
	}
	return ""
}
