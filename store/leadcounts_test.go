package store

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/hotline-cc/hotline/acd/campaign"
)

// scanCounts counts a campaign's leads one by one, as the kept counts
// should have them.
func scanCounts(t testing.TB, db *DB, camp string, now time.Time) campaign.LeadCounts {
	t.Helper()
	c := campaign.LeadCounts{States: map[campaign.LeadState]int{}}
	if err := db.CampaignLeads(camp, func(l campaign.Lead) bool { c.Count(l, now); return true }); err != nil {
		t.Fatal(err)
	}
	return c
}

// checkCounts fails unless the kept counts of every campaign equal a full
// scan at a few moments around t0, and CheckLeadCounts finds nothing.
func checkCounts(t *testing.T, db *DB, t0 time.Time, when string) {
	t.Helper()
	for _, camp := range []string{"c", "d"} {
		for _, at := range []time.Duration{-10 * time.Minute, -90 * time.Second, 0, 17 * time.Second, 59*time.Second + 999*time.Millisecond, 4 * time.Minute} {
			now := t0.Add(at)
			got, err := db.LeadCounts(camp, now)
			if err != nil {
				t.Fatalf("%s: counts of %s: %v", when, camp, err)
			}
			want := scanCounts(t, db, camp, now)
			if got.Total != want.Total || got.Due != want.Due || got.Answered != want.Answered || !maps.Equal(got.States, want.States) ||
				!maps.Equal(got.Skips, want.Skips) {
				t.Fatalf("%s: counts of %s at %v: %+v, a scan says %+v", when, camp, now.Format(time.TimeOnly), got, want)
			}
		}
	}
	if problems, err := db.CheckLeadCounts(); err != nil || len(problems) > 0 {
		t.Fatalf("%s: check: %v %v", when, problems, err)
	}
	checkInFlight(t, db, when)
}

// The kept counts equal a full scan after random imports (committed,
// aborted, or left pending by a crash and rolled back), random saves of
// leads (state, next attempt, answers; leads of an import under way too),
// and after the store is closed and opened again.
func TestLeadCountsFollowTheLeads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { db.Close() }()
	t0 := time.Date(2026, 3, 6, 10, 0, 30, 0, time.UTC)
	r := rand.New(rand.NewPCG(7, 8))
	phone, crashes := 0, 0
	newLead := func(camp string) campaign.Lead {
		phone++
		return campaign.Lead{Campaign: camp, Phone: fmt.Sprintf("+1212%07d", phone), State: campaign.New}
	}
	states := []campaign.LeadState{campaign.New, campaign.Scheduled, campaign.Dialing, campaign.Answered, campaign.Connected,
		campaign.Callback, campaign.Done, campaign.Failed, campaign.DoNotCall}
	change := func(l *campaign.Lead) {
		l.State = states[r.IntN(len(states))]
		l.NextAttempt = time.Time{}
		if r.IntN(4) > 0 {
			l.NextAttempt = t0.Add(time.Duration(r.IntN(600)-300) * time.Second)
		}
		l.Answers = nil
		if r.IntN(3) == 0 {
			l.Answers = map[string]string{"q": "1"}
		}
		l.PreviewAgent, l.PreviewUntil = "", time.Time{}
		if r.IntN(5) == 0 {
			l.PreviewAgent, l.PreviewUntil = "a1", t0.Add(time.Duration(r.IntN(60)-30)*time.Second)
		}
		if r.IntN(4) == 0 { // skipped: counts by reason, added to or dropped
			l.Skips = nil
			for range r.IntN(4) {
				why := []string{"", "wrong person", "already customer", campaign.SkipTimedOut, "r" + strconv.Itoa(r.IntN(9))}[r.IntN(5)]
				if l.Skips == nil {
					l.Skips = map[string]int{}
				}
				l.Skips[why] += 1 + r.IntN(3)
			}
		}
	}
	importInto := func(camp string, n int) *LeadImport {
		im, err := db.BeginLeadImport(camp)
		if err != nil {
			t.Fatal(err)
		}
		for range n {
			l := newLead(camp)
			if r.IntN(3) == 0 {
				change(&l)
			}
			if r.IntN(10) == 0 && phone > 1 {
				l.Phone = fmt.Sprintf("+1212%07d", 1+r.IntN(phone-1)) // a duplicate
			}
			if err := im.Add(l); err != nil {
				t.Fatal(err)
			}
		}
		return im
	}
	for step := range 40 {
		camp := []string{"c", "d"}[r.IntN(2)]
		var what string
		op := r.IntN(10)
		if step < 10 {
			op = (step + 3) % 10 // each kind early on
		}
		switch {
		case op < 3:
			what = "import"
			if _, err := importInto(camp, 1+r.IntN(300)).Commit(); err != nil {
				t.Fatal(err)
			}
		case op == 3:
			what = "aborted import"
			n := 1 + r.IntN(300)
			if step < 10 {
				n += importBatch // a batch written, then deleted
			}
			if err := importInto(camp, n).Abort(); err != nil {
				t.Fatal(err)
			}
		case op == 4 && crashes < 2:
			crashes++
			// A crash with an import under way: the counts hide its leads
			// (saved ones too), then the next import rolls it back.
			what = "import cut by a crash"
			importInto(camp, importBatch+1+r.IntN(50))
			err := db.Apply(func(tx *Tx) error {
				l, err := tx.Lead(camp, fmt.Sprintf("%s-%d", camp, lastSeq(t, db, camp)))
				if err != nil {
					return err
				}
				change(l)
				return tx.SaveLead(l)
			})
			if err != nil {
				t.Fatal(err)
			}
			checkCounts(t, db, t0, fmt.Sprintf("step %d, %s, before the restart", step, what))
			db.Close()
			if db, err = Open(path, Options{NoSync: true}); err != nil {
				t.Fatal(err)
			}
			checkCounts(t, db, t0, fmt.Sprintf("step %d, %s, reopened", step, what))
			if _, err := importInto(camp, r.IntN(3)).Commit(); err != nil {
				t.Fatal(err)
			}
		case op == 5:
			what = "lead of its own id"
			l := newLead(camp)
			l.ID = fmt.Sprintf("own-%d", step)
			change(&l)
			if err := db.Write([]Op{PutLead(&l)}); err != nil {
				t.Fatal(err)
			}
		default:
			what = "saves"
			var all []campaign.Lead
			db.CampaignLeads(camp, func(l campaign.Lead) bool { all = append(all, l); return true })
			var ops []Op
			for range min(len(all), 1+r.IntN(40)) {
				l := all[r.IntN(len(all))]
				change(&l)
				ops = append(ops, PutLead(&l)) // the same lead twice in one commit too
			}
			if err := db.Write(ops); err != nil {
				t.Fatal(err)
			}
		}
		checkCounts(t, db, t0, fmt.Sprintf("step %d, %s", step, what))
	}
	db.Close()
	if db, err = Open(path, Options{NoSync: true}); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, db, t0, "reopened")
}

func lastSeq(t *testing.T, db *DB, camp string) (n uint64) {
	t.Helper()
	err := db.View(func(tx *Tx) error {
		v := tx.btx.Bucket(bucketLeadImports).Get([]byte(camp))
		if len(v) != 16 {
			return fmt.Errorf("no import of %q under way", camp)
		}
		n = binary.BigEndian.Uint64(v[8:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// leadCountsStore is a store with leads of two campaigns in every state.
func leadCountsStore(t *testing.T) (string, *DB, time.Time) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "h.db")
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	var leads []campaign.Lead
	for i := range 90 {
		l := lead([]string{"c", "d"}[i%2], i)
		l.State = campaign.LeadState(i % 9)
		l.NextAttempt = t0.Add(time.Duration(i-45) * time.Minute)
		if i%4 == 0 {
			l.Answers = map[string]string{"q": "yes"}
		}
		if i < 6 && l.State.Dialable() { // shown to an agent
			l.PreviewAgent, l.PreviewUntil = "a1", t0.Add(time.Minute)
		}
		leads = append(leads, l)
	}
	if _, err := db.ImportLeads(leads); err != nil {
		t.Fatal(err)
	}
	return path, db, t0
}

// A store from before the counts and the index of leads read at a restart
// (or with the index before it, of the leads in flight alone) has them
// built at its first read-write open, and loses the old index; opened
// read-only, its leads are read one by one.
func TestLeadCountsOfAnOldStore(t *testing.T) {
	path, db, t0 := leadCountsStore(t)
	want := scanCounts(t, db, "c", t0)
	var wantFlight []string
	db.LeadsAtRestart("c", func(l campaign.Lead) bool { wantFlight = append(wantFlight, l.ID); return true })
	callbacks := 0
	db.CampaignLeads("c", func(l campaign.Lead) bool {
		if l.State == campaign.Callback && slices.Contains(wantFlight, l.ID) {
			callbacks++
		}
		return true
	})
	if !slices.Contains(wantFlight, "c-1") || len(wantFlight) < 15 || callbacks != 5 { // reserved, dialing, answered, connected, callback
		t.Fatalf("leads of c read at a restart: %v (%d waiting for a callback, want 5)", wantFlight, callbacks)
	}
	if err := db.bolt.Update(func(tx *bbolt.Tx) error {
		old, err := tx.CreateBucket(bucketLeadsInFlightOld)
		if err != nil {
			return err
		}
		err = tx.Bucket(bucketLeads).ForEach(func(k, v []byte) error {
			var l campaign.Lead
			if err := json.Unmarshal(v, &l); err != nil || !l.InFlight() {
				return err
			}
			return old.Put(k, nil)
		})
		return errors.Join(err, tx.DeleteBucket(bucketLeadCounts), tx.DeleteBucket(bucketLeadsAtRestart))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ro.LeadCounts("c", t0)
	var flight []string
	flightErr := ro.LeadsAtRestart("c", func(l campaign.Lead) bool { flight = append(flight, l.ID); return true })
	ro.Close()
	if err != nil || got.Total != want.Total || got.Due != want.Due || !maps.Equal(got.States, want.States) {
		t.Fatalf("read-only, old store: %+v %v, want %+v", got, err, want)
	}
	if flightErr != nil || !slices.Equal(flight, wantFlight) {
		t.Fatalf("read-only, old store: in flight %v %v, want %v", flight, flightErr, wantFlight)
	}
	if db, err = Open(path, Options{NoSync: true}); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *Tx) error {
		if tx.btx.Bucket(bucketLeadCounts) == nil || tx.btx.Bucket(bucketLeadsAtRestart) == nil {
			return errors.New("no lead counts or index of leads read at a restart after a read-write open")
		}
		if tx.btx.Bucket(bucketLeadsInFlightOld) != nil {
			return errors.New("the old index of leads in flight is still there")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	flight = nil
	db.LeadsAtRestart("c", func(l campaign.Lead) bool { flight = append(flight, l.ID); return true })
	if !slices.Equal(flight, wantFlight) {
		t.Fatalf("built at open: read at a restart %v, want %v", flight, wantFlight)
	}
	checkCounts(t, db, t0, "built at open")
}

// Damaged counts are reported by campaign and count, with what to do; a
// save that would take a count below zero is refused; repair rebuilds them.
func TestLeadCountsDamaged(t *testing.T) {
	path, db, t0 := leadCountsStore(t)
	damage := func(key string, v []byte) {
		t.Helper()
		if err := db.bolt.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketLeadCounts).Put([]byte(key), v) }); err != nil {
			t.Fatal(err)
		}
	}
	damage("c\x00s\x00", []byte{1, 2, 3})
	if _, err := db.LeadCounts("c", t0); !errors.Is(err, ErrDecode) || !strings.Contains(err.Error(), `key "c/leads new"`) ||
		!strings.Contains(err.Error(), "hotline store repair rebuilds them") {
		t.Fatalf("a count of 3 bytes: %v", err)
	}
	damage("c\x00s\x00", []byte{0, 0, 0, 0, 0, 0, 0, 0})
	damage("c\x00d"+string(dueMinute(time.Time{})), []byte{0, 0, 0, 0, 0, 0, 0, 9})
	problems, err := db.CheckLeadCounts()
	if err != nil || len(problems) != 2 || problems[0] != `campaign "c": leads due with no set time: kept 9, the leads say 0` ||
		problems[1] != `campaign "c": leads new: kept 0, the leads say 5` {
		t.Fatalf("check: %q %v", problems, err)
	}
	var l *campaign.Lead
	err = db.Apply(func(tx *Tx) (err error) {
		l, err = tx.Lead("c", "c-1") // new
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	l.State = campaign.Done
	if err := db.Write([]Op{PutLead(l)}); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), `campaign "c": leads new: 0-1 is below zero`) {
		t.Fatalf("a save below zero: %v", err)
	}
	db = repaired(t, db, path)
	defer db.Close()
	checkCounts(t, db, t0, "repaired")
	if c, err := db.LeadCounts("c", t0); err != nil || c.States[campaign.New] != 5 || c.Total != 45 {
		t.Fatalf("repaired counts: %+v %v", c, err)
	}
}

// Counting a campaign's leads reads its counts, not its leads: a million
// leads cost what a thousand do. -short: 10,000.
func BenchmarkLeadCounts(b *testing.B) {
	n := 1_000_000
	if testing.Short() {
		n = 10_000
	}
	db, err := Open(filepath.Join(b.TempDir(), "h.db"), Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	t0 := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	leads := make([]campaign.Lead, n)
	for i := range leads {
		leads[i] = campaign.Lead{Campaign: "big", Phone: fmt.Sprintf("+1212%07d", i), State: campaign.LeadState(i % 9)}
		if i%9 == int(campaign.Scheduled) {
			leads[i].NextAttempt = t0.Add(time.Duration(i%600-300) * time.Minute) // 10 hours of retries
		}
	}
	if _, err := db.ImportLeads(leads); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	want := scanCounts(b, db, "big", t0)
	scan := time.Since(start)
	for b.Loop() {
		c, err := db.LeadCounts("big", t0)
		if err != nil || c.Total != n || c.Due != want.Due {
			b.Fatalf("%+v %v, want %+v", c, err, want)
		}
	}
	b.ReportMetric(float64(scan.Microseconds()), "µs/scan") // what the page cost before
	// What the first open of a store from before the counts spends.
	start = time.Now()
	if err := db.bolt.Update(func(tx *bbolt.Tx) error { _, err := rebuildLeadCounts(tx); return err }); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(time.Since(start).Microseconds()), "µs/rebuild")
}

const countsChildEnv = "HOTLINE_LEAD_COUNTS_CHILD"

// TestLeadCountsChild is the process TestLeadCountsSurviveKill kills: it
// imports leads (committed, or aborted, a batch written each time) and
// saves changed leads, over and over, printing each round it ends.
func TestLeadCountsChild(t *testing.T) {
	path := os.Getenv(countsChildEnv)
	if path == "" {
		t.Skip("run by TestLeadCountsSurviveKill")
	}
	db, err := Open(path, Options{})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	fail := func(err error) {
		fmt.Println("child:", err)
		os.Exit(2)
	}
	t0 := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	phone := r.IntN(1_000_000) * 100
	for round := 0; ; round++ {
		if round%3 == 0 {
			im, err := db.BeginLeadImport("c")
			if err != nil {
				fail(err)
			}
			for range importBatch + 200 {
				phone++
				if err := im.Add(campaign.Lead{Campaign: "c", Phone: fmt.Sprintf("+1212%07d", phone%10_000_000), State: campaign.New}); err != nil {
					fail(err)
				}
			}
			if round%2 == 0 {
				_, err = im.Commit()
			} else {
				err = im.Abort()
			}
			if err != nil {
				fail(err)
			}
		} else {
			due, err := db.DueLeads("c", t0.Add(time.Hour), 200)
			if err != nil {
				fail(err)
			}
			var ops []Op
			for _, l := range due {
				l.State = campaign.LeadState(r.IntN(9))
				l.NextAttempt = t0.Add(time.Duration(r.IntN(120)-60) * time.Minute)
				ops = append(ops, PutLead(&l))
			}
			if err := db.Write(ops); err != nil {
				fail(err)
			}
		}
		fmt.Printf("round %d\n", round)
	}
}

// A process killed (SIGKILL) while it imports and saves leads leaves
// counts that equal its leads, an import cut midway included; the next
// import rolls that one back, and they still do.
func TestLeadCountsSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	for kill := range 3 {
		path := filepath.Join(t.TempDir(), "crash.db")
		cmd := exec.Command(os.Args[0], "-test.run=^TestLeadCountsChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), countsChildEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		rounds := 0
		for sc.Scan() && rounds < 4+kill {
			line := sc.Text()
			if !strings.HasPrefix(line, "round ") {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("child: %s", line)
			}
			rounds++
		}
		time.Sleep(time.Duration(kill*70) * time.Millisecond) // somewhere in the next round
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if rounds == 0 {
			t.Fatal("the child ended no round")
		}
		db, err := Open(path, Options{NoSync: true})
		if err != nil {
			t.Fatalf("kill %d: reopen: %v", kill, err)
		}
		if problems, err := db.CheckLeadCounts(); err != nil || len(problems) > 0 {
			db.Close()
			t.Fatalf("kill %d after %d rounds: %q %v", kill, rounds, problems, err)
		}
		cut := false
		db.View(func(tx *Tx) error { cut = tx.pendingLeads("c") != nil; return nil })
		im, err := db.BeginLeadImport("c") // rolls back an import the kill cut
		if err == nil {
			_, err = im.Commit()
		}
		if err != nil {
			db.Close()
			t.Fatal(err)
		}
		problems, err := db.CheckLeadCounts()
		c, cerr := db.LeadCounts("c", time.Now())
		db.Close()
		if err != nil || len(problems) > 0 || cerr != nil {
			t.Fatalf("kill %d, after the rollback: %q %v %v", kill, problems, err, cerr)
		}
		t.Logf("kill %d after %d rounds (an import cut: %v): %d leads counted", kill, rounds, cut, c.Total)
	}
}

// Saving leads keeps their campaign's counts in the same transaction: 100
// saves of changed leads per commit.
func BenchmarkSaveLeads(b *testing.B) {
	db, err := Open(filepath.Join(b.TempDir(), "h.db"), Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	leads := make([]campaign.Lead, 10_000)
	for i := range leads {
		leads[i] = campaign.Lead{Campaign: "c", Phone: fmt.Sprintf("+1212%07d", i), State: campaign.New}
	}
	if _, err := db.ImportLeads(leads); err != nil {
		b.Fatal(err)
	}
	t0 := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	i := 0
	for b.Loop() {
		ops := make([]Op, 100)
		for j := range ops {
			i++
			l := campaign.Lead{ID: fmt.Sprintf("c-%d", 1+i%len(leads)), Campaign: "c", Phone: fmt.Sprintf("+1212%07d", i%len(leads)),
				State: campaign.LeadState(i % 9), NextAttempt: t0.Add(time.Duration(i%600) * time.Minute)}
			ops[j] = PutLead(&l)
		}
		if err := db.Write(ops); err != nil {
			b.Fatal(err)
		}
	}
}

// repaired closes db, repairs its file at path into a new one and opens
// that.
func repaired(t *testing.T, db *DB, path string) *DB {
	t.Helper()
	db.Close()
	fixed := filepath.Join(t.TempDir(), "fixed.db")
	if _, err := Repair(path, fixed, nil); err != nil {
		t.Fatal(err)
	}
	db, err := Open(fixed, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	return db
}
