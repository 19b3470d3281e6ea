package ari_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/internal/campaigncheck"
	"github.com/hotline-cc/hotline/store"
)

// dialplanLog keeps, per channel, the dialplan applications Asterisk ran,
// as an observer subscribed to all of Asterisk's events sees them.
type dialplanLog struct {
	mu   sync.Mutex
	apps map[string][]dialplanStep
}

type dialplanStep struct {
	App, Data string
	At        time.Time
}

func watchDialplan(t *testing.T, a *asterisk, app string) *dialplanLog {
	t.Helper()
	l := &dialplanLog{apps: map[string][]dialplanStep{}}
	conn := a.subscribeAll(t, app)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			var e struct {
				Type    string `json:"type"`
				App     string `json:"dialplan_app"`
				Data    string `json:"dialplan_app_data"`
				Channel struct {
					ID string `json:"id"`
				} `json:"channel"`
			}
			if json.Unmarshal(msg, &e) != nil {
				continue
			}
			if e.Type == "ChannelDialplan" {
				l.mu.Lock()
				l.apps[e.Channel.ID] = append(l.apps[e.Channel.ID], dialplanStep{App: e.App, Data: e.Data, At: time.Now()})
				l.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		_ = conn.Close()
		<-done
	})
	return l
}

// played is when channel ch began Playback of data (alone or in
// ExecIf(...?Playback(data))), and when the dialplan went on to Hangup after it.
func (l *dialplanLog) played(ch, data string) (began, hungUp time.Time, steps []dialplanStep) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.apps[ch] {
		switch {
		case began.IsZero() && (s.App == "Playback" && s.Data == data || s.App == "ExecIf" && strings.HasSuffix(s.Data, "?Playback("+data+")")):
			began = s.At
		case !began.IsZero() && s.App == "Hangup":
			hungUp = s.At
		}
	}
	return began, hungUp, append([]dialplanStep(nil), l.apps[ch]...)
}

// leadRings waits until the campaign's one lead, phone, rings and returns
// the record of its dial.
func (s *e2eScenario) leadRings(phone string) store.CallRecord {
	s.t.Helper()
	var rec store.CallRecord
	s.eventually(10*time.Second, "the lead rings", func() (bool, string) {
		for _, r := range s.records() {
			if r.Called == phone {
				rec = r
			}
		}
		var st []engine.CampaignStatus
		s.getJSON("/api/v1/campaigns", &st)
		return rec.Channel != "" && st[0].Ringing == 1, fmt.Sprintf("%+v", st[0])
	})
	return rec
}

// inDetection waits until the answer of the lead phone runs AMD() in the
// detection context, as watch sees it, and returns the record of its dial.
func (s *e2eScenario) inDetection(watch *dialplanLog, phone string) store.CallRecord {
	s.t.Helper()
	var rec store.CallRecord
	s.eventually(20*time.Second, "the lead's answer in detection", func() (bool, string) {
		for _, r := range s.records() {
			if r.Called == phone {
				rec = r
			}
		}
		watch.mu.Lock()
		defer watch.mu.Unlock()
		for _, st := range watch.apps[rec.Channel] {
			if st.App == "AMD" {
				return true, ""
			}
		}
		return false, fmt.Sprintf("dialplan %+v", watch.apps[rec.Channel])
	})
	return rec
}

// TestAsteriskE2ECampaignRestartUnattendedAnswer: Hotline is killed with
// SIGKILL while a lead rings (a Local channel that answers 6 s after its
// dial); it answers while Hotline is down. With no application to enter,
// the lead context "hotline dialplan render" writes plays it the
// campaign's safe-harbour message (Asterisk's dialplan events show it
// played to its end before the hang-up) instead of hanging up. Started
// again, Hotline counts that attempt as a live answer abandoned: the lead
// rests 72 hours, the campaign counts it answered and abandoned, not
// failed; one attempt, one record.
func TestAsteriskE2ECampaignRestartUnattendedAnswer(t *testing.T) {
	agents := map[string]e2ePhone{"a1": e2eNeverAnswers, "a2": e2eNeverAnswers, "a3": e2eNeverAnswers}
	s, path, kindOf, _ := e2eCampaignStart(t, e2eRun{mode: "progressive", agents: agents, loggedOut: []string{"a2", "a3"},
		order: []e2eLeadKind{e2eSlow}, settings: []string{"ring_timeout: 20s"}})
	var phone string
	for p := range kindOf {
		phone = p
	}
	watch := watchDialplan(t, s.ast, fmt.Sprintf("unattended-watch-%d", time.Now().UnixNano()))
	rec := s.leadRings(phone)
	s.durable()
	s.d.kill(t)
	t.Logf("hotline killed while lead %s rings on %s", phone, rec.Channel)

	var began, hungUp time.Time
	var steps []dialplanStep
	s.eventually(20*time.Second, "the lead answers, hears the safe-harbour message and is hung up", func() (bool, string) {
		began, hungUp, steps = watch.played(rec.Channel, "hello-world")
		return !began.IsZero() && !hungUp.IsZero(), fmt.Sprintf("dialplan %+v", steps)
	})
	// hello-world lasts about a second and a half: heard to its end.
	if hungUp.Sub(began) < time.Second {
		t.Errorf("the lead was hung up %v after the message began; want it heard out (steps %+v)", hungUp.Sub(began), steps)
	}
	if s.ast.hasChannel(t, rec.Channel) {
		t.Errorf("the lead's channel %s is still up after its message", rec.Channel)
	}

	s.start()
	rec = s.recordEnded(10*time.Second, "the attempt settled", rec.ID)
	var st []engine.CampaignStatus
	s.getJSON("/api/v1/campaigns", &st)
	s.d.stop(t)

	leads, dials := e2eCampaignStore(t, path)
	l := leads[phone]
	for _, bad := range campaigncheck.Abandoned(phone, l, rec, 0) {
		t.Error(bad)
	}
	if l.LastOutcome != campaign.Abandoned || l.Attempts != 1 || len(dials[phone]) != 1 || rec.Outcome != acd.OutcomeAbandoned {
		t.Errorf("lead %s: last %s after %d attempts, %d records, record %s; want abandoned, one attempt, one record", phone, l.LastOutcome, l.Attempts, len(dials[phone]), rec.Outcome)
	}
	if c := st[0].Stats; c.Dialed != 1 || c.Answered != 1 || c.Abandoned != 1 || c.Failed != 0 {
		t.Errorf("campaign counts %+v; want one dial, answered and abandoned, none failed", c)
	}
	if st[0].AbandonRate == 0 {
		t.Errorf("abandonment rate %g; want the abandon in the cap's window", st[0].AbandonRate)
	}
}

// TestAsteriskE2ECampaignRestartDuringDetection: Hotline is killed while an
// answering machine's answer runs through the detection context
// (hotline-amd: AMD(), then waiting past the greeting and beep) and started
// again before detection ends. The restart takes the channel up as a dial
// still going on; back in the application with AMDSTATUS MACHINE, it is a
// machine: it hears the machine message and the lead is retried after the
// machine delay, one attempt, one record, nothing failed by the restart.
func TestAsteriskE2ECampaignRestartDuringDetection(t *testing.T) {
	agents := map[string]e2ePhone{"a1": e2eNeverAnswers, "a2": e2eNeverAnswers, "a3": e2eNeverAnswers}
	s, path, kindOf, _ := e2eCampaignStart(t, e2eRun{mode: "progressive", agents: agents, loggedOut: []string{"a2", "a3"},
		order: []e2eLeadKind{e2eMachine}, settings: []string{"answering_machine: message", "machine_message: [sound:hello-world]", "ring_timeout: 10s"}})
	var phone string
	for p := range kindOf {
		phone = p
	}
	watch := watchDialplan(t, s.ast, fmt.Sprintf("detection-watch-%d", time.Now().UnixNano()))
	rec := s.inDetection(watch, phone)
	s.d.kill(t)
	s.start()
	rec = s.recordEnded(30*time.Second, "the machine's attempt over", rec.ID)
	var st []engine.CampaignStatus
	s.getJSON("/api/v1/campaigns", &st)
	s.noTaggedChannels(30 * time.Second)
	s.d.stop(t)

	if rec.Cause == "restart" || !e2eHasStep(rec, "machine", "MACHINE") || rec.Agent != "" {
		t.Errorf("the machine's record: %s, cause %q, agent %q, timeline %+v; want its machine verdict, not settled by the restart", rec.Outcome, rec.Cause, rec.Agent, rec.Timeline)
	}
	leads, dials := e2eCampaignStore(t, path)
	if l := leads[phone]; l.LastOutcome != campaign.Machine || l.Attempts != 1 || len(dials[phone]) != 1 {
		t.Errorf("machine lead: last %s after %d attempts, %d records; want its machine outcome, one record", l.LastOutcome, l.Attempts, len(dials[phone]))
	}
	if c := st[0].Stats; c.Machine != 1 || c.Failed != 0 || c.Answered != 0 {
		t.Errorf("campaign counts %+v; want one machine, nothing failed or answered live", c)
	}
}
