package campaign_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/ivr"
)

var t0 = time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)

func rating() *campaign.Question {
	return &campaign.Question{Var: "rating", Timeout: 5 * time.Second, Retries: 1, Then: "bye", Fallback: "sorry",
		Answers: []campaign.QuestionAnswer{
			{Value: "good", Key: "1", Phrases: map[string][]string{"en": {"good", "very good"}, "ru": {"хорошо"}}},
			{Value: "bad", Key: "2", Phrases: map[string][]string{"en": {"bad", "awful"}}},
		}}
}

func flow(t *testing.T, q *campaign.Question) *ivr.Flow {
	t.Helper()
	wait := func() ivr.Node { return &ivr.Menu{Prompt: []string{"sound:x"}, Timeout: time.Second} } // stays put
	f, err := ivr.Build(map[string]ivr.Node{"q": q, "bye": wait(), "sorry": wait()})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// notes are the timeline notes among acts.
func notes(acts []ivr.Action) string {
	var out []string
	for _, a := range acts {
		if n, ok := a.(ivr.Note); ok {
			out = append(out, n.Kind+" "+n.Detail)
		}
	}
	return strings.Join(out, "; ")
}

func hasListen(acts []ivr.Action) bool {
	for _, a := range acts {
		if _, ok := a.(ivr.Listen); ok {
			return true
		}
	}
	return false
}

// TestQuestionNode: a question listens after its prompt; a key or words
// matching an answer give its value (words also what was heard and how
// well it matched, in the caller's language); other words and silence ask
// again, then go to the fallback unanswered; an open question takes any
// words.
func TestQuestionNode(t *testing.T) {
	f := flow(t, rating())
	st, acts := f.Start("q", t0)
	if st.Node != "q" {
		t.Fatalf("start at %q", st.Node)
	}
	st, acts = f.Step(st, ivr.PlaybackDone{}, t0)
	if !hasListen(acts) {
		t.Fatalf("after the prompt: %v; want a Listen", acts)
	}

	spoken, acts := f.Step(st, ivr.Phrase{Text: "really very good"}, t0)
	if spoken.Node != "bye" || spoken.Var("rating") != "good" || spoken.Var("rating.transcript") != "really very good" {
		t.Errorf("spoken: %v; want rating=good heard as said, at bye", spoken)
	}
	if c := spoken.Var("rating.confidence"); c < "0.50" || c > "1.00" || len(c) != 4 {
		t.Errorf("confidence %q; want 0.50 to 1.00", c)
	}
	if n := notes(acts); !strings.Contains(n, `question-answer rating=good by phrase "really very good"`) {
		t.Errorf("notes %q", n)
	}

	keyed, _ := f.Step(st, ivr.Digit{Key: "2"}, t0)
	if keyed.Node != "bye" || fmt.Sprint(keyed.Vars) != "map[rating:bad]" {
		t.Errorf("keyed: %v; want rating=bad alone", keyed)
	}

	ru := st.With(ivr.VarLanguage, "ru")
	if got, _ := f.Step(ru, ivr.Phrase{Text: "хорошо"}, t0); got.Var("rating") != "good" {
		t.Errorf("in Russian: %v", got)
	}

	again, acts := f.Step(st, ivr.Phrase{Text: "what company is this"}, t0)
	if again.Node != "q" || again.Var("rating") != "" || again.Var("rating.transcript") != "" || !strings.Contains(notes(acts), "question-not-understood") {
		t.Fatalf("not understood: %v %q; want asked again, nothing kept", again, notes(acts))
	}
	again, _ = f.Step(again, ivr.PlaybackDone{}, t0)
	gone, acts := f.Step(again, ivr.Timeout{}, t0)
	if gone.Node != "sorry" || gone.Var("rating") != "" || !strings.Contains(notes(acts), "question-unanswered rating: timeout") {
		t.Errorf("after the retries: %v %q; want the fallback, unanswered", gone, notes(acts))
	}
	if bad, _ := f.Step(st, ivr.Digit{Key: "7"}, t0); bad.Node != "q" || bad.Tries != 1 {
		t.Errorf("a key of no answer: %v; want asked again", bad)
	}

	open := &campaign.Question{Var: "comment", Open: true, Timeout: 5 * time.Second, Then: "bye"}
	of := flow(t, open)
	ost, _ := of.Start("q", t0)
	ost, _ = of.Step(ost, ivr.Phrase{Text: "call me in the evening"}, t0)
	if ost.Var("comment") != "call me in the evening" || ost.Var("comment.transcript") != "call me in the evening" || ost.Var("comment.confidence") != "" {
		t.Errorf("open question: %v", ost)
	}
}

// TestQuestionValidation: a question's problems are named with the node
// and the setting.
func TestQuestionValidation(t *testing.T) {
	for _, tc := range []struct {
		node string
		want []string
	}{
		{`{kind: question, timeout: 5s, next: bye}`, []string{"var: missing", "answers: none; list them, or set open"}},
		{`{kind: question, var: v, timeout: 0s, next: bye, threshold: 2, answers: [{value: a, key: "1"}, {value: a, key: "1"}, {value: b, key: x}, {value: c}]}`,
			[]string{`answers.1.value "a": already used by answers.0`, `answers.1.key "1": already used by answers.0`, `answers.2.key "x": not a DTMF key`,
				"answers.3: neither key nor phrases", "timeout: missing or not positive", "threshold 2: between 0 and 1"}},
		{`{kind: question, var: v, open: true, timeout: 5s}`, []string{"next: missing"}},
	} {
		yaml := "store: {path: h.db}\nflows:\n  poll:\n    start: q\n    nodes:\n      q: " + tc.node + "\n      bye: {kind: hangup}\n"
		c, err := config.Parse([]byte(yaml), "hotline.yaml")
		if err == nil {
			err = c.Validate()
		}
		var ve *config.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%s: %v; want a validation error", tc.node, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), "flows.poll.nodes.q") || !strings.Contains(err.Error(), w) {
				t.Errorf("%s:\n%v\nwant it to name flows.poll.nodes.q and %q", tc.node, err, w)
			}
		}
	}
}

// A question's listen_silence goes to the Listen, and one the switches
// cannot take is a problem of the node.
func TestQuestionListenSilence(t *testing.T) {
	q := rating()
	q.ListenSilence = 3 * time.Second
	f := flow(t, q)
	st, _ := f.Start("q", t0)
	_, acts := f.Step(st, ivr.PlaybackDone{}, t0)
	if !slices.ContainsFunc(acts, func(a ivr.Action) bool { l, ok := a.(ivr.Listen); return ok && l.Silence == 3*time.Second }) {
		t.Errorf("after the prompt: %v; want a Listen ending on 3s of silence", acts)
	}
	q.ListenSilence = 1500 * time.Millisecond
	if err := q.Validate(); err == nil || !strings.Contains(err.Error(), "listen_silence 1.5s: want whole seconds") {
		t.Errorf("Validate = %v; want listen_silence refused", err)
	}
}
