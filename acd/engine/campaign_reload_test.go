package engine

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// A reload does not change a campaign started in this run under it (its
// run holds its settings and pacer): the reload says so, the status keeps
// the settings in force, and a removed one stays listed and can be
// stopped. A campaign never started takes the new settings at its start.
func TestCampaignReloadStartedKeepsSettings(t *testing.T) {
	rig := newCampaignRig(t, "progressive", 1.5, "a1")
	r := rig.r
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(10 * time.Second))
	base := fmt.Sprintf(campaignConfig, "progressive", 1.5)
	reload := func(text string) ReconfigureReport {
		t.Helper()
		var rep ReconfigureReport
		if err := r.Do(func(c *Core, now time.Time) (err error) {
			rep, err = c.Reconfigure(now, parseConfig(t, text))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return rep
	}
	status := func() map[string]CampaignStatus {
		out := map[string]CampaignStatus{}
		for _, st := range r.Core.Campaigns(r.Clock.Now()) {
			out[st.Name] = st
		}
		return out
	}
	// Changed while running, with a new campaign beside it.
	changed := strings.Replace(base, "mode: progressive", "mode: predictive", 1) + `  - name: autumn
    endpoint: sim/{number}
    mode: power
    ratio: 2
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    queues: [outbound]
    safe_harbour: [sound:safe-harbour]
`
	rep := reload(changed)
	if !slices.Contains(rep.NeedRestart, "campaign renewals") {
		t.Errorf("reload report %+v: want campaign renewals in need_restart", rep)
	}
	st := status()
	if st["renewals"].Mode != "progressive" || st["renewals"].State != CampaignRunning {
		t.Errorf("renewals after the reload: %+v; want it running progressive, as it dials", st["renewals"])
	}
	if st["autumn"].Mode != "power" {
		t.Errorf("the added campaign: %+v", st["autumn"])
	}
	// Removed while running: still listed, and it can be stopped.
	before, _, _ := strings.Cut(base, "campaigns:")
	rep = reload(before)
	if _, ok := status()["renewals"]; !ok || len(rep.NeedRestart) != 1 || !strings.HasPrefix(rep.NeedRestart[0], "campaign renewals removed") {
		t.Fatalf("renewals removed while running: report %+v, status %+v; want it named removed", rep, status())
	}
	if err := r.Do(func(c *Core, now time.Time) error { return c.StopCampaign(now, "renewals") }); err != nil {
		t.Errorf("stopping the removed campaign: %v", err)
	}
	// Stopped, it is not started again: the config no longer has it.
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); !errors.Is(err, ErrUnknownCampaign) {
		t.Errorf("starting the removed campaign once stopped: %v; want ErrUnknownCampaign", err)
	}
	// Put back, it starts, and the report says it is back.
	if rep := reload(base); !slices.Equal(rep.CampaignsBack, []string{"renewals"}) || !rep.Changed() {
		t.Errorf("renewals put back: report %+v; want it in campaigns_back", rep)
	}
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Errorf("starting renewals put back in the config: %v", err)
	}
}

// TestCampaignReloadAppliesAtNextStart: a started campaign keeps its
// settings under a reload; stopped and started again it takes them (they
// waited for a daemon restart, while the reload said they waited for the
// next start), its counts and abandonment window going on. While calls of
// its last run are in flight the start is refused, naming why.
func TestCampaignReloadAppliesAtNextStart(t *testing.T) {
	rig := newCampaignRig(t, "progressive", 1.5, "a1")
	r := rig.r
	do := func(f func(c *Core, now time.Time) error) error { return r.Do(f) }
	if err := do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	r.RunUntil(epoch.Add(10 * time.Second))
	if err := do(func(c *Core, now time.Time) error {
		_, err := c.Reconfigure(now, parseConfig(t, fmt.Sprintf(campaignConfig, "power", 2.0)))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	mode := func() (string, CampaignStats) {
		st := r.Core.Campaigns(r.Clock.Now())[0]
		return st.Mode, st.Stats
	}
	if m, _ := mode(); m != "progressive" {
		t.Fatalf("after the reload the running campaign is %s; want progressive still", m)
	}
	if err := do(func(c *Core, now time.Time) error { return c.StopCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	busy := do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") })
	if busy == nil {
		// Nothing was in flight at the stop: the start took the settings.
		t.Log("no call in flight at the stop")
	} else if !errors.Is(busy, ErrCampaignState) || !strings.Contains(busy.Error(), "new settings apply once the calls of its last run are over") {
		t.Fatalf("start with calls in flight: %v", busy)
	}
	r.RunUntil(epoch.Add(3 * time.Minute)) // the calls end
	_, before := mode()
	if busy != nil {
		if err := do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
			t.Fatal(err)
		}
	}
	m, after := mode()
	if m != "power" || after.Dialed < before.Dialed || before.Dialed == 0 {
		t.Errorf("started again: %s, dialed %d (before %d); want power, the counts going on", m, after.Dialed, before.Dialed)
	}
	if err := do(func(c *Core, now time.Time) error {
		if got := c.camps["renewals"].pacer.Options().Ratio; got != 2 {
			t.Errorf("the pacer's ratio %v; want the reload's 2", got)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
