package ivr

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

func init() {
	Register(Kind{Name: "faq", New: func() Node { return &FAQ{Timeout: DefaultTimeout, Retries: DefaultRetries} }})
}

// FAQ answers typical questions. The caller presses an entry's key or,
// where the host has a speech recognizer, says the question (a Listen
// action after the prompt; the host answers with a Phrase input, or
// ignores Listen and the FAQ works by keys alone). A phrase that matches an
// entry with a score of Threshold or more is answered; a weaker best guess
// is offered for confirmation (1 yes, 2 no). After an answer the caller may
// hear it again (RepeatKey), ask another question (BackKey) or ask for a
// person (AgentKey, at any time, or a phrase of AgentPhrases); silence
// after an answer ends the call (Then "") or goes on to Then.
type FAQ struct {
	Prompt       []string            `yaml:"prompt"`
	Say          map[string]string   `yaml:"say"`
	After        map[string]string   `yaml:"after"`   // said after each answer, e.g. "1 to repeat, 2 for another question, 0 for a person"
	Confirm      map[string]string   `yaml:"confirm"` // "Did you mean {guess}? Press 1 for yes, 2 for no."
	Entries      []FAQEntry          `yaml:"entries"`
	AgentPhrases map[string][]string `yaml:"agent_phrases"` // language → phrases asking for a person
	Threshold    float64             `yaml:"threshold"`     // 0 = 0.5
	Listen       time.Duration       `yaml:"listen"`        // longest utterance recorded; 0 = 8s
	// ListenSilence is the silence that ends an utterance, in whole
	// seconds; 0 = the host's default (speech.listen_silence).
	ListenSilence time.Duration `yaml:"listen_silence"`
	Timeout       time.Duration `yaml:"timeout"` // wait for a key or phrase after a prompt
	Retries       int           `yaml:"retries"`
	RepeatKey     string        `yaml:"repeat_key"` // "" = "1"
	BackKey       string        `yaml:"back_key"`   // "" = "2"
	AgentKey      string        `yaml:"agent_key"`  // "" = "0"
	Agent         string        `yaml:"agent"`      // node for a caller who asks for a person
	Fallback      string        `yaml:"fallback"`   // after the retries; "" = Agent
	Then          string        `yaml:"next"`       // after an answer and silence; "" = hang up

	once    sync.Once
	matcher *Matcher
}

// FAQEntry is one question the FAQ answers.
type FAQEntry struct {
	ID      string              `yaml:"id"`
	Key     string              `yaml:"key"`
	Answer  []string            `yaml:"prompt"` // media
	Say     map[string]string   `yaml:"say"`    // or text per language
	Phrases map[string][]string `yaml:"phrases"`
}

// agentID is the matcher's name for the phrases that ask for a person.
const agentID = "\x00agent"

// Listen asks the host to record what the caller says (up to Max, ending on
// Silence, 0 = the host's default) and, if it has a recognizer, to come
// back with a Phrase input.
type Listen struct{ Max, Silence time.Duration }

func (Listen) action() {}
func (a Listen) String() string {
	if a.Silence > 0 {
		return "listen " + a.Max.String() + " silence " + a.Silence.String()
	}
	return "listen " + a.Max.String()
}
func (*FAQ) Kind() string { return "faq" }
func (f *FAQ) key(k, def string) string {
	if k == "" {
		return def
	}
	return k
}

// Matcher is the FAQ's text matcher over its entries' phrases.
func (f *FAQ) Matcher() *Matcher {
	f.once.Do(func() {
		entries := slices.Clone(f.Entries)
		if len(f.AgentPhrases) > 0 {
			entries = append(entries, FAQEntry{ID: agentID, Phrases: f.AgentPhrases})
		}
		f.matcher = NewMatcher(entries)
	})
	return f.matcher
}

// Next implements Node.
func (f *FAQ) Next() []Link {
	next := []Link{{Field: "agent", Node: f.Agent}, {Field: "next", Node: f.Then}}
	if f.Fallback != "" {
		next = append(next, Link{Field: "fallback", Node: f.Fallback})
	}
	return next
}

// Validate implements Validator.
func (f *FAQ) Validate() error {
	var problems []string
	if len(f.Entries) == 0 {
		problems = append(problems, "entries: none")
	}
	control := map[string]string{f.key(f.AgentKey, "0"): "agent_key"}
	ids, keys := map[string]int{}, map[string]int{}
	for i, e := range f.Entries {
		p := fmt.Sprintf("entries.%d", i)
		if e.ID == "" {
			problems = append(problems, p+".id: missing")
		} else if j, dup := ids[e.ID]; dup {
			problems = append(problems, fmt.Sprintf("%s.id: %q already used by entries.%d", p, e.ID, j))
		} else {
			ids[e.ID] = i
		}
		if e.Key != "" {
			switch j, dup := keys[e.Key]; {
			case len(e.Key) != 1 || !strings.Contains(Keys, e.Key):
				problems = append(problems, fmt.Sprintf("%s.key %q: not a DTMF key", p, e.Key))
			case dup:
				problems = append(problems, fmt.Sprintf("%s.key %q: already used by entries.%d", p, e.Key, j))
			case control[e.Key] != "":
				problems = append(problems, fmt.Sprintf("%s.key %q: is the %s", p, e.Key, control[e.Key]))
			default:
				keys[e.Key] = i
			}
		}
		if e.Key == "" && len(e.Phrases) == 0 {
			problems = append(problems, p+": neither key nor phrases; callers cannot reach it")
		}
		if len(e.Answer) == 0 && len(e.Say) == 0 {
			problems = append(problems, p+": no answer; set prompt or say")
		}
	}
	if f.Agent == "" {
		problems = append(problems, "agent: missing; the node for a caller who asks for a person")
	}
	if f.Timeout <= 0 {
		problems = append(problems, "timeout: missing or not positive")
	}
	if f.Threshold < 0 || f.Threshold > 1 {
		problems = append(problems, fmt.Sprintf("threshold %v: between 0 and 1", f.Threshold))
	}
	if f.Retries < 0 {
		problems = append(problems, fmt.Sprintf("retries %d: must be 0 or more", f.Retries))
	}
	if p := CheckListen(f.Listen, f.ListenSilence); p != "" {
		problems = append(problems, p)
	}
	return bad(problems)
}

func (f *FAQ) entry(id string) (FAQEntry, bool) {
	i := slices.IndexFunc(f.Entries, func(e FAQEntry) bool { return e.ID == id })
	if i < 0 {
		return FAQEntry{}, false
	}
	return f.Entries[i], true
}

// Enter implements Node.
func (f *FAQ) Enter(_ At, st State) (State, []Action) {
	switch phase, id, _ := strings.Cut(st.Buf, ":"); phase {
	case "a":
		if e, ok := f.entry(id); ok {
			return st, f.answerMedia(st, e)
		}
	}
	st.Buf = ""
	return st, f.ask(st, nil)
}

func (f *FAQ) ask(st State, extra []string) []Action {
	m := append(append([]string(nil), extra...), media(f.Prompt, f.Say, st)...)
	if len(m) == 0 {
		return f.wait()
	}
	return []Action{Play{Media: m}}
}

func (f *FAQ) wait() []Action {
	listen := f.Listen
	if listen <= 0 {
		listen = DefaultListen
	}
	return []Action{StartTimer{After: f.Timeout}, Listen{Max: listen, Silence: f.ListenSilence}}
}

// DefaultListen is the longest utterance a node records when its listen
// is unset.
const DefaultListen = 8 * time.Second

// CheckListen checks a node's listen and listen_silence settings; it
// returns the problem, "" if none. Switches count silence in whole seconds,
// and a silence as long as the utterance's cap would never end it.
func CheckListen(listen, silence time.Duration) string {
	if listen < 0 {
		return fmt.Sprintf("listen %v: must be positive (0 = %v)", listen, DefaultListen)
	}
	if listen == 0 {
		listen = DefaultListen
	}
	switch {
	case silence < 0 || silence%time.Second != 0:
		return fmt.Sprintf("listen_silence %v: want whole seconds such as 3s (0 = speech.listen_silence)", silence)
	case silence >= listen:
		return fmt.Sprintf("listen_silence %v: must be shorter than listen (%v), or it never ends an utterance", silence, listen)
	}
	return ""
}

// Step implements Node.
func (f *FAQ) Step(_ At, st State, in Input) (State, []Action) {
	phase, id, _ := strings.Cut(st.Buf, ":")
	switch in := in.(type) {
	case PlaybackDone:
		return st, f.wait()
	case Timeout:
		if phase == "a" {
			acts := []Action{Note{Kind: "faq-done", Detail: id}}
			if f.Then == "" {
				return st, append(acts, Leave{})
			}
			return st, append(acts, Goto{Node: f.Then})
		}
		return f.retry(st, "timeout")
	case Digit:
		acts := []Action{CancelTimer{}, StopPlay{}}
		if in.Key == f.key(f.AgentKey, "0") {
			return st, append(acts, Note{Kind: "faq-agent", Detail: "key " + in.Key}, Goto{Node: f.Agent})
		}
		switch phase {
		case "a":
			switch in.Key {
			case f.key(f.RepeatKey, "1"):
				e, _ := f.entry(id)
				return st, append(append(acts, Note{Kind: "faq-repeat", Detail: id}), f.answerMedia(st, e)...)
			case f.key(f.BackKey, "2"):
				st.Buf, st.Tries = "", 0
				return st, append(append(acts, Note{Kind: "faq-back", Detail: id}), f.ask(st, nil)...)
			}
			return st, append(acts, StartTimer{After: f.Timeout})
		case "c":
			if in.Key == "1" {
				e, _ := f.entry(id)
				return f.answer(st, e, acts, "confirmed")
			}
			st.Buf = ""
			more := append(acts, Note{Kind: "faq-guess-refused", Detail: id})
			st, retry := f.retry(st, "guess refused")
			return st, append(more, retry...)
		}
		i := slices.IndexFunc(f.Entries, func(e FAQEntry) bool { return e.Key == in.Key })
		if i < 0 {
			st, retry := f.retry(st, "invalid key "+in.Key)
			return st, append(acts, retry...)
		}
		return f.answer(st, f.Entries[i], acts, "key "+in.Key)
	case Phrase:
		return f.heard(st, in.Text)
	}
	return st, nil
}

// heard matches what the caller said.
func (f *FAQ) heard(st State, text string) (State, []Action) {
	acts := []Action{CancelTimer{}, StopPlay{}}
	ranked := f.Matcher().Rank(st.Var(VarLanguage), text)
	if len(ranked) == 0 || ranked[0].Score == 0 {
		acts = append(acts, Note{Kind: "faq-not-understood", Detail: strconv.Quote(text)})
		st, retry := f.retry(st, "not understood")
		return st, append(acts, retry...)
	}
	best := ranked[0]
	heard := fmt.Sprintf("%q → %s (%.2f)", text, strings.TrimPrefix(best.ID, "\x00"), best.Score)
	threshold := f.Threshold
	if threshold == 0 {
		threshold = 0.5
	}
	if best.Score >= threshold {
		acts = append(acts, Note{Kind: "faq-recognized", Detail: heard})
		if best.ID == agentID {
			return st, append(acts, Note{Kind: "faq-agent", Detail: "asked"}, Goto{Node: f.Agent})
		}
		e, _ := f.entry(best.ID)
		return f.answer(st, e, acts, "phrase")
	}
	acts = append(acts, Note{Kind: "faq-guess", Detail: heard})
	if best.ID == agentID {
		return st, append(acts, Note{Kind: "faq-agent", Detail: "asked"}, Goto{Node: f.Agent})
	}
	st.Buf = "c:" + best.ID
	e, _ := f.entry(best.ID)
	guess := e.ID
	if ps := e.Phrases[st.Var(VarLanguage)]; len(ps) > 0 {
		guess = ps[0]
	} else if ps := e.Phrases["en"]; len(ps) > 0 {
		guess = ps[0]
	}
	m := media(nil, f.Confirm, st.With("guess", guess))
	if len(m) == 0 {
		m = []string{SayMedia("en", "Did you mean "+guess+"? Press 1 for yes, 2 for no.")}
	}
	return st, append(acts, Play{Media: m})
}

func (f *FAQ) answer(st State, e FAQEntry, acts []Action, how string) (State, []Action) {
	st.Buf, st.Tries = "a:"+e.ID, 0
	st = st.With(VarServed, e.ID)
	acts = append(acts, Note{Kind: "faq-answer", Detail: e.ID + " by " + how})
	return st, append(acts, f.answerMedia(st, e)...)
}

func (f *FAQ) answerMedia(st State, e FAQEntry) []Action {
	return []Action{Play{Media: append(media(e.Answer, e.Say, st), media(nil, f.After, st)...)}}
}

func (f *FAQ) retry(st State, why string) (State, []Action) {
	st.Tries++
	st.Buf = ""
	if st.Tries > f.Retries {
		to := f.Fallback
		if to == "" {
			to = f.Agent
		}
		return st, []Action{Note{Kind: "faq-fallback", Detail: why}, Goto{Node: to}}
	}
	return st, append([]Action{Note{Kind: "faq-retry", Detail: why}}, f.ask(st, nil)...)
}
