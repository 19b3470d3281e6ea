package report

import (
	"encoding/csv"
	"strings"
	"testing"
	"time"
)

// A disposition or a pause reason is typed by an agent: in a report's CSV
// one a spreadsheet would run as a formula is written behind an apostrophe;
// the figures are written as they are.
func TestReportCSVNeutralisesFormulas(t *testing.T) {
	r := &Report{From: t0, To: t0.Add(time.Hour), Location: "UTC", Rows: Rows{
		Dispositions: []DispositionRow{{Start: t0, End: t0.Add(time.Hour), Queue: "sales", Disposition: `=HYPERLINK("http://x","y")`, Calls: 2}},
		Agents:       []AgentRow{{Start: t0, End: t0.Add(time.Hour), Agent: "bob", Pauses: map[string]Seconds{"@SUM(1)": 60}}},
	}}
	cell := func(kind Kind, col string) string {
		var b strings.Builder
		if err := Write(&b, r, kind, FormatCSV); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
		if err != nil || len(recs) < 2 {
			t.Fatalf("%s CSV %q: %v", kind, b.String(), err)
		}
		for i, h := range recs[0] {
			if h == col {
				return recs[1][i]
			}
		}
		t.Fatalf("%s CSV has no column %s: %v", kind, col, recs[0])
		return ""
	}
	if got := cell(KindDispositions, "disposition"); got != `'=HYPERLINK("http://x","y")` {
		t.Errorf("disposition cell %q, want it behind an apostrophe", got)
	}
	if got := cell(KindDispositions, "calls"); got != "2" {
		t.Errorf("calls cell %q, want 2", got)
	}
	if got := cell(KindAgents, "pauses"); got != "'@SUM(1)=60.000" {
		t.Errorf("pauses cell %q, want it behind an apostrophe", got)
	}
}
