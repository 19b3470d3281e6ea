package main

import (
	"fmt"
	"io"
	"iter"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/report"
	"github.com/hotline-cc/hotline/store"
)

// ivrTally passes the engine's writes on and keeps the final records of
// calls that went through a flow, for the demo's closing IVR table (the
// demo keeps no store unless asked).
type ivrTally struct {
	engine.Store
	recs map[string]store.CallRecord
}

func newIVRTally(st engine.Store) *ivrTally {
	return &ivrTally{Store: st, recs: map[string]store.CallRecord{}}
}

func (t *ivrTally) Write(ops []store.Op) error {
	for _, op := range ops {
		if r, ok := op.Saves().(*store.CallRecord); ok && r.Outcome != acd.OutcomeInProgress &&
			slices.ContainsFunc(r.Timeline, func(s store.Step) bool { return s.Kind == "jump" || strings.Contains(s.Detail, "/") }) {
			t.recs[r.ID] = *r
		}
	}
	return t.Store.Write(ops)
}

func (t *ivrTally) calls() iter.Seq2[store.CallRecord, error] {
	return func(yield func(store.CallRecord, error) bool) {
		for _, id := range slices.Sorted(maps.Keys(t.recs)) {
			if !yield(t.recs[id], nil) {
				return
			}
		}
	}
}

// writeIVRSummary is the demo's closing table of the flows: calls, FAQ
// answers, containment and recognition.
func writeIVRSummary(w io.Writer, t *ivrTally) error {
	r, err := report.FigureIVR(t.calls(), "")
	if err != nil || len(r.Flows) == 0 {
		return err
	}
	fmt.Fprintln(w, "\nSelf-service (IVR)")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "flow\tcalls\tFAQ answered\tcontained\tcontainment\tspoken\trecognized\t")
	for _, f := range r.Flows {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.1f%%\t%d\t%.1f%%\t\n", f.Flow, f.Calls, f.Answered, f.Contained, 100*f.Share, f.Heard+f.Missed, 100*f.Rate)
	}
	return tw.Flush()
}
