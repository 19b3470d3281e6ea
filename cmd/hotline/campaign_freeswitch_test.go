package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/esl/esltest"
	"github.com/hotline-cc/hotline/internal/campaigncheck"
	"github.com/hotline-cc/hotline/store"
)

const eslCampaignConfig = `
pbx: {type: freeswitch}
queues:
  - {name: outbound, ring_timeout: 5s, retry_delay: 1s, wrap_up: 1s}
agents:
  - {id: a1, endpoint: user/a1, queues: [{queue: outbound}], logged_in: true}
  - {id: a2, endpoint: user/a2, queues: [{queue: outbound}], logged_in: true}
  - {id: a3, endpoint: user/a3%s, logged_in: true}
campaigns:
  - name: drive
    endpoint: sofia/gateway/gw/{number}
    caller_id: "+15550000000"
    mode: %s
    ring_timeout: %s
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    lead_hours: "%s"
    retry: {max_attempts: 2, busy: 1s, no_answer: 1s, failed: 1s}
    %s
    %s
    wrap_up: 1s
    safe_harbour: [sound:hello-world]
`

// TestCampaignOnESLFake works the end-to-end campaign of the Asterisk suite
// (less the answering machine, which FreeSWITCH does not detect) through
// "hotline serve" on the event-socket wire fake, progressive then
// predictive: people reach agents, busy and unanswered numbers are retried
// after their delay then fail, do-not-call and out-of-hours leads are never
// dialed, and no more live answers are abandoned than the 3 % cap allows
// (none, with eight).
//
// In "power" the campaign dials three calls per free agent under the 3 %
// cap: its eight live answers never make room for an abandon, so it dials
// only for agents free now, as progressive does, and abandons none.
//
// In "own-agents" the campaign lists its agents instead of a queue, a3 in
// no queue at all: the answered leads reach a1, a2 and a3 through the
// campaign's own queue.
//
// In "predictive-ahead" the cap is 50 % over 24 hours, agents talk longer
// than the two-second rule, and most leads are people, some of whom take a
// second and a half to answer: once the first answers give it room, the
// pacer dials ahead (for agents still in wrap-up, and more calls than
// free agents), the late answers no agent can take hear the safe-harbour
// message, count, and rest 72 hours, and the abandonment is within the cap
// at every abandon.
func TestCampaignOnESLFake(t *testing.T) {
	for _, mode := range []string{"progressive", "predictive", "power", "own-agents", "predictive-ahead"} {
		t.Run(mode, func(t *testing.T) { eslCampaign(t, mode) })
	}
}

func eslCampaign(t *testing.T, mode string) {
	own, ahead := mode == "own-agents", mode == "predictive-ahead"
	a3Queues, workers, limits := ", queues: [{queue: outbound}]", "queues: [outbound]", ""
	// The leads in the order they are dialed.
	order := slices.Concat(slices.Repeat([]string{"person"}, 8), slices.Repeat([]string{"busy"}, 4), slices.Repeat([]string{"never"}, 4), []string{"dnc", "outside"})
	limit, ring, talk := 0.03, "1s", 500*time.Millisecond
	if own {
		mode, a3Queues, workers = "progressive", "", "agents: [a1, a2, a3]"
	}
	if mode == "power" {
		limits = "ratio: 3"
	}
	if ahead {
		mode, limits, limit, ring, talk = "predictive", "abandon_cap: 0.5\n    abandon_window: 24h", 0.5, "3s", 3*time.Second
		// Three people first: the first three dials (progressive, with no
		// room yet) are answered and make room. When their agents go into
		// wrap-up the pacer dials three late answerers ahead, and three
		// people more once the agents are free: the people take them, and
		// the late answers find none within two seconds.
		three := func(k string) []string { return []string{k, k, k} }
		order = slices.Concat(three("person"), three("late"), three("person"), three("late"), three("person"),
			[]string{"busy", "busy", "never", "never", "dnc", "outside"})
	}
	fs, err := esltest.New(esltest.Options{Password: "ClueCon"})
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	for _, a := range []string{"a1", "a2", "a3"} {
		fs.AddPhone("user/"+a, esltest.Phone{Mode: esltest.Answer, AnswerDelay: 50 * time.Millisecond, HangupAfter: talk})
	}
	// Calling hours around now in UTC; the out-of-hours lead lives 12 hours away.
	h := time.Now().UTC().Hour()
	hours := fmt.Sprintf("%02d:00-%02d:00", max(0, h-1), min(24, h+2))
	modes := map[string]esltest.Phone{
		"person": {Mode: esltest.Answer, AnswerDelay: 100 * time.Millisecond}, "late": {Mode: esltest.Answer, AnswerDelay: 1500 * time.Millisecond}, "dnc": {Mode: esltest.Answer}, "outside": {Mode: esltest.Answer},
		"busy": {Mode: esltest.Busy}, "never": {Mode: esltest.NoAnswer},
	}
	path := filepath.Join(t.TempDir(), "h.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	kindOf := map[string]string{}
	var leads []campaign.Lead
	due := time.Now().Add(-time.Hour)
	want := 0
	for i, k := range order {
		phone := fmt.Sprintf("+33140%04d", i+1)
		// Due a millisecond apart: dialed in order.
		l := campaign.Lead{Campaign: "drive", Phone: phone, TimeZone: "UTC", NextAttempt: due.Add(time.Duration(i) * time.Millisecond)}
		if k == "outside" {
			l.TimeZone = "Etc/GMT-12"
		}
		leads = append(leads, l)
		kindOf[phone] = k
		fs.AddPhone("sofia/gateway/gw/"+phone, modes[k])
		if k == "dnc" {
			if _, err := db.AddDNC([]store.DNCEntry{{List: store.GlobalDNC, Phone: phone, Added: time.Now()}}); err != nil {
				t.Fatal(err)
			}
		}
		want += map[string]int{"person": 1, "late": 1, "busy": 2, "never": 2}[k]
	}
	if _, err := db.ImportLeads(leads); err != nil {
		t.Fatal(err)
	}
	db.Close()

	cfgPath := writeFile(t, "hotline.yaml", fmt.Sprintf(eslCampaignConfig, a3Queues, mode, ring, hours, workers, limits))
	base, stop := serveOnFake(t, fs, path, cfgPath)
	defer stop()
	resp, err := http.Post(base+"/api/v1/campaigns/drive/start", "application/json", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("start: %v %v", resp, err)
	}
	resp.Body.Close()
	var st engine.CampaignStatus
	dialsOver := func() {
		t.Helper()
		waitUntil(t, 60*time.Second, fmt.Sprintf("%d dials over", want), func() bool {
			resp, err := http.Get(base + "/api/v1/campaigns")
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			var list []engine.CampaignStatus
			if json.NewDecoder(resp.Body).Decode(&list) != nil || len(list) != 1 {
				return false
			}
			st = list[0]
			return st.Stats.Dialed >= want && st.Ringing == 0 && st.Live == 0
		})
	}
	dialsOver()
	// Whether a late answer finds every agent taken is decided by where
	// the pacer's one-second ticks fall against the agents' wrap-ups,
	// which a loaded machine moves: so until an abandon comes, more late
	// answerers and people are imported, as a list is topped up while the
	// campaign runs, and the campaign dials them (at most five rounds).
	for round := 0; ahead && st.Stats.Abandoned == 0 && round < 5; round++ {
		csv := "phone,timezone\n"
		for _, k := range slices.Concat(slices.Repeat([]string{"late"}, 3), slices.Repeat([]string{"person"}, 3)) {
			phone := fmt.Sprintf("+33140%06d", len(kindOf)+1) // a number the import takes
			kindOf[phone] = k
			fs.AddPhone("sofia/gateway/gw/"+phone, modes[k])
			csv += phone + ",UTC\n"
			want++
		}
		resp, err := http.Post(base+"/api/v1/campaigns/drive/leads", "text/csv", strings.NewReader(csv))
		if err != nil {
			t.Fatal(err)
		}
		var imp struct{ Imported int }
		err = json.NewDecoder(resp.Body).Decode(&imp)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || imp.Imported != 6 {
			t.Fatalf("import round %d: %s, %d leads imported (%v); want 6", round+1, resp.Status, imp.Imported, err)
		}
		dialsOver()
	}
	time.Sleep(1500 * time.Millisecond) // the last wrap-ups
	stop()
	t.Logf("%s: %+v", mode, st.Stats)

	db, err = store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dials := map[string][]store.CallRecord{}
	for rec, err := range db.Calls(store.Filter{Direction: acd.DirectionOutbound}) {
		if err != nil {
			t.Fatal(err)
		}
		dials[rec.Called] = append(dials[rec.Called], rec)
	}
	abandoned, byA3 := 0, 0
	err = db.CampaignLeads("drive", func(l campaign.Lead) bool {
		k, recs := kindOf[l.Phone], dials[l.Phone]
		if k == "late" {
			k = "person" // one who answers late
		}
		wantState, wantAttempts := map[string]campaign.LeadState{
			"person": campaign.Done, "busy": campaign.Failed, "never": campaign.Failed, "dnc": campaign.DoNotCall, "outside": campaign.New,
		}[k], map[string]int{"person": 1, "busy": 2, "never": 2}[k]
		if k == "person" && !l.AbandonedAt.IsZero() {
			abandoned++
			wantState = campaign.Scheduled
		}
		if l.State != wantState || l.Attempts != wantAttempts || len(recs) != wantAttempts {
			t.Errorf("%s lead %s: %s after %d attempts, %d records; want %s after %d", k, l.Phone, l.State, l.Attempts, len(recs), wantState, wantAttempts)
			return true
		}
		switch {
		case k == "person" && !l.AbandonedAt.IsZero():
			eslCheckAbandon(t, fs, l, recs[0])
		case k == "person":
			if recs[0].Agent == "" || recs[0].Outcome != acd.OutcomeAnswered {
				t.Errorf("person %s: agent %q, %s", l.Phone, recs[0].Agent, recs[0].Outcome)
			}
			if own && recs[0].Queue != engine.CampaignQueue("drive") {
				t.Errorf("person %s reached %s through queue %q; want the campaign's own", l.Phone, recs[0].Agent, recs[0].Queue)
			}
			if recs[0].Agent == "a3" {
				byA3++
			}
		case k == "busy" || k == "never":
			if gap := recs[1].Entered.Sub(recs[0].Ended); gap < time.Second {
				t.Errorf("%s %s dialed again %s after its first dial; the delay is 1s", k, l.Phone, gap)
			}
		case k == "outside":
			if !l.NextAttempt.After(time.Now()) {
				t.Errorf("out-of-hours lead: next attempt %s", l.NextAttempt)
			}
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if own && byA3 == 0 {
		t.Error("a3, in no queue, took none of the campaign's calls")
	}
	if (mode == "progressive" || mode == "power") && abandoned > 0 || abandoned != st.Stats.Abandoned {
		t.Errorf("%d people abandoned, the campaign counts %d", abandoned, st.Stats.Abandoned)
	}
	var all []store.CallRecord
	for _, recs := range dials {
		all = append(all, recs...)
	}
	if ahead && abandoned == 0 {
		t.Errorf("%s: no lead abandoned; dials ahead with mostly people answering leave some", mode)
	}
	// With no room for an abandon (3 %: eight live answers leave none)
	// the pacer dials only for agents free now; with room it dials ahead.
	campaigncheck.Pacing{Agents: 3, WrapUp: time.Second, Ahead: ahead, Cap: limit, ConnectWithin: 2 * time.Second}.Check(t, mode, all)
	if live := st.Stats.Connected + st.Stats.Abandoned; live == 0 || float64(st.Stats.Abandoned) > limit*float64(live) || st.AbandonRate > limit {
		t.Errorf("%s: %d of %d live answers abandoned (the campaign says %.1f%%); the cap is %.0f%%", mode, st.Stats.Abandoned, live, 100*st.AbandonRate, 100*limit)
	}
}

// eslCheckAbandon: an abandoned lead heard the safe-harbour message, no
// agent took it, and its number rests 72 hours.
func eslCheckAbandon(t *testing.T, fs *esltest.Server, l campaign.Lead, r store.CallRecord) {
	t.Helper()
	ch, _ := fs.Channel(r.Channel)
	heard := slices.ContainsFunc(ch.Played, func(f string) bool { return strings.Contains(f, "hello-world") })
	if !heard || r.Outcome != acd.OutcomeAbandoned || r.Agent != "" || l.State != campaign.Scheduled || l.NextAttempt.Before(l.AbandonedAt.Add(72*time.Hour)) {
		t.Errorf("abandoned %s: played %v, %s, agent %q, lead %s next %s (abandoned %s)", l.Phone, ch.Played, r.Outcome, r.Agent, l.State, l.NextAttempt, l.AbandonedAt)
	}
}
