package api

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/api/auth"
)

// signInTasks open the page at url and sign in as name (with serveUsers's
// password), up to the navigation bar.
func signInTasks(url, name string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(url+"/"),
		chromedp.WaitVisible(chromedp.ID("login-name")),
		chromedp.SendKeys(chromedp.ID("login-name"), name),
		chromedp.SendKeys(chromedp.ID("login-password"), "pw of "+name+"!!"),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("nav")),
	)
}

// An admin opens the config page, changes an agent in the editor and saves:
// the file has the change (and only it), the engine runs it. A change the
// config would not validate shows config validate's problems and leaves the
// file alone. A supervisor's page has no admin link.
func TestBrowserAdminConfig(t *testing.T) {
	ctx, cancel := browser(t)
	defer cancel()
	d, path := editDaemon(t)
	url := serveUsers(t, d.api, d, auth.User{Name: "root", Role: auth.Admin}, auth.User{Name: "sue", Role: auth.Supervisor})
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
	signIn := func(ctx context.Context, name string) error { return chromedp.Do(ctx, signInTasks(url, name)) }
	if err := signIn(ctx, "root"); err != nil {
		t.Fatalf("admin sign-in: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("nav-admin")),
		chromedp.Click(chromedp.CSS(`#cfg-items button[data-item="alice"]`)),
		chromedp.Click(chromedp.ID("cfg-mode")), // agents open as a form; this test edits the YAML
		chromedp.WaitVisible(chromedp.ID("cfg-yaml"))); err != nil {
		t.Fatalf("admin page: %v", err)
	}
	if over, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("cfg-overview"))); err != nil || !strings.Contains(over, "support (0)") {
		t.Errorf("agents overview %q %v; want alice's queue and penalty", over, err)
	}
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("cfg-yaml").value`))
	if err != nil || !strings.Contains(text, "# desk phone") {
		t.Fatalf("alice in the editor: %q %v", text, err)
	}
	edited := strings.Replace(text, "queues: [{queue: support}]", "queues: [{queue: support, penalty: 3}]", 1)
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("cfg-yaml"), edited), chromedp.Click(chromedp.ID("cfg-save")),
		chromedp.WaitVisible(chromedp.CSS(`#cfg-result:not(:empty)`))); err != nil {
		t.Fatalf("save: %v", err)
	}
	if now, _ := os.ReadFile(path); !strings.Contains(string(now), "    queues: [{queue: support, penalty: 3}]\n") ||
		!strings.Contains(string(now), "# the one queue") {
		t.Errorf("file after saving from the page:\n%s", now)
	}
	if res, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("cfg-result"))); err != nil || !strings.Contains(res, "agents changed: alice") {
		t.Errorf("the page does not say what was applied: %q %v", res, err)
	}
	screenshot(t, ctx, "admin-config-saved")
	bad := strings.Replace(edited, "queue: support,", "queue: suport,", 1)
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("cfg-yaml"), bad), chromedp.Click(chromedp.ID("cfg-save")),
		chromedp.WaitVisible(chromedp.CSS(`#cfg-problems li`))); err != nil {
		t.Fatalf("a bad save: %v", err)
	}
	if p, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("cfg-problems"))); err != nil || !strings.Contains(p, "agents[0].queues[0].queue") {
		t.Errorf("problems shown: %q %v", p, err)
	}
	if now, _ := os.ReadFile(path); strings.Contains(string(now), "suport") {
		t.Errorf("a refused edit reached the file")
	}
	screenshot(t, ctx, "admin-config-problems")

	// Users: a new supervisor for the support queue.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#cfg-sections button[data-section="users"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#user-items button[data-user="root"]`)),
		chromedp.Click(chromedp.ID("user-new")),
		chromedp.SendKeys(chromedp.ID("user-name"), "bob"),
		chromedp.SetValue(chromedp.ID("user-role"), "supervisor"),
		chromedp.SendKeys(chromedp.ID("user-teams"), "support"),
		chromedp.SendKeys(chromedp.ID("user-password"), "bob's long secret"),
		chromedp.Click(chromedp.ID("user-save")),
		chromedp.WaitVisible(chromedp.CSS(`#user-items button[data-user="bob"]`))); err != nil {
		t.Fatalf("adding a user: %v", err)
	}
	if u, err := d.db.User("bob"); err != nil || u.Role != auth.Supervisor || len(u.Teams) != 1 || u.Teams[0] != "support" {
		t.Errorf("bob in the store: %+v %v", u, err)
	}
	screenshot(t, ctx, "admin-users")

	// Do-not-call: a number written locally lands on the global list in
	// E.164, and comes off again.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#cfg-sections button[data-section="dnc"]`)),
		chromedp.WaitVisible(chromedp.ID("dnc-phones")),
		chromedp.SendKeys(chromedp.ID("dnc-phones"), "(212) 555-0187"),
		chromedp.Click(chromedp.ID("dnc-add-btn")),
		chromedp.WaitVisible(chromedp.CSS(`#dnc-entries tr[data-phone="+12125550187"]`))); err != nil {
		t.Fatalf("do-not-call add: %v", err)
	}
	if _, blocked, err := d.db.Blocked("+12125550187", "global"); err != nil || !blocked {
		t.Errorf("the number is not blocked: %v %v", blocked, err)
	}
	screenshot(t, ctx, "admin-dnc")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#dnc-entries button[data-phone="+12125550187"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#dnc-entries tr[data-phone="+12125550187"]`))); err != nil {
		t.Fatalf("do-not-call remove: %v", err)
	}

	// Tabs share cookies: sign out, then in as the supervisor.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-name"))); err != nil {
		t.Fatal(err)
	}
	sup := ctx
	if err := signIn(sup, "sue"); err != nil {
		t.Fatalf("supervisor sign-in: %v", err)
	}
	if hidden, err := chromedp.Run(sup, chromedp.Evaluate[bool](`document.getElementById("nav-admin").hidden`)); err != nil || !hidden {
		t.Errorf("the supervisor's page offers the admin page (hidden=%v, %v)", hidden, err)
	}
	if status, err := chromedp.Run(sup, chromedp.Evaluate[int](`fetch("/api/v1/config/agents").then(r => r.status)`, chromedp.EvalAwaitPromise)); err != nil || status != 403 {
		t.Errorf("a supervisor reading the config: %d, %v (want 403)", status, err)
	}
}

// adminBrowser is a browser (a minute to go) and a daemon editing its
// config file at path, served at url to the admin root.
func adminBrowser(t *testing.T) (ctx context.Context, path, url string) {
	ctx, cancel := browser(t)
	t.Cleanup(cancel)
	d, path := editDaemon(t)
	url = serveUsers(t, d.api, d, auth.User{Name: "root", Role: auth.Admin})
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelT)
	return ctx, path, url
}

// An admin edits an agent's skill in the form: a level out of range is
// refused with config validate's line shown next to that skill's level, the
// file untouched; a good level is saved into the file (the rest of it as it
// was) and the running engine reports alice changed.
func TestBrowserAdminForm(t *testing.T) {
	ctx, path, url := adminBrowser(t)
	level := `#cfg-fields fieldset[data-path="skills"] > .row input[data-role="level"]`
	if err := chromedp.Do(ctx,
		signInTasks(url, "root"),
		chromedp.Click(chromedp.ID("nav-admin")),
		chromedp.Click(chromedp.CSS(`#cfg-items button[data-item="alice"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#cfg-fields input[data-path="endpoint"]`)),
		chromedp.Click(chromedp.CSS(`#cfg-fields button[data-add="skills"]`)),
		chromedp.SendKeys(chromedp.CSS(`#cfg-fields fieldset[data-path="skills"] > .row input[data-role="name"]`), "billing"),
		chromedp.SendKeys(chromedp.CSS(level), "11"),
	); err != nil {
		t.Fatalf("opening alice's form: %v", err)
	}
	if yamlShown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.getElementById("cfg-yaml-label").hidden`)); err != nil || yamlShown {
		t.Errorf("the agent opens as YAML text (%v)", err)
	}
	if v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#cfg-fields input[data-path="queues[0].queue"]').value`)); err != nil || v != "support" {
		t.Errorf("alice's queue in the form: %q %v", v, err)
	}
	msg := `#cfg-fields fieldset[data-path="skills"] > .row > .msg`
	if hint, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(msg))); err != nil || !strings.Contains(hint, "1..10") {
		t.Errorf("no hint while typing 11: %q %v", hint, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("cfg-save")),
		chromedp.WaitVisible(chromedp.CSS(level+`[aria-invalid="true"]`))); err != nil {
		t.Fatalf("saving level 11: %v", err)
	}
	want := path + ":11: agents[0].skills.billing: level 11 is outside 1..10"
	if got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(msg))); err != nil || got != want {
		t.Errorf("next to the level: %q %v, want %q", got, err, want)
	}
	if now, _ := os.ReadFile(path); string(now) != editCfg {
		t.Errorf("a refused form reached the file:\n%s", now)
	}
	screenshot(t, ctx, "admin-form-problem")
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(level), "7"), chromedp.Click(chromedp.ID("cfg-save")),
		chromedp.WaitVisible(chromedp.CSS(`#cfg-result:not(:empty)`))); err != nil {
		t.Fatalf("saving level 7: %v", err)
	}
	if res, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("cfg-result"))); err != nil || !strings.Contains(res, "agents changed: alice") {
		t.Errorf("the page does not say the engine took it: %q %v", res, err)
	}
	now, _ := os.ReadFile(path)
	if !strings.Contains(string(now), "    skills:\n      billing: 7\n    queues: [{queue: support}]\n") || !strings.Contains(string(now), "# the one queue") {
		t.Errorf("file after saving the form:\n%s", now)
	}
	if over, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("cfg-overview"))); err != nil || !strings.Contains(over, "billing 7") {
		t.Errorf("overview after saving: %q %v", over, err)
	}
	screenshot(t, ctx, "admin-form-saved")
}

// A supervisor of the front team (the support queue, by the config's
// teams) opens the wallboard: support and alice are there, sales and bob
// are not, and the API refuses her acting on bob or on bob's campaign.
func TestBrowserTeamWallboard(t *testing.T) {
	ctx, cancel := browser(t)
	defer cancel()
	d := newTestDaemon(t, teamsYAML)
	url := serveUsers(t, d.api, d, auth.User{Name: "tina", Role: auth.Supervisor})
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
	if err := chromedp.Do(ctx, signInTasks(url, "tina"),
		chromedp.Navigate(url+"/#wallboard"),
		chromedp.WaitVisible(chromedp.CSS(`#agents tr[data-agent="alice"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#queues tr[data-queue="support"]`))); err != nil {
		t.Fatalf("tina's wallboard: %v", err)
	}
	others, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#agents tr[data-agent="bob"], #queues tr[data-queue="sales"]').length`))
	if err != nil || others != 0 {
		t.Errorf("tina's wallboard shows %d rows of the other team (%v)", others, err)
	}
	screenshot(t, ctx, "wallboard-team")
	for _, c := range []struct {
		js   string
		want int
	}{
		{`fetch("/api/v1/agents/bob/login", {method: "POST", headers: {"X-CSRF-Token": csrf}}).then(r => r.status)`, 403},
		{`fetch("/api/v1/campaigns/upsell/start", {method: "POST", headers: {"X-CSRF-Token": csrf}}).then(r => r.status)`, 403},
		{`fetch("/api/v1/agents/alice/login", {method: "POST", headers: {"X-CSRF-Token": csrf}}).then(r => r.status)`, 200},
	} {
		if got, err := chromedp.Run(ctx, chromedp.Evaluate[int](c.js, chromedp.EvalAwaitPromise)); err != nil || got != c.want {
			t.Errorf("%s: %d %v, want %d", c.js, got, err, c.want)
		}
	}
}

// The queue form: the strategy is picked from the engine's list, a bad
// announcement interval is hinted while typing and refused next to its
// field, a good one is saved into the file.
func TestBrowserAdminQueueForm(t *testing.T) {
	ctx, path, url := adminBrowser(t)
	field := `input[data-path="announce.interval"]`
	interval := `#cfg-fields ` + field
	if err := chromedp.Do(ctx, signInTasks(url, "root"),
		chromedp.Click(chromedp.ID("nav-admin")),
		chromedp.Click(chromedp.CSS(`#cfg-sections button[data-section="queues"]`)),
		chromedp.Click(chromedp.CSS(`#cfg-items button[data-item="support"]`)),
		chromedp.WaitVisible(chromedp.CSS(interval)),
		chromedp.SetValue(chromedp.CSS(`#cfg-fields select[data-path="strategy"]`), "ring-all"),
		chromedp.SendKeys(chromedp.CSS(interval), "abc"),
	); err != nil {
		t.Fatalf("opening support's form: %v", err)
	}
	msg := `#cfg-fields .field:has(` + field + `) > .msg`
	if hint, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(msg))); err != nil || !strings.Contains(hint, "duration") {
		t.Errorf("no hint while typing abc: %q %v", hint, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("cfg-save")),
		chromedp.WaitVisible(chromedp.CSS(interval+`[aria-invalid="true"]`))); err != nil {
		t.Fatalf("saving abc: %v", err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(msg))); err != nil ||
		!strings.Contains(got, `queues[0].announce.interval: want a duration like "15s", "2m" or "1h30m", got "abc"`) {
		t.Errorf("next to the interval: %q %v", got, err)
	}
	screenshot(t, ctx, "admin-queue-form-problem")
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(interval), "45s"), chromedp.Click(chromedp.ID("cfg-save")),
		chromedp.WaitVisible(chromedp.CSS(`#cfg-result:not(:empty)`))); err != nil {
		t.Fatalf("saving 45s: %v", err)
	}
	if now, _ := os.ReadFile(path); !strings.Contains(string(now), "  - {name: support, strategy: ring-all, wrap_up: 30s, announce: {interval: 45s}} # the one queue\n") {
		t.Errorf("file after the queue form:\n%s", now)
	}
	if res, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("cfg-result"))); err != nil || !strings.Contains(res, "queues changed: support") {
		t.Errorf("the page does not say the engine took it: %q %v", res, err)
	}
}

// An admin opens the config page of a daemon with no config file to edit:
// the page says so, and offers no editor (the error was written into the
// editor's form, which was then hidden, and the page stayed blank).
func TestBrowserAdminConfigNotEditable(t *testing.T) {
	ctx, cancel := browser(t)
	defer cancel()
	d := newTestDaemon(t, browserYAML)
	url := serveUsers(t, New(d.rt, d.db, zerolog.Nop()), d, auth.User{Name: "root", Role: auth.Admin})
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
	if err := chromedp.Do(ctx, signInTasks(url, "root"), chromedp.Navigate(url+"/#admin"),
		chromedp.WaitVisible(chromedp.CSS(`#cfg-load-error:not(:empty)`))); err != nil {
		msg, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("cfg-error").textContent`))
		t.Fatalf("no error shown: %v (hidden text %q)", err, msg)
	}
	if msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("cfg-load-error"))); err != nil || !strings.Contains(msg, "no config file") {
		t.Errorf("the page says %q (%v)", msg, err)
	}
	if hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("cfg-form").hidden && document.getElementById("cfg-new").hidden`)); err != nil || !hidden {
		t.Errorf("the editor is offered (%v)", err)
	}
	screenshot(t, ctx, "admin-no-config")
}
