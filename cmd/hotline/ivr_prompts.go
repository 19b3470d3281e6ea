package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"

	"github.com/spf13/cobra"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/ivr"
	"github.com/hotline-cc/hotline/acd/speech"
)

type promptOptions struct {
	dir   string
	speed int
}

func newIVRPromptsCmd(g *globalOptions) *cobra.Command {
	o := &promptOptions{}
	cmd := &cobra.Command{
		Use:   "prompts",
		Short: "Render the flows' texts to 8 kHz mono WAV prompts (espeak-ng and sox)",
		Long: `Renders every text the flows speak (say:) to telephone audio: espeak-ng speaks
it with the language's voice, sox makes it 8 kHz mono 16-bit WAV. A file is named
by a hash of its text, voice and speed, so a text rendered before is not rendered
again and a changed text gets a new file. Texts with {variables} differ per call
and are not rendered. Needs espeak-ng and sox (Debian: apt-get install espeak-ng sox).`,
		Example: "  hotline ivr prompts --dir /var/lib/hotline/prompts",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			return renderPrompts(cmd.Context(), cmd.OutOrStdout(), cfg, o)
		},
	}
	cmd.Flags().StringVar(&o.dir, "dir", "", "directory of the rendered prompts (default speech.prompts of the config)")
	cmd.Flags().IntVar(&o.speed, "speed", 0, "speaking rate, words per minute (default speech.speed of the config)")
	return cmd
}

// prepared counts what preparePrompts did.
type prepared struct{ rendered, cached, dynamic int }

// preparePrompts renders every fixed text the flows speak that is not in
// p.Dir yet (or is there stale), keeps it from p's sweeps, and checks that
// the tools are there for texts with {variables}, rendered per call. each,
// if set, hears of each file rendered.
func preparePrompts(ctx context.Context, cfg config.Config, p *speech.Prompts, each func(path, lang, text string)) (prepared, error) {
	var n prepared
	toolsChecked := false
	err := eachSay(cfg, func(where, lang, text string) error {
		file, err := p.File(lang, text)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if ivr.Dynamic(text) {
			n.dynamic++
			if !toolsChecked {
				if err := speech.CheckTools(); err != nil {
					return fmt.Errorf("%s: %q is rendered per call: %w", where, text, err)
				}
				toolsChecked = true
			}
			return nil
		}
		rendered, err := p.Render(ctx, lang, text)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if err := p.Keep(lang, text); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if !rendered {
			n.cached++
			return nil
		}
		n.rendered++
		if each != nil {
			each(filepath.Join(p.Dir, file), lang, text)
		}
		return nil
	})
	return n, err
}

// keepPrompts keeps the fixed texts of cfg's flows from p's sweeps: those
// a reload adds are rendered when first asked for, and stay.
func keepPrompts(cfg config.Config, p *speech.Prompts) {
	_ = eachSay(cfg, func(_, lang, text string) error {
		if !ivr.Dynamic(text) {
			_ = p.Keep(lang, text) // a language without a voice was refused when the config loaded
		}
		return nil
	})
}

// eachSay calls f with every text the flows speak, in order, with where it
// is (flow, node, language); it stops at f's first error.
func eachSay(cfg config.Config, f func(where, lang, text string) error) error {
	for _, name := range slices.Sorted(maps.Keys(cfg.Flows)) {
		nodes := cfg.Flows[name].IVRNodes()
		for _, node := range slices.Sorted(maps.Keys(nodes)) {
			s, ok := nodes[node].(ivr.Sayer)
			if !ok {
				continue
			}
			for _, say := range s.Says() {
				for _, lang := range slices.Sorted(maps.Keys(say)) {
					if err := f(fmt.Sprintf("flows.%s.nodes.%s (%s)", name, node, lang), lang, say[lang]); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

func renderPrompts(ctx context.Context, w io.Writer, cfg config.Config, o *promptOptions) error {
	p := &speech.Prompts{Dir: cmp.Or(o.dir, cfg.Speech.Prompts), Speed: cmp.Or(o.speed, cfg.Speech.Speed)}
	n, err := preparePrompts(ctx, cfg, p, func(path, lang, text string) { fmt.Fprintf(w, "%s  %s %q\n", path, lang, text) })
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%d rendered, %d already there, %d with variables (rendered per call) in %s\n", n.rendered, n.cached, n.dynamic, p.Dir)
	return nil
}
