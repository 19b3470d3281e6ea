package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/api/auth"
	"github.com/hotline-cc/hotline/store"
)

// An agent files a campaign's callback disposition on the desk: the
// callback fields show for a callback disposition alone, offer me, anyone
// and the campaign's other agents, and send the local time picked with the
// browser's offset (Kolkata, +05:30, here) and whom the callback is for. A
// time the API refuses is shown by the time field. The call's record and
// its lead keep the callback at that time, for the agent.
func TestBrowserDeskCallbackForMe(t *testing.T) {
	ctx, cancel := browser(t)
	defer cancel()
	d := newTestDaemon(t, strings.Replace(strings.Replace(campaignYAML,
		"    safe_harbour:", "    dispositions: [{name: sale, final: true}, {name: later, callback: true}]\n    safe_harbour:", 1),
		"campaigns:", "  - {id: bob, endpoint: sim/bob, queues: [{queue: outbound}]}\ncampaigns:", 1))
	srv := serveUsers(t, New(d.rt, d.db, zerolog.Nop()), d, auth.User{Name: "al", Role: auth.Agent, Agent: "alice"})
	call := talkingLead(t, d)
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
	kolkata := time.FixedZone("IST", 5*3600+1800)
	local := func(d time.Duration) (string, time.Time) {
		at := time.Now().In(kolkata).Add(d).Truncate(time.Minute)
		return at.Format("2006-01-02T15:04"), at
	}
	text := func(id string) string {
		s, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID(id)))
		return s
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank"), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Kolkata"})
		return err
	}), signInTasks(srv, "al"), chromedp.WaitVisible(chromedp.ID("dispo-form"))); err != nil {
		t.Fatalf("the desk with alice's call: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("dispo"), "sale"), poll(`dispoChoices && dispoChoices.dispositions.length === 2`)); err != nil {
		t.Fatalf("the campaign's dispositions: %v", err)
	}
	if hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("dispo-callback").hidden`)); err != nil || !hidden {
		t.Errorf("callback fields shown for sale (hidden=%v, %v)", hidden, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("dispo").value = ""; true`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("dispo"), "later"),
		chromedp.WaitVisible(chromedp.ID("dispo-callback"))); err != nil {
		t.Fatalf("callback fields for later: %v", err)
	}
	if offered, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.getElementById("callback-to").options].map(o => o.value).join()`)); err != nil || offered != "me,anyone,bob" {
		t.Errorf("callback for %q (%v); want me, anyone and bob", offered, err)
	}
	pick := func(at string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(chromedp.SetValue(chromedp.ID("callback-at"), at), chromedp.SetValue(chromedp.ID("callback-to"), "me"),
			chromedp.Click(chromedp.ID("dispo-submit")))
	}
	past, _ := local(-time.Hour)
	if err := chromedp.Do(ctx, pick(past), chromedp.WaitVisible(chromedp.CSS(`#callback-at[aria-invalid="true"]`))); err != nil {
		t.Fatalf("a callback an hour ago was not refused by its field: %v (errors %q %q)", err, text("callback-at-error"), text("dispo-error"))
	}
	if msg := text("callback-at-error"); !strings.Contains(msg, "callback_at") || !strings.Contains(msg, "is not after now") {
		t.Errorf("the time field's error %q; want the API's, naming callback_at", msg)
	}
	screenshot(t, ctx, "desk-callback-refused")
	value, at := local(2 * time.Hour)
	if err := chromedp.Do(ctx, pick(value), poll(`document.getElementById("dispo").value === "" && !document.getElementById("callback-at").hasAttribute("aria-invalid")`)); err != nil {
		t.Fatalf("filing the callback: %v (errors %q %q)", err, text("callback-at-error"), text("dispo-error"))
	}
	if msg := text("dispo-error") + text("callback-at-error") + text("callback-to-error"); msg != "" {
		t.Fatalf("filing the callback: %q", msg)
	}
	screenshot(t, ctx, "desk-callback-filed")
	// The call's end settles the lead with the disposition.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("btn-hangup")), poll(`!state.calls.has("`+call+`")`)); err != nil {
		t.Fatalf("hang up: %v", err)
	}
	var rec *store.CallRecord
	var lead campaign.Lead
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		rec, _ = d.db.Call(call)
		_ = d.db.LeadsInOrder("spring", func(l campaign.Lead) bool { lead = l; return false })
		if rec != nil && lead.State == campaign.Callback {
			break
		}
	}
	if rec == nil || rec.Disposition != "later" || !rec.CallbackAt.Equal(at) || rec.CallbackAgent != "alice" {
		t.Errorf("the call's record %+v; want later, a callback at %s for alice", rec, at)
	}
	if lead.State != campaign.Callback || !lead.NextAttempt.Equal(at) || lead.CallbackAgent != "alice" {
		t.Errorf("lead %+v; want a callback at %s kept for alice", lead, at)
	}
}
