package main

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/store"
)

// The built-in demo runs its outbound campaign beside the inbound queues:
// the progress lines show its figures moving, the leads it dials reach the
// sales agents, the do-not-call lead is never dialed, busy and ringing-out
// leads are retried, and fewer than 3 % of live answers are abandoned, read
// from the stored records rather than the engine's own counters.
func TestDemoRunsItsCampaign(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.db")
	code, out, errOut := hotline(t, nil, "demo", "--speed", "0", "--duration", "1h", "--plain", "--every", "20m", "--store", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "Add --web to watch it in a browser, signed in as admin, supervisor") {
		t.Errorf("no word of the web desk's sign-ins:\n%s", out)
	}
	line := regexp.MustCompile(`follow-up running: (\d+) dialed, (\d+) answered, (\d+) connected, (\d+) abandoned \(([\d.]+)%, cap 3%\)`)
	var dialed []int
	for _, m := range line.FindAllStringSubmatch(out, -1) {
		n, _ := strconv.Atoi(m[1])
		dialed = append(dialed, n)
	}
	if len(dialed) != 3 || dialed[0] == 0 || dialed[2] <= dialed[0] {
		t.Errorf("the progress lines show the campaign's dials as %v; want three, rising from more than 0:\n%s", dialed, out)
	}
	if !strings.Contains(out, "\nCampaigns\n") || !strings.Contains(out, "follow-up  stopped  predictive") {
		t.Errorf("no closing campaign table:\n%s", out)
	}

	db, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	recs, err := db.CollectCalls(store.Filter{Direction: acd.DirectionOutbound})
	if err != nil {
		t.Fatal(err)
	}
	sales := map[string]bool{}
	for _, id := range []string{"ana", "dev", "elena", "farid", "ines"} {
		sales[id] = true
	}
	outcomes := map[acd.Outcome]int{}
	connected, live := 0, 0
	for _, r := range recs {
		outcomes[r.Outcome]++
		if !r.Answered.IsZero() {
			live++
		}
		if r.Agent != "" && r.Talk > 0 {
			connected++
			if !sales[r.Agent] {
				t.Errorf("lead call %s went to %s, who is not in sales", r.ID, r.Agent)
			}
		}
	}
	if connected < 10 {
		t.Errorf("%d leads talked to an agent in an hour; want at least 10 (outcomes %v)", connected, outcomes)
	}
	if ab := outcomes[acd.OutcomeAbandoned]; live == 0 || float64(ab) > 0.03*float64(live) {
		t.Errorf("%d of %d live answers abandoned; the cap is 3 %%", ab, live)
	}

	states, last := map[campaign.LeadState]int{}, map[campaign.Outcome]int{}
	if err := db.CampaignLeads("follow-up", func(l campaign.Lead) bool {
		states[l.State]++
		last[l.LastOutcome]++
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if last[campaign.Busy] == 0 || last[campaign.NoAnswer] == 0 {
		t.Errorf("leads by last outcome %v: want busy and unanswered ones", last)
	}
	if states[campaign.DoNotCall] != 1 || states[campaign.Done] < connected || states[campaign.Scheduled] == 0 {
		t.Errorf("leads by state %v; want 1 do-not-call, at least %d done and some scheduled for a retry", states, connected)
	}
}
