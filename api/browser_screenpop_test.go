package api

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/api/auth"
	"github.com/hotline-cc/hotline/internal/seal"
	"github.com/hotline-cc/hotline/store"
)

const screenPopYAML = `
entries:
  - {number: "100", flow: main}
flows:
  main:
    start: who
    nodes:
      who:
        kind: condition
        cases: [{tag: vip, goto: vip}]
        else: other
      vip: {kind: queue, queue: support, priority: 9}
      other: {kind: queue, queue: support}
queues:
  - {name: support, ring_timeout: 20s}
agents:
  - {id: alice, endpoint: sim/alice, logged_in: true, queues: [{queue: support}]}
`

// signInDesk signs the agent al in and waits for the desk.
// contactsDaemon starts a daemon on yaml with contacts on: callers are
// matched against the returned book, which h serves; with tasks, call
// records are sealed, so missed calls of known customers become tasks.
func contactsDaemon(t *testing.T, yaml string, tasks bool) (*testDaemon, *Server, *store.Contacts) {
	t.Helper()
	key, _ := seal.Generate("k1")
	keys, _ := seal.New(key)
	d := newTestDaemonWith(t, yaml, func(o *engine.Options, db *store.DB) {
		if tasks {
			db.SealCalls(keys, "US")
		}
		o.MatchCaller = db.Contacts(keys).CallerMatcher("US")
	})
	book := d.db.Contacts(keys)
	h := New(d.rt, d.db, zerolog.Nop())
	h.EnableContacts(d.db, book, "US")
	return d, h, book
}

func signInDesk(ctx context.Context, url string) error {
	return chromedp.Do(ctx, chromedp.Navigate(url+"/"), chromedp.WaitVisible(chromedp.ID("login-name")),
		chromedp.SendKeys(chromedp.ID("login-name"), "al"), chromedp.SendKeys(chromedp.ID("login-password"), "pw of al!!"),
		chromedp.Click(chromedp.ID("login-submit")), chromedp.WaitVisible(chromedp.ID("btn-login")))
}

// A known caller's call rings on the desk, which shows who is calling:
// the contact's name, company and tags, the way through the IVR, and the
// last interaction with its agent's notes; in Russian too.
func TestBrowserDeskScreenPop(t *testing.T) {
	d, h, book := contactsDaemon(t, screenPopYAML, false)
	if err := d.sw.SetPhone("sim/alice", farend.Phone{Mode: farend.PhoneNoAnswer}); err != nil {
		t.Fatal(err)
	}
	carla := contact.Contact{Phones: []string{"+12125550101"}, Name: "Carla <b>Customer</b>", Company: "Acme", Tags: []string{"vip"}}
	if err := book.Create(&carla, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := book.AddInteraction(carla.ID, store.Interaction{CallID: "earlier", At: time.Now().Add(-24 * time.Hour), Queue: "support",
		Agent: "bob", Disposition: "refund promised"}); err != nil {
		t.Fatal(err)
	}
	// The earlier call was transferred: a recording per leg, and a third that failed.
	earlier := store.CallRecord{ID: "earlier", Entered: time.Now().Add(-24 * time.Hour), Queue: "support", Agent: "bob", Disposition: "refund promised",
		Talk:      95 * time.Second,
		Recording: store.Recording{Name: "earlier", Path: "/rec/earlier.wav", Agent: "bob", Leg: 1},
		MoreRecordings: []store.Recording{{Name: "earlier-2", Path: "/rec/earlier-2.wav", Agent: "dave", Leg: 2},
			{Name: "earlier-3", Failed: true, Agent: "dave", Leg: 2}}}
	if err := d.db.SaveCall(&earlier); err != nil {
		t.Fatal(err)
	}
	ctx := openDesk(t, d, h)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#desk-state.state-available"))); err != nil {
		t.Fatalf("alice is not available: %v", err)
	}
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "+12125550101", To: "100", HangupAfter: 20 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#desk-call.ringing")),
		chromedp.WaitVisible(chromedp.CSS(`#contact-history li[data-call="earlier"]`))); err != nil {
		t.Fatalf("the ringing call shows no contact history: %v", err)
	}
	screenshot(t, ctx, "desk-screen-pop")
	// Every recording of the earlier call shows, each to play and download.
	links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#contact-history li[data-call="earlier"] ul.recordings li')].map((li) =>
		li.dataset.n + " " + [...li.querySelectorAll("a")].map((a) => new URL(a.href).pathname + new URL(a.href).search).join(" ") + " " + li.textContent)`))
	want := []string{
		"1 /api/v1/calls/earlier/recording?n=1 /api/v1/calls/earlier/recording?n=1&download=1 Recording 1 (bob) Download",
		"2 /api/v1/calls/earlier/recording?n=2 /api/v1/calls/earlier/recording?n=2&download=1 Recording 2 (dave) Download",
		"3  Recording 3 (dave): failed",
	}
	if err != nil || !slices.Equal(links, want) {
		t.Errorf("recordings of the earlier call in the history:\n%q (%v)\nwant %q", links, err, want)
	}
	for id, want := range map[string]string{
		"contact-name":    "Carla <b>Customer</b>", // as text, not markup
		"contact-company": "Acme", "contact-tags": "vip", "call-ivr": "condition main/who",
		"contact-history": "1m35s · refund promised", // the API sends seconds
	} {
		got, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(id)))
		if err != nil || !strings.Contains(got, want) {
			t.Errorf("#%s = %q (%v), want %q in it", id, got, err, want)
		}
	}
	if err := pickLang(ctx, "ru"); err != nil {
		t.Fatal(err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#call-contact h4 + dl + h4"))); err != nil || got != "Последние обращения" {
		t.Errorf("Russian history heading %q (%v)", got, err)
	}
	screenshot(t, ctx, "desk-screen-pop-ru")
}

// In a preview campaign the desk shows the lead, with the skips it had
// before (who, why, the note), Dial and Skip and a
// picker of the campaign's skip reasons with a note: S (on any layout)
// skips to the next lead with the reason and note picked, the Dial button
// calls the one shown. The supervisor's campaigns page counts the skip
// beside the dial, and by reason.
func TestBrowserDeskPreview(t *testing.T) {
	ctx, cancel := browser(t)
	defer cancel()
	d := newTestDaemon(t, strings.Replace(campaignYAML, "    queues: [outbound]\n",
		"    queues: [outbound]\n    mode: preview\n    skip_reasons: [wrong person, already customer]\n", 1))
	serveSpring(t, d, []string{"+12125550101", "+12125550102", "+12125550103"})
	// Each lead was skipped once before, by bob: the card lists it.
	var skipped []store.Op
	_ = d.db.CampaignLeads("spring", func(l campaign.Lead) bool {
		l, err := campaign.Skip(l, time.Now().Add(-time.Minute), campaign.SkipNote{Agent: "bob", At: time.Now().Add(-time.Hour), Reason: "already customer", Note: "call in May"})
		if err != nil {
			t.Error(err)
		}
		skipped = append(skipped, store.PutLead(&l))
		return true
	})
	if err := d.db.Write(skipped); err != nil || len(skipped) != 3 {
		t.Fatalf("%d leads skipped before: %v", len(skipped), err)
	}
	url := serveUsers(t, New(d.rt, d.db, zerolog.Nop()), d, auth.User{Name: "al", Role: auth.Agent, Agent: "alice"},
		auth.User{Name: "sue", Role: auth.Supervisor})
	ctx, cancelT := context.WithTimeout(ctx, 40*time.Second)
	defer cancelT()
	if err := signInDesk(ctx, url); err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	if code, body := post(t, d.srv.URL+"/api/v1/campaigns/spring/start", ""); code != 200 {
		t.Fatalf("start: %d %s", code, body)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("btn-preview-dial"))); err != nil {
		t.Fatalf("no preview card: %v", err)
	}
	screenshot(t, ctx, "desk-preview")
	shownLead := `document.getElementById("desk-preview").hidden ? "" : document.getElementById("desk-preview").dataset.lead`
	first, err := chromedp.Run(ctx, chromedp.Evaluate[string](shownLead))
	if err != nil || first == "" {
		t.Fatalf("lead on the card %q %v", first, err)
	}
	if name, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("preview-name"))); err != nil || !strings.HasPrefix(name, "Lead ") {
		t.Errorf("lead name %q %v", name, err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("preview-skips"))); err != nil || !strings.Contains(got, "bob · already customer — call in May") {
		t.Errorf("the lead's earlier skips on the card: %q %v", got, err)
	}
	options := `[...document.querySelectorAll("#preview-reason option")].map((o) => o.value).join("|")`
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](options)); err != nil || got != "|wrong person|already customer" {
		t.Errorf("skip reasons offered: %q %v", got, err)
	}
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("preview-reason"), "wrong person"),
		chromedp.SendKeys(chromedp.ID("preview-note"), "his brother"), chromedp.Blur(chromedp.ID("preview-note"))); err != nil {
		t.Fatal(err)
	}
	// S skips: another lead is shown; with a Russian layout on (the key
	// types ы), as with a Latin one.
	if err := chromedp.Do(ctx, ruKey('s')); err != nil {
		t.Fatal(err)
	}
	second, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const l = `+shownLead+`; return l !== "" && l !== "`+first+`" && l; })()`))
	if err != nil {
		t.Fatalf("S did not skip to another lead: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("btn-preview-dial"))); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var skipped, dialed campaign.Lead
		_ = d.db.CampaignLeads("spring", func(l campaign.Lead) bool {
			switch l.ID {
			case first:
				skipped = l
			case second:
				dialed = l
			}
			return true
		})
		if dialed.Attempts == 1 && skipped.Attempts == 0 && skipped.LastSkip != nil {
			if w := (campaign.SkipNote{Agent: "alice", At: skipped.LastSkip.At, Reason: "wrong person", Note: "his brother"}); *skipped.LastSkip != w {
				t.Errorf("the skip saved: %+v, want %+v", *skipped.LastSkip, w)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after skip and dial: skipped lead %+v, dialed lead %+v", skipped, dialed)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-name")),
		signInTasks(url, "sue"), chromedp.Navigate(url+"/#campaigns")); err != nil {
		t.Fatalf("supervisor's campaigns page: %v", err)
	}
	dials := `document.querySelector('#campaigns tr[data-campaign="spring"] td[data-col="dials"]')?.textContent ?? ""`
	if _, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const s = `+dials+`; return /^1( \(.*\))? · skipped 1$/.test(s) && s; })()`)); err != nil {
		s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](dials))
		t.Errorf("the campaigns page's dials read %q (%v); want 1 dialed and 1 skipped", s, err)
	}
	leads := `document.querySelector('#campaigns tr[data-campaign="spring"] td[data-col="leads"]')?.textContent ?? ""`
	if _, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const s = `+leads+`; return s.endsWith(" — skips: already customer 3 · wrong person 1") && s; })()`)); err != nil {
		s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](leads))
		t.Errorf("the campaigns page's leads read %q (%v); want the skip by reason", s, err)
	}
	screenshot(t, ctx, "campaigns-skips")
}
