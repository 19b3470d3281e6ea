package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// restartableCampaign is the campaign rig in mode progressive with one
// agent, a1, whose Core can be killed and restarted while the simulated
// switch and its calls live on; extra is added to the campaign's config.
func restartableCampaign(t *testing.T, extra string) (*campaignRig, *SimRun, Options) {
	t.Helper()
	cfg := strings.Replace(fmt.Sprintf(campaignConfig, "progressive", 1.0), "    ring_timeout: 20s\n", "    ring_timeout: 20s\n"+extra, 1)
	rig := newCampaignRigConfig(t, cfg, "a1")
	r := rig.r
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
	}
	if err := r.Do(func(c *Core, now time.Time) error { c.ResumeCampaigns(now, camps, left, snap); return nil }); err != nil {
		t.Fatal(err)
	}
	if !syncFirst {
		sync()
	}
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
// abandoned and rests as abandoned leads do.
func TestCampaignRestartAnsweredLead(t *testing.T) {
	for _, tc := range []struct {
		name      string
		back      time.Duration
		agent     farend.Phone
		abandoned bool
	}{
		{"within connect_within", 5 * time.Second, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 500 * time.Millisecond}, false},
		{"after connect_within", 16 * time.Second, farend.Phone{Mode: farend.PhoneNoAnswer}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rig, r, o := restartableCampaign(t, "    connect_within: 10s\n")
			if err := r.Switch.SetPhone("sim/a1", tc.agent); err != nil {
				t.Fatal(err)
			}
			r.RunUntil(epoch.Add(4*time.Second + 100*time.Millisecond))
			l := leadIn(t, rig, campaign.Answered)
			kill(t, r)
			r.RunUntil(epoch.Add(tc.back))
			restartKeepingCalls(t, rig, r, o, "run2", true)
			r.RunUntil(epoch.Add(tc.back + time.Second))
			st := r.Core.Campaigns(r.Clock.Now())[0].Stats
			r.RunUntil(epoch.Add(20 * time.Minute))
			got := rig.leads(t)[l.ID]
			recs := rig.dials(t)[l.Phone]
			if len(recs) == 0 {
				t.Fatalf("lead %s has no call record", l.ID)
			}
			rec := recs[0]
			if tc.abandoned {
				if got.LastOutcome != campaign.Abandoned || got.AbandonedAt.IsZero() || st.Abandoned != 1 ||
					rec.Outcome != acd.OutcomeAbandoned || !strings.Contains(timelineKinds(rec), "safe-harbour") {
					t.Errorf("lead %+v, stats %+v, record %q %s; want abandoned with the safe-harbour message\n%s", got, st, rec.Outcome, timelineKinds(rec), rig.trace)
				}
				return
			}
			if got.Attempts != 1 || got.Disposition != "completed" || st.Connected != 1 || st.Abandoned != 0 || rec.Agent != "a1" || rec.Outcome != acd.OutcomeAnswered {
				t.Errorf("lead %+v, stats %+v, record agent %q %q; want connected to a1 after the restart\n%s", got, st, rec.Agent, rec.Outcome, rig.trace)
			}
		})
	}
}

// TestCampaignRestartWhileLeadRings: Hotline dies while a lead rings and
// comes back before it answers. Whichever comes first, the switch's
// snapshot or the campaigns' side, the ringing channel is hung up (not
// taken for an inbound caller) and the attempt is settled as failed, with
// its record; the lead is dialed again later as a new attempt.
func TestCampaignRestartWhileLeadRings(t *testing.T) {
	for _, syncFirst := range []bool{true, false} {
		t.Run(fmt.Sprintf("sync first %v", syncFirst), func(t *testing.T) {
			rig, r, o := restartableCampaign(t, "")
			r.RunUntil(epoch.Add(2 * time.Second)) // the lead answers at 4 s
			l := leadIn(t, rig, campaign.Dialing)
			kill(t, r)
			r.RunUntil(epoch.Add(3 * time.Second))
			restartKeepingCalls(t, rig, r, o, "run2", syncFirst)
			r.RunUntil(epoch.Add(10 * time.Second))
			if calls := r.Core.Status(r.Clock.Now()).Calls; len(calls) != 0 {
				t.Errorf("live calls after the restart: %+v; want none\n%s", calls, rig.trace)
			}
			if recs := rig.records(t, acd.DirectionInbound); len(recs) != 0 {
				t.Errorf("inbound records %+v; want none (the lead taken for a caller)", recs)
			}
			if w := r.Core.Warnings(); w["command-failed"] != 0 {
				t.Errorf("warnings after the restart: %v", w)
			}
			got := rig.leads(t)[l.ID]
			recs := rig.dials(t)[l.Phone]
			if got.State == campaign.Dialing || got.Attempts != 1 || len(recs) != 1 || recs[0].Cause != causeRestart {
				t.Errorf("lead %+v, %d records; want its attempt settled at restart\n%s", got, len(recs), rig.trace)
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
