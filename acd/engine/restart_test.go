package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/store"
)

// runOutputs are a SimRun's outputs for one run of the daemon: once the run
// is replaced (a restart), its timers no longer fire, as a killed process's
// would not.
type runOutputs struct {
	r    *SimRun
	core **Core
}

func (o runOutputs) Do(cmd Command) { simOutputs{o.r}.Do(cmd) }

func (o runOutputs) At(at time.Time, t Timer) {
	core := *o.core
	o.r.Clock.Schedule(at, func() {
		if o.r.Core == core {
			core.Fire(o.r.Clock.Now(), t)
			o.r.drain()
		}
	})
}

// newRestartableRun is a SimRun whose Core can be killed and restarted from
// what it stored, while the simulated switch and its calls live on.
func newRestartableRun(t *testing.T, cfg string, st *memStore) *SimRun {
	t.Helper()
	r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, cfg), Store: st, IDPrefix: "run1"},
		Start: epoch, Sim: sim.Options{Seed: 3, Latency: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	first := r.Core
	r.Core.out = runOutputs{r: r, core: &first}
	return r
}

// restart kills the running Core (kill -9: nothing more is done or saved by
// it) and starts a new one the way the daemon does: restore from the store,
// then reconcile with the switch's snapshot.
func restart(t *testing.T, r *SimRun, st *memStore, prefix string, keep func(pbx.ChannelInfo) bool) {
	t.Helper()
	restartCounting(t, r, st, prefix, keep, time.Time{})
}

// restartCounting is restart with the counters started again from what
// the store holds since since, as the daemon does from the day's start.
func restartCounting(t *testing.T, r *SimRun, st *memStore, prefix string, keep func(pbx.ChannelInfo) bool, since time.Time) {
	t.Helper()
	restartSnap(t, r, st, prefix, since, func(snap *pbx.Snapshot) {
		if keep == nil {
			return
		}
		var kept []pbx.ChannelInfo
		for _, ch := range snap.Channels {
			if keep(ch) {
				kept = append(kept, ch)
			}
		}
		snap.Channels = kept
	})
}

// restartSnap is restartCounting with the switch's snapshot edited by edit
// before the new Core sees it.
func restartSnap(t *testing.T, r *SimRun, st *memStore, prefix string, since time.Time, edit func(*pbx.Snapshot)) {
	t.Helper()
	var saved Saved
	if !since.IsZero() {
		saved.Since, saved.Ended = since, records(st)
	}
	st.mu.Lock()
	for _, ch := range st.changes {
		if !since.IsZero() && !ch.At.Before(since) {
			saved.Changes = append(saved.Changes, ch) // as LoadSavedSince reads them
		}
	}
	saved.Records = map[string]*store.CallRecord{}
	for _, a := range st.agents {
		saved.Agents = append(saved.Agents, a)
		if rec, ok := st.calls[a.WrapCall]; ok && a.WrapCall != "" {
			saved.Records[a.WrapCall] = &rec
		}
	}
	for _, cb := range st.callbacks {
		saved.Callbacks = append(saved.Callbacks, cb)
	}
	for _, ac := range st.active {
		saved.Active = append(saved.Active, ac)
		rec := st.calls[ac.CallID]
		saved.Records[ac.CallID] = &rec
	}
	saved.Alive = st.alive
	st.mu.Unlock()
	now := r.Clock.Now()
	core := new(*Core)
	o := r.Core.opts
	c, err := NewCore(Options{Config: o.Config, Store: st, IDPrefix: prefix, Out: runOutputs{r: r, core: core},
		Recognizer: o.Recognizer, RecognizeTimeout: o.RecognizeTimeout, Trace: o.Trace}, now)
	if err != nil {
		t.Fatal(err)
	}
	*core = c
	c.Restore(now, saved)
	r.Core = c
	snap, err := r.Switch.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	edit(&snap)
	c.Handle(now, pbx.Synced{Snapshot: snap})
	r.drain()
}

const restartConfig = `
entries:
  - {number: "100", queue: support}
queues:
  - name: support
    ring_timeout: 20s
    wrap_up: 5s
    max_no_answer: 1
    busy_delay: 30s
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
`

// TestRestartWhileAgentRings: the daemon dies while alice's phone rings (it
// answers after 8 s) and comes back at once. The leg left ringing is hung
// up, not answered into silence; the new leg has an id of its own; alice is
// neither blamed nor blocked, and takes the caller. A switch whose snapshot
// leaves out legs not yet answered (the old leg then answers unannounced)
// gets the same result.
func TestRestartWhileAgentRings(t *testing.T) {
	for _, tc := range []struct {
		name     string
		keep     func(pbx.ChannelInfo) bool
		maxWait  time.Duration
		timeline string
	}{
		{"ringing leg in the snapshot", nil, 12 * time.Second, "ring-cut-by-restart"},
		{"ringing leg not in the snapshot", func(ch pbx.ChannelInfo) bool { return ch.Answered }, 12 * time.Second, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newMemStore()
			r := newRestartableRun(t, restartConfig, st)
			callAlice(t, r, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 8 * time.Second, HangupAfter: 30 * time.Second})
			r.RunUntil(epoch.Add(3 * time.Second))
			snap, _ := r.Switch.Snapshot(context.Background())
			var oldLeg pbx.ChannelID
			for _, ch := range snap.Channels {
				if ch.Vars[pbx.VarRole] == "agent" && !ch.Answered {
					oldLeg = ch.ID
				}
			}
			if oldLeg == "" {
				t.Fatalf("no agent leg ringing at 3 s: %+v", snap.Channels)
			}

			restart(t, r, st, "run2", tc.keep)
			r.RunUntil(epoch.Add(20 * time.Second))

			if w := r.Core.Warnings(); w["command-failed"] != 0 {
				t.Errorf("warnings after restart: %v", w)
			}
			if _, up := r.Switch.Channel(oldLeg); up {
				t.Errorf("old leg %s still up after the restart", oldLeg)
			}
			s := r.Core.Status(r.Clock.Now())
			a := s.Agents[0]
			if a.State != acd.OnCall.String() || a.NoAnswer != 0 {
				t.Errorf("alice after restart: %s, no-answer %d; want on-call, not blamed", a.State, a.NoAnswer)
			}
			if len(s.Calls) != 1 || s.Calls[0].Agent != "alice" {
				t.Fatalf("live calls = %+v, want the caller talking to alice", s.Calls)
			}
			rec := st.calls[s.Calls[0].ID]
			if rec.AgentChannel == string(oldLeg) || !strings.Contains(rec.AgentChannel, "run2") {
				t.Errorf("alice talks on %s; want a new leg of this run, not the old %s", rec.AgentChannel, oldLeg)
			}
			for _, at := range rec.Attempts {
				// The ring the restart cut is kept, cancelled: not hers to answer.
				if at.Result != acd.AttemptAnswered && at.Result != acd.AttemptCancelled {
					t.Errorf("attempt %+v counts against alice", at)
				}
			}
			if got := timelineKinds(rec); !strings.Contains(got, tc.timeline) {
				t.Errorf("timeline lacks %q: %s", tc.timeline, got)
			}
			if rec.Wait > tc.maxWait {
				t.Errorf("caller waited %v, want at most %v", rec.Wait, tc.maxWait)
			}
		})
	}
}

// kill stops the running Core as kill -9 would: from now on nothing hears
// the switch's events until restart.
func kill(t *testing.T, r *SimRun) {
	t.Helper()
	dead, err := NewCore(Options{Config: r.Core.opts.Config, Out: recordOutputs{new([]Command)}}, r.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	r.Core = dead
}

// hangUpAll hangs up, with cause, every channel the simulated switch
// holds: what the switch does to its calls while Hotline is down (a
// restart, or every party hanging up).
func hangUpAll(t *testing.T, r *SimRun, cause pbx.Cause) {
	t.Helper()
	snap, err := r.Switch.Snapshot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range snap.Channels {
		if err := r.Switch.Hangup(t.Context(), ch.ID, cause); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCheckpointBoundsEndWhileDown: a live call is saved as still up every
// checkpointEvery, so a conversation that ends while Hotline is down gets an
// end window that starts at the last checkpoint, not at the answer.
func TestCheckpointBoundsEndWhileDown(t *testing.T) {
	st := newMemStore()
	r := newRestartableRun(t, restartConfig, st)
	callAlice(t, r, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: time.Second, HangupAfter: time.Minute})
	r.RunUntil(epoch.Add(50 * time.Second))
	kill(t, r)
	r.RunUntil(epoch.Add(80 * time.Second)) // alice hangs up at ~61 s, unseen
	restart(t, r, st, "run2", nil)

	recs := records(st)
	if len(recs) != 1 {
		t.Fatalf("records = %+v", recs)
	}
	rec := recs[0]
	realEnd := rec.Answered.Add(time.Minute)
	if rec.EndEarliest.Before(epoch.Add(50*time.Second-checkpointEvery)) || rec.EndEarliest.After(realEnd) || !rec.Ended.Equal(epoch.Add(80*time.Second)) {
		t.Errorf("end window [%v, %v], want it to start at the last checkpoint before the kill at 50 s and hold the real end %v",
			rec.EndEarliest.Sub(epoch), rec.Ended.Sub(epoch), realEnd.Sub(epoch))
	}
	if rec.Talk < 35*time.Second || rec.Talk > time.Minute {
		t.Errorf("talk %v, want the part seen up to the last checkpoint (35-50 s)", rec.Talk)
	}
}

// TestHeartbeatBoundsWaitWhileDown: Hotline is killed 8 s after a caller
// began to wait (no agent logged in), before the first full checkpoint of
// the call's resume state; the caller hangs up while it is down. The
// heartbeat saved every aliveEvery says the caller still waited then: the
// record's wait and end window start there, not at the arrival or the
// first full checkpoint (2 s in). Without the heartbeat (a store that kept
// none) the wait is what that checkpoint saw.
func TestHeartbeatBoundsWaitWhileDown(t *testing.T) {
	for _, beat := range []bool{true, false} {
		st := newMemStore()
		r := newRestartableRun(t, restartConfig, st)
		if _, err := r.Switch.PlaceCall(farend.CallScript{From: "555", To: "100", HangupAfter: 12 * time.Second}); err != nil {
			t.Fatal(err)
		}
		r.RunUntil(epoch.Add(8 * time.Second))
		kill(t, r)
		r.RunUntil(epoch.Add(20 * time.Second)) // the caller hangs up at 12 s, unseen
		if !beat {
			st.alive = time.Time{}
		}
		restart(t, r, st, "run2", nil)
		recs := records(st)
		if len(recs) != 1 {
			t.Fatalf("records = %+v", recs)
		}
		rec := recs[0]
		lo := 8*time.Second - aliveEvery
		if !beat {
			lo = 0
		}
		if rec.Outcome != acd.OutcomeAbandoned || rec.Wait < lo || rec.Wait > 8*time.Second || rec.EndEarliest.Sub(epoch) < lo {
			t.Errorf("heartbeat %v: %s, wait %v, end from %v; want abandoned, a wait and end window from %v after the arrival",
				beat, rec.Outcome, rec.Wait, rec.EndEarliest.Sub(epoch), lo)
		}
		if !beat && rec.Wait > aliveEvery {
			t.Errorf("no heartbeat: wait %v; the control should see the first checkpoint's at most", rec.Wait)
		}
	}
}

// TestRestartAfterAgentAnswered: alice answers while Hotline is down; the
// restarted daemon finds her leg answered for a caller still waiting and
// connects the two, instead of hanging up on her and ringing her again.
func TestRestartAfterAgentAnswered(t *testing.T) {
	st := newMemStore()
	r := newRestartableRun(t, restartConfig, st)
	callAlice(t, r, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 2 * time.Second, HangupAfter: 30 * time.Second})
	r.RunUntil(epoch.Add(time.Second))
	kill(t, r)
	r.RunUntil(epoch.Add(6 * time.Second)) // alice answers at ~2 s, unseen
	snap, _ := r.Switch.Snapshot(context.Background())
	var leg pbx.ChannelID
	for _, ch := range snap.Channels {
		if ch.Vars[pbx.VarRole] == "agent" && ch.Answered {
			leg = ch.ID
		}
	}
	if leg == "" {
		t.Fatalf("no answered agent leg at 6 s: %+v", snap.Channels)
	}
	restart(t, r, st, "run2", nil)
	r.RunUntil(epoch.Add(10 * time.Second))

	s := r.Core.Status(r.Clock.Now())
	if len(s.Calls) != 1 || s.Calls[0].Agent != "alice" || s.Calls[0].Phase != acd.CallBridged.String() {
		t.Fatalf("live calls = %+v, want the caller talking to alice", s.Calls)
	}
	rec := st.calls[s.Calls[0].ID]
	if rec.AgentChannel != string(leg) {
		t.Errorf("alice talks on %s, want the leg she answered, %s", rec.AgentChannel, leg)
	}
	if got := timelineKinds(rec); !strings.Contains(got, "adopted-after-restart") {
		t.Errorf("timeline lacks the adoption: %s", got)
	}
	if w := r.Core.Warnings(); w["stranded-leg"] != 0 || w["command-failed"] != 0 {
		t.Errorf("warnings = %v", w)
	}
	if _, up := r.Switch.Channel(leg); !up {
		t.Errorf("alice's leg was hung up")
	}
}
