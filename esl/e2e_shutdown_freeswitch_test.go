package esl_test

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/internal/campaigncheck"
)

// TestFreeSWITCHRestartedWhileHotlineDown: "hotline serve" is killed while
// a caller talks to an agent and another waits; FreeSWITCH is then
// restarted (its stop and start, as an admin would), dropping both, and
// Hotline started again. FreeSWITCH's uptime tells Hotline the switch
// started after it last saw the calls: both records say the system ended
// them (cause switch-shutdown), the waiting caller not abandoned.
//
// It restarts the shared FreeSWITCH through HOTLINE_FREESWITCH_SH (the
// path of freeswitch.sh), keeping its event socket port, and runs only with
// HOTLINE_FREESWITCH_SHUTDOWN=1.
func TestFreeSWITCHRestartedWhileHotlineDown(t *testing.T) {
	script := restartScript(t)
	s := newScenario(t, "park", `entries: [{number: "7950", queue: sales}]`+e2eQueue+e2eKim)
	s.start()
	s.call(farend.CallScript{From: "5557951", To: "7950"})
	s.eventually(30*time.Second, "the first caller talking", func() bool {
		c, ok := s.channelOf("5557951")
		return ok && c["callstate"] == "ACTIVE" && c["application"] != "playback" && bridged(s.records(), "5557951")
	})
	s.call(farend.CallScript{From: "5557952", To: "7950"})
	s.eventually(30*time.Second, "the second caller waiting", func() bool {
		c, ok := s.channelOf("5557952")
		return ok && c["application"] == "playback"
	})
	s.d.kill()
	s.restartFreeSWITCH(script)
	s.start()
	s.endedBySwitch("5557951", "5557952")
	var st engine.Status
	s.eventually(10*time.Second, "no call left, kim free", func() bool {
		if !s.getJSON("/api/v1/status", &st) || len(st.Calls) != 0 {
			return false
		}
		for _, a := range st.Agents {
			if a.ID == "kim" {
				return a.State == acd.Available.String() || a.State == acd.WrapUp.String()
			}
		}
		return false
	})
	for _, q := range st.Queues {
		if q.Abandoned != 0 {
			t.Errorf("queue %s counts %d abandoned; the switch's restart dropped the caller", q.Name, q.Abandoned)
		}
	}
}

// TestFreeSWITCHRestartedWhileHotlineDownCampaign: "hotline serve" is
// killed while a notification campaign has a lead ringing and another
// hearing its message; FreeSWITCH is restarted (stop and start), dropping
// both, and Hotline started again. The switch's uptime tells that its
// restart ended the dials: both leads are to be called again, last outcome
// switch-shutdown, cut once, counted neither failed nor abandoned, as
// after a shutdown Hotline saw; none is dialed again meanwhile.
//
// It restarts the shared FreeSWITCH, as TestFreeSWITCHRestartedWhileHotlineDown.
func TestFreeSWITCHRestartedWhileHotlineDownCampaign(t *testing.T) {
	script := restartScript(t)
	s := newScenario(t, "park", `entries: [{number: "7960", queue: sales}]`+e2eQueue+e2eKim+noticeCampaign())
	path := s.importNoticeLeads()
	s.start()
	s.startNotice()
	s.committed()
	s.d.kill()
	s.restartFreeSWITCH(script)
	s.start()
	s.noticeCut(path)
}

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
	s := newScenario(t, "park", `entries: [{number: "7900", queue: sales}]`+e2eQueue+e2eKim+noticeCampaign())
	path := s.importNoticeLeads()
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
	s.startNotice()

	s.down = true
	if reply := s.fs.api(t, "fsctl shutdown"); !strings.HasPrefix(reply, "+OK") {
		t.Fatalf("fsctl shutdown: %s", reply)
	}
	s.endedBySwitch("5557901", "5557902")
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
	s.noticeCut(path)
}

// e2eKim is an agent of queue sales, logged in, whose phone answers.
const e2eKim = `
agents:
  - {id: kim, name: Kim, endpoint: "@PHONE:answer-200@", queues: [{queue: sales}], logged_in: true}
`

// noticeCampaign is a notification campaign whose message lasts long,
// leads called again 10 minutes after a switch shutdown.
func noticeCampaign() string {
	return `campaigns:
  - name: notice
    kind: notification
    endpoint: "[hltest_run=@TAG@]loopback/{number}/hotline-test-lead"
    caller_id: "+15550000000"
    max_dials: 2
    ring_timeout: 60s
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    lead_hours: "00:00-24:00"
    retry: {max_attempts: 1, no_answer: 1h, switch_shutdown: 10m}
    message: [` + strings.Repeat("sound:queue-thankyou, ", 40) + `sound:queue-thankyou]
`
}

// importNoticeLeads puts into the scenario's store, before the daemon
// starts, a lead of campaign notice that rings on and one that answers
// and hears the message; it returns the store's path.
func (s *fsScenario) importNoticeLeads() string {
	s.t.Helper()
	path := filepath.Join(filepath.Dir(s.config), "hotline.db")
	if err := campaigncheck.ImportNoticeLeads(path, "notice", os.Getpid()); err != nil {
		s.t.Fatal(err)
	}
	return path
}

// startNotice starts campaign notice and waits until one lead rings and
// the other hears the message.
func (s *fsScenario) startNotice() {
	s.t.Helper()
	resp, err := http.Post("http://"+s.api+"/api/v1/campaigns/notice/start", "application/json", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		s.t.Fatalf("start campaign: %v %v", resp, err)
	}
	resp.Body.Close()
	s.eventually(30*time.Second, "one lead ringing, one hearing the message", func() bool {
		var list []engine.CampaignStatus
		return s.getJSON("/api/v1/campaigns", &list) && len(list) == 1 && list[0].Ringing == 1 && list[0].Live == 1
	})
	time.Sleep(500 * time.Millisecond)
}

// noticeCut waits until campaign notice has no dial left, stops the
// daemon and checks both leads were cut by the switch (campaigncheck.ShutDown).
func (s *fsScenario) noticeCut(path string) {
	s.t.Helper()
	var camp engine.CampaignStatus
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var list []engine.CampaignStatus
		if s.getJSON("/api/v1/campaigns", &list) && len(list) == 1 {
			camp = list[0]
			if c := camp.Stats; camp.Ringing == 0 && camp.Live == 0 && c.SwitchShutdown+c.Failed+c.NoAnswer+c.Abandoned >= 2 {
				break // both settled (the checks below say whether rightly)
			}
		}
	}
	s.d.stop()
	for _, bad := range campaigncheck.ShutDown(camp.Stats, 2, path, "notice") {
		s.t.Error(bad)
	}
}

// restartScript is freeswitch.sh, for the tests that restart the shared
// FreeSWITCH; they run only with HOTLINE_FREESWITCH_SHUTDOWN=1.
func restartScript(t *testing.T) string {
	t.Helper()
	if os.Getenv("HOTLINE_FREESWITCH_SHUTDOWN") != "1" {
		t.Skip("restarts the FreeSWITCH it runs on; set HOTLINE_FREESWITCH_SHUTDOWN=1 and HOTLINE_FREESWITCH_SH")
	}
	script := os.Getenv("HOTLINE_FREESWITCH_SH")
	if script == "" {
		t.Fatal("HOTLINE_FREESWITCH_SH must name freeswitch.sh, to restart FreeSWITCH")
	}
	return script
}

// restartFreeSWITCH stops and starts the shared FreeSWITCH with
// freeswitch.sh (script), keeping its event socket port.
func (s *fsScenario) restartFreeSWITCH(script string) {
	s.t.Helper()
	s.down = true
	_, port, err := net.SplitHostPort(s.fs.addr)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, step := range []string{"stop", "start"} {
		// 9>&-: a lock the caller holds on fd 9 stays with the caller, not
		// with the FreeSWITCH started here.
		cmd := exec.Command("bash", "-c", `exec 9>&-; bash "$0" "$1"`, script, step)
		cmd.Env = append(os.Environ(), "FS_ESL_PORT="+port)
		if out, err := cmd.CombinedOutput(); err != nil {
			s.t.Fatalf("freeswitch.sh %s: %v\n%s", step, err, out)
		}
	}
	s.down = false
}

// endedBySwitch waits for the records of a caller who talked and one who
// waited when the switch dropped them: both ended by the system, cause
// switch-shutdown, the waiting one failed (not abandoned).
func (s *fsScenario) endedBySwitch(talking, waiting string) {
	s.t.Helper()
	for _, caller := range []string{talking, waiting} {
		r := s.waitRecord(caller, 20*time.Second)
		want := acd.OutcomeFailed
		if caller == talking {
			want = acd.OutcomeAnswered
		}
		if r.HangupBy != acd.HangupSystem || r.Cause != "switch-shutdown" || r.Outcome != want {
			s.t.Errorf("caller %s: hung up by %s, cause %q, outcome %s (timeline %+v); want system, switch-shutdown, %s",
				caller, r.HangupBy, r.Cause, r.Outcome, r.Timeline, want)
		}
	}
}
