package engine

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/store"
)

const campaignConfig = `
store: {path: unused.db}
pbx: {type: sim}
queues:
  - {name: outbound, wrap_up: 5s, ring_timeout: 10s}
agents:
  - {id: a1, endpoint: sim/a1, queues: [{queue: outbound}]}
  - {id: a2, endpoint: sim/a2, queues: [{queue: outbound}]}
  - {id: a3, endpoint: sim/a3, queues: [{queue: outbound}]}
campaigns:
  - name: renewals
    endpoint: sim/{number}
    caller_id: "+15550000000"
    mode: %s
    ratio: %g
    ring_timeout: 20s
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    retry: {max_attempts: 2, busy: 2m, no_answer: 5m, failed: 1m}
    queues: [outbound]
    safe_harbour: [sound:safe-harbour]
    dispositions:
      - {name: sale, final: true, sale: true, contact: true}
      - {name: call-back, callback: true, contact: true}
      - {name: stop, dnc: true}
`

// leadKind is how a test lead's phone behaves.
type leadKind string

const (
	leadAnswers leadKind = "answers"
	leadBusy    leadKind = "busy"
	leadNever   leadKind = "never"
	leadDNC     leadKind = "dnc"
	leadNotNow  leadKind = "outside-window"
)

type campaignRig struct {
	db    *store.DB
	r     *SimRun
	kinds map[string]leadKind // lead id → kind (the import names leads)
	phone map[string]string   // lead id → number
	trace *strings.Builder
}

// abandonsCap is the abandonment cap of the tests whose power campaign must
// abandon: power dials beyond one call per free agent only while the room
// for abandons takes what the extra calls risk, and a new campaign counts
// every dial as one that may answer. Under 3 % a few dozen leads never make
// that room; at 90 % the first connected answer makes room for nine.
const abandonsCap = 0.9

// cappedConfig is campaignConfig in mode with ratio and an abandonment cap.
func cappedConfig(mode string, ratio, limit float64) string {
	return strings.Replace(fmt.Sprintf(campaignConfig, mode, ratio), "    ring_timeout: 20s\n",
		fmt.Sprintf("    ring_timeout: 20s\n    abandon_cap: %g\n", limit), 1)
}

// newCampaignRig imports leads (8 answer, 5 busy, 5 never answer, one on the
// do-not-call list, one whose local time is 01:00) and logs three agents in.
func newCampaignRig(t *testing.T, mode string, ratio float64, agents ...string) *campaignRig {
	t.Helper()
	return newCampaignRigConfig(t, fmt.Sprintf(campaignConfig, mode, ratio), agents...)
}

// newCampaignRigConfig is newCampaignRig with its configuration's text.
func newCampaignRigConfig(t *testing.T, cfgText string, agents ...string) *campaignRig {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "hotline.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rig := &campaignRig{db: db, kinds: map[string]leadKind{}, phone: map[string]string{}, trace: &strings.Builder{}}
	var leads []campaign.Lead
	add := func(kind leadKind, n int) {
		for range n {
			i := len(leads) + 1
			l := campaign.Lead{ID: fmt.Sprintf("L%02d", i), Campaign: "renewals", Phone: fmt.Sprintf("+3314000%04d", i)}
			if kind == leadNotNow {
				l.TimeZone = "America/Los_Angeles"
			}
			leads = append(leads, l)
			rig.kinds[l.ID], rig.phone[l.ID] = kind, l.Phone
		}
	}
	add(leadAnswers, 8)
	add(leadBusy, 5)
	add(leadNever, 5)
	add(leadDNC, 1)
	add(leadNotNow, 1)
	if _, err := db.ImportLeads(leads); err != nil {
		t.Fatal(err)
	}
	byPhone := map[string]leadKind{}
	for id, k := range rig.kinds {
		byPhone[rig.phone[id]] = k
	}
	rig.kinds, rig.phone = map[string]leadKind{}, map[string]string{}
	if err := db.CampaignLeads("renewals", func(l campaign.Lead) bool {
		rig.kinds[l.ID], rig.phone[l.ID] = byPhone[l.Phone], l.Phone
		return true
	}); err != nil || len(rig.kinds) != len(leads) {
		t.Fatalf("imported %d leads of %d: %v", len(rig.kinds), len(leads), err)
	}
	for id, k := range rig.kinds {
		if k == leadDNC {
			if _, err := db.AddDNC([]store.DNCEntry{{List: store.GlobalDNC, Phone: rig.phone[id], Added: epoch}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	rig.r = rig.start(t, cfgText, agents)
	return rig
}

func (rig *campaignRig) start(t *testing.T, cfgText string, agents []string) *SimRun {
	t.Helper()
	cfg := parseConfig(t, cfgText)
	var clock *sim.Clock
	r, err := NewSimRun(SimOptions{
		Core: Options{Config: cfg, Store: rig.db, Seed: 3, Trace: func(now time.Time, line string) {
			if now.IsZero() && clock != nil {
				now = clock.Now()
			}
			fmt.Fprintf(rig.trace, "%8s %s\n", now.Sub(epoch).Round(time.Millisecond), line)
		}},
		Start: epoch,
		Sim:   sim.Options{Seed: 3, Latency: 20 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	clock = r.Clock
	for _, a := range []string{"sim/a1", "sim/a2", "sim/a3"} {
		if err := r.Switch.SetPhone(a, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 500 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	for id, k := range rig.kinds {
		p := farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 4 * time.Second, HangupAfter: 30 * time.Second}
		switch k {
		case leadBusy:
			p = farend.Phone{Mode: farend.PhoneBusy}
		case leadNever:
			p = farend.Phone{Mode: farend.PhoneNoAnswer}
		}
		if err := r.Switch.SetPhone("sim/"+rig.phone[id], p); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Login(agents...); err != nil {
		t.Fatal(err)
	}
	return r
}

func (rig *campaignRig) leads(t *testing.T) map[string]campaign.Lead {
	t.Helper()
	out := map[string]campaign.Lead{}
	if err := rig.db.CampaignLeads("renewals", func(l campaign.Lead) bool { out[l.ID] = l; return true }); err != nil {
		t.Fatal(err)
	}
	return out
}

// dials returns the outbound call records by number, oldest first.
func (rig *campaignRig) dials(t *testing.T) map[string][]store.CallRecord {
	t.Helper()
	out := map[string][]store.CallRecord{}
	for rec, err := range rig.db.Calls(store.Filter{Direction: acd.DirectionOutbound}) {
		if err != nil {
			t.Fatal(err)
		}
		out[rec.Called] = append(out[rec.Called], rec)
	}
	return out
}

func TestCampaignOnSimulator(t *testing.T) {
	for _, mode := range []string{"progressive", "predictive"} {
		t.Run(mode, func(t *testing.T) {
			rig := newCampaignRig(t, mode, 1.5, "a1", "a2", "a3")
			r := rig.r
			if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
				t.Fatal(err)
			}
			r.ServeLeads(rig.db, time.Second)
			r.RunUntil(epoch.Add(40 * time.Minute))

			leads, dials := rig.leads(t), rig.dials(t)
			for id, k := range rig.kinds {
				l, recs := leads[id], dials[rig.phone[id]]
				want := map[leadKind]struct {
					state    campaign.LeadState
					attempts int
				}{
					leadAnswers: {campaign.Done, 1}, leadBusy: {campaign.Failed, 2}, leadNever: {campaign.Failed, 2},
					leadDNC: {campaign.DoNotCall, 0}, leadNotNow: {campaign.New, 0},
				}[k]
				if l.State != want.state || l.Attempts != want.attempts || len(recs) != want.attempts {
					t.Errorf("%s lead %s: state %s, %d attempts, %d dial records; want %s, %d", k, id, l.State, l.Attempts, len(recs), want.state, want.attempts)
				}
				switch k {
				case leadAnswers:
					if len(recs) == 1 && (recs[0].Agent == "" || recs[0].Outcome != acd.OutcomeAnswered || recs[0].Talk < 20*time.Second) {
						t.Errorf("answered lead %s did not reach an agent: %+v", id, recs[0])
					}
				case leadBusy, leadNever:
					delay := map[leadKind]time.Duration{leadBusy: 2 * time.Minute, leadNever: 5 * time.Minute}[k]
					if len(recs) == 2 && recs[1].Entered.Sub(recs[0].Ended) < delay {
						t.Errorf("%s lead %s retried %s after its first dial ended, before its delay %s", k, id, recs[1].Entered.Sub(recs[0].Ended), delay)
					}
					if len(recs) == 2 && !strings.Contains(recs[1].Timeline[0].Detail, "attempt=2") {
						t.Errorf("second dial of %s: timeline %+v", id, recs[1].Timeline[0])
					}
				case leadNotNow:
					// 08:00 in Los Angeles on the same day.
					if want := time.Date(2026, 1, 5, 16, 0, 0, 0, time.UTC); !l.NextAttempt.Equal(want) {
						t.Errorf("out-of-window lead: next attempt %s, want %s", l.NextAttempt, want)
					}
				}
			}
			w := r.Core.Warnings()
			for _, k := range []string{"illegal-transition", "unknown-channel", "store", "command-failed"} {
				if w[k] > 0 {
					t.Errorf("warnings %s: %d\n%s", k, w[k], rig.trace)
				}
			}
			st := r.Core.Campaigns(r.Clock.Now())[0]
			if st.Stats.SkippedDNC != 1 || st.Stats.SkippedWindow < 1 || st.Stats.Answered != 8 {
				t.Errorf("campaign stats %+v", st.Stats)
			}
			if t.Failed() {
				t.Logf("trace:\n%s", rig.trace)
			}
		})
	}
}

// TestCampaignAbandonHearsSafeHarbour dials three leads per free agent with
// one agent, under a cap high enough to let power dial ahead: answered
// leads beyond the agent hear the safe-harbour message, are hung up, count
// against the cap and rest 72 hours.
func TestCampaignAbandonHearsSafeHarbour(t *testing.T) {
	rig := newCampaignRigConfig(t, cappedConfig("power", 3, abandonsCap), "a1")
	r := rig.r
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	r.RunUntil(epoch.Add(10 * time.Minute))
	st := r.Core.Campaigns(r.Clock.Now())[0]
	if st.Stats.Abandoned == 0 || st.AbandonRate <= 0 {
		t.Fatalf("no abandon counted: %+v rate %g\n%s", st.Stats, st.AbandonRate, rig.trace)
	}
	leads, dials := rig.leads(t), rig.dials(t)
	abandoned := 0
	for id, l := range leads {
		if l.AbandonedAt.IsZero() {
			continue
		}
		abandoned++
		if l.State != campaign.Scheduled || l.NextAttempt.Before(l.AbandonedAt.Add(72*time.Hour)) {
			t.Errorf("abandoned lead %s: %s next %s, want scheduled 72h after %s", id, l.State, l.NextAttempt, l.AbandonedAt)
		}
		recs := dials[l.Phone]
		last := recs[len(recs)-1]
		if last.Outcome != acd.OutcomeAbandoned || last.Agent != "" || !hasStep(last, "safe-harbour", "") {
			t.Errorf("abandoned lead %s: record %+v", id, last)
		}
		if !strings.Contains(rig.trace.String(), "play "+last.Channel) {
			t.Errorf("no playback on %s", last.Channel)
		}
	}
	if abandoned != st.Stats.Abandoned {
		t.Errorf("%d leads abandoned in the store, %d counted", abandoned, st.Stats.Abandoned)
	}
	if !strings.Contains(rig.trace.String(), "sound:safe-harbour") {
		t.Error("the safe-harbour message was never played")
	}
}

// TestCampaignRestartDialsNoAttemptTwice stops a run while leads ring, as
// kill -9 would (the store holds what was durable), and starts a new one
// on the same store and a switch that lost the channels: the leads that
// were Dialing are settled as failed attempts, and every (lead, attempt)
// is dialed at most once across both runs.
func TestCampaignRestartDialsNoAttemptTwice(t *testing.T) {
	rig := newCampaignRig(t, "progressive", 1.5, "a1", "a2", "a3")
	r := rig.r
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	r.RunUntil(epoch.Add(2*time.Second + 500*time.Millisecond))
	var dialing []campaign.Lead
	for _, l := range rig.leads(t) {
		if l.State == campaign.Dialing {
			dialing = append(dialing, l)
		}
	}
	if len(dialing) == 0 {
		t.Fatal("no lead dialing at the crash")
	}

	// The restart: a new Core and switch on the same store.
	r2 := rig.start(t, fmt.Sprintf(campaignConfig, "progressive", 1.5), []string{"a1", "a2", "a3"})
	snap, err := r2.Switch.Snapshot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	left, err := ReadLeftovers(rig.db, r2.Core.opts.Config, r2.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(left.Records) != len(dialing) || len(left.Dialing) != len(dialing) {
		t.Fatalf("leftovers: %d leads dialing with %d open records; want the %d dialing with theirs", len(left.Dialing), len(left.Records), len(dialing))
	}
	if err := r2.Do(func(c *Core, now time.Time) error {
		c.opts.IDPrefix = "run2" // started the same second as the first run
		c.ReconcileLeads(now, left, snap)
		return c.StartCampaign(now, "renewals")
	}); err != nil {
		t.Fatal(err)
	}
	r2.ServeLeads(rig.db, time.Second)
	r2.RunUntil(epoch.Add(40 * time.Minute))

	leads, dials := rig.leads(t), rig.dials(t)
	for _, l := range dialing {
		now := leads[l.ID]
		if now.State == campaign.Dialing {
			t.Errorf("lead %s still dialing after the restart", l.ID)
		}
		settled := 0
		for _, rec := range dials[l.Phone] {
			attempt := strings.Contains(rec.Timeline[0].Detail, fmt.Sprintf("attempt=%d", l.Attempts))
			if attempt && rec.Cause == causeRestart && rec.Outcome == acd.OutcomeFailed && rec.Timeline[len(rec.Timeline)-1].Kind == "settled-at-restart" {
				settled++
				continue
			}
			if attempt {
				t.Errorf("lead %s: attempt %d dialed again after the restart: %+v", l.ID, l.Attempts, rec.Timeline[0])
			}
		}
		if settled != 1 {
			t.Errorf("lead %s: attempt %d has %d records settled at restart; want 1", l.ID, l.Attempts, settled)
		}
	}
	for id, l := range leads {
		seen := map[string]bool{}
		for _, rec := range dials[l.Phone] {
			if d := rec.Timeline[0].Detail; seen[d] {
				t.Errorf("lead %s: %q dialed twice", id, d)
			} else {
				seen[d] = true
			}
		}
		if l.State == campaign.Dialing || l.State == campaign.Answered {
			t.Errorf("lead %s left %s", id, l.State)
		}
	}
}

// TestCampaignDispositions: the agent's disposition in wrap-up decides the
// lead: sale ends it, call-back dials it again after the campaign's
// no-answer delay, stop makes it do-not-call; none by the end of wrap-up
// ends it as completed; a name the campaign does not list is refused.
func TestCampaignDispositions(t *testing.T) {
	rig := newCampaignRig(t, "progressive", 1.5, "a1")
	r := rig.r
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	given := map[string]string{} // phone → disposition
	var refused error
	var dispose func()
	dispose = func() {
		for id, d := range r.Core.camps["renewals"].wrapping {
			if _, done := given[d.lead.Phone]; done || len(given) >= 3 {
				continue
			}
			if refused == nil {
				refused = r.Core.Disposition(r.Clock.Now(), id, "maybe", "")
			}
			name := []string{"sale", "call-back", "stop"}[len(given)]
			if err := r.Do(func(c *Core, now time.Time) error { return c.Disposition(now, id, name, "") }); err != nil {
				t.Errorf("disposition %s: %v", name, err)
			}
			given[d.lead.Phone] = name
		}
		r.Clock.Schedule(r.Clock.Now().Add(500*time.Millisecond), dispose)
	}
	dispose()
	r.RunUntil(epoch.Add(40 * time.Minute))
	if !errors.Is(refused, ErrUnknownDisposition) || !strings.Contains(refused.Error(), "known: sale, call-back, stop") {
		t.Errorf("unknown disposition: %v", refused)
	}
	if len(given) != 3 {
		t.Fatalf("dispositions given: %v", given)
	}
	dials := rig.dials(t)
	for id, l := range rig.leads(t) {
		if rig.kinds[id] != leadAnswers {
			continue
		}
		recs := dials[l.Phone]
		switch given[l.Phone] {
		case "sale":
			if l.State != campaign.Done || l.Disposition != "sale" || len(recs) != 1 {
				t.Errorf("sale lead %s: %s %q, %d dials", id, l.State, l.Disposition, len(recs))
			}
		case "call-back":
			if l.Attempts != 2 || len(recs) != 2 || recs[1].Entered.Sub(recs[0].Ended) < 5*time.Minute {
				t.Errorf("call-back lead %s: %d attempts, %d dials", id, l.Attempts, len(recs))
			}
		case "stop":
			if l.State != campaign.DoNotCall || l.Disposition != "stop" || len(recs) != 1 {
				t.Errorf("stop lead %s: %s %q, %d dials", id, l.State, l.Disposition, len(recs))
			}
			if list, blocked, err := rig.db.Blocked(l.Phone, "renewals"); !blocked || list != "renewals" || err != nil {
				t.Errorf("stop lead %s: on list %q %v %v; want the campaign's do-not-call list", id, list, blocked, err)
			}
		default:
			if l.State != campaign.Done || l.Disposition != "completed" {
				t.Errorf("lead %s with no disposition: %s %q", id, l.State, l.Disposition)
			}
		}
	}
	// A dial's record after its lead is settled takes the campaign's
	// dispositions only, as during the call: "maybe" was written to the
	// record unchecked. Nor does it take another than the one that settled
	// the lead: the record and the reports would say "sale" and the lead
	// "completed" (the same one again, with notes, is taken). A dial that
	// reached no agent takes none: a sale filed on a busy number counted in
	// the campaign's report.
	talked, unreached := 0, 0
	for _, phone := range slices.Sorted(maps.Keys(dials)) {
		for _, rec := range dials[phone] {
			id := rec.ID
			late := r.Do(func(c *Core, now time.Time) error { return c.Disposition(now, id, "maybe", "") })
			if !errors.Is(late, ErrUnknownDisposition) {
				t.Errorf("disposition of ended dial %s: %v; want it refused", id, late)
			}
			err := r.Do(func(c *Core, now time.Time) error { return c.Disposition(now, id, "sale", "") })
			same := r.Do(func(c *Core, now time.Time) error { return c.Disposition(now, id, rec.Disposition, "more notes") })
			switch {
			case rec.Agent != "" && rec.Disposition != "sale" && !errors.Is(err, ErrCallState):
				t.Errorf("sale on ended dial %s that talked to %s, its lead settled as %q: %v; want ErrCallState", id, rec.Agent, rec.Disposition, err)
			case rec.Agent != "" && rec.Disposition != "" && same != nil:
				t.Errorf("the same disposition %q again on ended dial %s: %v", rec.Disposition, id, same)
			case rec.Agent == "" && !errors.Is(err, ErrCallState):
				t.Errorf("disposition of ended dial %s that reached no agent (%s): %v; want ErrCallState", id, rec.Outcome, err)
			}
			if rec.Agent != "" {
				talked++
			} else {
				unreached++
			}
		}
	}
	if talked == 0 || unreached == 0 {
		t.Errorf("%d dials talked to an agent, %d did not; want some of each", talked, unreached)
	}
}

// TestCampaignDialsOnlyOnceDurable: a lead's Dialing write must be durable
// before its call is placed, so that a crash can never leave a placed call
// whose attempt the store does not know. With the writer's commits held
// back nothing is dialed; once they land, the dials go out.
func TestCampaignDialsOnlyOnceDurable(t *testing.T) {
	rig := newCampaignRig(t, "progressive", 1.5)
	w := store.NewWriter(rig.db, store.WriterOptions{}) // not started: commits only on Commit
	r, err := NewSimRun(SimOptions{
		Core:  Options{Config: parseConfig(t, fmt.Sprintf(campaignConfig, "progressive", 1.5)), Store: rig.db, Writer: w, Seed: 3},
		Start: epoch,
		Sim:   sim.Options{Seed: 3, Latency: 20 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Login("a1", "a2", "a3"); err != nil {
		t.Fatal(err)
	}
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	r.RunUntil(epoch.Add(5 * time.Second))
	if n := r.Switch.Stats().Originates; n != 0 {
		t.Fatalf("%d calls placed before their leads' Dialing write was durable", n)
	}
	// Counted with the Dialing write, placed or not yet.
	st := r.Core.Campaigns(r.Clock.Now())[0]
	if st.Stats.Dialed == 0 || w.Queued() == 0 {
		t.Fatalf("before the commit: %+v, %d ops queued", st.Stats, w.Queued())
	}
	// Under way though not placed yet: a status that showed none ringing
	// told a watcher the campaign was idle while its calls were about to go out.
	if st.Ringing != st.Stats.Dialed {
		t.Fatalf("before the commit: %d ringing, %d dialed; a dial waiting for its write is under way", st.Ringing, st.Stats.Dialed)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	dialing := 0
	for _, l := range rig.leads(t) {
		if l.State == campaign.Dialing {
			dialing++
		}
	}
	if err := r.Do(func(c *Core, now time.Time) error { c.Saved(now, w.Durable()); return nil }); err != nil {
		t.Fatal(err)
	}
	if n := r.Switch.Stats().Originates; n == 0 || n != dialing || n != st.Stats.Dialed {
		t.Fatalf("after the commit: %d calls placed, %d leads durable as dialing, %d counted", n, dialing, st.Stats.Dialed)
	}
}

// TestCampaignProgressSurvivesRestart: a campaign left running is dialing
// again after a restart without being started; one left paused stays
// paused until resumed; its counts and the abandonment window the cap
// checks come back as they were.
func TestCampaignProgressSurvivesRestart(t *testing.T) {
	cfgText := cappedConfig("power", 3, abandonsCap)
	rig := newCampaignRigConfig(t, cfgText, "a1")
	r := rig.r
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	r.RunUntil(epoch.Add(3 * time.Minute))

	restore := func(r *SimRun) CampaignStatus {
		t.Helper()
		saved, err := ReadCampaigns(rig.db, r.Core.opts.Config, r.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Do(func(c *Core, now time.Time) error { c.RestoreCampaigns(now, saved); return nil }); err != nil {
			t.Fatal(err)
		}
		r.ServeLeads(rig.db, time.Second)
		return r.Core.Campaigns(r.Clock.Now())[0]
	}

	// The first run ends while running: the second dials without a start.
	r2 := rig.start(t, cfgText, []string{"a1"})
	r2.Clock.RunUntil(epoch.Add(3 * time.Minute))
	if st := restore(r2); st.State != CampaignRunning || st.Stats.Dialed == 0 {
		t.Fatalf("after the first restart: %+v", st)
	}
	r2.RunUntil(epoch.Add(6 * time.Minute))
	if n := r2.Switch.Stats().Originates; n == 0 {
		t.Fatalf("the restored running campaign dialed nothing\n%s", rig.trace)
	}
	if err := r2.Do(func(c *Core, now time.Time) error { return c.PauseCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r2.RunUntil(epoch.Add(9 * time.Minute)) // calls in flight end
	before := r2.Core.Campaigns(r2.Clock.Now())[0]
	if before.Live != 0 || before.Ringing != 0 || before.Stats.Abandoned == 0 {
		t.Fatalf("before the second restart, want no calls left and some abandoned: %+v", before)
	}

	// The second run ends while paused: the third stays paused.
	r3 := rig.start(t, cfgText, []string{"a1"})
	r3.Clock.RunUntil(epoch.Add(9 * time.Minute))
	after := restore(r3)
	if after.State != CampaignPaused || after.Stats != before.Stats || after.AbandonRate != before.AbandonRate {
		t.Fatalf("after the second restart:\n%+v\nbefore it:\n%+v", after, before)
	}
	r3.RunUntil(epoch.Add(12 * time.Minute))
	if n := r3.Switch.Stats().Originates; n != 0 {
		t.Fatalf("the restored paused campaign dialed %d calls", n)
	}
	if err := r3.Do(func(c *Core, now time.Time) error { return c.ResumeCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r3.RunUntil(epoch.Add(15 * time.Minute))
	if n := r3.Switch.Stats().Originates; n == 0 {
		t.Fatal("the resumed campaign dialed nothing")
	}
	if st := r3.Core.Campaigns(r3.Clock.Now())[0]; st.Stats.Dialed <= before.Stats.Dialed {
		t.Errorf("counts did not go on from the saved ones: %+v, before %+v", st.Stats, before.Stats)
	}
}

// TestCampaignDialsInImportOrder: leads imported together are first dialed
// in the order of the list (renewals-2 before renewals-10), not in the
// text order of their ids.
func TestCampaignDialsInImportOrder(t *testing.T) {
	rig := newCampaignRig(t, "progressive", 1, "a1")
	r := rig.r
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	r.RunUntil(epoch.Add(40 * time.Minute))
	dials := rig.dials(t)
	type first struct {
		seq int
		at  time.Time
	}
	var firsts []first
	for id, k := range rig.kinds {
		if k == leadDNC || k == leadNotNow {
			continue
		}
		recs := dials[rig.phone[id]]
		if len(recs) == 0 {
			t.Fatalf("lead %s (%s) was never dialed", id, k)
		}
		var seq int
		if _, err := fmt.Sscanf(id, "renewals-%d", &seq); err != nil {
			t.Fatalf("lead id %q: %v", id, err)
		}
		firsts = append(firsts, first{seq, recs[0].Entered})
	}
	if len(firsts) < 12 {
		t.Fatalf("%d leads dialed, want at least 12", len(firsts))
	}
	slices.SortFunc(firsts, func(a, b first) int { return a.at.Compare(b.at) })
	var order []int
	for _, f := range firsts {
		order = append(order, f.seq)
	}
	if !slices.IsSorted(order) {
		t.Fatalf("leads first dialed in the order %v, want the import order", order)
	}
}
