package store

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
)

// seedCalls stores n calls a minute apart from t0, cycling queues, agents
// and outcomes, in shuffled ID order so only the index gives time order.
func seedCalls(t testing.TB, db *DB, n int) []CallRecord {
	t.Helper()
	queues := []string{"sales", "support", "billing"}
	outcomes := []acd.Outcome{acd.OutcomeAnswered, acd.OutcomeAbandoned, acd.OutcomeAnswered, acd.OutcomeOverflowed}
	var all []CallRecord
	err := db.Apply(func(tx *Tx) error {
		for i := range n {
			c := CallRecord{
				ID:        fmt.Sprintf("call-%05d", (i*7919)%n), // IDs not in time order
				Entered:   t0.Add(time.Duration(i) * time.Minute),
				Queue:     queues[i%len(queues)],
				Agent:     fmt.Sprintf("a%d", i%5),
				Outcome:   outcomes[i%len(outcomes)],
				Direction: acd.DirectionInbound,
			}
			if err := tx.SaveCall(&c); err != nil {
				return err
			}
			all = append(all, c)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return all
}

func ids(calls []CallRecord) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.ID
	}
	return out
}

// want filters all (in time order) the slow way.
func want(all []CallRecord, f Filter) []string {
	var out []CallRecord
	for _, c := range all {
		if (f.From.IsZero() || !c.Entered.Before(f.From)) && (f.To.IsZero() || c.Entered.Before(f.To)) && f.match(&c, nil) {
			out = append(out, c)
		}
	}
	if f.Descending {
		slices.Reverse(out)
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return ids(out)
}

func TestCallsRangeQueries(t *testing.T) {
	db, _ := openTemp(t)
	// More than one scan budget, so listings cross transactions.
	all := seedCalls(t, db, 3*scanBudget+17)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

	tests := map[string]Filter{
		"all":                   {},
		"all newest first":      {Descending: true},
		"from":                  {From: at(1000)},
		"to":                    {To: at(10)},
		"range":                 {From: at(100), To: at(700)},
		"range between minutes": {From: at(100).Add(time.Second), To: at(700).Add(time.Second)},
		"range newest first":    {From: at(100), To: at(700), Descending: true},
		"to newest first":       {To: at(10), Descending: true},
		"from newest first":     {From: at(1500), Descending: true},
		"empty range":           {From: at(50), To: at(50)},
		"range past the end":    {From: at(5000)},
		"range before start":    {To: at(-5)},
		"queue":                 {Queue: "support"},
		"agent and outcome":     {Agent: "a3", Outcome: acd.OutcomeAnswered},
		"rare match far apart":  {Queue: "billing", Agent: "a0", Outcome: acd.OutcomeOverflowed, Descending: true},
		"direction none":        {Direction: acd.DirectionOutbound},
		"limit":                 {Limit: 5},
		"limit newest first":    {Limit: 600, Descending: true},
		"limit with filter":     {Queue: "sales", Limit: 3, From: at(200)},
	}
	for name, f := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := db.CollectCalls(f)
			if err != nil {
				t.Fatal(err)
			}
			if w := want(all, f); !reflect.DeepEqual(ids(got), w) && !(len(got) == 0 && len(w) == 0) {
				t.Errorf("got %d calls %v...\nwant %d calls %v...", len(got), head(ids(got)), len(w), head(w))
			}
		})
	}
}

func head(s []string) []string { return s[:min(len(s), 5)] }

func TestCallsStopsWhenLoopBreaks(t *testing.T) {
	db, _ := openTemp(t)
	seedCalls(t, db, 50)
	n := 0
	for _, err := range db.Calls(Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
	if n != 3 {
		t.Errorf("loop ran %d times", n)
	}
}

func TestCallsLoopMayWrite(t *testing.T) {
	db, _ := openTemp(t)
	seedCalls(t, db, 2*scanBudget)
	n := 0
	for c, err := range db.Calls(Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		c.Notes = "reviewed"
		if err := db.SaveCall(&c); err != nil {
			t.Fatal(err)
		}
		n++
	}
	got, _ := db.CollectCalls(Filter{})
	for _, c := range got {
		if c.Notes != "reviewed" {
			t.Fatalf("call %s not updated", c.ID)
		}
	}
	if n != 2*scanBudget || len(got) != n {
		t.Errorf("visited %d, stored %d, want %d", n, len(got), 2*scanBudget)
	}
}

func TestResaveMovesIndexEntry(t *testing.T) {
	db, _ := openTemp(t)
	c := CallRecord{ID: "c1", Entered: t0, Outcome: acd.OutcomeInProgress}
	if err := db.SaveCall(&c); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveCall(&CallRecord{ID: "c2", Entered: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	c.Entered = t0.Add(2 * time.Minute)
	c.Outcome = acd.OutcomeAnswered
	if err := db.SaveCall(&c); err != nil {
		t.Fatal(err)
	}
	got, err := db.CollectCalls(Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ids(got), []string{"c2", "c1"}) || got[1].Outcome != acd.OutcomeAnswered {
		t.Errorf("after re-save: %+v", got)
	}
	if old, _ := db.CollectCalls(Filter{To: t0.Add(time.Second)}); len(old) != 0 {
		t.Errorf("old index entry still matches: %+v", old)
	}
	var entries int
	_ = db.View(func(tx *Tx) error {
		entries = tx.btx.Bucket(bucketCallIndex).Stats().KeyN
		return nil
	})
	if entries != 2 {
		t.Errorf("index holds %d entries, want 2", entries)
	}
}

func TestTimeKeyOrder(t *testing.T) {
	times := []time.Time{
		time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999, time.UTC),
		time.Unix(0, 0),
		time.Unix(0, 1),
		t0,
		t0.Add(time.Nanosecond),
		time.Date(2200, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 3600)),
	}
	for i := 1; i < len(times); i++ {
		a, b := timeKey(times[i-1]), timeKey(times[i])
		if string(a) >= string(b) {
			t.Errorf("key of %v (%x) does not sort before %v (%x)", times[i-1], a, times[i], b)
		}
		if got := keyNanos(b); got != times[i].UnixNano() {
			t.Errorf("keyNanos(timeKey(%v)) = %d", times[i], got)
		}
	}
}

// CheckTime takes the years 1900 to 2200, 2200-01-01 itself included (the
// end of a period "to 2200", refused while the message named 2200).
func TestCheckTimeBounds(t *testing.T) {
	for _, tc := range []struct {
		at time.Time
		ok bool
	}{
		{time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{time.Date(1899, 12, 31, 23, 59, 59, 0, time.UTC), false},
		{time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{time.Date(2200, 1, 1, 0, 0, 1, 0, time.UTC), false},
	} {
		if err := CheckTime(tc.at); (err == nil) != tc.ok {
			t.Errorf("%s: %v, want ok %v", tc.at, err, tc.ok)
		}
	}
}
