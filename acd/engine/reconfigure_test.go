package engine

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

const reconfBefore = `
entries:
  - {number: "100", queue: support}
  - {number: "200", queue: sales}
queues:
  - {name: support, wrap_up: 5s}
  - {name: sales, wrap_up: 5s}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
  - {id: bob, endpoint: sim/bob, queues: [{queue: support}, {queue: sales}]}
`

func dialIn(at time.Duration, to string) scheduled {
	return scheduled{at: at, call: &farend.CallScript{From: "555" + to, To: to}}
}

func reconfigureAt(t *testing.T, at time.Duration, yaml string, rep *ReconfigureReport) scheduled {
	cfg := parseConfig(t, yaml)
	return scheduled{at: at, do: func(c *Core, now time.Time) error {
		var err error
		*rep, err = c.Reconfigure(now, cfg)
		if err != nil {
			t.Errorf("reconfigure: %v", err)
		}
		return nil
	}}
}

func statusOf(r *SimRun) Status { return r.Core.Status(r.Clock.Now()) }

func agentIn(s Status, id string) (AgentStatus, bool) {
	i := slices.IndexFunc(s.Agents, func(a AgentStatus) bool { return a.ID == id })
	if i < 0 {
		return AgentStatus{}, false
	}
	return s.Agents[i], true
}

func queueIn(s Status, name string) (QueueStatus, bool) {
	i := slices.IndexFunc(s.Queues, func(q QueueStatus) bool { return q.Name == name })
	if i < 0 {
		return QueueStatus{}, false
	}
	return s.Queues[i], true
}

// A new agent and queue appear at once; a removed agent finishes its call
// and wrap-up, then is logged out and unknown.
func TestReconfigureAddsAgentsAndQueuesAndDrainsRemovedAgent(t *testing.T) {
	var rep ReconfigureReport
	_, st, r := runScenario(t, scenario{
		config: reconfBefore,
		phones: map[string]farend.Phone{"sim/alice": answers(time.Second, 60*time.Second), "sim/carol": answers(time.Second, 10*time.Second)},
		login:  []string{"alice"},
		events: []scheduled{
			dialIn(5*time.Second, "100"),
			reconfigureAt(t, 10*time.Second, `
entries:
  - {number: "100", queue: support}
  - {number: "200", queue: sales}
  - {number: "300", queue: billing}
queues:
  - {name: support, wrap_up: 5s}
  - {name: sales, wrap_up: 5s}
  - {name: billing, wrap_up: 5s}
agents:
  - {id: bob, endpoint: sim/bob, queues: [{queue: support}, {queue: sales}]}
  - {id: carol, endpoint: sim/carol, logged_in: true, queues: [{queue: billing}]}
`, &rep),
			dialIn(15*time.Second, "300"),
		},
		until: 20 * time.Second,
	})
	if !slices.Equal(rep.QueuesAdded, []string{"billing"}) || !slices.Equal(rep.AgentsAdded, []string{"carol"}) ||
		!slices.Equal(rep.AgentsRemoved, []string{"alice"}) || !rep.EntriesChanged {
		t.Errorf("report %+v", rep)
	}
	if !slices.ContainsFunc(rep.Draining, func(s string) bool { return strings.Contains(s, "agent alice") }) {
		t.Errorf("report does not say alice drains: %q", rep.Draining)
	}
	s := statusOf(r)
	if a, ok := agentIn(s, "alice"); !ok || a.State != "on-call" || !a.Draining {
		t.Errorf("alice during her call after removal: %+v (shown %v), want on-call, draining", a, ok)
	}
	if a, ok := agentIn(s, "carol"); !ok || a.State != "on-call" {
		t.Errorf("carol: %+v (shown %v), want on the billing call", a, ok)
	}
	if q, ok := queueIn(s, "billing"); !ok || q.Answered != 1 {
		t.Errorf("billing: %+v (shown %v), want one answered", q, ok)
	}
	if err := r.Core.Login(r.Clock.Now(), "alice"); !errors.Is(err, ErrUnknownAgent) {
		t.Errorf("login of a removed agent: %v, want ErrUnknownAgent", err)
	}
	r.RunUntil(epoch.Add(90 * time.Second))
	if _, ok := agentIn(statusOf(r), "alice"); ok {
		t.Errorf("alice still shown after her call and wrap-up")
	}
	if a := r.Core.agentNamed("alice"); a.state != acd.LoggedOut {
		t.Errorf("alice is %s after draining, want logged out", a.state)
	}
	recs := records(st)
	i := slices.IndexFunc(recs, func(r store.CallRecord) bool { return r.Agent == "alice" })
	if len(recs) != 2 || i < 0 || recs[i].Outcome != acd.OutcomeAnswered || recs[i].Talk < 59*time.Second {
		t.Errorf("records %+v, want alice's call answered and talked through", recs)
	}
}

// A removed queue takes no new callers, keeps the one waiting until an
// agent serves it, then disappears.
func TestReconfigureRemovedQueueKeepsCallersUntilServed(t *testing.T) {
	var rep ReconfigureReport
	_, st, r := runScenario(t, scenario{
		config: reconfBefore,
		phones: map[string]farend.Phone{"sim/bob": answers(time.Second, 20*time.Second)},
		login:  []string{"bob"},
		events: []scheduled{
			dialIn(1*time.Second, "100"),
			dialIn(3*time.Second, "200"),
			reconfigureAt(t, 5*time.Second, `
entries:
  - {number: "100", queue: support}
queues:
  - {name: support, wrap_up: 5s}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
  - {id: bob, endpoint: sim/bob, queues: [{queue: support}]}
`, &rep),
			dialIn(6*time.Second, "200"),
		},
		until: 8 * time.Second,
	})
	if !slices.Equal(rep.QueuesRemoved, []string{"sales"}) ||
		!slices.ContainsFunc(rep.Draining, func(s string) bool { return strings.Contains(s, "queue sales keeps 1") }) {
		t.Errorf("report %+v", rep)
	}
	if q, ok := queueIn(statusOf(r), "sales"); !ok || q.Waiting != 1 || !q.Draining || q.Offered != 1 {
		t.Errorf("sales after removal: %+v (shown %v), want its one caller waiting, draining, no new caller", q, ok)
	}
	r.RunUntil(epoch.Add(90 * time.Second))
	var sales []string
	for _, rec := range records(st) {
		if rec.Queue == "sales" {
			sales = append(sales, rec.Agent+" "+string(rec.Outcome))
		}
	}
	if !slices.Equal(sales, []string{"bob answered"}) {
		t.Errorf("sales records %q, want the waiting caller answered by bob", sales)
	}
	if _, ok := queueIn(statusOf(r), "sales"); ok {
		t.Errorf("sales still shown after it drained")
	}
}

// Changed settings apply to the next decision: an agent given the skill a
// queue requires is offered the caller who waited for it.
func TestReconfigureChangedSkillsServeWaitingCaller(t *testing.T) {
	const before = `
entries: [{number: "100", queue: spanish}]
queues: [{name: spanish, skills: {spanish: 5}}]
agents: [{id: bob, endpoint: sim/bob, skills: {english: 9}, queues: [{queue: spanish}]}]
`
	var rep ReconfigureReport
	_, st, r := runScenario(t, scenario{
		config: before,
		phones: map[string]farend.Phone{"sim/bob": answers(time.Second, 10*time.Second)},
		login:  []string{"bob"},
		events: []scheduled{
			dialIn(1*time.Second, "100"),
			reconfigureAt(t, 20*time.Second, strings.Replace(before, "{english: 9}", "{english: 9, spanish: 6}", 1), &rep),
		},
		until: 19 * time.Second,
	})
	if q, _ := queueIn(statusOf(r), "spanish"); q.Waiting != 1 {
		t.Fatalf("before the change: %d waiting, want the caller waiting for a Spanish speaker", q.Waiting)
	}
	r.RunUntil(epoch.Add(60 * time.Second))
	if !slices.Equal(rep.AgentsChanged, []string{"bob"}) {
		t.Errorf("report %+v", rep)
	}
	recs := records(st)
	if len(recs) != 1 || recs[0].Agent != "bob" || recs[0].Wait < 19*time.Second || recs[0].Wait > 23*time.Second {
		t.Errorf("records %+v, want bob answering right after the change", recs)
	}
}

// A config the engine cannot take changes nothing.
func TestReconfigureRefusedChangesNothing(t *testing.T) {
	_, _, r := runScenario(t, scenario{config: reconfBefore, login: []string{"alice"}, until: time.Second})
	cfg := parseConfig(t, reconfBefore)
	cfg.Agents = append(cfg.Agents, cfg.Agents[0])
	cfg.Agents[2].ID = "dora"
	cfg.Agents[2].Queues = append(cfg.Agents[2].Queues, cfg.Agents[1].Queues[1])
	cfg.Agents[2].Queues[1].Queue = "nowhere"
	before := statusOf(r)
	if _, err := r.Core.Reconfigure(r.Clock.Now(), cfg); !errors.Is(err, ErrUnknownQueue) {
		t.Fatalf("reconfigure with an unknown queue: %v", err)
	}
	after := statusOf(r)
	if len(after.Agents) != len(before.Agents) || len(after.Queues) != len(before.Queues) {
		t.Errorf("a refused config changed the engine: %d agents, %d queues", len(after.Agents), len(after.Queues))
	}
}

// An agent removed and configured again before its call ends stays logged
// in: the removal's logout is called off.
func TestReconfigureAgentBackBeforeItsCallEnds(t *testing.T) {
	var removed, back ReconfigureReport
	withoutAlice := strings.Replace(reconfBefore, "  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}\n", "", 1)
	_, _, r := runScenario(t, scenario{
		config: reconfBefore,
		phones: map[string]farend.Phone{"sim/alice": answers(time.Second, 30*time.Second)},
		login:  []string{"alice"},
		events: []scheduled{
			dialIn(time.Second, "100"),
			reconfigureAt(t, 5*time.Second, withoutAlice, &removed),
			reconfigureAt(t, 10*time.Second, reconfBefore, &back),
		},
		until: 60 * time.Second,
	})
	if !slices.Equal(removed.AgentsRemoved, []string{"alice"}) || !slices.Equal(back.AgentsAdded, []string{"alice"}) {
		t.Fatalf("reports %+v, %+v", removed, back)
	}
	if a, ok := agentIn(statusOf(r), "alice"); !ok || a.State != "available" || a.Draining || a.Pending != nil {
		t.Errorf("alice after her call: %+v (shown %v), want available", a, ok)
	}
}

// server, store and pbx changes apply at the next start: until then the
// engine goes on with those it started with (a changed pbx.outside does not
// dial yet), and a file edited back to them needs no restart.
func TestReconfigureRestartSectionsKeptUntilRestart(t *testing.T) {
	_, _, r := runScenario(t, scenario{config: reconfBefore, until: time.Second})
	changed := parseConfig(t, reconfBefore)
	changed.PBX.Outside = "PJSIP/{number}@elsewhere"
	rep, err := r.Core.Reconfigure(r.Clock.Now(), changed)
	if err != nil || !slices.Equal(rep.NeedRestart, []string{"pbx"}) {
		t.Fatalf("reconfigure with a new pbx.outside: %v, need restart %v; want [pbx]", err, rep.NeedRestart)
	}
	if got := r.Core.opts.Config.PBX.Outside; got != "" {
		t.Errorf("pbx.outside in use after the reload: %q, want the one started with until a restart", got)
	}
	rep, err = r.Core.Reconfigure(r.Clock.Now(), parseConfig(t, reconfBefore))
	if err != nil || len(rep.NeedRestart) != 0 {
		t.Errorf("reconfigure back to the running config: %v, need restart %v; want none", err, rep.NeedRestart)
	}
}

// An agent who asked for a pause during her call, removed from the config
// and configured again before the call ends, still gets her pause: only the
// removal's logout is called off.
func TestReconfigureAgentBackKeepsHerPendingPause(t *testing.T) {
	withoutAlice := strings.Replace(reconfBefore, "  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}\n", "", 1)
	var removed, back ReconfigureReport
	_, _, r := runScenario(t, scenario{
		config: reconfBefore,
		phones: map[string]farend.Phone{"sim/alice": answers(time.Second, 30*time.Second)},
		login:  []string{"alice"},
		events: []scheduled{
			dialIn(time.Second, "100"),
			{at: 4 * time.Second, do: pause("lunch")},
			reconfigureAt(t, 5*time.Second, withoutAlice, &removed),
			reconfigureAt(t, 10*time.Second, reconfBefore, &back),
		},
		until: 60 * time.Second,
	})
	if a, ok := agentIn(statusOf(r), "alice"); !ok || a.State != "paused" || a.Reason != "lunch" || a.Draining {
		t.Errorf("alice after her call: %+v (shown %v), want paused for lunch as she asked", a, ok)
	}
}

// A reload that changes a flow, the teams, the reports' settings or the
// recordings says so: each was said to be "no changes" (the flow was
// taken all the same). Settings the running daemon takes are listed as
// applied, those it cannot (the recordings' folder) as needing a restart.
func TestReconfigureReportsFlowsAndSettings(t *testing.T) {
	const withFlow = reconfBefore + `
flows:
  f:
    start: q
    nodes:
      q: {kind: queue, queue: support}
`
	_, _, r := runScenario(t, scenario{config: withFlow, until: time.Second})
	cfg := parseConfig(t, withFlow)
	if rep, err := r.Core.Reconfigure(r.Clock.Now(), cfg); err != nil || rep.Changed() || len(rep.NeedRestart) > 0 {
		t.Fatalf("the same config again: %+v %v; want no changes", rep, err)
	}
	next := parseConfig(t, strings.Replace(withFlow, "q: {kind: queue, queue: support}", "q: {kind: queue, queue: sales}", 1)+`
teams:
  - {name: front, agents: [alice], supervisors: [sue]}
reports: {timezone: Asia/Tokyo}
recordings: {dir: /var/spool/elsewhere, template: "{date}-{call}"}
`)
	rep, err := r.Core.Reconfigure(r.Clock.Now(), next)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Changed() || !slices.Equal(rep.FlowsChanged, []string{"f"}) ||
		!slices.Equal(rep.Applied, []string{"teams", "reports", "recordings.template"}) || !slices.Equal(rep.NeedRestart, []string{"recordings.dir"}) {
		t.Errorf("report %+v; want flow f changed, teams, reports and recordings.template applied, recordings.dir at the next start", rep)
	}
}

// A reload that changes a queue's max_wait applies to the callers already
// waiting, counted from when each entered the queue: one set where there
// was none sends a caller past it to the overflow at once and the next at
// their own time; a longer one keeps a caller the old one would have
// sent away; and an announcement interval set where there was none starts
// announcing to those waiting.
func TestReconfigureMaxWaitAppliesToWaitingCallers(t *testing.T) {
	const before = `
entries: [{number: "100", queue: support}, {number: "200", queue: sales}]
queues:
  - {name: support, announce: {interval: 0s}, overflow: {action: message, message: ["sound:closed"]}}
  - {name: sales, max_wait: 40s, announce: {interval: 0s}, overflow: {action: message, message: ["sound:closed"]}}
agents: [{id: bob, endpoint: sim/bob, queues: [{queue: support}, {queue: sales}]}]
`
	after := strings.Replace(before, "{name: support, announce: {interval: 0s}", "{name: support, max_wait: 30s, announce: {interval: 20s}", 1)
	after = strings.Replace(after, "{name: sales, max_wait: 40s", "{name: sales, max_wait: 5m", 1)
	var rep ReconfigureReport
	_, st, r := runScenario(t, scenario{
		config: before,
		events: []scheduled{
			dialIn(1*time.Second, "100"),  // past 30 s at the reload: overflows then
			dialIn(25*time.Second, "100"), // overflows at 55 s
			dialIn(2*time.Second, "200"),  // the old 40 s would send them away at 42 s
			reconfigureAt(t, 35*time.Second, after, &rep),
		},
		until: 90 * time.Second,
	})
	if !slices.Equal(rep.QueuesChanged, []string{"support", "sales"}) {
		t.Fatalf("report %+v", rep)
	}
	got := map[string]store.CallRecord{}
	for _, rec := range records(st) {
		got[rec.Caller+"@"+rec.Entered.Sub(epoch).Round(time.Second).String()] = rec
	}
	first, second := got["555100@1s"], got["555100@25s"]
	overflowAt := func(rec store.CallRecord) time.Duration {
		for _, s := range rec.Timeline {
			if s.Kind == "overflow" {
				return s.At.Sub(epoch)
			}
		}
		return -1
	}
	if at := overflowAt(first); first.Outcome != acd.OutcomeOverflowed || at != 35*time.Second {
		t.Errorf("caller waiting 34 s at the reload: %s, overflow at %v, want overflowed at the reload (35s)", first.Outcome, at)
	}
	if at := overflowAt(second); second.Outcome != acd.OutcomeOverflowed || at < 55*time.Second || at > 56*time.Second {
		t.Errorf("caller who came at 25 s: %s, overflow at %v, want 30 s after they entered the queue", second.Outcome, at)
	}
	if _, ended := got["555200@2s"]; ended {
		t.Errorf("sales caller ended (%+v); the reload's 5 min max_wait keeps them waiting", got["555200@2s"])
	}
	if q, _ := queueIn(statusOf(r), "sales"); q.Waiting != 1 {
		t.Errorf("sales: %d waiting, want 1", q.Waiting)
	}
	announced := 0
	for _, rec := range []store.CallRecord{first, second} {
		for _, s := range rec.Timeline {
			if s.Kind == "announce" {
				announced++
			}
		}
	}
	if announced != 1 { // the second caller, 20 s after the reload (at 55 s it leaves)
		t.Errorf("announcements after the interval was set: %d, want 1", announced)
	}
}
