package campaign

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/acd/ivr"
)

func init() {
	ivr.Register(ivr.Kind{Name: "question", New: func() ivr.Node { return new(Question) }})
}

// Question is a survey's question as a flow node (kind: question): the
// caller presses an answer's key or, where the host has a speech
// recognizer, says it (a Listen action after the prompt, answered with a
// Phrase input). A phrase that matches an answer's phrases with a score of
// Threshold or more is that answer; with Open, whatever the caller says is
// the answer, as said. The answer's value goes to variable Var; a spoken
// one also leaves what was heard in Var.transcript and, matched against
// the answers, its score (0 to 1) in Var.confidence. Silence, a key of no
// answer or words matching none ask again until Retries are spent; then
// the call goes to Fallback, the question unanswered.
type Question struct {
	Prompt    []string          `yaml:"prompt"`
	Say       map[string]string `yaml:"say"`
	Var       string            `yaml:"var"`
	Answers   []QuestionAnswer  `yaml:"answers"`
	Open      bool              `yaml:"open"`      // any words are the answer
	Threshold float64           `yaml:"threshold"` // 0 = 0.5
	Listen    time.Duration     `yaml:"listen"`    // longest answer recorded; 0 = 8s
	// ListenSilence is the silence that ends an answer in words, whole
	// seconds; 0 = speech.listen_silence.
	ListenSilence time.Duration `yaml:"listen_silence"`
	Timeout       time.Duration `yaml:"timeout"` // wait for a key or words after the prompt
	Retries       int           `yaml:"retries"`
	Then          string        `yaml:"next"`
	Fallback      string        `yaml:"fallback"` // after the retries; "" = next

	once    sync.Once
	matcher *ivr.Matcher
}

// QuestionAnswer is one answer a Question takes: its Value, stored in the
// question's variable, reached by Key or by saying one of Phrases
// (language → phrases).
type QuestionAnswer struct {
	Value   string              `yaml:"value"`
	Key     string              `yaml:"key"`
	Phrases map[string][]string `yaml:"phrases"`
}

// Suffixes of a question's variable for a spoken answer.
const (
	TranscriptSuffix = ".transcript"
	ConfidenceSuffix = ".confidence"
)

// Kind implements ivr.Node.
func (*Question) Kind() string { return "question" }

// Next implements ivr.Node.
func (q *Question) Next() []ivr.Link {
	return []ivr.Link{{Field: "next", Node: q.Then}, {Field: "fallback", Node: q.Fallback}}
}

// Says lists the question's text, for prompts rendered ahead.
func (q *Question) Says() []map[string]string { return []map[string]string{q.Say} }

// Validate implements ivr.Validator.
func (q *Question) Validate() error {
	var problems []string
	if q.Var == "" {
		problems = append(problems, "var: missing; name the variable the answer goes to")
	}
	if len(q.Answers) == 0 && !q.Open {
		problems = append(problems, "answers: none; list them, or set open for answers in the caller's words")
	}
	values, keys := map[string]int{}, map[string]int{}
	for i, a := range q.Answers {
		p := fmt.Sprintf("answers.%d", i)
		if a.Value == "" {
			problems = append(problems, p+".value: missing")
		} else if j, dup := values[a.Value]; dup {
			problems = append(problems, fmt.Sprintf("%s.value %q: already used by answers.%d", p, a.Value, j))
		} else {
			values[a.Value] = i
		}
		switch j, dup := keys[a.Key]; {
		case a.Key == "":
		case len(a.Key) != 1 || !strings.Contains(ivr.Keys, a.Key):
			problems = append(problems, fmt.Sprintf("%s.key %q: not a DTMF key", p, a.Key))
		case dup:
			problems = append(problems, fmt.Sprintf("%s.key %q: already used by answers.%d", p, a.Key, j))
		default:
			keys[a.Key] = i
		}
		if a.Key == "" && len(a.Phrases) == 0 && !q.Open {
			problems = append(problems, p+": neither key nor phrases; callers cannot give it")
		}
	}
	if q.Timeout <= 0 {
		problems = append(problems, "timeout: missing or not positive")
	}
	if q.Threshold < 0 || q.Threshold > 1 {
		problems = append(problems, fmt.Sprintf("threshold %v: between 0 and 1", q.Threshold))
	}
	if q.Retries < 0 {
		problems = append(problems, fmt.Sprintf("retries %d: must be 0 or more", q.Retries))
	}
	if q.Then == "" {
		problems = append(problems, "next: missing")
	}
	if p := ivr.CheckListen(q.Listen, q.ListenSilence); p != "" {
		problems = append(problems, p)
	}
	if problems == nil {
		return nil
	}
	return fmt.Errorf("%w: %s", ivr.ErrBadNode, strings.Join(problems, "; "))
}

func (q *Question) match() *ivr.Matcher {
	q.once.Do(func() {
		entries := make([]ivr.FAQEntry, 0, len(q.Answers))
		for _, a := range q.Answers {
			if len(a.Phrases) > 0 {
				entries = append(entries, ivr.FAQEntry{ID: a.Value, Phrases: a.Phrases})
			}
		}
		q.matcher = ivr.NewMatcher(entries)
	})
	return q.matcher
}

// Enter implements ivr.Node.
func (q *Question) Enter(_ ivr.At, st ivr.State) (ivr.State, []ivr.Action) { return st, q.ask(st) }

func (q *Question) ask(st ivr.State) []ivr.Action {
	m := slices.Clone(q.Prompt)
	if len(q.Say) > 0 {
		lang := st.Var(ivr.VarLanguage)
		text, ok := q.Say[lang]
		if !ok {
			lang = "en"
			if text, ok = q.Say[lang]; !ok {
				lang = slices.Min(slices.Collect(maps.Keys(q.Say)))
				text = q.Say[lang]
			}
		}
		m = append(m, ivr.SayMedia(lang, ivr.Expand(text, st.Vars)))
	}
	if len(m) == 0 {
		return q.wait()
	}
	return []ivr.Action{ivr.Play{Media: m}}
}

func (q *Question) wait() []ivr.Action {
	listen := q.Listen
	if listen <= 0 {
		listen = 8 * time.Second
	}
	return []ivr.Action{ivr.StartTimer{After: q.Timeout}, ivr.Listen{Max: listen, Silence: q.ListenSilence}}
}

// Step implements ivr.Node.
func (q *Question) Step(_ ivr.At, st ivr.State, in ivr.Input) (ivr.State, []ivr.Action) {
	switch in := in.(type) {
	case ivr.PlaybackDone:
		return st, q.wait()
	case ivr.Timeout:
		return q.retry(st, nil, "timeout")
	case ivr.Digit:
		acts := []ivr.Action{ivr.CancelTimer{}, ivr.StopPlay{}}
		i := slices.IndexFunc(q.Answers, func(a QuestionAnswer) bool { return a.Key == in.Key })
		if i < 0 {
			return q.retry(st, acts, "invalid key "+in.Key)
		}
		return q.answer(st, acts, q.Answers[i].Value, "key "+in.Key)
	case ivr.Phrase:
		return q.heard(st, in.Text)
	}
	return st, nil
}

// heard takes what the caller said as an answer, if it is one.
func (q *Question) heard(st ivr.State, text string) (ivr.State, []ivr.Action) {
	acts := []ivr.Action{ivr.CancelTimer{}, ivr.StopPlay{}}
	var best ivr.Match
	if ranked := q.match().Rank(st.Var(ivr.VarLanguage), text); len(ranked) > 0 {
		best = ranked[0]
	}
	threshold := q.Threshold
	if threshold == 0 {
		threshold = 0.5
	}
	conf := strconv.FormatFloat(best.Score, 'f', 2, 64)
	switch {
	case best.ID != "" && best.Score >= threshold:
		st = st.With(q.Var+TranscriptSuffix, text).With(q.Var+ConfidenceSuffix, conf)
		return q.answer(st, acts, best.ID, fmt.Sprintf("phrase %q (%s)", text, conf))
	case q.Open:
		st = st.With(q.Var+TranscriptSuffix, text)
		return q.answer(st, acts, text, fmt.Sprintf("phrase %q", text))
	}
	acts = append(acts, ivr.Note{Kind: "question-not-understood", Detail: fmt.Sprintf("%s: %q (best %s %s)", q.Var, text, best.ID, conf)})
	return q.retry(st, acts, "not understood")
}

func (q *Question) answer(st ivr.State, acts []ivr.Action, value, how string) (ivr.State, []ivr.Action) {
	st.Tries = 0
	st = st.With(q.Var, value)
	acts = append(acts, ivr.Note{Kind: "question-answer", Detail: q.Var + "=" + value + " by " + how})
	return st, append(acts, ivr.Goto{Node: q.Then})
}

func (q *Question) retry(st ivr.State, acts []ivr.Action, why string) (ivr.State, []ivr.Action) {
	st.Tries++
	if st.Tries > q.Retries {
		to := q.Fallback
		if to == "" {
			to = q.Then
		}
		return st, append(acts, ivr.Note{Kind: "question-unanswered", Detail: q.Var + ": " + why}, ivr.Goto{Node: to})
	}
	return st, append(append(acts, ivr.Note{Kind: "question-retry", Detail: why}), q.ask(st)...)
}
