package esl_test

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
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

// On real FreeSWITCH, callers keep coming to three agents while Hotline is
// killed with SIGKILL at random moments (whatever each call is doing then:
// waiting, ringing an agent, talking, in wrap-up) and started again. Once
// the callers are gone: every caller has one ended record, no channel is
// left on the switch and every agent is ready again.
func TestFreeSWITCHE2ERandomKills(t *testing.T) { runFSChaos(t, false) }

// The same, with agents and supervisors acting at random meanwhile: hold,
// unhold, a blind transfer back to the queue, pause, ready, log out, log
// in. At the end every agent is logged in and made ready.
func TestFreeSWITCHE2ERandomKillsAndActions(t *testing.T) { runFSChaos(t, true) }

// fsChaosActions are the requests runFSChaos makes at random, by path
// below /api/v1/agents/NAME/.
var fsChaosActions = []struct{ path, body string }{
	{"call/hold", ""}, {"call/unhold", ""}, {"call/transfer", `{"queue":"sales"}`},
	{"pause", `{"reason":"chaos"}`}, {"ready", ""}, {"logout", ""}, {"login", ""},
}

func runFSChaos(t *testing.T, actions bool) {
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("HOTLINE_CHAOS_SEED"); v != "" { // replay a run's moments
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	t.Logf("seed %d (HOTLINE_CHAOS_SEED replays it)", seed)
	s := newScenario(t, "park", `entries: [{number: "7950", queue: sales}]
queues:
  - {name: sales, strategy: longest-idle, ring_timeout: 3s, retry_delay: 200ms, wrap_up: 700ms, moh: default, announce: {interval: 0s}}
agents:
  - {id: ann, endpoint: "@PHONE:answer-400-hangup-4500@", queues: [{queue: sales}], logged_in: true}
  - {id: ben, endpoint: "@PHONE:answer-1500-hangup-6000@", queues: [{queue: sales}], logged_in: true}
  - {id: cat, endpoint: "@PHONE:answer-2500-hangup-3500@", queues: [{queue: sales}], logged_in: true}
`)
	s.start()
	var callers []string
	nextKill := time.Now().Add(time.Duration(1500+rng.IntN(2500)) * time.Millisecond)
	kills := 0
	done := map[string]int{}
	for i := range 24 {
		from := fmt.Sprintf("55579%02d", i)
		// Some give up while they wait; the others outlast any agent's talk.
		patience := time.Duration(1500+rng.IntN(9000)) * time.Millisecond
		s.call(farend.CallScript{From: from, To: "7950", HangupAfter: patience})
		callers = append(callers, from)
		time.Sleep(time.Duration(300+rng.IntN(700)) * time.Millisecond)
		if actions {
			for range 1 + rng.IntN(2) {
				a := fsChaosActions[rng.IntN(len(fsChaosActions))]
				agent := []string{"ann", "ben", "cat"}[rng.IntN(3)]
				code := s.post("/api/v1/agents/"+agent+"/"+a.path, a.body)
				done[a.path+" "+strconv.Itoa(code)]++
			}
		}
		if time.Now().After(nextKill) {
			s.d.kill()
			kills++
			time.Sleep(time.Duration(rng.IntN(1200)) * time.Millisecond)
			s.start()
			nextKill = time.Now().Add(time.Duration(1500+rng.IntN(2500)) * time.Millisecond)
		}
	}
	t.Logf("%d callers, %d kills; requests %v", len(callers), kills, done)
	for _, a := range []string{"ann", "ben", "cat"} {
		for _, path := range []string{"login", "ready"} {
			if code := s.post("/api/v1/agents/"+a+"/"+path, ""); code != http.StatusOK {
				t.Errorf("%s %s: %d", path, a, code)
			}
		}
	}
	deadline := 40 * time.Second
	s.eventually(deadline, "every caller's record ended", func() bool {
		ended := map[string]int{}
		for _, r := range s.records() {
			if !r.Ended.IsZero() {
				ended[r.Caller]++
			}
		}
		for _, c := range callers {
			if ended[c] == 0 {
				return false
			}
		}
		return true
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
		var st struct {
			Queues []struct {
				Name                         string
				Offered, Answered, Abandoned int
			}
		}
		counted := func() bool {
			if !s.getJSON("/api/v1/status", &st) || len(st.Queues) != 1 {
				return false
			}
			q := st.Queues[0]
			return q.Offered == len(callers) && q.Answered == outcomes[acd.OutcomeAnswered] && q.Abandoned == outcomes[acd.OutcomeAbandoned]
		}
		for end := time.Now().Add(5 * time.Second); !counted() && time.Now().Before(end); {
			time.Sleep(100 * time.Millisecond)
		}
		if len(st.Queues) != 1 {
			t.Fatalf("status queues %+v", st.Queues)
		}
		if q := st.Queues[0]; q.Offered != len(callers) || q.Answered != outcomes[acd.OutcomeAnswered] || q.Abandoned != outcomes[acd.OutcomeAbandoned] {
			t.Errorf("queue sales after the kills: offered %d answered %d abandoned %d; the records: %d callers, %v",
				q.Offered, q.Answered, q.Abandoned, len(callers), outcomes)
		}
	}
	var left []string
	for end := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		left = left[:0]
		for _, ch := range s.channels() {
			left = append(left, ch["name"]+" ("+ch["uuid"]+")")
		}
		if len(left) == 0 || time.Now().After(end) {
			break
		}
	}
	if len(left) > 0 {
		t.Errorf("channels left on the switch: %s", strings.Join(left, ", "))
	}
	for _, a := range []string{"ann", "ben", "cat"} {
		s.eventually(30*time.Second, a+" ready", func() bool { return s.agentState(a) == "available" })
	}
}

// post sends a request to the daemon and returns its status (0 when the
// daemon did not answer).
func (s *fsScenario) post(path, body string) int {
	resp, err := http.Post("http://"+s.api+path, "application/json", strings.NewReader(body))
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
