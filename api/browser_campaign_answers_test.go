package api

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/api/auth"
)

// A survey with more answered leads than a page of the API shows the first
// page and a More button that follows the API's Link to the next one, until
// every answer is on the page.
func TestBrowserCampaignAnswersPages(t *testing.T) {
	ctx, cancel := browser(t)
	defer cancel()
	d := newTestDaemon(t, campaignYAML+surveyYAML)
	const n = 205
	var leads []campaign.Lead
	for i := 1; i <= n; i++ {
		leads = append(leads, campaign.Lead{Campaign: "poll", Phone: fmt.Sprintf("+1212555%04d", i), Name: fmt.Sprintf("Voter %d", i),
			State: campaign.Done, Attempts: 1, Answers: map[string]string{"satisfaction": fmt.Sprint(i % 5)}})
	}
	if _, err := d.db.ImportLeads(leads); err != nil {
		t.Fatal(err)
	}
	srv := serveUsers(t, New(d.rt, d.db, zerolog.Nop()), d, auth.User{Name: "sue", Role: auth.Supervisor})
	ctx, cancelT := context.WithTimeout(ctx, 45*time.Second)
	defer cancelT()
	rows := `document.querySelectorAll("#camp-answers-table tbody tr").length`
	if err := chromedp.Do(ctx, signInTasks(srv, "sue"), chromedp.Navigate(srv+"/#campaigns"),
		chromedp.Click(chromedp.CSS(`#campaigns tr[data-campaign="poll"] button[data-answers]`)),
		chromedp.WaitVisible(chromedp.ID("camp-answers")), poll(rows+` > 0`)); err != nil {
		t.Fatalf("survey answers: %v", err)
	}
	shown := func() string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[`+rows+`, document.getElementById("camp-answers-more").hidden,
			document.getElementById("camp-answers-count").textContent].join(" ")`))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got, want := shown(), "200 false Shown: 200 (more to read)"; got != want {
		t.Errorf("first page: rows, More hidden, count = %q, want %q", got, want)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("camp-answers-more")), poll(rows+` === `+fmt.Sprint(n))); err != nil {
		t.Fatalf("More: %v (shown %q)", err, shown())
	}
	if got, want := shown(), fmt.Sprintf("%d true Shown: %d", n, n); got != want {
		t.Errorf("after More: rows, More hidden, count = %q, want %q", got, want)
	}
	if last, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#camp-answers-table tbody tr:last-child").innerText.replace(/\s+/g, " ").trim()`)); err != nil || last != fmt.Sprintf("Voter %d +1212555%04d %d", n, n, n%5) {
		t.Errorf("last row %q %v", last, err)
	}
	if focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`)); err != nil || focused != "camp-answers-close" {
		t.Errorf("with every answer shown the focus is on %q (%v), want Close", focused, err)
	}
	screenshot(t, ctx, "campaign-answers-pages")
}
