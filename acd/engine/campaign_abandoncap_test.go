package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// TestCampaignPausesOverAbandonCap: a progressive campaign whose one
// agent's phone answers 4 s after it rings, with connect_within 2 s,
// abandons every lead it connects, however slowly it dials. Under a 3 %
// cap the engine pauses it at the second abandon, long before the 34 live
// answers (ceil(1/cap)) in which one abandon alone would be within the
// cap: no 34 answers can hold two. The reason names the rate, the cap and
// the late agent phones; it dials no more, stays paused across a restart
// with its reason, and after an admin's resume the next abandon pauses it
// again. A campaign whose first answer alone was abandoned (the agent's
// phone fixed after it) keeps dialing: one abandon is not a rate, even
// under a 25 % cap and after more answers than ceil(1/cap).
func TestCampaignPausesOverAbandonCap(t *testing.T) {
	for _, tc := range []struct {
		name       string
		abandonCap float64
		fixedAt    time.Duration // when a1's phone answers in 500 ms again; 0 = never
		paused     bool
	}{
		{name: "agent phone answers late", abandonCap: 0.03, paused: true},
		{name: "a single early abandon", abandonCap: 0.25, fixedAt: 10 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			abandonCap := tc.abandonCap
			cfgText := cappedConfig("progressive", 1, abandonCap)
			rig := newCampaignRigConfig(t, cfgText, "a1")
			r := rig.r
			late := farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 4 * time.Second}
			if err := r.Switch.SetPhone("sim/a1", late); err != nil {
				t.Fatal(err)
			}
			if err := r.Do(func(c *Core, now time.Time) error { return c.StartCampaign(now, "renewals") }); err != nil {
				t.Fatal(err)
			}
			r.ServeLeads(rig.db, time.Second)
			if tc.fixedAt > 0 {
				r.RunUntil(epoch.Add(tc.fixedAt))
				if err := r.Switch.SetPhone("sim/a1", farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 500 * time.Millisecond}); err != nil {
					t.Fatal(err)
				}
			}
			r.RunUntil(epoch.Add(15 * time.Minute))
			st := r.Core.Campaigns(r.Clock.Now())[0]
			if !tc.paused {
				if st.State != CampaignRunning || st.PausedBecause != "" || st.Stats.Abandoned != 1 || st.Stats.Connected < minCapAnswers(abandonCap) {
					t.Fatalf("want running with 1 abandoned and at least %d connected: %+v\n%s", minCapAnswers(abandonCap), st, rig.trace)
				}
				if n := r.Core.Warnings()["campaign-abandon-cap"]; n != 0 {
					t.Errorf("%d abandon-cap warnings", n)
				}
				return
			}
			if st.State != CampaignPaused || st.Stats.Abandoned != 2 || st.Stats.Connected != 0 {
				t.Fatalf("want paused at the second abandon, of two answers: %+v\n%s", st, rig.trace)
			}
			for _, want := range []string{"abandon rate 100.0%", "(2 of 2 live answers", "cap of 3.0%", "connect_within (2s)", "answer automatically"} {
				if !strings.Contains(st.PausedBecause, want) {
					t.Errorf("reason %q lacks %q", st.PausedBecause, want)
				}
			}
			if n := r.Core.Warnings()["campaign-abandon-cap"]; n != 1 {
				t.Errorf("%d abandon-cap warnings, want 1", n)
			}
			dialed := st.Stats.Dialed
			r.RunUntil(epoch.Add(20 * time.Minute))
			if n := r.Core.Campaigns(r.Clock.Now())[0].Stats.Dialed; n != dialed {
				t.Fatalf("the paused campaign dialed %d more", n-dialed)
			}

			// A restart finds it paused, with its reason.
			r2 := rig.start(t, cfgText, []string{"a1"})
			if err := r2.Switch.SetPhone("sim/a1", late); err != nil {
				t.Fatal(err)
			}
			r2.Clock.RunUntil(epoch.Add(20 * time.Minute))
			saved, err := ReadCampaigns(rig.db, r2.Core.opts.Config, r2.Clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			if err := r2.Do(func(c *Core, now time.Time) error { c.RestoreCampaigns(now, saved); return nil }); err != nil {
				t.Fatal(err)
			}
			r2.ServeLeads(rig.db, time.Second)
			if after := r2.Core.Campaigns(r2.Clock.Now())[0]; after.State != CampaignPaused || after.PausedBecause != st.PausedBecause {
				t.Fatalf("after a restart: %s %q; want paused %q", after.State, after.PausedBecause, st.PausedBecause)
			}

			// An admin's resume dials again; still over the cap, the next
			// abandon pauses it again.
			if err := r2.Do(func(c *Core, now time.Time) error { return c.ResumeCampaign(now, "renewals") }); err != nil {
				t.Fatal(err)
			}
			if got := r2.Core.Campaigns(r2.Clock.Now())[0]; got.State != CampaignRunning || got.PausedBecause != "" {
				t.Fatalf("resumed: %s %q", got.State, got.PausedBecause)
			}
			r2.RunUntil(epoch.Add(40 * time.Minute))
			again := r2.Core.Campaigns(r2.Clock.Now())[0]
			if again.State != CampaignPaused || again.Stats.Abandoned != st.Stats.Abandoned+1 || !strings.Contains(again.PausedBecause, "abandon rate") {
				t.Fatalf("after the resume, want paused again at one more abandon: %+v\n%s", again, rig.trace)
			}
		})
	}
}
