package api

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// A known customer hangs up waiting while alice is paused: the missed call
// becomes a callback task, and alice's desk lists it live with a chime and
// a highlight. She takes it (the customer's name and number are shown) and
// closes it with a result; the list is empty again and the task is hers,
// closed.
func TestBrowserDeskCallbackTask(t *testing.T) {
	d, h, book := contactsDaemon(t, browserYAML, true)
	carla := contact.Contact{Phones: []string{"+12125550101"}, Name: "Carla Customer"}
	if err := book.Create(&carla, time.Now()); err != nil {
		t.Fatal(err)
	}
	ctx := openDesk(t, d, h)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("btn-login")), chromedp.WaitVisible(chromedp.CSS("#desk-state.state-available")),
		chromedp.Click(chromedp.ID("btn-pause")), chromedp.WaitVisible(chromedp.CSS("#desk-state.state-paused")),
		chromedp.WaitVisible(chromedp.ID("tasks-box"))); err != nil {
		t.Fatalf("log in and pause: %v", err)
	}
	before, err := chromedp.Run(ctx, chromedp.Evaluate[int](`sounds.chime`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "+12125550101", To: "100", HangupAfter: 500 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#tasks li.new`))); err != nil {
		t.Fatalf("the callback task is not listed: %v", err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("tasks"))); err != nil || !strings.Contains(got, "support") || !strings.Contains(got, "abandoned") {
		t.Errorf("tasks listed %q (%v), want support, abandoned", got, err)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`sounds.chime`)); err != nil || n <= before {
		t.Errorf("chimes %d (%v), want more than %d for the new task", n, err, before)
	}
	screenshot(t, ctx, "desk-task-waiting")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("btn-task-next")), chromedp.WaitVisible(chromedp.ID("task-mine"))); err != nil {
		t.Fatalf("taking the task: %v", err)
	}
	who, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#task-mine p")))
	if err != nil || !strings.Contains(who, "Carla Customer") || !strings.Contains(who, "+12125550101") {
		t.Errorf("the taken task shows %q (%v), want Carla's name and number", who, err)
	}
	screenshot(t, ctx, "desk-task-taken")
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("task-result"), "reached"), chromedp.Click(chromedp.ID("task-close")),
		chromedp.WaitNotVisible(chromedp.ID("task-mine")), chromedp.WaitNotPresent(chromedp.CSS(`#tasks li`))); err != nil {
		t.Fatalf("closing the task: %v", err)
	}
	closed, err := d.db.Tasks(contact.TaskClosed)
	if err != nil || len(closed) != 1 || closed[0].Agent != "alice" || closed[0].Result != "reached" {
		t.Errorf("closed tasks %+v (%v), want one, alice's, reached", closed, err)
	}
}
