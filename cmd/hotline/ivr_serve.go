package main

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/ivr"
	"github.com/hotline-cc/hotline/acd/speech"
)

// startPrompts renders, before the first call, every fixed text the
// flows speak and checks the tools for the texts rendered per call: a
// missing espeak-ng or sox, or a stale file that cannot be rendered again,
// stops serve with the flow and node named. nil when no flow speaks text.
func startPrompts(ctx context.Context, cfg config.Config, log zerolog.Logger) (*speech.Prompts, error) {
	p := &speech.Prompts{Dir: cfg.Speech.Prompts, Speed: cfg.Speech.Speed, URL: cfg.Speech.PromptURL}
	n, err := preparePrompts(ctx, cfg, p, nil)
	if err != nil {
		return nil, err
	}
	if n == (prepared{}) {
		return nil, nil
	}
	log.Info().Str("component", "ivr").Str("dir", p.Dir).Int("rendered", n.rendered).Int("already_there", n.cached).
		Int("per_call", n.dynamic).Str("url", p.URL).Msg("prompts ready")
	return p, nil
}

// Prompts rendered per call (a looked-up order status) are swept this long
// after they were written, every promptSweepEvery: their call is over by
// then, and a text asked for again is rendered again.
const (
	perCallPromptLife = time.Hour
	promptSweepEvery  = 10 * time.Minute
)

// sweepPrompts removes, at once and then every promptSweepEvery until ctx
// ends, the prompts rendered per call that are older than
// perCallPromptLife (those an earlier run left too).
func sweepPrompts(ctx context.Context, p *speech.Prompts, log zerolog.Logger) {
	t := time.NewTicker(promptSweepEvery)
	defer t.Stop()
	for {
		switch n, err := p.Sweep(time.Now().Add(-perCallPromptLife)); {
		case err != nil:
			log.Warn().Str("component", "ivr").Err(err).Int("removed", n).Msg("prompts rendered per call not all removed")
		case n > 0:
			log.Debug().Str("component", "ivr").Int("removed", n).Msg("prompts rendered per call removed")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// startRecognizer is the speech recognizer of speech.recognizer, nil
// when none is set (FAQs answer by key alone).
func startRecognizer(cfg config.Config, log zerolog.Logger) speech.Recognizer {
	r := cfg.Speech.Recognizer
	if r.URL == "" {
		return nil
	}
	log.Info().Str("component", "ivr").Str("url", r.URL).Str("model", r.Model).Dur("timeout", r.Timeout).
		Msg("callers may say their questions to FAQs")
	return &speech.HTTP{URL: r.URL, Model: r.Model, Token: r.Token}
}

// promptName is a rendered prompt's file name (see speech.Prompts.File).
var promptName = regexp.MustCompile(`^[0-9a-f]{24}\.wav$`)

// withPrompts serves the rendered prompts at /prompts/NAME.wav beside the
// API, without credentials: the switch fetches them (Asterisk's media
// cache, FreeSWITCH's mod_httpcache), and names are hashes that cannot be
// listed or guessed.
func withPrompts(api http.Handler, p *speech.Prompts) http.Handler {
	if p == nil {
		return api
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, "/prompts/")
		if !ok {
			api.ServeHTTP(w, r)
			return
		}
		if !promptName.MatchString(name) || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			http.NotFound(w, r)
			return
		}
		f, err := os.Open(filepath.Join(p.Dir, name))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil || !st.Mode().IsRegular() {
			http.NotFound(w, r)
			return
		}
		// Cacheable: without a lifetime Asterisk's media cache counts a
		// prompt stale at once, so every playback downloads it again and
		// deletes the copy a concurrent playback of the same prompt is
		// about to open, which then fails. A name is a hash of the text,
		// voice and speed; the ETag also changes when a damaged file is
		// rendered again at start.
		h := w.Header()
		h.Set("Content-Type", "audio/wav")
		h.Set("Cache-Control", promptCacheControl)
		h.Set("ETag", fmt.Sprintf(`"%s-%x-%x"`, strings.TrimSuffix(name, ".wav"), st.Size(), st.ModTime().UnixNano()))
		http.ServeContent(w, r, name, st.ModTime(), f)
	})
}

// promptCacheControl lets the switch keep a rendered prompt for a day
// before asking again (with the ETag, answered 304 while unchanged).
const promptCacheControl = "public, max-age=86400"

// flowKeys are the keys a simulated caller of flow may press at its
// start: a FAQ's entry keys and its key for a person.
func flowKeys(cfg config.Config, flow string) []string {
	faq := startFAQ(cfg, flow)
	if faq == nil {
		return nil
	}
	var keys []string
	for _, e := range faq.Entries {
		if e.Key != "" {
			keys = append(keys, e.Key)
		}
	}
	return append(keys, cmp.Or(faq.AgentKey, "0"))
}

// flowPhrases are what a simulated caller of flow may say at its start:
// the phrases of each FAQ entry in each language and of asking for a
// person, and a question the FAQ does not know.
func flowPhrases(cfg config.Config, flow string) []string {
	faq := startFAQ(cfg, flow)
	if faq == nil {
		return nil
	}
	var out []string
	add := func(byLang map[string][]string) {
		for _, lang := range slices.Sorted(maps.Keys(byLang)) {
			if ps := byLang[lang]; len(ps) > 0 {
				out = append(out, ps...)
			}
		}
	}
	for _, e := range faq.Entries {
		add(e.Phrases)
	}
	add(faq.AgentPhrases)
	if len(out) == 0 {
		return nil
	}
	return append(out, offTopic)
}

// offTopic is what some simulated callers ask that no FAQ answers.
const offTopic = "my parcel never arrived"

// startFAQ is the FAQ node flow starts with, nil if it starts otherwise.
func startFAQ(cfg config.Config, flow string) *ivr.FAQ {
	f, ok := cfg.Flows[flow]
	if !ok {
		return nil
	}
	faq, _ := f.IVRNodes()[f.Start].(*ivr.FAQ)
	return faq
}
