package api

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/api/auth"
)

// A config reload adds a queue and an agent and removes others: an open
// wallboard shows the new ones and drops the removed ones as the stream
// says they are gone (it kept them, frozen, until the page was reloaded).
func TestBrowserWallboardFollowsReconfigure(t *testing.T) {
	const before = `
entries:
  - {number: "100", queue: support}
queues:
  - {name: support}
  - {name: billing}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
  - {id: bob, endpoint: sim/bob, queues: [{queue: billing}]}
`
	d := newTestDaemon(t, before)
	ctx := openWallboard(t, d)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#queues tr[data-queue="billing"]`)), chromedp.WaitVisible(chromedp.CSS(`#agents tr[data-agent="bob"]`))); err != nil {
		t.Fatalf("wallboard: %v", err)
	}
	cfg, err := config.Parse([]byte(`
entries:
  - {number: "100", queue: support}
queues:
  - {name: support}
  - {name: sales}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
  - {id: carol, endpoint: sim/carol, queues: [{queue: sales}]}
`), "reload.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := engine.Send(ctx, d.rt, engine.Reconfigure{Config: cfg}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#queues tr[data-queue="sales"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#agents tr[data-agent="carol"]`))); err != nil {
		t.Fatalf("the wallboard does not show the queue and agent added: %v", err)
	}
	if err := chromedp.Do(ctx, poll(`!document.querySelector('#queues tr[data-queue="billing"]') && !document.querySelector('#agents tr[data-agent="bob"]')`)); err != nil {
		rows, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#queues tr[data-queue], #agents tr[data-agent]")].map(r => r.dataset.queue || r.dataset.agent).join()`))
		t.Fatalf("the wallboard keeps the removed queue and agent (rows %s): %v", rows, err)
	}
}

// The wallboard in Russian: the abandoned column is the queue's figure
// (it read "не дождался", the missed-call reason, the two strings sharing
// a key), a live call's phase and the longest wait are in Russian too.
func TestBrowserWallboardRussian(t *testing.T) {
	d := newTestDaemon(t, browserYAML)
	ctx := openWallboard(t, d)
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "+12125550187", To: "100", HangupAfter: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#calls tr[data-call]`))); err != nil {
		t.Fatalf("wallboard: %v", err)
	}
	if err := pickLang(ctx, "ru"); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[document.querySelector('#queues th:nth-child(5)').textContent,
		document.querySelector('#calls tr[data-call] td:nth-child(4)').textContent,
		document.querySelector('#queues tr[data-queue="support"] td:nth-child(3)').textContent]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0] != "Потеряно" || got[1] != "в очереди" || !strings.HasSuffix(got[2], " с") {
		t.Errorf("Russian wallboard: abandoned column, call phase, longest wait = %q; want Потеряно, в очереди, N с", got)
	}
	screenshot(t, ctx, "wallboard-ru")
}

// A wallboard of many agents whose states change in a burst redraws its
// tables once per batch the browser takes in, not once per change: it
// rebuilt every row for each change, and a few hundred agents changing
// together froze the page.
func TestBrowserWallboardBurstDrawsOnce(t *testing.T) {
	const agents = 60
	var yaml strings.Builder
	yaml.WriteString("entries:\n  - {number: \"100\", queue: support}\nqueues:\n  - {name: support}\nagents:\n")
	for i := range agents {
		fmt.Fprintf(&yaml, "  - {id: a%02d, endpoint: sim/a%02d, queues: [{queue: support}]}\n", i, i)
	}
	d := newTestDaemon(t, yaml.String())
	ctx := openWallboard(t, d)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#agents tr[data-agent="a59"]`))); err != nil {
		t.Fatalf("wallboard: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.rebuilds = 0;
		new MutationObserver(() => window.rebuilds++).observe(document.querySelector("#agents tbody"), {childList: true}); true`)); err != nil {
		t.Fatal(err)
	}
	// Each agent logs in, pauses and is made ready: three changes each.
	var wg sync.WaitGroup
	for i := range agents {
		wg.Go(func() {
			id := fmt.Sprintf("a%02d", i)
			if _, err := engine.Send(ctx, d.rt, engine.Login{Agent: id}); err != nil {
				t.Error(err)
			}
			if _, err := engine.Send(ctx, d.rt, engine.Pause{Agent: id, Reason: "brief"}); err != nil {
				t.Error(err)
			}
			if _, err := engine.Send(ctx, d.rt, engine.Ready{Agent: id}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if err := chromedp.Do(ctx, poll(`document.querySelectorAll("#agents td.state-available").length === `+fmt.Sprint(agents))); err != nil {
		t.Fatalf("the wallboard does not show every agent available: %v", err)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.rebuilds`))
	if err != nil {
		t.Fatal(err)
	}
	if changes := 3 * agents; n > changes/3 {
		t.Errorf("the agents' table was rebuilt %d times for %d changes; want it drawn once per batch", n, changes)
	}
	t.Logf("%d rebuilds for %d changes", n, 3*agents)
}

// The desk names its agent by name. Long names and reasons in any script
// stay within the window: a pause
// reason of 200 characters with no space, an agent's long Cyrillic name
// and an Arabic one (right to left) wrap in their cells instead of
// widening the wallboard and the desk past the screen.
func TestBrowserLongNamesFit(t *testing.T) {
	ctx, cancel := browser(t)
	defer cancel()
	long := "АлександраКонстантиновнаХристорождественскаяПреображенскаяВодоносоваЩербатская"
	d := newTestDaemon(t, `
entries:
  - {number: "100", queue: support}
queues:
  - {name: support}
agents:
  - {id: alice, name: `+long+`, endpoint: sim/alice, queues: [{queue: support}]}
  - {id: omar, name: "عمر بن عبد العزيز الفاروقي", endpoint: sim/omar, queues: [{queue: support}]}
`)
	reason := strings.Repeat("перерыв", 25) // 175 letters, no place to break
	for _, id := range []string{"alice", "omar"} {
		if _, err := engine.Send(t.Context(), d.rt, engine.Login{Agent: id}); err != nil {
			t.Fatal(err)
		}
		if _, err := engine.Send(t.Context(), d.rt, engine.Pause{Agent: id, Reason: reason}); err != nil {
			t.Fatal(err)
		}
	}
	url := serveUsers(t, New(d.rt, d.db, zerolog.Nop()), d, auth.User{Name: "sue", Role: auth.Supervisor},
		auth.User{Name: "al", Role: auth.Agent, Agent: "alice"})
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
	fits := `document.documentElement.scrollWidth <= window.innerWidth`
	if err := chromedp.Do(ctx, signInTasks(url, "sue"), chromedp.Navigate(url+"/#wallboard"),
		chromedp.WaitVisible(chromedp.CSS(`#agents tr[data-agent="omar"] td.state-paused`))); err != nil {
		t.Fatalf("wallboard: %v", err)
	}
	screenshot(t, ctx, "wallboard-long-names")
	if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fits)); err != nil || !ok {
		w, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		t.Errorf("the wallboard is %d px wide in a window of 1200 (%v)", w, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-name")),
		signInTasks(url, "al"), chromedp.WaitVisible(chromedp.CSS(`#desk-state.state-paused`))); err != nil {
		t.Fatalf("desk: %v", err)
	}
	if name, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("desk-agent"))); err != nil || name != long {
		t.Errorf("the desk names its agent %q (%v), want the agent's name", name, err)
	}
	screenshot(t, ctx, "desk-long-names")
	if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fits)); err != nil || !ok {
		w, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		t.Errorf("the desk is %d px wide in a window of 1200 (%v)", w, err)
	}
}

// A caller waits with nobody to answer: the wallboard's longest wait grows
// with the wait, second by second. The stream sends no change for a figure
// that only grows with the clock, and the wallboard showed 0s for as long
// as the caller waited.
func TestBrowserWallboardLongestWaitGrows(t *testing.T) {
	d := newTestDaemon(t, browserYAML)
	ctx := openWallboard(t, d)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#queues tr[data-queue="support"]`))); err != nil {
		t.Fatalf("wallboard: %v", err)
	}
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "+12125550187", To: "100", HangupAfter: time.Minute}); err != nil {
		t.Fatal(err)
	}
	cell := `document.querySelector('#queues tr[data-queue="support"] td:nth-child(3)').textContent`
	if err := chromedp.Do(ctx, poll(`document.querySelector('#queues tr[data-queue="support"] td:nth-child(2)').textContent === "1"`),
		poll(`parseInt(`+cell+`) >= 3`)); err != nil {
		shown, _ := chromedp.Run(ctx, chromedp.Evaluate[string](cell))
		t.Fatalf("the longest wait stays at %q: %v", shown, err)
	}
}

// openWallboard serves d's API with sue, a supervisor, and opens her
// wallboard in a browser that gives up after 60 s.
func openWallboard(t *testing.T, d *testDaemon) context.Context {
	t.Helper()
	ctx, cancel := browser(t)
	t.Cleanup(cancel)
	url := serveUsers(t, New(d.rt, d.db, zerolog.Nop()), d, auth.User{Name: "sue", Role: auth.Supervisor})
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelT)
	if err := chromedp.Do(ctx, signInTasks(url, "sue"), chromedp.Navigate(url+"/#wallboard"), chromedp.WaitVisible(chromedp.ID("queues"))); err != nil {
		t.Fatalf("wallboard: %v", err)
	}
	return ctx
}
