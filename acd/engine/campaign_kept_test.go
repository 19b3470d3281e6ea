package engine

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

// keptConfig is campaignConfig, progressive, with a callback_grace.
func keptConfig(grace string) string {
	return strings.Replace(fmt.Sprintf(campaignConfig, "progressive", 1.0), "    ring_timeout: 20s\n",
		"    ring_timeout: 20s\n    callback_grace: "+grace+"\n", 1)
}

// keptRig is the campaign rig with one lead, who answers after 4 s and
// hangs up after 30 s, the campaign running with a1 and a2 signed in and
// a2 paused: the lead's first call goes to a1. It runs until a1 talks to
// the lead and returns the lead and its call.
func keptRig(t *testing.T, cfgText string) (*campaignRig, *SimRun, campaign.Lead, string) {
	t.Helper()
	rig := keptStore(t, nil)
	r := rig.start(t, cfgText, []string{"a1", "a2"})
	rig.r = r
	if err := r.Do(func(c *Core, now time.Time) error { return c.Pause(now, "a2", "") }); err != nil {
		t.Fatal(err)
	}
	first := r.Core
	r.Core.out = runOutputs{r: r, core: &first} // restartable (restartKeepingCalls)
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	r.RunUntil(epoch.Add(10 * time.Second))
	var l campaign.Lead
	for _, l = range rig.leads(t) { // the one
	}
	if l.State != campaign.Connected && l.State != campaign.Answered { // Connected after connect_within
		t.Fatalf("lead %+v; want it talking to a1\n%s", l, rig.trace)
	}
	st := r.Core.Status(r.Clock.Now())
	if len(st.Calls) != 1 || st.Calls[0].Agent != "a1" {
		t.Fatalf("calls %+v; want the lead's, with a1\n%s", st.Calls, rig.trace)
	}
	return rig, r, l, st.Calls[0].ID
}

// keptStore is the campaign rig's store with one lead, who answers after
// 4 s and hangs up after 30 s, edited by edit if given.
func keptStore(t *testing.T, edit func(*campaign.Lead)) *campaignRig {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "hotline.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.ImportLeads([]campaign.Lead{{Campaign: "renewals", Phone: "+33140000001"}}); err != nil {
		t.Fatal(err)
	}
	rig := &campaignRig{db: db, kinds: map[string]leadKind{}, phone: map[string]string{}, trace: &strings.Builder{}}
	for id, l := range rig.leads(t) {
		rig.kinds[id], rig.phone[id] = leadAnswers, l.Phone
		if edit != nil {
			edit(&l)
			if err := db.Write([]store.Op{store.PutLead(&l)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return rig
}

// dispose gives a call-back disposition at at, kept for to, as agent by.
func dispose(t *testing.T, r *SimRun, callID, name string, at time.Time, to, by string) error {
	_, err := Send(t.Context(), r, Disposition{Call: callID, Disposition: name, CallbackAt: at, CallbackTo: to, By: by})
	return err
}

// setAgent pauses or readies an agent.
func setAgent(t *testing.T, r *SimRun, id string, ready bool) {
	t.Helper()
	if err := r.Do(func(c *Core, now time.Time) error {
		if ready {
			return c.Ready(now, id)
		}
		return c.Pause(now, id, "")
	}); err != nil {
		t.Fatal(err)
	}
}

// TestCampaignCallbackKeptForAgent: a callback an agent keeps for
// themselves ("me") or gives to another agent is not dialed while that
// agent is not free, though another is, and is dialed and connected to
// that agent once they are; one for anyone goes to the first agent free.
// The agent kept for is in the store with the lead.
func TestCampaignCallbackKeptForAgent(t *testing.T) {
	at := epoch.Add(10 * time.Minute)
	for _, tc := range []struct {
		to, by   string
		kept     string // the agent in the store
		waitsFor string // the agent not free until 20 min; "" = none waited for
		want     string // the agent who talks to the lead at the callback
	}{
		{to: "a2", by: "a1", kept: "a2", waitsFor: "a2", want: "a2"},
		{to: "me", by: "a1", kept: "a1", waitsFor: "a1", want: "a1"},
		{to: "me", by: "", kept: "a1", waitsFor: "a1", want: "a1"}, // a supervisor's: the call's agent
		{to: "anyone", by: "a1", want: "a1"},
		{to: "", by: "a1", want: "a1"},
	} {
		t.Run(fmt.Sprintf("to %q by %q", tc.to, tc.by), func(t *testing.T) {
			rig, r, l, id := keptRig(t, keptConfig("1h"))
			if err := dispose(t, r, id, "call-back", at, tc.to, tc.by); err != nil {
				t.Fatal(err)
			}
			r.RunUntil(epoch.Add(2 * time.Minute)) // the call ended at ~34 s, wrap-up 5 s
			if got := rig.leads(t)[l.ID]; got.State != campaign.Callback || got.CallbackAgent != tc.kept || !got.NextAttempt.Equal(at) {
				t.Fatalf("lead %+v; want a callback at %s kept for %q\n%s", got, at, tc.kept, rig.trace)
			}
			// The agent kept for is not free; the other is.
			other := map[string]string{"a1": "a2", "a2": "a1", "": "a1"}[tc.waitsFor]
			if tc.waitsFor != "" {
				setAgent(t, r, tc.waitsFor, false)
			} else {
				setAgent(t, r, "a2", false)
			}
			setAgent(t, r, other, true)
			r.RunUntil(epoch.Add(20 * time.Minute))
			recs := rig.dials(t)[l.Phone]
			if tc.waitsFor != "" {
				if len(recs) != 1 {
					t.Fatalf("%d dials while %s was paused and %s free; want the callback to wait for %s\n%s", len(recs), tc.waitsFor, other, tc.waitsFor, rig.trace)
				}
				if st := r.Core.Campaigns(r.Clock.Now()); st[0].Kept != 1 {
					t.Errorf("campaign status %+v; want the callback counted as kept", st[0])
				}
				setAgent(t, r, tc.waitsFor, true)
				r.RunUntil(epoch.Add(22 * time.Minute))
				recs = rig.dials(t)[l.Phone]
			}
			if len(recs) != 2 || recs[1].Agent != tc.want || !recs[1].Entered.After(at.Add(-time.Second)) {
				t.Fatalf("dials %+v; want the callback connected to %s\n%s", recs, tc.want, rig.trace)
			}
			if w := r.Core.Warnings(); w["illegal-transition"]+w["store"] > 0 {
				t.Errorf("warnings %v", w)
			}
		})
	}
}

// TestCampaignCallbackKeptSurvivesRestart: the agent a callback is kept
// for is kept across a restart, whether Hotline restarts during the call
// (the disposition given, the lead not yet settled) or after it.
func TestCampaignCallbackKeptSurvivesRestart(t *testing.T) {
	at := epoch.Add(10 * time.Minute)
	for _, during := range []bool{true, false} {
		t.Run(fmt.Sprintf("during the call %v", during), func(t *testing.T) {
			cfgText := keptConfig("1h")
			rig, r, l, id := keptRig(t, cfgText)
			o := r.Core.opts
			if err := dispose(t, r, id, "call-back", at, "a2", "a1"); err != nil {
				t.Fatal(err)
			}
			if during {
				r.RunUntil(epoch.Add(11 * time.Second))
				kill(t, r)
				r.RunUntil(epoch.Add(12 * time.Second))
				restartKeepingCalls(t, rig, r, o, "run2", true)
				r.RunUntil(epoch.Add(2 * time.Minute))
			} else {
				r.RunUntil(epoch.Add(2 * time.Minute))
				r = restartCampaign(t, rig, cfgText, epoch.Add(3*time.Minute), "a1", "a2")
				setAgent(t, r, "a2", false)
			}
			if got := rig.leads(t)[l.ID]; got.State != campaign.Callback || got.CallbackAgent != "a2" || !got.NextAttempt.Equal(at) {
				t.Fatalf("lead after the restart %+v; want a callback at %s kept for a2\n%s", got, at, rig.trace)
			}
			r.RunUntil(epoch.Add(20 * time.Minute))
			if recs := rig.dials(t)[l.Phone]; len(recs) != 1 {
				t.Fatalf("%d dials while a2 was paused; want the callback to wait for a2\n%s", len(recs), rig.trace)
			}
			setAgent(t, r, "a2", true)
			r.RunUntil(epoch.Add(22 * time.Minute))
			if recs := rig.dials(t)[l.Phone]; len(recs) != 2 || recs[1].Agent != "a2" {
				t.Fatalf("dials %+v; want the callback connected to a2\n%s", recs, rig.trace)
			}
		})
	}
}

// TestCampaignCallbackKeptGrace: a callback whose agent is not free
// within the campaign's callback_grace of its time goes to anyone, and the
// store says so (no agent kept for it any more).
func TestCampaignCallbackKeptGrace(t *testing.T) {
	at := epoch.Add(10 * time.Minute)
	rig, r, l, id := keptRig(t, keptConfig("15m"))
	if err := dispose(t, r, id, "call-back", at, "a2", "a1"); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(at.Add(15*time.Minute - time.Second))
	if recs := rig.dials(t)[l.Phone]; len(recs) != 1 {
		t.Fatalf("%d dials within the grace; want the callback to wait for a2\n%s", len(recs), rig.trace)
	}
	r.RunUntil(at.Add(17 * time.Minute))
	recs := rig.dials(t)[l.Phone]
	if len(recs) != 2 || recs[1].Agent != "a1" {
		t.Fatalf("dials %+v; want the callback given to a1 after the grace\n%s", recs, rig.trace)
	}
	if !strings.Contains(rig.trace.String(), "callback "+l.ID+" kept for a2 goes to anyone") {
		t.Errorf("the trace does not say the callback went to anyone\n%s", rig.trace)
	}
	if got := rig.leads(t)[l.ID]; got.CallbackAgent != "" {
		t.Errorf("lead %+v; want no agent kept for", got)
	}
}

// TestCampaignCallbackKeptAgentRemoved: a callback kept for an agent that
// a reload removes goes to anyone when it is due, not after the grace (an
// hour here): no one else would ever be that agent.
func TestCampaignCallbackKeptAgentRemoved(t *testing.T) {
	at := epoch.Add(10 * time.Minute)
	cfg := keptConfig("1h")
	rig, r, l, id := keptRig(t, cfg)
	if err := dispose(t, r, id, "call-back", at, "a2", "a1"); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(5 * time.Minute))
	without := strings.Replace(cfg, "  - {id: a2, endpoint: sim/a2, queues: [{queue: outbound}]}\n", "", 1)
	if without == cfg {
		t.Fatal("the config has no a2 line to remove")
	}
	if err := r.Do(func(c *Core, now time.Time) error {
		_, err := c.Reconfigure(now, parseConfig(t, without))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(at.Add(time.Minute))
	recs := rig.dials(t)[l.Phone]
	if len(recs) != 2 || recs[1].Agent != "a1" {
		t.Fatalf("dials %+v; want the callback given to a1 once due\n%s", recs, rig.trace)
	}
	if !strings.Contains(rig.trace.String(), "callback "+l.ID+" kept for a2 goes to anyone: a2 no longer works the campaign") {
		t.Errorf("the trace does not say why the callback went to anyone\n%s", rig.trace)
	}
	if got := rig.leads(t)[l.ID]; got.CallbackAgent != "" {
		t.Errorf("lead %+v; want no agent kept for", got)
	}
}

// TestCampaignCallbackKeptAgentGone: when the agent a callback is kept for
// does not take it (their phone unanswered), its answer is not given to
// another agent free then: it is abandoned as an answer no agent takes,
// with the safe-harbour message, and is settled as abandoned leads are. A
// pause the agent asks for while it rings comes after it, as during any
// call: it does not leave the callback with no one.
func TestCampaignCallbackKeptAgentGone(t *testing.T) {
	at := epoch.Add(10 * time.Minute)
	rig, r, l, id := keptRig(t, keptConfig("1h"))
	if err := dispose(t, r, id, "call-back", at, "a2", "a1"); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(20 * time.Minute))
	setAgent(t, r, "a2", true)
	r.RunUntil(epoch.Add(20*time.Minute + 2*time.Second)) // dialed; it answers after 4 s
	if got := rig.leads(t)[l.ID]; got.State != campaign.Dialing {
		t.Fatalf("lead %+v; want the callback dialing for a2\n%s", got, rig.trace)
	}
	setAgent(t, r, "a2", false)
	if err := r.Switch.SetPhone("sim/a2", farend.Phone{Mode: farend.PhoneNoAnswer}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(22 * time.Minute))
	recs := rig.dials(t)[l.Phone]
	if len(recs) != 2 || recs[1].Agent != "" || recs[1].Outcome != "abandoned" || !hasStepKind(&recs[1], "safe-harbour") {
		t.Fatalf("dials %+v; want the callback abandoned with the safe-harbour message\n%s", recs, rig.trace)
	}
	if got := rig.leads(t)[l.ID]; got.LastOutcome != campaign.Abandoned || got.AbandonedAt.IsZero() || got.CallbackAgent != "" {
		t.Errorf("lead %+v; want it settled as an abandoned lead, anyone's", got)
	}
	if a := agentOf(r, "a2"); a.State != acd.Paused.String() {
		t.Errorf("a2 after the callback: %s; want paused as asked", a.State)
	}
}

// TestCampaignCallbackToRefused: callback_to names an agent who works the
// campaign, and goes with a callback disposition only; anything else is
// refused, naming the field and what it may be, and changes nothing.
func TestCampaignCallbackToRefused(t *testing.T) {
	rig, r, l, id := keptRig(t, keptConfig("1h"))
	for _, bad := range []struct{ disposition, to, want string }{
		{"call-back", "a9", `callback_to "a9": want me, anyone or an agent of the campaign (a1, a2, a3)`},
		{"call-back", "Me", `callback_to "Me": want me, anyone or an agent of the campaign`},
		{"sale", "a2", `callback_to goes with a callback disposition; "sale" is none`},
		{"sale", "anyone", `callback_to goes with a callback disposition; "sale" is none`},
	} {
		err := dispose(t, r, id, bad.disposition, time.Time{}, bad.to, "a1")
		if !errors.Is(err, ErrBadCallback) || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s to %q: %v; want %q", bad.disposition, bad.to, err, bad.want)
		}
	}
	r.RunUntil(epoch.Add(2 * time.Minute))
	if got := rig.leads(t)[l.ID]; got.State != campaign.Done || got.Disposition != "completed" || got.CallbackAgent != "" {
		t.Errorf("lead %+v; want it completed (no disposition taken)", got)
	}
}

// TestCampaignCallbackKeptAgentNotTaken: while a callback kept for a2 is
// due, a power campaign with leads to spare neither dials for a2 nor
// gives a2 a lead waiting for an agent: the first call a2 takes after the
// callback's time is the callback.
func TestCampaignCallbackKeptAgentNotTaken(t *testing.T) {
	at := epoch.Add(10 * time.Minute)
	rig, r, l, id := keptRig(t, strings.NewReplacer("mode: progressive", "mode: power", "ratio: 1", "ratio: 2.5\n    abandon_cap: 0.9\n    connect_within: 90s").Replace(keptConfig("1h")))
	if err := dispose(t, r, id, "call-back", at, "a2", "a1"); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(5 * time.Minute))
	// Leads that talk 20 s or 80 s: a2 is free after a short one while
	// long ones answered with it still wait.
	var more []campaign.Lead
	for i := range 40 {
		more = append(more, campaign.Lead{Campaign: "renewals", Phone: fmt.Sprintf("+3314100%04d", i)})
		talk := 20 * time.Second
		if i%2 == 1 {
			talk = 80 * time.Second
		}
		if err := r.Switch.SetPhone("sim/"+more[i].Phone, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 4 * time.Second, HangupAfter: talk}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := rig.db.ImportLeads(more); err != nil {
		t.Fatal(err)
	}
	// a2 alone works the campaign: the leads power dials for a2 wait for
	// a2 (connect_within 90 s) when the callback is due.
	setAgent(t, r, "a1", false)
	setAgent(t, r, "a2", true)
	r.RunUntil(epoch.Add(15 * time.Minute))
	var first store.CallRecord
	for _, recs := range rig.dials(t) {
		for _, rec := range recs {
			if rec.Agent == "a2" && rec.Bridged.After(at) && (first.ID == "" || rec.Bridged.Before(first.Bridged)) {
				first = rec
			}
		}
	}
	if first.Called != l.Phone {
		t.Fatalf("a2's first call after the callback's time: %s to %s; want the callback to %s\n%s", first.ID, first.Called, l.Phone, rig.trace)
	}
	if w := r.Core.Warnings(); w["illegal-transition"]+w["store"] > 0 {
		t.Errorf("warnings %v", w)
	}
}

// TestCampaignCallbackKeptWithinAbandonRest: a callback kept for a2 of a
// lead whose answer was abandoned an hour ago is dialed at its time, a2
// held for it; given to anyone after the grace, it rests until 72 h after
// the abandon, as anyone's callback does.
func TestCampaignCallbackKeptWithinAbandonRest(t *testing.T) {
	abandoned := epoch.Add(-time.Hour)
	for _, a2free := range []bool{true, false} {
		t.Run(fmt.Sprintf("a2 free %v", a2free), func(t *testing.T) {
			rig := keptStore(t, func(l *campaign.Lead) {
				l.State, l.Attempts, l.LastOutcome, l.Disposition = campaign.Callback, 1, campaign.Human, "call-back"
				l.AbandonedAt, l.NextAttempt, l.CallbackAgent = abandoned, epoch.Add(time.Minute), "a2"
			})
			r := rig.start(t, keptConfig("15m"), []string{"a1", "a2"})
			if !a2free {
				setAgent(t, r, "a2", false)
			}
			if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
				t.Fatal(err)
			}
			r.ServeLeads(rig.db, time.Second)
			r.RunUntil(epoch.Add(30 * time.Minute))
			var l campaign.Lead
			for _, l = range rig.leads(t) { // the one
			}
			recs := rig.dials(t)[l.Phone]
			if a2free {
				if len(recs) != 1 || recs[0].Agent != "a2" {
					t.Fatalf("dials %+v; want the callback dialed for a2 within the rest\n%s", recs, rig.trace)
				}
				return
			}
			if len(recs) != 0 || l.State != campaign.Callback || l.CallbackAgent != "" || !l.NextAttempt.Equal(abandoned.Add(72*time.Hour)) {
				t.Fatalf("dials %+v, lead %+v; want it given to anyone and resting until %s\n%s", recs, l, abandoned.Add(72*time.Hour), rig.trace)
			}
		})
	}
}

// TestCampaignCallbackKeptPreview: a preview campaign shows a callback
// kept for a2 to no one else, though a1 is free, and to a2 once a2 is.
func TestCampaignCallbackKeptPreview(t *testing.T) {
	rig := keptStore(t, func(l *campaign.Lead) {
		l.State, l.Attempts, l.LastOutcome, l.Disposition = campaign.Callback, 1, campaign.Human, "call-back"
		l.NextAttempt, l.CallbackAgent = epoch.Add(time.Minute), "a2"
	})
	cfgText := strings.Replace(keptConfig("1h"), "mode: progressive", "mode: preview", 1)
	r := rig.start(t, cfgText, []string{"a1", "a2"})
	setAgent(t, r, "a2", false)
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	r.RunUntil(epoch.Add(10 * time.Minute))
	if strings.Contains(rig.trace.String(), "shown to a1") {
		t.Fatalf("a1 shown a lead; want the callback kept for a2 shown to no one else\n%s", rig.trace)
	}
	setAgent(t, r, "a2", true)
	r.RunUntil(epoch.Add(10*time.Minute + 2*time.Second))
	p := shownTo(r, "a2")
	if p == nil || p.Lead.CallbackAgent != "a2" {
		t.Fatalf("a2 shown %+v; want the callback kept for a2\n%s", p, rig.trace)
	}
}

// TestCampaignCallbackKeptRestartWhileRinging: Hotline restarts while a
// callback kept for a2 rings; its answer goes to a2 alone, though a1 is
// free and has waited longer.
func TestCampaignCallbackKeptRestartWhileRinging(t *testing.T) {
	at := epoch.Add(10 * time.Minute)
	rig, r, l, id := keptRig(t, keptConfig("1h"))
	o := r.Core.opts
	if err := dispose(t, r, id, "call-back", at, "a2", "a1"); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(20 * time.Minute))
	setAgent(t, r, "a2", true)
	r.RunUntil(epoch.Add(20*time.Minute + 2*time.Second)) // dialed; it answers after 4 s
	if got := rig.leads(t)[l.ID]; got.State != campaign.Dialing {
		t.Fatalf("lead %+v; want the callback dialing for a2\n%s", got, rig.trace)
	}
	kill(t, r)
	r.RunUntil(epoch.Add(20*time.Minute + 3*time.Second))
	restartKeepingCalls(t, rig, r, o, "run2", true)
	r.RunUntil(epoch.Add(22 * time.Minute))
	if recs := rig.dials(t)[l.Phone]; len(recs) != 2 || recs[1].Agent != "a2" {
		t.Fatalf("dials %+v; want the callback connected to a2\n%s", recs, rig.trace)
	}
}

// TestCampaignCallbackKeptRestartWhileAnswered: Hotline restarts while the
// answer of a callback kept for a2 rings a2, who does not pick up; once
// that ring is over the answer is not given to a1, free: it is abandoned
// as an answer no agent takes.
func TestCampaignCallbackKeptRestartWhileAnswered(t *testing.T) {
	at := epoch.Add(10 * time.Minute)
	rig, r, l, id := keptRig(t, strings.Replace(keptConfig("1h"), "    ring_timeout: 20s\n", "    ring_timeout: 20s\n    connect_within: 60s\n", 1))
	o := r.Core.opts
	if err := dispose(t, r, id, "call-back", at, "a2", "a1"); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(20 * time.Minute))
	if err := r.Switch.SetPhone("sim/a2", farend.Phone{Mode: farend.PhoneNoAnswer}); err != nil {
		t.Fatal(err)
	}
	setAgent(t, r, "a2", true)
	r.RunUntil(epoch.Add(20*time.Minute + 7*time.Second)) // dialed at ~1 s, answered at ~5 s, ringing a2
	if got := rig.leads(t)[l.ID]; got.State != campaign.Answered {
		t.Fatalf("lead %+v; want the callback answered, ringing a2\n%s", got, rig.trace)
	}
	kill(t, r)
	r.RunUntil(epoch.Add(20*time.Minute + 8*time.Second))
	restartKeepingCalls(t, rig, r, o, "run2", true)
	r.RunUntil(epoch.Add(23 * time.Minute))
	if recs := rig.dials(t)[l.Phone]; len(recs) != 2 || recs[1].Agent != "" || recs[1].Outcome != "abandoned" {
		t.Fatalf("dials %+v; want the callback abandoned, given to no one but a2\n%s", recs, rig.trace)
	}
}

// TestCampaignCallbackKeptHopper: callbacks waiting for their agent do
// not crowd the leads due after them out of a small hopper: a1 calls the
// lead due later while both callbacks kept for a2 wait.
func TestCampaignCallbackKeptHopper(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "hotline.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var leads []campaign.Lead
	for i := range 3 {
		leads = append(leads, campaign.Lead{Campaign: "renewals", Phone: fmt.Sprintf("+3314000000%d", i+1)})
	}
	if _, err := db.ImportLeads(leads); err != nil {
		t.Fatal(err)
	}
	rig := &campaignRig{db: db, kinds: map[string]leadKind{}, phone: map[string]string{}, trace: &strings.Builder{}}
	var later campaign.Lead
	for id, l := range rig.leads(t) {
		rig.kinds[id], rig.phone[id] = leadAnswers, l.Phone
		if l.Phone == leads[2].Phone {
			l.State, l.Attempts, l.NextAttempt = campaign.Scheduled, 1, epoch.Add(5*time.Minute)
			later = l
		} else {
			l.State, l.Attempts, l.Disposition = campaign.Callback, 1, "call-back"
			l.NextAttempt, l.CallbackAgent = epoch.Add(time.Minute), "a2"
		}
		if err := db.Write([]store.Op{store.PutLead(&l)}); err != nil {
			t.Fatal(err)
		}
	}
	r := rig.start(t, strings.Replace(keptConfig("1h"), "    ring_timeout: 20s\n", "    ring_timeout: 20s\n    hopper: 1\n", 1), []string{"a1", "a2"})
	setAgent(t, r, "a2", false)
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	r.RunUntil(epoch.Add(10 * time.Minute))
	if recs := rig.dials(t)[later.Phone]; len(recs) != 1 || recs[0].Agent != "a1" {
		t.Fatalf("dials of the lead due at 5 min %+v; want one, to a1\n%s", recs, rig.trace)
	}
	if st := r.Core.Campaigns(r.Clock.Now()); st[0].Kept != 2 {
		t.Errorf("campaign status %+v; want both callbacks kept for a2", st[0])
	}
}

// TestCampaignCallbackKeptRetry: a callback kept for a2 whose dial is not
// answered is retried for a2 while the retry falls within the grace of
// the callback's time: it waits for a2, a1 free, and is connected to a2.
// The grace counts from the callback's time, not the retry's: one whose
// agent is not free by then, or whose retry falls after it, goes to
// anyone, and the trace says so.
func TestCampaignCallbackKeptRetry(t *testing.T) {
	at := epoch.Add(10 * time.Minute) // dialed for a2, not answered at 10:20, retried at 15:20 (no_answer: 5m)
	for _, tc := range []struct {
		grace  string
		kept   bool          // the retry is kept for a2
		anyone time.Duration // when it goes to a1, a2 paused; 0: it waits for a2
	}{
		{grace: "1h", kept: true},
		{grace: "10m", kept: true, anyone: 20 * time.Minute}, // at + grace, not the retry's time + grace
		{grace: "5m", anyone: 15*time.Minute + 20*time.Second},
	} {
		t.Run("grace "+tc.grace, func(t *testing.T) {
			rig, r, l, id := keptRig(t, strings.Replace(keptConfig(tc.grace), "max_attempts: 2", "max_attempts: 5", 1))
			if err := dispose(t, r, id, "call-back", at, "a2", "a1"); err != nil {
				t.Fatal(err)
			}
			phone := func(mode farend.PhoneMode) {
				t.Helper()
				if err := r.Switch.SetPhone("sim/"+l.Phone, farend.Phone{Mode: mode, AnswerDelay: 4 * time.Second, HangupAfter: 30 * time.Second}); err != nil {
					t.Fatal(err)
				}
			}
			r.RunUntil(epoch.Add(2 * time.Minute))
			phone(farend.PhoneNoAnswer)
			setAgent(t, r, "a2", true)
			r.RunUntil(at.Add(time.Minute))
			got := rig.leads(t)[l.ID]
			if recs := rig.dials(t)[l.Phone]; len(recs) != 2 || got.Attempts != 2 {
				t.Fatalf("dials %+v, lead %+v; want the callback dialed for a2, not answered\n%s", recs, got, rig.trace)
			}
			setAgent(t, r, "a2", false)
			phone(farend.PhoneAnswer)
			if tc.kept != (got.State == campaign.Callback && got.CallbackAgent == "a2" && got.CallbackDue.Equal(at)) {
				t.Fatalf("lead after the no-answer %+v; want it kept for a2 since %s: %v\n%s", got, at, tc.kept, rig.trace)
			}
			if !tc.kept && (got.State != campaign.Scheduled || got.CallbackAgent != "" || !got.CallbackDue.IsZero()) {
				t.Fatalf("lead after the no-answer %+v; want it scheduled for anyone\n%s", got, rig.trace)
			}
			if tc.anyone == 0 {
				r.RunUntil(epoch.Add(40 * time.Minute))
				if recs := rig.dials(t)[l.Phone]; len(recs) != 2 {
					t.Fatalf("%d dials while a2 was paused and a1 free; want the retry to wait for a2\n%s", len(recs), rig.trace)
				}
				setAgent(t, r, "a2", true)
				r.RunUntil(epoch.Add(42 * time.Minute))
			} else {
				r.RunUntil(epoch.Add(tc.anyone - time.Second))
				if recs := rig.dials(t)[l.Phone]; len(recs) != 2 {
					t.Fatalf("%d dials before %s; want the retry to wait\n%s", len(recs), tc.anyone, rig.trace)
				}
				r.RunUntil(epoch.Add(tc.anyone + 30*time.Second))
			}
			recs := rig.dials(t)[l.Phone]
			slices.SortFunc(recs, func(a, b store.CallRecord) int { return a.Entered.Compare(b.Entered) })
			want := map[bool]string{true: "a2", false: "a1"}[tc.anyone == 0]
			if len(recs) != 3 || recs[2].Agent != want {
				t.Fatalf("dials %+v; want the retry connected to %s\n%s", recs, want, rig.trace)
			}
			if said := strings.Contains(rig.trace.String(), "callback "+l.ID+" kept for a2 goes to anyone"); said != (tc.anyone != 0) {
				t.Errorf("the trace says the callback went to anyone: %v; want %v\n%s", said, tc.anyone != 0, rig.trace)
			}
			if w := r.Core.Warnings(); w["illegal-transition"]+w["store"] > 0 {
				t.Errorf("warnings %v", w)
			}
		})
	}
}

// A disposition filed in another case is answered as the record keeps it:
// the campaign's own name.
func TestDispositionAnsweredAsKept(t *testing.T) {
	_, r, _, id := keptRig(t, keptConfig("1h"))
	res, err := Send(t.Context(), r, Disposition{Call: id, Disposition: " CALL-Back", CallbackAt: epoch.Add(10 * time.Minute), By: "a1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Disposition != "call-back" {
		t.Errorf("answered disposition %q, want the campaign's call-back", res.Disposition)
	}
}

// TestCampaignSettledCallbackNotesEdited: once the lead is settled as a
// callback, the same disposition again edits the call's notes and keeps
// the callback's time and agent on the record, which the lead keeps too;
// a new callback time or agent is refused as a conflict with the lead's
// state (409), as a new disposition is.
func TestCampaignSettledCallbackNotesEdited(t *testing.T) {
	rig, r, l, id := keptRig(t, keptConfig("1h"))
	at := epoch.Add(30 * time.Minute)
	if err := dispose(t, r, id, "call-back", at, "me", "a1"); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(2 * time.Minute))
	if got := rig.leads(t)[l.ID]; got.State != campaign.Callback || got.CallbackAgent != "a1" {
		t.Fatalf("lead %+v; want a callback kept for a1\n%s", got, rig.trace)
	}
	if _, err := Send(t.Context(), r, Disposition{Call: id, Disposition: "call-back", Notes: "asked for 2pm", By: "a1"}); err != nil {
		t.Fatalf("notes edit: %v", err)
	}
	rec, err := rig.db.Call(id)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Notes != "asked for 2pm" || !rec.CallbackAt.Equal(at) || rec.CallbackAgent != "a1" {
		t.Errorf("record notes %q, callback %s for %q; want the notes and the callback at %s for a1", rec.Notes, rec.CallbackAt, rec.CallbackAgent, at)
	}
	for _, d := range []Disposition{
		{Call: id, Disposition: "call-back", CallbackAt: at.Add(time.Hour), By: "a1"},
		{Call: id, Disposition: "call-back", CallbackTo: "a2", By: "a1"},
		{Call: id, Disposition: "sale", By: "a1"},
	} {
		if _, err := Send(t.Context(), r, d); !errors.Is(err, ErrCallState) || errors.Is(err, ErrBadCallback) {
			t.Errorf("%+v on a settled lead: %v; want a conflict with the call's state", d, err)
		}
	}
}
