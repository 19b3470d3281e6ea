package esl_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/internal/campaigncheck"
	"github.com/hotline-cc/hotline/store"
)

// fsPredictiveConfig is a predictive campaign of three agents dialing
// hotline-test-lead, with @AGENTS@, @CAP@ and @WINDOW@ to fill in. The
// ring outlasts a late answer; wrap-up is a second.
const fsPredictiveConfig = `
queues:
  - {name: outbound, ring_timeout: 5s, retry_delay: 500ms, wrap_up: 1s, announce: {interval: 0s}}
agents:
@AGENTS@
campaigns:
  - name: drive
    endpoint: "[hltest_run=@TAG@]loopback/{number}/hotline-test-lead"
    caller_id: "+15550000000"
    mode: predictive
    abandon_cap: @CAP@
    abandon_window: @WINDOW@
    connect_within: 2s
    ring_timeout: 3s
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    lead_hours: "08:00-21:00"
    retry: {max_attempts: 2, busy: 2s, no_answer: 2s, failed: 2s}
    queues: [outbound]
    safe_harbour: [sound:hello-world]
`

// TestFreeSWITCHE2ECampaignPredictive works a list of leads on real
// FreeSWITCH with three agents in predictive mode, read back from the
// call records and from FreeSWITCH's own playback events.
//
// In "no-room" the cap is 3 %: eight live answers leave no room for an
// abandon (one would be 1 in 8), so the pacer dials only for agents free
// now, never more than three calls at once, and every person reaches an
// agent.
//
// In "ahead" the cap is 50 % over 24 hours, agents talk five seconds
// (past the two-second rule) and most leads are people, some of whom ring
// two seconds before they answer. The first three people make room; when
// their agents go into wrap-up the pacer dials late answerers ahead, and
// people more once the agents are free: more calls at once than agents.
// The people take the agents, and the late answers no agent can take
// within two seconds hear the safe-harbour message to its end (FreeSWITCH
// reports it played on the lead's channel before the hang-up), count as
// abandoned and rest 72 hours, with the abandonment within the cap at
// every abandon.
func TestFreeSWITCHE2ECampaignPredictive(t *testing.T) {
	three := func(k fsLeadKind) []fsLeadKind { return slices.Repeat([]fsLeadKind{k}, 3) }
	runs := []struct {
		name  string
		cap   float64
		talk  time.Duration
		order []fsLeadKind
	}{
		{"no-room", 0.03, 1500 * time.Millisecond,
			slices.Concat(slices.Repeat([]fsLeadKind{fsPerson}, 8), []fsLeadKind{fsBusy, fsBusy, fsNever, fsNever, fsDNC, fsOutside})},
		{"ahead", 0.5, 5 * time.Second,
			slices.Concat(three(fsPerson), three(fsLate), three(fsPerson), three(fsLate), three(fsPerson), []fsLeadKind{fsBusy, fsNever, fsDNC, fsOutside})},
	}
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			ahead := r.name == "ahead"
			body := strings.NewReplacer("@AGENTS@", fsAgents(r.talk, "a1", "a2", "a3"), "@CAP@", fmt.Sprint(r.cap), "@WINDOW@", "24h").Replace(fsPredictiveConfig)
			var stop func() []timedEvent
			run := runFSCampaignLeads(t, "drive", body, r.order, func(s *fsScenario) {
				stop = s.fs.watch(t, "PLAYBACK_START PLAYBACK_STOP CHANNEL_HANGUP_COMPLETE")
			})
			evs := stop()
			abandoned := 0
			for phone, k := range run.kindOf {
				l, recs := run.leads[phone], run.dials[phone]
				if k == fsLate {
					k = fsPerson // one who answers late
				}
				want := map[fsLeadKind]struct {
					state    campaign.LeadState
					attempts int
				}{
					fsPerson: {campaign.Done, 1}, fsBusy: {campaign.Failed, 2}, fsNever: {campaign.Failed, 2},
					fsDNC: {campaign.DoNotCall, 0}, fsOutside: {campaign.New, 0},
				}[k]
				if k == fsPerson && !l.AbandonedAt.IsZero() {
					abandoned++
					want.state = campaign.Scheduled
				}
				if l.State != want.state || l.Attempts != want.attempts || len(recs) != want.attempts {
					t.Errorf("%s lead %s: %s after %d attempts, %d records; want %s after %d", k, phone, l.State, l.Attempts, len(recs), want.state, want.attempts)
					continue
				}
				switch k {
				case fsPerson:
					rec := recs[0]
					if l.AbandonedAt.IsZero() {
						if rec.Agent == "" || rec.Outcome != acd.OutcomeAnswered || rec.Talk < time.Second {
							t.Errorf("person %s did not talk to an agent: agent %q, %s, talk %s, timeline %+v", phone, rec.Agent, rec.Outcome, rec.Talk, rec.Timeline)
						}
						break
					}
					if rec.Outcome != acd.OutcomeAbandoned || rec.Agent != "" || !hasKind(rec, "safe-harbour") || l.NextAttempt.Before(l.AbandonedAt.Add(72*time.Hour)) {
						t.Errorf("abandoned %s: %s, agent %q, next attempt %s (abandoned %s), timeline %+v", phone, rec.Outcome, rec.Agent, l.NextAttempt, l.AbandonedAt, rec.Timeline)
					}
					checkSafeHarbourHeard(t, phone, rec.Channel, evs)
				case fsBusy, fsNever:
					if gap := recs[1].Entered.Sub(recs[0].Ended); gap < 2*time.Second {
						t.Errorf("%s lead %s dialed again %s after its first dial ended; the delay is 2s", k, phone, gap)
					}
				case fsOutside:
					if !l.NextAttempt.After(time.Now()) {
						t.Errorf("out-of-hours lead %s: next attempt %s, want the next opening", phone, l.NextAttempt)
					}
				}
			}
			st := run.st.Stats
			if abandoned != st.Abandoned || ahead != (abandoned > 0) {
				t.Errorf("%s: %d people abandoned, the campaign counts %d; abandons wanted: %v", r.name, abandoned, st.Abandoned, ahead)
			}
			if live := st.Connected + st.Abandoned; live == 0 || float64(st.Abandoned) > r.cap*float64(live) || run.st.AbandonRate > r.cap {
				t.Errorf("%s: %d of %d live answers abandoned (the campaign says %.1f%%); the cap is %.0f%%", r.name, st.Abandoned, live, 100*run.st.AbandonRate, 100*r.cap)
			}
			var all []store.CallRecord
			for _, recs := range run.dials {
				all = append(all, recs...)
			}
			campaigncheck.Pacing{Agents: 3, WrapUp: time.Second, Ahead: ahead, Cap: r.cap, ConnectWithin: 2 * time.Second}.Check(t, r.name, all)
		})
	}
}
