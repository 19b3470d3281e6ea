package ari_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/store"
)

// callAction posts hold | unhold | transfer | complete | cancel on the call
// an agent is on and fails the test unless the daemon agrees.
func (s *e2eScenario) callAction(agent, action, body string) {
	s.t.Helper()
	resp, err := http.Post(s.d.api+"/api/v1/agents/"+agent+"/call/"+action, "application/json", strings.NewReader(body))
	if err != nil {
		s.t.Fatalf("%s %s: %v", action, agent, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		s.t.Fatalf("%s %s %s: %s: %s", action, agent, body, resp.Status, b)
	}
}

// phoneOf is the id of the channel Hotline dialed to agent's phone.
func (s *e2eScenario) phoneOf(agent string) string {
	s.t.Helper()
	var id string
	s.eventually(10*time.Second, agent+"'s phone is dialed", func() (bool, string) {
		for _, ch := range s.ast.channels(s.t) {
			if strings.Contains(ch.Name, s.tag+agent+"@") && strings.HasSuffix(ch.Name, ";1") && ch.State == "Up" {
				id = ch.ID
				return true, ""
			}
		}
		return false, "no answered channel of " + agent
	})
	return id
}

// inBridge reports the bridge holding ch, "" if none.
func (s *e2eScenario) inBridge(ch string) string {
	for _, b := range s.ast.bridges(s.t) {
		if slices.Contains(b.Channels, ch) {
			return b.ID
		}
	}
	return ""
}

// TestAsteriskE2EHoldAndTransfer: on real Asterisk, alice holds the caller
// (out of the bridge, she stays), takes it back, consults carol and
// completes the transfer; carol sends it to the billing queue, bob takes it,
// consults carol and hangs up while her phone rings, which sends the caller
// on to her blind. One record: three transfers, four legs, the hold counted.
func TestAsteriskE2EHoldAndTransfer(t *testing.T) {
	phone := e2ePhone{Answer: time.Second}
	slow := e2ePhone{Answer: 3 * time.Second} // carol's phone rings long enough for bob to hang up first
	s := newE2E(t, "transfer", map[string]e2ePhone{"alice": phone, "bob": phone, "carol": slow}, "")
	s.start()
	pc := s.call(e2eCaller{Number: "6400", HangupAfter: 60 * time.Second})
	rec, _ := s.bridged(pc, "alice", 10*time.Second)
	alice := rec.AgentChannel

	s.callAction("alice", "hold", "")
	s.eventually(30*time.Second, "the held caller leaves the bridge, alice stays", func() (bool, string) {
		return s.inBridge(pc.Far) == "" && s.inBridge(alice) != "", "caller in " + s.inBridge(pc.Far) + ", alice in " + s.inBridge(alice)
	})
	time.Sleep(2 * time.Second)
	s.callAction("alice", "unhold", "")
	s.eventually(30*time.Second, "the caller is back with alice", func() (bool, string) {
		_, ok := s.ast.bridgeWith(s.t, pc.Far, alice)
		return ok, "no bridge with both"
	})

	s.callAction("alice", "transfer", `{"agent":"carol","attended":true}`)
	carol := s.phoneOf("carol")
	s.eventually(10*time.Second, "alice consults carol, the caller held", func() (bool, string) {
		_, ok := s.ast.bridgeWith(s.t, alice, carol)
		return ok && s.inBridge(pc.Far) == "", "caller in " + s.inBridge(pc.Far)
	})
	s.callAction("alice", "complete", "")
	s.eventually(30*time.Second, "the caller talks to carol, alice is gone", func() (bool, string) {
		_, ok := s.ast.bridgeWith(s.t, pc.Far, carol)
		return ok && !s.ast.hasChannel(s.t, alice), "not yet"
	})

	s.callAction("carol", "transfer", `{"queue":"billing"}`)
	bobRec := s.waitRecord(pc.Far, 10*time.Second, "bob takes the caller from billing", func(r store.CallRecord) bool {
		return r.Agent == "bob" && r.Queue == "billing"
	})
	s.eventually(30*time.Second, "the caller talks to bob", func() (bool, string) {
		_, ok := s.ast.bridgeWith(s.t, pc.Far, bobRec.AgentChannel)
		return ok, "no bridge"
	})
	time.Sleep(1500 * time.Millisecond) // carol's wrap-up ends: she may take the next transfer
	s.callAction("bob", "transfer", `{"agent":"carol","attended":true}`)
	s.callAction("bob", "hangup", "")
	last := s.waitRecord(pc.Far, 10*time.Second, "carol takes the caller from bob", func(r store.CallRecord) bool {
		return r.Agent == "carol" && r.Transfers == 3
	})
	if !slices.ContainsFunc(last.Timeline, func(st store.Step) bool { return st.Kind == "transfer" && strings.Contains(st.Detail, "while it rang") }) {
		t.Errorf("timeline %v: bob's hang-up is no blind transfer to the ringing carol", last.Timeline)
	}
	s.eventually(30*time.Second, "the caller talks to carol again", func() (bool, string) {
		_, ok := s.ast.bridgeWith(s.t, pc.Far, last.AgentChannel)
		return ok, "no bridge"
	})
	s.ast.hangup(t, pc.Near)
	rec = s.waitRecord(pc.Far, 10*time.Second, "the call ends", e2eEnded)
	b, _ := json.MarshalIndent(rec.Legs, "", " ")
	t.Logf("legs: %s; hold %v talk %v", b, rec.Hold, rec.Talk)
	var got []string
	for _, l := range rec.Legs {
		got = append(got, l.Agent+":"+string(l.Via))
	}
	if want := []string{"alice:", "carol:attended", "bob:blind", "carol:blind"}; !slices.Equal(got, want) {
		t.Errorf("legs %v, want %v", got, want)
	}
	for i := 1; i < len(rec.Legs); i++ {
		if rec.Legs[i].Start.Before(rec.Legs[i-1].End) {
			t.Errorf("leg %d starts at %v, before leg %d ended at %v", i, rec.Legs[i].Start, i-1, rec.Legs[i-1].End)
		}
	}
	if rec.Outcome != acd.OutcomeAnswered || rec.Transfers != 3 || rec.Hold < 2*time.Second || rec.Legs[0].Hold < 2*time.Second {
		t.Errorf("outcome %s transfers %d hold %v (alice's %v); want answered, 3, at least the 2 s hold", rec.Outcome, rec.Transfers, rec.Hold, rec.Legs[0].Hold)
	}
	var sum time.Duration
	for _, l := range rec.Legs {
		sum += l.Talk
	}
	if d := sum - rec.Talk; d < -5*time.Millisecond || d > 5*time.Millisecond { // the API gives each in milliseconds
		t.Errorf("talk %v is not the legs' %v", rec.Talk, sum)
	}
	s.noTaggedChannels(30 * time.Second)
}

// TestAsteriskE2ETransferToNumber: alice sends the caller blind to an
// outside number (pbx.outside, a Local channel that answers in a second);
// the caller talks to it, and the record has alice's leg and the number's.
func TestAsteriskE2ETransferToNumber(t *testing.T) {
	s := newE2E(t, "transfer", map[string]e2ePhone{"alice": {Answer: time.Second}, "bob": e2eNeverAnswers, "carol": e2eNeverAnswers}, "")
	cfg, err := os.ReadFile(s.config)
	if err != nil {
		t.Fatal(err)
	}
	outside := "  outside: \"Local/9-1-0-0--{number}@hotline-agents/n\"\n"
	if err := os.WriteFile(s.config, []byte(strings.Replace(string(cfg), "  type: asterisk\n", "  type: asterisk\n"+outside, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	s.start()
	pc := s.call(e2eCaller{Number: "6400", HangupAfter: 30 * time.Second})
	s.bridged(pc, "alice", 10*time.Second)
	s.callAction("alice", "transfer", `{"number":"5551234"}`)
	var far string
	s.eventually(10*time.Second, "the caller is bridged with the outside number", func() (bool, string) {
		for _, ch := range s.ast.channels(s.t) {
			if strings.Contains(ch.Name, "--5551234@hotline-agents") && strings.HasSuffix(ch.Name, ";1") {
				far = ch.ID
			}
		}
		if far == "" {
			return false, "no channel to the number"
		}
		_, ok := s.ast.bridgeWith(s.t, pc.Far, far)
		return ok, "not bridged with " + far
	})
	time.Sleep(time.Second)
	s.ast.hangup(t, pc.Near)
	rec := s.waitRecord(pc.Far, 10*time.Second, "the call ends", e2eEnded)
	if len(rec.Legs) != 2 || rec.Legs[0].Agent != "alice" || rec.Legs[1].Number != "5551234" || rec.Legs[1].Talk < 500*time.Millisecond {
		t.Errorf("legs %+v; want alice, then 5551234 talking about a second", rec.Legs)
	}
	if rec.Outcome != acd.OutcomeAnswered || rec.HangupBy != acd.HangupCaller || rec.Transfers != 1 {
		t.Errorf("outcome %s by %s, transfers %d; want answered by the caller, 1", rec.Outcome, rec.HangupBy, rec.Transfers)
	}
	s.eventually(30*time.Second, "the outside leg is hung up with the caller", func() (bool, string) {
		return !s.ast.hasChannel(s.t, far), far + " still up"
	})
}
