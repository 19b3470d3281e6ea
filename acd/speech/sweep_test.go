package speech

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Texts rendered per call (a looked-up order status) are swept once old;
// the flows' fixed texts and files that are not prompts stay. A swept
// text is rendered again if asked for. Per-call prompts stayed forever:
// one file per call, the disk filled, and a prompt speaking a caller's
// data could be fetched without credentials as long as its name was
// guessed.
func TestSweepRemovesOldPerCallPrompts(t *testing.T) {
	p := &Prompts{Dir: t.TempDir()}
	name := func(text string) string {
		n, err := p.File("en", text)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := p.Keep("en", "Welcome."); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	files := map[string]time.Time{
		name("Welcome."):                    old,
		name("Your order 1234 is shipped."): old,
		name("Your order 5678 is late."):    old.Add(2 * time.Hour),
		"notes.txt":                         old,
		"0123456789abcdef.wav":              old,
	}
	for f, at := range files {
		path := filepath.Join(p.Dir, f)
		if err := os.WriteFile(path, []byte("RIFF"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, at, at); err != nil {
			t.Fatal(err)
		}
	}
	p.mark(name("Your order 1234 is shipped."))
	removed, err := p.Sweep(old.Add(time.Hour))
	if err != nil || removed != 1 {
		t.Fatalf("Sweep = %d, %v; want 1 removed", removed, err)
	}
	for f := range files {
		_, err := os.Stat(filepath.Join(p.Dir, f))
		if gone := os.IsNotExist(err); gone != (f == name("Your order 1234 is shipped.")) {
			t.Errorf("%s: gone %v", f, gone)
		}
	}
	if _, ready := p.Media("en", "Your order 1234 is shipped."); ready {
		t.Error("a swept prompt is still taken as rendered")
	}
}
