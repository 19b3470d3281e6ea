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
