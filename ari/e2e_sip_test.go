package ari_test

// Real SIP: SIPp callers on Asterisk's PJSIP trunk and SIPp agent phones on
// PJSIP endpoints (testdata/asterisk/pjsip.conf), driven by the real
// `hotline serve`. They need the Asterisk of asterisk.sh (which writes the
// SIP ports into HOTLINE_ASTERISK_SIP and HOTLINE_ASTERISK_SIP_AGENTS), sipp
// (Debian's sip-tester) and sox on PATH; without them they skip.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/internal/sipptest"
	"github.com/hotline-cc/hotline/store"
)

// sipPhone starts the phone of endpoint and waits until Asterisk's qualify
// has seen it online for longer than one qualify round (2 s, plus its
// 1.5 s timeout, testdata/asterisk/pjsip.conf). The endpoint's contact is
// static, so a phone of an earlier test on the same port leaves it
// "online" until a qualify it no longer answers times out; a call placed
// in that window fails with "Allocation failed", not as the phone would.
func (s *e2eScenario) sipPhone(env sipptest.Env, endpoint string, ph sipptest.Phone) *sipptest.Proc {
	s.t.Helper()
	p := env.Phone(s.t, endpoint, ph)
	const round = 4 * time.Second
	var since time.Time
	s.eventually(20*time.Second, "PJSIP/"+endpoint+" online for "+round.String(), func() (bool, string) {
		var ep struct {
			State string `json:"state"`
		}
		if err := s.ast.do(context.Background(), http.MethodGet, "/endpoints/PJSIP/"+url.PathEscape(endpoint), nil, nil, &ep); err != nil {
			since = time.Time{}
			return false, err.Error()
		}
		if ep.State != "online" {
			since = time.Time{}
			return false, "state " + ep.State
		}
		if since.IsZero() {
			since = time.Now()
		}
		return time.Since(since) >= round, "online since " + since.Format(time.TimeOnly)
	})
	return p
}

// endpointState waits until ARI shows PJSIP/endpoint in state.
func (s *e2eScenario) endpointState(endpoint, state string, timeout time.Duration) {
	s.t.Helper()
	s.eventually(timeout, "PJSIP/"+endpoint+" "+state, func() (bool, string) {
		var ep struct {
			State string `json:"state"`
		}
		if err := s.ast.do(context.Background(), http.MethodGet, "/endpoints/PJSIP/"+url.PathEscape(endpoint), nil, nil, &ep); err != nil {
			return false, err.Error()
		}
		return ep.State == state, "state " + ep.State
	})
}

// sipCall places a SIP caller into this test's application.
func (s *e2eScenario) sipCall(env sipptest.Env, number string, c sipptest.Caller) *sipptest.Proc {
	s.t.Helper()
	c.App = s.app
	return env.Call(s.t, number, c)
}

// sipRecord waits until the call from caller has a record for which cond
// holds.
func (s *e2eScenario) sipRecord(caller string, timeout time.Duration, what string, cond func(r store.CallRecord) bool) store.CallRecord {
	s.t.Helper()
	var rec store.CallRecord
	s.eventually(timeout, what, func() (bool, string) {
		for _, r := range s.records() {
			if r.Caller == caller {
				rec = r
				return cond(r), fmt.Sprintf("record: outcome %s, agent %q, attempts %v, timeline %v", r.Outcome, r.Agent, e2eAttempts(r), r.Timeline)
			}
		}
		return false, "no record from " + caller
	})
	return rec
}

// A SIP caller and a SIP agent talk with RTP both ways; the record says
// answered, and the recording holds both parties' tones.
func TestAsteriskSIPAnsweredRecorded(t *testing.T) {
	env := sipptest.Need(t)
	s := newE2E(t, "sip", nil, "")
	agent := s.sipPhone(env, "sip-agent1", sipptest.Phone{Mode: "answer", RingMs: 500})
	s.start()
	const from = "5557100"
	caller := s.sipCall(env, "7100", sipptest.Caller{From: from, Name: "Test Caller", HoldMs: 5000})
	if err := caller.Wait(t, 20*time.Second); err != nil {
		t.Errorf("sipp caller: %v (a failed call)", err)
	}
	rec := s.sipRecord(from, 10*time.Second, "the call is recorded as answered by one", func(r store.CallRecord) bool {
		return e2eEnded(r) && r.Recording.Path != ""
	})
	if rec.Outcome != "answered" || rec.Agent != "one" || rec.HangupBy != "caller" {
		t.Errorf("record: outcome %s, agent %q, hangup by %s; want answered, one, caller", rec.Outcome, rec.Agent, rec.HangupBy)
	}
	if rec.CallerName != "Test Caller" {
		t.Errorf("caller name %q, want the SIP display name", rec.CallerName)
	}
	if rec.Talk < 3*time.Second || rec.Talk > 5*time.Second {
		t.Errorf("talk %v, want about 4.5 s (caller held 5 s, agent rang 0.5 s)", rec.Talk)
	}
	file := filepath.Join(s.ast.root, rec.Recording.Path)
	s.eventually(30*time.Second, "the recording on disk", func() (bool, string) {
		st, err := os.Stat(file)
		return err == nil && st.Size() > 16000, fmt.Sprint(err)
	})
	callerLevel, agentLevel := sipptest.ToneLevel(t, file, "400-480"), sipptest.ToneLevel(t, file, "950-1050")
	t.Logf("recording %s: caller tone RMS %.3f, agent tone RMS %.3f", rec.Recording.Path, callerLevel, agentLevel)
	if callerLevel < 0.02 || agentLevel < 0.02 {
		t.Errorf("recording lacks a party: caller tone RMS %.3f, agent tone RMS %.3f (want both >= 0.02)", callerLevel, agentLevel)
	}
	_ = os.Remove(file)
	if !strings.Contains(agent.Trace(), `From: "Test Caller" <sip:5557100@`) {
		t.Errorf("the agent's phone was not shown the caller's name and number:\n%s", agent.Trace())
	}
}

// Each way an agent phone can fail to take a call is recorded as what it
// was: busy (486), declined (603), not answered, offline (no qualify answer).
func TestAsteriskSIPAgentFailures(t *testing.T) {
	env := sipptest.Need(t)
	s := newE2E(t, "sip", nil, "")
	s.sipPhone(env, "sip-agent1", sipptest.Phone{Mode: "busy"})
	s.sipPhone(env, "sip-agent2", sipptest.Phone{Mode: "decline"})
	s.sipPhone(env, "sip-agent3", sipptest.Phone{Mode: "noanswer"})
	s.endpointState("sip-offline", "offline", 10*time.Second)
	s.start()
	cases := []struct{ number, from, agent, want string }{
		{"7201", "5557201", "one", "busy"},
		{"7202", "5557202", "two", "rejected"},
		{"7203", "5557203", "three", "no-answer"},
		{"7204", "5557204", "offline", "unreachable"},
	}
	var callers []*sipptest.Proc
	for _, c := range cases {
		callers = append(callers, s.sipCall(env, c.number, sipptest.Caller{From: c.from, HoldMs: 5000}))
	}
	for i, c := range cases {
		_ = callers[i].Wait(t, 20*time.Second)
		rec := s.sipRecord(c.from, 10*time.Second, "the call to "+c.number+" ends", e2eEnded)
		if got := e2eAttempts(rec); len(got) == 0 || got[0] != c.agent+":"+c.want {
			t.Errorf("%s: attempts %v, want the first %s:%s", c.number, got, c.agent, c.want)
		}
	}
}
