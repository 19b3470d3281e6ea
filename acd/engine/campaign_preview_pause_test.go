package engine

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// previewDialed starts the preview campaign of rig, has a1 dial the lead
// shown to them, its phone set to p, and returns that lead.
func previewDialed(t *testing.T, rig *campaignRig, p farend.Phone) campaign.Lead {
	t.Helper()
	r := rig.r
	shown := startPreview(t, rig)
	if err := r.Switch.SetPhone("sim/"+shown.Lead.Phone, p); err != nil {
		t.Fatal(err)
	}
	var dialed LeadPreview
	if err := r.Do(func(c *Core, now time.Time) (err error) { dialed, err = c.PreviewDecide(now, "a1", true); return err }); err != nil {
		t.Fatal(err)
	}
	// The answer is the lead as dialed, this attempt counted.
	if dialed.Lead.ID != shown.Lead.ID || dialed.Lead.Attempts != shown.Lead.Attempts+1 {
		t.Fatalf("dial answered lead %s with %d attempts; want %s with %d", dialed.Lead.ID, dialed.Lead.Attempts, shown.Lead.ID, shown.Lead.Attempts+1)
	}
	return shown.Lead
}

// agentOf is agent id's status now.
func agentOf(r *SimRun, id string) AgentStatus {
	for _, a := range r.Core.Status(r.Clock.Now()).Agents {
		if a.ID == id {
			return a
		}
	}
	return AgentStatus{}
}

// TestCampaignPreviewPauseWhileDialing: an agent who pauses (or logs out,
// or a supervisor pauses) while the lead they dialed rings is paused after
// that call, as during any call: the lead who answers reaches them, and no
// one waits on hold for an agent gone to lunch. A dial that is not
// answered pauses them at once, and they are shown no next lead.
func TestCampaignPreviewPauseWhileDialing(t *testing.T) {
	t.Run("answered", func(t *testing.T) {
		rig := newCampaignRig(t, "preview", 1, "a1")
		r := rig.r
		l := previewDialed(t, rig, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 4 * time.Second, HangupAfter: 20 * time.Second})
		r.RunUntil(r.Clock.Now().Add(time.Second))
		if err := r.Do(func(c *Core, now time.Time) error { return c.Pause(now, "a1", "lunch") }); err != nil {
			t.Fatal(err)
		}
		if a := agentOf(r, "a1"); a.State == acd.Paused.String() {
			t.Fatalf("a1 paused while the lead they dialed rings: %+v", a)
		}
		r.RunUntil(epoch.Add(time.Minute))
		recs := rig.dials(t)[l.Phone]
		if len(recs) != 1 || recs[0].Agent != "a1" || recs[0].Outcome != acd.OutcomeAnswered || hasStep(recs[0], "safe-harbour", "") {
			t.Fatalf("the dialed lead: %+v; want answered by a1\n%s", recs, rig.trace)
		}
		if a := agentOf(r, "a1"); a.State != acd.Paused.String() || a.Reason != "lunch" || a.Preview != nil {
			t.Errorf("a1 after the call: %s %q, preview %+v; want paused for lunch, nothing shown", a.State, a.Reason, a.Preview)
		}
	})
	t.Run("not answered", func(t *testing.T) {
		rig := newCampaignRig(t, "preview", 1, "a1")
		r := rig.r
		l := previewDialed(t, rig, farend.Phone{Mode: farend.PhoneNoAnswer})
		r.RunUntil(r.Clock.Now().Add(time.Second))
		if err := r.Do(func(c *Core, now time.Time) error { return c.Logout(now, "a1") }); err != nil {
			t.Fatal(err)
		}
		r.RunUntil(epoch.Add(time.Minute))
		if recs := rig.dials(t)[l.Phone]; len(recs) != 1 || recs[0].Agent != "" {
			t.Fatalf("the dialed lead: %+v; want one unanswered dial", recs)
		}
		if a := agentOf(r, "a1"); a.State != acd.LoggedOut.String() || a.Preview != nil {
			t.Errorf("a1 after the dial: %s, preview %+v; want logged out, nothing shown\n%s", a.State, a.Preview, rig.trace)

		}
	})
}

// TestCampaignPreviewLeadOfAgentGone: the lead an agent dialed answers,
// and the agent's phone does not. A first missed ring may be a moment away
// from the desk: the lead, on hold, rings them again. At the second it
// waits for them no longer and, past connect_within, hears the
// safe-harbour message at once and counts abandoned, as any answer no
// agent takes, rather than hold through a third ring.
func TestCampaignPreviewLeadOfAgentGone(t *testing.T) {
	rig, l := dialedByUnansweredAgent(t, 5*time.Minute)
	r := rig.r
	r.RunUntil(epoch.Add(3 * time.Minute))
	recs := rig.dials(t)[l.Phone]
	if len(recs) != 1 || recs[0].Outcome != acd.OutcomeAbandoned || !hasStep(recs[0], "safe-harbour", "") {
		t.Fatalf("the dialed lead: %+v; want abandoned with the safe-harbour message\n%s", recs, rig.trace)
	}
	var missed []time.Time
	var harbour time.Time
	for _, s := range recs[0].Timeline {
		switch s.Kind {
		case "no-connect":
			missed = append(missed, s.At)
		case "safe-harbour":
			harbour = s.At
		}
	}
	if len(missed) != 2 || !harbour.Equal(missed[1]) {
		t.Errorf("a1 missed the lead at %v, the lead abandoned at %v; want two misses, abandoned at the second\n%s", missed, harbour, rig.trace)
	}
	// It waited far longer than two seconds for a1, and its step says so.
	if hasStep(recs[0], "safe-harbour", "within 2s") || !hasStep(recs[0], "safe-harbour", "no agent in ") {
		t.Errorf("the safe-harbour step of a lead that waited for its agent's rings: %+v", recs[0].Timeline)
	}
	if st := r.Core.Campaigns(r.Clock.Now())[0].Stats; st.Abandoned != 1 {
		t.Errorf("counts %+v; want the answer counted abandoned", st)
	}
}

// TestCampaignPreviewPauseAcrossRestart: an agent pauses while the lead
// they dialed rings, and Hotline restarts before that call is over. The
// pause still waits for the call: the lead who answers after the restart
// reaches the agent who dialed it (never the safe-harbour message), who
// is paused after it; a dial that goes unanswered pauses them when it
// ends, not at the restart.
func TestCampaignPreviewPauseAcrossRestart(t *testing.T) {
	for _, answers := range []bool{true, false} {
		for _, syncFirst := range []bool{false, true} {
			t.Run(fmt.Sprintf("answers=%v/syncFirst=%v", answers, syncFirst), func(t *testing.T) {
				rig := newCampaignRig(t, "preview", 1, "a1")
				r := rig.r
				p := farend.Phone{Mode: farend.PhoneNoAnswer}
				if answers {
					p = farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 8 * time.Second, HangupAfter: 20 * time.Second}
				}
				l := previewDialed(t, rig, p)
				r.RunUntil(r.Clock.Now().Add(time.Second))
				if err := r.Do(func(c *Core, now time.Time) error { return c.Pause(now, "a1", "lunch") }); err != nil {
					t.Fatal(err)
				}
				r.RunUntil(r.Clock.Now().Add(time.Second))
				o := r.Core.opts
				kill(t, r)
				r.RunUntil(r.Clock.Now().Add(time.Second))
				restartKeepingCalls(t, rig, r, o, "run2", syncFirst)
				r.RunUntil(r.Clock.Now().Add(time.Second))
				if a := agentOf(r, "a1"); a.State == acd.Paused.String() {
					t.Fatalf("a1 paused at the restart while the lead they dialed rings\n%s", rig.trace)
				}
				r.RunUntil(epoch.Add(2 * time.Minute))
				recs := rig.dials(t)[l.Phone]
				if len(recs) != 1 {
					t.Fatalf("dials of the lead: %+v; want one\n%s", recs, rig.trace)
				}
				if answers && (recs[0].Agent != "a1" || recs[0].Outcome != acd.OutcomeAnswered || hasStep(recs[0], "safe-harbour", "")) {
					t.Errorf("the dialed lead: %+v; want answered by a1\n%s", recs[0], rig.trace)
				}
				if !answers && recs[0].Agent != "" {
					t.Errorf("the dialed lead: %+v; want unanswered", recs[0])
				}
				if st := r.Core.Campaigns(r.Clock.Now())[0].Stats; st.Abandoned != 0 {
					t.Errorf("counts %+v; want none abandoned\n%s", st, rig.trace)
				}
				if a := agentOf(r, "a1"); a.State != acd.Paused.String() || a.Reason != "lunch" {
					t.Errorf("a1 after the call: %s %q; want paused for lunch\n%s", a.State, a.Reason, rig.trace)
				}
			})
		}
	}
}

// TestCampaignPreviewReadyCancelsPause: an agent who pauses while the lead
// they dialed rings and then says ready again is not paused when that
// dial ends: ready cancels the pause asked for, as during any call.
func TestCampaignPreviewReadyCancelsPause(t *testing.T) {
	rig := newCampaignRig(t, "preview", 1, "a1")
	r := rig.r
	previewDialed(t, rig, farend.Phone{Mode: farend.PhoneNoAnswer})
	r.RunUntil(r.Clock.Now().Add(time.Second))
	if err := r.Do(func(c *Core, now time.Time) error { return c.Pause(now, "a1", "lunch") }); err != nil {
		t.Fatal(err)
	}
	if err := r.Do(func(c *Core, now time.Time) error { return c.Ready(now, "a1") }); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(time.Minute))
	if a := agentOf(r, "a1"); a.State != acd.Available.String() {
		t.Errorf("a1 after the dial: %s %q; want available (the pause cancelled)\n%s", a.State, a.Reason, rig.trace)
	}
}

// TestCampaignPreviewDecidedTwice: a skip (a supervisor's, say) that comes
// just after the agent dialed the lead is refused saying so, not as if no
// lead had been shown, and the dial goes on.
func TestCampaignPreviewDecidedTwice(t *testing.T) {
	rig := newCampaignRig(t, "preview", 1, "a1")
	r := rig.r
	l := previewDialed(t, rig, farend.Phone{Mode: farend.PhoneNoAnswer})
	err := r.Do(func(c *Core, now time.Time) error { _, err := c.PreviewSkip(now, "a1", "", ""); return err })
	if !errors.Is(err, ErrCampaignState) || errors.Is(err, ErrNoPreview) || !strings.Contains(err.Error(), "lead "+l.ID+" was dialed already") {
		t.Fatalf("skip after the dial: %v; want the lead named as dialed already", err)
	}
	recs := rig.dials(t)[l.Phone]
	if len(recs) != 1 {
		t.Fatalf("dials %+v; want the one dial going on", recs)
	}
	// A disposition of the dial still ringing is refused as not yet
	// possible, not as if the dial were over.
	id := recs[0].ID
	err = r.Do(func(c *Core, now time.Time) error { return c.Disposition(now, id, "sale", "") })
	if !errors.Is(err, ErrCallState) || !strings.Contains(err.Error(), "has reached no agent yet (still ringing or waiting)") {
		t.Errorf("disposition of the ringing dial: %v", err)
	}
}

// TestCampaignPreviewTakenBackFirst: the lead shown to an agent who pauses
// is taken back and is the first shown to the next agent free, before the
// leads read after it.
func TestCampaignPreviewTakenBackFirst(t *testing.T) {
	rig := newCampaignRig(t, "preview", 1, "a1")
	r := rig.r
	shown := startPreview(t, rig)
	if err := r.Do(func(c *Core, now time.Time) error { return c.Pause(now, "a1", "coffee") }); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(r.Clock.Now().Add(3 * time.Second))
	if p := shownTo(r, "a1"); p != nil {
		t.Fatalf("a1 paused is shown %+v", p)
	}
	if err := r.Do(func(c *Core, now time.Time) error { return c.Ready(now, "a1") }); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(r.Clock.Now().Add(3 * time.Second))
	if p := shownTo(r, "a1"); p == nil || p.Lead.ID != shown.Lead.ID {
		t.Fatalf("a1 ready again is shown %+v; want lead %s, taken back from them first\n%s", p, shown.Lead.ID, rig.trace)
	}
}

// TestCampaignPreviewMissedLeadToAnother: the lead a1 dialed answers and
// a1 misses its ring; a2, free with no lead shown (the campaign paused, so
// none is), takes it at once rather than leave the person on hold until
// a1's phone rings again.
func TestCampaignPreviewMissedLeadToAnother(t *testing.T) {
	rig, l := dialedByUnansweredAgent(t, 30*time.Second)
	r := rig.r
	if err := r.Do(func(c *Core, now time.Time) error {
		if err := c.PauseCampaign(now, "renewals"); err != nil {
			return err
		}
		return c.Login(now, "a2")
	}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(3 * time.Minute))
	recs := rig.dials(t)[l.Phone]
	if len(recs) != 1 || recs[0].Agent != "a2" || recs[0].Outcome != acd.OutcomeAnswered || hasStep(recs[0], "safe-harbour", "") {
		t.Fatalf("the dialed lead: %+v; want answered by a2\n%s", recs, rig.trace)
	}
	misses := 0
	for _, s := range recs[0].Timeline {
		if s.Kind == "no-connect" {
			misses++
		}
	}
	if misses != 1 {
		t.Errorf("a1 missed the lead's ring %d times; want once, then a2 took it\n%+v", misses, recs[0].Timeline)
	}
}

// dialedByUnansweredAgent is a preview rig whose agent a1, with a phone
// that never answers, has dialed the lead shown; the lead answers after
// 4 s and hangs up after talk.
func dialedByUnansweredAgent(t *testing.T, talk time.Duration) (*campaignRig, campaign.Lead) {
	t.Helper()
	rig := newCampaignRig(t, "preview", 1, "a1")
	if err := rig.r.Switch.SetPhone("sim/a1", farend.Phone{Mode: farend.PhoneNoAnswer}); err != nil {
		t.Fatal(err)
	}
	return rig, previewDialed(t, rig, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 4 * time.Second, HangupAfter: talk})
}
