package speech

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrNotWAV is audio that is not a 16-bit PCM WAV file.
var ErrNotWAV = errors.New("not a 16-bit PCM WAV file")

// Level is what a WAV file holds: how long it plays and how loud it is.
type Level struct {
	Rate     int           // samples per second
	Duration time.Duration // of the data, all channels together
	RMS      float64       // root mean square of the samples, 0 to 32768
	Peak     int           // largest absolute sample
	// Voice is how long the sound lasts: from the first to the last 20 ms
	// frame louder than line noise (0 when there is none).
	Voice time.Duration
}

// Silent reports whether the audio holds nothing a recognizer could hear:
// no data, or samples no louder than line noise.
func (l Level) Silent() bool { return l.Duration == 0 || l.Peak < 300 }

// WAVLevel reads a 16-bit PCM WAV file from memory (the chunks in any
// order, as Asterisk and FreeSWITCH write them) and measures its data.
func WAVLevel(audio []byte) (Level, error) {
	le := binary.LittleEndian
	if len(audio) < 12 || string(audio[:4]) != "RIFF" || string(audio[8:12]) != "WAVE" {
		return Level{}, fmt.Errorf("%w: %d bytes without a RIFF/WAVE header", ErrNotWAV, len(audio))
	}
	var channels, bits, rate int
	var data []byte
	found := false
	for rest := audio[12:]; len(rest) >= 8; {
		id, n := string(rest[:4]), int(le.Uint32(rest[4:8]))
		body := rest[8:]
		if n > len(body) || n < 0 {
			n = len(body) // a recorder that never patched the sizes
		}
		switch id {
		case "fmt ":
			if n < 16 || le.Uint16(body) != 1 {
				return Level{}, fmt.Errorf("%w: fmt chunk of %d bytes, format %d", ErrNotWAV, n, le.Uint16(body))
			}
			channels, rate, bits = int(le.Uint16(body[2:])), int(le.Uint32(body[4:])), int(le.Uint16(body[14:]))
		case "data":
			data, found = body[:n], true
		}
		rest = body[min(n+n%2, len(body)):]
	}
	switch {
	case channels == 0 || rate == 0:
		return Level{}, fmt.Errorf("%w: no fmt chunk", ErrNotWAV)
	case bits != 16:
		return Level{}, fmt.Errorf("%w: %d bits per sample", ErrNotWAV, bits)
	case !found:
		return Level{}, fmt.Errorf("%w: no data chunk", ErrNotWAV)
	}
	l := Level{Rate: rate}
	l.Voice = voiceSpan(data, rate*channels)
	samples := len(data) / 2
	if samples == 0 {
		return l, nil
	}
	var sum float64
	for i := 0; i+1 < len(data); i += 2 {
		v := int(int16(le.Uint16(data[i:])))
		sum += float64(v) * float64(v)
		l.Peak = max(l.Peak, v, -v)
	}
	l.RMS = math.Sqrt(sum / float64(samples))
	l.Duration = time.Duration(samples/channels) * time.Second / time.Duration(rate)
	return l, nil
}

// voiceSpan measures Level.Voice over 16-bit samples at rate a second.
func voiceSpan(data []byte, rate int) time.Duration {
	frame := rate / 50 * 2 // bytes in 20 ms
	if frame == 0 {
		return 0
	}
	first, last := -1, -1
	for n := 0; (n+1)*frame <= len(data); n++ {
		var sum float64
		for j := n * frame; j+1 < (n+1)*frame; j += 2 {
			v := float64(int16(binary.LittleEndian.Uint16(data[j:])))
			sum += v * v
		}
		if math.Sqrt(sum/float64(frame/2)) > 400 {
			if first < 0 {
				first = n
			}
			last = n
		}
	}
	if first < 0 {
		return 0
	}
	return time.Duration(last-first+1) * 20 * time.Millisecond
}
