package config

import (
	"net/url"
	"time"
)

// Speech is how the IVR speaks its texts (say:) and hears callers.
type Speech struct {
	// Prompts is the directory of rendered prompts (espeak-ng + sox, see
	// hotline ivr prompts); serve renders what is missing there at start.
	Prompts string `yaml:"prompts"`
	// PromptURL is the base URL the switch fetches prompts from, e.g.
	// http://127.0.0.1:8090/prompts/ (Hotline serves the directory there);
	// "" = the switch plays them by their path, so it must see Prompts.
	PromptURL string `yaml:"prompt_url"`
	Speed     int    `yaml:"speed"` // words per minute
	// Recognizer, where set, lets callers say their question after a beep.
	Recognizer Recognizer `yaml:"recognizer"`
	// ListenSilence is how long a caller is silent before the switch ends
	// what it records of them, where a node sets no listen_silence of its
	// own. Whole seconds: switches count silence in seconds.
	ListenSilence time.Duration `yaml:"listen_silence"`
}

// MaxListenSilence bounds speech.listen_silence: a caller silent that long
// has said what they had to say.
const MaxListenSilence = 30 * time.Second

// Recognizer is a speech-to-text service speaking the transcription API
// (POST /v1/audio/transcriptions).
type Recognizer struct {
	URL     string        `yaml:"url"`     // "" = none: the IVR works by keys alone
	Model   string        `yaml:"model"`   // sent as the model field; "" = whisper-1
	Token   string        `yaml:"token"`   // Bearer token, if the service wants one
	Timeout time.Duration `yaml:"timeout"` // one transcription at most
}

func (v *validator) speech() {
	s := v.cfg.Speech
	if s.Speed < 80 || s.Speed > 450 {
		v.add("speech.speed", "%d words per minute: want 80 to 450", s.Speed)
	}
	for _, f := range []struct{ path, v string }{{"speech.prompt_url", s.PromptURL}, {"speech.recognizer.url", s.Recognizer.URL}} {
		if f.v == "" {
			continue
		}
		if u, err := url.Parse(f.v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.add(f.path, "%q: want an http:// or https:// URL", f.v)
		}
	}
	if l := s.ListenSilence; l < time.Second || l > MaxListenSilence || l%time.Second != 0 {
		v.add("speech.listen_silence", "%v: want whole seconds from 1s to %v, such as 2s", l, MaxListenSilence)
	}
	if s.Recognizer.Timeout <= 0 {
		v.add("speech.recognizer.timeout", "%v: want a positive duration such as 10s", s.Recognizer.Timeout)
	}
}
