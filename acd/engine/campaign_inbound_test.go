package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

// sharedAgentConfig: a2 and a1 answer the support line (the first %s is
// the rest of its settings), a3 is the only member of sales. The
// campaign's inbound_first is %v; its own agents are [%s], its queues [%s].
const sharedAgentConfig = `
store: {path: unused.db}
pbx: {type: sim}
entries:
  - {number: "100", queue: support}
queues:
  - {name: support, wrap_up: 2s, %s}
  - {name: sales, wrap_up: 2s, ring_timeout: 10s}
agents:
  - {id: a2, endpoint: sim/a2, queues: [{queue: support}]}
  - {id: a1, endpoint: sim/a1, queues: [{queue: support}]}
  - {id: a3, endpoint: sim/a3, queues: [{queue: sales}]}
campaigns:
  - name: renewals
    endpoint: sim/{number}
    caller_id: "+15550000000"
    mode: progressive
    ring_timeout: 20s
    connect_within: 2s
    inbound_first: %v
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    retry: {max_attempts: 2, busy: 2m, no_answer: 5m, failed: 1m}
    agents: [%s]
    queues: [%s]
    wrap_up: 3s
    safe_harbour: [sound:safe-harbour]
`

// TestCampaignSharedAgentFreesUp: a1 is on an inbound call when the one
// lead dialed for them answers; an inbound caller waits too. a1 frees up
// (wrap-up over) within the lead's connect_within. With inbound_first the
// caller gets a1 and the lead is abandoned; without it the lead gets a1,
// in time, and the caller waits. With no caller waiting, the lead waits
// for a1 either way. "sales" puts the lead in the campaign's first queue,
// which a1 is not in: a1 takes it all the same.
func TestCampaignSharedAgentFreesUp(t *testing.T) {
	for _, tc := range []struct {
		name         string
		inboundFirst bool
		caller       bool   // an inbound caller waits when a1 frees up
		queues       string // the campaign's queues besides its own agent's
		wantLead     bool   // a1 takes the lead (else the caller), and the lead is not abandoned
	}{
		{name: "inbound first: the caller", inboundFirst: true, caller: true},
		{name: "leads first: the lead", inboundFirst: false, caller: true, wantLead: true},
		{name: "inbound first, no caller: the lead waits for a1", inboundFirst: true, wantLead: true},
		{name: "leads first, no caller", inboundFirst: false, wantLead: true},
		{name: "leads first through sales: the lead", inboundFirst: false, caller: true, queues: "sales", wantLead: true},
		{name: "inbound first through sales: the caller", inboundFirst: true, caller: true, queues: "sales"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rig := newCampaignRig(t, "progressive", 1)
			r := rig.start(t, fmt.Sprintf(sharedAgentConfig, "ring_timeout: 10s", tc.inboundFirst, "a1", tc.queues), []string{"a1", "a3"})
			for _, phone := range rig.phone { // every lead answers 4 s into its ring
				if err := r.Switch.SetPhone("sim/"+phone, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 4 * time.Second, HangupAfter: 30 * time.Second}); err != nil {
					t.Fatal(err)
				}
			}
			if err := r.Do(func(c *Core, now time.Time) error {
				if err := c.Pause(now, "a3", "lunch"); err != nil { // sales is staffed, no one free
					return err
				}
				return c.StartCampaign(now, "renewals")
			}); err != nil {
				t.Fatal(err)
			}
			r.ServeLeads(rig.db, time.Second)
			// a1 takes the first caller at 0.5 s, talks to them until 2.5 s
			// and is free at 4.5 s, after wrap-up; the lead answers at 4 s.
			r.Clock.Schedule(epoch.Add(500*time.Millisecond), func() {
				if _, err := r.Switch.PlaceCall(farend.CallScript{From: "+15557770001", To: "100", HangupAfter: 2 * time.Second}); err != nil {
					t.Error(err)
				}
			})
			if tc.caller {
				r.Clock.Schedule(epoch.Add(time.Second), func() {
					if _, err := r.Switch.PlaceCall(farend.CallScript{From: "+15557770002", To: "100", HangupAfter: 10 * time.Minute}); err != nil {
						t.Error(err)
					}
				})
			}
			r.RunUntil(epoch.Add(10 * time.Second))

			var leads []store.CallRecord
			for _, rec := range rig.records(t, acd.DirectionOutbound) {
				if hasStep(rec, "lead-answered", "") {
					leads = append(leads, rec)
				}
			}
			if len(leads) != 1 {
				t.Fatalf("%d leads answered by 10 s; want the one dialed for a1\n%s", len(leads), rig.trace)
			}
			lead := leads[0]
			if ans := lead.Timeline[0].At.Add(4 * time.Second); !ans.Before(epoch.Add(4500 * time.Millisecond)) {
				t.Fatalf("the lead was dialed at %s, answered after a1 is free again: the test proves nothing", lead.Timeline[0].At.Sub(epoch))
			}
			on := callOf(r, "a1")
			st := r.Core.Campaigns(r.Clock.Now())[0]
			if tc.wantLead {
				if on == nil || on.ID != lead.ID || hasStep(lead, "safe-harbour", "") || st.Stats.Abandoned != 0 {
					t.Fatalf("a1 on %+v, %d abandoned; want a1 on lead %s, none abandoned\n%s", on, st.Stats.Abandoned, lead.ID, rig.trace)
				}
				if on.Queue != CampaignQueue("renewals") {
					t.Errorf("the lead reached a1 through %q, want %q", on.Queue, CampaignQueue("renewals"))
				}
				if tc.queues != "" && !hasStep(lead, "enqueue", tc.queues) {
					t.Errorf("lead %s never waited in %s: %+v", lead.ID, tc.queues, lead.Timeline)
				}
			} else {
				if on == nil || on.Queue != "support" || on.Caller != "+15557770002" {
					t.Fatalf("a1 on %+v; want the waiting caller\n%s", on, rig.trace)
				}
				if !hasStep(lead, "safe-harbour", "") || lead.Outcome != acd.OutcomeAbandoned || st.Stats.Abandoned != 1 {
					t.Errorf("lead %s: outcome %s, %d abandoned; want abandoned after connect_within\n%s", lead.ID, lead.Outcome, st.Stats.Abandoned, rig.trace)
				}
			}
			if w := r.Core.Warnings(); w["illegal-transition"]+w["store"] > 0 {
				t.Errorf("warnings %v", w)
			}
		})
	}
}

// TestCampaignPacerFreeAgents counts the agents the pacer may dial for
// while an inbound caller waits in the queue of a free agent: none while
// the campaign keeps inbound_first (the caller takes a1 first), a1
// without it. Before the caller, a1 and a2 are free in both modes, and a1
// while the caller rings a2. Support
// rings top-down (a2 first), and a caller a2 did not answer waits
// retry_delay before a1 is rung: a1 is free while a caller waits.
func TestCampaignPacerFreeAgents(t *testing.T) {
	for _, inboundFirst := range []bool{true, false} {
		t.Run(fmt.Sprintf("inbound_first=%v", inboundFirst), func(t *testing.T) {
			rig := newCampaignRig(t, "progressive", 1)
			support := "strategy: top-down, ring_timeout: 3s, retry_delay: 30s"
			r := rig.start(t, fmt.Sprintf(sharedAgentConfig, support, inboundFirst, "a1, a2", ""), []string{"a1", "a2"})
			if err := r.Switch.SetPhone("sim/a2", farend.Phone{Mode: farend.PhoneNoAnswer}); err != nil {
				t.Fatal(err)
			}
			free := func() int {
				var n int
				if err := r.Do(func(c *Core, now time.Time) error {
					run := c.camps["renewals"]
					if run == nil {
						var err error
						if run, err = c.newCampaignRun(now, "renewals"); err != nil { // stopped: it dials nothing
							return err
						}
					}
					n = c.freeFor(now, run).free
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				return n
			}
			if n := free(); n != 2 {
				t.Fatalf("%d free before any caller, want 2", n)
			}
			if _, err := r.Switch.PlaceCall(farend.CallScript{From: "+15557770002", To: "100", HangupAfter: 10 * time.Minute}); err != nil {
				t.Fatal(err)
			}
			r.RunUntil(epoch.Add(time.Second))
			if st := r.Core.Status(r.Clock.Now()); len(st.Calls) != 1 || st.Calls[0].Phase != acd.CallOffering.String() || !strings.Contains(rig.trace.String(), "offer agent=a2") {
				t.Fatalf("calls %+v at 1 s; want the caller ringing a2\n%s", st.Calls, rig.trace)
			}
			if n := free(); n != 1 { // the caller ringing a2 needs no one else
				t.Errorf("%d free while the caller rings a2, want a1", n)
			}
			r.RunUntil(epoch.Add(6 * time.Second)) // a2 rang out at about 3 s
			st := r.Core.Status(r.Clock.Now())
			if len(st.Calls) != 1 || st.Calls[0].Phase != acd.CallQueued.String() || callOf(r, "a1") != nil {
				t.Fatalf("calls %+v; want the caller waiting, a1 free\n%s", st.Calls, rig.trace)
			}
			want := 1
			if inboundFirst {
				want = 0
			}
			if n := free(); n != want {
				t.Errorf("%d free for the campaign, want %d\n%s", n, want, rig.trace)
			}
			if !strings.Contains(rig.trace.String(), "a2") {
				t.Errorf("a2 was never rung\n%s", rig.trace)
			}
		})
	}
}

// TestCampaignAbandonedRestsQuiet runs the campaign of
// TestCampaignAbandonHearsSafeHarbour (three dials per free agent, one
// agent, a cap that lets power dial ahead) for 75 hours: a number whose
// answered call was abandoned is dialed again only once 72 hours have
// passed since.
func TestCampaignAbandonedRestsQuiet(t *testing.T) {
	rig := newCampaignRigConfig(t, cappedConfig("power", 3, abandonsCap), "a1")
	r := rig.r
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	r.RunUntil(epoch.Add(75 * time.Hour))
	rested := 0
	for phone, recs := range rig.dials(t) {
		for i := 1; i < len(recs); i++ {
			prev := recs[i-1]
			if prev.Outcome != acd.OutcomeAbandoned {
				continue
			}
			var at time.Time
			for _, s := range prev.Timeline {
				if s.Kind == "safe-harbour" {
					at = s.At
				}
			}
			rested++
			if gap := recs[i].Entered.Sub(at); at.IsZero() || gap < 72*time.Hour {
				t.Errorf("%s: dialed again %s after its abandoned call %s (safe harbour at %s)", phone, gap, prev.ID, at.Sub(epoch))
			}
		}
	}
	if rested == 0 {
		t.Fatalf("no abandoned number was dialed again in 75 h: nothing shown\n%s", rig.trace)
	}
}

// TestCampaignReservedLeadBeforeInbound: in preview mode a1 dials a lead
// and does not answer its first ring; meanwhile an inbound caller waits in
// a1's support queue. The campaign keeps inbound_first, yet when a1 is
// free again they take the lead they dialed: it waits for them alone and
// is never abandoned, so an inbound caller must not keep it on hold.
func TestCampaignReservedLeadBeforeInbound(t *testing.T) {
	rig := newCampaignRig(t, "preview", 1)
	cfg := strings.Replace(fmt.Sprintf(sharedAgentConfig, "ring_timeout: 10s", true, "a1", ""), "mode: progressive", "mode: preview", 1)
	r := rig.start(t, cfg, []string{"a1"})
	for _, phone := range rig.phone {
		if err := r.Switch.SetPhone("sim/"+phone, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 4 * time.Second, HangupAfter: 30 * time.Second}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Switch.SetPhone("sim/a1", farend.Phone{Mode: farend.PhoneNoAnswer}); err != nil {
		t.Fatal(err)
	}
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	r.RunUntil(epoch.Add(3 * time.Second))
	var dialed LeadPreview
	if err := r.Do(func(c *Core, now time.Time) (err error) { dialed, err = c.PreviewDecide(now, "a1", true); return err }); err != nil {
		t.Fatalf("%v\n%s", err, rig.trace)
	}
	r.Clock.Schedule(epoch.Add(9*time.Second), func() { // the lead rings a1 from about 7 s
		if _, err := r.Switch.PlaceCall(farend.CallScript{From: "+15557770002", To: "100", HangupAfter: 10 * time.Minute}); err != nil {
			t.Error(err)
		}
		if err := r.Switch.SetPhone("sim/a1", farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 300 * time.Millisecond}); err != nil {
			t.Error(err)
		}
	})
	r.RunUntil(epoch.Add(60 * time.Second))
	recs := rig.dials(t)[dialed.Lead.Phone]
	if len(recs) != 1 || !hasStep(recs[0], "lead-answered", "") {
		t.Fatalf("dialed lead's records %+v\n%s", recs, rig.trace)
	}
	if recs[0].Agent != "a1" || recs[0].Outcome != acd.OutcomeAnswered {
		t.Fatalf("the lead a1 dialed: agent %q, outcome %s; want answered by a1 before the caller\n%s", recs[0].Agent, recs[0].Outcome, rig.trace)
	}
	if st := r.Core.Campaigns(r.Clock.Now())[0]; st.Stats.Abandoned != 0 {
		t.Errorf("%d abandoned", st.Stats.Abandoned)
	}
}
