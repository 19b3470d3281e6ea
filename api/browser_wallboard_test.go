package api

import (
	"context"
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
}
