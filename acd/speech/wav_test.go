package speech

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"
)

// wav builds a 16-bit PCM WAV of samples at rate, with an extra chunk
// before the data as Asterisk's and FreeSWITCH's files may have.
func wav(rate int, samples []int16) []byte {
	le := binary.LittleEndian
	b := []byte("RIFF\x00\x00\x00\x00WAVEfmt ")
	b = le.AppendUint32(b, 16)
	b = le.AppendUint16(b, 1)
	b = le.AppendUint16(b, 1)
	b = le.AppendUint32(b, uint32(rate))
	b = le.AppendUint32(b, uint32(2*rate))
	b = le.AppendUint16(b, 2)
	b = le.AppendUint16(b, 16)
	b = append(b, "LIST\x03\x00\x00\x00abc\x00"...)
	b = append(b, "data"...)
	b = le.AppendUint32(b, uint32(2*len(samples)))
	for _, s := range samples {
		b = le.AppendUint16(b, uint16(s))
	}
	le.PutUint32(b[4:], uint32(len(b)-8))
	return b
}

func TestWAVLevel(t *testing.T) {
	loud := make([]int16, 16000)
	for i := range loud {
		loud[i] = 1000
		if i%2 == 1 {
			loud[i] = -3000
		}
	}
	l, err := WAVLevel(wav(16000, loud))
	if err != nil || l.Duration != time.Second || l.Peak != 3000 || l.Rate != 16000 || l.Silent() || l.RMS < 2000 || l.RMS > 2300 {
		t.Errorf("loud: %+v, %v", l, err)
	}
	if l.Voice != time.Second {
		t.Errorf("loud: voice %v, want the whole second", l.Voice)
	}
	// 0.5 s of silence, 0.3 s of voice, 0.2 s of silence.
	mixed := make([]int16, 8000)
	for i := 4000; i < 6400; i++ {
		mixed[i] = int16(2000 * (i%2*2 - 1))
	}
	if l, err = WAVLevel(wav(8000, mixed)); err != nil || l.Voice != 300*time.Millisecond || l.Duration != time.Second {
		t.Errorf("mixed: %+v, %v; want 300ms of voice in 1s", l, err)
	}
	l, err = WAVLevel(wav(8000, make([]int16, 4000)))
	if err != nil || l.Duration != 500*time.Millisecond || !l.Silent() || l.Voice != 0 {
		t.Errorf("quiet: %+v, %v", l, err)
	}
	for name, bad := range map[string][]byte{
		"empty":   nil,
		"text":    []byte("hello, this is not audio"),
		"8-bit":   func() []byte { b := wav(8000, nil); binary.LittleEndian.PutUint16(b[34:], 8); return b }(),
		"no data": wav(8000, nil)[:44],
		"no fmt":  append([]byte("RIFF\x04\x00\x00\x00WAVE"), "data\x00\x00\x00\x00"...),
	} {
		if _, err := WAVLevel(bad); !errors.Is(err, ErrNotWAV) {
			t.Errorf("%s: %v, want ErrNotWAV", name, err)
		}
	}
}
