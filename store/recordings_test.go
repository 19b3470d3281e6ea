package store

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func recordingIDs(t *testing.T, db *DB, from, to time.Time) []string {
	t.Helper()
	es, err := db.Recordings(from, to)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range es {
		ids = append(ids, e.Call+"="+e.Name)
	}
	return ids
}

// The index lists recorded calls by date, sealed or not, follows a call
// whose Entered moves, and forgets a call whose recording is erased; the
// raw file shows no recording path.
func TestRecordingsIndex(t *testing.T) {
	db, path := openTemp(t)
	db.SealCalls(ring(t, testKeys(t, "k1")...), "US")
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	save := func(id string, at time.Time, name string) {
		t.Helper()
		c := &CallRecord{ID: id, Entered: at, Queue: "support", Agent: "alice"}
		if name != "" {
			c.Recording = Recording{Name: name, Path: "/spool/quokka/" + name + ".wav"}
		}
		if err := db.SaveCall(c); err != nil {
			t.Fatal(err)
		}
	}
	save("a", day.Add(time.Hour), "2026-11-30/support/a-alice")
	save("b", day.Add(2*time.Hour), "")
	save("c", day.Add(25*time.Hour), "2026-12-01/support/c-alice")
	save("d", day.Add(-time.Hour), "2026-11-29/support/d-alice")

	if got, want := recordingIDs(t, db, day, day.Add(24*time.Hour)), []string{"a=2026-11-30/support/a-alice"}; !slices.Equal(got, want) {
		t.Errorf("the day's recordings %v, want %v", got, want)
	}
	if got := recordingIDs(t, db, time.Time{}, time.Time{}); len(got) != 3 || !strings.HasPrefix(got[0], "d=") {
		t.Errorf("all recordings %v, want d, a, c", got)
	}
	save("a", day.Add(30*time.Hour), "2026-11-30/support/a-alice") // Entered moved
	save("c", day.Add(25*time.Hour), "")                           // recording erased
	if got, want := recordingIDs(t, db, day, time.Time{}), []string{"a=2026-11-30/support/a-alice"}; !slices.Equal(got, want) {
		t.Errorf("after the changes %v, want %v", got, want)
	}
	es, _ := db.Recordings(day, time.Time{})
	if len(es) != 1 || es[0].Path != "/spool/quokka/2026-11-30/support/a-alice.wav" || es[0].Agent != "alice" {
		t.Errorf("entry %+v", es)
	}
	// A second recording (the leg after a transfer) is listed after the
	// first, sealed as well, and erased with it.
	c, err := db.Call("a")
	if err != nil {
		t.Fatal(err)
	}
	start := day.Add(30*time.Hour + time.Minute)
	c.MoreRecordings = []Recording{{Name: "a-bob", Path: "/spool/quokka/a-bob.wav", Start: start, End: start.Add(time.Minute), Agent: "bob", Leg: 2}}
	if err := db.SaveCall(c); err != nil {
		t.Fatal(err)
	}
	es, _ = db.Recordings(day, time.Time{})
	if len(es) != 2 || es[1].N != 2 || es[1].Agent != "bob" || es[1].Leg != 2 || es[1].Path != "/spool/quokka/a-bob.wav" || !es[1].Start.Equal(start) {
		t.Errorf("entries after a second recording %+v", es)
	}
	if r, err := c.RecordingNumber(2); err != nil || r.Name != "a-bob" {
		t.Errorf("recording 2: %+v, %v", r, err)
	}
	if _, err := c.RecordingNumber(3); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "has 2 recordings") {
		t.Errorf("recording 3: %v", err)
	}
	if files, _ := anonymize(c); !slices.Equal(files, []string{"/spool/quokka/2026-11-30/support/a-alice.wav", "/spool/quokka/a-bob.wav"}) {
		t.Errorf("anonymize gives files %v, want both recordings'", files)
	}
	db.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "quokka") {
		t.Error("the raw file holds a recording path in clear")
	}
}
