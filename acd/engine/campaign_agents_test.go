package engine

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

// ownAgentsConfig: a1 and a3 answer the support line; a2 is in no queue.
// The campaign lists its own agents (%s) and no queue.
const ownAgentsConfig = `
store: {path: unused.db}
pbx: {type: sim}
entries:
  - {number: "100", queue: support}
queues:
  - {name: support, wrap_up: 2s, ring_timeout: 10s}
agents:
  - {id: a1, endpoint: sim/a1, queues: [{queue: support}]}
  - {id: a2, endpoint: sim/a2}
  - {id: a3, endpoint: sim/a3, queues: [{queue: support}]}
campaigns:
  - name: renewals
    endpoint: sim/{number}
    caller_id: "+15550000000"
    mode: %s
    ratio: 3
    ring_timeout: 20s
    connect_within: %s
    inbound_first: %v
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    retry: {max_attempts: 2, busy: 2m, no_answer: 5m, failed: 1m}
    agents: [%s]
    wrap_up: 3s
    safe_harbour: [sound:safe-harbour]
`

func (rig *campaignRig) records(t *testing.T, dir acd.Direction) []store.CallRecord {
	t.Helper()
	var out []store.CallRecord
	for rec, err := range rig.db.Calls(store.Filter{Direction: dir}) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
	return out
}

// TestCampaignOwnAgentWithoutQueue: an agent in no queue, listed on the
// campaign, takes its answered leads through the campaign's own queue;
// paused, they are not counted as free (nothing is dialed for them), and
// ready again, they are.
// In "team", a2 is the campaign's through the campaign's team.
func TestCampaignOwnAgentWithoutQueue(t *testing.T) {
	listed := fmt.Sprintf(ownAgentsConfig, "progressive", "2s", true, "a2")
	team := strings.Replace(fmt.Sprintf(ownAgentsConfig, "progressive", "2s", true, ""), "    agents: []\n", "    team: night\n", 1) +
		"teams:\n  - {name: night, agents: [a2]}\n"
	for name, cfg := range map[string]string{"listed": listed, "team": team} {
		t.Run(name, func(t *testing.T) { ownAgentWithoutQueue(t, cfg) })
	}
}

func ownAgentWithoutQueue(t *testing.T, cfg string) {
	rig := newCampaignRig(t, "progressive", 1)
	r := rig.start(t, cfg, []string{"a2"})
	if err := r.Do(func(c *Core, now time.Time) error {
		if err := c.Pause(now, "a2", "lunch"); err != nil {
			return err
		}
		return c.StartCampaign(now, "renewals")
	}); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	r.RunUntil(epoch.Add(time.Minute))
	if n := r.Switch.Stats().Originates; n != 0 {
		t.Fatalf("%d dials with the campaign's only agent paused\n%s", n, rig.trace)
	}
	st := r.Core.Status(r.Clock.Now())
	if !slices.ContainsFunc(st.Queues, func(q QueueStatus) bool { return q.Name == CampaignQueue("renewals") }) {
		t.Errorf("no queue %q in the status", CampaignQueue("renewals"))
	}
	if err := r.Do(func(c *Core, now time.Time) error { return c.Ready(now, "a2") }); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(5 * time.Minute))
	var reached int
	for _, rec := range rig.records(t, acd.DirectionOutbound) {
		if rec.Agent == "" {
			continue
		}
		reached++
		if rec.Agent != "a2" || rec.Queue != CampaignQueue("renewals") || rec.Entered.Before(epoch.Add(time.Minute)) {
			t.Errorf("lead call %s: agent %q, queue %q, entered %s; want a2 through %s after the pause", rec.ID, rec.Agent, rec.Queue, rec.Entered.Sub(epoch), CampaignQueue("renewals"))
		}
	}
	if reached < 3 {
		t.Fatalf("%d answered leads reached a2 in 4 minutes; want several\n%s", reached, rig.trace)
	}
	if st := r.Core.Campaigns(r.Clock.Now())[0]; st.Stats.Abandoned != 0 {
		t.Errorf("progressive with a reserved agent abandoned %d", st.Stats.Abandoned)
	}
	if w := r.Core.Warnings(); w["illegal-transition"]+w["store"] > 0 {
		t.Errorf("warnings %v", w)
	}
}

// callOf is the call an agent is on, nil if none.
func callOf(r *SimRun, agent string) *CallStatus {
	st := r.Core.Status(r.Clock.Now())
	for i, cl := range st.Calls {
		if cl.Agent == agent {
			return &st.Calls[i]
		}
	}
	return nil
}

// TestCampaignOwnAgentInboundFirst: a1 works the support line and, as
// one of the campaign's own agents, the campaign. An inbound caller who
// arrives while a1 talks to a lead gets a1 as soon as a1 is free, and
// nothing more is dialed for a1 meanwhile.
func TestCampaignOwnAgentInboundFirst(t *testing.T) {
	rig := newCampaignRig(t, "progressive", 1)
	r := rig.start(t, fmt.Sprintf(ownAgentsConfig, "progressive", "2s", true, "a1"), []string{"a1"})
	for _, phone := range rig.phone { // every lead answers
		if err := r.Switch.SetPhone("sim/"+phone, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 4 * time.Second, HangupAfter: 30 * time.Second}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	r.Clock.Schedule(epoch.Add(10*time.Second), func() {
		if _, err := r.Switch.PlaceCall(farend.CallScript{From: "+15557770000", To: "100", HangupAfter: 10 * time.Minute}); err != nil {
			t.Error(err)
		}
	})
	r.RunUntil(epoch.Add(20 * time.Second))
	dialed := r.Switch.Stats().Originates
	on := callOf(r, "a1")
	if on == nil || on.Queue != CampaignQueue("renewals") {
		t.Fatalf("a1's call at 20 s: %+v; want a lead through %s\n%s", on, CampaignQueue("renewals"), rig.trace)
	}
	r.RunUntil(epoch.Add(50 * time.Second))
	on = callOf(r, "a1")
	if on == nil || on.Queue != "support" || on.Answered.Before(epoch.Add(30*time.Second)) {
		t.Fatalf("a1's call at 50 s: %+v; want the support caller after the lead\n%s", on, rig.trace)
	}
	if n := r.Switch.Stats().Originates; n != dialed+1 { // + a1's leg for the caller
		t.Errorf("%d originates from 20 s to 50 s; want only a1's leg for the caller\n%s", n-dialed, rig.trace)
	}
}

// TestCampaignOwnQueueAcrossReload: a reload keeps the campaign's own
// queue (it comes from the config, not the file); a campaign that no
// longer lists agents loses it, drained like any removed queue.
func TestCampaignOwnQueueAcrossReload(t *testing.T) {
	cfg := parseConfig(t, fmt.Sprintf(ownAgentsConfig, "progressive", "2s", true, "a1, a2"))
	c, err := NewCore(Options{Config: cfg, Out: nopOutputs{}}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(cfg.Queues); n != 1 {
		t.Fatalf("the engine changed the caller's config: %d queues", n)
	}
	rep, err := c.Reconfigure(epoch, cfg)
	if err != nil || rep.Changed() {
		t.Fatalf("reload of the same config: %+v, %v", rep, err)
	}
	if !slices.ContainsFunc(c.Status(epoch).Queues, func(q QueueStatus) bool { return q.Name == CampaignQueue("renewals") }) {
		t.Fatalf("no %s queue after the reload", CampaignQueue("renewals"))
	}
	cfg.Campaigns[0].Agents, cfg.Campaigns[0].Queues = nil, []string{"support"}
	rep, err = c.Reconfigure(epoch, cfg)
	if err != nil || !slices.Equal(rep.QueuesRemoved, []string{CampaignQueue("renewals")}) {
		t.Fatalf("reload without the campaign's agents: %+v, %v", rep, err)
	}
}
