package report

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

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/ivr"
	"github.com/hotline-cc/hotline/internal/csvcell"
	"github.com/hotline-cc/hotline/store"
)

// IVRNode are one node's figures over a period.
type IVRNode struct {
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

// IVRFlow are a flow's figures over a period.
type IVRFlow struct {
	Flow      string  `json:"flow"`
	Calls     int     `json:"calls"`
	Answered  int     `json:"faq_answered"`   // calls that heard a FAQ answer
	Contained int     `json:"contained"`      // served in the flow: a FAQ answer or a designed end, no person asked for
	Share     float64 `json:"containment"`    // contained / calls
	Heard     int     `json:"phrases"`        // spoken phrases matched to an entry (answered or offered)
	Missed    int     `json:"not_understood"` // spoken phrases matched to nothing
	Rate      float64 `json:"recognition"`    // heard / (heard + missed); 0 when nobody spoke
}

type IVRReport struct {
	Flows []IVRFlow `json:"flows"`
	Nodes []IVRNode `json:"nodes"`
}

// FigureIVR reads the flows' figures from call timelines: each entered node
// (a step named by the node's kind) is a visit, the notes that follow it
// until the next node are its exits, timeouts and invalid keys.
func FigureIVR(recs iter.Seq2[store.CallRecord, error], flowFilter string) (IVRReport, error) {
	kinds := map[string]bool{}
	for _, k := range ivr.Kinds() {
		kinds[k] = true
	}
	// A survey's question (acd/campaign registers it, which this package
	// need not link): its notes are counted below.
	kinds["question"] = true
	nodes := map[string]*IVRNode{}
	flows := map[string]*IVRFlow{}
	for rec, err := range recs {
		if err != nil {
			return IVRReport{}, err
		}
		var cur *IVRNode
		seen := map[string]bool{}
		answered, person, gaveUp := false, false, false
		heard, missed := map[string]int{}, map[string]int{} // by flow
		for _, s := range rec.Timeline {
			// A flow's node is entered as "flow/node"; a menu of menus: by its
			// bare name. Other steps sharing a node kind's word (an hours or
			// language note, an agent's transfer) are not nodes.
			flow, node, ok := strings.Cut(s.Detail, "/")
			if !ok && s.Kind == "menu" {
				flow, node, ok = "menus", s.Detail, s.Detail != ""
			}
			if kinds[s.Kind] && ok {
				if flowFilter != "" && flow != flowFilter {
					cur = nil
					continue
				}
				// A node whose kind a flow edit changed is two rows: its
				// figures before and after are not of one kind.
				key := flow + "/" + node + "\x00" + s.Kind
				if nodes[key] == nil {
					nodes[key] = &IVRNode{Flow: flow, Node: node, Kind: s.Kind, Exits: map[string]int{}}
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
			case "caller-hangup":
				if s.Detail == acd.StepLeftFlow {
					gaveUp = true // a survey's lead gone before its end
				}
			case "faq-agent":
				cur.Exits["person"]++
				person = true
			case "collected":
				cur.Exits["collected"]++
			case "menu-retry", "collect-retry", "faq-retry", "menu-default", "collect-fallback", "faq-fallback":
				if !strings.HasSuffix(s.Kind, "-retry") {
					gaveUp = true // the flow's way out for a caller it could not serve
				}
				switch {
				case strings.HasPrefix(s.Detail, "timeout"):
					cur.Timeouts++
				case strings.HasPrefix(s.Detail, "invalid key"):
					cur.Invalid++
				}
			case "question-answer":
				cur.Exits["answered"]++
				if strings.Contains(s.Detail, " by phrase ") {
					cur.Heard++
					heard[cur.Flow]++
				}
			case "question-retry", "question-unanswered":
				why := s.Detail
				if s.Kind == "question-unanswered" {
					gaveUp = true
					_, why, _ = strings.Cut(why, ": ") // "var: why"
				}
				switch {
				case strings.HasPrefix(why, "timeout"):
					cur.Timeouts++
				case strings.HasPrefix(why, "invalid key"):
					cur.Invalid++
				}
			case "faq-recognized", "faq-guess":
				cur.Heard++
				heard[cur.Flow]++
			case "faq-not-understood", "question-not-understood":
				cur.Missed++
				missed[cur.Flow]++
			case "enqueue":
				person = true
			}
		}
		for flow := range seen {
			f := flows[flow]
			if f == nil {
				f = &IVRFlow{Flow: flow}
				flows[flow] = f
			}
			f.Calls++
			f.Heard += heard[flow]
			f.Missed += missed[flow]
			if answered {
				f.Answered++
			}
			// Contained: served in the flow without a person. A FAQ
			// answer the caller did not hang up on, or an end the flow
			// designs (a hangup node, a menu's message: self-service),
			// such as an order's status read out; not a caller sent to a
			// queue, an agent or an outside number, nor one who hung up
			// unserved or was sent off after keying nothing usable (a
			// fallback, a menu's default).
			switch {
			case person, rec.Outcome == acd.OutcomeAbandoned, rec.Outcome == acd.OutcomeFailed, rec.Outcome == acd.OutcomeTransferred:
			case answered, rec.Outcome == acd.OutcomeSelfService && !gaveUp:
				f.Contained++
			}
		}
	}
	var out IVRReport
	for _, k := range slices.Sorted(maps.Keys(flows)) {
		f := *flows[k]
		if f.Calls > 0 {
			f.Share = float64(f.Contained) / float64(f.Calls)
		}
		if n := f.Heard + f.Missed; n > 0 {
			f.Rate = float64(f.Heard) / float64(n)
		}
		out.Flows = append(out.Flows, f)
	}
	for _, k := range slices.Sorted(maps.Keys(nodes)) {
		out.Nodes = append(out.Nodes, *nodes[k])
	}
	return out, nil
}

func ivrExits(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s:%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}

func WriteIVR(w io.Writer, r IVRReport, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "csv":
		// One table: a flow's own row has no node and the kind "flow". The
		// names and exits are escaped as text (csvcell.Escape), the figures
		// written as they are.
		cw := csv.NewWriter(w)
		cw.Write([]string{"flow", "node", "kind", "visits", "exits", "timeouts", "invalid", "phrases", "not_understood",
			"recognition", "faq_answered", "contained", "containment"})
		pct := func(v float64) string { return strconv.FormatFloat(100*v, 'f', 1, 64) }
		for _, f := range r.Flows {
			cw.Write([]string{csvcell.Escape(f.Flow), "", "flow", strconv.Itoa(f.Calls), "", "", "", strconv.Itoa(f.Heard), strconv.Itoa(f.Missed),
				pct(f.Rate), strconv.Itoa(f.Answered), strconv.Itoa(f.Contained), pct(f.Share)})
		}
		for _, n := range r.Nodes {
			cw.Write([]string{csvcell.Escape(n.Flow), csvcell.Escape(n.Node), csvcell.Escape(n.Kind), strconv.Itoa(n.Visits), csvcell.Escape(ivrExits(n.Exits)), strconv.Itoa(n.Timeouts),
				strconv.Itoa(n.Invalid), strconv.Itoa(n.Heard), strconv.Itoa(n.Missed), "", "", "", ""})
		}
		cw.Flush()
		return cw.Error()
	case "table", "":
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "FLOW\tCALLS\tFAQ ANSWERED\tCONTAINED\tCONTAINMENT\tPHRASES\tNOT UNDERSTOOD\tRECOGNITION")
		for _, f := range r.Flows {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.1f%%\t%d\t%d\t%.1f%%\n", f.Flow, f.Calls, f.Answered, f.Contained, 100*f.Share,
				f.Heard, f.Missed, 100*f.Rate)
		}
		fmt.Fprintln(tw, "\nFLOW\tNODE\tKIND\tVISITS\tEXITS\tTIMEOUTS\tINVALID\tPHRASES\tNOT UNDERSTOOD")
		for _, n := range r.Nodes {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%d\t%d\t%d\t%d\n", n.Flow, n.Node, n.Kind, n.Visits, ivrExits(n.Exits), n.Timeouts, n.Invalid, n.Heard, n.Missed)
		}
		return tw.Flush()
	}
	return fmt.Errorf("format %q: %w (want table, csv or json)", format, ErrBadOption)
}
