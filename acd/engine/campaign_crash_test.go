package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/store"
)

const (
	campaignCrashEnv  = "HOTLINE_CAMPAIGN_CRASH_CHILD"
	campaignCrashLead = "+3314100"
)

// campaignCrashConfig is one agent under a power campaign of three calls
// per free agent: dials ring, answer, abandon and retry within seconds. Its
// cap is high (90 %), or power would not dial ahead in so short a run.
const campaignCrashConfig = `
queues:
  - {name: outbound, wrap_up: 1s, ring_timeout: 5s}
agents:
  - {id: a1, endpoint: sim/a1, queues: [{queue: outbound}]}
campaigns:
  - name: renewals
    endpoint: sim/{number}
    caller_id: "+15550000000"
    mode: power
    ratio: 3
    abandon_cap: 0.9
    ring_timeout: 2s
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    lead_hours: "00:00-24:00"
    retry: {max_attempts: 3, busy: 1s, no_answer: 1s, failed: 1s}
    queues: [outbound]
    safe_harbour: [sound:safe-harbour]
`

// crashLeadPhone is how lead number i behaves: two in three answer (the
// calls power dials ahead for one agent then find it taken), the others
// are busy or never answer.
func crashLeadPhone(i int) farend.Phone {
	switch {
	case i%3 != 2:
		return farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 200 * time.Millisecond, HangupAfter: 1500 * time.Millisecond}
	case i%2 == 0:
		return farend.Phone{Mode: farend.PhoneBusy}
	}
	return farend.Phone{Mode: farend.PhoneNoAnswer}
}

const crashLeads = 60

// TestCampaignCrashChild is the daemon TestCampaignSurvivesKill kills: the
// runtime in real time on the simulator, with the store file the parent
// filled, printing the engine's trace. It starts the campaign only when
// told to; later runs must pick it up from the store.
func TestCampaignCrashChild(t *testing.T) {
	db, saved, fail := openCrashChild(t, campaignCrashEnv, "TestCampaignSurvivesKill")
	sw, err := sim.New(sim.Options{Seed: time.Now().UnixNano(), Speed: 1, Latency: 5 * time.Millisecond})
	if err != nil {
		fail("sim", err)
	}
	_ = sw.SetPhone("sim/a1", answers(100*time.Millisecond, time.Hour))
	for i := range crashLeads {
		_ = sw.SetPhone(fmt.Sprintf("sim/%s%04d", campaignCrashLead, i), crashLeadPhone(i))
	}
	ctx, rt := startCampaignChild(t, campaignCrashConfig, db, saved, sw, fail, "a1")
	if os.Getenv(campaignCrashEnv+"_START") != "" {
		if _, err := Send(ctx, rt, CampaignControl{Campaign: "renewals", Action: CampaignStart}); err != nil {
			fail("start campaign", err)
		}
	}
	select {}
}

var (
	crashDialRe     = regexp.MustCompile(`campaign renewals: dial lead (\S+) attempt (\d+)`)
	crashRestoredRe = regexp.MustCompile(`campaign renewals restored (\w+); (\d+) abandoned of (\d+) live answers`)
)

// TestCampaignSurvivesKill kills a dialing campaign with SIGKILL three
// times, right after a dial went out. Every run after the first picks the
// campaign up running without being told, with the abandonment counts the
// store held; across all runs no lead is dialed twice for the same
// attempt, and the store knew of every attempt placed before it was
// placed.
func TestCampaignSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	path := crashLeadStore(t)
	dialed := map[string]int{} // lead/attempt → runs that dialed it
	var wantLive, wantAbandoned int
	for round := range 3 {
		lines := runCampaignUntilKilled(t, path, round == 0, 8)
		restored := false
		for _, line := range lines {
			if m := crashRestoredRe.FindStringSubmatch(line); m != nil {
				restored = true
				ab, _ := strconv.Atoi(m[2])
				live, _ := strconv.Atoi(m[3])
				if m[1] != string(CampaignRunning) || ab != wantAbandoned || live != wantLive {
					t.Errorf("round %d: %q; want running, %d abandoned of %d live answers", round, line, wantAbandoned, wantLive)
				}
			}
			if m := crashDialRe.FindStringSubmatch(line); m != nil {
				dialed[m[1]+"/"+m[2]]++
			}
		}
		if round > 0 && !restored {
			t.Errorf("round %d: the campaign was not picked up from the store", round)
		}

		db, err := store.Open(path, store.Options{})
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		attempts := map[string]int{}
		if err := db.CampaignLeads("renewals", func(l campaign.Lead) bool { attempts[l.ID] = l.Attempts; return true }); err != nil {
			t.Fatal(err)
		}
		for k, n := range dialed {
			if n > 1 {
				t.Errorf("round %d: lead/attempt %s dialed %d times", round, k, n)
			}
			id, a, _ := strings.Cut(k, "/")
			if at, _ := strconv.Atoi(a); attempts[id] < at {
				t.Errorf("round %d: lead %s attempt %d was dialed, the store counts %d attempts", round, id, at, attempts[id])
			}
		}
		progress, err := db.CampaignProgress()
		if err != nil || len(progress) != 1 || progress[0].State != campaign.Running {
			t.Errorf("round %d: saved progress %+v, %v; want renewals running", round, progress, err)
		}
		hours, err := db.CampaignHours("renewals", time.Now().Add(-720*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		wantLive, wantAbandoned = 0, 0
		for _, h := range hours {
			wantLive += h.Live
			wantAbandoned += h.Abandoned
		}
		db.Close()
		t.Logf("round %d: %d (lead, attempt) dialed so far; store: %d abandoned of %d live answers", round, len(dialed), wantAbandoned, wantLive)
	}
	if wantAbandoned == 0 {
		t.Error("no abandon was ever counted: the window's restore went untested")
	}
}

// runCampaignUntilKilled runs the child until it dialed n leads, kills it
// with SIGKILL at once and returns its output.
func runCampaignUntilKilled(t *testing.T, path string, start bool, n int) []string {
	t.Helper()
	env := []string{campaignCrashEnv + "=" + path}
	if start {
		env = append(env, campaignCrashEnv+"_START=1")
	}
	dials := 0
	return runChildUntil(t, "TestCampaignCrashChild", env, func(line string) bool {
		if crashDialRe.MatchString(line) {
			dials++
		}
		return dials >= n
	})
}

// crashLeadStore is a new store file with crashLeads leads of renewals.
func crashLeadStore(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hotline.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	leads := make([]campaign.Lead, crashLeads)
	for i := range leads {
		leads[i] = campaign.Lead{Campaign: "renewals", Phone: fmt.Sprintf("%s%04d", campaignCrashLead, i)}
	}
	if _, err := db.ImportLeads(leads); err != nil {
		t.Fatal(err)
	}
	return path
}

// startCampaignChild runs a crash test child's runtime on db and sw,
// printing the engine's trace, with agents logged in and the hoppers
// served.
func startCampaignChild(t *testing.T, cfgText string, db *store.DB, saved Saved, sw *sim.Switch, fail func(string, error), agents ...string) (context.Context, *Runtime) {
	rt, err := NewRuntime(RunOptions{Core: Options{Config: parseConfig(t, cfgText), Store: db, IDPrefix: fmt.Sprint(time.Now().UnixNano()),
		Trace: func(_ time.Time, line string) { fmt.Printf("trace %s\n", line) }},
		Switch: sw, Log: zerolog.Nop(), Now: sw.Now, Saved: &saved})
	if err != nil {
		fail("runtime", err)
	}
	ctx := context.Background()
	go func() { fail("run", rt.Run(ctx)) }()
	if err := sw.Start(ctx); err != nil {
		fail("start", err)
	}
	for _, a := range agents {
		if _, err := Send(ctx, rt, Login{Agent: a}); err != nil && !strings.Contains(err.Error(), "already") {
			fail("login", err)
		}
	}
	go func() { fail("leads", rt.ServeLeads(ctx, db, 50*time.Millisecond)) }()
	return ctx, rt
}

// TestCampaignCountsSurviveKill kills a dialing campaign with SIGKILL at
// random points, four times, and checks the store after each kill and
// each restart: every dial counted is either a lead still Dialing (settled
// by the next restart) or counted in exactly one outcome, and every
// settled dial is one call record of its lead and attempt; the dials a
// restart settled have records that say so (cut by the switch's restart:
// the simulated switch restarts with the killed process).
func TestCampaignCountsSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	path := crashLeadStore(t)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	var open []campaign.Lead // left Dialing by the last kill
	for round := range 4 {
		n := 1 + rng.IntN(12)
		runCampaignUntilKilled(t, path, round == 0, n)
		db, err := store.Open(path, store.Options{})
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		leads := map[string]campaign.Lead{}
		var dialing []campaign.Lead
		if err := db.CampaignLeads("renewals", func(l campaign.Lead) bool {
			leads[l.ID] = l
			if l.State == campaign.Dialing {
				dialing = append(dialing, l)
			}
			return true
		}); err != nil {
			t.Fatal(err)
		}
		records := map[string]store.CallRecord{} // by "lead attempt"
		for rec, err := range db.Calls(store.Filter{Direction: acd.DirectionOutbound}) {
			if err != nil {
				t.Fatal(err)
			}
			var id string
			var attempt int
			if _, err := fmt.Sscanf(rec.Timeline[0].Detail, "campaign=renewals lead=%s attempt=%d", &id, &attempt); err != nil {
				t.Fatalf("round %d: record %s: %q: %v", round, rec.ID, rec.Timeline[0].Detail, err)
			}
			k := fmt.Sprintf("%s %d", id, attempt)
			if _, dup := records[k]; dup {
				t.Errorf("round %d: lead %s attempt %d has two records", round, id, attempt)
			}
			records[k] = rec
		}
		progress, err := db.CampaignProgress()
		db.Close()
		if err != nil || len(progress) != 1 {
			t.Fatalf("round %d: saved progress %+v, %v", round, progress, err)
		}
		st := progress[0].Counts
		outcomes := st.Busy + st.NoAnswer + st.Failed + st.Machine + st.Answered + st.SwitchShutdown
		if st.Dialed != outcomes+len(dialing) {
			t.Errorf("round %d: %d dialed, %d in outcomes (%+v) and %d leads still dialing", round, st.Dialed, outcomes, st, len(dialing))
		}
		attempts := 0
		for _, l := range leads {
			for a := 1; a <= l.Attempts; a++ {
				rec, ok := records[fmt.Sprintf("%s %d", l.ID, a)]
				last := a == l.Attempts && l.State == campaign.Dialing
				switch {
				case !ok:
					t.Errorf("round %d: lead %s attempt %d has no call record", round, l.ID, a)
				case last && rec.Outcome != acd.OutcomeInProgress:
					t.Errorf("round %d: lead %s attempt %d still dialing has a closed record: %q", round, l.ID, a, rec.Outcome)
				}
			}
			attempts += l.Attempts
		}
		if st.Dialed != attempts || len(records) != st.Dialed {
			t.Errorf("round %d: %d dialed, %d attempts on the leads, %d records, %d dialing", round, st.Dialed, attempts, len(records), len(dialing))
		}
		for _, l := range open {
			rec := records[fmt.Sprintf("%s %d", l.ID, l.Attempts)]
			// The simulated switch lives in the child: it restarted with
			// it, after the dial, and its start says so (switch-shutdown).
			if rec.Cause != causeSwitchShutdown || rec.Outcome != acd.OutcomeFailed || rec.Timeline[len(rec.Timeline)-1].Kind != "settled-at-restart" {
				t.Errorf("round %d: lead %s attempt %d left dialing by the kill: record %q outcome %q cause %q; want failed, settled at restart, cut by the switch's restart", round, l.ID, l.Attempts, rec.ID, rec.Outcome, rec.Cause)
			}
		}
		t.Logf("round %d: killed after %d dials; %+v; %d records, %d left dialing", round, n, st, len(records), len(dialing))
		open = dialing
	}
}
