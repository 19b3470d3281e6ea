package main

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/configs"
	"github.com/hotline-cc/hotline/store"
)

// The demo's campaign made a preview campaign and given with --config: the
// simulated agents look at the leads shown to them and dial most, so the
// campaign's dials rise and its leads talk to the sales agents, and skip
// some, which the progress lines count and the store keeps (in the
// campaign's progress, and never-dialed leads put off).
func TestDemoPreviewCampaign(t *testing.T) {
	path, db := demoPreviewConfig(t), filepath.Join(t.TempDir(), "demo.db")
	code, out, errOut := hotline(t, nil, "demo", "--config", path, "--speed", "0", "--duration", "1h", "--plain", "--every", "20m", "--store", db)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	line := regexp.MustCompile(`follow-up running: (\d+) dialed, (\d+) answered, (\d+) connected, \d+ abandoned \([\d.]+%, cap 3%\), (\d+) skipped`)
	var dialed, skipped []int
	for _, m := range line.FindAllStringSubmatch(out, -1) {
		d, _ := strconv.Atoi(m[1])
		s, _ := strconv.Atoi(m[4])
		dialed, skipped = append(dialed, d), append(skipped, s)
	}
	if len(dialed) != 3 || dialed[0] == 0 || dialed[2] <= dialed[0] || skipped[2] == 0 {
		t.Fatalf("the progress lines show dials %v and skips %v; want three lines, dials rising from more than 0, and skips:\n%s", dialed, skipped, out)
	}
	if share := float64(skipped[2]) / float64(skipped[2]+dialed[2]); share < 0.03 || share > 0.3 {
		t.Errorf("%d of %d leads shown skipped; want a few (about 1 in 8)", skipped[2], skipped[2]+dialed[2])
	}

	st, err := store.Open(db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	recs, err := st.CollectCalls(store.Filter{Direction: acd.DirectionOutbound})
	if err != nil {
		t.Fatal(err)
	}
	sales := map[string]bool{"ana": true, "dev": true, "elena": true, "farid": true, "ines": true}
	connected := 0
	for _, r := range recs {
		if r.Agent != "" && r.Talk > 0 {
			connected++
			if !sales[r.Agent] {
				t.Errorf("lead call %s went to %s, who is not in sales", r.ID, r.Agent)
			}
		}
	}
	if connected < 10 || len(recs) < dialed[2] {
		t.Errorf("%d lead calls recorded, %d talked to an agent in an hour; want the %d dialed, at least 10 talking", len(recs), connected, dialed[2])
	}
	progress, err := st.CampaignProgress()
	if err != nil || len(progress) != 1 || progress[0].Counts.SkippedPreview != skipped[2] || progress[0].Counts.Dialed != dialed[2] {
		t.Errorf("the store keeps the campaign's progress as %+v (%v); want %d dialed and %d skipped, as the last progress line",
			progress, err, dialed[2], skipped[2])
	}
	putOff := 0
	if err := st.CampaignLeads("follow-up", func(l campaign.Lead) bool {
		if l.State == campaign.New && l.Attempts == 0 && !l.NextAttempt.IsZero() {
			putOff++
		}
		if l.PreviewAgent != "" {
			t.Errorf("lead %s still reserved for %s after the demo", l.ID, l.PreviewAgent)
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if putOff == 0 {
		t.Errorf("no never-dialed lead put off in the store; the progress lines count %d skipped", skipped[2])
	}
	// The simulated agents give one of the campaign's reasons.
	counts, err := st.LeadCounts("follow-up", time.Now())
	given := 0
	for _, why := range []string{"wrong person", "already customer", "asked for later"} {
		given += counts.Skips[why]
	}
	if err != nil || given == 0 || counts.Skips[""] != 0 || given+counts.Skips[campaign.SkipTimedOut] != skipped[2] {
		t.Errorf("skips by reason in the store: %v (%v); want the %d skips under the demo's reasons", counts.Skips, err, skipped[2])
	}
}

// An agent decides a lead within the preview's time, a second before it
// expires at the latest, and in a few seconds at most otherwise; the agent
// a person may work at the web desk decides only at that last second.
func TestDemoPreviewLook(t *testing.T) {
	p := &demoPreviewer{rng: rand.New(rand.NewPCG(1, 2))}
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for _, timeout := range []time.Duration{0, 500 * time.Millisecond, 5 * time.Second, 30 * time.Second} {
		for range 200 {
			shown := &engine.LeadPreview{Lead: campaign.Lead{ID: "l1"}, Offered: at, Expires: at.Add(timeout)}
			look := p.look(shown, false)
			if look.until.Before(at) || look.until.After(at.Add(demoPreviewLookMax)) ||
				(timeout >= time.Second && look.until.After(shown.Expires.Add(-time.Second))) {
				t.Fatalf("preview timeout %s: decided at +%s", timeout, look.until.Sub(at))
			}
			last := max(timeout-time.Second, 0)
			if look := p.look(shown, true); !look.until.Equal(at.Add(last)) {
				t.Fatalf("preview timeout %s: the desk's agent decided at +%s, want +%s", timeout, look.until.Sub(at), last)
			}
		}
	}
}

// demo --web on a preview campaign: the supervisor's campaign list shows
// it dialing, connecting and skipping while the pages are served (the
// simulated agents decide inside the run the API shares).
func TestDemoWebPreviewCampaign(t *testing.T) {
	base, pw, _ := demoWebStart(t, "--web=127.0.0.1:0", "--config", demoPreviewConfig(t), "--speed", "120", "--duration", "1h")
	c, _ := demoSignIn(t, base, "supervisor", pw["supervisor"])
	var k engine.CampaignStatus
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := c.Get(base + "/api/v1/campaigns")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("campaigns: %v %v", resp, err)
		}
		var list []engine.CampaignStatus
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if err != nil || len(list) != 1 {
			t.Fatalf("campaigns: %+v %v; want the one preview campaign", list, err)
		}
		if k = list[0]; k.Stats.Dialed > 0 && k.Stats.Connected > 0 && k.Stats.SkippedPreview > 0 {
			break
		}
	}
	if k.Mode != "preview" || k.State != "running" || k.Stats.Dialed == 0 || k.Stats.Connected == 0 || k.Stats.SkippedPreview == 0 {
		t.Errorf("campaign %+v; want a running preview campaign with leads dialed, connected and skipped", k)
	}
}

// demoPreviewConfig is the built-in demo with its campaign in preview
// mode, in a file. The preview timeout is longer than any look, so every
// skip is an agent's, not a timeout's.
func demoPreviewConfig(t *testing.T) string {
	t.Helper()
	cfg := regexp.MustCompile(`(?m)^    mode: predictive\b.*$`).ReplaceAll(configs.Demo,
		[]byte("    mode: preview\n    preview_timeout: 2m\n    preview_on_timeout: skip"))
	if bytes.Equal(cfg, configs.Demo) {
		t.Fatal("configs/demo.yaml has no `mode: predictive` campaign to make a preview one")
	}
	path := filepath.Join(t.TempDir(), "preview.yaml")
	if err := os.WriteFile(path, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// In demo --web the person signed in as the agent sees the leads shown to
// their agent on the desk and has the preview's time to decide: the
// simulated agent leaves them the lead 20 s after it showed (the others
// decide within 15 s), and their dial is taken.
func TestDemoWebPreviewAgentDesk(t *testing.T) {
	base, pw, agent := demoWebStart(t, "--web=127.0.0.1:0", "--config", demoPreviewConfig(t), "--speed", "10", "--duration", "1h")
	c, who := demoSignIn(t, base, "agent", pw["agent"])
	shown := func() *engine.LeadPreview {
		resp, err := c.Get(base + "/api/v1/agents/" + agent + "/preview")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var p struct{ Preview *engine.LeadPreview }
		if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&p) != nil {
			return nil
		}
		return p.Preview
	}
	var first *engine.LeadPreview
	for deadline := time.Now().Add(30 * time.Second); first == nil && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		first = shown()
	}
	if first == nil {
		t.Fatalf("no lead shown to %s in 30 s (300 s of the demo)", agent)
	}
	time.Sleep(2 * time.Second) // 20 s of the demo at 10x, or less on a loaded machine
	if now := shown(); now == nil || now.Lead.ID != first.Lead.ID {
		t.Fatalf("lead %s shown to %s was decided without them: now %+v", first.Lead.ID, agent, now)
	}
	req, _ := http.NewRequest("POST", base+"/api/v1/agents/"+agent+"/preview/dial", nil)
	req.Header.Set("X-CSRF-Token", who.CSRF)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var dialed struct{ Preview *engine.LeadPreview }
	if err := json.NewDecoder(resp.Body).Decode(&dialed); err != nil || resp.StatusCode != 200 || dialed.Preview == nil ||
		dialed.Preview.Lead.ID != first.Lead.ID {
		t.Errorf("dial: %d %+v %v; want lead %s dialed", resp.StatusCode, dialed.Preview, err, first.Lead.ID)
	}
}
