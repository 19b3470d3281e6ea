package esl_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/internal/campaigncheck"
	"github.com/hotline-cc/hotline/store"
)

// Campaigns on a real FreeSWITCH: "hotline serve" dials its leads as
// loopback channels into context hotline-test-lead of
// testdata/esl/freeswitch/hotline_test.xml, where the number's first digits
// say who answers. The leads are imported into the daemon's store before
// it starts; the store is read again once it has stopped.

// fsLeadKind is how a lead's number behaves in hotline-test-lead.
type fsLeadKind string

const (
	fsPerson  fsLeadKind = "person"
	fsBusy    fsLeadKind = "busy"
	fsNever   fsLeadKind = "never"
	fsDNC     fsLeadKind = "dnc"
	fsOutside fsLeadKind = "outside"
	fsSurvey  fsLeadKind = "survey"
)

var fsLeadPrefix = map[fsLeadKind]string{
	fsPerson: "+3391", fsBusy: "+3392", fsNever: "+3393", fsDNC: "+3391", fsOutside: "+3391", fsSurvey: "+3395",
}

// fsLeadZones returns a zone where it is now about 14:00 and one where it
// is about 02:00: inside and outside the leads' hours (08:00-21:00) for
// hours to come.
func fsLeadZones(now time.Time) (inside, outside string) {
	zone := func(localHour int) string {
		off := localHour - now.UTC().Hour() // hours east of UTC
		if off < -12 {
			off += 24
		}
		return fmt.Sprintf("Etc/GMT%+d", -off) // Etc/GMT-N is N hours east
	}
	return zone(14), zone(2)
}

// fsCampaignRun is the outcome of a campaign run on FreeSWITCH: its last
// status, its leads by number and kind, and the outbound records by number.
type fsCampaignRun struct {
	st     engine.CampaignStatus
	leads  map[string]campaign.Lead
	kindOf map[string]fsLeadKind
	dials  map[string][]store.CallRecord
}

// runFSCampaign runs runFSCampaignLeads with kinds[k] leads of each kind,
// kind after kind.
func runFSCampaign(t *testing.T, camp, body string, kinds map[fsLeadKind]int, during func(s *fsScenario)) fsCampaignRun {
	t.Helper()
	var order []fsLeadKind
	for _, k := range []fsLeadKind{fsPerson, fsBusy, fsNever, fsDNC, fsOutside, fsSurvey} {
		for range kinds[k] {
			order = append(order, k)
		}
	}
	return runFSCampaignLeads(t, camp, body, order, during)
}

// getJSON decodes the daemon's answer to GET path into v.
func (s *fsScenario) getJSON(path string, v any) bool {
	resp, err := http.Get("http://" + s.api + path)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(v) == nil
}

// fsCampaignConfig is an agent campaign dialing hotline-test-lead, with
// @AGENTS@, @MODE@ and @RATIO@ to fill in. Rings and retries are short so
// the list is worked in seconds.
const fsCampaignConfig = `
queues:
  - {name: outbound, ring_timeout: 5s, retry_delay: 500ms, wrap_up: 500ms, announce: {interval: 0s}}
agents:
@AGENTS@
campaigns:
  - name: drive
    endpoint: "[hltest_run=@TAG@]loopback/{number}/hotline-test-lead"
    caller_id: "+15550000000"
    mode: @MODE@
    ratio: @RATIO@
    ring_timeout: 2s
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    lead_hours: "08:00-21:00"
    retry: {max_attempts: 2, busy: 2s, no_answer: 2s, failed: 2s}
    queues: [outbound]
    safe_harbour: [sound:hello-world]
`

// fsAgents are agent lines whose phones answer after about 300 ms (a
// millisecond apart: one phone, one agent) and hang up after talking talk.
func fsAgents(talk time.Duration, ids ...string) string {
	var b strings.Builder
	for i, id := range ids {
		fmt.Fprintf(&b, "  - {id: %s, endpoint: \"@PHONE:answer-%d-hangup-%d@\", queues: [{queue: outbound}], logged_in: true}\n", id, 300+i, talk.Milliseconds())
	}
	return b.String()
}

func fsCampaignBody(mode string, ratio float64, agents string) string {
	return strings.NewReplacer("@AGENTS@", agents, "@MODE@", mode, "@RATIO@", fmt.Sprint(ratio)).Replace(fsCampaignConfig)
}

// TestFreeSWITCHE2ECampaign works a list of leads on real FreeSWITCH with
// three agents in progressive mode: people reach agents and talk, busy and
// unanswered numbers are dialed again after their delay and then fail,
// the do-not-call and out-of-hours leads are never dialed, and every dial
// is a record.
func TestFreeSWITCHE2ECampaign(t *testing.T) {
	kinds := map[fsLeadKind]int{fsPerson: 3, fsBusy: 2, fsNever: 2, fsDNC: 1, fsOutside: 1}
	run := runFSCampaign(t, "drive", fsCampaignBody("progressive", 1, fsAgents(1500*time.Millisecond, "a1", "a2", "a3")), kinds, nil)
	want := map[fsLeadKind]struct {
		state    campaign.LeadState
		attempts int
	}{
		fsPerson: {campaign.Done, 1}, fsBusy: {campaign.Failed, 2}, fsNever: {campaign.Failed, 2},
		fsDNC: {campaign.DoNotCall, 0}, fsOutside: {campaign.New, 0},
	}
	for phone, k := range run.kindOf {
		l, recs := run.leads[phone], run.dials[phone]
		w := want[k]
		if l.State != w.state || l.Attempts != w.attempts || len(recs) != w.attempts {
			t.Errorf("%s lead %s: %s after %d attempts, %d records; want %s after %d", k, phone, l.State, l.Attempts, len(recs), w.state, w.attempts)
			continue
		}
		for i, r := range recs {
			if r.Entry != "campaign:drive" || !hasKind(r, "dial") || r.Ended.IsZero() {
				t.Errorf("%s lead %s, dial %d: entry %q, ended %v, timeline %+v", k, phone, i+1, r.Entry, r.Ended, r.Timeline)
			}
		}
		switch k {
		case fsPerson:
			if r := recs[0]; r.Agent == "" || r.Outcome != acd.OutcomeAnswered || r.Talk < time.Second || !hasKind(r, "lead-answered") {
				t.Errorf("person %s did not talk to an agent: agent %q, %s, talk %s, timeline %+v", phone, r.Agent, r.Outcome, r.Talk, r.Timeline)
			}
		case fsBusy, fsNever:
			wantCause := map[fsLeadKind]string{fsBusy: "busy", fsNever: "no-answer"}[k]
			for _, r := range recs {
				if r.Outcome != acd.OutcomeFailed || r.Cause != wantCause {
					t.Errorf("%s lead %s: dial %s, cause %q; want failed, %s", k, phone, r.Outcome, r.Cause, wantCause)
				}
			}
			if gap := recs[1].Entered.Sub(recs[0].Ended); gap < 2*time.Second {
				t.Errorf("%s lead %s dialed again %s after its first dial ended; the delay is 2s", k, phone, gap)
			}
		case fsOutside:
			if !l.NextAttempt.After(time.Now()) {
				t.Errorf("out-of-hours lead %s: next attempt %s, want the next opening", phone, l.NextAttempt)
			}
		}
	}
	if st := run.st.Stats; st.Connected != 3 || st.Abandoned != 0 || st.Busy != 4 || st.NoAnswer != 4 || st.SkippedDNC != 1 {
		t.Errorf("campaign counts %+v; want 3 connected, none abandoned, 4 busy, 4 no-answer, 1 skipped for do-not-call", st)
	}
	campaigncheck.Pacing{Agents: 3, WrapUp: 500 * time.Millisecond, Cap: 0.03, ConnectWithin: 2 * time.Second}.Check(t, "progressive", run.all())
}

// TestFreeSWITCHE2ECampaignAbandon dials three people per free agent with
// one agent (power mode) under a 90 % cap, so that power may dial ahead
// once the first answer has made room: the first person is dialed alone
// and reaches the agent, the two others together once the agent is free;
// the answer no agent takes hears the safe-harbour message, which
// FreeSWITCH reports played out on the lead's channel before Hotline hangs
// it up, and counts as abandoned.
func TestFreeSWITCHE2ECampaignAbandon(t *testing.T) {
	run, evs := runFSPower(t, 0.9)
	abandoned, connected := 0, 0
	for phone, l := range run.leads {
		recs := run.dials[phone]
		if len(recs) != 1 || l.Attempts != 1 {
			t.Errorf("lead %s: %d attempts, %d records; want one dial", phone, l.Attempts, len(recs))
			continue
		}
		r := recs[0]
		switch r.Outcome {
		case acd.OutcomeAnswered:
			connected++
			if r.Agent != "a1" || r.Talk < time.Second || l.State != campaign.Done {
				t.Errorf("connected lead %s: agent %q, talk %s, lead %s", phone, r.Agent, r.Talk, l.State)
			}
		case acd.OutcomeAbandoned:
			abandoned++
			if r.Agent != "" || !hasKind(r, "safe-harbour") || l.State != campaign.Scheduled || l.AbandonedAt.IsZero() {
				t.Errorf("abandoned lead %s: agent %q, lead %s (abandoned at %v), timeline %+v", phone, r.Agent, l.State, l.AbandonedAt, r.Timeline)
			}
			checkSafeHarbourHeard(t, phone, r.Channel, evs)
		default:
			t.Errorf("lead %s: outcome %s; want answered or abandoned", phone, r.Outcome)
		}
	}
	if connected != 2 || abandoned != 1 || run.st.Stats.Abandoned != abandoned || run.st.AbandonRate == 0 {
		t.Errorf("%d connected, %d abandoned records with one agent for three answers; the campaign counts %+v, rate %g; want 2 and 1",
			connected, abandoned, run.st.Stats, run.st.AbandonRate)
	}
	campaigncheck.Pacing{Agents: 1, WrapUp: 500 * time.Millisecond, Ahead: true, Cap: 0.9, ConnectWithin: 2 * time.Second}.Check(t, "power, 90 %", run.all())
}

// TestFreeSWITCHE2ECampaignPowerCap: the same power campaign under the
// regulatory 3 % cap, whose three answers never make room for an abandon,
// dials one call at a time for its one agent, and every person reaches
// the agent: the cap binds power mode from the first call on.
func TestFreeSWITCHE2ECampaignPowerCap(t *testing.T) {
	run, _ := runFSPower(t, 0.03)
	if st := run.st.Stats; st.Connected != 3 || st.Abandoned != 0 {
		t.Errorf("campaign counts %+v; want 3 connected, none abandoned", st)
	}
	campaigncheck.Pacing{Agents: 1, WrapUp: 500 * time.Millisecond, Cap: 0.03, ConnectWithin: 2 * time.Second}.Check(t, "power, 3 %", run.all())
}

// runFSPower runs a power campaign of three calls per free agent with one
// agent under the abandonment cap limit on three people, and returns the
// run and FreeSWITCH's playback and hang-up events meanwhile.
func runFSPower(t *testing.T, limit float64) (fsCampaignRun, []timedEvent) {
	t.Helper()
	body := strings.Replace(fsCampaignBody("power", 3, fsAgents(1500*time.Millisecond, "a1")), "    ratio: 3\n",
		fmt.Sprintf("    ratio: 3\n    abandon_cap: %g\n", limit), 1)
	var stop func() []timedEvent
	run := runFSCampaign(t, "drive", body, map[fsLeadKind]int{fsPerson: 3}, func(s *fsScenario) {
		stop = s.fs.watch(t, "PLAYBACK_START PLAYBACK_STOP CHANNEL_HANGUP_COMPLETE")
	})
	return run, stop()
}

// all is every outbound record of the run.
func (r fsCampaignRun) all() []store.CallRecord {
	var out []store.CallRecord
	for _, recs := range r.dials {
		out = append(out, recs...)
	}
	return out
}

// checkSafeHarbourHeard: FreeSWITCH played hello-world (the safe-harbour
// message) on channel ch to its end, and hung ch up only after that.
func checkSafeHarbourHeard(t *testing.T, phone, ch string, evs []timedEvent) {
	t.Helper()
	plays, gone := playsHeard(evs, ch, "hello-world")
	if len(plays) != 1 || plays[0].played < helloWorldPlays || gone.Before(plays[0].end) {
		t.Errorf("abandoned lead %s (channel %s): safe-harbour playbacks %+v, hung up at %s; want one heard to its end, then the hang-up",
			phone, ch, plays, gone.Format(time.StampMilli))
	}
}

// helloWorldPlays is how long hello-world plays at least: it is a 0.6 s
// tone in the test bundle.
const helloWorldPlays = 500 * time.Millisecond

// playHeard is one playback FreeSWITCH reported on a channel.
type playHeard struct {
	played time.Duration // PLAYBACK_START to PLAYBACK_STOP with status done
	end    time.Time
}

// playsHeard returns the playbacks of file on channel ch that FreeSWITCH
// reported done (PLAYBACK_START, then PLAYBACK_STOP "done"), and when ch
// hung up (zero if it did not).
func playsHeard(evs []timedEvent, ch, file string) (plays []playHeard, gone time.Time) {
	at := func(ev timedEvent) time.Time {
		us, _ := strconv.ParseInt(ev.Get("Event-Date-Timestamp"), 10, 64)
		return time.UnixMicro(us)
	}
	var start time.Time
	for _, ev := range evs {
		if ev.Get("Unique-ID") != ch {
			continue
		}
		ours := strings.Contains(ev.Get("Playback-File-Path"), file)
		switch ev.Get("Event-Name") {
		case "PLAYBACK_START":
			if ours {
				start = at(ev)
			}
		case "PLAYBACK_STOP":
			if ours && !start.IsZero() && ev.Get("Playback-Status") == "done" {
				plays = append(plays, playHeard{played: at(ev).Sub(start), end: at(ev)})
			}
			start = time.Time{}
		case "CHANNEL_HANGUP_COMPLETE":
			gone = at(ev)
		}
	}
	return plays, gone
}

// TestFreeSWITCHE2ECampaignSurvey: a survey campaign on real FreeSWITCH
// asks its questions through its flow (each prompt heard to its end, the
// first as soon as the lead answers), and the keys the leads press
// (send_dtmf on their side of the loopback) are kept on them as their
// answers.
func TestFreeSWITCHE2ECampaignSurvey(t *testing.T) {
	var stop func() []timedEvent
	run := runFSCampaign(t, "poll", fsPollFlow+`
campaigns:
  - name: poll
    kind: survey
    flow: poll
    endpoint: "[hltest_run=@TAG@]loopback/{number}/hotline-test-lead"
    ring_timeout: 5s
    max_dials: 2
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    lead_hours: "00:00-24:00"
`, map[fsLeadKind]int{fsSurvey: 2}, func(s *fsScenario) {
		stop = s.fs.watch(t, "PLAYBACK_START PLAYBACK_STOP CHANNEL_HANGUP_COMPLETE")
	})
	evs := stop()
	for phone, l := range run.leads {
		if l.State != campaign.Done || l.Disposition != "completed" || l.Answers["satisfaction"] != "4" || l.Answers["recommend"] != "5" {
			t.Errorf("lead %s: %s %q, answers %v; want done, completed, satisfaction 4 and recommend 5", phone, l.State, l.Disposition, l.Answers)
		}
		recs := run.dials[phone]
		if len(recs) != 1 || recs[0].Outcome != acd.OutcomeSelfService {
			t.Errorf("lead %s: records %+v; want one, self-service", phone, recs)
			continue
		}
		// Two questions and the goodbye, each hello-world.
		plays, _ := playsHeard(evs, recs[0].Channel, "hello-world")
		heard := 0
		for _, p := range plays {
			if p.played >= helloWorldPlays {
				heard++
			}
		}
		if len(plays) != 3 || heard != 3 {
			t.Errorf("lead %s (channel %s): prompts %+v; want three, each heard to its end", phone, recs[0].Channel, plays)
		}
	}
	if len(run.leads) != 2 {
		t.Errorf("%d leads stored; want 2", len(run.leads))
	}
}
