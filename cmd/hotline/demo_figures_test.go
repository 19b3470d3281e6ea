package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/kpi"
	"github.com/hotline-cc/hotline/configs"
	"github.com/hotline-cc/hotline/store"
)

// The demo's closing tables agree with figures computed independently from
// what it stored: the tables come from the engine's live counters, the
// check from the call records (kpi.TallyRecords) and the agents' state log
// (kpi.AgentTimes) in the bbolt file.
func TestDemoFiguresMatchStoredRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.db")
	code, out, errOut := hotline(t, nil, "demo", "--speed", "0", "--duration", "30m", "--plain", "--every", "30m",
		"--seed", "11", "--store", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	cfg, err := config.Parse(configs.Demo, "demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sl := map[string]time.Duration{}
	for _, q := range cfg.Queues {
		sl[q.Name] = q.ServiceLevel
	}
	db, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := db.CollectCalls(store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	changes, err := db.AgentChanges("", time.Time{}, time.Time{})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	byAgent := map[string][]store.AgentChange{}
	for _, ch := range changes {
		byAgent[ch.Agent] = append(byAgent[ch.Agent], ch)
	}
	// The demo starts at this instant and, after its 30 minutes, lets the
	// last calls finish for as long as its summary says.
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	var drain time.Duration
	if _, after, ok := strings.Cut(out, "Figures cover 30m0s of callers arriving, then "); ok {
		drain, _ = time.ParseDuration(strings.Fields(after)[0])
	}
	if drain <= 0 {
		t.Fatalf("the demo does not say how long the last calls took:\n%s", out)
	}
	end := start.Add(30*time.Minute + drain)
	if len(recs) < 20 {
		t.Fatalf("%d stored records; the demo should have handled many calls", len(recs))
	}
	tally := kpi.TallyRecords(recs, func(q string) time.Duration { return sl[q] })

	queueRows, agentRows := demoTables(t, out)
	if len(queueRows) != len(cfg.Queues) || len(agentRows) != len(cfg.Agents) {
		t.Fatalf("tables have %d queues and %d agents, config %d and %d:\n%s", len(queueRows), len(agentRows), len(cfg.Queues), len(cfg.Agents), out)
	}
	for name, row := range queueRows {
		q := kpi.Queue{}
		if w := tally.Queues[name]; w != nil {
			q = *w
		}
		f := q.Figures()
		want := fmt.Sprintf("%d %d %d %d %d %.1f%% in %s %s %s %.1f%% %s", q.Offered, q.Answered, q.Abandoned, q.Overflowed,
			q.Callbacks, f.ServiceLevel*100, sl[name], f.ASA.Round(time.Second), f.AHT.Round(time.Second), f.AbandonRate*100,
			q.MaxWait.Round(time.Second))
		if row != want {
			t.Errorf("queue %s: table says %q, the records %q", name, row, want)
		}
	}
	for id, row := range agentRows {
		a := kpi.Agent{}
		if w := tally.Agents[id]; w != nil {
			a = *w
		}
		// Logged-in and paused time come from the agents' state log.
		a.LoggedIn, a.Paused = kpi.AgentTimes(byAgent[id], start, end)
		f := a.Figures()
		want := fmt.Sprintf("%d %d %d %s %s %s %s %.1f%%", a.Offered, a.Answered, a.NoAnswer, a.Talk.Round(time.Second),
			a.WrapUp.Round(time.Second), a.Paused.Round(time.Second), f.AHT.Round(time.Second), f.Occupancy*100)
		if row != want {
			t.Errorf("agent %s: table says %q, the records %q", id, row, want)
		}
	}
}

// demoTables reads the closing Queues and Agents tables: name → the other
// columns, single-spaced.
func demoTables(t *testing.T, out string) (queues, agents map[string]string) {
	t.Helper()
	queues, agents = map[string]string{}, map[string]string{}
	var table map[string]string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case line == "Queues":
			table = queues
		case line == "Agents":
			table = agents
		case len(f) == 0:
			table = nil
		case table != nil && f[0] != "queue" && f[0] != "agent":
			table[f[0]] = strings.Join(f[1:], " ")
		}
	}
	if len(queues) == 0 || len(agents) == 0 {
		t.Fatalf("no closing tables in:\n%s", out)
	}
	return queues, agents
}
