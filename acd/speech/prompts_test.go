package speech

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPromptsRenderOnceAndCheck(t *testing.T) {
	if err := CheckTools(); err != nil {
		t.Skip(err)
	}
	p := &Prompts{Dir: t.TempDir(), URL: "http://127.0.0.1:8090/prompts/"}
	name, err := p.File("en", "Hello there.")
	if err != nil {
		t.Fatal(err)
	}
	if m, ready := p.Media("en", "Hello there."); ready || m != "sound:http://127.0.0.1:8090/prompts/"+name {
		t.Errorf("before rendering: Media = %q, %v", m, ready)
	}
	for i, want := range []bool{true, false} {
		rendered, err := p.Render(context.Background(), "en", "Hello there.")
		if err != nil || rendered != want {
			t.Fatalf("render %d: rendered %v, %v; want %v", i, rendered, err, want)
		}
	}
	if _, ready := p.Media("en", "Hello there."); !ready {
		t.Errorf("rendered prompt not ready")
	}
	path := filepath.Join(p.Dir, name)
	if err := CheckWAV(path); err != nil {
		t.Fatal(err)
	}
	// A file cut short is stale: rendered again.
	raw, _ := os.ReadFile(path)
	if err := os.WriteFile(path, raw[:len(raw)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CheckWAV(path); !errors.Is(err, ErrStalePrompt) {
		t.Errorf("half a file: %v, want ErrStalePrompt", err)
	}
	fresh := &Prompts{Dir: p.Dir}
	if rendered, err := fresh.Render(context.Background(), "en", "Hello there."); err != nil || !rendered {
		t.Errorf("stale file: rendered %v, %v", rendered, err)
	}
	if m, _ := fresh.Media("en", "Hello there."); m != "file:"+path {
		t.Errorf("by path: Media = %q", m)
	}
}

func TestPromptsProblems(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x.wav"), []byte("RIFF\x00\x00\x00\x00WAVEfmt junk that is no header at all....."), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CheckWAV(filepath.Join(dir, "x.wav")); !errors.Is(err, ErrStalePrompt) {
		t.Errorf("junk: %v", err)
	}
	p := &Prompts{Dir: dir}
	if _, err := p.Render(context.Background(), "tlh", "Qapla'"); !errors.Is(err, ErrPromptTool) || !strings.Contains(err.Error(), `no voice for language "tlh"`) {
		t.Errorf("unknown language: %v", err)
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := p.Render(context.Background(), "en", "Hello."); !errors.Is(err, ErrPromptTool) || !strings.Contains(err.Error(), "espeak-ng not found") {
		t.Errorf("no tools: %v", err)
	}
}
