package report_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/report"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/store"
)

// The queue_log written live while the engine runs holds the same lines
// as the one exported afterwards from the store.
func TestLiveQueueLogMatchesExport(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "h.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	live, err := report.OpenLiveQueueLog(filepath.Join(dir, "queue_log"), db)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("pbx: {type: sim}\nentries: [{number: \"100\", queue: q}]\n")
	b.WriteString("queues: [{name: q, service_level: 20s, wrap_up: 5s, max_wait: 3m, ring_timeout: 10s}]\nagents:\n")
	for i := range 4 {
		fmt.Fprintf(&b, "  - {id: a%d, endpoint: sim/a%d, logged_in: true, queues: [{queue: q}]}\n", i, i)
	}
	cfg, err := config.Parse([]byte(b.String()), "live.yaml")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	end := start.Add(2 * time.Hour)
	r, err := engine.NewSimRun(engine.SimOptions{
		Core:  engine.Options{Config: cfg, Store: live, Seed: 3},
		Start: start,
		Sim:   sim.Options{Seed: 3, Phones: config.SimAgentPhone{AnswerDelay: 3 * time.Second, NoAnswerRate: 0.1, TalkTime: 2 * time.Minute}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Switch.StartTraffic(sim.Traffic{Entries: []string{"100"}, RatePerMinute: 2, Patience: 90 * time.Second, Until: end}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(start.Add(30 * time.Minute))
	if err := r.Do(func(c *engine.Core, now time.Time) error { return c.Pause(now, "a1", "lunch") }); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(start.Add(time.Hour))
	if err := r.Do(func(c *engine.Core, now time.Time) error { return c.Ready(now, "a1") }); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(end.Add(30 * time.Minute))
	// A disposition saves an ended call's record again: no line is repeated.
	recs, err := db.CollectCalls(store.Filter{Outcome: "answered", Limit: 1})
	if err != nil || len(recs) == 0 {
		t.Fatal(err, len(recs))
	}
	if err := r.Do(func(c *engine.Core, now time.Time) error { return c.Disposition(now, recs[0].ID, "sale", "") }); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(end.Add(31 * time.Minute))
	if err := live.Close(); err != nil || live.Err() != nil {
		t.Fatal(err, live.Err())
	}
	liveText, err := os.ReadFile(filepath.Join(dir, "queue_log"))
	if err != nil {
		t.Fatal(err)
	}
	var exported bytes.Buffer
	if _, _, err := report.WriteQueueLog(&exported, db, start, end.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	sorted := func(s string) []string {
		lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
		slices.Sort(lines)
		return lines
	}
	got, want := sorted(string(liveText)), sorted(exported.String())
	events := map[string]int{}
	for _, l := range want {
		events[strings.Split(l, "|")[4]]++
	}
	if events["ENTERQUEUE"] < 100 || events["RINGNOANSWER"] == 0 || events["ABANDON"] == 0 || events["PAUSE"] == 0 || events["CONNECT"] == 0 {
		t.Fatalf("the run should have every kind of line: %v", events)
	}
	if !slices.Equal(got, want) {
		for i := 0; i < len(got) || i < len(want); i++ {
			var g, w string
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			if g != w {
				t.Fatalf("live log (%d lines) and export (%d lines) differ at sorted line %d:\nlive:   %s\nexport: %s", len(got), len(want), i, g, w)
			}
		}
	}
}
