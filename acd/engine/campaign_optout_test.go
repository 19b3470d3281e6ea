package engine

import (
	"cmp"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

// A lead who presses "do not call me" is on the campaign's do-not-call
// list from that moment, not only once the call ends: a crash (or kill -9)
// before the end must not lose the request and call them again.
func TestCampaignOptOutListedAtOnce(t *testing.T) {
	cfg := strings.Replace(surveyConfig, `optout: {kind: set, vars: {do_not_call: "yes"}, next: bye}`,
		`optout: {kind: set, vars: {do_not_call: "yes"}, next: more}
      more: {kind: menu, prompt: [sound:anything-else], timeout: 60s, retries: 0, options: {"1": {queue: people}}, default: {node: bye}}`, 1)
	phones := map[string]farend.Phone{
		"+3314000005": {Mode: farend.PhoneAnswer, AnswerDelay: time.Second, DTMF: "9", DTMFDelay: 2 * time.Second, HangupAfter: 5 * time.Minute},
	}
	sr := runSurvey(t, cfg, Options{}, phones, []campaign.Lead{{Campaign: "notice", Phone: "+3314000005"}}, 30*time.Second)
	var l *campaign.Lead
	if err := sr.db.CampaignLeads("notice", func(x campaign.Lead) bool { l = &x; return false }); err != nil || l == nil {
		t.Fatalf("lead: %v", err)
	}
	if l.State != campaign.Answered && l.State != campaign.Connected {
		t.Fatalf("the lead's call is over already (%s): the test needs it live\n%s", l.State, sr.trace)
	}
	if list, blocked, err := sr.db.Blocked("+3314000005", "notice"); !blocked || list != "notice" || err != nil {
		t.Fatalf("during the call, after the key: on list %q %v %v; want the campaign's do-not-call list\n%s", list, blocked, err, sr.trace)
	}
	sr.r.RunUntil(epoch.Add(3 * time.Minute))
	if err := sr.db.CampaignLeads("notice", func(x campaign.Lead) bool { l = &x; return false }); err != nil || l.State != campaign.DoNotCall {
		t.Fatalf("after the call: %+v %v", l, err)
	}
}

// An agent's do-not-call disposition given during the call lists the
// number at once, not when the call ends: a crash before then must not
// lose the request (the lead would be retried as lost at the restart).
//
// With opt_out_list: global the number goes on the global list, which
// every campaign reads (US rules: a seller's list covers all its calls).
func TestCampaignDNCDispositionListedAtOnce(t *testing.T) {
	for _, list := range []string{"", "campaign", "global"} {
		t.Run(cmp.Or(list, "default"), func(t *testing.T) { testDNCDispositionListedAtOnce(t, list) })
	}
}

func testDNCDispositionListedAtOnce(t *testing.T, optOutList string) {
	cfg := fmt.Sprintf(campaignConfig, "progressive", 1.5)
	if optOutList != "" {
		cfg = strings.Replace(cfg, "    safe_harbour:", "    opt_out_list: "+optOutList+"\n    safe_harbour:", 1)
	}
	want := map[string]string{"": "renewals", "campaign": "renewals", "global": store.GlobalDNC}[optOutList]
	rig := newCampaignRigConfig(t, cfg, "a1")
	r := rig.r
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	var phone string
	var blocked, live bool
	var watch func()
	watch = func() {
		if phone == "" {
			for id, d := range r.Core.camps["renewals"].byCall {
				if d.call.agent == nil {
					continue
				}
				if err := r.Do(func(c *Core, now time.Time) error { return c.Disposition(now, id, "stop", "") }); err != nil {
					t.Errorf("disposition: %v", err)
				}
				phone = d.lead.Phone
				_, live = r.Core.camps["renewals"].byCall[id]
				var list string
				list, blocked, _ = rig.db.Blocked(phone, "renewals")
				blocked = blocked && list == want
				return
			}
		}
		r.Clock.Schedule(r.Clock.Now().Add(200*time.Millisecond), watch)
	}
	watch()
	r.RunUntil(epoch.Add(5 * time.Minute))
	if phone == "" || !live {
		t.Fatalf("no call with an agent to dispose during it (%q, live %v)\n%s", phone, live, rig.trace)
	}
	if !blocked {
		t.Errorf("%s not on do-not-call list %q right after the disposition, during the call", phone, want)
	}
	if list, b, _ := rig.db.Blocked(phone, "renewals"); !b || list != want {
		t.Errorf("%s on list %q (%v) after the call; want %q", phone, list, b, want)
	}
}

// A do-not-call disposition given after the lead was settled as a
// callback (the record edited later) lists the number and stops the
// callback: the lead, read ahead for its agent or into the hopper while
// no agent was free, is not dialed when one is, and becomes do-not-call.
func TestCampaignDNCAfterSettledCallback(t *testing.T) {
	for _, to := range []string{"me", "anyone"} {
		t.Run(to, func(t *testing.T) {
			rig, r, l, id := keptRig(t, keptConfig("1h"))
			at := epoch.Add(3 * time.Minute)
			if err := dispose(t, r, id, "call-back", at, to, "a1"); err != nil {
				t.Fatal(err)
			}
			r.RunUntil(epoch.Add(2 * time.Minute)) // settled as a callback
			if got := rig.leads(t)[l.ID]; got.State != campaign.Callback {
				t.Fatalf("lead %+v; want a callback\n%s", got, rig.trace)
			}
			setAgent(t, r, "a1", false)            // a2 is paused too
			r.RunUntil(epoch.Add(4 * time.Minute)) // due, read ahead, waiting for an agent
			if err := dispose(t, r, id, "stop", time.Time{}, "", "a1"); err != nil {
				t.Fatalf("do-not-call after the lead was settled: %v", err)
			}
			setAgent(t, r, "a1", true)
			setAgent(t, r, "a2", true)
			r.RunUntil(epoch.Add(10 * time.Minute))
			if recs := rig.dials(t)[l.Phone]; len(recs) != 1 {
				t.Fatalf("%d dials; want the callback of a number listed not dialed\n%s", len(recs), rig.trace)
			}
			if got := rig.leads(t)[l.ID]; got.State != campaign.DoNotCall {
				t.Errorf("lead %s; want do-not-call", got.State)
			}
			if _, b, _ := rig.db.Blocked(l.Phone, "renewals"); !b {
				t.Errorf("%s not on the campaign's list", l.Phone)
			}
		})
	}
}
