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
	// SelfService is set for a survey or notification: its answered leads
	// hear a flow or message, wait for no agent, and are never abandoned
	// (one who hangs up in the flow is not an abandon), as the engine
	// counts them.
	SelfService bool
}

// CampaignRules are the configured campaigns' rules, by name.
func CampaignRules(cs []config.Campaign) map[string]CampaignRule {
	rules := make(map[string]CampaignRule, len(cs))
	for _, c := range cs {
		rule := CampaignRule{AbandonCap: c.AbandonCap, Sales: map[string]bool{}, SelfService: c.Kind == config.CampaignSurvey || c.Kind == config.CampaignNotification}
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
	Machines    int       `json:"machines"`     // answered by a machine (answering-machine detection)
	Failed      int       `json:"failed"`       // not reached for another reason
	Contacts    int       `json:"contacts"`     // answered by the lead
	Connected   int       `json:"connected"`    // an agent took it within connect_within (a survey's or notification's: an agent it was put through to)
	Abandoned   int       `json:"abandoned"`    // answered, no agent in time (safe-harbour message, or one answering later) or the lead hung up first; never a survey's or notification's
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
	dials, busy, noAnswer, machines, failed, contacts, connected, abandoned, sales int
	talked                                                                         int // dials an agent talked to, in time or late
	talk, handle                                                                   time.Duration
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
	contact, late, harbour, machine, amdHangup := false, false, false, false, false
	for _, s := range rec.Timeline {
		switch s.Kind {
		case "lead-answered":
			contact = true
		case "not-connected": // an agent past connect_within: against the cap, as the engine counts it
			late = true
		case "safe-harbour":
			harbour = true
		case "machine":
			// A machine's answer; a hang-up during detection is a no-answer
			// (the engine counts them so).
			machine, amdHangup = s.Detail != pbx.AMDHangup, s.Detail == pbx.AMDHangup
		}
	}
	switch {
	case contact:
		a.contacts++
	case machine:
		a.machines++
	case amdHangup:
		a.noAnswer++
	case rec.Outcome == acd.OutcomeFailed && rec.Cause == string(pbx.FailBusy):
		a.busy++
	case rec.Outcome == acd.OutcomeFailed && (rec.Cause == string(pbx.FailNoAnswer) || rec.Cause == string(pbx.FailCancelled)):
		a.noAnswer++
	default:
		a.failed++
	}
	abandoned := contact && (harbour || late || rec.Outcome == acd.OutcomeAbandoned && !rule.SelfService)
	if abandoned {
		a.abandoned++
	}
	if !rec.Answered.IsZero() && rec.Agent != "" {
		// One an agent took late counts abandoned, not connected, as the
		// engine counts it against the cap; its talk is the agent's all
		// the same.
		if !abandoned {
			a.connected++
		}
		a.talked++
		a.talk += rec.Talk
		a.handle += rec.Talk + rec.WrapUp
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
	r := CampaignRow{Start: start, End: end, Campaign: name, Dials: a.dials, Busy: a.busy, NoAnswer: a.noAnswer, Machines: a.machines, Failed: a.failed,
		Contacts: a.contacts, Connected: a.connected, Abandoned: a.abandoned, AbandonRate: ratio(a.abandoned, a.contacts),
		AbandonCap: rule.AbandonCap, Sales: a.sales, ContactRate: ratio(a.contacts, a.dials), Conversion: ratio(a.sales, a.talked),
		Talk: secs(a.talk)}
	if a.talked > 0 {
		r.AHT = secs(a.handle / time.Duration(a.talked))
	}
	r.OverCap = rule.AbandonCap > 0 && r.AbandonRate > rule.AbandonCap
	return r
}
