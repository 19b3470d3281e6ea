package esl_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/internal/campaigncheck"
	"github.com/hotline-cc/hotline/store"
)

// TestFreeSWITCHShutdown: FreeSWITCH is shut down (fsctl shutdown) under a
// running "hotline serve" while a caller talks to an agent, another waits
// for one, and a notification campaign has a lead ringing and another
// hearing its message. FreeSWITCH hangs them all up (SYSTEM_SHUTDOWN):
// both callers' records say the system ended them, cause switch-shutdown,
// the waiting one not abandoned; the agent is left logged in, not paused;
// both leads are to be called again, last outcome switch-shutdown, counted
// neither failed nor abandoned.
//
// It stops the shared FreeSWITCH, so it runs only with
// HOTLINE_FREESWITCH_SHUTDOWN=1; start FreeSWITCH again after it.
func TestFreeSWITCHShutdown(t *testing.T) {
	if os.Getenv("HOTLINE_FREESWITCH_SHUTDOWN") != "1" {
		t.Skip("stops the FreeSWITCH it runs on; set HOTLINE_FREESWITCH_SHUTDOWN=1 (and start FreeSWITCH again after)")
	}
	s := newScenario(t, "park", `entries: [{number: "7900", queue: sales}]`+e2eQueue+`
agents:
  - {id: kim, name: Kim, endpoint: "@PHONE:answer-200@", queues: [{queue: sales}], logged_in: true}
campaigns:
  - name: notice
    kind: notification
    endpoint: "[hltest_run=@TAG@]loopback/{number}/hotline-test-lead"
    caller_id: "+15550000000"
    max_dials: 2
    ring_timeout: 60s
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    lead_hours: "00:00-24:00"
    retry: {max_attempts: 1, no_answer: 1h, switch_shutdown: 10m}
    message: [`+strings.Repeat("sound:queue-thankyou, ", 40)+`sound:queue-thankyou]
`)
	path := filepath.Join(filepath.Dir(s.config), "hotline.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pid := os.Getpid() % 10
	ringing, hearing := fmt.Sprintf("+3393%d00001", pid), fmt.Sprintf("+3391%d00002", pid)
	due := time.Now().Add(-time.Hour)
	if _, err := db.ImportLeads([]campaign.Lead{
		{Campaign: "notice", Phone: ringing, NextAttempt: due},
		{Campaign: "notice", Phone: hearing, NextAttempt: due.Add(time.Millisecond)},
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s.start()
	s.call(farend.CallScript{From: "5557901", To: "7900"})
	s.eventually(30*time.Second, "the first caller talking", func() bool {
		c, ok := s.channelOf("5557901")
		return ok && c["callstate"] == "ACTIVE" && c["application"] != "playback"
	})
	s.call(farend.CallScript{From: "5557902", To: "7900"})
	s.eventually(30*time.Second, "the second caller waiting", func() bool {
		c, ok := s.channelOf("5557902")
		return ok && c["application"] == "playback"
	})
	resp, err := http.Post("http://"+s.api+"/api/v1/campaigns/notice/start", "application/json", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("start campaign: %v %v", resp, err)
	}
	resp.Body.Close()
	s.eventually(30*time.Second, "one lead ringing, one hearing the message", func() bool {
		var list []engine.CampaignStatus
		return s.getJSON("/api/v1/campaigns", &list) && len(list) == 1 && list[0].Ringing == 1 && list[0].Live == 1
	})
	time.Sleep(500 * time.Millisecond)

	s.down = true
	if reply := s.fs.api(t, "fsctl shutdown"); !strings.HasPrefix(reply, "+OK") {
		t.Fatalf("fsctl shutdown: %s", reply)
	}
	for _, caller := range []string{"5557901", "5557902"} {
		r := s.waitRecord(caller, 20*time.Second)
		want := acd.OutcomeFailed
		if caller == "5557901" {
			want = acd.OutcomeAnswered
		}
		if r.HangupBy != acd.HangupSystem || r.Cause != "switch-shutdown" || r.Outcome != want {
			t.Errorf("caller %s: hung up by %s, cause %q, outcome %s; want system, switch-shutdown, %s", caller, r.HangupBy, r.Cause, r.Outcome, want)
		}
	}
	// The status is the snapshot the engine publishes, up to 100 ms behind.
	s.eventually(10*time.Second, "agent kim free after the switch's shutdown (available, or in wrap-up)", func() bool {
		var st engine.Status
		if !s.getJSON("/api/v1/status", &st) {
			return false
		}
		for _, a := range st.Agents {
			if a.ID == "kim" {
				return a.State == acd.Available.String() || a.State == acd.WrapUp.String()
			}
		}
		return false
	})
	var camp engine.CampaignStatus
	s.eventually(10*time.Second, "both dials settled", func() bool {
		var list []engine.CampaignStatus
		if !s.getJSON("/api/v1/campaigns", &list) || len(list) != 1 {
			return false
		}
		camp = list[0]
		return camp.Ringing == 0 && camp.Live == 0
	})
	s.d.stop()
	for _, bad := range campaigncheck.ShutDown(camp.Stats, 2, path, "notice") {
		t.Error(bad)
	}
}
