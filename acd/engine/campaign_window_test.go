package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// Leads whose own hours never meet the campaign's (a zone the campaign's
// hours always reach at night) are put off, not read again at every hopper
// refill: ahead in the due order, they would otherwise fill the hopper for
// good and no other lead would ever be dialed.
func TestCampaignLeadsNeverInHours(t *testing.T) {
	cfg := `
store: {path: unused.db}
pbx: {type: sim}
queues:
  - {name: people, wrap_up: 1s}
agents:
  - {id: a1, endpoint: sim/a1, queues: [{queue: people}]}
campaigns:
  - name: spring
    endpoint: sim/{number}
    hopper: 5
    schedule: {hours: "09:00-17:00", time_zone: UTC}
    queues: [people]
    safe_harbour: [sound:safe-harbour]
`
	var leads []campaign.Lead
	for i := range 12 { // 23:00-07:00 at UTC+14: never within 08:00-21:00
		leads = append(leads, campaign.Lead{Campaign: "spring", Phone: fmt.Sprintf("+686730%05d", i), TimeZone: "Pacific/Kiritimati"})
	}
	phones := map[string]farend.Phone{"sim/a1": {Mode: farend.PhoneAnswer, AnswerDelay: 500 * time.Millisecond, HangupAfter: 5 * time.Second}}
	for i := range 2 {
		p := fmt.Sprintf("+4420794609%02d", i)
		leads = append(leads, campaign.Lead{Campaign: "spring", Phone: p, TimeZone: "Europe/London"})
		phones[p] = farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: time.Second, HangupAfter: 10 * time.Second}
	}
	sr := runSurvey(t, cfg, Options{}, phones, leads, 2*time.Minute, "a1")
	err := sr.db.CampaignLeads("spring", func(l campaign.Lead) bool {
		switch {
		case l.TimeZone == "Europe/London" && l.Attempts == 0:
			t.Errorf("lead %s in hours was never dialed: %+v", l.ID, l)
		case l.TimeZone == "Pacific/Kiritimati" && (l.Attempts != 0 || !l.NextAttempt.After(epoch.Add(time.Hour))):
			t.Errorf("lead %s never in hours: attempts %d, next %s; want it put off", l.ID, l.Attempts, l.NextAttempt)
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	var skipped int
	sr.r.Do(func(c *Core, now time.Time) error { skipped = c.Campaigns(now)[0].Stats.SkippedWindow; return nil })
	if skipped != 12 {
		t.Errorf("skipped outside hours %d times, want 12 (each lead once)", skipped)
	}
}

// A lead with no zone of its own whose number's area has several (Alaska:
// Anchorage and Adak) is called only when its hours are open in all of
// them, not by the campaign's zone: from New York at 08:00 it would ring
// at 04:00 in Anchorage.
func TestCampaignLeadHoursInEveryZoneOfItsNumber(t *testing.T) {
	cfg := `
store: {path: unused.db}
pbx: {type: sim}
queues:
  - {name: people, wrap_up: 1s}
agents:
  - {id: a1, endpoint: sim/a1, queues: [{queue: people}]}
campaigns:
  - name: spring
    endpoint: sim/{number}
    schedule: {hours: "00:00-24:00", time_zone: America/New_York}
    queues: [people]
    safe_harbour: [sound:safe-harbour]
`
	leads := []campaign.Lead{{Campaign: "spring", Phone: "+19075550100"}}
	phones := map[string]farend.Phone{"sim/a1": {Mode: farend.PhoneAnswer, AnswerDelay: 500 * time.Millisecond}}
	sr := runSurvey(t, cfg, Options{}, phones, leads, time.Minute, "a1")
	adak := time.Date(2026, 1, 5, 18, 0, 0, 0, time.UTC) // 08:00 in Adak, 09:00 in Anchorage, 13:00 in New York
	err := sr.db.CampaignLeads("spring", func(l campaign.Lead) bool {
		if l.Attempts != 0 || !l.NextAttempt.Equal(adak) {
			t.Errorf("lead %s: attempts %d, next %s; want put off to %s, when 08:00-21:00 is open in Anchorage and Adak", l.ID, l.Attempts, l.NextAttempt, adak)
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
}
