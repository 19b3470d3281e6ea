package campaigncheck

import (
	"fmt"
	"strings"

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
