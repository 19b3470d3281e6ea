package ari_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/store"
)

// TestAsteriskE2EHangUpAfterConsultAnswered: on real Asterisk, alice
// consults carol, carol answers, and alice hangs up from the desk: as a
// desk phone's attended transfer, the transfer completes. The caller talks
// to carol, alice's leg is gone, and the record has alice's leg and
// carol's (attended), with the consult counted as alice's hold.
func TestAsteriskE2EHangUpAfterConsultAnswered(t *testing.T) {
	phone := e2ePhone{Answer: time.Second}
	s := newE2E(t, "transfer", map[string]e2ePhone{"alice": phone, "bob": phone, "carol": phone}, "")
	s.start()
	pc := s.call(e2eCaller{Number: "6400", HangupAfter: 60 * time.Second})
	rec, _ := s.bridged(pc, "alice", 10*time.Second)
	alice := rec.AgentChannel

	s.callAction("alice", "transfer", `{"agent":"carol","attended":true}`)
	carol := s.phoneOf("carol")
	s.eventually(10*time.Second, "alice consults carol, the caller held", func() (bool, string) {
		_, ok := s.ast.bridgeWith(s.t, alice, carol)
		return ok && s.inBridge(pc.Far) == "", "caller in " + s.inBridge(pc.Far)
	})
	time.Sleep(time.Second) // the consult: counted as alice's hold
	s.callAction("alice", "hangup", "")
	s.eventually(30*time.Second, "the caller talks to carol, alice is gone", func() (bool, string) {
		_, ok := s.ast.bridgeWith(s.t, pc.Far, carol)
		return ok && !s.ast.hasChannel(s.t, alice), "not yet"
	})
	live := s.waitRecord(pc.Far, 30*time.Second, "carol holds the call", func(r store.CallRecord) bool { return r.Agent == "carol" && r.Transfers == 1 })
	if !slices.ContainsFunc(live.Timeline, func(st store.Step) bool {
		return st.Kind == "transfer" && strings.Contains(st.Detail, "attended → agent carol (hung up from the desk)")
	}) {
		t.Errorf("timeline %v: alice's hang-up is no attended transfer to carol", live.Timeline)
	}
	time.Sleep(time.Second) // carol talks
	s.ast.hangup(t, pc.Near)
	rec = s.waitRecord(pc.Far, 10*time.Second, "the call ends", e2eEnded)
	if len(rec.Legs) != 2 || rec.Legs[0].Agent != "alice" || rec.Legs[1].Agent != "carol" || rec.Legs[1].Via != acd.TransferAttended {
		t.Fatalf("legs %+v; want alice then carol (attended)", rec.Legs)
	}
	if rec.Outcome != acd.OutcomeAnswered || rec.Legs[0].Hold < time.Second || rec.Legs[1].Talk < time.Second {
		t.Errorf("outcome %s, alice's hold %v, carol's talk %v; want answered, the consult as hold, carol talking", rec.Outcome, rec.Legs[0].Hold, rec.Legs[1].Talk)
	}
	s.noTaggedChannels(30 * time.Second)
}
