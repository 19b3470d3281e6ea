package ari_test

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/internal/linkcut"
)

// startBehindProxy runs the linkcut scenario with Hotline reaching ARI
// through a proxy, and a first caller talking to jack, whose phone hangs up
// jackTalk after answering.
func startBehindProxy(t *testing.T, jackTalk time.Duration) (*e2eScenario, *linkcut.Relay, *e2eDaemon, e2ePlaced) {
	t.Helper()
	ast := e2eNeed(t)
	u, err := url.Parse(ast.url)
	if err != nil {
		t.Fatal(err)
	}
	proxy := linkcut.New(t, u.Host)
	s := newE2E(t, "linkcut", map[string]e2ePhone{
		"jack": {Answer: time.Second, Hangup: jackTalk},
		"kim":  {Answer: time.Second},
	}, "http://"+proxy.Addr+u.Path)
	d := s.start()
	talking := s.call(e2eCaller{Number: "6600", From: "5550601"})
	s.bridged(talking, "jack", 8*time.Second)
	return s, proxy, d, talking
}

// Issue scenario 6: the link to ARI is cut (TCP proxy closes every
// connection and refuses new ones for a while). Hotline reconnects and
// reconciles: the call whose agent hung up during the cut and the caller
// who hung up during it are closed in the records, the caller who waited
// through it is served, and nothing is left in Asterisk.
func TestAsteriskE2ELinkCutReconciles(t *testing.T) {
	const jackTalk = 4 * time.Second
	s, proxy, d, talking := startBehindProxy(t, jackTalk)
	answeredAt := time.Now()
	waiting := s.call(e2eCaller{Number: "6600", From: "5550602"})
	leaving := s.call(e2eCaller{Number: "6600", From: "5550603", HangupAfter: 2 * time.Second})
	s.eventually(30*time.Second, "two callers wait", func() (bool, string) {
		c2, ok2 := s.liveCall(waiting.Far)
		c3, ok3 := s.liveCall(leaving.Far)
		return ok2 && ok3 && c2.Phase == "queued" && c3.Phase == "queued", "waiting: " + c2.Phase + ", leaving: " + c3.Phase
	})

	proxy.Cut()
	cutAt := time.Now()
	t.Logf("link cut %v after jack answered", cutAt.Sub(answeredAt).Round(time.Millisecond))
	// jack hangs up and the third caller leaves while Hotline cannot see.
	s.eventually(jackTalk+30*time.Second, "jack's phone and the third caller hang up during the cut", func() (bool, string) {
		jack := len(s.phoneChannels("jack"))
		left := s.ast.hasChannel(t, leaving.Far)
		return jack == 0 && !left, "jack's legs " + e2eChannelIDs(s.phoneChannels("jack"))
	})
	time.Sleep(time.Second)
	if !s.ast.hasChannel(t, talking.Far) {
		t.Fatalf("the first caller is gone during the cut; nothing should hang it up but Hotline")
	}
	proxy.Resume(t)
	t.Logf("link back after %v", time.Since(cutAt).Round(time.Millisecond))

	s.eventually(30*time.Second, "Hotline reconnects", func() (bool, string) {
		return d.logLines("connected to ARI", "reconnect=true") > 0, "no reconnect in the log yet"
	})
	rec := s.waitRecord(talking.Far, 30*time.Second, "jack's call is closed after the cut", e2eEnded)
	if rec.Outcome != acd.OutcomeAnswered || rec.Agent != "jack" || rec.HangupBy != acd.HangupAgent {
		t.Errorf("jack's call: outcome %s, agent %q, hangup by %s; want answered, jack, agent", rec.Outcome, rec.Agent, rec.HangupBy)
	}
	s.eventually(30*time.Second, "Hotline hangs up the first caller, alone in its bridge", func() (bool, string) {
		return !s.ast.hasChannel(t, talking.Far), talking.Far + " still up"
	})
	rec = s.waitRecord(leaving.Far, 30*time.Second, "the caller who left during the cut is closed", e2eEnded)
	if rec.Outcome != acd.OutcomeAbandoned || len(rec.Attempts) != 0 {
		t.Errorf("third call: outcome %s, attempts %v; want abandoned, none", rec.Outcome, e2eAttempts(rec))
	}

	// The caller who waited through the cut goes to jack after his wrap-up.
	served, _ := s.bridged(waiting, "jack", 8*time.Second)
	if got := e2eAttempts(served); !slices.Equal(got, []string{"jack:answered"}) {
		t.Errorf("waiting call's attempts %v, want [jack:answered]", got)
	}
	served = s.waitRecord(waiting.Far, jackTalk+5*time.Second, "the waiting caller's call ends", e2eEnded)
	if served.Outcome != acd.OutcomeAnswered || served.Agent != "jack" {
		t.Errorf("waiting call: outcome %s, agent %q; want answered by jack", served.Outcome, served.Agent)
	}
	s.noTaggedChannels(30 * time.Second)
	// Status is a snapshot the engine publishes (at most a second old).
	s.eventually(30*time.Second, "status lists no live calls", func() (bool, string) {
		st := s.status()
		return len(st.Calls) == 0, fmt.Sprintf("%+v", st.Calls)
	})
}

// The link goes half-open: every connection Hotline has to ARI (the event
// websocket and idle REST connections) stops carrying bytes without being
// closed, while new connections work. Hotline must notice by its pings,
// connect again, and carry on: the conversation under way ends with a
// complete record and the waiting caller is served.
func TestAsteriskE2ELinkFreezeReconnects(t *testing.T) {
	const jackTalk = 6 * time.Second
	s, proxy, d, talking := startBehindProxy(t, jackTalk)
	waiting := s.call(e2eCaller{Number: "6600", From: "5550612"})
	s.eventually(30*time.Second, "the second caller waits", func() (bool, string) {
		c, ok := s.liveCall(waiting.Far)
		return ok && c.Phase == "queued", "waiting: " + c.Phase
	})

	frozeAt := time.Now()
	n := proxy.Freeze()
	t.Logf("froze %d connections", n)
	s.eventually(5*time.Second, "Hotline notices the silent link and connects again", func() (bool, string) {
		return d.logLines("connected to ARI", "reconnect=true") > 0, "no reconnect in the log yet"
	})
	t.Logf("reconnected %v after the freeze", time.Since(frozeAt).Round(100*time.Millisecond))

	rec := s.waitRecord(talking.Far, jackTalk+12*time.Second, "jack's call ends", e2eEnded)
	if rec.Outcome != acd.OutcomeAnswered || rec.Agent != "jack" || rec.HangupBy != acd.HangupAgent {
		t.Errorf("jack's call: outcome %s, agent %q, hangup by %s; want answered, jack, agent", rec.Outcome, rec.Agent, rec.HangupBy)
	}
	servedAt := time.Now()
	served, _ := s.bridged(waiting, "jack", 15*time.Second)
	t.Logf("waiting caller bridged %v after the first call ended", time.Since(servedAt).Round(100*time.Millisecond))
	if got := e2eAttempts(served); !slices.Equal(got, []string{"jack:answered"}) {
		t.Errorf("waiting call's attempts %v, want [jack:answered]", got)
	}
	served = s.waitRecord(waiting.Far, jackTalk+12*time.Second, "the waiting caller's call ends", e2eEnded)
	if served.Outcome != acd.OutcomeAnswered {
		t.Errorf("waiting call: outcome %s, want answered", served.Outcome)
	}
	s.noTaggedChannels(12 * time.Second)
}
