package esl_test

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
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

// callAction posts hold | unhold | transfer | complete on the call an agent
// is on; the daemon must agree.
func (s *fsScenario) callAction(agent, action, body string) {
	s.t.Helper()
	resp, err := http.Post("http://"+s.api+"/api/v1/agents/"+agent+"/call/"+action, "application/json", strings.NewReader(body))
	if err != nil {
		s.t.Fatalf("%s %s: %v", action, agent, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		s.t.Fatalf("%s %s %s: %s: %s", action, agent, body, resp.Status, b)
	}
}

// liveRecord waits until the record of the call from caller satisfies cond.
func (s *fsScenario) liveRecord(caller, what string, cond func(store.CallRecord) bool) store.CallRecord {
	s.t.Helper()
	var rec store.CallRecord
	s.eventually(30*time.Second, what, func() bool {
		for _, r := range s.records() {
			if r.Caller == caller && cond(r) {
				rec = r
				return true
			}
		}
		return false
	})
	return rec
}

// onHold reports whether FreeSWITCH plays the caller music on hold.
func (s *fsScenario) onHold(caller string) bool {
	c, ok := s.channelOf(caller)
	return ok && isMOH(c)
}

// offHold reports whether the caller is still on the line and hears no
// music on hold: a caller who hung up is not taken off hold.
func (s *fsScenario) offHold(caller string) bool {
	c, ok := s.channelOf(caller)
	return ok && !isMOH(c)
}

func isMOH(c map[string]string) bool {
	return c["application"] == "playback" && strings.HasPrefix(c["application_data"], "local_stream://")
}

// TestFreeSWITCHE2EHoldAndTransfer: on real FreeSWITCH, alice holds the
// caller (music on hold on the caller's channel, alice's leg up), takes it
// back, consults carol and completes; carol sends the caller to the
// billing queue, where bob takes it, consults carol and hangs up while her
// phone rings, which sends the caller on to her blind. One record: three
// transfers, four legs, the hold counted.
func TestFreeSWITCHE2EHoldAndTransfer(t *testing.T) {
	const caller = "5557801"
	s := newScenario(t, "park", `entries: [{number: "7800", queue: support}]
queues:
  - {name: support, ring_timeout: 5s, wrap_up: 500ms, moh: default, announce: {interval: 0s}}
  - {name: billing, ring_timeout: 5s, wrap_up: 500ms, moh: default, announce: {interval: 0s}}
agents:
  - {id: alice, endpoint: "@PHONE:answer-500@", queues: [{queue: support}], logged_in: true}
  - {id: bob, endpoint: "@PHONE:answer-600@", queues: [{queue: billing}], logged_in: true}
  - {id: carol, endpoint: "@PHONE:answer-2000@", logged_in: true}
`)
	s.start()
	s.call(farend.CallScript{From: caller, To: "7800", HangupAfter: 15 * time.Second})
	s.liveRecord(caller, "alice talks to the caller", func(r store.CallRecord) bool { return r.Agent == "alice" && !r.Bridged.IsZero() })

	s.callAction("alice", "hold", "")
	s.eventually(30*time.Second, "music on hold on the held caller", func() bool { return s.onHold(caller) })
	time.Sleep(time.Second)
	s.callAction("alice", "unhold", "")
	s.eventually(30*time.Second, "the music stops when alice takes the caller back", func() bool { return s.offHold(caller) })

	s.callAction("alice", "transfer", `{"agent":"carol","attended":true}`)
	s.eventually(30*time.Second, "the caller hears music during the consult", func() bool { return s.onHold(caller) })
	s.liveRecord(caller, "carol answers the consult", func(r store.CallRecord) bool {
		return slices.ContainsFunc(r.Timeline, func(st store.Step) bool { return st.Kind == "consult-answered" })
	})
	s.callAction("alice", "complete", "")
	s.liveRecord(caller, "carol takes the caller", func(r store.CallRecord) bool {
		return r.Agent == "carol" && s.offHold(caller)
	})
	s.callAction("carol", "transfer", `{"queue":"billing"}`)
	s.liveRecord(caller, "bob takes the caller from billing", func(r store.CallRecord) bool { return r.Agent == "bob" })
	time.Sleep(time.Second) // carol's wrap-up ends
	s.callAction("bob", "transfer", `{"agent":"carol","attended":true}`)
	s.callAction("bob", "hangup", "")
	last := s.liveRecord(caller, "carol takes the caller from bob", func(r store.CallRecord) bool { return r.Agent == "carol" && r.Transfers == 3 })
	if !slices.ContainsFunc(last.Timeline, func(st store.Step) bool { return st.Kind == "transfer" && strings.Contains(st.Detail, "while it rang") }) {
		t.Errorf("timeline %v: bob's hang-up is no blind transfer to the ringing carol", last.Timeline)
	}

	rec := s.waitRecord(caller, 20*time.Second)
	b, _ := json.Marshal(rec.Legs)
	t.Logf("legs %s; hold %v talk %v", b, rec.Hold, rec.Talk)
	var got []string
	for _, l := range rec.Legs {
		got = append(got, l.Agent+":"+string(l.Via))
	}
	if want := []string{"alice:", "carol:attended", "bob:blind", "carol:blind"}; !slices.Equal(got, want) {
		t.Errorf("legs %v, want %v", got, want)
	}
	if rec.Outcome != acd.OutcomeAnswered || rec.HangupBy != acd.HangupCaller || rec.Transfers != 3 || rec.Hold < time.Second {
		t.Errorf("outcome %s by %s, transfers %d, hold %v; want answered by the caller, 3, at least the 1 s hold", rec.Outcome, rec.HangupBy, rec.Transfers, rec.Hold)
	}
	if last := rec.Legs[len(rec.Legs)-1]; last.Talk < time.Second {
		t.Errorf("carol's last leg talked %v: the caller was not bridged with her", last.Talk)
	}
}

// TestFreeSWITCHE2ETransferToNumber: on real FreeSWITCH, alice sends the
// caller blind to an outside number (pbx.outside, a loopback number that
// answers in a second); the caller talks to it, and the record has alice's
// leg and the number's; the number's leg goes with the caller.
func TestFreeSWITCHE2ETransferToNumber(t *testing.T) {
	const caller, number = "5557901", "5551234"
	s := newScenario(t, "park", `entries: [{number: "7900", queue: support}]
queues:
  - {name: support, ring_timeout: 5s, wrap_up: 500ms, moh: default, announce: {interval: 0s}}
agents:
  - {id: alice, endpoint: "@PHONE:answer-500@", queues: [{queue: support}], logged_in: true}
`)
	cfg, err := os.ReadFile(s.config)
	if err != nil {
		t.Fatal(err)
	}
	outside := "  outside: \"[hltest_run=" + s.tag + "]loopback/outside-{number}/hotline-test-phone\"\n"
	if err := os.WriteFile(s.config, []byte(strings.Replace(string(cfg), "  type: freeswitch\n", "  type: freeswitch\n"+outside, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	s.start()
	s.call(farend.CallScript{From: caller, To: "7900", HangupAfter: 12 * time.Second})
	s.liveRecord(caller, "alice talks to the caller", func(r store.CallRecord) bool { return r.Agent == "alice" && !r.Bridged.IsZero() })
	s.callAction("alice", "transfer", `{"number":"`+number+`"}`)
	outsideLeg := func() bool {
		return slices.ContainsFunc(s.channels(), func(c map[string]string) bool {
			return strings.Contains(c["name"], "outside-"+number) && c["callstate"] == "ACTIVE"
		})
	}
	s.eventually(30*time.Second, "the outside number answers", outsideLeg)
	s.eventually(30*time.Second, "the music stops once the caller talks to the number", func() bool { return s.offHold(caller) })

	rec := s.waitRecord(caller, 20*time.Second)
	b, _ := json.Marshal(rec.Legs)
	t.Logf("legs %s", b)
	if len(rec.Legs) != 2 || rec.Legs[0].Agent != "alice" || rec.Legs[1].Number != number || rec.Legs[1].Talk < 5*time.Second {
		t.Errorf("legs %s; want alice, then %s talking until the caller hangs up", b, number)
	}
	if rec.Outcome != acd.OutcomeAnswered || rec.HangupBy != acd.HangupCaller || rec.Transfers != 1 || !hasKind(rec, "transfer-connect") {
		t.Errorf("outcome %s by %s, transfers %d; want answered by the caller, 1 transfer, connected", rec.Outcome, rec.HangupBy, rec.Transfers)
	}
	s.eventually(30*time.Second, "the outside leg is hung up with the caller", func() bool { return !outsideLeg() })
}

func hasKind(r store.CallRecord, kind string) bool {
	return slices.ContainsFunc(r.Timeline, func(st store.Step) bool { return st.Kind == kind })
}
