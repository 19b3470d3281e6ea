package report

import (
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/store"
)

// CampaignRule is what a report needs to know of a campaign's config.
type CampaignRule struct {
	AbandonCap float64         // the highest share of answered leads that may find no agent
	Sales      map[string]bool // dispositions that are sales
}

// CampaignRules are the configured campaigns' rules, by name.
func CampaignRules(cs []config.Campaign) map[string]CampaignRule {
	rules := make(map[string]CampaignRule, len(cs))
	for _, c := range cs {
		rule := CampaignRule{AbandonCap: c.AbandonCap, Sales: map[string]bool{}}
		for _, d := range c.DispositionList() {
			if d.Sale {
				rule.Sales[d.Name] = true
			}
		}
		rules[c.Name] = rule
	}
	return rules
}

// campaignPrefix marks the entry of a campaign's dial (CallRecord.Entry).
const campaignPrefix = "campaign:"

// CampaignRow is one outbound campaign over one interval.
type CampaignRow struct {
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	Campaign    string    `json:"campaign"`
	Dials       int       `json:"dials"`
	Busy        int       `json:"busy"`
	NoAnswer    int       `json:"no_answer"`
	Failed      int       `json:"failed"`   // not reached for another reason
	Contacts    int       `json:"contacts"` // answered by the lead
	Connected   int       `json:"connected"`
	Abandoned   int       `json:"abandoned"`    // answered, no agent in time (safe-harbour message, or one answering later) or the lead hung up first
	AbandonRate float64   `json:"abandon_rate"` // abandoned over contacts
	AbandonCap  float64   `json:"abandon_cap"`  // the campaign's limit (0: not known)
	OverCap     bool      `json:"over_cap"`
	Sales       int       `json:"sales"`
	ContactRate float64   `json:"contact_rate"` // contacts over dials
	Conversion  float64   `json:"conversion"`   // sales over connected
	Talk        Seconds   `json:"talk_s"`
	AHT         Seconds   `json:"aht_s"` // talk + wrap-up over connected
}

type campaignAcc struct {
	dials, busy, noAnswer, failed, contacts, connected, abandoned, sales int
	talk, handle                                                         time.Duration
}

// campaignOf is the campaign of a dial's record, "" for other calls.
func campaignOf(rec *store.CallRecord) string {
	if rec.Direction != acd.DirectionOutbound {
		return ""
	}
	name, ok := strings.CutPrefix(rec.Entry, campaignPrefix)
	if !ok {
		return ""
	}
	return name
}

func (c *cut) addDial(rec *store.CallRecord, start int64, name string, rule CampaignRule) {
	k := key{start, name}
	a := c.campaigns[k]
	if a == nil {
		a = &campaignAcc{}
		c.campaigns[k] = a
	}
	a.dials++
	contact, late := false, false
	for _, s := range rec.Timeline {
		switch s.Kind {
		case "lead-answered":
			contact = true
		case "not-connected": // an agent past connect_within: against the cap, as the engine counts it
			late = true
		}
	}
	switch {
	case contact:
		a.contacts++
	case rec.Outcome == acd.OutcomeFailed && rec.Cause == string(pbx.FailBusy):
		a.busy++
	case rec.Outcome == acd.OutcomeFailed && (rec.Cause == string(pbx.FailNoAnswer) || rec.Cause == string(pbx.FailCancelled)):
		a.noAnswer++
	default:
		a.failed++
	}
	if !rec.Answered.IsZero() && rec.Agent != "" {
		a.connected++
		a.talk += rec.Talk
		a.handle += rec.Talk + rec.WrapUp
	}
	if contact && (rec.Outcome == acd.OutcomeAbandoned || late) {
		a.abandoned++
	}
	if rec.Disposition != "" && (rule.Sales[rec.Disposition] || (rule.Sales == nil && rec.Disposition == "sale")) {
		a.sales++
	}
}

func (a *campaignAcc) row(start, end time.Time, name string, rule CampaignRule) CampaignRow {
	ratio := func(n, d int) float64 {
		if d == 0 {
			return 0
		}
		return float64(n) / float64(d)
	}
	r := CampaignRow{Start: start, End: end, Campaign: name, Dials: a.dials, Busy: a.busy, NoAnswer: a.noAnswer, Failed: a.failed,
		Contacts: a.contacts, Connected: a.connected, Abandoned: a.abandoned, AbandonRate: ratio(a.abandoned, a.contacts),
		AbandonCap: rule.AbandonCap, Sales: a.sales, ContactRate: ratio(a.contacts, a.dials), Conversion: ratio(a.sales, a.connected),
		Talk: secs(a.talk)}
	if a.connected > 0 {
		r.AHT = secs(a.handle / time.Duration(a.connected))
	}
	r.OverCap = rule.AbandonCap > 0 && r.AbandonRate > rule.AbandonCap
	return r
}
