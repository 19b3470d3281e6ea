package engine

import (
	"bytes"
	"testing"
	"time"
)

// TestCampaignLearnedSurvivesRestart: what a campaign's pacer learned of
// its answers and talks is saved with its progress (at once when it
// pauses) and a restarted daemon's pacer takes it back, instead of
// learning it all again as a new campaign does.
func TestCampaignLearnedSurvivesRestart(t *testing.T) {
	cfgText := cappedConfig("predictive", 1, abandonsCap)
	rig := newCampaignRigConfig(t, cfgText, "a1", "a2", "a3")
	r := rig.r
	if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.ServeLeads(rig.db, time.Second)
	r.RunUntil(epoch.Add(4 * time.Minute))
	if err := r.Do(func(c *Core, now time.Time) error { return c.PauseCampaign(now, "renewals") }); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(epoch.Add(8 * time.Minute)) // the calls in flight end, each saving the lead
	var live []byte
	var samples int
	var status CampaignLearned
	if err := r.Do(func(c *Core, now time.Time) error {
		p := c.camps["renewals"].pacer
		live, samples = p.MarshalLearned(), p.DialSamples()
		status = *c.Campaigns(now)[0].Learned
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	saved, ok, err := rig.db.CampaignLearned("renewals")
	if err != nil || !ok {
		t.Fatalf("nothing learned saved: %v, %v\n%s", ok, err, rig.trace)
	}
	if samples == 0 || !bytes.Equal(saved.Pacer, live) {
		t.Fatalf("saved %d bytes, the paused pacer has %d (%d dial outcomes): the last save is not the pacer as it paused", len(saved.Pacer), len(live), samples)
	}

	r2 := rig.start(t, cfgText, []string{"a1", "a2", "a3"})
	r2.Clock.RunUntil(epoch.Add(8 * time.Minute))
	back, err := ReadCampaigns(rig.db, r2.Core.opts.Config, r2.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := r2.Do(func(c *Core, now time.Time) error {
		c.RestoreCampaigns(now, back)
		p := c.camps["renewals"].pacer
		if got := p.MarshalLearned(); !bytes.Equal(got, live) || p.DialSamples() != samples {
			t.Errorf("restored pacer: %d dial outcomes, %d bytes; want %d, %d", p.DialSamples(), len(got), samples, len(live))
		}
		if got := *c.Campaigns(now)[0].Learned; got != status || got.Dials == 0 || got.Talks == 0 || got.AnswerRate <= 0 || got.MeanTalk <= 0 {
			t.Errorf("status after the restart: %+v; before it %+v", got, status)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// Figures that cannot be read are named, and the campaign goes on
	// learning afresh.
	rig.trace.Reset()
	back[0].Learned.Pacer = []byte{9}
	r3 := rig.start(t, cfgText, []string{"a1"})
	r3.Clock.RunUntil(epoch.Add(8 * time.Minute))
	if err := r3.Do(func(c *Core, now time.Time) error {
		c.RestoreCampaigns(now, back)
		if n := c.camps["renewals"].pacer.DialSamples(); n != 0 || c.camps["renewals"].state != CampaignPaused {
			t.Errorf("after unreadable figures: %d dial outcomes, %s; want 0, paused", n, c.camps["renewals"].state)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains([]byte(rig.trace.String()), []byte("what its pacer learned is lost (dialer: learned figures unreadable: version 9")) {
		t.Errorf("no warning of the lost figures:\n%s", rig.trace)
	}
}
