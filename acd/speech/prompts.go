package speech

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Voices are espeak-ng's voices for the prompt languages.
var Voices = map[string]string{"en": "en-us", "ru": "ru", "de": "de", "fr": "fr", "es": "es"}

// ErrPromptTool is a text-to-speech tool missing or failing.
var ErrPromptTool = errors.New("prompt rendering")

// ErrStalePrompt is a prompt file that is not the 8 kHz mono 16-bit WAV
// it should be (cut short, or left by something else).
var ErrStalePrompt = errors.New("stale prompt file")

// Prompts renders texts to telephone audio (8 kHz mono 16-bit WAV) with
// espeak-ng and sox into Dir, each file named by a hash of its text, voice
// and speed, so a text rendered once is not rendered again. It is safe for
// concurrent use: the engine asks for media on its loop while renders run
// elsewhere.
type Prompts struct {
	Dir   string
	Speed int    // words per minute; 0 = 150
	URL   string // base URL the switch fetches Dir from; "" = play by path

	mu       sync.Mutex      // guards ready, kept and sweeping
	ready    map[string]bool // file names known rendered and sound
	kept     map[string]bool // file names Sweep leaves: the flows' fixed texts
	sweeping map[string]bool // file names Sweep is removing: not marked ready meanwhile
}

// Keep marks the file of text in lang as one that stays: Sweep leaves it.
// The host keeps the flows' fixed texts, rendered once for every call.
func (p *Prompts) Keep(lang, text string) error {
	name, err := p.File(lang, text)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.kept == nil {
		p.kept = map[string]bool{}
	}
	p.kept[name] = true
	return nil
}

// promptFile is a rendered prompt's file name (see File).
var promptFile = regexp.MustCompile(`^[0-9a-f]{24}\.wav$`)

// Sweep removes the prompts in Dir not kept (see Keep) whose files were
// last written before before: texts rendered per call, such as a
// looked-up order status, are of no use once their call is over, and kept
// they would fill the disk, a file per call, each speaking a caller's
// data. A swept text asked for again is rendered again. Files that are
// not prompts are left alone.
func (p *Prompts) Sweep(before time.Time) (removed int, err error) {
	entries, err := os.ReadDir(p.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var errs []error
	for _, e := range entries {
		name := e.Name()
		if !promptFile.MatchString(name) || !e.Type().IsRegular() {
			continue
		}
		p.mu.Lock()
		kept := p.kept[name]
		p.mu.Unlock()
		if kept {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(before) {
			continue
		}
		// Not ready from now until the file is gone, so that a call asking
		// meanwhile, whose render finds the file still there, does not
		// leave it taken as rendered once removed.
		p.mu.Lock()
		if p.sweeping == nil {
			p.sweeping = map[string]bool{}
		}
		p.sweeping[name] = true
		delete(p.ready, name)
		p.mu.Unlock()
		err = os.Remove(filepath.Join(p.Dir, name))
		p.mu.Lock()
		delete(p.sweeping, name)
		p.mu.Unlock()
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		removed++
	}
	return removed, errors.Join(errs...)
}

// File is the file name (no directory) text in lang renders to.
func (p *Prompts) File(lang, text string) (string, error) {
	voice, ok := Voices[lang]
	if !ok {
		return "", fmt.Errorf("%w: no voice for language %q; known: %v", ErrPromptTool, lang, slices.Sorted(maps.Keys(Voices)))
	}
	sum := sha256.Sum256([]byte(voice + "\x00" + strconv.Itoa(p.speed()) + "\x00" + text))
	return hex.EncodeToString(sum[:12]) + ".wav", nil
}

func (p *Prompts) speed() int {
	if p.Speed <= 0 {
		return 150
	}
	return p.Speed
}

// Media is the media item that plays text in lang, and whether its file is
// known to be rendered. It touches no disk.
func (p *Prompts) Media(lang, text string) (string, bool) {
	name, err := p.File(lang, text)
	if err != nil {
		return "", false
	}
	p.mu.Lock()
	ready := p.ready[name]
	p.mu.Unlock()
	if p.URL != "" {
		return "sound:" + strings.TrimRight(p.URL, "/") + "/" + name, ready
	}
	abs, err := filepath.Abs(filepath.Join(p.Dir, name))
	if err != nil {
		abs = filepath.Join(p.Dir, name)
	}
	return "file:" + abs, ready
}

// Render makes sure text in lang is rendered: a sound file already there is
// kept, a missing or stale one is rendered. rendered says it had to be.
func (p *Prompts) Render(ctx context.Context, lang, text string) (rendered bool, err error) {
	name, err := p.File(lang, text)
	if err != nil {
		return false, err
	}
	path := filepath.Join(p.Dir, name)
	if err := CheckWAV(path); err == nil {
		p.mark(name)
		return false, nil
	} else if !errors.Is(err, os.ErrNotExist) && !errors.Is(err, ErrStalePrompt) {
		return false, err
	}
	if err := CheckTools(); err != nil {
		return false, fmt.Errorf("%s for %q: %w", path, text, err)
	}
	if err := os.MkdirAll(p.Dir, 0o755); err != nil {
		return false, err
	}
	if err := renderOne(ctx, path, Voices[lang], p.speed(), text); err != nil {
		return false, err
	}
	p.mark(name)
	return true, nil
}

func (p *Prompts) mark(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sweeping[name] {
		return // being removed: the next ask renders it again
	}
	if p.ready == nil {
		p.ready = map[string]bool{}
	}
	p.ready[name] = true
}

// CheckTools reports a missing espeak-ng or sox.
func CheckTools() error {
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%w: %s not found in PATH; install it (Debian: apt-get install espeak-ng sox)", ErrPromptTool, tool)
		}
	}
	return nil
}

// renderOne speaks text into a temporary file and converts it; the prompt
// appears under its name only when complete.
func renderOne(ctx context.Context, path, voice string, speed int, text string) error {
	raw := path + ".espeak.wav"
	tmp := path + ".tmp.wav"
	defer os.Remove(raw)
	defer os.Remove(tmp)
	if out, err := exec.CommandContext(ctx, "espeak-ng", "-v", voice, "-s", strconv.Itoa(speed), "-w", raw, "--", text).CombinedOutput(); err != nil {
		return fmt.Errorf("%w: espeak-ng: %v: %s", ErrPromptTool, err, out)
	}
	if out, err := exec.CommandContext(ctx, "sox", raw, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", tmp).CombinedOutput(); err != nil {
		return fmt.Errorf("%w: sox: %v: %s", ErrPromptTool, err, out)
	}
	return os.Rename(tmp, path)
}

// CheckWAV reports whether path is a complete 8 kHz mono 16-bit PCM WAV
// file: ErrStalePrompt if not, an os.ErrNotExist error if it is missing.
func CheckWAV(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var h [44]byte
	if _, err := io.ReadFull(f, h[:]); err != nil {
		return fmt.Errorf("%s: %w: %d-byte header cut short", path, ErrStalePrompt, len(h))
	}
	le := binary.LittleEndian
	switch {
	case string(h[0:4]) != "RIFF" || string(h[8:12]) != "WAVE" || string(h[12:16]) != "fmt ":
		return fmt.Errorf("%s: %w: not a WAV file", path, ErrStalePrompt)
	case le.Uint16(h[20:]) != 1 || le.Uint16(h[22:]) != 1 || le.Uint32(h[24:]) != 8000 || le.Uint16(h[34:]) != 16:
		return fmt.Errorf("%s: %w: format %d, %d channels, %d Hz, %d bits; want PCM, mono, 8000 Hz, 16 bits",
			path, ErrStalePrompt, le.Uint16(h[20:]), le.Uint16(h[22:]), le.Uint32(h[24:]), le.Uint16(h[34:]))
	}
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if size := int64(le.Uint32(h[4:])) + 8; st.Size() < size {
		return fmt.Errorf("%s: %w: %d bytes, the header says %d", path, ErrStalePrompt, st.Size(), size)
	}
	return nil
}
