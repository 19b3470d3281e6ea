package ari_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/api"
	"github.com/hotline-cc/hotline/internal/seal"
)

// post sends body as JSON to the daemon and decodes the answer into out.
func (s *e2eScenario) post(path string, body, out any) {
	s.t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(s.d.api+path, "application/json", bytes.NewReader(b))
	if err != nil {
		s.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		s.t.Fatalf("POST %s: %s: %s", path, resp.Status, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			s.t.Fatalf("POST %s: %v\n%s", path, err, raw)
		}
	}
}

// withKey gives the scenario's daemon a key file, which turns contacts on.
func (s *e2eScenario) withKey() {
	s.t.Helper()
	k, err := seal.Generate("e2e")
	if err != nil {
		s.t.Fatal(err)
	}
	keyFile := filepath.Join(s.dir, "keys")
	if err := os.WriteFile(keyFile, []byte(k.String()+"\n"), 0o600); err != nil {
		s.t.Fatal(err)
	}
	f, err := os.OpenFile(s.config, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		s.t.Fatal(err)
	}
	defer f.Close()
	if _, err := fmt.Fprintf(f, "privacy:\n  key_file: %q\n", keyFile); err != nil {
		s.t.Fatal(err)
	}
}

// Issue 12's proof on real Asterisk: a known customer who gives up while
// their preferred agent rings becomes a callback task; their next call goes
// to that agent (not the one the queue's order names), whose screen pop
// carries the contact and the missed call; the disposition and notes the
// agent files are in the contact's history; another agent takes the task
// and closes it.
func TestAsteriskE2EKnownCallerPreferredAgentAndTask(t *testing.T) {
	const ring = 3 * time.Second
	s := newE2E(t, "contacts", map[string]e2ePhone{
		"alice": {Answer: time.Second},
		"bob":   {Answer: ring}, // stays on the line until the caller hangs up
	}, "")
	s.withKey()
	s.start()
	const number = "+12125550142"
	var carla contact.Contact
	s.post("/api/v1/contacts", map[string]any{"phones": []string{number}, "name": "Carla Quist", "preferred_agent": "bob"}, &carla)

	// 1. Carla hangs up while bob (her preferred agent) still rings.
	missed := s.call(e2eCaller{Number: "6700", From: number, HangupAfter: time.Second})
	rec := s.waitRecord(missed.Far, 15*time.Second, "the first call ends abandoned", e2eEnded)
	if rec.Outcome != acd.OutcomeAbandoned || rec.Contact != carla.ID || len(rec.Attempts) == 0 || rec.Attempts[0].Agent != "bob" {
		t.Fatalf("missed call: outcome %s, contact %d (want %d), attempts %v", rec.Outcome, rec.Contact, carla.ID, e2eAttempts(rec))
	}
	var open []contact.Task
	s.eventually(30*time.Second, "the missed call becomes an open task", func() (bool, string) {
		s.getJSON("/api/v1/tasks?state=open", &open)
		return len(open) == 1 && open[0].CallID == rec.ID && open[0].Reason == contact.MissedAbandoned, fmt.Sprintf("%+v", open)
	})
	s.eventually(30*time.Second, "bob available again", func() (bool, string) {
		st := s.agent("bob").State
		return st == "available", st
	})

	// 2. Her next call rings bob, though top-down would ring alice.
	pc := s.call(e2eCaller{Number: "6700", From: number})
	live, _ := s.bridged(pc, "bob", ring+10*time.Second)
	if got := e2eAttempts(live); len(got) == 0 || got[0] != "bob:answered" {
		t.Errorf("attempts %v, want bob first", got)
	}
	var offer api.Offer
	s.getJSON("/api/v1/agents/bob/offer", &offer)
	if offer.Contact == nil || offer.Contact.Name != "Carla Quist" || offer.Call == nil || offer.Call.Contact == nil ||
		offer.Call.Contact.ID != carla.ID || offer.Call.Contact.PreferredAgent != "bob" {
		t.Fatalf("bob's screen pop: %+v", offer)
	}
	if n := len(offer.Contact.Interactions); n != 2 || offer.Contact.Interactions[1].CallID != rec.ID ||
		offer.Contact.Interactions[1].Outcome != string(acd.OutcomeAbandoned) {
		t.Errorf("screen pop interactions %+v, want this call and the missed one", offer.Contact.Interactions)
	}

	// 3. bob files the outcome during the call; Carla hangs up.
	s.post("/api/v1/calls/"+live.ID+"/disposition", api.DispositionRequest{Disposition: "solved", Notes: "router reset, works again", Reason: "router"}, nil)
	s.ast.hangup(t, pc.Near)
	done := s.waitRecord(pc.Far, 10*time.Second, "the second call ends", e2eEnded)
	if done.Outcome != acd.OutcomeAnswered || done.Agent != "bob" || done.Disposition != "solved" || done.Notes != "router reset, works again" || done.Reason != "router" {
		t.Errorf("answered call: outcome %s agent %q disposition %q notes %q reason %q", done.Outcome, done.Agent, done.Disposition, done.Notes, done.Reason)
	}
	var page api.InteractionPage
	s.eventually(30*time.Second, "the history shows bob's disposition and notes", func() (bool, string) {
		s.getJSON(fmt.Sprintf("/api/v1/contacts/%d/interactions", carla.ID), &page)
		ok := len(page.Interactions) == 2 && page.Interactions[0].CallID == done.ID && page.Interactions[0].Agent == "bob" &&
			page.Interactions[0].Disposition == "solved" && strings.Contains(page.Interactions[0].Notes, "router reset")
		return ok, fmt.Sprintf("%+v", page.Interactions)
	})

	// 4. alice works the callback task and closes it.
	var task api.TaskView
	s.post("/api/v1/agents/alice/tasks/next", nil, &task)
	if task.ID != open[0].ID || task.Customer == nil || task.Customer.Phones[0] != number || task.State != contact.TaskClaimed {
		t.Fatalf("alice's task: %+v", task)
	}
	var closed contact.Task
	s.post("/api/v1/agents/alice/tasks/"+task.ID+"/close", api.CloseTaskRequest{Result: "reached"}, &closed)
	if closed.State != contact.TaskClosed || closed.Result != "reached" || closed.Agent != "alice" {
		t.Fatalf("closed task: %+v", closed)
	}
	var left []contact.Task
	s.getJSON("/api/v1/tasks?state=open", &left)
	if len(left) != 0 {
		t.Errorf("open tasks left: %+v", left)
	}
	var byNumber []api.Call
	s.getJSON("/api/v1/calls?number="+strings.TrimPrefix(number, "+1"), &byNumber)
	if recs := api.CallRecords(byNumber); len(recs) != 2 {
		t.Errorf("calls found by number: %d, want 2", len(recs))
	}
}
