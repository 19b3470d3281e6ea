package report

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/store"
)

// lastChanges is Source.LastAgentChanges over a log read in time order.
func lastChanges(log []store.AgentChange, agents []string) map[string]store.AgentChange {
	out := map[string]store.AgentChange{}
	for _, ch := range log {
		for _, a := range agents {
			if ch.Agent == a {
				out[a] = ch
			}
		}
	}
	return out
}

func (m memSource) LastAgentChanges(agents []string, before time.Time) (map[string]store.AgentChange, error) {
	log, err := m.AgentChanges("", time.Time{}, before)
	return lastChanges(log, agents), err
}

// changeStore is a store in a temporary directory holding log.
func changeStore(t *testing.T, log []store.AgentChange) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "hotline.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Apply(func(tx *store.Tx) error {
		for i := range log {
			if err := tx.SaveAgentChange(&log[i]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return db
}

// An agent's time before its first change in the period is in the state
// its last change before the period left it in, read however long ago it
// was; an agent with no change before (logged in by the config, whose login
// was never logged) counts from its first change.
func TestAgentStateBeforeFirstChange(t *testing.T) {
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	h := func(n float64) time.Time { return day.Add(time.Duration(n * float64(time.Hour))) }
	log := []store.AgentChange{
		{Agent: "bob", At: h(-72), From: acd.LoggedOut, To: acd.Available, Cause: acd.CauseLogin},
		{Agent: "cy", At: h(-71), From: acd.LoggedOut, To: acd.Available, Cause: acd.CauseLogin},
		{Agent: "cy", At: h(-70), From: acd.Available, To: acd.LoggedOut, Cause: acd.CauseLogout},
		{Agent: "dee", At: h(-48), From: acd.Available, To: acd.Paused, Cause: acd.CausePause, Reason: "lunch"},
		{Agent: "ann", At: h(9), From: acd.Available, To: acd.Ringing, Cause: acd.CauseOffer},
		{Agent: "ann", At: h(9.5), From: acd.Ringing, To: acd.Available, Cause: acd.CauseOfferEnd},
		{Agent: "dee", At: h(1), From: acd.Paused, To: acd.Available, Cause: acd.CauseReady},
		{Agent: "bob", At: h(10), From: acd.Available, To: acd.Paused, Cause: acd.CausePause, Reason: "break"},
		{Agent: "cy", At: h(8), From: acd.LoggedOut, To: acd.Available, Cause: acd.CauseLogin},
	}
	db := changeStore(t, log)
	want := map[string]struct{ loggedIn, paused time.Duration }{
		"ann": {15 * time.Hour, 0},              // from its first-ever change at 9:00
		"bob": {24 * time.Hour, 14 * time.Hour}, // available since three days
		"cy":  {16 * time.Hour, 0},              // logged out two days before, back at 8:00
		"dee": {24 * time.Hour, time.Hour},
	}
	sources := map[string]Source{"store": db, "memory": memSource{changes: log}}
	for name, src := range sources {
		r, skipped, err := Build(src, Options{From: day, To: day.Add(24 * time.Hour), Interval: IntervalDay})
		if err != nil || skipped != 0 {
			t.Fatalf("%s: skipped %d, %v", name, skipped, err)
		}
		if len(r.Totals.Agents) != len(want) {
			t.Errorf("%s: %d agent rows, want %d: %+v", name, len(r.Totals.Agents), len(want), r.Totals.Agents)
		}
		for _, a := range r.Totals.Agents {
			w := want[a.Agent]
			if a.LoggedIn.Duration() != w.loggedIn || a.Paused.Duration() != w.paused {
				t.Errorf("%s: %s logged in %v paused %v, want %v and %v", name, a.Agent, a.LoggedIn.Duration(), a.Paused.Duration(), w.loggedIn, w.paused)
			}
		}
		if dee := r.Totals.Agents[3]; dee.Pauses["lunch"] != Seconds(3600) {
			t.Errorf("%s: dee's pauses %v, want an hour of lunch", name, dee.Pauses)
		}
	}
}

// The last change before a time is found per agent, however far back.
func TestLastAgentChangesReadsBack(t *testing.T) {
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	log := []store.AgentChange{
		{Agent: "ann", At: day.AddDate(0, 0, -30), From: acd.LoggedOut, To: acd.Available},
		{Agent: "ann", At: day.AddDate(0, 0, -29), From: acd.Available, To: acd.Paused, Reason: "training"},
		{Agent: "bob", At: day.Add(-time.Minute), From: acd.LoggedOut, To: acd.Available},
		{Agent: "ann", At: day, From: acd.Paused, To: acd.Available},
	}
	got, err := changeStore(t, log).LastAgentChanges([]string{"ann", "bob", "cy"}, day)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["ann"].Reason != "training" || got["bob"].To != acd.Available {
		t.Errorf("last changes before %s: %+v", day, got)
	}
}

func (m monthCenter) LastAgentChanges(agents []string, before time.Time) (map[string]store.AgentChange, error) {
	log, err := m.AgentChanges("", time.Time{}, before)
	return lastChanges(log, agents), err
}

// An agent with no change in the period, nor in the Lookback before it,
// has a row for the whole period in the state its last change left it in:
// ready since days before, or paused all day. One logged out, or never
// logged, has none. The store lists its agents itself; a Source that does
// not is told them by Options.Agents.
func TestAgentWithoutChangeInPeriod(t *testing.T) {
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	h := func(n float64) time.Time { return day.Add(time.Duration(n * float64(time.Hour))) }
	log := []store.AgentChange{
		{Agent: "eve", At: h(-60), From: acd.LoggedOut, To: acd.Available, Cause: acd.CauseLogin},
		{Agent: "fay", At: h(-50), From: acd.LoggedOut, To: acd.Available, Cause: acd.CauseLogin},
		{Agent: "fay", At: h(-40), From: acd.Available, To: acd.Paused, Cause: acd.CausePause, Reason: "training"},
		{Agent: "gus", At: h(-35), From: acd.LoggedOut, To: acd.Available, Cause: acd.CauseLogin},
		{Agent: "gus", At: h(-30), From: acd.Available, To: acd.LoggedOut, Cause: acd.CauseLogout},
		{Agent: "ivy", At: h(-2), From: acd.LoggedOut, To: acd.Available, Cause: acd.CauseLogin}, // in the lookback
		{Agent: "ivy", At: h(12), From: acd.Available, To: acd.LoggedOut, Cause: acd.CauseLogout},
	}
	db := changeStore(t, log)
	for _, id := range []string{"eve", "fay", "gus", "hal", "ivy"} {
		if err := db.SaveAgent(&store.AgentState{ID: id, State: acd.Available}); err != nil {
			t.Fatal(err)
		}
	}
	type want struct {
		loggedIn, available, paused time.Duration
		rows                        int // hourly rows
	}
	wants := map[string]want{
		"eve": {24 * time.Hour, 24 * time.Hour, 0, 24},
		"fay": {24 * time.Hour, 0, 24 * time.Hour, 24},
		"ivy": {12 * time.Hour, 12 * time.Hour, 0, 12},
	}
	cases := []struct {
		name   string
		src    Source
		agents []string
	}{
		{"store", db, nil},
		{"memory", memSource{changes: log}, []string{"hal", "gus", "fay", "eve", "eve"}},
	}
	for _, tc := range cases {
		r, skipped, err := Build(tc.src, Options{From: day, To: day.Add(24 * time.Hour), Interval: IntervalHour, Agents: tc.agents})
		if err != nil || skipped != 0 {
			t.Fatalf("%s: skipped %d, %v", tc.name, skipped, err)
		}
		var got []string
		for _, a := range r.Totals.Agents {
			got = append(got, a.Agent)
			w, ok := wants[a.Agent]
			if !ok {
				t.Errorf("%s: a row for %s: %+v", tc.name, a.Agent, a)
				continue
			}
			if a.LoggedIn.Duration() != w.loggedIn || a.Available.Duration() != w.available || a.Paused.Duration() != w.paused {
				t.Errorf("%s: %s logged in %v, available %v, paused %v; want %v, %v, %v", tc.name, a.Agent,
					a.LoggedIn.Duration(), a.Available.Duration(), a.Paused.Duration(), w.loggedIn, w.available, w.paused)
			}
			if a.Agent == "fay" && a.Pauses["training"] != Seconds(24*3600) {
				t.Errorf("%s: fay's pauses %v, want the day in training", tc.name, a.Pauses)
			}
		}
		if len(got) != len(wants) {
			t.Errorf("%s: rows for %v, want eve, fay and ivy", tc.name, got)
		}
		hourly := map[string]int{}
		for _, a := range r.Rows.Agents {
			hourly[a.Agent]++
		}
		for id, w := range wants {
			if hourly[id] != w.rows {
				t.Errorf("%s: %s has %d hourly rows, want %d", tc.name, id, hourly[id], w.rows)
			}
		}
	}
}
