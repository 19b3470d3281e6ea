// Package speechtest is a transcription service for tests: the HTTP API of
// speech.HTTP, answering by the length of the voice it is sent.
package speechtest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/acd/speech"
)

// Transcriber answers POST /v1/audio/transcriptions (multipart file and
// model) with the text of Questions whose voice (speech.Level.Voice) is
// nearest in length to the voice of the file it got. It refuses, with
// 400, another path or model, and a file that is not a WAV with at least
// MinVoice of voice in it: a test that hears its answer proves that real
// audio reached the recognizer.
type Transcriber struct {
	Model     string                   // the model field it wants
	Questions map[string]time.Duration // text → length of its voice
	MinVoice  time.Duration            // 0 = 300 ms

	mu      sync.Mutex
	heard   []string
	refused []string
}

// Heard lists what it answered and what it refused, with why.
func (tr *Transcriber) Heard() (heard, refused []string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]string(nil), tr.heard...), append([]string(nil), tr.refused...)
}

// ServeHTTP implements http.Handler.
func (tr *Transcriber) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	refuse := func(format string, args ...any) {
		why := fmt.Sprintf(format, args...)
		tr.mu.Lock()
		tr.refused = append(tr.refused, why)
		tr.mu.Unlock()
		http.Error(w, why, http.StatusBadRequest)
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v1/audio/transcriptions" {
		refuse("%s %s: not the transcription API", r.Method, r.URL.Path)
		return
	}
	if m := r.FormValue("model"); m != tr.Model {
		refuse("model %q, want %q", m, tr.Model)
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		refuse("no file: %v", err)
		return
	}
	audio, _ := io.ReadAll(f)
	l, err := speech.WAVLevel(audio)
	minVoice := tr.MinVoice
	if minVoice <= 0 {
		minVoice = 300 * time.Millisecond
	}
	switch {
	case err != nil:
		refuse("%s: %v", hdr.Filename, err)
		return
	case l.Voice < minVoice:
		refuse("%s: %d bytes with %v of voice: no question in it", hdr.Filename, len(audio), l.Voice)
		return
	}
	best, gap := "", time.Duration(1<<62)
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for text, d := range tr.Questions {
		if g := (l.Voice - d).Abs(); g < gap || g == gap && text < best {
			best, gap = text, g
		}
	}
	tr.heard = append(tr.heard, fmt.Sprintf("%s (%v of voice)", best, l.Voice))
	fmt.Fprintf(w, `{"text": %q}`, best)
}

// Say renders texts in English with espeak-ng into dir, as a caller's
// recorded questions, and returns each one's file and level.
func Say(ctx context.Context, dir string, texts ...string) (files map[string]string, levels map[string]speech.Level, err error) {
	p := &speech.Prompts{Dir: dir, Speed: 150}
	files, levels = map[string]string{}, map[string]speech.Level{}
	for _, text := range texts {
		if _, err := p.Render(ctx, "en", text); err != nil {
			return nil, nil, err
		}
		name, _ := p.File("en", text)
		audio, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, nil, err
		}
		if levels[text], err = speech.WAVLevel(audio); err != nil {
			return nil, nil, err
		}
		files[text] = filepath.Join(dir, name)
	}
	return files, levels, nil
}

// Learn makes the transcriber know texts by the voice of their files (as
// Say returns them).
func (tr *Transcriber) Learn(levels map[string]speech.Level) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.Questions == nil {
		tr.Questions = map[string]time.Duration{}
	}
	for text, l := range levels {
		tr.Questions[text] = l.Voice
	}
}
