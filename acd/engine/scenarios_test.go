package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

const menuConfig = `
entries:
  - {number: "100", menu: main}
menus:
  - name: main
    prompt: ["sound:welcome"]
    timeout: 4s
    retries: 1
    invalid: ["sound:invalid"]
    options:
      "1": {queue: english}
      "2": {queue: spanish}
    default: {queue: english}
queues:
  - name: english
    skills: {english: 5}
    announce: {interval: 0s}
  - name: spanish
    strategy: skills-best
    skills: {spanish: 7}
    targets:
      - {after: 20s, skills: {spanish: 3}, max_penalty: -1}
    announce: {interval: 0s}
agents:
  - {id: emma, endpoint: sim/emma, skills: {english: 9}, queues: [{queue: english}]}
  - {id: sofia, endpoint: sim/sofia, skills: {spanish: 9, english: 6}, queues: [{queue: spanish}, {queue: english, penalty: 1}]}
  - {id: pablo, endpoint: sim/pablo, skills: {spanish: 4}, queues: [{queue: spanish}]}
`

func answers(d, talk time.Duration) farend.Phone {
	return farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: d, HangupAfter: talk}
}

func dtmfCall(at time.Duration, from, digits string) scheduled {
	return scheduled{at: at, call: &farend.CallScript{From: from, To: "100", DTMF: digits, DTMFDelay: time.Second}}
}

func records(st *memStore) []store.CallRecord {
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []store.CallRecord
	for _, id := range st.finished {
		out = append(out, st.calls[id])
	}
	return out
}

func TestScenarios(t *testing.T) {
	scenarios := []scenario{
		{
			// Key 2 routes to spanish; sofia (level 9) is busy, pablo (4) is
			// below the requirement until the 20 s relaxation target.
			name:   "menu-skills-relax",
			config: menuConfig,
			phones: map[string]farend.Phone{
				"sim/emma": answers(time.Second, 20*time.Second), "sim/sofia": answers(time.Second, 60*time.Second),
				"sim/pablo": answers(time.Second, 20*time.Second),
			},
			login: []string{"emma", "sofia", "pablo"},
			events: []scheduled{
				dtmfCall(time.Second, "5550001", "2"),
				dtmfCall(5*time.Second, "5550002", "2"),
				dtmfCall(6*time.Second, "5550003", "7"), // invalid, then times out → default
			},
			until: 2 * time.Minute,
			check: func(t *testing.T, st *memStore, r *SimRun) {
				got := map[string]store.CallRecord{}
				for _, rec := range records(st) {
					got[rec.Caller] = rec
				}
				if a := got["5550001"].Agent; a != "sofia" {
					t.Errorf("first spanish caller answered by %q, want sofia (best skill)", a)
				}
				rec := got["5550002"]
				if rec.Agent != "pablo" || rec.Wait < 20*time.Second {
					t.Errorf("second spanish caller: agent %q wait %v, want pablo after the 20s relaxation", rec.Agent, rec.Wait)
				}
				if rec := got["5550003"]; rec.Queue != "english" || rec.Agent != "emma" {
					t.Errorf("invalid key caller: queue %q agent %q, want the default english queue, emma", rec.Queue, rec.Agent)
				}
				if r.Core.Warnings()["dtmf-no-meaning"] != 1 {
					t.Errorf("warnings = %v, want one dtmf-no-meaning", r.Core.Warnings())
				}
			},
		},
		{
			name: "overflow-callback",
			config: `
entries:
  - {number: "100", queue: front}
queues:
  - name: front
    max_wait: 30s
    overflow: {action: queue, queue: back}
    announce: {interval: 0s}
  - name: back
    max_wait: 20s
    overflow: {action: callback}
    callback: {endpoint: "sim/customer-{number}", timeout: 20s, max_attempts: 2, retry_after: 1m}
    announce: {interval: 0s}
agents:
  - {id: ann, endpoint: sim/ann, queues: [{queue: back}]}
`,
			phones: map[string]farend.Phone{
				"sim/ann":              answers(time.Second, 30*time.Second),
				"sim/customer-5550001": answers(2*time.Second, 40*time.Second),
			},
			events: []scheduled{
				placeCall(time.Second, "5550001", "100", 0),
				{at: 2 * time.Minute, do: func(c *Core, now time.Time) error { return c.Login(now, "ann") }},
			},
			until: 5 * time.Minute,
			check: func(t *testing.T, st *memStore, r *SimRun) {
				recs := records(st)
				if len(recs) != 2 {
					t.Fatalf("records = %d, want the original call and the callback", len(recs))
				}
				if recs[0].Outcome != acd.OutcomeCallback || recs[0].Queue != "back" {
					t.Errorf("original call: %s in %s, want callback from back", recs[0].Outcome, recs[0].Queue)
				}
				cb := recs[1]
				if cb.Direction != acd.DirectionCallback || cb.Outcome != acd.OutcomeAnswered || cb.Agent != "ann" {
					t.Errorf("callback call = %+v", cb)
				}
				if len(st.callbacks) != 0 {
					t.Errorf("callback requests left: %v", st.callbacks)
				}
			},
		},
		{
			name: "ring-all-leave-empty",
			config: `
entries:
  - {number: "100", queue: sales}
queues:
  - name: sales
    strategy: ring-all
    leave_empty: true
    join_empty: "no"
    overflow: {action: message, message: ["sound:closed"]}
    announce: {interval: 0s}
agents:
  - {id: a1, endpoint: sim/a1, queues: [{queue: sales}]}
  - {id: a2, endpoint: sim/a2, queues: [{queue: sales}]}
`,
			phones: map[string]farend.Phone{"sim/a1": answers(3*time.Second, 10*time.Second), "sim/a2": answers(time.Second, 10*time.Second)},
			login:  []string{"a1", "a2"},
			events: []scheduled{
				placeCall(time.Second, "5550001", "100", 0),
				{at: 30 * time.Second, do: func(c *Core, now time.Time) error { return c.Logout(now, "a1") }},
				{at: 30 * time.Second, do: func(c *Core, now time.Time) error { return c.Logout(now, "a2") }},
				placeCall(40*time.Second, "5550002", "100", 0),
			},
			until: 2 * time.Minute,
			check: func(t *testing.T, st *memStore, r *SimRun) {
				recs := records(st)
				if len(recs) != 2 || recs[0].Agent != "a2" {
					t.Fatalf("records = %+v, want first answered by a2 (first to pick up)", recs)
				}
				var cancelled bool
				for _, at := range recs[0].Attempts {
					cancelled = cancelled || at.Agent == "a1" && at.Result == acd.AttemptCancelled
				}
				if !cancelled {
					t.Errorf("a1's ring was not cancelled: %+v", recs[0].Attempts)
				}
				if recs[1].Outcome != acd.OutcomeOverflowed {
					t.Errorf("call with everyone logged out: %s, want overflowed", recs[1].Outcome)
				}
			},
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			trace, st, r := runScenario(t, sc)
			checkGolden(t, sc.name, trace+figures(t, st, r))
			sc.check(t, st, r)
		})
	}
}

// TestRestoreAndReconcile: a caller who was waiting and a conversation in
// progress survive a restart; a stranded agent leg is hung up; a call whose
// caller vanished during the gap is closed.
func TestRestoreAndReconcile(t *testing.T) {
	cfg := parseConfig(t, basicConfig)
	var cmds []Command
	out := recordOutputs{cmds: &cmds}
	st := newMemStore()
	c, err := NewCore(Options{Config: cfg, Out: out, Store: st}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	enq := epoch.Add(-40 * time.Second)
	c.Restore(epoch, Saved{
		Agents: []store.AgentState{{ID: "alice", State: acd.OnCall}, {ID: "bob", State: acd.Available}},
		Active: []store.ActiveCall{
			{CallID: "w1", Channel: "ch-wait", Queue: "support", Enqueued: enq, State: acd.CallQueued},
			{CallID: "b1", Channel: "ch-talk", Queue: "support", Enqueued: enq, State: acd.CallBridged,
				Agent: "alice", AgentChannel: "ch-alice", Bridge: "b-b1", Since: epoch.Add(-20 * time.Second)},
			{CallID: "g1", Channel: "ch-gone", Queue: "support", Enqueued: enq, State: acd.CallQueued},
		},
		Records: map[string]*store.CallRecord{"b1": {ID: "b1", Direction: acd.DirectionInbound, Caller: "555",
			Entered: enq, Queue: "support", Outcome: acd.OutcomeInProgress}},
	})
	now := epoch.Add(time.Second)
	c.Handle(now, pbx.Synced{Snapshot: pbx.Snapshot{Channels: []pbx.ChannelInfo{
		{ID: "ch-wait", Answered: true},
		{ID: "ch-talk", Answered: true, Bridge: "b-b1"},
		{ID: "ch-alice", Answered: true, Bridge: "b-b1", Vars: map[string]string{pbx.VarRole: "agent", pbx.VarCallID: "b1"}},
		{ID: "ch-stray", Answered: true, Vars: map[string]string{pbx.VarRole: "agent", pbx.VarCallID: "old"}},
	}}})
	var originatedBob, hungStray bool
	for _, cmd := range cmds {
		originatedBob = originatedBob || cmd.Op == OpOriginate && cmd.Originate.Vars[pbx.VarAgent] == "bob" && cmd.Originate.Vars[pbx.VarCallID] == "w1"
		hungStray = hungStray || cmd.Op == OpHangup && cmd.Channel == "ch-stray"
	}
	if !originatedBob {
		t.Errorf("waiting caller w1 was not offered to bob after restart: %v", cmds)
	}
	if !hungStray {
		t.Errorf("stranded agent leg ch-stray not hung up")
	}
	if rec, ok := st.calls["g1"]; !ok || rec.Outcome != acd.OutcomeAbandoned {
		t.Errorf("vanished caller g1: record %+v, want abandoned", rec)
	}
	s := c.Status(now)
	if s.Agents[0].State != "on-call" || s.Agents[0].Call != "b1" {
		t.Errorf("alice = %+v, want on-call with b1", s.Agents[0])
	}
	// The conversation ends after the restart: its record is completed.
	c.Handle(now.Add(time.Minute), pbx.HungUp{Base: pbx.Base{Channel: "ch-alice"}, Cause: pbx.CauseNormal})
	rec := st.calls["b1"]
	if rec.Outcome != acd.OutcomeAnswered || rec.Agent != "alice" || rec.Caller != "555" || rec.Talk != 81*time.Second {
		t.Errorf("b1 record = %+v, want answered by alice, caller 555, talk 81s", rec)
	}
	if !strings.Contains(timelineKinds(rec), "restored") {
		t.Errorf("b1 timeline lacks the restart: %s", timelineKinds(rec))
	}
}

func timelineKinds(r store.CallRecord) string {
	var ks []string
	for _, s := range r.Timeline {
		ks = append(ks, s.Kind)
	}
	return strings.Join(ks, ",")
}

type recordOutputs struct{ cmds *[]Command }

func (o recordOutputs) Do(c Command)        { *o.cmds = append(*o.cmds, c) }
func (o recordOutputs) At(time.Time, Timer) {}

// TestBadInputNeverCrashes feeds events for unknown channels and bad digits.
func TestBadInputNeverCrashes(t *testing.T) {
	cfg := parseConfig(t, basicConfig)
	var cmds []Command
	c, err := NewCore(Options{Config: cfg, Out: recordOutputs{&cmds}}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	c.Handle(epoch, pbx.DTMF{Base: pbx.Base{Channel: "nope"}, Digit: '5'})
	c.Handle(epoch, pbx.HungUp{Base: pbx.Base{Channel: "nope"}})
	c.Handle(epoch, pbx.Answered{Base: pbx.Base{Channel: "nope"}})
	c.Handle(epoch, pbx.CallArrived{Base: pbx.Base{Channel: "x1"}, Called: "999"})
	c.Handle(epoch, pbx.DTMF{Base: pbx.Base{Channel: "x1"}, Digit: 'z'})
	w := c.Warnings()
	if w["unknown-channel"] != 3 || w["unknown-entry"] != 1 || w["bad-dtmf"] != 1 {
		t.Errorf("warnings = %v", w)
	}
	if err := c.Login(epoch, "ghost"); err == nil || !strings.Contains(err.Error(), "ghost") {
		t.Errorf("login of unknown agent: %v", err)
	}
}

// TestSpy: a supervisor whispers to an agent on a call; the supervisor leg's
// own events are expected and raise no warning.
func TestSpy(t *testing.T) {
	sc := scenario{
		name: "spy", config: basicConfig,
		phones: map[string]farend.Phone{"sim/alice": answers(time.Second, time.Minute), "sim/sup": answers(time.Second, 10*time.Second)},
		login:  []string{"alice"},
		events: []scheduled{
			placeCall(time.Second, "5550001", "100", 0),
			{at: 10 * time.Second, do: func(c *Core, now time.Time) error {
				_, err := c.Spy(now, "alice", pbx.SpyWhisper, "sim/sup", "")
				return err
			}},
			{at: 12 * time.Second, do: func(c *Core, now time.Time) error {
				if _, err := c.Spy(now, "bob", pbx.SpyListen, "sim/sup", ""); err == nil {
					t.Errorf("spying on an agent with no call succeeded")
				}
				return nil
			}},
		},
		until: 2 * time.Minute,
	}
	trace, st, r := runScenario(t, sc)
	if !strings.Contains(trace, "whisper → sim/sup") || !strings.Contains(trace, "spy-whisper agent=alice") {
		t.Errorf("no whisper in trace:\n%s", trace)
	}
	if w := r.Core.Warnings(); len(w) != 0 {
		t.Errorf("warnings = %v", w)
	}
	if rec := records(st); len(rec) != 1 || !strings.Contains(timelineKinds(rec[0]), "spy-whisper") {
		t.Errorf("records = %+v", rec)
	}
}

// TestLiveRecordShowsProgress: while a call lasts, its stored in-progress
// record already shows a missed ring and, once connected, the wait.
func TestLiveRecordShowsProgress(t *testing.T) {
	st := newMemStore()
	r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, basicConfig), Store: st}, Start: epoch})
	if err != nil {
		t.Fatal(err)
	}
	_ = r.Switch.SetPhone("sim/alice", farend.Phone{Mode: farend.PhoneNoAnswer})
	_ = r.Switch.SetPhone("sim/bob", answers(time.Second, time.Minute))
	if err := r.Login("alice", "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Switch.PlaceCall(farend.CallScript{From: "555", To: "100"}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(12 * time.Second)) // alice rang out at ~10 s; bob not yet answered
	var live store.CallRecord
	for _, c := range st.calls {
		live = c
	}
	if len(live.Attempts) != 1 || live.Attempts[0].Agent != "alice" || live.Attempts[0].Result != acd.AttemptNoAnswer {
		t.Fatalf("live record attempts = %+v, want alice no-answer", live.Attempts)
	}
	r.RunUntil(epoch.Add(30 * time.Second))
	live = st.calls[live.ID]
	if live.Outcome != acd.OutcomeInProgress || live.Agent != "bob" || live.Wait < 10*time.Second {
		t.Errorf("live record while talking: outcome %s agent %q wait %v", live.Outcome, live.Agent, live.Wait)
	}
}
