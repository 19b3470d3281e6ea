package ivr

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// DefaultTimeout and DefaultRetries are what a menu, collect, language or
// faq node that does not set them waits for a key and asks again, as a
// menu of the configuration's menus: does.
const (
	DefaultTimeout = 5 * time.Second
	DefaultRetries = 2
)

func init() {
	Register(Kind{Name: "collect", New: func() Node { return &Collect{Timeout: DefaultTimeout, Retries: DefaultRetries} }})
	Register(Kind{Name: "language", New: func() Node { return &Language{Timeout: DefaultTimeout} }})
	Register(Kind{Name: "lookup", New: func() Node { return new(LookupNode) }})
}

// Collect asks for digits and stores them in variable Var: a fixed Length,
// or up to Max ended by the Terminator key (or a pause of Timeout). The
// value must match Pattern and, with Luhn, pass the Luhn check (card
// numbers); a bad value or silence asks again until Retries are spent,
// then the call goes to Fallback.
type Collect struct {
	Prompt     []string          `yaml:"prompt"`
	Say        map[string]string `yaml:"say"`
	Invalid    []string          `yaml:"invalid"` // played before the prompt when asking again
	Var        string            `yaml:"var"`
	Length     int               `yaml:"length"`
	Max        int               `yaml:"max"`
	Terminator string            `yaml:"terminator"`
	Timeout    time.Duration     `yaml:"timeout"` // for the first key and between keys
	Retries    int               `yaml:"retries"`
	Pattern    string            `yaml:"pattern"`
	Luhn       bool              `yaml:"luhn"`
	Secret     bool              `yaml:"secret"` // the timeline shows the length, not the digits
	Then       string            `yaml:"next"`
	Fallback   string            `yaml:"fallback"` // "" = hang up
}

// Kind implements Node.
func (*Collect) Kind() string { return "collect" }

// Next implements Node.
func (c *Collect) Next() []Link {
	return []Link{{Field: "next", Node: c.Then}, {Field: "fallback", Node: c.Fallback}}
}

// Validate implements Validator.
func (c *Collect) Validate() error {
	var problems []string
	if c.Var == "" {
		problems = append(problems, "var: missing; name the variable the digits go to")
	}
	if c.Length <= 0 && c.Terminator == "" {
		problems = append(problems, "neither length nor terminator: set one so the caller's input can end")
	}
	if c.Length < 0 || c.Max < 0 {
		problems = append(problems, "length and max must be 0 or more")
	}
	if c.Terminator != "" && (len(c.Terminator) != 1 || !strings.Contains(Keys, c.Terminator)) {
		problems = append(problems, fmt.Sprintf("terminator %q: not a DTMF key", c.Terminator))
	}
	if c.Timeout <= 0 {
		problems = append(problems, "timeout: missing or not positive")
	}
	if c.Retries < 0 {
		problems = append(problems, fmt.Sprintf("retries %d: must be 0 or more", c.Retries))
	}
	if c.Pattern != "" {
		if _, err := regexp.Compile(c.Pattern); err != nil {
			problems = append(problems, fmt.Sprintf("pattern: %v", err))
		}
	}
	if c.Then == "" {
		problems = append(problems, "next: missing")
	}
	return bad(problems)
}

// Enter implements Node.
func (c *Collect) Enter(_ At, st State) (State, []Action) { return st, c.ask(st, nil) }

func (c *Collect) ask(st State, extra []string) []Action {
	m := append(append([]string(nil), extra...), media(c.Prompt, c.Say, st)...)
	if len(m) == 0 {
		return []Action{StartTimer{After: c.Timeout}}
	}
	return []Action{Play{Media: m}}
}

// Step implements Node.
func (c *Collect) Step(_ At, st State, in Input) (State, []Action) {
	switch in := in.(type) {
	case PlaybackDone:
		return st, []Action{StartTimer{After: c.Timeout}}
	case Timeout:
		if st.Buf != "" && c.Length == 0 {
			return c.finish(st, nil)
		}
		return c.retry(st, "timeout", nil)
	case Digit:
		acts := []Action{CancelTimer{}, StopPlay{}}
		if in.Key == c.Terminator {
			return c.finish(st, acts)
		}
		st.Buf += in.Key
		if c.Length > 0 && len(st.Buf) >= c.Length || c.Max > 0 && len(st.Buf) >= c.Max {
			return c.finish(st, acts)
		}
		return st, append(acts, StartTimer{After: c.Timeout})
	}
	return st, nil
}

func (c *Collect) finish(st State, acts []Action) (State, []Action) {
	value := st.Buf
	st.Buf = ""
	if why := c.check(value); why != "" {
		return c.retry(st, why, acts)
	}
	shown := value
	if c.Secret {
		shown = fmt.Sprintf("%d digits", len(value))
		st = st.WithSecret(c.Var, value)
	} else {
		st = st.With(c.Var, value)
	}
	return st, append(acts, Note{Kind: "collected", Detail: c.Var + "=" + shown}, Goto{Node: c.Then})
}

// check says what is wrong with a collected value, "" if nothing.
func (c *Collect) check(v string) string {
	switch {
	case v == "":
		return "nothing entered"
	case c.Length > 0 && len(v) != c.Length:
		return fmt.Sprintf("%d digits, want %d", len(v), c.Length)
	case c.Pattern != "" && !regexp.MustCompile(c.Pattern).MatchString(v):
		return "does not match the pattern"
	case c.Luhn && !LuhnValid(v):
		return "fails the Luhn check"
	}
	return ""
}

func (c *Collect) retry(st State, why string, acts []Action) (State, []Action) {
	st.Tries++
	st.Buf = ""
	if st.Tries > c.Retries {
		acts = append(acts, Note{Kind: "collect-fallback", Detail: why})
		if c.Fallback == "" {
			return st, append(acts, Leave{})
		}
		return st, append(acts, Goto{Node: c.Fallback})
	}
	return st, append(append(acts, Note{Kind: "collect-retry", Detail: why}), c.ask(st, c.Invalid)...)
}

// LuhnValid reports whether digits pass the Luhn checksum (card numbers).
func LuhnValid(digits string) bool {
	if len(digits) < 2 {
		return false
	}
	sum := 0
	for i := range len(digits) {
		d := digits[len(digits)-1-i]
		if d < '0' || d > '9' {
			return false
		}
		n := int(d - '0')
		if i%2 == 1 {
			if n *= 2; n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}

// Language lets the caller pick a language by key: prompts are then spoken
// in it, and queues ask agents for its Skill. No key within Timeout (or an
// unknown key) picks Default.
type Language struct {
	Prompt  []string          `yaml:"prompt"`
	Say     map[string]string `yaml:"say"`
	Timeout time.Duration     `yaml:"timeout"`
	Options map[string]Choice `yaml:"options"` // key → language
	Default string            `yaml:"default"` // a language of the options
	Then    string            `yaml:"next"`
}

// Choice is a language a key picks and the skill that language needs.
type Choice struct {
	Language string `yaml:"language"`
	Skill    string `yaml:"skill"`
}

// Kind implements Node.
func (*Language) Kind() string { return "language" }

// Next implements Node.
func (l *Language) Next() []Link { return []Link{{Field: "next", Node: l.Then}} }

// Validate implements Validator.
func (l *Language) Validate() error {
	var problems []string
	if len(l.Options) == 0 {
		problems = append(problems, "options: none")
	}
	found := false
	for key, ch := range l.Options {
		if len(key) != 1 || !strings.Contains(Keys, key) {
			problems = append(problems, fmt.Sprintf("options.%s: not a DTMF key", key))
		}
		if ch.Language == "" {
			problems = append(problems, fmt.Sprintf("options.%s.language: missing", key))
		}
		found = found || ch.Language == l.Default
	}
	if !found {
		problems = append(problems, fmt.Sprintf("default %q: not a language of the options", l.Default))
	}
	if l.Timeout <= 0 {
		problems = append(problems, "timeout: missing or not positive")
	}
	if l.Then == "" {
		problems = append(problems, "next: missing")
	}
	return bad(problems)
}

// Enter implements Node.
func (l *Language) Enter(_ At, st State) (State, []Action) {
	m := media(l.Prompt, l.Say, st)
	if len(m) == 0 {
		return st, []Action{StartTimer{After: l.Timeout}}
	}
	return st, []Action{Play{Media: m}}
}

// Step implements Node.
func (l *Language) Step(_ At, st State, in Input) (State, []Action) {
	switch in := in.(type) {
	case PlaybackDone:
		return st, []Action{StartTimer{After: l.Timeout}}
	case Timeout:
		return l.pick(st, l.Default, nil)
	case Digit:
		acts := []Action{CancelTimer{}, StopPlay{}}
		ch, ok := l.Options[in.Key]
		if !ok {
			return l.pick(st, l.Default, acts)
		}
		return l.pick(st, ch.Language, acts)
	}
	return st, nil
}

func (l *Language) pick(st State, lang string, acts []Action) (State, []Action) {
	st = st.With(VarLanguage, lang)
	for _, key := range slices.Sorted(maps.Keys(l.Options)) {
		if ch := l.Options[key]; ch.Language == lang && ch.Skill != "" {
			st = st.With(SkillPrefix+ch.Skill, "1")
			break
		}
	}
	return st, append(acts, Note{Kind: "language", Detail: lang}, Goto{Node: l.Then})
}

// LookupNode asks the business's own service over HTTP (GET with the
// values in the URL, or POST with Body as JSON) and reads variables from
// its JSON answer (Read: variable → dotted path, e.g. order.status). The
// call goes to Next with them, to OnFailure when the request fails, and
// to OnTimeout (default OnFailure) when no answer comes within Timeout.
type LookupNode struct {
	Method    string            `yaml:"method"` // GET (default) or POST
	URL       string            `yaml:"url"`    // {var} allowed, its value URL-escaped
	Body      map[string]string `yaml:"body"`   // POST fields, {var} allowed
	Read      map[string]string `yaml:"read"`
	Timeout   time.Duration     `yaml:"timeout"`
	Then      string            `yaml:"next"`
	OnFailure string            `yaml:"on_failure"`
	OnTimeout string            `yaml:"on_timeout"`
}

// Kind implements Node.
func (*LookupNode) Kind() string { return "lookup" }

// Next implements Node.
func (l *LookupNode) Next() []Link {
	next := []Link{{Field: "next", Node: l.Then}, {Field: "on_failure", Node: l.OnFailure}}
	if l.OnTimeout != "" {
		next = append(next, Link{Field: "on_timeout", Node: l.OnTimeout})
	}
	return next
}

// Validate implements Validator.
func (l *LookupNode) Validate() error {
	var problems []string
	if l.URL == "" {
		problems = append(problems, "url: missing")
	} else if !strings.HasPrefix(l.URL, "http://") && !strings.HasPrefix(l.URL, "https://") {
		problems = append(problems, fmt.Sprintf("url %q: not http:// or https://", l.URL))
	}
	if m := l.method(); m != "GET" && m != "POST" {
		problems = append(problems, fmt.Sprintf("method %q: GET or POST", l.Method))
	}
	if l.Timeout <= 0 {
		problems = append(problems, "timeout: missing; a lookup without a timeout could hold the caller forever")
	}
	if l.Then == "" {
		problems = append(problems, "next: missing")
	}
	if l.OnFailure == "" {
		problems = append(problems, "on_failure: missing")
	}
	return bad(problems)
}

func (l *LookupNode) method() string {
	if l.Method == "" {
		return "GET"
	}
	return strings.ToUpper(l.Method)
}

// Enter implements Node.
func (l *LookupNode) Enter(_ At, st State) (State, []Action) {
	var body map[string]string
	for k, v := range l.Body {
		if body == nil {
			body = map[string]string{}
		}
		body[k] = Expand(v, st.Vars)
	}
	return st, []Action{
		Lookup{Method: l.method(), URL: lookupURL(l.URL, st.Vars), Body: body, Read: maps.Clone(l.Read), Timeout: l.Timeout},
		StartTimer{After: l.Timeout},
	}
}

// lookupURL is the URL template u with the call's values, each escaped
// for where it stands: a path segment before the template's "?", a query
// value after it.
func lookupURL(u string, vars map[string]string) string {
	path, query, ok := strings.Cut(u, "?")
	out := expand(path, vars, url.PathEscape)
	if ok {
		out += "?" + expand(query, vars, url.QueryEscape)
	}
	return out
}

// Step implements Node.
func (l *LookupNode) Step(_ At, st State, in Input) (State, []Action) {
	switch in := in.(type) {
	case Timeout:
		to := l.OnTimeout
		if to == "" {
			to = l.OnFailure
		}
		return st, []Action{Note{Kind: "lookup-timeout", Detail: l.Timeout.String()}, Goto{Node: to}}
	case LookupResult:
		acts := []Action{CancelTimer{}}
		if in.Err != "" {
			return st, append(acts, Note{Kind: "lookup-failed", Detail: in.Err}, Goto{Node: l.OnFailure})
		}
		for _, name := range slices.Sorted(maps.Keys(l.Read)) {
			st = st.With(name, in.Values[name])
		}
		return st, append(acts, Note{Kind: "lookup", Detail: in.String()}, Goto{Node: l.Then})
	}
	return st, nil
}
