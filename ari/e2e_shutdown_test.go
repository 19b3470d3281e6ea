package ari_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/internal/campaigncheck"
)

// TestAsteriskE2ERestartedWhileHotlineDown: "hotline serve" is killed while
// a caller talks to an agent and another waits; Asterisk then restarts
// ("core restart now"), dropping both, and Hotline is started again.
// Asterisk's startup time tells Hotline the switch started after it last
// saw the calls: both records say the system ended them (cause
// switch-shutdown), the waiting caller not abandoned. A notification
// campaign had a lead ringing and another hearing its message: both are to
// be called again, last outcome switch-shutdown, neither failed nor
// abandoned.
//
// It restarts the Asterisk it runs on, so it runs only with
// HOTLINE_ASTERISK_SHUTDOWN=1.
func TestAsteriskE2ERestartedWhileHotlineDown(t *testing.T) {
	root := shutdownRoot(t, "restarts")
	s := newE2E(t, "shutdown", map[string]e2ePhone{"kim": {Answer: 500 * time.Millisecond}}, "")
	path := s.noticeLeads()
	s.start()
	talking := s.call(e2eCaller{Number: "6900", From: "5550951"})
	s.bridged(talking, "kim", 15*time.Second)
	waiting := s.queued(e2eCaller{Number: "6900", From: "5550952"})
	s.startNotice()
	s.durable()
	s.d.kill(t)
	if out, err := exec.Command("chroot", root, "/usr/sbin/asterisk", "-rx", "core restart now").CombinedOutput(); err != nil {
		t.Fatalf("core restart now: %v: %s", err, out)
	}
	// Until the restarted Asterisk answers ARI (the old one may still, for
	// a moment, as it stops).
	time.Sleep(2 * time.Second)
	s.eventually(60*time.Second, "Asterisk back", func() (bool, string) {
		err := s.ast.do(context.Background(), http.MethodGet, "/asterisk/info", nil, nil, nil)
		return err == nil, fmt.Sprint(err)
	})
	s.start()
	s.endedBySwitch(talking, waiting)
	s.eventually(10*time.Second, "no call left, kim free", func() (bool, string) {
		st := s.status()
		a := s.agent("kim")
		return len(st.Calls) == 0 && (a.State == acd.Available.String() || a.State == acd.WrapUp.String()), fmt.Sprintf("%d calls, kim %s", len(st.Calls), a.State)
	})
	for _, q := range s.status().Queues {
		if q.Abandoned != 0 {
			t.Errorf("queue %s counts %d abandoned; the switch's restart dropped the caller", q.Name, q.Abandoned)
		}
	}
	camp := s.noticeSettled()
	s.d.stop(t)
	for _, bad := range campaigncheck.ShutDown(camp.Stats, 2, path, "notice") {
		t.Error(bad)
	}
}

// TestAsteriskE2EShutdown: Asterisk is stopped ("core stop now") under a
// running "hotline serve" while a caller talks to an agent, another waits
// for one, and a notification campaign has a lead ringing and another
// hearing its message. Asterisk hangs them all up as it stops: both
// callers' records say the system ended them, cause switch-shutdown, the
// waiting one not abandoned; the agent is left logged in and free; both
// leads are to be called again, last outcome switch-shutdown, counted
// neither failed nor abandoned. The daemon keeps running without its
// switch and stops cleanly.
//
// It stops the Asterisk it runs on, so it runs only with
// HOTLINE_ASTERISK_SHUTDOWN=1 (start Asterisk again after it).
func TestAsteriskE2EShutdown(t *testing.T) {
	root := shutdownRoot(t, "stops")
	s := newE2E(t, "shutdown", map[string]e2ePhone{"kim": {Answer: 500 * time.Millisecond}}, "")
	path := s.noticeLeads()
	s.start()
	talking := s.call(e2eCaller{Number: "6900", From: "5550901"})
	s.bridged(talking, "kim", 15*time.Second)
	waiting := s.queued(e2eCaller{Number: "6900", From: "5550902"})
	s.startNotice()

	if out, err := exec.Command("chroot", root, "/usr/sbin/asterisk", "-rx", "core stop now").CombinedOutput(); err != nil {
		t.Fatalf("core stop now: %v: %s", err, out)
	}
	s.endedBySwitch(talking, waiting)
	// The status is the snapshot the engine publishes, up to 100 ms behind.
	s.eventually(10*time.Second, "kim free after the switch's shutdown (available, or in wrap-up)", func() (bool, string) {
		a := s.agent("kim")
		return a.State == acd.Available.String() || a.State == acd.WrapUp.String(), a.State
	})
	camp := s.noticeSettled()
	select {
	case <-s.d.exited:
		t.Fatalf("hotline exited when Asterisk stopped: %v", s.d.err)
	default:
	}
	s.d.stop(t)
	if s.d.err != nil {
		t.Errorf("hotline stopped without its switch: %v", s.d.err)
	}
	for _, bad := range campaigncheck.ShutDown(camp.Stats, 2, path, "notice") {
		t.Error(bad)
	}
}

// shutdownRoot skips unless HOTLINE_ASTERISK_SHUTDOWN=1 allows a test that
// stops or restarts (what) the Asterisk it runs on, and returns the chroot
// Asterisk runs in.
func shutdownRoot(t *testing.T, what string) string {
	t.Helper()
	if os.Getenv("HOTLINE_ASTERISK_SHUTDOWN") != "1" {
		t.Skip(what + " the Asterisk it runs on; set HOTLINE_ASTERISK_SHUTDOWN=1 (and start Asterisk again after)")
	}
	root := os.Getenv("HOTLINE_ASTERISK_ROOT")
	if root == "" {
		t.Fatal("HOTLINE_ASTERISK_ROOT must name the chroot Asterisk runs in (asterisk.sh env)")
	}
	return root
}

// endedBySwitch waits for the records of a caller who talked and one who
// waited when the switch dropped them: both ended by the system, cause
// switch-shutdown, the waiting one failed (not abandoned).
func (s *e2eScenario) endedBySwitch(talking, waiting e2ePlaced) {
	s.t.Helper()
	for _, caller := range []e2ePlaced{talking, waiting} {
		r := s.waitRecord(caller.Far, 20*time.Second, "the caller's record ends", e2eEnded)
		want := acd.OutcomeFailed
		if caller == talking {
			want = acd.OutcomeAnswered
		}
		if r.HangupBy != acd.HangupSystem || r.Cause != "switch-shutdown" || r.Outcome != want {
			s.t.Errorf("caller %s: hung up by %s, cause %q, outcome %s (timeline %+v); want system, switch-shutdown, %s",
				caller.Far, r.HangupBy, r.Cause, r.Outcome, r.Timeline, want)
		}
	}
}

// noticeLeads sets the scenario's notification campaign to about a minute
// of message (a lead still hears it when the switch goes) and puts into
// its store, before the daemon starts, a lead that rings on and one that
// answers; it returns the store's path.
func (s *e2eScenario) noticeLeads() string {
	s.t.Helper()
	message := strings.TrimSuffix(strings.Repeat("sound:hello-world, ", 40), ", ")
	body, err := os.ReadFile(s.config)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(s.config, []byte(strings.ReplaceAll(string(body), "@MESSAGE@", message)), 0o600); err != nil {
		s.t.Fatal(err)
	}
	path := filepath.Join(s.dir, "hotline.db")
	if err := campaigncheck.ImportNoticeLeads(path, "notice", os.Getpid()); err != nil {
		s.t.Fatal(err)
	}
	return path
}

// startNotice starts campaign notice and waits until one lead rings and
// the other hears the message.
func (s *e2eScenario) startNotice() {
	s.t.Helper()
	resp, err := http.Post(s.d.api+"/api/v1/campaigns/notice/start", "application/json", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		s.t.Fatalf("start the campaign: %v %v", resp, err)
	}
	resp.Body.Close()
	s.eventually(30*time.Second, "one lead ringing, one hearing the message", func() (bool, string) {
		var list []engine.CampaignStatus
		s.getJSON("/api/v1/campaigns", &list)
		return len(list) == 1 && list[0].Ringing == 1 && list[0].Live == 1, fmt.Sprintf("%+v", list)
	})
	time.Sleep(500 * time.Millisecond)
}

// noticeSettled waits until campaign notice has no dial left and returns
// its status.
func (s *e2eScenario) noticeSettled() engine.CampaignStatus {
	s.t.Helper()
	var camp engine.CampaignStatus
	s.eventually(10*time.Second, "both dials settled", func() (bool, string) {
		var list []engine.CampaignStatus
		s.getJSON("/api/v1/campaigns", &list)
		if len(list) != 1 {
			return false, fmt.Sprintf("%+v", list)
		}
		camp = list[0]
		return camp.Ringing == 0 && camp.Live == 0, fmt.Sprintf("%+v", camp)
	})
	return camp
}
