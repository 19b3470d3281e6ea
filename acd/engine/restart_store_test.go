package engine

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/internal/storetest"
	"github.com/hotline-cc/hotline/store"
)

// An agent's saved state that cannot be decoded is rebuilt from its last
// logged change: alice, paused for lunch, comes back paused for lunch since
// then, not logged out (or logged in by the config and offered calls). The
// unreadable record is still reported.
func TestLoadSavedRebuildsUnreadableAgentFromChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	paused := epoch.Add(time.Minute)
	err = db.Write([]store.Op{
		store.PutAgent(&store.AgentState{ID: "alice", State: acd.Paused, PauseReason: "lunch", Since: paused, LoggedInAt: epoch}),
		store.PutAgentChange(&store.AgentChange{Agent: "alice", At: epoch, Seq: 1, From: acd.LoggedOut, To: acd.Available, Cause: acd.CauseLogin}),
		store.PutAgentChange(&store.AgentChange{Agent: "alice", At: paused, Seq: 2, From: acd.Available, To: acd.Paused, Cause: acd.CausePause, Reason: "lunch"}),
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	storetest.DamageRecord(t, path, "alice")
	db, err = store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	s, err := LoadSavedSince(db, epoch)
	if !errors.Is(err, store.ErrDecode) {
		t.Errorf("LoadSavedSince = %v, want the unreadable agent state reported", err)
	}
	if len(s.Agents) != 1 {
		t.Fatalf("saved agents %+v, want alice rebuilt from her changes", s.Agents)
	}
	if a := s.Agents[0]; a.ID != "alice" || a.State != acd.Paused || a.PauseReason != "lunch" || !a.Since.Equal(paused) {
		t.Errorf("alice rebuilt as %+v, want paused (lunch) since %v", a, paused)
	}
}
