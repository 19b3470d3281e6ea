package esl_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/api"
	"github.com/hotline-cc/hotline/internal/campaigncheck"
	"github.com/hotline-cc/hotline/store"
)

// TestFreeSWITCHE2ECampaignRestartKeepsLead: Hotline is killed with
// SIGKILL while a campaign's lead (a loopback channel that stays until hung
// up) talks to agent a1 on real FreeSWITCH, and started again on the same
// store. The conversation goes on with a1 on it; a1's hang-up ends the
// call, whose record has the whole talk time; after wrap-up the lead is
// done, settled once, and it is never dialed again.
func TestFreeSWITCHE2ECampaignRestartKeepsLead(t *testing.T) {
	const talk = 15 * time.Second
	s := newScenario(t, "park", fsCampaignBody("progressive", 1, fsAgents(talk, "a1")))
	path, phones := fsStartLeads(t, s, fsPerson)
	phone := phones[0]
	talking := func(id string) (engine.CallStatus, bool) {
		var st engine.Status
		if !s.getJSON("/api/v1/status", &st) {
			return engine.CallStatus{}, false
		}
		for _, c := range st.Calls {
			if (id == "" || c.ID == id) && c.Agent == "a1" && c.Phase == "bridged" {
				return c, true
			}
		}
		return engine.CallStatus{}, false
	}
	var call engine.CallStatus
	s.eventually(20*time.Second, "the lead talks to a1", func() bool {
		var ok bool
		call, ok = talking("")
		return ok
	})
	s.committed()
	s.d.kill()
	t.Logf("hotline killed while lead %s talks to a1 on call %s", phone, call.ID)

	s.start()
	s.eventually(30*time.Second, "the restarted daemon keeps the lead's call with a1", func() bool {
		_, ok := talking(call.ID)
		return ok
	})
	rec := s.recordEnded(talk+10*time.Second, "a1 hangs up and the record ends", call.ID)
	if rec.Outcome != acd.OutcomeAnswered || rec.Agent != "a1" || rec.HangupBy != acd.HangupAgent || rec.Direction != acd.DirectionOutbound {
		t.Errorf("the lead's call: %s %s, agent %q, hangup by %s; want outbound, answered by a1, hung up by a1", rec.Direction, rec.Outcome, rec.Agent, rec.HangupBy)
	}
	if d := rec.Talk - talk; d < -1500*time.Millisecond || d > 1500*time.Millisecond {
		t.Errorf("the lead's call: talk %v, want %v ± 1.5 s (the whole conversation, across the restart)", rec.Talk, talk)
	}
	var st []engine.CampaignStatus
	s.eventually(10*time.Second, "a1 out of wrap-up, the lead settled", func() bool {
		var status engine.Status
		return s.getJSON("/api/v1/status", &status) && len(status.Agents) == 1 && status.Agents[0].State == acd.Available.String() &&
			s.getJSON("/api/v1/campaigns", &st) && len(st) == 1 && st[0].Live == 0
	})
	s.d.stop()

	leads, dials, err := campaigncheck.Read(path, "drive")
	if err != nil {
		t.Fatal(err)
	}
	l, records := leads[phone], len(dials[phone])
	if l.State != campaign.Done || l.Disposition != "completed" || l.Attempts != 1 || records != 1 {
		t.Errorf("lead after the call: %s %q after %d attempts, %d records; want done, completed, dialed once", l.State, l.Disposition, l.Attempts, records)
	}
	if c := st[0].Stats; c.Dialed != 1 || c.Answered != 1 || c.Connected != 1 || c.Abandoned != 0 {
		t.Errorf("campaign counts %+v; want one dial, answered and connected", c)
	}
}

// fsStartLeads imports one lead of campaign drive per kind, due in that
// order, into the scenario's store, starts the daemon and the campaign;
// it returns the store's path and the leads' numbers.
func fsStartLeads(t *testing.T, s *fsScenario, kinds ...fsLeadKind) (path string, phones []string) {
	t.Helper()
	// newScenario puts the store beside the config.
	path = filepath.Join(filepath.Dir(s.config), "hotline.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inside, _ := fsLeadZones(time.Now())
	due := time.Now().Add(-time.Hour)
	var list []campaign.Lead
	for i, k := range kinds {
		phone := fmt.Sprintf("%s%d%05d", fsPrefix(k), os.Getpid()%10, i+1)
		list = append(list, campaign.Lead{Campaign: "drive", Phone: phone, TimeZone: inside, NextAttempt: due.Add(time.Duration(i) * time.Millisecond)})
		phones = append(phones, phone)
	}
	if _, err := db.ImportLeads(list); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s.start()
	resp, err := http.Post("http://"+s.api+"/api/v1/campaigns/drive/start", "application/json", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("start the campaign: %v %v", resp, err)
	}
	resp.Body.Close()
	return path, phones
}

// fsSlow is a person who rings six seconds before answering (+3398... in
// hotline-test-lead).
const fsSlow fsLeadKind = "slow"

// TestFreeSWITCHE2ECampaignRestartWhileLeadsRing: Hotline is killed with
// SIGKILL while two leads ring on real FreeSWITCH (loopback channels: one
// answers 6 s after its dial, one never) and started again on the same
// store. The restart neither hangs them up nor takes them for callers: the
// first answers into the campaign and talks to an agent, the second ends
// at its ring timeout as no-answer. One attempt, one record each; no
// attempt is settled by the restart.
func TestFreeSWITCHE2ECampaignRestartWhileLeadsRing(t *testing.T) {
	body := strings.Replace(fsCampaignBody("progressive", 1, fsAgents(4*time.Second, "a1", "a2")), "    ring_timeout: 2s\n", "    ring_timeout: 10s\n", 1)
	s := newScenario(t, "park", body)
	path, phones := fsStartLeads(t, s, fsSlow, fsNever)
	slow, never := phones[0], phones[1]
	var st engine.CampaignStatus
	campaigns := func() bool {
		var list []engine.CampaignStatus
		ok := s.getJSON("/api/v1/campaigns", &list) && len(list) == 1
		if ok {
			st = list[0]
		}
		return ok
	}
	s.eventually(30*time.Second, "both leads ring", func() bool { return campaigns() && st.Ringing == 2 })
	s.committed()
	s.d.kill()
	t.Logf("hotline killed while leads %s and %s ring", slow, never)

	s.start()
	s.eventually(10*time.Second, "the slow lead answers after the restart and talks to an agent", func() bool {
		var status engine.Status
		return s.getJSON("/api/v1/status", &status) && slices.ContainsFunc(status.Calls, func(c engine.CallStatus) bool {
			return c.Agent != "" && c.Phase == "bridged"
		})
	})
	s.eventually(15*time.Second, "the leads' attempts over, the agents out of wrap-up", func() bool {
		ended := 0
		for _, r := range s.records() {
			if (r.Called == slow || r.Called == never) && !r.Ended.IsZero() && r.Outcome != acd.OutcomeInProgress {
				ended++
			}
		}
		var status engine.Status
		return ended >= 2 && s.getJSON("/api/v1/status", &status) && !slices.ContainsFunc(status.Agents, func(a engine.AgentStatus) bool {
			return a.State != acd.Available.String()
		}) && campaigns()
	})
	for _, r := range s.records() {
		if r.Direction == acd.DirectionInbound {
			t.Errorf("inbound record %s from %s: a lead taken for a caller", r.ID, r.Caller)
		}
	}
	s.d.stop()

	leads, dials, err := campaigncheck.Read(path, "drive")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range campaigncheck.RingingKept(leads, dials, slow, never) {
		t.Error(bad)
	}
	if c := st.Stats; c.Failed != 0 || c.Connected != 1 || c.Abandoned != 0 {
		t.Errorf("campaign counts %+v; want no attempt failed by the restart, one connected", c)
	}
}

// TestFreeSWITCHE2ECampaignRestartLostLiveRecord: Hotline is killed while
// an answered lead waits for an agent on real FreeSWITCH (a1 never
// answers; connect_within is 6 s), and the live record of its call is
// taken out of the store, as a kill between the answer's write and that
// record's leaves it. Back after the lead's connect_within, the restart
// makes its call again from its record and plays it the safe-harbour
// message at once; the lead counts as abandoned and rests 72 hours. One
// attempt, one record.
func TestFreeSWITCHE2ECampaignRestartLostLiveRecord(t *testing.T) {
	agent := "  - {id: a1, endpoint: \"@PHONE:noanswer@\", queues: [{queue: outbound}], logged_in: true}\n"
	body := strings.Replace(fsCampaignBody("progressive", 1, agent), "    ring_timeout: 2s\n", "    ring_timeout: 2s\n    connect_within: 6s\n", 1)
	s := newScenario(t, "park", body)
	path, phones := fsStartLeads(t, s, fsPerson)
	phone := phones[0]
	var call engine.CallStatus
	s.eventually(10*time.Second, "the lead answers and waits for a1", func() bool {
		var st engine.Status
		if !s.getJSON("/api/v1/status", &st) || len(st.Calls) != 1 || st.Calls[0].Phase == "bridged" {
			return false
		}
		call = st.Calls[0]
		return true
	})
	answered := time.Now()
	s.committed()
	s.d.kill()
	if err := campaigncheck.DropLive(path, call.ID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(answered.Add(7 * time.Second)))
	s.start()
	rec := s.recordEnded(10*time.Second, "the lead hears the safe-harbour message and is hung up", call.ID)
	var st []engine.CampaignStatus
	if !s.getJSON("/api/v1/campaigns", &st) || len(st) != 1 {
		t.Fatal("no campaign status")
	}
	s.d.stop()

	leads, _, err := campaigncheck.Read(path, "drive")
	if err != nil {
		t.Fatal(err)
	}
	l := leads[phone]
	for _, bad := range campaigncheck.Abandoned(phone, l, rec, helloWorldPlays) {
		t.Error(bad)
	}
	if l.Attempts != 1 || campaigncheck.StepAt(rec, "lead-readopted").IsZero() {
		t.Errorf("lead %s: %d attempts, timeline %+v; want one attempt, its call made again", phone, l.Attempts, rec.Timeline)
	}
	if c := st[0].Stats; c.Dialed != 1 || c.Answered != 1 || c.Abandoned != 1 || c.Failed != 0 {
		t.Errorf("campaign counts %+v; want one dial, answered and abandoned", c)
	}
}

// TestFreeSWITCHE2ECampaignRestartAfterUnseenAnswer: Hotline is killed
// while a lead rings on real FreeSWITCH (it answers 6 s after its dial,
// then waits parked) and stays down past the answer and its two seconds.
// The restart finds the lead answered, Dialing in the store: it plays it
// the safe-harbour message at once and hangs up; the lead counts as
// abandoned and rests 72 hours. One attempt, one record.
func TestFreeSWITCHE2ECampaignRestartAfterUnseenAnswer(t *testing.T) {
	body := strings.Replace(fsCampaignBody("progressive", 1, fsAgents(4*time.Second, "a1")), "    ring_timeout: 2s\n", "    ring_timeout: 10s\n", 1)
	s := newScenario(t, "park", body)
	path, phones := fsStartLeads(t, s, fsSlow)
	phone := phones[0]
	s.eventually(30*time.Second, "the lead rings", func() bool {
		var list []engine.CampaignStatus
		return s.getJSON("/api/v1/campaigns", &list) && len(list) == 1 && list[0].Ringing == 1
	})
	rang := time.Now()
	s.committed()
	s.d.kill()
	time.Sleep(time.Until(rang.Add(9 * time.Second))) // answered at 6 s, its two seconds over
	s.start()
	var rec store.CallRecord
	s.eventually(10*time.Second, "the lead hears the safe-harbour message and is hung up", func() bool {
		for _, r := range s.records() {
			if r.Called == phone {
				rec = r
				return !r.Ended.IsZero() && r.Outcome != acd.OutcomeInProgress
			}
		}
		return false
	})
	s.d.stop()

	leads, dials, err := campaigncheck.Read(path, "drive")
	if err != nil {
		t.Fatal(err)
	}
	l := leads[phone]
	for _, bad := range campaigncheck.Abandoned(phone, l, rec, helloWorldPlays) {
		t.Error(bad)
	}
	if l.Attempts != 1 || len(dials[phone]) != 1 {
		t.Errorf("lead %s: %d attempts, %d records; want one attempt, one record", phone, l.Attempts, len(dials[phone]))
	}
}

// recordEnded waits up to d for the record of call id to end and returns
// it.
func (s *fsScenario) recordEnded(d time.Duration, what, id string) store.CallRecord {
	s.t.Helper()
	var rec store.CallRecord
	s.eventually(d, what, func() bool {
		for _, r := range s.records() {
			if r.ID == id {
				rec = r
				return !r.Ended.IsZero() && r.Outcome != acd.OutcomeInProgress
			}
		}
		return false
	})
	return rec
}

// committed waits until the daemon's writes are durable.
func (s *fsScenario) committed() {
	s.t.Helper()
	s.eventually(10*time.Second, "the daemon's records committed", func() bool {
		var h api.Health
		return s.getJSON("/healthz", &h) && h.Store != nil && h.Store.Queued == 0
	})
}
