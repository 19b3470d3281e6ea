package engine

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/sim"
	"github.com/hotline-cc/hotline/store"
)

const engineCrashEnv = "HOTLINE_ENGINE_CRASH_CHILD"

// TestEngineCrashChild is the daemon the crash test kills: the runtime on
// a fast simulator with a real store file (fsync on), restored from what
// the file holds, printing every call the engine counts as finished.
func TestEngineCrashChild(t *testing.T) {
	db, saved, fail := openCrashChild(t, engineCrashEnv, "TestEngineSurvivesKill")
	sw, err := sim.New(sim.Options{Seed: time.Now().UnixNano(), Speed: 50, Latency: 20 * time.Millisecond})
	if err != nil {
		fail("sim", err)
	}
	for _, ep := range []string{"sim/alice", "sim/bob"} {
		_ = sw.SetPhone(ep, answers(time.Second, 3*time.Second))
	}
	cfg := parseConfig(t, basicConfig)
	rt, err := NewRuntime(RunOptions{Core: Options{Config: cfg, Store: db, IDPrefix: fmt.Sprint(time.Now().UnixNano()),
		Finished: func(_ time.Time, id string) { fmt.Printf("finished %s\n", id) }},
		Switch: sw, Log: zerolog.Nop(), Now: sw.Now, Saved: &saved})
	if err != nil {
		fail("runtime", err)
	}
	ctx := context.Background()
	go func() { fail("run", rt.Run(ctx)) }()
	if err := sw.Start(ctx); err != nil {
		fail("start", err)
	}
	for _, id := range []string{"alice", "bob"} {
		if _, err := Send(ctx, rt, Login{Agent: id}); err != nil && !strings.Contains(err.Error(), "already") {
			fail("login", err)
		}
	}
	if err := sw.StartTraffic(sim.Traffic{Entries: []string{"100"}, RatePerMinute: 60, Patience: 20 * time.Second,
		Until: sw.Now().Add(24 * time.Hour)}); err != nil {
		fail("traffic", err)
	}
	select {}
}

// openCrashChild opens the store file a crash test's child runs on, named
// by the environment variable env (the test skips when it is unset), and
// what it holds. fail reports an error to the parent and exits.
func openCrashChild(t *testing.T, env, parent string) (db *store.DB, saved Saved, fail func(what string, err error)) {
	path := os.Getenv(env)
	if path == "" {
		t.Skip("run by " + parent)
	}
	fail = func(what string, err error) {
		fmt.Printf("error: %s: %v\n", what, err)
		os.Exit(2)
	}
	db, err := store.Open(path, store.Options{})
	if err != nil {
		fail("open", err)
	}
	if saved, err = LoadSaved(db); err != nil {
		fail("load", err)
	}
	return db, saved, fail
}

// TestEngineSurvivesKill kills a running engine with SIGKILL, twice, and
// checks the file after each: every call the engine counted as finished
// has its final record and no live state left (so a restart cannot finish
// it again), and a restart leaves the records of calls finished before it
// exactly as they were.
func TestEngineSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	path := filepath.Join(t.TempDir(), "hotline.db")
	kept := map[string][]byte{} // final records of finished calls, as first found
	for round := range 2 {
		finished := runUntilKilled(t, path, 15+round*15)
		db, err := store.Open(path, store.Options{})
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		active := map[string]bool{}
		acs, err := db.ActiveCalls()
		if err != nil {
			t.Fatal(err)
		}
		for _, ac := range acs {
			active[ac.CallID] = true
		}
		for _, id := range finished {
			rec, err := db.Call(id)
			if err != nil {
				t.Errorf("round %d: call %s was finished, its record is not in the file: %v", round, id, err)
				continue
			}
			if rec.Ended.IsZero() || rec.Outcome == acd.OutcomeInProgress {
				t.Errorf("round %d: call %s was finished, its record is not final: %s", round, id, rec.Outcome)
			}
			if active[id] {
				t.Errorf("round %d: call %s was finished, its live state is still in the file", round, id)
			}
			data, _ := json.Marshal(rec)
			kept[id] = data
		}
		for id, before := range kept {
			rec, err := db.Call(id)
			if err != nil {
				t.Fatal(err)
			}
			// A record may still gain its wrap-up time while the process
			// lives; the end, outcome and timeline of a finished call never
			// change once found on disk.
			var was store.CallRecord
			_ = json.Unmarshal(before, &was)
			if !rec.Ended.Equal(was.Ended) || rec.Outcome != was.Outcome || len(rec.Timeline) != len(was.Timeline) {
				t.Errorf("round %d: finished call %s changed after a restart:\n%+v\nwas\n%+v", round, id, rec, was)
			}
		}
		t.Logf("round %d: %d calls finished before the kill, %d live calls left to restore", round, len(finished), len(acs))
		db.Close()
	}
}

// runUntilKilled runs the child until it reported n finished calls, kills
// it with SIGKILL and returns the calls it reported.
func runUntilKilled(t *testing.T, path string, n int) []string {
	t.Helper()
	var finished []string
	runChildUntil(t, "TestEngineCrashChild", []string{engineCrashEnv + "=" + path}, func(line string) bool {
		if id, ok := strings.CutPrefix(line, "finished "); ok {
			finished = append(finished, id)
		}
		return len(finished) >= n
	})
	return finished
}

// runChildUntil runs the test child with env added until done is true of
// a line of its output (30 s at most), kills it with SIGKILL at once and
// returns its lines. A line "error: ..." fails the test.
func runChildUntil(t *testing.T, child string, env []string, done func(line string) bool) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+child+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	var lines []string
	sc := bufio.NewScanner(out)
	deadline := time.Now().Add(30 * time.Second)
	for sc.Scan() {
		line := sc.Text()
		lines = append(lines, line)
		if strings.HasPrefix(line, "error:") {
			t.Fatalf("child: %s", line)
		}
		if done(line) {
			_ = cmd.Process.Kill()
			return lines
		}
		if time.Now().After(deadline) {
			t.Fatalf("child not done in 30 s:\n%s", strings.Join(lines[max(0, len(lines)-40):], "\n"))
		}
	}
	t.Fatalf("child stopped before it was done:\n%s", strings.Join(lines[max(0, len(lines)-40):], "\n"))
	return nil
}
