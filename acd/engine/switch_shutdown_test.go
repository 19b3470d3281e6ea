package engine

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/pbx"
)

// TestSwitchShutdownEndsCallsBySystem: the switch shuts down while ch-1
// talks to alice, ch-2 rings bob and ch-3 waits. Whether the switch's
// hang-ups arrive (cause switch-shutdown) or are lost with the link (the
// switch comes back holding nothing, after it said it was shutting down),
// every call ends by the system, cause switch-shutdown: nobody abandoned
// (the queue counts none), alice goes to wrap-up as after any call, and
// bob, whose ring the shutdown cut, is free again with no no-answer held
// against him.
func TestSwitchShutdownEndsCallsBySystem(t *testing.T) {
	for _, tc := range []struct {
		name    string
		hungUp  bool // the switch's hang-ups reach Hotline
		stopped bool // the switch said it was shutting down first
	}{
		{"hang-ups seen", true, true},
		{"hang-ups seen, no word before", true, false},
		{"hang-ups lost with the link", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, st, leg := talking(t, epoch.Add(2*time.Second))
			var cmds []Command
			c.out = recordOutputs{&cmds}
			if err := c.Login(epoch.Add(3*time.Second), "bob"); err != nil {
				t.Fatal(err)
			}
			at := epoch.Add(4 * time.Second)
			c.Handle(at, pbx.CallArrived{Base: pbx.Base{Channel: "ch-2", At: at}, Caller: "556", Called: "100"})
			var ring pbx.ChannelID
			for _, cmd := range cmds {
				if cmd.Op == OpOriginate {
					ring = cmd.Originate.ChannelID
				}
			}
			if ring == "" {
				t.Fatal("bob was not rung for ch-2")
			}
			c.Handle(at, pbx.CallArrived{Base: pbx.Base{Channel: "ch-3", At: at}, Caller: "557", Called: "100"})

			down := epoch.Add(10 * time.Second)
			if tc.stopped {
				c.Handle(down, pbx.SwitchStopping{Base: pbx.Base{At: down}})
			}
			if tc.hungUp {
				for _, ch := range []pbx.ChannelID{"ch-1", leg, ring, "ch-2", "ch-3"} {
					if ch == ring {
						c.Handle(down, pbx.OriginateFailed{Base: pbx.Base{Channel: ch, At: down}, Reason: pbx.FailCancelled, Cause: pbx.CauseSwitchShutdown})
					}
					c.Handle(down, pbx.HungUp{Base: pbx.Base{Channel: ch, At: down}, Cause: pbx.CauseSwitchShutdown})
				}
			}
			c.Handle(down, pbx.Disconnected{Base: pbx.Base{At: down}})
			back := down.Add(20 * time.Second)
			c.Handle(back, pbx.Synced{Reconnect: true})

			want := map[string]acd.Outcome{"ch-1": acd.OutcomeAnswered, "ch-2": acd.OutcomeFailed, "ch-3": acd.OutcomeFailed}
			for _, r := range records(st) {
				o, ok := want[r.Channel]
				if !ok {
					continue
				}
				delete(want, r.Channel)
				if r.HangupBy != acd.HangupSystem || r.Cause != causeSwitchShutdown || r.Outcome != o || !hasStepKind(&r, "switch-shutdown") {
					t.Errorf("%s: by %s cause %q outcome %s (timeline %s); want system, %s, %s", r.Channel, r.HangupBy, r.Cause, r.Outcome, timelineKinds(r), causeSwitchShutdown, o)
				}
			}
			if len(want) > 0 {
				t.Errorf("no record of %v", want)
			}
			s := c.Status(back)
			if q := s.Queues[0]; q.Abandoned != 0 {
				t.Errorf("queue abandoned %d, want 0", q.Abandoned)
			}
			for _, a := range s.Agents {
				switch {
				case a.ID == "bob" && (a.State != acd.Available.String() || a.NoAnswer != 0):
					t.Errorf("bob: %s, %d no-answers; want available, none", a.State, a.NoAnswer)
				case a.ID == "alice" && a.State != acd.WrapUp.String() && a.State != acd.Available.String():
					t.Errorf("alice: %s; want in wrap-up after her call", a.State)
				}
			}
		})
	}
}

// TestSwitchShutdownHoldsOffers: between the switch's word that it is
// shutting down and its return, no agent is rung (the rings could only
// fail, counted against the agent); after its return callers are offered
// again.
func TestSwitchShutdownHoldsOffers(t *testing.T) {
	st := newMemStore()
	var cmds []Command
	c, err := NewCore(Options{Config: parseConfig(t, basicConfig), Out: recordOutputs{&cmds}, Store: st}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(epoch, "alice"); err != nil {
		t.Fatal(err)
	}
	c.Handle(epoch, pbx.SwitchStopping{Base: pbx.Base{At: epoch}})
	c.Handle(epoch, pbx.CallArrived{Base: pbx.Base{Channel: "ch-1", At: epoch}, Caller: "555", Called: "100"})
	for _, cmd := range cmds {
		if cmd.Op == OpOriginate {
			t.Fatalf("alice rung while the switch shuts down: %s", cmd)
		}
	}
	later := epoch.Add(stopGrace + time.Second)
	if c.switchStopping(later) {
		t.Errorf("a switch still linked %s after saying it shuts down is still taken as stopping", stopGrace+time.Second)
	}
	c.Handle(later, pbx.Synced{Reconnect: true, Snapshot: pbx.Snapshot{Channels: []pbx.ChannelInfo{{ID: "ch-1", Answered: true}}}})
	rung := false
	for _, cmd := range cmds {
		rung = rung || cmd.Op == OpOriginate
	}
	if !rung {
		t.Error("alice not rung once the switch was back")
	}
}

// TestCampaignSwitchShutdownRetries: the switch shuts down while a
// progressive campaign has leads ringing, or leads talking to agents. Each
// is called again, last outcome switch-shutdown, its attempt not counted
// against max_attempts: none failed, none abandoned (the cap's count is
// untouched), and no new lead is dialed while the switch is stopping.
func TestCampaignSwitchShutdownRetries(t *testing.T) {
	for _, at := range []time.Duration{2 * time.Second, 4700 * time.Millisecond} { // the leads answer at 4 s
		t.Run(at.String(), func(t *testing.T) { campaignSwitchShutdown(t, at) })
	}
}

func campaignSwitchShutdown(t *testing.T, at time.Duration) {
	rig := newCampaignRig(t, "progressive", 1, "a1", "a2", "a3")
	r := rig.r
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	r.RunUntil(epoch.Add(at))
	var before CampaignStats
	cut := map[string]bool{} // leads in flight
	var talking int
	if err := r.Do(func(c *Core, now time.Time) error {
		run := c.camps["renewals"]
		before = run.stats
		c.Handle(now, pbx.SwitchStopping{Base: pbx.Base{At: now}})
		var chans []pbx.ChannelID
		for ch, d := range run.dials {
			chans = append(chans, ch)
			cut[d.lead.ID] = true
		}
		for _, d := range run.byCall {
			cut[d.lead.ID] = true
			chans = append(chans, d.call.ch)
			if d.call.agent != nil {
				talking++
				chans = append(chans, d.call.agentCh)
			}
		}
		for _, ch := range chans {
			if d := run.dials[ch]; d != nil {
				c.Handle(now, pbx.OriginateFailed{Base: pbx.Base{Channel: ch, At: now}, Reason: pbx.FailCancelled, Cause: pbx.CauseSwitchShutdown})
			}
			c.Handle(now, pbx.HungUp{Base: pbx.Base{Channel: ch, At: now}, Cause: pbx.CauseSwitchShutdown})
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(cut) == 0 {
		t.Fatalf("no lead in flight at %s\n%s", at, rig.trace)
	}
	r.RunUntil(epoch.Add(30 * time.Second)) // past the agents' wrap-up
	var after CampaignStatus
	r.Do(func(c *Core, now time.Time) error { after = c.Campaigns(now)[0]; return nil })
	if after.Stats.Dialed != before.Dialed {
		t.Errorf("%d dials after the switch said it shuts down; want none", after.Stats.Dialed-before.Dialed)
	}
	if s := after.Stats; s.Failed != before.Failed || s.NoAnswer != before.NoAnswer || s.Abandoned != before.Abandoned || s.SwitchShutdown != len(cut)-talking {
		t.Errorf("counts before %+v, after %+v; want only %d more switch-shutdown", before, s, len(cut)-talking)
	}
	leads := rig.leads(t)
	for id := range cut {
		l := leads[id]
		if l.State != campaign.Scheduled || l.LastOutcome != campaign.SwitchShutdown || l.Cut != 1 || !l.NextAttempt.After(epoch.Add(5*time.Minute)) {
			t.Errorf("lead %s: %s, last %s, cut %d, next %v; want scheduled after switch-shutdown, 5 min on\n%s", id, l.State, l.LastOutcome, l.Cut, l.NextAttempt.Sub(epoch), rig.trace)
		}
	}
}
