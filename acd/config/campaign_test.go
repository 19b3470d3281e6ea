package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/dialer"
)

const campaignYAML = `
store: {path: hotline.db}
queues:
  - name: sales
agents:
  - {id: alice, endpoint: PJSIP/1001, queues: [{queue: sales}]}
  - {id: bob, endpoint: PJSIP/1002}
campaigns:
  - name: renewals
    caller_id: "+33140000000"
    endpoint: PJSIP/{number}@trunk
    mode: predictive
    abandon_window: 24h
    schedule: {hours: "09:00-20:00 mon-sat", time_zone: Europe/Paris}
    retry: {busy: 5m, machine: 0s}
    dispositions:
      - {name: sale, final: true, sale: true, contact: true}
      - {name: call-back, callback: true}
      - {name: stop, dnc: true}
    agents: [bob]
    queues: [sales]
    safe_harbour: [sound:hotline-safe-harbour]
teams:
  - {name: floor, queues: [sales], agents: [bob]}
`

func TestParseCampaign(t *testing.T) {
	c, err := Parse([]byte(campaignYAML), "hotline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Campaigns) != 1 {
		t.Fatalf("campaigns = %d, want 1", len(c.Campaigns))
	}
	k := c.Campaigns[0]
	// Left out: the defaults; written: the file's.
	if k.Kind != CampaignAgent || k.ConnectWithin != 2*time.Second || k.AbandonCap != 0.03 || k.LeadHours != "08:00-21:00" || !k.InboundFirst {
		t.Errorf("defaults not applied: %+v", k)
	}
	o := k.PacerOptions()
	if o.Mode != dialer.Predictive || o.Window != 24*time.Hour {
		t.Errorf("pacer options = %+v", o)
	}
	if err := o.Validate(); err != nil {
		t.Errorf("pacer options of a valid campaign: %v", err)
	}
	r := k.Retries()
	if r.After[campaign.Busy] != 5*time.Minute || r.After[campaign.NoAnswer] != time.Hour {
		t.Errorf("retry = %v", r.After)
	}
	if _, ok := r.After[campaign.Machine]; ok {
		t.Errorf("machine: 0s must mean not retried, got %v", r.After)
	}
	w := k.Windows()
	// A Monday 08:30 in Paris is before the campaign's 09:00.
	mon := time.Date(2026, 3, 2, 8, 30, 0, 0, w.CampaignLoc)
	if got := w.NextCallable(mon, w.CampaignLoc); !got.Equal(mon.Add(30 * time.Minute)) {
		t.Errorf("next callable = %v, want 09:00 Paris", got)
	}
	if d := k.DispositionRules(); len(d) != 3 || !d[0].Sale || !d[1].Callback || !d[2].DNC {
		t.Errorf("dispositions = %+v", d)
	}
}

func TestValidateCampaigns(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(k *Campaign)
		want   []string
	}{
		{"valid", func(k *Campaign) {}, nil},
		{"no number in endpoint", func(k *Campaign) { k.Endpoint = "PJSIP/trunk" }, []string{`campaigns[0].endpoint: "PJSIP/trunk" has no {number}`}},
		{"caller id with a name", func(k *Campaign) { k.CallerID = "Acme <+15551230000>" }, []string{`campaigns[0].caller_id: "Acme <+15551230000>": want the number the called party sees, digits with an optional leading +`}},
		{"caller id with spaces", func(k *Campaign) { k.CallerID = "+1 555 123" }, []string{`campaigns[0].caller_id: "+1 555 123": want the number`}},
		{"caller id only a plus", func(k *Campaign) { k.CallerID = "+" }, []string{`campaigns[0].caller_id: "+": want the number`}},
		{"no caller id", func(k *Campaign) { k.CallerID = "" }, nil},
		{"kind", func(k *Campaign) { k.Kind = "poll" }, []string{`campaigns[0].kind: unknown campaign kind "poll"; known: agent, notification, survey`}},
		{"survey without a flow", func(k *Campaign) { k.Kind, k.Agents = "survey", nil }, []string{`campaigns[0].flow: missing; a survey campaign asks its questions through a flow`}},
		{"unknown flow", func(k *Campaign) { k.Flow = "nope" }, []string{`campaigns[0].flow: unknown flow "nope"`}},
		{"mode", func(k *Campaign) { k.Mode = "turbo" }, []string{`campaigns[0].mode: unknown dial mode "turbo"; known: preview, progressive, power, predictive`}},
		{"power ratio", func(k *Campaign) { k.Mode, k.Ratio = "power", 0.5 }, []string{"campaigns[0].ratio: 0.5: want 1 to 10"}},
		{"cap", func(k *Campaign) { k.AbandonCap = 3 }, []string{"campaigns[0].abandon_cap: 3: want a share between 0 and 1"}},
		{"window", func(k *Campaign) { k.AbandonWindow = time.Minute }, []string{"campaigns[0].abandon_window: 1m0s: want 1h to 8760h, a year"}},
		{"window of years", func(k *Campaign) { k.AbandonWindow = 10 * 8760 * time.Hour }, []string{"campaigns[0].abandon_window: 87600h0m0s: want 1h to 8760h, a year"}},
		{"connect", func(k *Campaign) { k.ConnectWithin = 0 }, []string{"campaigns[0].connect_within: must be more than 0s"}},
		{"connect an hour", func(k *Campaign) { k.ConnectWithin = time.Hour }, []string{"campaigns[0].connect_within: 1h0m0s: at most 5m0s"}},
		{"preview timeout of a nanosecond", func(k *Campaign) { k.Mode, k.PreviewTimeout = "preview", time.Nanosecond }, []string{"campaigns[0].preview_timeout: 1ns: want 1s to 1h0m0s"}},
		{"preview timeout of a year", func(k *Campaign) { k.Mode, k.PreviewTimeout = "preview", 9999*time.Hour }, []string{"campaigns[0].preview_timeout: 9999h0m0s: want 1s to 1h0m0s"}},
		// Checked in every mode, as ratio is.
		{"preview timeout of two hours, progressive", func(k *Campaign) { k.Mode, k.PreviewTimeout = "progressive", 2*time.Hour }, []string{"campaigns[0].preview_timeout: 2h0m0s: want 1s to 1h0m0s"}},
		{"preview action unknown, predictive", func(k *Campaign) { k.Mode, k.PreviewOnTimeout = "predictive", "call" }, []string{"campaigns[0].preview_on_timeout"}},
		{"preview timeout of an hour", func(k *Campaign) { k.Mode, k.PreviewTimeout = "preview", time.Hour }, nil},
		{"ratio out of power mode", func(k *Campaign) { k.Mode, k.Ratio = "progressive", -1 }, []string{"campaigns[0].ratio: -1: want 1 to 10"}},
		{"ratio huge", func(k *Campaign) { k.Mode, k.Ratio = "predictive", 1e308 }, []string{"campaigns[0].ratio: 1e+308: want 1 to 10"}},
		{"attempts", func(k *Campaign) { k.Retry.MaxAttempts = 1_000_000_000 }, []string{"campaigns[0].retry.max_attempts: 1000000000: at most 100"}},
		{"hours", func(k *Campaign) { k.Schedule.Hours = "21:00-08:00" }, []string{"campaigns[0].schedule.hours: hours \"21:00-08:00\": the end must be after the start"}},
		{"zone", func(k *Campaign) { k.Schedule.TimeZone = "Mars/Olympus" }, []string{`campaigns[0].schedule.time_zone: unknown time zone "Mars/Olympus"`}},
		{"a zone that names no place", func(k *Campaign) { k.Schedule.TimeZone = "EST" }, []string{`campaigns[0].schedule.time_zone: time zone "EST" names no place`}},
		{"an offset zone", func(k *Campaign) { k.Schedule.TimeZone = "Etc/GMT-1" }, []string{`campaigns[0].schedule.time_zone: time zone "Etc/GMT-1" names no place`}},
		{"a country's zone", func(k *Campaign) { k.Schedule.TimeZone = "Japan" }, nil},
		{"UTC", func(k *Campaign) { k.Schedule.TimeZone = "UTC" }, nil},
		{"the server's zone", func(k *Campaign) { k.Schedule.TimeZone = "Local" }, []string{`campaigns[0].schedule.time_zone: unknown time zone "Local"`}},
		{"a bad mode hides no other problem", func(k *Campaign) { k.Mode, k.AbandonCap, k.Hopper = "turbo", 2, -1 }, []string{
			"campaigns[0].abandon_cap: 2: want a share between 0 and 1", "campaigns[0].hopper: -1 is less than 1", `campaigns[0].mode: unknown dial mode "turbo"`}},
		{"lead hours", func(k *Campaign) { k.LeadHours = "8-21" }, []string{"campaigns[0].lead_hours: hours \"8-21\""}},
		{"attempts", func(k *Campaign) { k.Retry.MaxAttempts = 0 }, []string{"campaigns[0].retry.max_attempts: 0 is less than 1"}},
		{"agent", func(k *Campaign) { k.Agents = []string{"carol"} }, []string{`campaigns[0].agents[0]: unknown agent "carol"; known: alice, bob`}},
		{"queue", func(k *Campaign) { k.Queues = []string{"support"} }, []string{`campaigns[0].queues[0]: unknown queue "support"; known: sales`}},
		{"nobody", func(k *Campaign) { k.Agents, k.Queues = nil, nil }, []string{"campaigns[0].agents: no agents, no team and no queues"}},
		{"team alone", func(k *Campaign) { k.Agents, k.Queues, k.Team = nil, nil, "floor" }, nil},
		{"unknown team", func(k *Campaign) { k.Team = "night" }, []string{`campaigns[0].team: unknown team "night"; known: floor`}},
		{"team of a notification", func(k *Campaign) {
			k.Kind, k.Agents, k.Message, k.Team = CampaignNotification, nil, []string{"sound:x"}, "floor"
		}, []string{"campaigns[0].team: a notification campaign connects no lead to agents of its own"}},
		{"agents alone", func(k *Campaign) { k.Agents, k.Queues = []string{"alice", "bob"}, nil }, nil},
		{"agent twice", func(k *Campaign) { k.Agents = []string{"alice", "bob", "alice"} }, []string{`campaigns[0].agents[2]: agent "alice" is listed twice (also campaigns[0].agents[0])`}},
		{"agents of a survey", func(k *Campaign) { k.Kind = CampaignSurvey }, []string{"campaigns[0].flow: missing", "campaigns[0].agents: a survey campaign connects no lead to agents of its own; agents are for kind agent"}},
		{"negative wrap-up", func(k *Campaign) { k.WrapUp = -time.Second }, []string{"campaigns[0].wrap_up: negative duration -1s"}},
		{"safe harbour", func(k *Campaign) { k.SafeHarbour = nil }, []string{"campaigns[0].safe_harbour: missing"}},
		{"notification message", func(k *Campaign) { k.Kind, k.Agents = CampaignNotification, nil }, []string{"campaigns[0].message: missing"}},
		{"disposition twice", func(k *Campaign) { k.Dispositions[2].Name = "sale" }, []string{`campaigns[0].dispositions[2].name: disposition "sale" is already used by campaigns[0].dispositions[0]`}},
		{"callback and final", func(k *Campaign) { k.Dispositions[1].Final = true }, []string{"campaigns[0].dispositions[1].callback: a callback disposition cannot also be final, sale or dnc"}},
		{"callback and sale", func(k *Campaign) { k.Dispositions[1].Sale = true }, []string{"campaigns[0].dispositions[1].callback: a callback disposition cannot also be final, sale or dnc (a sale ends the lead)"}},
		{"abandon quiet", func(k *Campaign) { k.Retry.AbandonQuiet = 24 * time.Hour }, []string{"campaigns[0].retry.abandon_quiet: 24h0m0s: want at least 72h0m0s"}},
		{"abandoned never again", func(k *Campaign) { k.Retry.AbandonQuiet = 0 }, nil},
		{"negative delay", func(k *Campaign) { k.Retry.Busy = -time.Minute }, []string{"campaigns[0].retry.busy: negative duration -1m0s"}},
		{"a delay that redials at once", func(k *Campaign) { k.Retry.Busy = time.Nanosecond }, []string{"campaigns[0].retry.busy: 1ns: want 0s (not retried) or at least 1s"}},
		{"a delay past any callback", func(k *Campaign) { k.Retry.NoAnswer = 100000 * time.Hour }, []string{"campaigns[0].retry.no_answer: 100000h0m0s: want at most 2160h0m0s (90 days)"}},
		{"a ring of a day", func(k *Campaign) { k.RingTimeout = 24 * time.Hour }, []string{"campaigns[0].ring_timeout: 24h0m0s: want at most 5m0s"}},
		{"opt-outs on a list that is none", func(k *Campaign) { k.OptOutList = "everywhere" }, []string{`campaigns[0].opt_out_list: unknown opt-out list "everywhere"`}},
		{"opt-outs on the global list", func(k *Campaign) { k.OptOutList = "global" }, nil},
		{"hopper of millions", func(k *Campaign) { k.Hopper = 5_000_000 }, []string{"campaigns[0].hopper: 5000000: at most 10000 leads are read ahead"}},
		{"hopper at its cap", func(k *Campaign) { k.Hopper = 10_000 }, nil},
		{"mode in another case", func(k *Campaign) { k.Mode = "Predictive" }, []string{`campaigns[0].mode: dial mode "Predictive": write it "predictive" (in that case)`}},
		{"kind in another case", func(k *Campaign) { k.Kind = "Agent" }, []string{`campaigns[0].kind: campaign kind "Agent": write it "agent" (in that case)`}},
		{"dispositions differing in case", func(k *Campaign) { k.Dispositions[2].Name = "Sale" }, []string{`campaigns[0].dispositions[2].name: disposition "Sale" differs only in case from "sale" (campaigns[0].dispositions[0])`}},
		{"named as the global list", func(k *Campaign) { k.Name = "global" }, []string{`campaigns[0].name: "global" is the name of the global do-not-call list`}},
		{"named as the global list in another case", func(k *Campaign) { k.Name = "Global" }, []string{`campaigns[0].name: "Global" is the name of the global do-not-call list`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(campaignYAML), "hotline.yaml")
			if err != nil {
				t.Fatal(err)
			}
			tt.mutate(&c.Campaigns[0])
			err = c.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("want a ValidationError, got %v", err)
			}
			if len(ve.Problems) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(ve.Problems), len(tt.want), err)
			}
			for i, w := range tt.want {
				if got := ve.Problems[i].String(); !strings.Contains(got, w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, got, w)
				}
			}
		})
	}
}

func TestParseCampaignNamesLine(t *testing.T) {
	bad := strings.Replace(campaignYAML, "mode: predictive", "mode: turbo", 1)
	c, err := Parse([]byte(bad), "hotline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	err = c.Validate()
	if err == nil || !strings.Contains(err.Error(), "hotline.yaml:12") || !strings.Contains(err.Error(), "campaigns[0].mode") {
		t.Fatalf("want the file, line 12 and the path, got %v", err)
	}
}

// TestCampaignAgents: a campaign's own agents are those it lists, then its
// team's (listed, then members of the team's queues), each once.
func TestCampaignAgents(t *testing.T) {
	c, err := Parse([]byte(campaignYAML), "hotline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	k := c.Campaigns[0]
	if got := c.CampaignAgents(k); !slices.Equal(got, []string{"bob"}) {
		t.Errorf("listed: %v", got)
	}
	k.Team = "floor"
	if got := c.CampaignAgents(k); !slices.Equal(got, []string{"bob", "alice"}) {
		t.Errorf("with the team: %v; want bob, then alice (a member of sales)", got)
	}
	k.Agents = nil
	if got := c.CampaignAgents(k); !slices.Equal(got, []string{"bob", "alice"}) {
		t.Errorf("the team alone: %v", got)
	}
}

func TestCampaignRingAdvisory(t *testing.T) {
	for _, tc := range []struct {
		ring string
		want []string
	}{
		{"", nil}, // the default, 26 s
		{"15s", nil},
		{"14s", []string{"campaigns[0].ring_timeout: 14s gives up unanswered leads before 15s; US and UK rules ask that an unanswered outbound call ring at least 15s (the US: or four rings)"}},
	} {
		y := campaignYAML
		if tc.ring != "" {
			y = strings.Replace(y, "    mode: predictive\n", "    mode: predictive\n    ring_timeout: "+tc.ring+"\n", 1)
		}
		cfg, err := Parse([]byte(y), "h.yaml")
		if err == nil {
			err = cfg.Validate()
		}
		if err != nil {
			t.Fatalf("ring %q: %v", tc.ring, err)
		}
		var got []string
		for _, a := range cfg.Advisories() {
			got = append(got, a.String())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("ring %q: advisories %q, want %q", tc.ring, got, tc.want)
		}
		if tc.want != nil {
			if w := cfg.Where("campaigns[0].ring_timeout"); w != "h.yaml:13" {
				t.Errorf("ring %q: at %q, want h.yaml:13", tc.ring, w)
			}
		}
	}
}

// TestNamesDifferingOnlyInCase: two campaigns (or agents) whose names
// differ only in case are refused: each would have its own leads and
// do-not-call list, and an opt-out filed under one spelling would protect
// nothing under the other.
func TestNamesDifferingOnlyInCase(t *testing.T) {
	c, err := Parse([]byte(campaignYAML), "hotline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	second := c.Campaigns[0]
	second.Name = strings.ToUpper(c.Campaigns[0].Name[:1]) + c.Campaigns[0].Name[1:]
	c.Campaigns = append(c.Campaigns, second)
	c.Agents = append(c.Agents, c.Agents[0])
	c.Agents[len(c.Agents)-1].ID = strings.ToUpper(c.Agents[0].ID)
	err = c.Validate()
	for _, want := range []string{
		fmt.Sprintf(`campaigns[1].name: campaign %q differs only in case from %q (campaigns[0]); names are told apart regardless of case`, second.Name, c.Campaigns[0].Name),
		fmt.Sprintf(`agents[%d].id: agent id %q differs only in case from %q (agents[0])`, len(c.Agents)-1, strings.ToUpper(c.Agents[0].ID), c.Agents[0].ID),
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v; want %s", err, want)
		}
	}
}

// TestCampaignCallerIDAndRetryAdvisories: a campaign with no caller id, or
// whose retry delays redial within a minute, is valid (a lab switch) but
// advised against.
func TestCampaignCallerIDAndRetryAdvisories(t *testing.T) {
	y := strings.Replace(campaignYAML, `    caller_id: "+33140000000"`+"\n", "", 1)
	y = strings.Replace(y, "retry: {busy: 5m, machine: 0s}", "retry: {busy: 30s, no_answer: 1m, machine: 0s}", 1)
	got := advisoryTexts(t, y, "h.yaml", true)
	want := []string{
		"campaigns[0].caller_id: none: the leads see what the trunk sends, maybe nothing; telemarketing rules (US 47 CFR 64.1601(e), UK Ofcom) ask for a number the lead can call back",
		"campaigns[0].retry.busy: 30s redials the lead within a minute; a person called again so soon feels harassed, and carriers flag such numbers as spam",
	}
	if !slices.Equal(got, want) {
		t.Errorf("advisories %q\nwant %q", got, want)
	}
}
