package store

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const crashChildEnv = "HOTLINE_WRITER_CRASH_CHILD"

// TestWriterCrashChild is the process the crash test kills: it writes
// numbered submissions into the store named by the environment as fast as
// it can and prints each sequence number the writer reports saved.
func TestWriterCrashChild(t *testing.T) {
	path := os.Getenv(crashChildEnv)
	if path == "" {
		t.Skip("run by TestWriterSurvivesKill")
	}
	db, err := Open(path, Options{})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	w := NewWriter(db, WriterOptions{})
	w.Start()
	go func() {
		for seq := range w.Saved() {
			fmt.Printf("saved %d\n", seq) // stdout is unbuffered: the parent sees it at once
		}
	}()
	for i := 0; ; i++ {
		if _, err := w.Submit(numbered(i)...); err != nil {
			fmt.Println("submit:", err)
			os.Exit(2)
		}
		if w.Queued() > 20000 {
			time.Sleep(time.Millisecond)
		}
	}
}

// TestWriterSurvivesKill kills a writing process with SIGKILL and checks
// the file: every submission reported saved is there, the ones after it
// are a prefix of what was submitted (nothing reordered, nothing lost in
// between), and the records hold the newest value of that prefix.
func TestWriterSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	for round := range 3 {
		path := filepath.Join(t.TempDir(), "crash.db")
		cmd := exec.Command(os.Args[0], "-test.run=^TestWriterCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var acked uint64
		sc := bufio.NewScanner(out)
		deadline := time.Now().Add(20 * time.Second)
		for sc.Scan() && time.Now().Before(deadline) {
			line := sc.Text()
			if n, ok := strings.CutPrefix(line, "saved "); ok {
				acked, _ = strconv.ParseUint(n, 10, 64)
				if acked >= uint64(1000*(round+1)) {
					break
				}
				continue
			}
			if strings.HasPrefix(line, "open:") || strings.HasPrefix(line, "submit:") {
				t.Fatalf("child: %s", line)
			}
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if acked == 0 {
			t.Fatalf("round %d: the child reported nothing saved", round)
		}
		checkAfterCrash(t, path, acked, round)
	}
}

// checkAfterCrash reads the store a killed child left.
func checkAfterCrash(t *testing.T, path string, acked uint64, round int) {
	t.Helper()
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("round %d: reopen after kill: %v", round, err)
	}
	defer db.Close()
	changes, err := db.AgentChanges("a1", time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for i, ch := range changes {
		if ch.Seq != uint64(i) {
			t.Fatalf("round %d: change %d has sequence %d: a write was lost or reordered", round, i, ch.Seq)
		}
	}
	m := len(changes) // submissions 0..m-1 are in the file (at least, for this round)
	if uint64(m) < acked {
		t.Fatalf("round %d: %d submissions in the file, but %d were reported saved", round, m, acked)
	}
	for k := range 5 {
		last := -1
		for i := 0; i < m; i++ {
			if i%5 == k {
				last = i
			}
		}
		c, err := db.Call(fmt.Sprintf("c%d", k))
		if err != nil {
			t.Fatal(err)
		}
		if c.Notes != strconv.Itoa(last) {
			t.Errorf("round %d: call c%d holds submission %s, want %d (the newest of the saved prefix)", round, k, c.Notes, last)
		}
	}
	t.Logf("round %d: %d reported saved, %d in the file", round, acked, m)
}
