package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/ivr"
	"github.com/hotline-cc/hotline/store"
)

// ivrNodeFigures are one node's figures over a period.
type ivrNodeFigures struct {
	Flow     string         `json:"flow"`
	Node     string         `json:"node"`
	Kind     string         `json:"kind"`
	Visits   int            `json:"visits"`
	Exits    map[string]int `json:"exits,omitempty"` // option (key, FAQ entry, branch) → calls
	Timeouts int            `json:"timeouts"`
	Invalid  int            `json:"invalid"`
	Heard    int            `json:"phrases"` // phrases matched (answered or confirmed)
	Missed   int            `json:"not_understood"`
}

// ivrFlowFigures are a flow's figures over a period.
type ivrFlowFigures struct {
	Flow      string  `json:"flow"`
	Calls     int     `json:"calls"`
	Answered  int     `json:"faq_answered"` // calls that heard a FAQ answer
	Contained int     `json:"contained"`    // ... and ended in the flow without asking for a person
	Share     float64 `json:"containment"`  // contained / calls
}

type ivrReport struct {
	Flows []ivrFlowFigures `json:"flows"`
	Nodes []ivrNodeFigures `json:"nodes"`
}

// figureIVR reads the flows' figures from call timelines: each entered node
// (a step named by the node's kind) is a visit, the notes that follow it
// until the next node are its exits, timeouts and invalid keys.
func figureIVR(recs iter.Seq2[store.CallRecord, error], flowFilter string) (ivrReport, error) {
	kinds := map[string]bool{}
	for _, k := range ivr.Kinds() {
		kinds[k] = true
	}
	nodes := map[string]*ivrNodeFigures{}
	flows := map[string]*ivrFlowFigures{}
	for rec, err := range recs {
		if err != nil {
			return ivrReport{}, err
		}
		var cur *ivrNodeFigures
		seen := map[string]bool{}
		answered, person := false, false
		for _, s := range rec.Timeline {
			if kinds[s.Kind] && s.Detail != "" {
				flow, node, ok := strings.Cut(s.Detail, "/")
				if !ok {
					flow, node = "menus", s.Detail
				}
				if flowFilter != "" && flow != flowFilter {
					cur = nil
					continue
				}
				key := flow + "/" + node
				if nodes[key] == nil {
					nodes[key] = &ivrNodeFigures{Flow: flow, Node: node, Kind: s.Kind, Exits: map[string]int{}}
				}
				cur = nodes[key]
				cur.Visits++
				seen[flow] = true
				continue
			}
			if cur == nil {
				continue
			}
			first, _, _ := strings.Cut(s.Detail, " ")
			switch s.Kind {
			case "menu-choice", "language", "hours":
				cur.Exits[first]++
			case "faq-answer":
				cur.Exits[first]++
				answered = true
			case "faq-agent":
				cur.Exits["person"]++
				person = true
			case "collected":
				cur.Exits["collected"]++
			case "menu-retry", "collect-retry", "faq-retry", "menu-default", "collect-fallback", "faq-fallback":
				switch {
				case strings.HasPrefix(s.Detail, "timeout"):
					cur.Timeouts++
				case strings.HasPrefix(s.Detail, "invalid key"):
					cur.Invalid++
				}
			case "faq-recognized", "faq-guess":
				cur.Heard++
			case "faq-not-understood":
				cur.Missed++
			case "enqueue":
				person = true
			}
		}
		for flow := range seen {
			f := flows[flow]
			if f == nil {
				f = &ivrFlowFigures{Flow: flow}
				flows[flow] = f
			}
			f.Calls++
			if answered {
				f.Answered++
				if !person && rec.Outcome != acd.OutcomeAbandoned && rec.Outcome != acd.OutcomeFailed {
					f.Contained++
				}
			}
		}
	}
	var out ivrReport
	for _, k := range slices.Sorted(maps.Keys(flows)) {
		f := *flows[k]
		if f.Calls > 0 {
			f.Share = float64(f.Contained) / float64(f.Calls)
		}
		out.Flows = append(out.Flows, f)
	}
	for _, k := range slices.Sorted(maps.Keys(nodes)) {
		out.Nodes = append(out.Nodes, *nodes[k])
	}
	return out, nil
}

func exitsText(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s:%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}

func writeIVRReport(w io.Writer, r ivrReport, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write([]string{"flow", "node", "kind", "visits", "exits", "timeouts", "invalid", "phrases", "not_understood"})
		for _, n := range r.Nodes {
			cw.Write([]string{n.Flow, n.Node, n.Kind, strconv.Itoa(n.Visits), exitsText(n.Exits), strconv.Itoa(n.Timeouts),
				strconv.Itoa(n.Invalid), strconv.Itoa(n.Heard), strconv.Itoa(n.Missed)})
		}
		cw.Flush()
		return cw.Error()
	case "table", "":
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "FLOW\tCALLS\tFAQ ANSWERED\tCONTAINED\tCONTAINMENT")
		for _, f := range r.Flows {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.1f%%\n", f.Flow, f.Calls, f.Answered, f.Contained, 100*f.Share)
		}
		fmt.Fprintln(tw, "\nFLOW\tNODE\tKIND\tVISITS\tEXITS\tTIMEOUTS\tINVALID\tPHRASES\tNOT UNDERSTOOD")
		for _, n := range r.Nodes {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%d\t%d\t%d\t%d\n", n.Flow, n.Node, n.Kind, n.Visits, exitsText(n.Exits), n.Timeouts, n.Invalid, n.Heard, n.Missed)
		}
		return tw.Flush()
	}
	return invalidArg(fmt.Errorf("--format %q: table, csv or json", format))
}

type ivrReportOptions struct {
	from, to, flow, format, store string
}

func newIVRReportCmd(g *globalOptions) *cobra.Command {
	o := &ivrReportOptions{}
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Figures of the flows from the stored calls: visits, exits by option, timeouts, invalid keys, recognition, containment",
		Long: `Per flow: calls, calls that heard a FAQ answer, and those contained (ended in
the flow after an answer without asking for a person). Per node: visits, exits
by option, timeouts, invalid keys, phrases matched and not understood. Reads the
store file; Hotline must be stopped.`,
		Example: "  hotline ivr report --from 2026-12-01 --to 2026-12-02 --flow selfservice --format csv",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var f store.Filter
			for _, d := range []struct {
				flag, v string
				to      *time.Time
			}{{"--from", o.from, &f.From}, {"--to", o.to, &f.To}} {
				if d.v == "" {
					continue
				}
				t, err := time.Parse(time.DateOnly, d.v)
				if err != nil {
					return invalidArg(fmt.Errorf("%s %q: want a date like 2026-12-01", d.flag, d.v))
				}
				*d.to = t
			}
			path := o.store
			if path == "" {
				var err error
				if path, err = storeFile(g, nil); err != nil {
					return err
				}
			}
			db, err := store.Open(path, store.Options{ReadOnly: true, LockTimeout: time.Second})
			if err != nil {
				return err
			}
			defer db.Close()
			r, err := figureIVR(db.Calls(f), o.flow)
			if err != nil {
				return err
			}
			return writeIVRReport(cmd.OutOrStdout(), r, o.format)
		},
	}
	cmd.Flags().StringVar(&o.from, "from", "", "first day (calls entered on or after), YYYY-MM-DD")
	cmd.Flags().StringVar(&o.to, "to", "", "day after the last (calls entered before), YYYY-MM-DD")
	cmd.Flags().StringVar(&o.flow, "flow", "", "only this flow")
	cmd.Flags().StringVar(&o.format, "format", "table", "table | csv | json")
	cmd.Flags().StringVar(&o.store, "store", "", "store file (default: the config's store.path)")
	return cmd
}
