package ari_test

import (
	"cmp"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/internal/campaigncheck"
	"github.com/hotline-cc/hotline/store"
)

// e2eLeadKind is how a campaign lead's number behaves in [hotline-leads].
type e2eLeadKind string

const (
	e2ePerson  e2eLeadKind = "person"
	e2eLate    e2eLeadKind = "late" // a person who rings two seconds first
	e2eSlow    e2eLeadKind = "slow" // a person who rings six seconds first
	e2eBusy    e2eLeadKind = "busy"
	e2eNever   e2eLeadKind = "never"
	e2eMachine e2eLeadKind = "machine"
	e2eDNC     e2eLeadKind = "dnc"
	e2eOutside e2eLeadKind = "outside"
)

// e2eLeadPrefix is the start of a kind's numbers (see extensions.conf).
var e2eLeadPrefix = map[e2eLeadKind]string{
	e2ePerson: "+3391", e2eLate: "+3397", e2eSlow: "+3398", e2eBusy: "+3392", e2eNever: "+3393", e2eMachine: "+3394", e2eDNC: "+3391", e2eOutside: "+3391",
}

// e2eZones returns an IANA zone whose local time now is inside the leads'
// calling hours (08:00-21:00) and one where it is outside.
func e2eZones(t *testing.T) (inside, outside string) {
	t.Helper()
	for off := -12; off <= 14; off++ {
		// Etc/GMT-N is N hours east of UTC.
		name := fmt.Sprintf("Etc/GMT%+d", -off)
		if off == 0 {
			name = "Etc/GMT"
		}
		loc, err := time.LoadLocation(name)
		if err != nil {
			continue
		}
		h := time.Now().In(loc).Hour()
		switch {
		case h >= 9 && h < 20 && inside == "":
			inside = name
		case (h < 7 || h >= 22) && outside == "":
			outside = name
		}
	}
	if inside == "" || outside == "" {
		t.Fatalf("no zones found: inside %q outside %q", inside, outside)
	}
	return inside, outside
}

// e2eRun is a run of the campaign scenario.
type e2eRun struct {
	mode   string
	ratio  float64 // calls per free agent in power mode
	cap    float64 // the abandonment cap; 0 = 3 %
	window string  // the cap's window; "" = 720h
	agents map[string]e2ePhone
	// loggedOut are logged out before the campaign starts.
	loggedOut []string
	// order holds the leads' kinds in the order they are due.
	order []e2eLeadKind
	// settings are the campaign's settings ("key: value") that replace
	// the config's or are added to it.
	settings []string
}

// e2eDials is how many dials a lead of each kind gets.
var e2eDials = map[e2eLeadKind]int{e2ePerson: 1, e2eLate: 1, e2eSlow: 1, e2eBusy: 2, e2eNever: 2, e2eMachine: 1}

// e2eTimes is n leads of kind k.
func e2eTimes(k e2eLeadKind, n int) []e2eLeadKind { return slices.Repeat([]e2eLeadKind{k}, n) }

// e2eCampaignStart imports r's leads into a new scenario's store, starts
// the daemon, logs r.loggedOut out and starts the campaign; it returns the
// scenario, its store's path, the leads' kinds by number and how many dials
// they should get.
func e2eCampaignStart(t *testing.T, r e2eRun) (s *e2eScenario, path string, kindOf map[string]e2eLeadKind, want int) {
	t.Helper()
	s = newE2E(t, "campaign", r.agents, "")
	cfg, err := os.ReadFile(s.config)
	if err != nil {
		t.Fatal(err)
	}
	r.ratio = cmp.Or(r.ratio, 1)
	r.cap, r.window = cmp.Or(r.cap, 0.03), cmp.Or(r.window, "720h")
	head, camp, _ := strings.Cut(string(cfg), "\ncampaigns:\n")
	for _, kv := range r.settings {
		key, _, _ := strings.Cut(kv, ":")
		if line := regexp.MustCompile(`(?m)^    ` + regexp.QuoteMeta(key) + `:.*$`); line.MatchString(camp) {
			camp = line.ReplaceAllLiteralString(camp, "    "+kv)
		} else {
			camp += "    " + kv + "\n"
		}
	}
	cfg = []byte(head + "\ncampaigns:\n" + camp)
	cfg = []byte(strings.NewReplacer("@MODE@", r.mode, "@RATIO@", fmt.Sprint(r.ratio), "@CAP@", fmt.Sprint(r.cap), "@WINDOW@", r.window).Replace(string(cfg)))
	if err := os.WriteFile(s.config, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	inside, outside := e2eZones(t)
	path = filepath.Join(s.dir, "hotline.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	kindOf = map[string]e2eLeadKind{} // phone → kind
	var list []campaign.Lead
	due := time.Now().Add(-time.Hour)
	for i, k := range r.order {
		phone := fmt.Sprintf("%s%d%05d", e2eLeadPrefix[k], os.Getpid()%10, i+1)
		zone := inside
		if k == e2eOutside {
			zone = outside
		}
		// Due a millisecond apart: dialed in order.
		list = append(list, campaign.Lead{Campaign: "drive", Phone: phone, Name: string(k), TimeZone: zone, NextAttempt: due.Add(time.Duration(i) * time.Millisecond)})
		kindOf[phone] = k
		want += e2eDials[k]
	}
	if _, err := db.ImportLeads(list); err != nil {
		t.Fatal(err)
	}
	for phone, k := range kindOf {
		if k == e2eDNC {
			if _, err := db.AddDNC([]store.DNCEntry{{List: store.GlobalDNC, Phone: phone, Added: time.Now()}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	db.Close()

	s.start()
	for _, a := range r.loggedOut {
		s.agentAction(a, "logout")
	}
	resp, err := http.Post(s.d.api+"/api/v1/campaigns/drive/start", "application/json", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("start the campaign: %v %v", resp, err)
	}
	resp.Body.Close()
	return s, path, kindOf, want
}

// e2eCampaign runs the campaign scenario: it imports the leads into the
// daemon's store, starts the daemon, logs r.loggedOut out, starts the
// campaign, waits until every dial the leads should get is over and
// nothing rings or talks, stops the daemon and returns the leads and the
// outbound records by number.
func e2eCampaign(t *testing.T, r e2eRun) (
	st engine.CampaignStatus, leads map[string]campaign.Lead, kindOf map[string]e2eLeadKind, dials map[string][]store.CallRecord) {
	t.Helper()
	s, path, kindOf, want := e2eCampaignStart(t, r)
	s.eventually(3*time.Minute, fmt.Sprintf("%d dials over", want), func() (bool, string) {
		var list []engine.CampaignStatus
		s.getJSON("/api/v1/campaigns", &list)
		st = list[0]
		return st.Stats.Dialed >= want && st.Ringing == 0 && st.Live == 0, fmt.Sprintf("%+v", st)
	})
	s.eventually(10*time.Second, "agents out of their calls and wrap-up", func() (bool, string) {
		for _, a := range s.status().Agents {
			if a.State != "available" && a.State != "logged-out" {
				return false, a.ID + " " + a.State
			}
		}
		return true, ""
	})
	t.Logf("%s: %+v, %.1f%% abandoned", r.mode, st.Stats, 100*st.AbandonRate)
	s.d.stop(t)

	leads, dials = e2eCampaignStore(t, path)
	return st, leads, kindOf, dials
}

// e2eCampaignStore reads the leads of "drive" and the outbound records, by
// number, from the store of a stopped daemon.
func e2eCampaignStore(t *testing.T, path string) (leads map[string]campaign.Lead, dials map[string][]store.CallRecord) {
	t.Helper()
	leads, dials, err := campaigncheck.Read(path, "drive")
	if err != nil {
		t.Fatal(err)
	}
	return leads, dials
}

// TestAsteriskE2ECampaign works a list of leads on real Asterisk with
// three agents, progressive then predictive: people reach agents, busy and
// unanswered numbers are dialed again after their
// delay and then fail, the answering machine is hung up on and left for
// later, the do-not-call and out-of-hours leads are never dialed, and every
// dial is a record. Predictive keeps the abandonment cap from the first
// call on: eight live answers leave no room for an abandon at 3 % (one
// would be 1 in 8), so its pacer dials only for agents free now, as
// progressive does, and every person reaches an agent.
//
// In "predictive-ahead" the cap is 50 % over 24 hours, agents talk longer
// than the two-second rule, and most leads are people, some of whom ring
// two seconds before they answer. The first three people make room; when
// their agents go into wrap-up the pacer dials three late answerers ahead,
// and three people more once the agents are free; the people take the
// agents, and the late answers no agent can take within two seconds hear
// the safe-harbour message, count, and rest 72 hours, with the
// abandonment within the cap at every abandon.
func TestAsteriskE2ECampaign(t *testing.T) {
	quick := e2ePhone{Answer: 500 * time.Millisecond, Hangup: 2 * time.Second}
	agents := map[string]e2ePhone{"a1": quick, "a2": quick, "a3": quick}
	list := slices.Concat(e2eTimes(e2ePerson, 8), e2eTimes(e2eBusy, 4), e2eTimes(e2eNever, 4), []e2eLeadKind{e2eMachine, e2eDNC, e2eOutside})
	slow := e2ePhone{Answer: 500 * time.Millisecond, Hangup: 5 * time.Second}
	three := func(k e2eLeadKind) []e2eLeadKind { return e2eTimes(k, 3) }
	runs := map[string]e2eRun{
		"progressive": {mode: "progressive", agents: agents, order: list},
		"predictive":  {mode: "predictive", agents: agents, order: list},
		"predictive-ahead": {mode: "predictive", cap: 0.5, window: "24h", agents: map[string]e2ePhone{"a1": slow, "a2": slow, "a3": slow},
			order: slices.Concat(three(e2ePerson), three(e2eLate), three(e2ePerson), three(e2eLate), three(e2ePerson),
				[]e2eLeadKind{e2eBusy, e2eNever, e2eMachine, e2eDNC, e2eOutside})},
	}
	for _, name := range []string{"progressive", "predictive", "predictive-ahead"} {
		t.Run(name, func(t *testing.T) {
			run := runs[name]
			st, leads, kindOf, dials := e2eCampaign(t, run)
			abandoned := 0
			for phone, k := range kindOf {
				l, recs := leads[phone], dials[phone]
				if k == e2eLate {
					k = e2ePerson // one who answers late
				}
				want := map[e2eLeadKind]struct {
					state    campaign.LeadState
					attempts int
				}{
					e2ePerson: {campaign.Done, 1}, e2eBusy: {campaign.Failed, 2}, e2eNever: {campaign.Failed, 2},
					e2eMachine: {campaign.Scheduled, 1}, e2eDNC: {campaign.DoNotCall, 0}, e2eOutside: {campaign.New, 0},
				}[k]
				if k == e2ePerson && !l.AbandonedAt.IsZero() {
					abandoned++
					want.state = campaign.Scheduled
				}
				if l.State != want.state || l.Attempts != want.attempts || len(recs) != want.attempts {
					t.Errorf("%s lead %s: %s after %d attempts, %d records; want %s after %d", k, phone, l.State, l.Attempts, len(recs), want.state, want.attempts)
					continue
				}
				switch k {
				case e2ePerson:
					if l.AbandonedAt.IsZero() {
						if r := recs[0]; r.Agent == "" || r.Outcome != acd.OutcomeAnswered || r.Talk < time.Second {
							t.Errorf("person %s did not talk to an agent: agent %q, %s, talk %s", phone, r.Agent, r.Outcome, r.Talk)
						}
					} else {
						e2eCheckAbandon(t, phone, l, recs[0])
					}
				case e2eBusy, e2eNever:
					if gap := recs[1].Entered.Sub(recs[0].Ended); gap < 5*time.Second {
						t.Errorf("%s lead %s dialed again %s after its first dial ended; the delay is 5s", k, phone, gap)
					}
				case e2eMachine:
					if r := recs[0]; r.Agent != "" || !e2eHasStep(r, "machine", "MACHINE") || l.LastOutcome != campaign.Machine {
						t.Errorf("machine %s: agent %q, last outcome %s, timeline %+v", phone, r.Agent, l.LastOutcome, r.Timeline)
					}
				case e2eOutside:
					if !l.NextAttempt.After(time.Now()) {
						t.Errorf("out-of-hours lead %s: next attempt %s, want the next opening", phone, l.NextAttempt)
					}
				}
			}
			if name == "progressive" && abandoned > 0 || abandoned != st.Stats.Abandoned {
				t.Errorf("%s: %d people abandoned, the campaign counts %d", name, abandoned, st.Stats.Abandoned)
			}
			ahead := name == "predictive-ahead"
			if ahead && abandoned == 0 {
				t.Errorf("%s: no lead abandoned; the late answers should find no agent", name)
			}
			var all []store.CallRecord
			for _, recs := range dials {
				all = append(all, recs...)
			}
			// With no room for an abandon the pacer dials only for agents
			// free now; with room it dials ahead.
			limit := cmp.Or(run.cap, 0.03)
			campaigncheck.Pacing{Agents: 3, WrapUp: time.Second, Ahead: ahead, Cap: limit, ConnectWithin: 2 * time.Second}.Check(t, name, all)
			e2eCheckCap(t, name, st, limit)
		})
	}
}

// e2eCheckCap: the campaign's abandons stay within its cap over its live
// answers, counted by the test and by the campaign.
func e2eCheckCap(t *testing.T, mode string, st engine.CampaignStatus, limit float64) {
	t.Helper()
	live := st.Stats.Connected + st.Stats.Abandoned
	if live == 0 || float64(st.Stats.Abandoned) > limit*float64(live) || st.AbandonRate > limit {
		t.Errorf("%s: %d of %d live answers abandoned (the campaign says %.1f%%); the cap is %.0f%%", mode, st.Stats.Abandoned, live, 100*st.AbandonRate, 100*limit)
	}
}

// e2eCheckAbandon: an abandoned lead heard the safe-harbour message out, no
// agent, and rests 72 hours.
func e2eCheckAbandon(t *testing.T, phone string, l campaign.Lead, r store.CallRecord) {
	t.Helper()
	// hello-world lasts about a second and a half: the lead heard it out.
	for _, bad := range campaigncheck.Abandoned(phone, l, r, time.Second) {
		t.Error(bad)
	}
}

// TestAsteriskE2ECampaignAbandon dials three people per free agent with one
// agent, under a 90 % cap so that power may dial ahead once the first
// answer has made room: the answers no agent takes within connect_within
// hear the safe-harbour message on Asterisk, are hung up and count as
// abandoned.
func TestAsteriskE2ECampaignAbandon(t *testing.T) {
	agents := map[string]e2ePhone{"a1": {Answer: 500 * time.Millisecond, Hangup: 2 * time.Second}, "a2": e2eNeverAnswers, "a3": e2eNeverAnswers}
	st, leads, _, dials := e2eCampaign(t, e2eRun{mode: "power", ratio: 3, cap: 0.9, agents: agents, loggedOut: []string{"a2", "a3"}, order: e2eTimes(e2ePerson, 3)})
	abandoned := 0
	for phone, l := range leads {
		for _, r := range dials[phone] {
			if r.Outcome == acd.OutcomeAbandoned {
				abandoned++
				e2eCheckAbandon(t, phone, l, r)
			}
		}
	}
	if abandoned == 0 || abandoned != st.Stats.Abandoned || st.AbandonRate == 0 {
		t.Fatalf("%d abandoned records with one agent for three answers; the campaign counts %+v, rate %g", abandoned, st.Stats, st.AbandonRate)
	}
}

func e2eHasStep(r store.CallRecord, kind, detail string) bool {
	for _, st := range r.Timeline {
		if st.Kind == kind && strings.Contains(st.Detail, detail) {
			return true
		}
	}
	return false
}

// TestAsteriskE2ESurvey: a survey campaign on real Asterisk asks its
// questions through its flow, and the keys the leads press are kept on
// them as their answers.
func TestAsteriskE2ESurvey(t *testing.T) {
	phones := []string{fmt.Sprintf("+3395%d00001", os.Getpid()%10), fmt.Sprintf("+3395%d00002", os.Getpid()%10)}
	var list []campaign.Lead
	for _, p := range phones {
		list = append(list, campaign.Lead{Campaign: "poll", Phone: p})
	}
	s, path := e2eSurveyStart(t, list)
	s.eventually(time.Minute, "both surveys over", func() (bool, string) {
		var list []engine.CampaignStatus
		s.getJSON("/api/v1/campaigns", &list)
		st := list[0]
		return st.Stats.Dialed == 2 && st.Ringing == 0 && st.Live == 0, fmt.Sprintf("%+v", st)
	})
	s.d.stop(t)
	db, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CampaignLeads("poll", func(l campaign.Lead) bool {
		if l.State != campaign.Done || l.Disposition != "completed" || l.Answers["satisfaction"] != "4" || l.Answers["recommend"] != "5" {
			t.Errorf("lead %s: %s %q, answers %v; want done, completed, satisfaction 4 and recommend 5", l.Phone, l.State, l.Disposition, l.Answers)
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
}
