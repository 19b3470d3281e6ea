package ari_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/store"
)

// On real Asterisk, callers keep coming to three agents while Hotline is
// killed with SIGKILL at random moments (whatever each call is doing then:
// waiting, ringing an agent, talking, in wrap-up) and started again. Once
// the callers are gone: every caller has one ended record, no channel of
// the test is left and every agent is ready again.
func TestAsteriskE2ERandomKills(t *testing.T) { runAsteriskChaos(t, false) }

// The same, with agents and supervisors acting at random meanwhile: hold,
// unhold, a blind transfer back to the queue, pause, ready, log out, log
// in. At the end every agent is logged in and made ready.
func TestAsteriskE2ERandomKillsAndActions(t *testing.T) { runAsteriskChaos(t, true) }

// chaosActions are the requests runAsteriskChaos makes at random, by path
// below /api/v1/agents/NAME/.
var chaosActions = []struct{ path, body string }{
	{"call/hold", ""}, {"call/unhold", ""}, {"call/transfer", `{"queue":"sales"}`},
	{"pause", `{"reason":"chaos"}`}, {"ready", ""}, {"logout", ""}, {"login", ""},
}

func runAsteriskChaos(t *testing.T, actions bool) {
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("HOTLINE_CHAOS_SEED"); v != "" { // replay a run's moments
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	t.Logf("seed %d (HOTLINE_CHAOS_SEED replays it)", seed)
	s := newE2E(t, "chaos", map[string]e2ePhone{
		"ann": {Answer: 400 * time.Millisecond, Hangup: 4500 * time.Millisecond},
		"ben": {Answer: 1500 * time.Millisecond, Hangup: 6 * time.Second},
		"cat": {Answer: 2500 * time.Millisecond, Hangup: 3500 * time.Millisecond},
	}, "")
	d := s.start()
	var callers []string
	nextKill := time.Now().Add(time.Duration(1500+rng.IntN(2500)) * time.Millisecond)
	kills := 0
	done := map[string]int{}
	for i := range 24 {
		from := fmt.Sprintf("55569%02d", i)
		// Some give up while they wait; the others outlast any agent's talk.
		patience := time.Duration(1500+rng.IntN(9000)) * time.Millisecond
		s.call(e2eCaller{Number: "6950", From: from, HangupAfter: patience})
		callers = append(callers, from)
		time.Sleep(time.Duration(300+rng.IntN(700)) * time.Millisecond)
		if actions {
			for range 1 + rng.IntN(2) {
				a := chaosActions[rng.IntN(len(chaosActions))]
				agent := []string{"ann", "ben", "cat"}[rng.IntN(3)]
				code := post(d.api+"/api/v1/agents/"+agent+"/"+a.path, a.body)
				done[a.path+" "+strconv.Itoa(code)]++
			}
		}
		if time.Now().After(nextKill) {
			d.kill(t)
			kills++
			time.Sleep(time.Duration(rng.IntN(1200)) * time.Millisecond)
			d = s.start()
			nextKill = time.Now().Add(time.Duration(1500+rng.IntN(2500)) * time.Millisecond)
		}
	}
	t.Logf("%d callers, %d kills; requests %v", len(callers), kills, done)
	for _, a := range []string{"ann", "ben", "cat"} {
		for _, path := range []string{"login", "ready"} {
			if code := post(d.api+"/api/v1/agents/"+a+"/"+path, ""); code != http.StatusOK {
				t.Errorf("%s %s: %d", path, a, code)
			}
		}
	}
	s.eventually(40*time.Second, "every caller's record ended", func() (bool, string) {
		ended := map[string]int{}
		for _, r := range s.records() {
			if !r.Ended.IsZero() {
				ended[r.Caller]++
			}
		}
		for _, c := range callers {
			if ended[c] == 0 {
				return false, "caller " + c + " has no ended record"
			}
		}
		return true, ""
	})
	byCaller := map[string][]store.CallRecord{}
	for _, r := range s.records() {
		byCaller[r.Caller] = append(byCaller[r.Caller], r)
	}
	outcomes := map[acd.Outcome]int{}
	for _, c := range callers {
		recs := byCaller[c]
		if len(recs) != 1 {
			t.Errorf("caller %s has %d records, want 1", c, len(recs))
			continue
		}
		r := recs[0]
		outcomes[r.Outcome]++
		switch {
		case r.Outcome != acd.OutcomeAnswered && r.Outcome != acd.OutcomeAbandoned:
			t.Errorf("caller %s: outcome %s, want answered or abandoned", c, r.Outcome)
		case r.Outcome == acd.OutcomeAnswered && (r.Agent == "" || r.Talk > 10*time.Second):
			t.Errorf("caller %s: answered by %q with talk %v", c, r.Agent, r.Talk)
		}
	}
	t.Logf("outcomes %v", outcomes)
	if !actions {
		// Each caller entered the queue once, whatever the kills cut: the
		// restarted daemon's counters and the records say so alike (the
		// published status lags the engine by up to 100 ms).
		s.eventually(5*time.Second, "queue sales counted as the records", func() (bool, string) {
			var q engine.QueueStatus
			for _, qs := range s.status().Queues {
				if qs.Name == "sales" {
					q = qs
				}
			}
			return q.Offered == len(callers) && q.Answered == outcomes[acd.OutcomeAnswered] && q.Abandoned == outcomes[acd.OutcomeAbandoned],
				fmt.Sprintf("offered %d answered %d abandoned %d; the records: %d callers, %v", q.Offered, q.Answered, q.Abandoned, len(callers), outcomes)
		})
	}
	s.noTaggedChannels(15 * time.Second)
	for _, a := range []string{"ann", "ben", "cat"} {
		s.eventually(30*time.Second, a+" ready", func() (bool, string) {
			st := s.agent(a).State
			return st == "available", st
		})
	}
}

// post sends a request and returns its status (0 when nobody answered).
func post(url, body string) int {
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
