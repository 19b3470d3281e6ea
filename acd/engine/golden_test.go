package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/kpi"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

const basicConfig = `
entries:
  - {number: "100", queue: support}
queues:
  - name: support
    strategy: longest-idle
    ring_timeout: 10s
    wrap_up: 5s
    service_level: 20s
    max_no_answer: 2
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
  - {id: bob, endpoint: sim/bob, queues: [{queue: support}]}
`

func placeCall(at time.Duration, from, to string, hangupAfter time.Duration) scheduled {
	return scheduled{at: at, call: &farend.CallScript{From: from, To: to, HangupAfter: hangupAfter}}
}

func TestGoldenTraces(t *testing.T) {
	scenarios := []scenario{
		{
			name:   "answered",
			config: basicConfig,
			phones: map[string]farend.Phone{
				"sim/alice": {Mode: farend.PhoneAnswer, AnswerDelay: 2 * time.Second, HangupAfter: 30 * time.Second},
				"sim/bob":   {Mode: farend.PhoneAnswer, AnswerDelay: 3 * time.Second, HangupAfter: 30 * time.Second},
			},
			login:  []string{"alice", "bob"},
			events: []scheduled{placeCall(time.Second, "5550001", "100", 0)},
			until:  time.Minute,
			check: func(t *testing.T, st *memStore, r *SimRun) {
				if len(st.finished) != 1 {
					t.Fatalf("finished calls = %d, want 1", len(st.finished))
				}
				rec := st.calls[st.finished[0]]
				if rec.Outcome != acd.OutcomeAnswered || rec.Agent == "" || rec.HangupBy != acd.HangupAgent {
					t.Errorf("record = %+v", rec)
				}
				if rec.Talk < 29*time.Second || rec.Talk > 31*time.Second {
					t.Errorf("talk = %v, want about 30s", rec.Talk)
				}
				if rec.WrapUp != 5*time.Second {
					t.Errorf("wrap-up = %v, want 5s", rec.WrapUp)
				}
			},
		},
		{
			name:   "no-answer-then-next",
			config: basicConfig,
			phones: map[string]farend.Phone{
				"sim/alice": {Mode: farend.PhoneNoAnswer},
				"sim/bob":   {Mode: farend.PhoneAnswer, AnswerDelay: time.Second, HangupAfter: 20 * time.Second},
			},
			login: []string{"alice", "bob"},
			events: []scheduled{
				placeCall(time.Second, "5550001", "100", 0),
				placeCall(40*time.Second, "5550002", "100", 0),
			},
			until: 3 * time.Minute,
			check: func(t *testing.T, st *memStore, r *SimRun) {
				s := r.Core.Status(r.Clock.Now())
				for _, a := range s.Agents {
					if a.ID == "alice" && (a.State != "paused" || a.Reason != "no-answer") {
						t.Errorf("alice = %s (%s), want paused (no-answer) after 2 unanswered offers", a.State, a.Reason)
					}
				}
				for _, id := range st.finished {
					if rec := st.calls[id]; rec.Outcome != acd.OutcomeAnswered || rec.Agent != "bob" {
						t.Errorf("call %s: outcome %s agent %s, want answered by bob", id, rec.Outcome, rec.Agent)
					}
				}
			},
		},
		{
			name:   "abandon",
			config: basicConfig,
			phones: map[string]farend.Phone{},
			login:  nil,
			events: []scheduled{
				placeCall(time.Second, "5550001", "100", 25*time.Second),
				// After the caller gave up, bob comes, takes a break and
				// goes: a pause that ends, for the agent figures.
				{at: 40 * time.Second, do: func(c *Core, now time.Time) error { return c.Login(now, "bob") }},
				{at: 42 * time.Second, do: func(c *Core, now time.Time) error { return c.Pause(now, "bob", "coffee") }},
				{at: 50 * time.Second, do: func(c *Core, now time.Time) error { return c.Ready(now, "bob") }},
				{at: 55 * time.Second, do: func(c *Core, now time.Time) error { return c.Logout(now, "bob") }},
			},
			until: time.Minute,
			check: func(t *testing.T, st *memStore, r *SimRun) {
				if len(st.finished) != 1 {
					t.Fatalf("finished = %d", len(st.finished))
				}
				rec := st.calls[st.finished[0]]
				if rec.Outcome != acd.OutcomeAbandoned || rec.Wait < 24*time.Second {
					t.Errorf("record = %s wait %v, want abandoned after ~25s", rec.Outcome, rec.Wait)
				}
			},
		},
		{
			// One caller gives up within the service level, one after it,
			// and one is answered after it: each counts differently.
			name:   "abandon-in-sl",
			config: basicConfig,
			phones: map[string]farend.Phone{"sim/alice": {Mode: farend.PhoneAnswer, AnswerDelay: time.Second, HangupAfter: 10 * time.Second}},
			events: []scheduled{
				placeCall(time.Second, "5550001", "100", 10*time.Second),
				placeCall(2*time.Second, "5550002", "100", 30*time.Second),
				placeCall(3*time.Second, "5550003", "100", 0),
				{at: 40 * time.Second, do: func(c *Core, now time.Time) error { return c.Login(now, "alice") }},
			},
			until: 2 * time.Minute,
			check: func(t *testing.T, st *memStore, r *SimRun) {
				q := r.Core.Status(r.Clock.Now()).Queues[0]
				if q.Abandoned != 2 || q.AbandonedInSL != 1 || q.Answered != 1 || q.InSL != 0 {
					t.Errorf("queue = %+v, want 2 abandoned (1 within SL) and 1 answered late", q)
				}
			},
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			trace, st, r := runScenario(t, sc)
			checkGolden(t, sc.name, trace+figures(t, st, r))
			if sc.check != nil {
				sc.check(t, st, r)
			}
		})
	}
}

// figures prints, for the end of a golden trace, what the engine counted
// for every queue and agent and the figures its status derives, so that a
// change to any counter shows in the golden file. It also tallies the same
// counts from the stored call records, independently of the engine's
// counters, and reports any difference: a counter that drifts from the
// records is a bug in one of them.
func figures(t *testing.T, st *memStore, r *SimRun) string {
	t.Helper()
	now := r.Clock.Now()
	s := r.Core.Status(now)
	var b strings.Builder
	fmt.Fprintf(&b, "--- figures at %s\n", now.Sub(epoch).Round(time.Millisecond))
	for i, q := range s.Queues {
		k := r.Core.queues[i].stats
		fmt.Fprintf(&b, "queue %s: offered=%d answered=%d abandoned=%d overflowed=%d callbacks=%d in_sl=%d abandoned_in_sl=%d wait_answered=%s handled=%d handle=%s max_wait=%s\n",
			q.Name, k.Offered, k.Answered, k.Abandoned, k.Overflowed, k.Callbacks, k.InSL, k.AbandonedInSL,
			k.WaitAnswered.Round(time.Millisecond), k.Handled, k.Handle.Round(time.Millisecond), k.MaxWait.Round(time.Millisecond))
		fmt.Fprintf(&b, "  sl=%.4f asa=%s aht=%s abandon_rate=%.4f waiting=%d\n",
			q.ServiceLevel, q.ASA.Round(time.Millisecond), q.AHT.Round(time.Millisecond), q.AbandonRate, q.Waiting)
	}
	for i, a := range s.Agents {
		k := r.Core.agents[i].stats
		fmt.Fprintf(&b, "agent %s: %s offered=%d answered=%d no_answer=%d busy=%d talk=%s wrap_up=%s ringing=%s logged_in=%s paused=%s\n",
			a.ID, a.State, k.Offered, k.Answered, k.NoAnswer, k.Busy, k.Talk.Round(time.Millisecond), k.WrapUp.Round(time.Millisecond),
			k.Ringing.Round(time.Millisecond), a.LoggedIn.Round(time.Millisecond), a.Paused.Round(time.Millisecond))
		fmt.Fprintf(&b, "  aht=%s occupancy=%.4f\n", a.AHT.Round(time.Millisecond), a.Occupancy)
	}
	checkAgainstRecords(t, st, r)
	return b.String()
}

// checkAgainstRecords tallies queue and agent counts from the stored
// records of ended calls (kpi.TallyRecords) and compares them with the
// engine's counters.
func checkAgainstRecords(t *testing.T, st *memStore, r *SimRun) {
	t.Helper()
	st.mu.Lock()
	recs := make([]store.CallRecord, 0, len(st.finished))
	for _, id := range st.finished {
		recs = append(recs, st.calls[id])
	}
	st.mu.Unlock()
	live := len(r.Core.calls) > 0
	checkAgentTimes(t, st, r)
	sl := map[string]time.Duration{}
	for _, q := range r.Core.queues {
		sl[q.name] = q.cfg.ServiceLevel
	}
	tally := kpi.TallyRecords(recs, func(q string) time.Duration { return sl[q] })
	queues, agents := tally.Queues, tally.Agents
	for _, q := range r.Core.queues {
		got, want := q.stats, kpi.Queue{}
		if w := queues[q.name]; w != nil {
			want = *w
		}
		if live {
			// Calls still in progress are counted by the engine but have
			// no final record yet: compare what only ended calls decide.
			got.Offered, want.Offered, got.MaxWait, want.MaxWait = 0, 0, 0, 0
		}
		if got != want {
			t.Errorf("queue %s: engine counted %+v\n records say %+v", q.name, got, want)
		}
	}
	if live {
		return
	}
	for _, a := range r.Core.agents {
		k := a.stats
		got := kpi.Agent{Offered: k.Offered, Answered: k.Answered, NoAnswer: k.NoAnswer, Busy: k.Busy, Talk: k.Talk, WrapUp: k.WrapUp}
		want := kpi.Agent{}
		if w := agents[a.id]; w != nil {
			want = *w
		}
		if got != want {
			t.Errorf("agent %s: engine counted %+v\n records say %+v", a.id, got, want)
		}
	}
}

// checkAgentTimes rebuilds every agent's logged-in and paused time from the
// logged state changes (kpi.AgentTimes) and compares it with the status.
func checkAgentTimes(t *testing.T, st *memStore, r *SimRun) {
	t.Helper()
	st.mu.Lock()
	byAgent := map[string][]store.AgentChange{}
	for _, ch := range st.changes {
		byAgent[ch.Agent] = append(byAgent[ch.Agent], ch)
	}
	st.mu.Unlock()
	now := r.Clock.Now()
	for _, a := range r.Core.Status(now).Agents {
		logged, paused := kpi.AgentTimes(byAgent[a.ID], epoch, now)
		if logged != a.LoggedIn || paused != a.Paused {
			t.Errorf("agent %s: status says logged in %v, paused %v; the state log %v and %v", a.ID, a.LoggedIn, a.Paused, logged, paused)
		}
	}
}
