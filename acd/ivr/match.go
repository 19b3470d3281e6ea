package ivr

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/russian"
)

// Match is a FAQ entry a caller's words may mean, with a score from 0 (no
// word in common) to 1 (the words of one of its phrases, and no others the
// FAQ knows).
type Match struct {
	ID    string
	Score float64
}

// Matcher ranks FAQ entries against what a caller said: words are reduced
// to their stems (Snowball, for English and Russian), weighted by how rare
// they are among the entries (a word every entry has tells nothing), and
// each entry scores by its best phrase: the balance (F1) of how much of the
// phrase was said and how much of what was said, of the words the FAQ
// knows, belongs to the phrase. Words the FAQ never uses ("please", "tell
// me") neither help nor hurt.
type Matcher struct {
	langs map[string]*matchIndex
}

type matchIndex struct {
	lang    string
	weight  map[string]float64 // stem → weight (inverse entry frequency)
	phrases []matchPhrase
}

type matchPhrase struct {
	id    string
	stems map[string]bool
	sum   float64 // sum of the stems' weights
}

// NewMatcher indexes entries' phrases per language.
func NewMatcher(entries []FAQEntry) *Matcher {
	m := &Matcher{langs: map[string]*matchIndex{}}
	df := map[string]map[string]map[string]bool{} // lang → stem → entries having it
	for _, e := range entries {
		for lang, phrases := range e.Phrases {
			ix := m.langs[lang]
			if ix == nil {
				ix = &matchIndex{lang: lang, weight: map[string]float64{}}
				m.langs[lang] = ix
				df[lang] = map[string]map[string]bool{}
			}
			for _, p := range phrases {
				stems := map[string]bool{}
				for _, s := range Stems(lang, p) {
					stems[s] = true
					if df[lang][s] == nil {
						df[lang][s] = map[string]bool{}
					}
					df[lang][s][e.ID] = true
				}
				if len(stems) > 0 {
					ix.phrases = append(ix.phrases, matchPhrase{id: e.ID, stems: stems})
				}
			}
		}
	}
	for lang, ix := range m.langs {
		n := 0
		ids := map[string]bool{}
		for _, p := range ix.phrases {
			ids[p.id] = true
		}
		n = len(ids)
		for s, having := range df[lang] {
			w := math.Log(1 + float64(n)/float64(len(having)))
			if isStop(lang, s) {
				w /= 2
			}
			ix.weight[s] = w
		}
		for i := range ix.phrases {
			for s := range ix.phrases[i].stems {
				ix.phrases[i].sum += ix.weight[s]
			}
		}
	}
	return m
}

// Languages lists the languages the matcher has phrases in.
func (m *Matcher) Languages() []string {
	var out []string
	for l := range m.langs {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

// Rank scores every entry with phrases in lang against text, best first
// (ties by id). With lang "" every language is tried and the best kept.
func (m *Matcher) Rank(lang, text string) []Match {
	if lang == "" {
		var best []Match
		for _, l := range m.Languages() {
			if r := m.Rank(l, text); len(r) > 0 && (len(best) == 0 || r[0].Score > best[0].Score) {
				best = r
			}
		}
		return best
	}
	ix := m.langs[lang]
	if ix == nil {
		return nil
	}
	said := map[string]bool{}
	saidSum := 0.0
	for _, s := range Stems(lang, text) {
		if w, known := ix.weight[s]; known && !said[s] {
			said[s] = true
			saidSum += w
		}
	}
	best := map[string]float64{}
	for _, p := range ix.phrases {
		common := 0.0
		for s := range said {
			if p.stems[s] {
				common += ix.weight[s]
			}
		}
		f := 0.0
		if common > 0 {
			recall, precision := common/p.sum, common/saidSum
			f = 2 * recall * precision / (recall + precision)
		}
		if sc, ok := best[p.id]; !ok || f > sc {
			best[p.id] = f
		}
	}
	out := make([]Match, 0, len(best))
	for id, sc := range best {
		out = append(out, Match{ID: id, Score: math.Round(sc*1000) / 1000})
	}
	slices.SortFunc(out, func(a, b Match) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// Stems splits text into words and reduces each to its stem in lang (en,
// ru; other languages are only lower-cased).
func Stems(lang, text string) []string {
	words := strings.FieldsFunc(strings.ToLower(strings.ReplaceAll(text, "ё", "е")), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
	out := words[:0]
	for _, w := range words {
		w = strings.Trim(w, "'")
		if w == "" {
			continue
		}
		if stem, ok := stemmers[lang]; ok {
			if s := stem(w, true); s != "" {
				w = s
			}
		}
		out = append(out, w)
	}
	return out
}

// stemmers are Snowball's (github.com/kljensen/snowball), per language.
var stemmers = map[string]func(word string, stemStopWords bool) string{"en": english.Stem, "ru": russian.Stem}

func isStop(lang, stem string) bool {
	switch lang {
	case "en":
		return english.IsStopWord(stem)
	case "ru":
		return russian.IsStopWord(stem)
	}
	return false
}
