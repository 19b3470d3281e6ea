package campaigncheck

import (
	"fmt"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/store"
)

// RingingKept checks what a restart while two leads rang left in the
// store (leads and outbound records by number): the lead at answers
// answered after the restart and talked to an agent, done and completed
// after one attempt with one record; the lead at never ended its first
// attempt by the ring timeout (cause no-answer, not restart), one record
// for it. It returns the problems found.
func RingingKept(leads map[string]campaign.Lead, dials map[string][]store.CallRecord, answers, never string) []string {
	var bad []string
	l, recs := leads[answers], dials[answers]
	if l.State != campaign.Done || l.Disposition != "completed" || l.Attempts != 1 || len(recs) != 1 {
		bad = append(bad, fmt.Sprintf("lead %s that answered after the restart: %s %q after %d attempts, %d records; want done, completed, dialed once",
			answers, l.State, l.Disposition, l.Attempts, len(recs)))
	} else if r := recs[0]; r.Outcome != acd.OutcomeAnswered || r.Agent == "" || r.Talk <= 0 {
		bad = append(bad, fmt.Sprintf("lead %s's record: %s, agent %q, talk %v; want answered by an agent", answers, r.Outcome, r.Agent, r.Talk))
	}
	var first []store.CallRecord
	for _, r := range dials[never] {
		if len(r.Timeline) > 0 && strings.HasSuffix(r.Timeline[0].Detail, " attempt=1") {
			first = append(first, r)
		}
	}
	switch {
	case len(first) != 1:
		bad = append(bad, fmt.Sprintf("lead %s that never answered: %d records of its first attempt; want 1", never, len(first)))
	case first[0].Outcome != acd.OutcomeFailed || first[0].Cause != string(pbx.FailNoAnswer) || first[0].Ended.IsZero():
		bad = append(bad, fmt.Sprintf("lead %s's first attempt: %s, cause %q; want failed by no answer (not settled by the restart)", never, first[0].Outcome, first[0].Cause))
	}
	if l := leads[never]; l.Attempts < 1 || l.LastOutcome != campaign.NoAnswer {
		bad = append(bad, fmt.Sprintf("lead %s that never answered: last outcome %s after %d attempts; want no-answer", never, l.LastOutcome, l.Attempts))
	}
	return bad
}

// Abandoned checks an abandoned lead and its record: the safe-harbour
// message, which plays at least heard, heard out before the hang-up; no
// agent; the lead resting 72 hours. It returns the problems found.
func Abandoned(phone string, l campaign.Lead, r store.CallRecord, heardOut time.Duration) []string {
	var bad []string
	heard := StepAt(r, "safe-harbour")
	if heard.IsZero() || r.Outcome != acd.OutcomeAbandoned || r.Agent != "" || l.State != campaign.Scheduled || l.NextAttempt.Before(l.AbandonedAt.Add(72*time.Hour)) {
		bad = append(bad, fmt.Sprintf("abandoned %s: %s, agent %q, lead %s next %s (abandoned %s), timeline %+v", phone, r.Outcome, r.Agent, l.State, l.NextAttempt, l.AbandonedAt, r.Timeline))
	}
	if played := r.Ended.Sub(heard); played < heardOut {
		bad = append(bad, fmt.Sprintf("abandoned %s hung up %s after the safe-harbour message began", phone, played))
	}
	return bad
}

// DropLive takes the live record of call id out of the store at path (of
// a stopped daemon), as a kill between a lead's answer, saved, and the
// save of its live record leaves the store.
func DropLive(path, id string) error {
	db, err := store.Open(path, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Write([]store.Op{store.DeleteActive(id)})
}

// Read reads the leads of campaign camp and the outbound records, by
// number, from the store at path (of a stopped daemon).
func Read(path, camp string) (leads map[string]campaign.Lead, dials map[string][]store.CallRecord, err error) {
	db, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	leads = map[string]campaign.Lead{}
	if err := db.CampaignLeads(camp, func(l campaign.Lead) bool { leads[l.Phone] = l; return true }); err != nil {
		return nil, nil, err
	}
	dials = map[string][]store.CallRecord{}
	for rec, err := range db.Calls(store.Filter{Direction: acd.DirectionOutbound}) {
		if err != nil {
			return nil, nil, err
		}
		dials[rec.Called] = append(dials[rec.Called], rec)
	}
	return leads, dials, nil
}

// ShutDown checks what a switch's shutdown left of a campaign whose dials
// in flight it all ended: counts (the campaign's) with n dials cut short
// by it and none failed, unanswered or abandoned, and every lead of the
// campaign's store at path (of a stopped daemon) to be called again, last
// outcome switch-shutdown, cut once. It returns the problems found.
func ShutDown(c campaign.Counts, n int, path, camp string) []string {
	var bad []string
	if c.SwitchShutdown != n || c.Failed+c.NoAnswer+c.Abandoned != 0 {
		bad = append(bad, fmt.Sprintf("campaign counts %+v; want %d dials switch-shutdown, none failed, unanswered or abandoned", c, n))
	}
	leads, _, err := Read(path, camp)
	if err != nil {
		return append(bad, err.Error())
	}
	for _, l := range leads {
		if l.State != campaign.Scheduled || l.LastOutcome != campaign.SwitchShutdown || l.Cut != 1 {
			bad = append(bad, fmt.Sprintf("lead %s: %s, last outcome %s, cut %d; want scheduled again after switch-shutdown", l.Phone, l.State, l.LastOutcome, l.Cut))
		}
	}
	return bad
}

// ImportNoticeLeads puts into the store at path (of a daemon not yet
// started) two leads of campaign camp due now: one whose number the test
// switches' dialplans ring on (+3393…), one they answer (+3391…). n tells
// runs apart (a process id, say).
func ImportNoticeLeads(path, camp string, n int) error {
	db, err := store.Open(path, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	ringing, hearing := fmt.Sprintf("+3393%d00001", n%10), fmt.Sprintf("+3391%d00002", n%10)
	due := time.Now().Add(-time.Hour)
	_, err = db.ImportLeads([]campaign.Lead{
		{Campaign: camp, Phone: ringing, NextAttempt: due},
		{Campaign: camp, Phone: hearing, NextAttempt: due.Add(time.Millisecond)},
	})
	return err
}
