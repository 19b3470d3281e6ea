package sim

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/speech"
)

func TestRecognizerReadsUtterance(t *testing.T) {
	ctx := context.Background()
	for _, text := range []string{"what are your opening hours", "где вы находитесь", "odd"} {
		audio := UtteranceAudio(text, 1500*time.Millisecond)
		got, err := Recognizer{}.Recognize(ctx, bytes.NewReader(audio), "u.wav", "en")
		if err != nil || got != text {
			t.Errorf("Recognize(%q) = %q, %v", text, got, err)
		}
		l, err := speech.WAVLevel(audio)
		if err != nil || l.Silent() || l.Duration != 1500*time.Millisecond || l.Rate != 8000 {
			t.Errorf("audio of %q: %+v, %v; want 1.5 s of sound at 8 kHz", text, l, err)
		}
	}
	silent := UtteranceAudio("", 2*time.Second)
	if got, err := (Recognizer{}).Recognize(ctx, bytes.NewReader(silent), "s.wav", ""); err != nil || got != "" {
		t.Errorf("silence heard as %q, %v", got, err)
	}
	if l, err := speech.WAVLevel(silent); err != nil || !l.Silent() {
		t.Errorf("silent audio: %+v, %v", l, err)
	}
	_, err := Recognizer{}.Recognize(ctx, strings.NewReader("not audio"), "x.wav", "")
	if !errors.Is(err, ErrNotUtterance) || !strings.Contains(err.Error(), "x.wav") {
		t.Errorf("garbage: %v, want ErrNotUtterance naming the file", err)
	}
	cut := UtteranceAudio("cut short", time.Second)
	if _, err := (Recognizer{}).Recognize(ctx, bytes.NewReader(cut[:48]), "cut.wav", ""); !errors.Is(err, ErrNotUtterance) {
		t.Errorf("truncated: %v, want ErrNotUtterance", err)
	}
}
