package ivr

import (
	"strings"
	"time"
)

func init() {
	Register(Kind{Name: "voicemail", New: func() Node { return new(Voicemail) }})
}

// Voicemail takes a message: its prompt and a beep, then the caller's words
// are recorded until # (or any key of Keys), Max, or the caller hangs up.
// The message becomes a callback task for Queue to the caller's number,
// with the recording; Thanks plays before the call ends.
type Voicemail struct {
	Queue     string            `yaml:"queue"`
	Prompt    []string          `yaml:"prompt"`
	Say       map[string]string `yaml:"say"`  // e.g. "Leave your message after the tone, then press hash."
	Max       time.Duration     `yaml:"max"`  // longest message; 0 = 2m
	Keys      string            `yaml:"keys"` // keys that end the message; "" = "#"
	Thanks    []string          `yaml:"thanks"`
	ThanksSay map[string]string `yaml:"thanks_say"`
}

// VoicemailRecording is the Record name (and the Callback recording) of a
// voicemail: the host makes it unique to the call.
const VoicemailRecording = "voicemail"

// beep ends a voicemail's prompt.
const beep = "tone:beep"

var _ Sayer = (*Voicemail)(nil)

// Kind implements Node.
func (*Voicemail) Kind() string { return "voicemail" }

// Next implements Node.
func (*Voicemail) Next() []Link { return []Link{{Field: "queue"}} }

// Says implements Sayer.
func (v *Voicemail) Says() []map[string]string { return []map[string]string{v.Say, v.ThanksSay} }

// Validate implements Validator.
func (v *Voicemail) Validate() error {
	var problems []string
	if v.Queue == "" {
		problems = append(problems, "queue: missing; name the queue whose agents call back")
	}
	if v.Max < 0 {
		problems = append(problems, "max: must be 0 (2m) or more")
	}
	return bad(problems)
}

func (v *Voicemail) max() time.Duration {
	if v.Max <= 0 {
		return 2 * time.Minute
	}
	return v.Max
}

// Enter implements Node.
func (v *Voicemail) Enter(_ At, st State) (State, []Action) {
	if st.Buf == recording {
		// Resumed after a restart mid-message: the switch still records
		// it; the greeting is not played again nor a second recording
		// started. The message gets its whole Max again from here.
		return st, []Action{StartTimer{After: v.max()}}
	}
	st.Buf = ""
	return st, []Action{Play{Media: append(media(v.Prompt, v.Say, st), beep)}}
}

// recording marks a voicemail whose message is being recorded.
const recording = "r"

// Step implements Node.
func (v *Voicemail) Step(_ At, st State, in Input) (State, []Action) {
	switch in := in.(type) {
	case PlaybackDone:
		if st.Buf == "" {
			st.Buf = recording
			return st, []Action{Note{Kind: "voicemail", Detail: "recording"}, Record{Name: VoicemailRecording, Max: v.max()}, StartTimer{After: v.max()}}
		}
	case Digit:
		keys := v.Keys
		if keys == "" {
			keys = "#"
		}
		if st.Buf == recording && in.Key != "" && strings.Contains(keys, in.Key) {
			return v.left(st, "key "+in.Key, []Action{CancelTimer{}})
		}
	case Timeout:
		if st.Buf == recording {
			return v.left(st, "max "+v.max().String(), nil)
		}
	case HungUp:
		if st.Buf == recording {
			return v.left(st, "hung up", nil)
		}
	}
	return st, nil
}

func (v *Voicemail) left(st State, how string, acts []Action) (State, []Action) {
	st.Buf = ""
	return st, append(acts, Note{Kind: "voicemail-left", Detail: how}, Callback{Queue: v.Queue, Number: st.Var(VarCaller),
		Recording: VoicemailRecording, Media: media(v.Thanks, v.ThanksSay, st)})
}
