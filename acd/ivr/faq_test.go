package ivr

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/internal/golden"
)

func faqNode(t testing.TB) (*FAQ, *Flow) {
	nodes, _ := loadFlowB(t, "faq")
	f, err := Build(nodes)
	if err != nil {
		t.Fatal(err)
	}
	return nodes["faq"].(*FAQ), f
}

type corpusLine struct{ id, lang, text string }

func readCorpus(t testing.TB) []corpusLine {
	fh, err := os.Open(filepath.Join("testdata", "faq-corpus.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var out []corpusLine
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			f := strings.Split(line, "\t")
			if len(f) != 3 {
				t.Fatalf("corpus line %q: want id, language, text", line)
			}
			out = append(out, corpusLine{f[0], f[1], f[2]})
		}
	}
	return out
}

// accuracy is the share of corpus lines whose best match is their entry,
// per language, and the share answered at once (best is right and scores
// at least threshold) and answered wrongly at once.
type accuracy struct{ total, top1, sure, wrongSure int }

func measure(m *Matcher, corpus []corpusLine, threshold float64) map[string]*accuracy {
	out := map[string]*accuracy{}
	for _, c := range corpus {
		a := out[c.lang]
		if a == nil {
			a = &accuracy{}
			out[c.lang] = a
		}
		a.total++
		r := m.Rank(c.lang, c.text)
		if len(r) == 0 {
			continue
		}
		id := strings.Replace(r[0].ID, agentID, "agent", 1)
		if id == c.id {
			a.top1++
			if r[0].Score >= threshold {
				a.sure++
			}
		} else if r[0].Score >= threshold {
			a.wrongSure++
		}
	}
	return out
}

// The matcher finds the right entry for most phrasings it was not given,
// in both languages, and almost never answers a wrong one without asking.
func TestMatcherAccuracy(t *testing.T) {
	faq, _ := faqNode(t)
	for lang, a := range measure(faq.Matcher(), readCorpus(t), 0.5) {
		top1 := float64(a.top1) / float64(a.total)
		t.Logf("%s: %d phrasings, best match right %.0f%%, answered at once %.0f%%, wrong at once %.0f%%",
			lang, a.total, 100*top1, 100*float64(a.sure)/float64(a.total), 100*float64(a.wrongSure)/float64(a.total))
		if top1 < 0.8 {
			t.Errorf("%s: best match right for %.0f%% of the corpus, want 80%% or more", lang, 100*top1)
		}
		if float64(a.wrongSure)/float64(a.total) > 0.1 {
			t.Errorf("%s: %d of %d answered wrongly without a confirmation", lang, a.wrongSure, a.total)
		}
	}
}

func BenchmarkMatcher(b *testing.B) {
	nodes, _ := loadFlowB(b, "faq")
	m := nodes["faq"].(*FAQ).Matcher()
	corpus := readCorpus(b)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c := corpus[i%len(corpus)]
		m.Rank(c.lang, c.text)
	}
	for lang, a := range measure(m, corpus, 0.5) {
		b.ReportMetric(100*float64(a.top1)/float64(a.total), "%top1-"+lang)
		b.ReportMetric(100*float64(a.sure)/float64(a.total), "%sure-"+lang)
	}
}

func TestStems(t *testing.T) {
	for _, tc := range []struct{ lang, in, want string }{
		{"en", "Opening HOURS, please!", "open hour pleas"},
		{"ru", "Часы работы", "час работ"},
		{"ru", "ещё", "ещ"},
		{"de", "Öffnungszeiten bitte", "öffnungszeiten bitte"},
	} {
		if got := strings.Join(Stems(tc.lang, tc.in), " "); got != tc.want {
			t.Errorf("Stems(%s, %q) = %q, want %q", tc.lang, tc.in, got, tc.want)
		}
	}
}

func TestGoldenFAQWalks(t *testing.T) {
	_, f := faqNode(t)
	en := map[string]string{VarCaller: "+4930123", VarLanguage: "en"}
	ru := map[string]string{VarCaller: "+4930123", VarLanguage: "ru"}
	walks := []struct {
		name   string
		vars   map[string]string
		inputs []Input
	}{
		{"faq-key-repeat-back-phrase-contained", en, []Input{
			PlaybackDone{}, Digit{Key: "1"}, PlaybackDone{}, Digit{Key: "1"}, Digit{Key: "2"},
			PlaybackDone{}, Phrase{Text: "how do I return goods"}, PlaybackDone{}, Timeout{}}},
		{"faq-guess-confirmed", en, []Input{PlaybackDone{}, Phrase{Text: "something about my card"}, PlaybackDone{}, Digit{Key: "1"}}},
		{"faq-guess-refused-then-agent", en, []Input{PlaybackDone{}, Phrase{Text: "I have a question about the weekend"}, Digit{Key: "2"}, PlaybackDone{}, Digit{Key: "0"}}},
		{"faq-russian-phrase", ru, []Input{PlaybackDone{}, Phrase{Text: "как мне оплатить заказ"}, PlaybackDone{}, Digit{Key: "0"}}},
		{"faq-asks-for-person", en, []Input{Phrase{Text: "operator please"}}},
		{"faq-silence-to-agent", en, []Input{PlaybackDone{}, Timeout{}, PlaybackDone{}, Timeout{}}},
		{"faq-nonsense", en, []Input{PlaybackDone{}, Phrase{Text: "blue elephants"}, Digit{Key: "9"}}},
	}
	for _, w := range walks {
		t.Run(w.name, func(t *testing.T) {
			golden.Check(t, filepath.Join("testdata", w.name+".golden"), walkAt(f, "faq", w.vars, open, w.inputs))
		})
	}
}

func TestFAQValidate(t *testing.T) {
	answer := map[string]string{"en": "x"}
	for _, tc := range []struct {
		name string
		faq  *FAQ
		want string
	}{
		{"duplicate key", &FAQ{Agent: "a", Timeout: time.Second, Entries: []FAQEntry{{ID: "a", Key: "1", Say: answer}, {ID: "b", Key: "1", Say: answer}}},
			`entries.1.key "1": already used by entries.0`},
		{"duplicate id", &FAQ{Agent: "a", Timeout: time.Second, Entries: []FAQEntry{{ID: "a", Key: "1", Say: answer}, {ID: "a", Key: "2", Say: answer}}},
			`entries.1.id: "a" already used by entries.0`},
		{"key is the agent key", &FAQ{Agent: "a", Timeout: time.Second, Entries: []FAQEntry{{ID: "a", Key: "0", Say: answer}}},
			`entries.0.key "0": is the agent_key`},
		{"unreachable entry", &FAQ{Agent: "a", Timeout: time.Second, Entries: []FAQEntry{{ID: "a", Say: answer}}},
			`entries.0: neither key nor phrases`},
		{"no answer", &FAQ{Agent: "a", Timeout: time.Second, Entries: []FAQEntry{{ID: "a", Key: "1"}}}, `entries.0: no answer`},
		{"no agent", &FAQ{Timeout: time.Second, Entries: []FAQEntry{{ID: "a", Key: "1", Say: answer}}}, `agent: missing`},
		{"no timeout", &FAQ{Agent: "a", Entries: []FAQEntry{{ID: "a", Key: "1", Say: answer}}}, `timeout: missing`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.faq.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
}
