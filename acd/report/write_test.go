package report

import (
	"bytes"
	"encoding/csv"
	"slices"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/internal/csvcell"
)

// A report's text cells that a spreadsheet would run (a queue, agent,
// campaign, disposition or pause reason typed as a formula) are written
// behind an apostrophe; its figures, negative ones too, are written as they
// are, so that a spreadsheet reads them as numbers.
func TestWriteCSVFormulaCells(t *testing.T) {
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Hour)
	rows := Rows{
		Queues:       []QueueRow{{Start: t0, End: t1, Queue: `=HYPERLINK("http://x","q")`, Offered: 3, AHT: -3, AbandonRate: -0.5}},
		Agents:       []AgentRow{{Start: t0, End: t1, Agent: "@bob", Talk: -2.5, Pauses: map[string]Seconds{"=1+1": 60}}},
		Dispositions: []DispositionRow{{Start: t0, End: t1, Queue: "+q", Disposition: "-1", Calls: 2}},
		Campaigns:    []CampaignRow{{Start: t0, End: t1, Campaign: "-c", Dials: 4, Talk: -1}},
	}
	r := &Report{From: t0, To: t1, Location: "UTC", Interval: IntervalHour, Rows: rows, Totals: rows}
	for _, tc := range []struct {
		kind Kind
		want map[string]string // column → cell
	}{
		{KindQueues, map[string]string{"queue": `'=HYPERLINK("http://x","q")`, "offered": "3", "aht_s": "-3.000", "abandon_rate": "-0.5000"}},
		{KindAgents, map[string]string{"agent": "'@bob", "talk_s": "-2.500", "pauses": "'=1+1=60.000"}},
		{KindDispositions, map[string]string{"queue": "'+q", "disposition": "'-1", "calls": "2"}},
		{KindCampaigns, map[string]string{"campaign": "'-c", "dials": "4", "talk_s": "-1.000"}},
	} {
		var b bytes.Buffer
		if err := Write(&b, r, tc.kind, FormatCSV); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&b).ReadAll()
		if err != nil || len(recs) != 3 {
			t.Fatalf("%s: %d rows, %v", tc.kind, len(recs), err)
		}
		for _, rec := range recs[1:] {
			for col, want := range tc.want {
				i := slices.Index(recs[0], col)
				if i < 0 || rec[i] != want {
					t.Errorf("%s %s %s: cell %q, want %q", tc.kind, rec[0], col, rec[min(max(i, 0), len(rec)-1)], want)
				}
			}
			for i, cell := range rec {
				if csvcell.IsFormula(cell) && !slices.Contains([]string{"aht_s", "abandon_rate", "talk_s"}, recs[0][i]) {
					t.Errorf("%s %s %s: %q would run as a formula", tc.kind, rec[0], recs[0][i], cell)
				}
			}
		}
	}
}
