package esl_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/api"
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
	path := filepath.Join(filepath.Dir(s.config), "hotline.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inside, _ := fsLeadZones(time.Now())
	phone := fmt.Sprintf("%s%d%05d", fsLeadPrefix[fsPerson], os.Getpid()%10, 1)
	if _, err := db.ImportLeads([]campaign.Lead{{Campaign: "drive", Phone: phone, TimeZone: inside}}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s.start()
	resp, err := http.Post("http://"+s.api+"/api/v1/campaigns/drive/start", "application/json", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("start the campaign: %v %v", resp, err)
	}
	resp.Body.Close()
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
	s.eventually(10*time.Second, "the daemon's records committed", func() bool {
		var h api.Health
		return s.getJSON("/healthz", &h) && h.Store != nil && h.Store.Queued == 0
	})
	s.d.kill()
	t.Logf("hotline killed while lead %s talks to a1 on call %s", phone, call.ID)

	s.start()
	s.eventually(5*time.Second, "the restarted daemon keeps the lead's call with a1", func() bool {
		_, ok := talking(call.ID)
		return ok
	})
	var rec store.CallRecord
	s.eventually(talk+10*time.Second, "a1 hangs up and the record ends", func() bool {
		for _, r := range s.records() {
			if r.ID == call.ID {
				rec = r
				return !r.Ended.IsZero() && r.Outcome != acd.OutcomeInProgress
			}
		}
		return false
	})
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

	db, err = store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var l campaign.Lead
	if err := db.CampaignLeads("drive", func(x campaign.Lead) bool { l = x; return true }); err != nil {
		t.Fatal(err)
	}
	records := 0
	for r, err := range db.Calls(store.Filter{Direction: acd.DirectionOutbound}) {
		if err == nil && r.Called == phone {
			records++
		}
	}
	if l.State != campaign.Done || l.Disposition != "completed" || l.Attempts != 1 || records != 1 {
		t.Errorf("lead after the call: %s %q after %d attempts, %d records; want done, completed, dialed once", l.State, l.Disposition, l.Attempts, records)
	}
	if c := st[0].Stats; c.Dialed != 1 || c.Answered != 1 || c.Connected != 1 || c.Abandoned != 0 {
		t.Errorf("campaign counts %+v; want one dial, answered and connected", c)
	}
}
