package engine

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// TestCampaignRestartUnattendedAnswer: a lead left Dialing whose channel is
// gone but that the switch reports answered while Hotline was down (it
// heard the safe-harbour message from the dialplan, see
// pbx.UnattendedReader) is a live answer abandoned: counted against the
// cap, resting 72 hours from its answer, its record abandoned; it is not a
// failed attempt retried after the network-failure delay. A lead the switch
// noted as ended busy is busy; the other leads left Dialing are settled
// failed as before.
func TestCampaignRestartUnattendedAnswer(t *testing.T) {
	rig := newCampaignRig(t, "progressive", 1.5, "a1", "a2", "a3")
	r := rig.r
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	r.RunUntil(epoch.Add(2*time.Second + 500*time.Millisecond))

	r2 := rig.start(t, fmt.Sprintf(campaignConfig, "progressive", 1.5), []string{"a1", "a2", "a3"})
	r2.RunUntil(epoch.Add(time.Minute)) // Hotline was down a minute
	left, err := ReadLeftovers(rig.db, r2.Core.opts.Config, r2.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(left.Records) < 2 {
		t.Fatalf("%d leads dialing at the crash; want two at least", len(left.Records))
	}
	heard := left.Records[0]
	answered := heard.Entered.Add(time.Second)
	busy := left.Records[1]
	left.Unattended = map[pbx.ChannelID]pbx.UnattendedEnd{pbx.ChannelID(heard.Channel): {At: answered}, pbx.ChannelID(busy.Channel): {Cause: pbx.CauseBusy}}
	_, lead, _ := dialOf(&heard)
	saved, err := ReadCampaigns(rig.db, r2.Core.opts.Config, r2.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	var before CampaignStats
	if err := r2.Do(func(c *Core, now time.Time) error {
		c.opts.IDPrefix = "run2"
		c.RestoreCampaigns(now, saved)
		before = c.camps["renewals"].stats
		c.ReconcileLeads(now, left, pbx.Snapshot{})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var after CampaignStats
	r2.Do(func(c *Core, now time.Time) error { after = c.camps["renewals"].stats; return nil })
	leads, dials := rig.leads(t), rig.dials(t)
	l := leads[lead]
	if l.State != campaign.Scheduled || l.LastOutcome != campaign.Abandoned || !l.AbandonedAt.Equal(answered) || l.NextAttempt.Before(answered.Add(72*time.Hour)) {
		t.Errorf("lead %s: %s, last %s, abandoned at %v, next %v; want scheduled as abandoned at %v, not before 72 h later", lead, l.State, l.LastOutcome, l.AbandonedAt, l.NextAttempt, answered)
	}
	recs := dials[l.Phone]
	if len(recs) != 1 || recs[0].Outcome != acd.OutcomeAbandoned || recs[0].HangupBy != acd.HangupSystem {
		t.Fatalf("lead %s: records %+v; want its one record abandoned", lead, recs)
	}
	if rec := recs[0]; !hasStepKind(&rec, "safe-harbour") || !hasStepKind(&rec, "lead-answered") {
		t.Errorf("lead %s's record timeline %+v; want its answer and the safe-harbour message", lead, rec.Timeline)
	}
	if after.Answered != before.Answered+1 || after.Abandoned != before.Abandoned+1 || after.Busy != before.Busy+1 || after.Failed != before.Failed+len(left.Records)-2 {
		t.Errorf("counts before %+v, after %+v; want one more answered and abandoned, one busy, the other %d failed", before, after, len(left.Records)-2)
	}
	for i, rec := range left.Records[1:] {
		_, id, _ := dialOf(&rec)
		want := campaign.Unreached
		if i == 0 {
			want = campaign.Busy
		}
		if o := leads[id]; o.LastOutcome != want {
			t.Errorf("lead %s left dialing, not answered: last outcome %s, want %s", id, o.LastOutcome, want)
		}
		// Its record says what the counts say, for the reports to count
		// it alike: busy as the switch noted, else failed by the restart.
		wantCause := causeRestart
		if i == 0 {
			wantCause = string(pbx.FailBusy)
		}
		if recs := dials[rec.Called]; len(recs) != 1 || recs[0].Cause != wantCause || recs[0].Outcome != acd.OutcomeFailed {
			t.Errorf("lead %s left dialing, not answered: records %+v; want one failed, cause %q", id, recs, wantCause)
		}
	}
}

// TestCampaignRestartRingTimeLeftOut: a dial taken up at a restart (placed
// by the run that died) gives the pacer no ring time when it answers: its
// ring time holds the time Hotline was down.
func TestCampaignRestartRingTimeLeftOut(t *testing.T) {
	rig, r, o := restartableCampaign(t, "")
	r.RunUntil(epoch.Add(time.Second)) // the lead answers at 4 s
	leadIn(t, rig, campaign.Dialing)
	kill(t, r)
	r.RunUntil(epoch.Add(3 * time.Second))
	restartKeepingCalls(t, rig, r, o, "run2", false)
	r.RunUntil(epoch.Add(10 * time.Second))
	if st := r.Core.Status(r.Clock.Now()); len(st.Calls) != 1 || st.Calls[0].Agent != "a1" {
		t.Fatalf("calls after the restart: %+v; want the lead talking to a1\n%s", st.Calls, rig.trace)
	}
	if n := r.Core.camps["renewals"].pacer.DialSamples(); n != 0 {
		t.Errorf("the pacer holds %d dial outcomes after the restart; want none (the one dial was placed before it)", n)
	}
}

// TestCampaignRestartKeepsMachineVerdict: a lead whose answering-machine
// verdict the switch reported before Hotline could take it (Asterisk: back
// in the application with AMDSTATUS, see pbx.VarAMDStatus) is a machine
// after the restart: not a live answer, never offered to an agent, retried
// after the machine delay.
func TestCampaignRestartKeepsMachineVerdict(t *testing.T) {
	extra := "    answering_machine: hangup\n"
	rig, r, o := restartableCampaignLeads(t, extra, &farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 2 * time.Second})
	r.RunUntil(epoch.Add(time.Second))
	l := leadIn(t, rig, campaign.Dialing)
	kill(t, r)
	r.RunUntil(epoch.Add(6 * time.Second)) // detection over, answered, while Hotline was down
	restartEdited(t, rig, r, o, "run2", false, true, 0, func(s *pbx.Snapshot) {
		for i := range s.Channels {
			if s.Channels[i].Vars[pbx.VarRole] == "lead" {
				s.Channels[i].Vars[pbx.VarAMDStatus] = pbx.AMDMachine
			}
		}
	})
	r.RunUntil(epoch.Add(12 * time.Second))
	got, recs := rig.leads(t)[l.ID], rig.dials(t)[l.Phone]
	if got.LastOutcome != campaign.Machine || got.State != campaign.Scheduled || len(recs) != 1 || recs[0].Agent != "" || !hasStep(recs[0], "machine", pbx.AMDMachine) {
		t.Errorf("lead %+v, records %+v; want one machine attempt, no agent\n%s", got, recs, rig.trace)
	}
	if st := r.Core.Campaigns(r.Clock.Now())[0].Stats; st.Machine != 1 || st.Abandoned != 0 || st.Answered != st.Dialed-st.Machine {
		t.Errorf("stats %+v; want one machine, the other dials (after it) live answers", st)
	}
}

// TestCampaignLinkCutUnattendedAnswer: while the link to the switch is
// down (Hotline up), one ringing lead answers and hears the safe-harbour
// message from the switch (its note comes with the snapshot at the link's
// return, pbx.Snapshot.Unattended) and another ends unseen. At the return
// the first is a live answer abandoned, as at a restart: counted against
// the cap, resting 72 hours from its answer, its record abandoned; the
// second is settled failed; neither is left dialing. The leads still
// ringing ring on.
func TestCampaignLinkCutUnattendedAnswer(t *testing.T) {
	rig := newCampaignRig(t, "progressive", 1.5, "a1", "a2", "a3")
	r := rig.r
	first := r.Core
	r.Core.out = runOutputs{r: r, core: &first}
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	r.RunUntil(epoch.Add(2*time.Second + 500*time.Millisecond))
	var ringing []*leadDial
	var before CampaignStats
	r.Do(func(c *Core, now time.Time) error {
		run := c.camps["renewals"]
		for _, d := range run.dials {
			ringing = append(ringing, d)
		}
		before = run.stats
		c.Handle(now, pbx.Disconnected{Base: pbx.Base{At: now}})
		return nil
	})
	if len(ringing) < 3 {
		t.Fatalf("%d leads ringing; want three at least", len(ringing))
	}
	slices.SortFunc(ringing, func(a, b *leadDial) int { return strings.Compare(a.lead.ID, b.lead.ID) })
	heard, gone := ringing[0], ringing[1]
	down := r.Clock.Now()
	live := r.Core
	kill(t, r) // the link is down: the switch's events do not reach Hotline
	for _, d := range []*leadDial{heard, gone} {
		if err := r.Switch.Hangup(t.Context(), d.ch, pbx.CauseNormal); err != nil {
			t.Fatal(err)
		}
	}
	r.RunUntil(down.Add(time.Second))
	r.Core = live
	snap, err := r.Switch.Snapshot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	answered := down.Add(300 * time.Millisecond)
	snap.Unattended = map[pbx.ChannelID]pbx.UnattendedEnd{heard.ch: {At: answered}}
	var after CampaignStats
	var still []pbx.ChannelID
	r.Do(func(c *Core, now time.Time) error {
		c.Handle(now, pbx.Synced{Base: pbx.Base{At: now}, Snapshot: snap, Reconnect: true})
		run := c.camps["renewals"]
		after = run.stats
		for ch := range run.dials {
			still = append(still, ch)
		}
		return nil
	})
	leads, dials := rig.leads(t), rig.dials(t)
	l := leads[heard.lead.ID]
	if l.State != campaign.Scheduled || l.LastOutcome != campaign.Abandoned || !l.AbandonedAt.Equal(answered) || l.NextAttempt.Before(answered.Add(72*time.Hour)) {
		t.Errorf("lead %s: %s, last %s, abandoned at %v, next %v; want scheduled as abandoned at %v, not before 72 h later\n%s", l.ID, l.State, l.LastOutcome, l.AbandonedAt, l.NextAttempt, answered, rig.trace)
	}
	recs := dials[l.Phone]
	if len(recs) != 1 || recs[0].Outcome != acd.OutcomeAbandoned || recs[0].HangupBy != acd.HangupSystem || !hasStepKind(&recs[0], "safe-harbour") {
		t.Errorf("lead %s: records %+v; want its one record abandoned, the safe-harbour message in it", l.ID, recs)
	}
	if g := leads[gone.lead.ID]; g.State == campaign.Dialing || g.LastOutcome != campaign.Unreached {
		t.Errorf("lead %s ended unseen: %s, last %s; want settled failed", g.ID, g.State, g.LastOutcome)
	}
	if after.Answered != before.Answered+1 || after.Abandoned != before.Abandoned+1 || after.Failed != before.Failed+1 {
		t.Errorf("counts before %+v, after %+v; want one more answered and abandoned, one more failed", before, after)
	}
	for _, d := range ringing[2:] {
		if !slices.Contains(still, d.ch) {
			t.Errorf("lead %s still ringing on %s is no longer followed (dials %v)", d.lead.ID, d.ch, still)
		}
	}
}

// TestCampaignRestartUnattendedMachine: a lead left Dialing that a machine
// answered while Hotline was down (detection said MACHINE when Stasis()
// failed: the switch left the campaign's machine message and noted it) is
// a machine after the restart: retried after the machine delay, counted a
// machine, not a live answer nor a failed attempt; its record says the
// switch left the message.
func TestCampaignRestartUnattendedMachine(t *testing.T) {
	cfg := strings.Replace(fmt.Sprintf(campaignConfig, "progressive", 1.5), "    ring_timeout: 20s\n",
		"    ring_timeout: 20s\n    answering_machine: message\n    machine_message: [sound:machine-msg]\n", 1)
	rig := newCampaignRigConfig(t, cfg, "a1", "a2", "a3")
	r := rig.r
	var cmds []Command
	r.Core.out = tapOutputs{r.Core.out, &cmds}
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	r.RunUntil(epoch.Add(2*time.Second + 500*time.Millisecond))
	var placed []pbx.OriginateRequest
	for _, cmd := range cmds {
		if cmd.Op == OpOriginate {
			placed = append(placed, cmd.Originate)
		}
	}
	if len(placed) == 0 || !slices.Equal(placed[0].MachineMessage, []string{"sound:machine-msg"}) {
		t.Fatalf("originates %+v; want the machine message with them", placed)
	}

	r2 := rig.start(t, cfg, []string{"a1", "a2", "a3"})
	r2.RunUntil(epoch.Add(time.Minute))
	left, err := ReadLeftovers(rig.db, r2.Core.opts.Config, r2.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(left.Records) == 0 {
		t.Fatal("no lead dialing at the crash")
	}
	machine := left.Records[0]
	answered := machine.Entered.Add(time.Second)
	left.Unattended = map[pbx.ChannelID]pbx.UnattendedEnd{pbx.ChannelID(machine.Channel): {At: answered, Machine: true}}
	_, lead, _ := dialOf(&machine)
	saved, err := ReadCampaigns(rig.db, r2.Core.opts.Config, r2.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	var before, after CampaignStats
	r2.Do(func(c *Core, now time.Time) error {
		c.opts.IDPrefix = "run2"
		c.RestoreCampaigns(now, saved)
		before = c.camps["renewals"].stats
		c.ReconcileLeads(now, left, pbx.Snapshot{})
		after = c.camps["renewals"].stats
		return nil
	})
	l := rig.leads(t)[lead]
	if l.State != campaign.Scheduled || l.LastOutcome != campaign.Machine || l.NextAttempt.Before(answered.Add(time.Minute)) {
		t.Errorf("lead %s: %s, last %s, next %v; want scheduled as a machine's", lead, l.State, l.LastOutcome, l.NextAttempt)
	}
	recs := rig.dials(t)[l.Phone]
	if len(recs) != 1 || recs[0].Outcome != acd.OutcomeFailed || !hasStep(recs[0], "machine", pbx.AMDMachine) || !hasStepKind(&recs[0], "machine-message") {
		t.Errorf("lead %s: records %+v; want one, a machine that heard its message from the switch", lead, recs)
	}
	if after.Machine != before.Machine+1 || after.Answered != before.Answered || after.Abandoned != before.Abandoned {
		t.Errorf("counts before %+v, after %+v; want one more machine, no answer nor abandon", before, after)
	}
}

// tapOutputs adds the commands it passes on to cmds.
type tapOutputs struct {
	Outputs
	cmds *[]Command
}

func (o tapOutputs) Do(cmd Command) { *o.cmds = append(*o.cmds, cmd); o.Outputs.Do(cmd) }
