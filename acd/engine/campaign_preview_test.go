package engine

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/store"
)

// TestCampaignPreview: in preview mode each free agent is shown a lead and
// nothing is dialed until they decide. A dialed lead rings and, answered,
// reaches the agent who dialed it; a skipped lead is put off by the
// no-answer delay with no attempt counted; an undecided preview times out
// (skip here) and the agent is shown the next lead.
func TestCampaignPreview(t *testing.T) {
	rig := newCampaignRig(t, "preview", 1, "a1", "a2")
	r := rig.r
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	r.RunUntil(epoch.Add(3 * time.Second))
	shown := func(agent string) *LeadPreview {
		for _, a := range r.Core.Status(r.Clock.Now()).Agents {
			if a.ID == agent {
				return a.Preview
			}
		}
		return nil
	}
	p1, p2 := shown("a1"), shown("a2")
	if p1 == nil || p2 == nil || p1.Lead.ID == p2.Lead.ID {
		t.Fatalf("previews: a1 %+v, a2 %+v; want a lead each\n%s", p1, p2, rig.trace)
	}
	if n := r.Switch.Stats().Originates; n != 0 {
		t.Fatalf("%d calls placed before any agent decided", n)
	}
	if p1.Campaign != "renewals" || p1.OnTimeout != "skip" || !p1.Expires.Equal(p1.Offered.Add(30*time.Second)) {
		t.Errorf("preview shape: %+v", p1)
	}
	if _, err := r.Core.PreviewDecide(r.Clock.Now(), "a3", true); !errors.Is(err, ErrNoPreview) {
		t.Errorf("a decision of an agent with no lead shown: %v", err)
	}

	var dialed, skipped LeadPreview
	if err := r.Do(func(c *Core, now time.Time) (err error) { dialed, err = c.PreviewDecide(now, "a1", true); return err }); err != nil {
		t.Fatal(err)
	}
	if err := r.Do(func(c *Core, now time.Time) (err error) { skipped, err = c.PreviewDecide(now, "a2", false); return err }); err != nil {
		t.Fatal(err)
	}
	skippedAt := r.Clock.Now()
	r.RunUntil(epoch.Add(10 * time.Second))
	if n := r.Switch.Stats().Originates; n < 2 { // the lead, then a1's phone
		t.Fatalf("after a1 dialed: %d originates\n%s", n, rig.trace)
	}
	p2b := shown("a2")
	if p2b == nil || p2b.Lead.ID == skipped.Lead.ID {
		t.Fatalf("a2 after skipping: %+v; want the next lead", p2b)
	}
	r.RunUntil(epoch.Add(3 * time.Minute))

	leads := rig.leads(t)
	if l := leads[skipped.Lead.ID]; l.State != campaign.New || l.Attempts != 0 || l.NextAttempt.Before(skippedAt.Add(5*time.Minute)) {
		t.Errorf("skipped lead: %s, %d attempts, next %s; want new, 0, 5 min on", l.State, l.Attempts, l.NextAttempt)
	}
	if l := leads[p2b.Lead.ID]; l.Attempts != 0 || l.NextAttempt.IsZero() {
		t.Errorf("lead a2 let time out: %s, %d attempts, next %s; want skipped", l.State, l.Attempts, l.NextAttempt)
	}
	if !strings.Contains(rig.trace.String(), "lead "+p2b.Lead.ID+" skipped by a2 (timeout)") {
		t.Errorf("no timeout of a2's second preview\n%s", rig.trace)
	}
	recs := rig.dials(t)[dialed.Lead.Phone]
	if len(recs) != 1 || recs[0].Agent != "a1" || recs[0].Outcome != acd.OutcomeAnswered || leads[dialed.Lead.ID].Attempts != 1 {
		t.Fatalf("dialed lead: records %+v, lead %+v; want one answered by a1", recs, leads[dialed.Lead.ID])
	}
	if !hasStep(recs[0], "lead-answered", "") || hasStep(recs[0], "safe-harbour", "") {
		t.Errorf("dialed lead's timeline: %+v", recs[0].Timeline)
	}
	for phone, rs := range rig.dials(t) {
		for _, rec := range rs {
			if rec.Agent != "" && rec.Agent != "a1" && rec.Agent != "a2" {
				t.Errorf("%s reached %s", phone, rec.Agent)
			}
		}
	}
	if w := r.Core.Warnings(); w["illegal-transition"]+w["store"] > 0 {
		t.Errorf("warnings %v\n%s", w, rig.trace)
	}
	if st := r.Core.Campaigns(r.Clock.Now())[0]; st.Stats.SkippedPreview < 2 || st.Stats.Abandoned != 0 {
		t.Errorf("stats %+v", st.Stats)
	}
}

// restartCampaign starts a new run on the rig's store at the given time
// with agents logged in, as the daemon does after a kill -9: the leads
// left in flight read from the store, the dialing ones settled against the
// new switch, the campaigns restored, the reserved previews held again.
func restartCampaign(t *testing.T, rig *campaignRig, cfgText string, at time.Time, agents ...string) *SimRun {
	t.Helper()
	r := rig.start(t, cfgText, agents)
	r.Clock.RunUntil(at)
	left, err := ReadLeftovers(rig.db, r.Core.opts.Config, r.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	snap, err := r.Switch.Snapshot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	saved, err := ReadCampaigns(rig.db, r.Core.opts.Config, r.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Do(func(c *Core, now time.Time) error { c.ResumeCampaigns(now, saved, left, snap); return nil }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	return r
}

// startPreview starts the rig's preview campaign, runs 3 s and returns the
// lead shown to a1 (failing if none).
func startPreview(t *testing.T, rig *campaignRig) *LeadPreview {
	t.Helper()
	r := rig.r
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	r.RunUntil(epoch.Add(3 * time.Second))
	shown := shownTo(r, "a1")
	if shown == nil {
		t.Fatalf("no lead shown to a1\n%s", rig.trace)
	}
	return shown
}

func shownTo(r *SimRun, agent string) *LeadPreview {
	for _, a := range r.Core.Status(r.Clock.Now()).Agents {
		if a.ID == agent {
			return a.Preview
		}
	}
	return nil
}

// TestCampaignPreviewSurvivesRestart kills a preview campaign while a1's
// dialed lead rings, a2 has skipped a lead and was shown the next, and a3
// is shown one. After the restart (a3 not back): the dialed attempt is
// settled and never dialed again, the skipped lead is not shown again
// before its delay, a2 is shown the very lead it was shown before, a3's
// lead is shown to no one while it is held for a3 and to the first agent
// free after its reservation ends.
func TestCampaignPreviewSurvivesRestart(t *testing.T) {
	rig := newCampaignRig(t, "preview", 1, "a1", "a2", "a3")
	cfgText := fmt.Sprintf(campaignConfig, "preview", 1.0)
	r := rig.r
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	r.RunUntil(epoch.Add(2 * time.Second))
	var dialed, skipped LeadPreview
	if err := r.Do(func(c *Core, now time.Time) (err error) { dialed, err = c.PreviewDecide(now, "a1", true); return err }); err != nil {
		t.Fatal(err)
	}
	if err := r.Do(func(c *Core, now time.Time) (err error) { skipped, err = c.PreviewDecide(now, "a2", false); return err }); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(3 * time.Second)) // a1's lead rings (it answers after 4 s)
	next2, held3 := shownTo(r, "a2"), shownTo(r, "a3")
	if next2 == nil || held3 == nil {
		t.Fatalf("before the kill: a2 shown %+v, a3 shown %+v\n%s", next2, held3, rig.trace)
	}
	leads := rig.leads(t)
	if l := leads[dialed.Lead.ID]; l.State != campaign.Dialing || l.Attempts != 1 || l.PreviewAgent != "" {
		t.Fatalf("dialed lead in the store: %+v", l)
	}
	if l := leads[next2.Lead.ID]; l.ReservedFor(r.Clock.Now()) != "a2" || !l.PreviewUntil.Equal(next2.Expires) {
		t.Fatalf("a2's lead in the store: %+v; want held for a2 until %s", l, next2.Expires)
	}
	if l := leads[held3.Lead.ID]; l.ReservedFor(r.Clock.Now()) != "a3" {
		t.Fatalf("a3's lead in the store: %+v; want held for a3", l)
	}
	if l := leads[skipped.Lead.ID]; l.PreviewAgent != "" || !l.NextAttempt.After(r.Clock.Now().Add(4*time.Minute)) {
		t.Fatalf("skipped lead in the store: %+v", l)
	}

	// kill -9 at 3 s; back at 5 s without a3.
	mark := rig.trace.Len()
	r2 := restartCampaign(t, rig, cfgText, epoch.Add(5*time.Second), "a1", "a2")
	r2.RunUntil(epoch.Add(6 * time.Second))
	if p := shownTo(r2, "a2"); p == nil || p.Lead.ID != next2.Lead.ID || p.Expires.Before(r2.Clock.Now().Add(25*time.Second)) {
		t.Fatalf("a2 after the restart: %+v; want lead %s again with a whole timeout\n%s", p, next2.Lead.ID, rig.trace.String()[mark:])
	}
	p1 := shownTo(r2, "a1")
	if p1 == nil || slices.Contains([]string{dialed.Lead.ID, skipped.Lead.ID, next2.Lead.ID, held3.Lead.ID}, p1.Lead.ID) {
		t.Fatalf("a1 after the restart: %+v; want a lead no one had", p1)
	}
	held := held3.Expires
	r2.RunUntil(held.Add(-time.Second))
	after := rig.trace.String()[mark:]
	if strings.Contains(after, "lead "+held3.Lead.ID+" shown") {
		t.Fatalf("a3's lead shown while held for a3\n%s", after)
	}
	// Both previews time out (skip) at about 35 s; the first agent free
	// takes the released lead.
	r2.RunUntil(epoch.Add(40 * time.Second))
	after = rig.trace.String()[mark:]
	if !strings.Contains(after, "lead "+held3.Lead.ID+" no longer held for a3") {
		t.Fatalf("a3's lead not released\n%s", after)
	}
	if p, q := shownTo(r2, "a1"), shownTo(r2, "a2"); (p == nil || p.Lead.ID != held3.Lead.ID) && (q == nil || q.Lead.ID != held3.Lead.ID) {
		t.Fatalf("after a3's reservation ended: a1 shown %+v, a2 shown %+v; want a3's lead\n%s", p, q, after)
	}
	if strings.Contains(after, "lead "+skipped.Lead.ID+" shown") {
		t.Errorf("the skipped lead was shown again before its delay\n%s", after)
	}
	leads = rig.leads(t)
	if l := leads[dialed.Lead.ID]; l.State != campaign.Scheduled || l.Attempts != 1 {
		t.Errorf("the lead dialing at the kill: %+v; want scheduled after 1 attempt", l)
	}
	for _, rec := range rig.dials(t)[dialed.Lead.Phone] {
		if rec.Channel != "" && strings.Contains(rec.Timeline[0].Detail, "attempt=1") && rec.Entered.After(epoch.Add(3*time.Second)) {
			t.Errorf("attempt 1 of %s dialed again: %+v", dialed.Lead.ID, rec.Timeline[0])
		}
	}
	if w := r2.Core.Warnings(); w["illegal-transition"]+w["store"] > 0 {
		t.Errorf("warnings %v\n%s", w, after)
	}
}

// TestCampaignPreviewStaleReadNotShownAgain: a hopper read may return a
// lead as it was before the engine's last write of it is durable; a lead
// the agent skipped is not shown again from such a read.
func TestCampaignPreviewStaleReadNotShownAgain(t *testing.T) {
	rig := newCampaignRig(t, "preview", 1)
	r, w := previewOnHeldWrites(t, rig, strings.Replace(fmt.Sprintf(campaignConfig, "preview", 1.0), "    mode: preview\n", "    mode: preview\n    hopper: 1\n", 1))
	var skipped LeadPreview
	if err := r.Do(func(c *Core, now time.Time) (err error) { skipped, err = c.PreviewDecide(now, "a1", false); return err }); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(5 * time.Second)) // hopper reads come back with the skip not yet durable
	if p := shownTo(r, "a1"); p != nil && p.Lead.ID == skipped.Lead.ID {
		t.Fatalf("lead %s shown again right after a1 skipped it", p.Lead.ID)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := r.Do(func(c *Core, now time.Time) error { c.Saved(now, w.Durable()); return nil }); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(8 * time.Second))
	if p := shownTo(r, "a1"); p == nil || p.Lead.ID == skipped.Lead.ID {
		t.Fatalf("after the skip was durable: a1 shown %+v; want the next lead", p)
	}
}

// TestCampaignPreviewSkipReasons: a campaign that requires a skip reason
// refuses a skip without one, with one not its own, or with a note of
// control characters, naming the field and leaving the lead shown; a skip
// with a reason is saved with the lead (counted under the reason, the last
// skip kept whole), and a preview left to time out is counted as
// "timeout". The store's counts give the skips by reason.
func TestCampaignPreviewSkipReasons(t *testing.T) {
	cfg := strings.Replace(fmt.Sprintf(campaignConfig, "preview", 1.0), "    mode: preview\n",
		"    mode: preview\n    skip_reasons: [wrong person, already customer]\n    skip_reason_required: true\n", 1)
	rig := newCampaignRigConfig(t, cfg, "a1")
	r := rig.r
	p := startPreview(t, rig)
	if p == nil || !slices.Equal(p.SkipReasons, []string{"wrong person", "already customer"}) || !p.SkipReasonRequired {
		t.Fatalf("preview: %+v; want the campaign's skip reasons, required", p)
	}
	for _, bad := range []struct{ reason, note, field string }{
		{"", "", "reason"},
		{"busy", "", "reason"},
		{"wrong person", "bell\a", "note"},
	} {
		err := r.Do(func(c *Core, now time.Time) error {
			_, err := c.PreviewSkip(now, "a1", bad.reason, bad.note)
			return err
		})
		if !errors.Is(err, campaign.ErrBadSkip) || !strings.Contains(err.Error(), `field "`+bad.field+`"`) {
			t.Errorf("skip %q %q: %v; want field %s refused", bad.reason, bad.note, err, bad.field)
		}
	}
	if q := shownTo(r, "a1"); q == nil || q.Lead.ID != p.Lead.ID {
		t.Fatalf("after refused skips a1 is shown %+v; want %s still", q, p.Lead.ID)
	}
	var skippedAt time.Time
	if err := r.Do(func(c *Core, now time.Time) error {
		skippedAt = now
		_, err := c.PreviewSkip(now, "a1", "wrong person", "  his brother ")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(5 * time.Second))
	next := shownTo(r, "a1")
	if next == nil || next.Lead.ID == p.Lead.ID {
		t.Fatalf("after the skip a1 is shown %+v; want the next lead", next)
	}
	r.RunUntil(epoch.Add(40 * time.Second)) // the next one times out
	leads := rig.leads(t)
	want := campaign.SkipNote{Agent: "a1", At: skippedAt, Reason: "wrong person", Note: "his brother"}
	if l := leads[p.Lead.ID]; l.Skips["wrong person"] != 1 || len(l.Skips) != 1 || l.LastSkip == nil || *l.LastSkip != want {
		t.Errorf("skipped lead: skips %v, last %+v; want %+v", l.Skips, l.LastSkip, want)
	}
	if l := leads[next.Lead.ID]; l.Skips[campaign.SkipTimedOut] != 1 || l.LastSkip == nil || l.LastSkip.Agent != "a1" {
		t.Errorf("lead let time out: skips %v, last %+v", l.Skips, l.LastSkip)
	}
	if !strings.Contains(rig.trace.String(), "lead "+p.Lead.ID+" skipped by a1 (agent: wrong person)") {
		t.Errorf("no skip with its reason in the trace\n%s", rig.trace)
	}
	counts, err := rig.db.LeadCounts("renewals", r.Clock.Now())
	if err != nil || counts.Skips["wrong person"] != 1 || counts.Skips[campaign.SkipTimedOut] != 1 || len(counts.Skips) != 2 {
		t.Errorf("skips counted: %v %v", counts.Skips, err)
	}
}

// An agent who logs out (or pauses) while shown a lead cannot dial it in
// the moment before the campaign takes it back: the dial is refused, and
// the lead is released for anyone, not counted as a skip by that agent.
func TestCampaignPreviewDialAfterLogout(t *testing.T) {
	rig := newCampaignRig(t, "preview", 1, "a1")
	r := rig.r
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	r.RunUntil(epoch.Add(3 * time.Second))
	var shown *LeadPreview
	for _, a := range r.Core.Status(r.Clock.Now()).Agents {
		if a.ID == "a1" {
			shown = a.Preview
		}
	}
	if shown == nil {
		t.Fatalf("no lead shown to a1\n%s", rig.trace)
	}
	err := r.Do(func(c *Core, now time.Time) error {
		if err := c.Logout(now, "a1"); err != nil {
			return err
		}
		_, err := c.PreviewDecide(now, "a1", true)
		return err
	})
	if !errors.Is(err, ErrCampaignState) {
		t.Errorf("dial after logout: %v; want refused", err)
	}
	r.RunUntil(epoch.Add(10 * time.Second))
	if n := r.Switch.Stats().Originates; n != 0 {
		t.Errorf("%d calls placed for a logged-out agent", n)
	}
	if l := rig.leads(t)[shown.Lead.ID]; l.PreviewAgent != "" || len(l.Skips) != 0 || r.Core.Campaigns(r.Clock.Now())[0].Stats.SkippedPreview != 0 {
		t.Errorf("lead after a1 logged out: %+v; want released, no skip counted", l)
	}
}

// TestCampaignPreviewOptOutWhileShown: a lead shown to a1 whose number is
// put on a do-not-call list meanwhile (OptOut) is not dialed when a1 says
// dial: it becomes do-not-call, and a1 is shown the next lead.
func TestCampaignPreviewOptOutWhileShown(t *testing.T) {
	rig := newCampaignRig(t, "preview", 1, "a1")
	r := rig.r
	shown := startPreview(t, rig)
	if err := r.Do(func(c *Core, now time.Time) error {
		if n := c.OptOut(now, store.GlobalDNC, []string{shown.Lead.Phone}); n != 1 {
			t.Errorf("OptOut found %d leads, want the one shown", n)
		}
		_, err := c.PreviewDecide(now, "a1", true)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(6 * time.Second))
	if recs := rig.dials(t)[shown.Lead.Phone]; len(recs) != 0 {
		t.Errorf("%d calls to %s after it was listed", len(recs), shown.Lead.Phone)
	}
	if l := rig.leads(t)[shown.Lead.ID]; l.State != campaign.DoNotCall || l.Attempts != 0 || l.PreviewAgent != "" {
		t.Errorf("lead %+v; want do-not-call, never dialed, no longer held", l)
	}
	if next := shownTo(r, "a1"); next == nil || next.Lead.ID == shown.Lead.ID {
		t.Errorf("a1 after: %+v; want the next lead shown", next)
	}
}

// TestCampaignOptOutDuringHopperRead: numbers listed while a hopper read is
// under way are marked in that read when it comes in.
func TestCampaignOptOutDuringHopperRead(t *testing.T) {
	rig := newCampaignRig(t, "progressive", 1, "a1")
	r := rig.r
	var phone string
	for _, l := range rig.leads(t) {
		phone = l.Phone
	}
	if err := r.Do(func(c *Core, now time.Time) error {
		if err := c.StartCampaign(now, "renewals"); err != nil {
			return err
		}
		if got := c.HopperWanted(now); len(got) != 1 {
			t.Fatalf("hopper wanted %v", got)
		}
		leads, err := ReadHopper(rig.db, "renewals", now, c.HopperSize("renewals"))
		if err != nil {
			return err
		}
		c.OptOut(now, "renewals", []string{phone}) // after the read took its verdicts
		c.LoadLeads(now, "renewals", leads, nil)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(10 * time.Minute))
	if recs := rig.dials(t)[phone]; len(recs) != 0 {
		t.Errorf("%d calls to %s listed during the read", len(recs), phone)
	}
	for _, l := range rig.leads(t) {
		if l.Phone == phone && l.State != campaign.DoNotCall {
			t.Errorf("lead %+v; want do-not-call", l)
		}
	}
}

// TestCampaignPreviewDialBeforeDurable: on a store whose writes take
// time, the dial's answer is the lead as dialed (its attempt counted)
// though its Dialing write is not yet durable and its call not yet placed;
// a second decision then says the lead was dialed already, and a pause
// waits for that call.
func TestCampaignPreviewDialBeforeDurable(t *testing.T) {
	rig := newCampaignRig(t, "preview", 1)
	r, _ := previewOnHeldWrites(t, rig, fmt.Sprintf(campaignConfig, "preview", 1.0))
	shown := shownTo(r, "a1")
	if shown == nil {
		t.Fatal("no lead shown to a1")
	}
	var dialed LeadPreview
	if err := r.Do(func(c *Core, now time.Time) (err error) { dialed, err = c.PreviewDecide(now, "a1", true); return err }); err != nil {
		t.Fatal(err)
	}
	if dialed.Lead.ID != shown.Lead.ID || dialed.Lead.Attempts != shown.Lead.Attempts+1 || dialed.Lead.State != campaign.Dialing {
		t.Errorf("dial answered %s %s with %d attempts; want %s dialing with %d", dialed.Lead.ID, dialed.Lead.State, dialed.Lead.Attempts, shown.Lead.ID, shown.Lead.Attempts+1)
	}
	err := r.Do(func(c *Core, now time.Time) error { _, err := c.PreviewSkip(now, "a1", "", ""); return err })
	if !errors.Is(err, ErrCampaignState) || !strings.Contains(err.Error(), "lead "+shown.Lead.ID+" was dialed already") {
		t.Errorf("skip before the dial's write is durable: %v; want the lead named as dialed already", err)
	}
	if err := r.Do(func(c *Core, now time.Time) error { return c.Pause(now, "a1", "lunch") }); err != nil {
		t.Fatal(err)
	}
	if a := agentOf(r, "a1"); a.State == acd.Paused.String() {
		t.Errorf("a1 paused at once while the lead they dialed waits for its write; want the pause after that call")
	}
}

// previewOnHeldWrites runs rig's campaign from cfgText on a store writer
// that commits only when told (w.Commit): a1 logged in, the campaign
// started, a lead shown to a1.
func previewOnHeldWrites(t *testing.T, rig *campaignRig, cfgText string) (*SimRun, *store.Writer) {
	t.Helper()
	w := store.NewWriter(rig.db, store.WriterOptions{}) // not started: commits only on Commit
	r, err := NewSimRun(SimOptions{
		Core:  Options{Config: parseConfig(t, cfgText), Store: rig.db, Writer: w, Seed: 3},
		Start: epoch,
		Sim:   sim.Options{Seed: 3, Latency: 20 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Login("a1"); err != nil {
		t.Fatal(err)
	}
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	r.RunUntil(epoch.Add(2 * time.Second))
	return r, w
}
