package sim

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
)

// Speaking: how long the sim's callers take per word, and how long after
// a beep a caller starts when its script gives no delay.
const (
	wordTime      = 400 * time.Millisecond
	defaultSayGap = 500 * time.Millisecond
)

// textChunk is the RIFF chunk in which the sim's utterances carry the
// words said, for Recognizer.
const textChunk = "htxt"

// UtteranceAudio is the WAV file the sim records when a caller says text:
// 8 kHz mono 16-bit, d long, a tone with the words in a chunk of its own
// that Recognizer reads. Empty text gives a silent file without the chunk.
func UtteranceAudio(text string, d time.Duration) []byte {
	samples := make([]byte, 2*int(d/time.Second*8000+d%time.Second*8000/time.Second))
	if text != "" {
		for i := 0; i < len(samples); i += 2 {
			v := int16(4000) // a 400 Hz square wave
			if i/2%20 >= 10 {
				v = -v
			}
			binary.LittleEndian.PutUint16(samples[i:], uint16(v))
		}
	}
	var chunks bytes.Buffer
	chunk := func(id string, body []byte) {
		chunks.WriteString(id)
		_ = binary.Write(&chunks, binary.LittleEndian, uint32(len(body)))
		chunks.Write(body)
		if len(body)%2 == 1 {
			chunks.WriteByte(0)
		}
	}
	fmtBody := make([]byte, 16)
	binary.LittleEndian.PutUint16(fmtBody[0:], 1)     // PCM
	binary.LittleEndian.PutUint16(fmtBody[2:], 1)     // mono
	binary.LittleEndian.PutUint32(fmtBody[4:], 8000)  // rate
	binary.LittleEndian.PutUint32(fmtBody[8:], 16000) // bytes per second
	binary.LittleEndian.PutUint16(fmtBody[12:], 2)    // block align
	binary.LittleEndian.PutUint16(fmtBody[14:], 16)   // bits
	chunk("fmt ", fmtBody)
	if text != "" {
		chunk(textChunk, []byte(text))
	}
	chunk("data", samples)
	var out bytes.Buffer
	out.WriteString("RIFF")
	_ = binary.Write(&out, binary.LittleEndian, uint32(4+chunks.Len()))
	out.WriteString("WAVE")
	out.Write(chunks.Bytes())
	return out.Bytes()
}

// ErrNotUtterance is audio the sim's Recognizer cannot read: not a WAV
// file.
var ErrNotUtterance = errors.New("sim recognizer: not a WAV file")

// Recognizer understands the utterances the sim records (UtteranceAudio):
// it answers the words the caller said, "" for silence. It has the method
// of speech.Recognizer, without a network.
type Recognizer struct{}

// Recognize implements speech.Recognizer.
func (Recognizer) Recognize(ctx context.Context, audio io.Reader, filename, lang string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	raw, err := io.ReadAll(audio)
	if err != nil {
		return "", fmt.Errorf("sim recognizer: reading %s: %w", filename, err)
	}
	if len(raw) < 12 || string(raw[:4]) != "RIFF" || string(raw[8:12]) != "WAVE" {
		return "", fmt.Errorf("%w: %s (%d bytes)", ErrNotUtterance, filename, len(raw))
	}
	for rest := raw[12:]; len(rest) >= 8; {
		id, n := string(rest[:4]), int(binary.LittleEndian.Uint32(rest[4:8]))
		if n > len(rest)-8 {
			return "", fmt.Errorf("%w: %s: chunk %q runs past the end", ErrNotUtterance, filename, id)
		}
		if id == textChunk {
			return strings.TrimSpace(string(rest[8 : 8+n])), nil
		}
		rest = rest[8+n+n%2:]
		if n%2 == 1 && len(rest) == 0 {
			break
		}
	}
	return "", nil
}

// listening is a Listen running on a channel.
type listening struct {
	said  string // the words being or having been said; "" = silent so far
	timer TimerID
}

// Listen implements pbx.Switch. A caller whose script has words to Say
// says them to the first Listen of the call, and SayNext to the Listens
// after, one each ("" says nothing), SayDelay after the beep, at
// wordTime a word;
// the utterance ends Silence after the last word, at Max, or at once on
// silence. Path is "sim://recordings/NAME.wav".
func (s *Switch) Listen(ctx context.Context, req pbx.ListenRequest) error {
	if err := s.lock(ctx, "listen"); err != nil {
		return err
	}
	defer s.unlock()
	if err := pbx.CheckRecordingName(req.Name); err != nil {
		return fmt.Errorf("sim: listen: %w", err)
	}
	if s.recordings[req.Name] != nil {
		return fmt.Errorf("sim: listen %q: %w", req.Name, pbx.ErrDuplicateID)
	}
	ch, err := s.channel("listen "+req.Name, req.Channel)
	if err != nil {
		return err
	}
	maxLen, silence := req.Limits()
	l := &listening{}
	r := &recording{name: req.Name, format: "wav", channel: ch.id, listen: l}
	r.started = s.clock.Now().Add(s.opts.Latency)
	ch.recordings = append(ch.recordings, r.name)
	s.recordings[r.name] = r
	s.stats.Recordings++
	end := silence
	say := ch.script.utterance(ch.listens)
	ch.listens++
	if say != "" {
		gap := ch.script.sayDelay
		if gap <= 0 {
			gap = defaultSayGap
		}
		if gap < silence {
			s.after(s.opts.Latency+gap, func() {
				if s.recordings[r.name] == r {
					l.said = say
				}
			})
			end = gap + time.Duration(len(strings.Fields(say)))*wordTime + silence
		}
	}
	l.timer = s.after(s.opts.Latency+min(end, maxLen), func() { s.finishRecording(r) })
	return nil
}

// utterance is the event that ends a Listen.
func (s *Switch) utterance(r *recording) pbx.Utterance {
	s.clock.Cancel(r.listen.timer)
	d := max(s.clock.Now().Sub(r.started), 0)
	return pbx.Utterance{
		Base:     s.base(r.channel),
		Name:     r.name,
		Path:     "sim://recordings/" + r.name + ".wav",
		Audio:    UtteranceAudio(r.listen.said, d),
		Duration: d,
	}
}

// utterance is what the caller says to its nth Listen (from 0), "" for
// nothing.
func (c callerScript) utterance(n int) string {
	if n == 0 {
		return c.say
	}
	if n <= len(c.sayNext) {
		return c.sayNext[n-1]
	}
	return ""
}
