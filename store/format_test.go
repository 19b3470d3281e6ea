package store

import (
	"encoding/json"
	goldenfile "github.com/hotline-cc/hotline/internal/golden"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
)

// storedForms is one record of each type, as written into bbolt.
type storedForms struct {
	Call     *CallRecord `json:"call"`
	Agent    AgentState  `json:"agent"`
	Callback Callback    `json:"callback"`
	Active   ActiveCall  `json:"active"`
}

func sampleForms() storedForms {
	return storedForms{
		Call: fullCall("20250314-090000-0001", t0),
		Agent: AgentState{ID: "a1", State: acd.Paused, PauseReason: "lunch", Since: t0, LoggedInAt: t0.Add(-time.Hour),
			CallsTaken: 12, TalkTime: 47 * time.Minute, ConsecutiveNoAnswer: 2},
		Callback: Callback{ID: "cb1", CallID: "c9", Queue: "sales", Number: "+15550002", Requested: t0,
			Enqueued: t0.Add(-2 * time.Minute), Priority: 3, Attempts: 1, NextAttempt: t0.Add(5 * time.Minute), State: acd.CallbackPending},
		Active: ActiveCall{CallID: "c2", Channel: "PJSIP/trunk-08", Queue: "sales", Enqueued: t0, Priority: 1,
			State: acd.CallBridged, Since: t0.Add(time.Minute), Agent: "a1", AgentChannel: "PJSIP/a1-02", Bridge: "b-1", Recording: "c2"},
	}
}

// TestStoredFormat pins the JSON stored in the file: a renamed field would
// silently drop data from every existing store. If a change is meant, it
// needs a schema migration (or only adds fields); then run go test -update.
func TestStoredFormat(t *testing.T) {
	golden := filepath.Join("testdata", "records.golden.json")
	got, err := json.MarshalIndent(sampleForms(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	// A change here means existing stores hold another format: migrate the
	// schema (or only add fields), then go test -update.
	goldenfile.Check(t, golden, got)
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	var back storedForms
	if err := json.Unmarshal(want, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, sampleForms()) {
		t.Errorf("golden records decode to\n%+v\nwant\n%+v", back, sampleForms())
	}
}

// Stores of schema 1 wrote some call phases by other names; they still read.
func TestOldPhaseNamesRead(t *testing.T) {
	for name, want := range map[string]acd.CallPhase{"ringing": acd.CallOffering, "dialing": acd.CallOffering, "menu": acd.CallMenu} {
		var ac ActiveCall
		if err := json.Unmarshal([]byte(`{"call_id":"c1","state":"`+name+`"}`), &ac); err != nil || ac.State != want {
			t.Errorf("state %q read as %v, %v; want %v", name, ac.State, err, want)
		}
	}
	var ac ActiveCall
	if err := json.Unmarshal([]byte(`{"call_id":"c1","state":"asleep"}`), &ac); err == nil {
		t.Errorf("unknown phase read as %v", ac.State)
	}
}
