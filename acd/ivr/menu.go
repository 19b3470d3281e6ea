package ivr

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

func init() {
	Register(Kind{Name: "menu", New: func() Node { return &Menu{Timeout: DefaultTimeout, Retries: DefaultRetries} }})
}

// Menu plays a prompt and waits for one DTMF key. A key it knows leads to
// its target; an unknown key or no key within Timeout replays the prompt
// (the Invalid media first for a wrong key) until Retries are spent, then
// the Default target is taken.
type Menu struct {
	Prompt  []string          `yaml:"prompt"`  // media played, e.g. ["sound:press-1", ...]
	Timeout time.Duration     `yaml:"timeout"` // wait for a key after the prompt
	Retries int               `yaml:"retries"` // replays on no key or an invalid key
	Invalid []string          `yaml:"invalid"` // played before the prompt after an invalid key
	Options map[string]Target `yaml:"options"` // key → where to go
	Default Target            `yaml:"default"` // after the retries
}

// Target is where a menu sends the call: a queue, another node of the flow,
// or else (neither set) the Message played before hanging up.
type Target struct {
	Queue   string   `yaml:"queue,omitempty"`
	Node    string   `yaml:"node,omitempty"`
	Message []string `yaml:"message,omitempty"`
}

// Keys are the DTMF keys a menu option may use.
const Keys = "0123456789*#"

var _ Validator = (*Menu)(nil)

// Kind implements Node.
func (m *Menu) Kind() string { return "menu" }

// Next implements Node.
func (m *Menu) Next() []Link {
	var next []Link
	for _, key := range slices.Sorted(maps.Keys(m.Options)) {
		next = append(next, m.Options[key].link("options."+key))
	}
	return append(next, m.Default.link("default"))
}

func (t Target) link(field string) Link {
	if t.Queue != "" {
		return Link{Field: field}
	}
	return Link{Field: field, Node: t.Node}
}

// Validate implements Validator.
func (m *Menu) Validate() error {
	var problems []string
	if m.Timeout <= 0 {
		problems = append(problems, fmt.Sprintf("timeout %v: must be positive", m.Timeout))
	}
	if m.Retries < 0 {
		problems = append(problems, fmt.Sprintf("retries %d: must be 0 or more", m.Retries))
	}
	for key := range m.Options {
		if len(key) != 1 || !strings.Contains(Keys, key) {
			problems = append(problems, fmt.Sprintf("option %q: not a DTMF key", key))
		}
	}
	return bad(problems)
}

// Enter implements Node.
func (m *Menu) Enter(_ At, st State) (State, []Action) { return st, m.prompt(nil) }

// Step implements Node.
func (m *Menu) Step(at At, st State, in Input) (State, []Action) {
	switch in := in.(type) {
	case PlaybackDone:
		return st, []Action{StartTimer{After: m.Timeout}}
	case Timeout:
		return m.retry(st, "timeout", nil)
	case Digit:
		// A key ends both the prompt and the wait for a key.
		acts := []Action{CancelTimer{}, StopPlay{}}
		t, ok := m.Options[in.Key]
		if !ok {
			acts = append(acts, Warn{Code: "dtmf-no-meaning", Text: fmt.Sprintf("key %s means nothing in menu %q", in.Key, at.Node)})
			st, more := m.retry(st, "invalid key "+in.Key, m.Invalid)
			return st, append(acts, more...)
		}
		return st, append(acts, Note{Kind: "menu-choice", Detail: in.Key}, goTarget(t))
	}
	return st, nil
}

func (m *Menu) retry(st State, why string, extra []string) (State, []Action) {
	st.Tries++
	if st.Tries > m.Retries {
		return st, []Action{Note{Kind: "menu-default", Detail: why}, goTarget(m.Default)}
	}
	return st, append([]Action{Note{Kind: "menu-retry", Detail: why}}, m.prompt(extra)...)
}

// prompt plays extra then the menu's prompt; with nothing to play, the wait
// for a key starts at once.
func (m *Menu) prompt(extra []string) []Action {
	media := append(append([]string(nil), extra...), m.Prompt...)
	if len(media) == 0 {
		return []Action{StartTimer{After: m.Timeout}}
	}
	return []Action{Play{Media: media}}
}

// goTarget is where a menu target sends the call: a queue wins over a node;
// neither means play the message (if any) and hang up.
func goTarget(t Target) Action {
	switch {
	case t.Queue != "":
		return ToQueue{Queue: t.Queue}
	case t.Node != "":
		return Goto{Node: t.Node}
	default:
		return Leave{Media: t.Message}
	}
}
