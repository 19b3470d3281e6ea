package esl_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/store"
)

// TestFreeSWITCHE2ECampaignNotificationPressToTalk: a notification
// campaign whose message is a menu ("press 4 to talk to someone") on real
// FreeSWITCH. The lead who keys 4 during the message (2.5 s into its
// 3.6 s) is taken out of it at once and talks to the agent; the one who
// keys nothing hears the message out and the goodbye, and the call ends.
func TestFreeSWITCHE2ECampaignNotificationPressToTalk(t *testing.T) {
	run := runFSCampaignLeads(t, "notice", `
queues:
  - {name: outbound, ring_timeout: 5s, retry_delay: 500ms, wrap_up: 500ms, announce: {interval: 0s}}
agents:
`+fsAgents(1500*time.Millisecond, "a1")+`
flows:
  notice:
    start: tell
    nodes:
      tell:
        kind: menu
        prompt: [sound:hello-world, sound:hello-world, sound:hello-world, sound:hello-world, sound:hello-world, sound:hello-world]
        timeout: 2s
        retries: 0
        options: {"4": {queue: outbound}}
        default: {message: [sound:hello-world]}
campaigns:
  - name: notice
    kind: notification
    flow: notice
    endpoint: "[hltest_run=@TAG@]loopback/{number}/hotline-test-lead"
    ring_timeout: 5s
    max_dials: 2
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    lead_hours: "00:00-24:00"
`, []fsLeadKind{fsKeyer, fsPerson}, nil)
	for phone, k := range run.kindOf {
		recs := run.dials[phone]
		if len(recs) != 1 {
			t.Errorf("%s lead %s: %d records; want one", k, phone, len(recs))
			continue
		}
		r := recs[0]
		var steps []string
		for _, st := range r.Timeline {
			steps = append(steps, st.Kind+" "+st.Detail)
		}
		all := strings.Join(steps, " | ")
		switch k {
		case fsKeyer:
			if r.Outcome != acd.OutcomeAnswered || r.Agent != "a1" || r.Talk < time.Second || !strings.Contains(all, "menu-choice 4") {
				t.Errorf("lead %s keyed 4: %s, agent %q, talk %v: %s", phone, r.Outcome, r.Agent, r.Talk, all)
			}
			if key, talk := stepAt(r, "menu-choice"), stepAt(r, "lead-answered"); key.Sub(talk) > 3500*time.Millisecond {
				t.Errorf("lead %s: its key was taken %v after the answer; keyed 2.5 s in, during the 3.6 s message", phone, key.Sub(talk))
			}
		case fsPerson:
			if r.Outcome != acd.OutcomeSelfService || r.Agent != "" || !strings.Contains(all, "menu-default timeout") {
				t.Errorf("lead %s keyed nothing: %s, agent %q: %s", phone, r.Outcome, r.Agent, all)
			}
		}
		if l := run.leads[phone]; l.State != campaign.Done {
			t.Errorf("%s lead %s: %s; want done", k, phone, l.State)
		}
	}
}

// stepAt is when the record's first step of kind was, zero if none.
func stepAt(r store.CallRecord, kind string) time.Time {
	for _, st := range r.Timeline {
		if st.Kind == kind {
			return st.At
		}
	}
	return time.Time{}
}
