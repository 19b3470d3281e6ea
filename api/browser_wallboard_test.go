package api

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/api/auth"
)

// The supervisor's wallboard shows today's chart (SVG from the API) and
// goes into TV mode: no header, no controls, the figures large.
func TestBrowserWallboardChartAndTV(t *testing.T) {
	ctx, cancel := browser(t)
	defer cancel()
	d := newTestDaemon(t, browserYAML)
	h := New(d.rt, d.db, zerolog.Nop())
	h.SetChartOptions(ChartOptions{Location: time.UTC, Target: 80})
	url := serveUsers(t, h, d, auth.User{Name: "sue", Role: auth.Supervisor})
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
	if err := chromedp.Do(ctx, chromedp.Navigate(url+"/#wallboard"), chromedp.WaitVisible(chromedp.ID("login-name")),
		chromedp.SendKeys(chromedp.ID("login-name"), "sue"), chromedp.SendKeys(chromedp.ID("login-password"), "pw of sue!!"),
		chromedp.Click(chromedp.ID("login-submit")), chromedp.WaitVisible(chromedp.ID("wall-chart"))); err != nil {
		t.Fatalf("wallboard: %v", err)
	}
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`new Promise(r => { const i = document.getElementById("wall-chart");
		const ok = () => i.complete && i.naturalWidth > 0; if (ok()) return r(true);
		i.addEventListener("load", () => r(ok())); i.addEventListener("error", () => r(false)); setTimeout(() => r(ok()), 30000); })`,
		chromedp.EvalAwaitPromise))
	if err != nil || !loaded {
		t.Fatalf("the chart did not load: %v %v", loaded, err)
	}
	screenshot(t, ctx, "wallboard-chart")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("btn-tv")), chromedp.WaitNotVisible(chromedp.CSS("header"))); err != nil {
		t.Fatalf("TV mode: %v", err)
	}
	if hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`getComputedStyle(document.querySelector(".wall-tools")).display === "none"`)); err != nil || !hidden {
		t.Errorf("TV mode shows the controls: %v %v", hidden, err)
	}
	screenshot(t, ctx, "wallboard-tv")
	// A wallboard taller than the screen pages through itself, then
	// starts again at the top: 200 agents and 50 queues made a page
	// 16,000 pixels tall of which a kiosk showed the first screen only.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(800, 200)); err != nil {
		t.Fatal(err)
	}
	pos, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
		const most = document.documentElement.scrollHeight - window.innerHeight, seen = [];
		window.scrollTo(0, 0);
		for (let i = 0; i < 40 && (seen.length < 2 || seen[seen.length - 1] !== 0); i++) {
			tvPage(); await new Promise((r) => setTimeout(r, 50)); seen.push(Math.round(window.scrollY));
		}
		return most + ":" + seen.join(",");
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	most, steps, _ := strings.Cut(pos, ":")
	if n := strings.Split(steps, ","); most == "0" || len(n) < 2 || n[0] == "0" || n[len(n)-1] != "0" || !slices.Contains(n, most) {
		t.Errorf("TV paging, page scrollable by %s px: positions %s; want pages down to the end, then the top", most, steps)
	}
}
