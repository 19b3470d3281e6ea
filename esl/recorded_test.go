package esl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/acd/pbx"
)

// A recording RECORD_STOP names is failed when no file is there, or one
// with a WAV header alone; one with audio, or in a directory Hotline
// cannot see, is left as reported.
func TestCheckRecorded(t *testing.T) {
	dir := t.TempDir()
	s := &Switch{opts: Options{RecordingDir: dir}}
	write := func(name string, size int) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name, path string
		want       string // "" = not failed
	}{
		{"missing", filepath.Join(dir, "gone.wav"), "stored no file"},
		{"header alone", write("header.wav", wavHeader), "WAV header alone"},
		{"audio", write("audio.wav", wavHeader+320), ""},
		{"not wav", write("tiny.mp3", 10), ""},
	} {
		f := s.checkRecorded(pbx.RecordingFinished{Name: c.name, Path: c.path})
		if got := f.Failed; got != (c.want != "") || !strings.Contains(f.Err, c.want) {
			t.Errorf("%s: failed %v err %q, want failed %v with %q", c.name, f.Failed, f.Err, c.want != "", c.want)
		}
	}
	blind := &Switch{opts: Options{RecordingDir: filepath.Join(dir, "not-here")}}
	if f := blind.checkRecorded(pbx.RecordingFinished{Name: "x", Path: filepath.Join(dir, "not-here", "x.wav")}); f.Failed {
		t.Errorf("a recording in a directory Hotline cannot see was failed: %+v", f)
	}
}
