package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/ivr"
)

// voices are espeak-ng's voices for the prompt languages.
var voices = map[string]string{"en": "en-us", "ru": "ru", "de": "de", "fr": "fr", "es": "es"}

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
	cmd.Flags().StringVar(&o.dir, "dir", "prompts", "directory of the rendered prompts")
	cmd.Flags().IntVar(&o.speed, "speed", 150, "speaking rate, words per minute")
	return cmd
}

// PromptFile is the file name a text renders to.
func PromptFile(voice string, speed int, text string) string {
	sum := sha256.Sum256([]byte(voice + "\x00" + strconv.Itoa(speed) + "\x00" + text))
	return hex.EncodeToString(sum[:12]) + ".wav"
}

// ErrPromptTool is a text-to-speech tool missing or failing.
var ErrPromptTool = errors.New("prompt rendering")

func renderPrompts(ctx context.Context, w io.Writer, cfg config.Config, o *promptOptions) error {
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%w: %s not found in PATH; install it (Debian: apt-get install espeak-ng sox)", ErrPromptTool, tool)
		}
	}
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return err
	}
	var rendered, cached, dynamic int
	for _, name := range slices.Sorted(maps.Keys(cfg.Flows)) {
		nodes := cfg.Flows[name].IVRNodes()
		for _, node := range slices.Sorted(maps.Keys(nodes)) {
			s, ok := nodes[node].(ivr.Sayer)
			if !ok {
				continue
			}
			for _, say := range s.Says() {
				for _, lang := range slices.Sorted(maps.Keys(say)) {
					text := say[lang]
					if ivr.Dynamic(text) {
						dynamic++
						continue
					}
					voice, ok := voices[lang]
					if !ok {
						return fmt.Errorf("flows.%s.nodes.%s: %w: no voice for language %q; known: %v", name, node, ErrPromptTool, lang, slices.Sorted(maps.Keys(voices)))
					}
					path := filepath.Join(o.dir, PromptFile(voice, o.speed, text))
					if _, err := os.Stat(path); err == nil {
						cached++
						continue
					}
					if err := renderOne(ctx, path, voice, o.speed, text); err != nil {
						return fmt.Errorf("flows.%s.nodes.%s (%s): %w", name, node, lang, err)
					}
					fmt.Fprintf(w, "%s  %s %q\n", path, lang, text)
					rendered++
				}
			}
		}
	}
	fmt.Fprintf(w, "%d rendered, %d already there, %d with variables (not rendered) in %s\n", rendered, cached, dynamic, o.dir)
	return nil
}

// renderOne speaks text into a temporary file and converts it; the prompt
// appears under its name only when complete.
func renderOne(ctx context.Context, path, voice string, speed int, text string) error {
	raw := path + ".espeak.wav"
	tmp := path + ".tmp.wav"
	defer os.Remove(raw)
	defer os.Remove(tmp)
	if out, err := exec.CommandContext(ctx, "espeak-ng", "-v", voice, "-s", strconv.Itoa(speed), "-w", raw, "--", text).CombinedOutput(); err != nil {
		return fmt.Errorf("%w: espeak-ng: %v: %s", ErrPromptTool, err, out)
	}
	if out, err := exec.CommandContext(ctx, "sox", raw, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", tmp).CombinedOutput(); err != nil {
		return fmt.Errorf("%w: sox: %v: %s", ErrPromptTool, err, out)
	}
	return os.Rename(tmp, path)
}
