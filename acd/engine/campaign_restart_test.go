package engine

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

// restartableCampaign is the campaign rig in mode progressive with one
// agent, a1, whose Core can be killed and restarted while the simulated
// switch and its calls live on; extra is added to the campaign's config.
func restartableCampaign(t *testing.T, extra string) (*campaignRig, *SimRun, Options) {
	t.Helper()
	return restartableCampaignLeads(t, extra, nil)
}

// restartableCampaignLeads is restartableCampaign whose leads' phones,
// when lead is set, all behave so.
func restartableCampaignLeads(t *testing.T, extra string, lead *farend.Phone) (*campaignRig, *SimRun, Options) {
	t.Helper()
	cfg := strings.Replace(fmt.Sprintf(campaignConfig, "progressive", 1.0), "    ring_timeout: 20s\n", "    ring_timeout: 20s\n"+extra, 1)
	rig := newCampaignRigConfig(t, cfg, "a1")
	r := rig.r
	for _, p := range rig.phone {
		if lead != nil {
			if err := r.Switch.SetPhone("sim/"+p, *lead); err != nil {
				t.Fatal(err)
			}
		}
	}
	first := r.Core
	r.Core.out = runOutputs{r: r, core: &first}
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	return rig, r, r.Core.opts
}

// restartKeepingCalls starts a new Core on the rig's store the way the
// daemon does after a kill -9 (the switch kept its calls): restore from
// the store, then the switch's snapshot (Synced) and the campaigns' side
// (RestoreCampaigns, ReconcileLeads), in either order.
func restartKeepingCalls(t *testing.T, rig *campaignRig, r *SimRun, o Options, prefix string, syncFirst bool) {
	t.Helper()
	restartKeepingCallsVars(t, rig, r, o, prefix, syncFirst, false)
}

// restartKeepingCallsVars is restartKeepingCalls whose snapshot lacks the
// campaign's and lead's channel variables when bare, as Asterisk's does
// (it reports only the variables its channelvars list).
func restartKeepingCallsVars(t *testing.T, rig *campaignRig, r *SimRun, o Options, prefix string, syncFirst, bare bool) {
	t.Helper()
	restartGap(t, rig, r, o, prefix, syncFirst, bare, 0)
}

// restartGap is restartKeepingCallsVars whose sync, when first, comes gap
// before the campaigns' side, which acts on the snapshot taken before
// the sync, as the daemon's may.
func restartGap(t *testing.T, rig *campaignRig, r *SimRun, o Options, prefix string, syncFirst, bare bool, gap time.Duration) {
	t.Helper()
	restartEdited(t, rig, r, o, prefix, syncFirst, bare, gap, nil)
}

// restartEdited is restartGap whose snapshot edit changes first (what a
// switch reports that the simulated one does not).
func restartEdited(t *testing.T, rig *campaignRig, r *SimRun, o Options, prefix string, syncFirst, bare bool, gap time.Duration, edit func(*pbx.Snapshot)) {
	t.Helper()
	saved, err := LoadSaved(rig.db)
	if err != nil {
		t.Fatal(err)
	}
	now := r.Clock.Now()
	core := new(*Core)
	o.IDPrefix, o.Out = prefix, runOutputs{r: r, core: core}
	c, err := NewCore(o, now)
	if err != nil {
		t.Fatal(err)
	}
	*core = c
	c.Restore(now, saved)
	r.Core = c
	snap, err := r.Switch.Snapshot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range snap.Channels {
		if bare {
			delete(ch.Vars, VarCampaign)
			delete(ch.Vars, VarLead)
		}
	}
	if edit != nil {
		edit(&snap)
	}
	left, err := ReadLeftovers(rig.db, o.Config, now)
	if err != nil {
		t.Fatal(err)
	}
	camps, err := ReadCampaigns(rig.db, o.Config, now)
	if err != nil {
		t.Fatal(err)
	}
	sync := func() { c.Handle(now, pbx.Synced{Snapshot: snap}); r.drain() }
	if syncFirst {
		sync()
		r.RunUntil(now.Add(gap))
	}
	if err := r.Do(func(c *Core, now time.Time) error { c.ResumeCampaigns(now, camps, left, snap); return nil }); err != nil {
		t.Fatal(err)
	}
	if !syncFirst {
		sync()
	}
}

// talkingLead runs the rig of restartableCampaign until a1 talks to a
// lead (10 s) and returns that lead and its call.
func talkingLead(t *testing.T, rig *campaignRig, r *SimRun) (campaign.Lead, string) {
	t.Helper()
	r.RunUntil(epoch.Add(10 * time.Second))
	l := leadIn(t, rig, campaign.Connected)
	st := r.Core.Status(r.Clock.Now())
	if len(st.Calls) != 1 {
		t.Fatalf("calls %+v; want the lead's", st.Calls)
	}
	if c := st.Calls[0]; c.Caller != l.Phone || c.Direction != acd.DirectionOutbound {
		// The customer's number, as for a caller: not the campaign's caller id.
		t.Fatalf("the lead's call shows %q (%s); want the lead's number %s, outbound", c.Caller, c.Direction, l.Phone)
	}
	return l, st.Calls[0].ID
}

// leadIn is the one lead of the store in state s.
func leadIn(t *testing.T, rig *campaignRig, s campaign.LeadState) campaign.Lead {
	t.Helper()
	var out []campaign.Lead
	for _, l := range rig.leads(t) {
		if l.State == s {
			out = append(out, l)
		}
	}
	if len(out) != 1 {
		t.Fatalf("leads %s: %+v; want one\n%s", s, out, rig.trace)
	}
	return out[0]
}

// TestCampaignRestartKeepsConnectedLead: Hotline dies while a1 talks to a
// lead and comes back while the switch still holds the call. The call goes
// on with a1 on it; the lead's hang-up ends it with wrap-up, the
// disposition given then settles the lead, the record has the whole talk
// time, and the lead is never dialed again.
func TestCampaignRestartKeepsConnectedLead(t *testing.T) {
	for _, tc := range []struct{ syncFirst, bare bool }{{true, false}, {false, false}, {true, true}, {false, true}} {
		t.Run(fmt.Sprintf("sync first %v, no lead variables %v", tc.syncFirst, tc.bare), func(t *testing.T) {
			rig, r, o := restartableCampaign(t, "")
			r.RunUntil(epoch.Add(10 * time.Second))
			l := leadIn(t, rig, campaign.Connected)
			kill(t, r)
			r.RunUntil(epoch.Add(12 * time.Second))
			restartKeepingCallsVars(t, rig, r, o, "run2", tc.syncFirst, tc.bare)
			r.RunUntil(epoch.Add(13 * time.Second))
			st := r.Core.Status(r.Clock.Now())
			if a := st.Agents[0]; a.State != acd.OnCall.String() || len(st.Calls) != 1 || st.Calls[0].Agent != "a1" {
				t.Fatalf("after the restart: a1 %s, calls %+v; want a1 still talking\n%s", a.State, st.Calls, rig.trace)
			}
			id := st.Calls[0].ID
			r.RunUntil(epoch.Add(36 * time.Second)) // the lead hangs up at ~34 s; a1 in wrap-up
			if err := r.Do(func(c *Core, now time.Time) error { return c.Disposition(now, id, "sale", "") }); err != nil {
				t.Fatal(err)
			}
			r.RunUntil(epoch.Add(20 * time.Minute))

			got := rig.leads(t)[l.ID]
			if got.State == campaign.Connected || got.Disposition != "sale" || got.Attempts != 1 {
				t.Errorf("lead after its call: %+v; want settled by the disposition sale, dialed once\n%s", got, rig.trace)
			}
			recs := rig.dials(t)[l.Phone]
			if len(recs) != 1 {
				t.Fatalf("lead %s has %d call records; want 1 (never dialed again)", l.ID, len(recs))
			}
			rec := recs[0]
			if rec.ID != id || rec.Agent != "a1" || rec.Outcome != acd.OutcomeAnswered || rec.Talk < 25*time.Second || rec.Ended.IsZero() ||
				!strings.Contains(timelineKinds(rec), "lead-readopted") {
				t.Errorf("record %s: agent %q outcome %q talk %v ended %v timeline %s; want a1's answered call of ~30 s, readopted",
					rec.ID, rec.Agent, rec.Outcome, rec.Talk, rec.Ended, timelineKinds(rec))
			}
			for _, step := range rec.Timeline {
				if want := l.ID + " connected"; step.Kind == "lead-readopted" && step.Detail != want {
					t.Errorf("lead-readopted step says %q; want %q", step.Detail, want)
				}
			}
		})
	}
}

// TestCampaignRestartInWrapUp: Hotline dies after a lead's call ended,
// while a1 is in wrap-up; the lead is not dialed again, its outcome
// stands.
func TestCampaignRestartInWrapUp(t *testing.T) {
	rig, r, o := restartableCampaign(t, "")
	r.RunUntil(epoch.Add(10 * time.Second))
	l := leadIn(t, rig, campaign.Connected)
	r.RunUntil(epoch.Add(36 * time.Second)) // its call ends at ~34 s
	kill(t, r)
	r.RunUntil(epoch.Add(37 * time.Second))
	restartKeepingCalls(t, rig, r, o, "run2", true)
	r.RunUntil(epoch.Add(30 * time.Minute))
	got := rig.leads(t)[l.ID]
	if got.Attempts != 1 || got.State == campaign.Connected || got.Disposition != "completed" {
		t.Errorf("lead after a restart in wrap-up: %+v; want completed, dialed once\n%s", got, rig.trace)
	}
	if recs := rig.dials(t)[l.Phone]; len(recs) != 1 {
		t.Errorf("lead %s has %d call records; want 1", l.ID, len(recs))
	}
}

// TestCampaignRestartAnsweredLead: Hotline dies just after a lead answered,
// before a1 took it. Back within its ConnectWithin, the lead goes to a1;
// back after it, the lead hears the safe-harbour message, is counted
// abandoned and rests as abandoned leads do. So too when the live record
// of the answered lead was not saved before the crash (lost), and when
// the answer came while Hotline was down (unseen: the lead still Dialing
// in the store, its ConnectWithin counted from its dial), the switch's
// snapshot naming the lead or not (bare, as Asterisk's).
func TestCampaignRestartAnsweredLead(t *testing.T) {
	agent, none := farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 500 * time.Millisecond}, farend.Phone{Mode: farend.PhoneNoAnswer}
	for _, tc := range []struct {
		name               string
		back               time.Duration
		agent              farend.Phone
		abandoned          bool
		lost, unseen, bare bool
	}{
		{"within connect_within", 5 * time.Second, agent, false, false, false, false},
		{"after connect_within", 16 * time.Second, none, true, false, false, false},
		{"live record lost, within connect_within", 5 * time.Second, agent, false, true, false, true},
		{"live record lost, after connect_within", 16 * time.Second, none, true, true, false, false},
		{"live record lost, after connect_within, no lead variables", 16 * time.Second, none, true, true, false, true},
		{"answer unseen, within connect_within", 5 * time.Second, agent, false, false, true, true},
		{"answer unseen, after connect_within", 16 * time.Second, none, true, false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rig, r, o := restartableCampaign(t, "    connect_within: 10s\n")
			if err := r.Switch.SetPhone("sim/a1", tc.agent); err != nil {
				t.Fatal(err)
			}
			at, state := 4*time.Second+100*time.Millisecond, campaign.Answered
			if tc.unseen {
				at, state = 3*time.Second, campaign.Dialing // the lead answers at 4 s
			}
			r.RunUntil(epoch.Add(at))
			l := leadIn(t, rig, state)
			kill(t, r)
			if tc.lost {
				if err := rig.db.Write([]store.Op{store.DeleteActive(rig.dials(t)[l.Phone][0].ID)}); err != nil {
					t.Fatal(err)
				}
			}
			r.RunUntil(epoch.Add(tc.back))
			restartKeepingCallsVars(t, rig, r, o, "run2", !tc.lost && !tc.unseen, tc.bare)
			statsAt := tc.back + time.Second
			if !tc.abandoned {
				statsAt = 16 * time.Second // past connect_within: counted connected
			}
			r.RunUntil(epoch.Add(statsAt))
			st := r.Core.Campaigns(r.Clock.Now())[0].Stats
			r.RunUntil(epoch.Add(20 * time.Minute))
			if w := r.Core.Warnings(); w["command-failed"]+w["unknown-channel"]+w["illegal-transition"] != 0 {
				t.Errorf("warnings %v\n%s", w, rig.trace)
			}
			got := rig.leads(t)[l.ID]
			recs := rig.dials(t)[l.Phone]
			if len(recs) == 0 {
				t.Fatalf("lead %s has no call record", l.ID)
			}
			rec := recs[0]
			if tc.abandoned {
				if len(recs) != 1 || got.Attempts != 1 || got.LastOutcome != campaign.Abandoned || got.AbandonedAt.IsZero() || st.Abandoned != 1 ||
					rec.Outcome != acd.OutcomeAbandoned || !strings.Contains(timelineKinds(rec), "safe-harbour") {
					t.Errorf("lead %+v, stats %+v, record %q %s; want abandoned with the safe-harbour message\n%s", got, st, rec.Outcome, timelineKinds(rec), rig.trace)
				}
				return
			}
			if len(recs) != 1 || got.Attempts != 1 || got.Disposition != "completed" || st.Connected != 1 || st.Abandoned != 0 || rec.Agent != "a1" || rec.Outcome != acd.OutcomeAnswered {
				t.Errorf("lead %+v, stats %+v, record agent %q %q; want connected to a1 after the restart\n%s", got, st, rec.Agent, rec.Outcome, rig.trace)
			}
		})
	}
}

// TestCampaignRestartWhileLeadRings: Hotline dies while a lead rings and
// comes back before it answers, the switch still ringing it. Whichever
// comes first, the switch's snapshot or the campaigns' side, and whether
// or not the snapshot names the lead (Asterisk's does not), the ringing
// channel is neither hung up nor taken for an inbound caller: the campaign
// watches it again. Answered, it goes to a1; never answered, it gets its
// no-answer outcome and retry. Either way one attempt, one record.
func TestCampaignRestartWhileLeadRings(t *testing.T) {
	for _, tc := range []struct {
		syncFirst, bare, answers bool
		gap                      time.Duration // between the sync and the campaigns' side
	}{
		{true, false, true, 0}, {false, false, true, 0}, {true, true, true, 0}, {false, true, true, 0}, {false, true, false, 0},
		// The answer, or the end at the ring timeout (20 s), comes between.
		{true, true, true, 2 * time.Second}, {true, true, false, 18 * time.Second},
	} {
		t.Run(fmt.Sprintf("sync first %v, no lead variables %v, answers %v, gap %v", tc.syncFirst, tc.bare, tc.answers, tc.gap), func(t *testing.T) {
			var lead *farend.Phone
			if !tc.answers {
				lead = &farend.Phone{Mode: farend.PhoneNoAnswer}
			}
			rig, r, o := restartableCampaignLeads(t, "", lead)
			r.RunUntil(epoch.Add(2 * time.Second)) // the lead answers at 4 s
			l := leadIn(t, rig, campaign.Dialing)
			kill(t, r)
			r.RunUntil(epoch.Add(3 * time.Second))
			restartGap(t, rig, r, o, "run2", tc.syncFirst, tc.bare, tc.gap)
			r.RunUntil(epoch.Add(10 * time.Second))
			if recs := rig.records(t, acd.DirectionInbound); len(recs) != 0 {
				t.Errorf("inbound records %+v; want none (the lead taken for a caller)", recs)
			}
			if w := r.Core.Warnings(); w["command-failed"]+w["stranded-leg"]+w["unknown-channel"] != 0 {
				t.Errorf("warnings after the restart: %v\n%s", w, rig.trace)
			}
			if tc.answers {
				if st := r.Core.Status(r.Clock.Now()); len(st.Calls) != 1 || st.Calls[0].Agent != "a1" {
					t.Errorf("calls after the restart: %+v; want the lead talking to a1\n%s", st.Calls, rig.trace)
				}
			}
			r.RunUntil(epoch.Add(60 * time.Second))
			got := rig.leads(t)[l.ID]
			recs := rig.dials(t)[l.Phone]
			if len(recs) != 1 || got.Attempts != 1 {
				t.Fatalf("lead %+v, %d records; want one attempt, one record\n%s", got, len(recs), rig.trace)
			}
			rec := recs[0]
			if tc.answers {
				if got.State != campaign.Done || got.Disposition != "completed" || rec.Agent != "a1" || rec.Outcome != acd.OutcomeAnswered || rec.Talk < 25*time.Second {
					t.Errorf("lead %+v, record agent %q %q talk %v; want connected to a1 and completed\n%s", got, rec.Agent, rec.Outcome, rec.Talk, rig.trace)
				}
			} else if got.LastOutcome != campaign.NoAnswer || got.State == campaign.Dialing || rec.Cause != string(pbx.FailNoAnswer) || rec.Outcome != acd.OutcomeFailed {
				t.Errorf("lead %+v, record %q cause %q; want its no-answer outcome and retry\n%s", got, rec.Outcome, rec.Cause, rig.trace)
			}
			if st := r.Core.Campaigns(r.Clock.Now())[0].Stats; st.Dialed < 1 || st.Failed != 0 {
				t.Errorf("stats %+v; want no attempt failed by the restart", st)
			}
		})
	}
}

// TestCampaignReconnectKeepsRingingLead: a reconnect to the switch (no
// restart) while a lead rings leaves that lead ringing: it is this run's,
// neither a stranded leg nor a caller to adopt, and answers into its
// campaign as usual.
func TestCampaignReconnectKeepsRingingLead(t *testing.T) {
	rig, r, _ := restartableCampaign(t, "")
	r.RunUntil(epoch.Add(2 * time.Second)) // the lead answers at 4 s
	l := leadIn(t, rig, campaign.Dialing)
	snap, err := r.Switch.Snapshot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Do(func(c *Core, now time.Time) error {
		c.Handle(now, pbx.Synced{Snapshot: snap, Reconnect: true})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(10 * time.Second))
	if got := rig.leads(t)[l.ID]; got.State != campaign.Connected {
		t.Errorf("lead after the reconnect: %+v; want connected to a1\n%s", got, rig.trace)
	}
	if recs := rig.records(t, acd.DirectionInbound); len(recs) != 0 {
		t.Errorf("inbound records %+v; want none (the lead taken for a caller)", recs)
	}
}

// TestCampaignRestartDuringMachineMessage: Hotline dies while a machine
// hears the campaign's message. The lead was settled (machine, retried
// later); the restart closes the call's record, open till then: failed,
// cause restart, its message cut. The lead is not dialed again before its
// machine delay.
func TestCampaignRestartDuringMachineMessage(t *testing.T) {
	for _, syncFirst := range []bool{true, false} {
		t.Run(fmt.Sprintf("sync first %v", syncFirst), func(t *testing.T) {
			extra := "    answering_machine: message\n    machine_message: [sound:machine-msg]\n"
			rig, r, o := restartableCampaignLeads(t, extra, &farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 2 * time.Second, Machine: true})
			var l campaign.Lead
			for at := time.Second; l.ID == "" && at < 30*time.Second; at += 100 * time.Millisecond {
				r.RunUntil(epoch.Add(at))
				for _, cand := range rig.leads(t) {
					if cand.LastOutcome == campaign.Machine {
						l = cand
					}
				}
			}
			recs := rig.dials(t)[l.Phone]
			if l.ID == "" || len(recs) != 1 || recs[0].Outcome != acd.OutcomeInProgress {
				t.Fatalf("at the crash: lead %+v, records %+v; want a machine hearing its message\n%s", l, recs, rig.trace)
			}
			kill(t, r)
			back := r.Clock.Now().Add(500 * time.Millisecond)
			r.RunUntil(back)
			restartKeepingCalls(t, rig, r, o, "run2", syncFirst)
			r.RunUntil(back.Add(time.Second))
			recs = rig.dials(t)[l.Phone]
			if len(recs) != 1 {
				t.Fatalf("lead %s has %d records; want 1", l.ID, len(recs))
			}
			rec := recs[0]
			if rec.Outcome != acd.OutcomeFailed || rec.Cause != causeRestart || rec.Ended.IsZero() || !hasStep(rec, "closed-at-restart", "machine message cut by a restart") {
				t.Errorf("record after the restart: outcome %q cause %q ended %v timeline %s; want closed as a machine message cut\n%s",
					rec.Outcome, rec.Cause, rec.Ended, timelineKinds(rec), rig.trace)
			}
			if got := rig.leads(t)[l.ID]; got.Attempts != 1 || got.LastOutcome != campaign.Machine {
				t.Errorf("lead after the restart: %+v; want its machine outcome", got)
			}
			if st := r.Core.Status(r.Clock.Now()); len(st.Calls) != 0 {
				t.Errorf("calls after the restart: %+v; want none", st.Calls)
			}
			if recs := rig.records(t, acd.DirectionInbound); len(recs) != 0 {
				t.Errorf("inbound records %+v; want none", recs)
			}
		})
	}
}

// TestCampaignRestartKeepsDisposition: the agent gives a disposition
// during the call, then Hotline dies; the call goes on and ends after the
// restart with no second disposition: the lead is settled by the one
// given, and the record keeps it and its notes.
func TestCampaignRestartKeepsDisposition(t *testing.T) {
	for _, tc := range []struct {
		name       string
		killAt, up time.Duration
	}{
		{"during the call", 11 * time.Second, time.Second},
		{"in wrap-up", 36 * time.Second, time.Second}, // the call ends at ~34 s
		// The call ends while Hotline is down: the lead was settled
		// "completed" and the callback promised lost.
		{"the call ends while down", 30 * time.Second, 8 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rig, r, o := restartableCampaign(t, "")
			l, id := talkingLead(t, rig, r)
			if err := r.Do(func(c *Core, now time.Time) error { return c.Disposition(now, id, "call-back", "after six") }); err != nil {
				t.Fatal(err)
			}
			r.RunUntil(epoch.Add(tc.killAt))
			kill(t, r)
			r.RunUntil(epoch.Add(tc.killAt + tc.up))
			restartKeepingCalls(t, rig, r, o, "run2", true)
			r.RunUntil(epoch.Add(time.Minute)) // the callback is due after the no-answer delay
			got := rig.leads(t)[l.ID]
			if got.State != campaign.Callback || got.Disposition != "call-back" {
				t.Errorf("lead after its call: %+v; want settled by the disposition given before the restart\n%s", got, rig.trace)
			}
			if recs := rig.dials(t)[l.Phone]; len(recs) == 0 || recs[0].Disposition != "call-back" || recs[0].Notes != "after six" {
				t.Errorf("records %+v; want the first to keep disposition call-back, notes \"after six\"", recs)
			}
		})
	}
}

// TestCampaignRestartDispositionInRestoredWrapUp: the call ends while
// Hotline is down and no disposition was given; the restarted daemon
// brings a1 back in wrap-up, and the disposition she gives then settles
// the lead, as it would have without the restart (it was settled
// "completed" at once, and her disposition answered 200 and reached only
// the record). Once settled, another disposition is refused, but for an
// opt-out, which lists the number.
func TestCampaignRestartDispositionInRestoredWrapUp(t *testing.T) {
	rig, r, o := restartableCampaign(t, "")
	l, id := talkingLead(t, rig, r)
	r.RunUntil(epoch.Add(30 * time.Second))
	kill(t, r)
	r.RunUntil(epoch.Add(36 * time.Second)) // the call ends at ~34 s
	restartKeepingCalls(t, rig, r, o, "run2", true)
	r.RunUntil(epoch.Add(37 * time.Second))
	if got := rig.leads(t)[l.ID]; got.State != campaign.Connected {
		t.Fatalf("lead while a1 wraps up after the restart: %+v; want still connected, its disposition to come\n%s", got, rig.trace)
	}
	if err := r.Do(func(c *Core, now time.Time) error { return c.Disposition(now, id, " Call-Back", "") }); err != nil {
		t.Fatal(err) // the campaign's call-back, whatever its case
	}
	r.RunUntil(epoch.Add(38 * time.Second))
	if got := rig.leads(t)[l.ID]; got.State != campaign.Callback || got.Disposition != "call-back" {
		t.Errorf("lead after the disposition in the restored wrap-up: %+v; want a callback", got)
	}
	err := r.Do(func(c *Core, now time.Time) error { return c.Disposition(now, id, "sale", "") })
	if !errors.Is(err, ErrCallState) || !strings.Contains(err.Error(), "settled already (as call-back)") {
		t.Errorf("a second disposition of the settled lead: %v; want ErrCallState naming call-back", err)
	}
	if err := r.Do(func(c *Core, now time.Time) error { return c.Disposition(now, id, "call-back", "notes later") }); err != nil {
		t.Errorf("notes on the same disposition: %v", err)
	}
	if err := r.Do(func(c *Core, now time.Time) error { return c.Disposition(now, id, "stop", "") }); err != nil {
		t.Fatalf("an opt-out after the lead was settled: %v", err)
	}
	r.RunUntil(epoch.Add(40 * time.Second))
	listed := false
	err = rig.db.DNCList("renewals", func(e store.DNCEntry) bool {
		listed = listed || e.Phone == l.Phone
		return true
	})
	if err != nil || !listed {
		t.Errorf("after the late opt-out the number is listed: %v (%v); want listed", listed, err)
	}
	// The record keeps the disposition the lead was settled by, as the
	// lead and the reports do, with a step for the opt-out (it took "stop").
	rec, err := rig.db.Call(id)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Disposition != "call-back" || rec.Notes != "notes later" || !hasStep(*rec, "opt-out", "stop") {
		t.Errorf("record after the late opt-out: %q %q %+v; want call-back kept, its notes, an opt-out step", rec.Disposition, rec.Notes, rec.Timeline)
	}
}

// TestCampaignRestartConnectedLeadSavedAnswered: a1 took a lead in time
// and the live record says so (bridged), but the write that made the lead
// connected was not yet durable at the kill: the store has it answered,
// with the counts from before. Its call ends while Hotline is down. The
// record, not the lead's older state, says what happened: a live answer
// connected, a1 back in wrap-up may still give a disposition, and with
// none the lead is completed, nothing abandoned, the campaign not paused
// for a cap it never broke.
func TestCampaignRestartConnectedLeadSavedAnswered(t *testing.T) {
	rig, r, o := restartableCampaign(t, "")
	r.RunUntil(epoch.Add(4*time.Second + 100*time.Millisecond))
	answered := leadIn(t, rig, campaign.Answered)
	progress, err := rig.db.CampaignProgress()
	if err != nil || len(progress) != 1 {
		t.Fatalf("progress %+v %v", progress, err)
	}
	r.RunUntil(epoch.Add(10 * time.Second))
	leadIn(t, rig, campaign.Connected)
	kill(t, r)
	r.RunUntil(epoch.Add(36 * time.Second)) // the lead hangs up at ~34 s

	// The lead, counts and hour as they were before a1 took it.
	hour := &campaign.HourCount{Campaign: "renewals", Hour: epoch.UTC().Truncate(time.Hour)}
	if err := rig.db.Write([]store.Op{store.PutLead(&answered), store.PutCampaignProgress(&progress[0]), store.PutCampaignHour(hour)}); err != nil {
		t.Fatal(err)
	}
	restartKeepingCalls(t, rig, r, o, "run2", true)
	// a1 is back in wrap-up, where a disposition may still come; none does.
	r.RunUntil(epoch.Add(37 * time.Second))
	if got := rig.leads(t)[answered.ID]; got.State != campaign.Connected {
		t.Errorf("lead while a1 wraps up after the restart: %+v; want connected, its disposition to come\n%s", got, rig.trace)
	}
	r.RunUntil(epoch.Add(45 * time.Second))
	st := r.Core.Campaigns(r.Clock.Now())[0]
	got := rig.leads(t)[answered.ID]
	if got.Attempts != 1 || got.State != campaign.Done || got.Disposition != "completed" || !got.AbandonedAt.IsZero() {
		t.Errorf("lead %+v; want completed, never counted abandoned\n%s", got, rig.trace)
	}
	if st.Stats.Abandoned != 0 || st.Stats.Connected != 1 || st.State != CampaignRunning {
		t.Errorf("campaign %s (%s), stats %+v; want running, the lead counted connected", st.State, st.PausedBecause, st.Stats)
	}
	if recs := rig.dials(t)[answered.Phone]; len(recs) != 1 || recs[0].Agent != "a1" || recs[0].Outcome != acd.OutcomeAnswered {
		t.Errorf("records %+v; want a1's one answered call", recs)
	}
}

// TestCampaignCallbackDueBeforeBacklog: a callback due at 2 minutes is
// dialed as soon as a1 is free after that, ahead of the leads that were
// due since the import and are not dialed yet. A hopper read took the
// longest due first, so it waited until every earlier lead was dialed, and
// only once the hopper had run down to half.
// With a restart between the disposition and the callback, the restarted
// daemon reads the callbacks waiting from the store.
func TestCampaignCallbackDueBeforeBacklog(t *testing.T) {
	for _, restarted := range []bool{false, true} {
		t.Run(fmt.Sprintf("restarted=%v", restarted), func(t *testing.T) { callbackBeforeBacklog(t, restarted) })
	}
}

func callbackBeforeBacklog(t *testing.T, restarted bool) {
	rig, r, o := restartableCampaign(t, "    hopper: 4\n")
	l, id := talkingLead(t, rig, r)
	at := epoch.Add(2 * time.Minute)
	if err := r.Do(func(c *Core, now time.Time) error { return c.DispositionCallback(now, id, "call-back", "", at) }); err != nil {
		t.Fatal(err)
	}
	if restarted {
		r.RunUntil(epoch.Add(50 * time.Second))
		kill(t, r)
		r.RunUntil(epoch.Add(52 * time.Second))
		restartKeepingCalls(t, rig, r, o, "run2", true)
	}
	r.RunUntil(at.Add(45 * time.Second)) // a1 may be on a call of 30 s, then wrap up 5 s
	recs := rig.dials(t)[l.Phone]
	if len(recs) != 2 || recs[1].Entered.Before(at) {
		t.Fatalf("the callback lead's dials %d, the last at %v; want a second dial after %v\n%s", len(recs), recs[len(recs)-1].Entered, at, rig.trace)
	}
	undialed := 0
	for _, ld := range rig.leads(t) {
		if ld.State == campaign.New && rig.kinds[ld.ID] != leadDNC && rig.kinds[ld.ID] != leadNotNow {
			undialed++
		}
	}
	if undialed == 0 {
		t.Errorf("every lead was dialed before the callback: the test wants a backlog")
	}
}

// TestCampaignLeftOutcome: the outcome a restart gives the open record of
// an attempt settled before it: a person's answer no agent took is
// abandoned, as the campaign counted it, even when the record's last
// checkpoint came before the safe-harbour message (it said failed, and
// the record and the campaign's figures disagreed).
func TestCampaignLeftOutcome(t *testing.T) {
	_, r, _ := restartableCampaign(t, "")
	dial := store.Step{Kind: "dial", Detail: "campaign=renewals lead=L01 attempt=1"}
	for _, tc := range []struct {
		name  string
		steps []string
		agent string
		want  acd.Outcome
	}{
		{"answered, no agent, no message yet", []string{"lead-answered"}, "", acd.OutcomeAbandoned},
		{"the safe-harbour message", []string{"lead-answered", "safe-harbour"}, "", acd.OutcomeAbandoned},
		{"an agent took it", []string{"lead-answered"}, "a1", acd.OutcomeAnswered},
		{"a machine", []string{"machine"}, "", acd.OutcomeFailed},
		{"never answered", nil, "", acd.OutcomeFailed},
	} {
		rec := &store.CallRecord{ID: "c1", Agent: tc.agent, Timeline: []store.Step{dial}}
		for _, k := range tc.steps {
			rec.Timeline = append(rec.Timeline, store.Step{Kind: k})
		}
		if err := r.Do(func(c *Core, _ time.Time) error {
			if got := c.leftOutcome(rec); got != tc.want {
				t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	other := &store.CallRecord{ID: "c2", Timeline: []store.Step{{Kind: "dial", Detail: "campaign=gone lead=L01 attempt=1"}, {Kind: "lead-answered"}}}
	if err := r.Do(func(c *Core, _ time.Time) error {
		if got := c.leftOutcome(other); got != acd.OutcomeFailed {
			t.Errorf("a campaign no longer configured: %s, want failed", got)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestCampaignRestartAgentHungUpWhileDown: a1 gives a disposition during
// the call, Hotline dies, and a1 hangs up while it is down, the lead still
// on the line. The restarted daemon ends the call the agent left (the sync)
// and settles the lead by the disposition given; the lead was hung up and
// dialed again as "lost-at-restart", talking to an agent twice, its sale
// lost. So too with no disposition: completed, not dialed again.
func TestCampaignRestartAgentHungUpWhileDown(t *testing.T) {
	for _, tc := range []struct {
		disposition     string
		syncFirst, bare bool
		want            campaign.LeadState
	}{{"sale", true, false, campaign.Done}, {"sale", false, false, campaign.Done}, {"", true, false, campaign.Done},
		{"call-back", true, false, campaign.Callback}, {"sale", true, true, campaign.Done}} {
		t.Run(fmt.Sprintf("disposition %q, sync first %v, no lead variables %v", tc.disposition, tc.syncFirst, tc.bare), func(t *testing.T) {
			rig, r, o := restartableCampaign(t, "")
			// a1 answers in 0.5 s and hangs up 12 s later (~17 s); the lead
			// would stay on until ~34 s.
			if err := r.Switch.SetPhone("sim/a1", farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 500 * time.Millisecond, HangupAfter: 12 * time.Second}); err != nil {
				t.Fatal(err)
			}
			l, id := talkingLead(t, rig, r)
			if tc.disposition != "" {
				if err := r.Do(func(c *Core, now time.Time) error { return c.Disposition(now, id, tc.disposition, "sold") }); err != nil {
					t.Fatal(err)
				}
			}
			r.RunUntil(epoch.Add(11 * time.Second))
			kill(t, r)
			r.RunUntil(epoch.Add(25 * time.Second)) // a1 hangs up at ~17 s
			restartKeepingCallsVars(t, rig, r, o, "run2", tc.syncFirst, tc.bare)
			r.RunUntil(epoch.Add(26 * time.Second))
			if tc.disposition == "" {
				// Back in wrap-up, a1 gives none: the lead is completed.
				r.RunUntil(epoch.Add(2 * time.Minute))
			}
			got := rig.leads(t)[l.ID]
			want := cmp.Or(tc.disposition, "completed")
			if got.State != tc.want || got.Disposition != want || got.Attempts != 1 {
				t.Errorf("lead after its agent hung up while Hotline was down: %s %q, %d attempts; want %s %q, dialed once\n%s",
					got.State, got.Disposition, got.Attempts, tc.want, want, rig.trace)
			}
			// Not dialed again: for a callback, not before it is due (5 min).
			until := 40 * time.Minute
			if tc.want == campaign.Callback {
				until = 4 * time.Minute
			}
			r.RunUntil(epoch.Add(until))
			if recs := rig.dials(t)[l.Phone]; len(recs) != 1 || recs[0].Agent != "a1" || recs[0].Disposition != tc.disposition {
				t.Errorf("lead %s has %d call records (%+v); want 1, a1's, disposition %q", l.ID, len(recs), recs, tc.disposition)
			}
			if a := r.Core.Status(r.Clock.Now()).Agents[0]; a.State != acd.Available.String() {
				t.Errorf("a1 after it all: %s; want available", a.State)
			}
		})
	}
}

// TestCampaignRestartSavedAnsweredAgentHungUpWhileDown: a1 took a lead in
// time, but the write that made the lead connected was lost with the kill
// (the store has it answered); a1 hangs up while Hotline is down, the lead
// still on the line. The record says a1 took it in time: the lead is a live
// answer connected and settled by the disposition given, never dialed again
// nor counted abandoned.
func TestCampaignRestartSavedAnsweredAgentHungUpWhileDown(t *testing.T) {
	rig, r, o := restartableCampaign(t, "")
	if err := r.Switch.SetPhone("sim/a1", farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 500 * time.Millisecond, HangupAfter: 12 * time.Second}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(4*time.Second + 100*time.Millisecond))
	answered := leadIn(t, rig, campaign.Answered)
	progress, err := rig.db.CampaignProgress()
	if err != nil || len(progress) != 1 {
		t.Fatalf("progress %+v %v", progress, err)
	}
	l, id := talkingLead(t, rig, r)
	if err := r.Do(func(c *Core, now time.Time) error { return c.Disposition(now, id, "sale", "") }); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(11 * time.Second))
	kill(t, r)
	r.RunUntil(epoch.Add(25 * time.Second)) // a1 hangs up at ~17 s
	hour := &campaign.HourCount{Campaign: "renewals", Hour: epoch.UTC().Truncate(time.Hour)}
	if err := rig.db.Write([]store.Op{store.PutLead(&answered), store.PutCampaignProgress(&progress[0]), store.PutCampaignHour(hour)}); err != nil {
		t.Fatal(err)
	}
	restartKeepingCalls(t, rig, r, o, "run2", true)
	r.RunUntil(epoch.Add(40 * time.Minute))
	got := rig.leads(t)[l.ID]
	if got.State != campaign.Done || got.Disposition != "sale" || got.Attempts != 1 || !got.AbandonedAt.IsZero() {
		t.Errorf("lead %s %q, %d attempts, abandoned at %v; want done by the sale, dialed once, never abandoned\n%s",
			got.State, got.Disposition, got.Attempts, got.AbandonedAt, rig.trace)
	}
	if st := r.Core.Campaigns(r.Clock.Now())[0]; st.Stats.Abandoned != 0 || st.Stats.Connected != st.Stats.Answered {
		t.Errorf("campaign stats %+v; want every answer connected, none abandoned", st.Stats)
	}
	if recs := rig.dials(t)[l.Phone]; len(recs) != 1 || recs[0].Agent != "a1" || recs[0].Disposition != "sale" {
		t.Errorf("records %+v; want a1's one, its sale", recs)
	}
}

// TestCampaignSwitchRestartedWhileDown: Hotline dies while a lead rings,
// or has answered and waits for an agent (a1's phone does not answer);
// the switch then restarts, ending the lead's call, and Hotline comes back
// to a switch whose uptime says so. As when Hotline sees the switch shut
// down, the lead is called again later, its attempt cut, last outcome
// switch-shutdown, cut once; counted neither failed nor abandoned; its
// record closed by the system with cause switch-shutdown. Before, a ringing
// lead was settled as a failed attempt and an answered one as abandoned.
func TestCampaignSwitchRestartedWhileDown(t *testing.T) {
	for _, tc := range []struct {
		name            string
		killAt          time.Duration
		state           campaign.LeadState
		lost, syncFirst bool
	}{
		{"ringing, sync first", 2 * time.Second, campaign.Dialing, false, true},
		{"ringing, campaigns first", 2 * time.Second, campaign.Dialing, false, false},
		{"answered, call restored, sync first", 4*time.Second + 100*time.Millisecond, campaign.Answered, false, true},
		{"answered, call restored, campaigns first", 4*time.Second + 100*time.Millisecond, campaign.Answered, false, false},
		{"answered, live record lost", 4*time.Second + 100*time.Millisecond, campaign.Answered, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rig, r, o := restartableCampaign(t, "    connect_within: 10s\n")
			if err := r.Switch.SetPhone("sim/a1", farend.Phone{Mode: farend.PhoneNoAnswer}); err != nil {
				t.Fatal(err)
			}
			r.RunUntil(epoch.Add(tc.killAt)) // the lead answers at 4 s
			l := leadIn(t, rig, tc.state)
			kill(t, r)
			if tc.lost {
				if err := rig.db.Write([]store.Op{store.DeleteActive(rig.dials(t)[l.Phone][0].ID)}); err != nil {
					t.Fatal(err)
				}
			}
			hangUpAll(t, r, pbx.CauseSwitchShutdown)
			restarted := epoch.Add(tc.killAt + time.Second)
			r.RunUntil(epoch.Add(tc.killAt + 3*time.Second))
			restartEdited(t, rig, r, o, "run2", tc.syncFirst, false, 0, func(s *pbx.Snapshot) { s.Started = restarted })
			r.RunUntil(epoch.Add(tc.killAt + 5*time.Second))
			st := r.Core.Campaigns(r.Clock.Now())[0].Stats
			got := rig.leads(t)[l.ID]
			recs := rig.dials(t)[l.Phone]
			if got.State != campaign.Scheduled || got.LastOutcome != campaign.SwitchShutdown || got.Cut != 1 || got.Attempts != 1 {
				t.Errorf("lead %s, last outcome %s, cut %d, attempts %d; want scheduled again after switch-shutdown, its one attempt cut\n%s",
					got.State, got.LastOutcome, got.Cut, got.Attempts, rig.trace)
			}
			if st.SwitchShutdown != 1 || st.Failed+st.NoAnswer+st.Abandoned != 0 {
				t.Errorf("stats %+v; want one dial switch-shutdown, none failed, unanswered or abandoned", st)
			}
			if len(recs) != 1 || recs[0].Cause != causeSwitchShutdown || recs[0].HangupBy != acd.HangupSystem || recs[0].Ended.IsZero() {
				t.Errorf("records %+v; want one, ended by the system, cause switch-shutdown", recs)
			}
		})
	}
}
