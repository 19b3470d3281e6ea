package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

// carlaDesk is alice's desk, logged in, with contacts and callback tasks
// on and Carla a known customer.
func carlaDesk(t *testing.T) (context.Context, *testDaemon, contact.Contact) {
	t.Helper()
	d, h, book := contactsDaemon(t, browserYAML, true)
	carla := contact.Contact{Phones: []string{"+12125550101"}, Name: "Carla Customer"}
	if err := book.Create(&carla, time.Now()); err != nil {
		t.Fatal(err)
	}
	ctx := openDesk(t, d, h)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("btn-login")), chromedp.WaitVisible(chromedp.CSS("#desk-state.state-available")),
		chromedp.WaitVisible(chromedp.ID("tasks-box"))); err != nil {
		t.Fatalf("log in: %v", err)
	}
	return ctx, d, carla
}

// A known customer hangs up waiting while alice is paused: the missed call
// becomes a callback task, and alice's desk lists it live with a chime and
// a highlight. She takes it (the customer's name and number are shown) and
// closes it with a result; the list is empty again and the task is hers,
// closed.
func TestBrowserDeskCallbackTask(t *testing.T) {
	ctx, d, _ := carlaDesk(t)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("btn-pause")), chromedp.WaitVisible(chromedp.CSS("#desk-state.state-paused"))); err != nil {
		t.Fatalf("pause: %v", err)
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

// The task list follows the event stream: a task opened with no call
// ending on this desk (another agent's missed call) is listed at once, and
// one taken by someone else leaves the list at once (streamAtOnce), not at
// the next periodic read (there is none).
func TestBrowserDeskTasksFromTheStream(t *testing.T) {
	ctx, d, carla := carlaDesk(t)
	soon := func(what string, a chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, streamAtOnce)
		defer cancel()
		if err := chromedp.Do(sctx, a); err != nil {
			t.Fatalf("%s within %v: %v", what, streamAtOnce, err)
		}
	}
	now := time.Now()
	missed := store.CallRecord{ID: "elsewhere", Caller: "+12125550101", Contact: carla.ID, Queue: "support",
		Entered: now.Add(-time.Minute), Ended: now, Outcome: acd.OutcomeAbandoned}
	if err := d.db.SaveCall(&missed); err != nil {
		t.Fatal(err)
	}
	soon("the new task listed", chromedp.WaitVisible(chromedp.CSS(`#tasks li.new`)))
	if _, err := d.db.ClaimTask("bob", time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	soon("the task bob took gone from the list", chromedp.WaitNotPresent(chromedp.CSS(`#tasks li`)))
}
