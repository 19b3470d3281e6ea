package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/ivr"
	"github.com/hotline-cc/hotline/acd/ivr/ivrhttp"
	"github.com/hotline-cc/hotline/internal/rfc3339"
)

func newIVRCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ivr",
		Short: "Self-service flows: show one as a tree, walk one on the console",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newIVRShowCmd(g), newIVRTryCmd(g), newIVRPromptsCmd(g), newIVRReportCmd(g))
	return cmd
}

// configFlow loads the configuration and builds the named flow.
func configFlow(g *globalOptions, name string) (config.Flow, *ivr.Flow, error) {
	cfg, err := g.loadConfig()
	if err != nil {
		return config.Flow{}, nil, err
	}
	cf, ok := cfg.Flows[name]
	if !ok {
		return config.Flow{}, nil, invalidArg(fmt.Errorf("no flow %q in the configuration; flows: %s", name,
			strings.Join(slices.Sorted(maps.Keys(cfg.Flows)), ", ")))
	}
	f, err := ivr.Build(cf.IVRNodes())
	return cf, f, err
}

func newIVRShowCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:     "show FLOW",
		Short:   "Print a flow of the configuration as a tree from its start",
		Example: "  hotline ivr show selfservice --config hotline.yaml",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cf, f, err := configFlow(g, args[0])
			if err != nil {
				return err
			}
			showFlow(cmd.OutOrStdout(), f, cf.Start)
			return nil
		},
	}
}

// showFlow prints the nodes reachable from start depth first; a node met
// again is named, not repeated.
func showFlow(w io.Writer, f *ivr.Flow, start string) {
	seen := map[string]bool{}
	var walk func(name, indent, via string)
	walk = func(name, indent, via string) {
		n := f.Node(name)
		if n == nil {
			fmt.Fprintf(w, "%s%s%s: unknown node\n", indent, via, name)
			return
		}
		if seen[name] {
			fmt.Fprintf(w, "%s%s→ %s (see above)\n", indent, via, name)
			return
		}
		seen[name] = true
		fmt.Fprintf(w, "%s%s%s [%s]%s\n", indent, via, name, n.Kind(), summary(n))
		for _, l := range n.Next() {
			if l.Node == "" {
				continue
			}
			walk(l.Node, indent+"  ", l.Field+": ")
		}
	}
	walk(start, "", "")
	for _, name := range f.Names() {
		if !seen[name] {
			fmt.Fprintf(w, "%s [%s]: unreachable\n", name, f.Node(name).Kind())
		}
	}
}

// summary is what a node does in a few words, for the tree.
func summary(n ivr.Node) string {
	switch n := n.(type) {
	case *ivr.Queue:
		s := " → queue " + n.Queue
		for _, k := range slices.Sorted(maps.Keys(n.Skills)) {
			s += fmt.Sprintf(" %s>=%d", k, n.Skills[k])
		}
		if n.Priority != 0 {
			s += fmt.Sprintf(" priority %+d", n.Priority)
		}
		return s
	case *ivr.TransferNode:
		return " → transfer to " + n.Number
	case *ivr.CallbackNode:
		return " → callback task in queue " + n.Queue
	case *ivr.Hangup:
		return " → hang up"
	case *ivr.Collect:
		return " digits into {" + n.Var + "}"
	case *ivr.LookupNode:
		return " " + n.URL + " within " + n.Timeout.String()
	case *ivr.Hours:
		return " " + n.Zone
	case *ivr.FAQ:
		var ids []string
		for _, e := range n.Entries {
			ids = append(ids, e.Key+"="+e.ID)
		}
		return " " + strings.Join(ids, " ")
	case *ivr.Menu:
		var keys []string
		for _, k := range slices.Sorted(maps.Keys(n.Options)) {
			t := n.Options[k]
			switch {
			case t.Queue != "":
				keys = append(keys, k+"→queue "+t.Queue)
			case t.Node != "":
				keys = append(keys, k+"→"+t.Node)
			default:
				keys = append(keys, k+"→hang up")
			}
		}
		return " " + strings.Join(keys, " ")
	}
	return ""
}

type ivrTryOptions struct {
	keys     string
	says     []string
	caller   string
	known    bool
	tags     string
	lang     string
	at       string
	lookups  bool
	maxSteps int
}

func newIVRTryCmd(g *globalOptions) *cobra.Command {
	o := &ivrTryOptions{}
	cmd := &cobra.Command{
		Use:   "try FLOW",
		Short: "Walk a flow on the console: what the caller hears and where the call goes",
		Long: `Walks a flow without a PBX. Each prompt plays to its end; whenever the flow
waits for the caller, the next of --keys is pressed ("_" stays silent until the
timeout); once the keys are spent, a flow that listens hears the next --say,
else the caller stays silent. Lookups are sent to their services unless
--no-lookups, which lets them time out.`,
		Example: `  hotline ivr try selfservice --keys "2,1234,#"
  hotline ivr try support --say "opening hours" --at 2026-12-25T10:00:00+01:00`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, f, err := configFlow(g, args[0])
			if err != nil {
				return err
			}
			cfg, _ := g.loadConfig()
			return tryFlow(cmd.Context(), cmd.OutOrStdout(), f, cfg.Flows[args[0]].Start, o)
		},
	}
	cmd.Flags().StringVar(&o.keys, "keys", "", `keys the caller presses, comma separated ("1,#,0"); "1234" presses four; "_" is silence`)
	cmd.Flags().StringArrayVar(&o.says, "say", nil, "what the caller says when the flow listens (repeatable)")
	cmd.Flags().StringVar(&o.caller, "caller", "+15550100", "the caller's number")
	cmd.Flags().BoolVar(&o.known, "known", false, "the caller is a known customer")
	cmd.Flags().StringVar(&o.tags, "tags", "", "the caller's tags, comma separated (VIP)")
	cmd.Flags().StringVar(&o.lang, "language", "", "prompt language before the flow picks one")
	cmd.Flags().StringVar(&o.at, "at", "", "the time of the call, RFC 3339 (default now)")
	cmd.Flags().BoolVar(&o.lookups, "lookups", true, "send lookups to their services (--lookups=false lets them time out)")
	cmd.Flags().IntVar(&o.maxSteps, "max-steps", 200, "stop after this many inputs")
	return cmd
}

// script is the caller's side of a try: keys, then phrases.
type script struct {
	keys  []string
	says  []string
	input int
}

func (o *ivrTryOptions) script() (script, error) {
	var s script
	for tok := range strings.SplitSeq(o.keys, ",") {
		tok = strings.TrimSpace(tok)
		if tok == "_" {
			s.keys = append(s.keys, "_")
			continue
		}
		for _, r := range tok {
			if !strings.ContainsRune("0123456789*#ABCD", r) {
				return s, invalidArg(fmt.Errorf("--keys: %q is not a phone key (0-9, *, #, A-D; _ for silence)", string(r)))
			}
			s.keys = append(s.keys, string(r))
		}
	}
	s.says = o.says
	return s, nil
}

func tryFlow(ctx context.Context, w io.Writer, f *ivr.Flow, start string, o *ivrTryOptions) error {
	now := time.Now()
	if o.at != "" {
		t, err := rfc3339.Parse(o.at)
		if err != nil {
			return invalidArg(fmt.Errorf("--at %q: want a time like 2026-12-01T10:00:00+01:00", o.at))
		}
		now = t
	}
	vars := map[string]string{ivr.VarCaller: o.caller, ivr.VarTags: o.tags}
	if o.known {
		vars[ivr.VarKnown] = "yes"
	}
	if o.lang != "" {
		vars[ivr.VarLanguage] = o.lang
	}
	sc, err := o.script()
	if err != nil {
		return err
	}
	st, acts := f.StartWith(start, vars, now)
	for range o.maxSteps {
		p := narrate(w, acts)
		if st.Done() || p.done {
			return nil
		}
		var in ivr.Input
		switch {
		case p.lookup != nil:
			if !o.lookups {
				now = now.Add(p.timer)
				fmt.Fprintf(w, "  (lookup not sent; its %v run out)\n", p.timer)
				in = ivr.Timeout{}
				break
			}
			lctx, cancel := context.WithTimeout(ctx, p.timer)
			in = ivrhttp.Do(lctx, http.DefaultClient, *p.lookup)
			if r := in.(ivr.LookupResult); r.Err != "" && lctx.Err() != nil {
				in = ivr.Timeout{} // the flow's timer would have run out first
			}
			cancel()
		case p.playing:
			in = ivr.PlaybackDone{}
		case p.timer > 0:
			in = sc.next(w, p.listen)
			if _, silent := in.(ivr.Timeout); silent {
				now = now.Add(p.timer)
			}
		default:
			return fmt.Errorf("the flow waits at %q with nothing to wait for", st.Node)
		}
		st, acts = f.Step(st, in, now)
	}
	fmt.Fprintf(w, "stopped after %d inputs at %q\n", o.maxSteps, st.Node)
	return nil
}

// next is the caller's next move while the flow waits.
func (s *script) next(w io.Writer, listening bool) ivr.Input {
	if len(s.keys) > 0 {
		k := s.keys[0]
		s.keys = s.keys[1:]
		if k == "_" {
			fmt.Fprintln(w, "  caller stays silent")
			return ivr.Timeout{}
		}
		fmt.Fprintf(w, "  caller presses %s\n", k)
		return ivr.Digit{Key: k}
	}
	if listening && len(s.says) > 0 {
		p := s.says[0]
		s.says = s.says[1:]
		fmt.Fprintf(w, "  caller says %q\n", p)
		return ivr.Phrase{Text: p}
	}
	fmt.Fprintln(w, "  caller stays silent")
	return ivr.Timeout{}
}

// pending is what the flow waits for after its actions.
type pending struct {
	playing, listen, done bool
	timer                 time.Duration
	lookup                *ivr.Lookup
}

// narrate prints the actions as the caller would live them.
func narrate(w io.Writer, acts []ivr.Action) pending {
	var p pending
	for _, a := range acts {
		switch a := a.(type) {
		case ivr.Enter:
			fmt.Fprintf(w, "%s [%s]\n", a.Node, a.Kind)
		case ivr.Play:
			hear(w, a.Media)
			p.playing = true
		case ivr.StopPlay:
			p.playing = false
		case ivr.StartTimer:
			p.timer = a.After
		case ivr.CancelTimer:
			p.timer = 0
		case ivr.Listen:
			p.listen = true
		case ivr.Note:
			fmt.Fprintf(w, "  · %s %s\n", a.Kind, a.Detail)
		case ivr.Warn:
			fmt.Fprintf(w, "  ! %s: %s\n", a.Code, a.Text)
		case ivr.Lookup:
			fmt.Fprintf(w, "  %v\n", a)
			p.lookup = &a
		case ivr.ToQueue, ivr.Transfer, ivr.Callback:
			if c, ok := a.(ivr.Callback); ok {
				hear(w, c.Media)
			}
			fmt.Fprintf(w, "⇒ %v\n", a)
			p.done = true
		case ivr.Leave:
			hear(w, a.Media)
			fmt.Fprintln(w, "⇒ hang up")
			p.done = true
		default:
			fmt.Fprintf(w, "  %v\n", a)
		}
	}
	return p
}

func hear(w io.Writer, media []string) {
	for _, m := range media {
		if lang, text, ok := ivr.ParseSay(m); ok {
			fmt.Fprintf(w, "  hears (%s) %q\n", lang, text)
		} else {
			fmt.Fprintf(w, "  hears %s\n", m)
		}
	}
}
