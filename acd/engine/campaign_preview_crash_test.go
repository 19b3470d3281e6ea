package engine

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/store"
)

const previewCrashEnv = "HOTLINE_PREVIEW_CRASH_CHILD"

// previewCrashConfig: a1 dials every lead shown; a2 never decides and its
// lead is held for it 20 s, longer than a round.
const previewCrashConfig = `
queues:
  - {name: outbound, wrap_up: 1s, ring_timeout: 5s}
agents:
  - {id: a1, endpoint: sim/a1, queues: [{queue: outbound}]}
  - {id: a2, endpoint: sim/a2, queues: [{queue: outbound}]}
campaigns:
  - name: renewals
    endpoint: sim/{number}
    caller_id: "+15550000000"
    mode: preview
    preview_timeout: 20s
    ring_timeout: 2s
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    lead_hours: "00:00-24:00"
    retry: {max_attempts: 3, busy: 1s, no_answer: 1s, failed: 1s}
    queues: [outbound]
    safe_harbour: [sound:safe-harbour]
`

// TestCampaignPreviewCrashChild is the daemon TestCampaignPreviewSurvivesKill
// kills: the runtime in real time on the simulator, a1 dialing every lead
// it is shown, printing the engine's trace.
func TestCampaignPreviewCrashChild(t *testing.T) {
	db, saved, fail := openCrashChild(t, previewCrashEnv, "TestCampaignPreviewSurvivesKill")
	sw, err := sim.New(sim.Options{Seed: time.Now().UnixNano(), Speed: 1, Latency: 5 * time.Millisecond})
	if err != nil {
		fail("sim", err)
	}
	for _, a := range []string{"sim/a1", "sim/a2"} {
		_ = sw.SetPhone(a, answers(100*time.Millisecond, time.Hour))
	}
	for i := range crashLeads {
		_ = sw.SetPhone(fmt.Sprintf("sim/%s%04d", campaignCrashLead, i),
			farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 200 * time.Millisecond, HangupAfter: time.Second})
	}
	ctx, rt := startCampaignChild(t, previewCrashConfig, db, saved, sw, fail, "a1", "a2")
	if _, err := Send(ctx, rt, CampaignControl{Campaign: "renewals", Action: CampaignStart}); err != nil {
		fail("start campaign", err)
	}
	for range time.Tick(50 * time.Millisecond) {
		st, err := Send(ctx, rt, GetStatus{})
		if err != nil {
			fail("status", err)
		}
		for _, a := range st.Agents {
			if a.ID == "a1" && a.Preview != nil {
				_, _ = Send(ctx, rt, PreviewDecision{Agent: "a1", Dial: true})
			}
		}
	}
}

var previewShownRe = regexp.MustCompile(`campaign renewals: lead (\S+) shown to (a\d)`)

// TestCampaignPreviewSurvivesKill kills a preview campaign with SIGKILL
// three times, each once a1 dialed two leads and a2 is shown one it never
// decides. After each kill the store holds a2's lead for a2; the next run
// shows a2 that same lead first; across all runs no lead is dialed twice
// for the same attempt and no lead held for a2 is shown to a1.
func TestCampaignPreviewSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	path := crashLeadStore(t)
	dialed := map[string]int{} // lead/attempt → runs that dialed it
	held := ""                 // the lead the store holds for a2 after the last kill
	for round := range 3 {
		dials, shownA2 := 0, ""
		var firstA2 string
		lines := runChildUntil(t, "TestCampaignPreviewCrashChild", []string{previewCrashEnv + "=" + path}, func(line string) bool {
			if m := previewShownRe.FindStringSubmatch(line); m != nil && m[2] == "a2" {
				shownA2 = m[1]
				if firstA2 == "" {
					firstA2 = m[1]
				}
			}
			if shownA2 != "" && crashDialRe.MatchString(line) {
				dials++
			}
			return dials >= 2
		})
		for _, line := range lines {
			if m := crashDialRe.FindStringSubmatch(line); m != nil {
				dialed[m[1]+"/"+m[2]]++
			}
			if m := previewShownRe.FindStringSubmatch(line); m != nil && m[2] == "a1" && m[1] == held {
				t.Errorf("round %d: lead %s, held for a2, shown to a1", round, held)
			}
		}
		if held != "" && firstA2 != held {
			t.Errorf("round %d: a2 first shown %s; want %s, held for a2 at the kill", round, firstA2, held)
		}
		db, err := store.Open(path, store.Options{})
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		held = ""
		now := time.Now()
		if err := db.CampaignLeads("renewals", func(l campaign.Lead) bool {
			if l.ReservedFor(now) == "a2" {
				held = l.ID
			}
			return true
		}); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if held != shownA2 {
			t.Errorf("round %d: the store holds %q for a2; a2 was shown %s", round, held, shownA2)
		}
		for k, n := range dialed {
			if n > 1 {
				t.Errorf("round %d: lead/attempt %s dialed %d times", round, k, n)
			}
		}
		t.Logf("round %d: a2 shown %s; %d (lead, attempt) dialed so far", round, shownA2, len(dialed))
	}
}
