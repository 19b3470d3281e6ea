package esl

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// tones are the "tone:NAME" media, as FreeSWITCH tone_stream TGML.
var tones = map[string]string{
	"ring":       "tone_stream://%(2000,4000,440,480);loops=-1",
	"busy":       "tone_stream://%(500,500,480,620);loops=-1",
	"congestion": "tone_stream://%(250,250,480,620);loops=-1",
	"beep":       "tone_stream://%(250,0,1000)",
}

// playArg turns Hotline media URIs into one argument for the playback
// application: a file, or a file_string:// list played in order. say
// tells whether numbers go through FreeSWITCH's say engine (mod_say_en).
func (p prompts) playArg(recordingDir string, say bool, media []string) (string, error) {
	if len(media) == 0 {
		return "", fmt.Errorf("no media: %w", ErrBadMedia)
	}
	var files []string
	said := false
	number := func(n int) {
		if say {
			files, said = append(files, sayNumber(n)), true
		} else {
			files = append(files, numberFiles(n)...)
		}
	}
	for i := 0; i < len(media); i++ {
		if n, ok := p.position(media, i); ok {
			files = append(files, stockYouAreNumber)
			number(n)
			files = append(files, stockInLine)
			i += 2
			continue
		}
		m := media[i]
		if rest, ok := strings.CutPrefix(m, "number:"); ok {
			n, err := strconv.Atoi(rest)
			if err != nil || n < 0 || n > 999999 {
				return "", fmt.Errorf("%q: numbers 0..999999 only: %w", m, ErrBadMedia)
			}
			number(n)
			continue
		}
		fs, err := p.mediaFiles(recordingDir, m)
		if err != nil {
			return "", err
		}
		files = append(files, fs...)
	}
	if len(files) == 0 {
		return "", fmt.Errorf("%q plays nothing: %w", media, ErrBadMedia)
	}
	if len(files) == 1 && !said {
		return files[0], nil
	}
	// A said number expands to several files, so it is always in a list.
	return "file_string://" + strings.Join(files, "!"), nil
}

func (p prompts) mediaFiles(recordingDir, uri string) ([]string, error) {
	scheme, rest, ok := strings.Cut(uri, ":")
	if !ok || rest == "" || strings.ContainsAny(rest, "!\n\r") {
		return nil, fmt.Errorf("%q: %w", uri, ErrBadMedia)
	}
	switch scheme {
	case "sound":
		// Relative to FreeSWITCH's sound_prefix, which picks the rate
		// folder; the built-in prompts by the sound names in use.
		return p.sound(rest), nil
	case "recording":
		if strings.Contains(rest, "/") {
			return nil, fmt.Errorf("%q: recording names have no directory: %w", uri, ErrBadMedia)
		}
		if path.Ext(rest) == "" {
			rest += ".wav"
		}
		return []string{path.Join(recordingDir, rest)}, nil
	case "file":
		return []string{rest}, nil
	case "digits":
		var out []string
		for _, d := range rest {
			if d < '0' || d > '9' {
				return nil, fmt.Errorf("%q: %w", uri, ErrBadMedia)
			}
			out = append(out, "digits/"+string(d)+".wav")
		}
		return out, nil
	case "tone":
		if t, ok := tones[rest]; ok {
			return []string{t}, nil
		}
	}
	return nil, fmt.Errorf("%q: %w", uri, ErrBadMedia)
}

// numberFiles speaks n with the English digits/ files of FreeSWITCH's
// sound pack (digits/0..19, tens, hundred, thousand).
func numberFiles(n int) []string {
	if n == 0 {
		return []string{"digits/0.wav"}
	}
	var out []string
	if n >= 1000 {
		out = append(out, numberFiles(n/1000)...)
		out = append(out, "digits/thousand.wav")
		n %= 1000
	}
	if n >= 100 {
		out = append(out, "digits/"+strconv.Itoa(n/100)+".wav", "digits/hundred.wav")
		n %= 100
	}
	switch {
	case n >= 20:
		out = append(out, "digits/"+strconv.Itoa(n/10*10)+".wav")
		if n%10 != 0 {
			out = append(out, "digits/"+strconv.Itoa(n%10)+".wav")
		}
	case n > 0:
		out = append(out, "digits/"+strconv.Itoa(n)+".wav")
	}
	return out
}
