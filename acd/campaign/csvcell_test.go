package campaign

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/internal/csvcell"
)

// An exported list imported again gives back its leads' values, formula
// characters and all, and none of its cells runs in a spreadsheet.
func TestExportImportRoundTrip(t *testing.T) {
	leads := []Lead{
		{ID: "c-1", Campaign: "c", Phone: "+33612345678", Name: "=SUM(1)", Fields: map[string]string{"note": "@home", "code": "-12"}},
		{ID: "c-2", Campaign: "c", Phone: "+442079460958", Name: "'=HYPERLINK(\"x\")", Fields: map[string]string{"note": "'Tis"}},
		{ID: "c-3", Campaign: "c", Phone: "+12125550187", Name: "O'Neil", Fields: map[string]string{"=x": "+1"}},
	}
	var buf bytes.Buffer
	err := WriteCSV(&buf, func(fn func(Lead) bool) error {
		for _, l := range leads {
			fn(l)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := csvcell.Check(buf.Bytes()); err != nil {
		t.Error(err)
	}
	res, err := ImportCSV(&buf, ImportOptions{Campaign: "c", Region: "US"}, nil)
	if err != nil || len(res.Errors) > 0 || len(res.Leads) != len(leads) {
		t.Fatalf("import of the export: %+v %v\n%s", res, err, buf.String())
	}
	for i, got := range res.Leads {
		want := leads[i]
		if got.Phone != want.Phone || got.Name != want.Name {
			t.Errorf("lead %d: phone %q name %q, want %q %q", i+1, got.Phone, got.Name, want.Phone, want.Name)
		}
		for k, v := range want.Fields {
			if got.Fields[k] != v {
				t.Errorf("lead %d field %q: %q, want %q", i+1, k, got.Fields[k], v)
			}
		}
	}
}

// A list with skipped leads gets the skip columns: how many skips, the
// last one's reason, note, agent and time, its note behind an apostrophe
// when a spreadsheet would run it, and every skip kept, as JSON. A list
// with none has no such columns.
func TestExportSkips(t *testing.T) {
	skipped, err := Skip(Lead{ID: "c-1", Campaign: "c", Phone: "+33612345678", State: New}, t0, SkipNote{Agent: "alice", At: t0, Reason: "wrong person", Note: "=his brother"})
	if err != nil {
		t.Fatal(err)
	}
	if skipped, err = Skip(skipped, t0, SkipNote{Reason: SkipTimedOut}); err != nil {
		t.Fatal(err)
	}
	skipped.LastSkip = &SkipNote{Agent: "alice", At: t0, Reason: "wrong person", Note: "=his brother"}
	write := func(leads ...Lead) string {
		var buf bytes.Buffer
		if err := WriteCSV(&buf, func(fn func(Lead) bool) error {
			for _, l := range leads {
				fn(l)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := csvcell.Check(buf.Bytes()); err != nil {
			t.Error(err)
		}
		return buf.String()
	}
	plain := Lead{ID: "c-2", Campaign: "c", Phone: "+33612345679"}
	got := write(skipped, plain)
	for _, want := range []string{
		"disposition,skips,last_skip_reason,last_skip_note,last_skip_agent,last_skip_at,skip_history\n",
		",2,wrong person,'=his brother,alice," + t0.UTC().Format(time.RFC3339) + `,"[{""agent"":""alice"",""at"":""` + t0.UTC().Format(time.RFC3339) +
			`"",""reason"":""wrong person"",""note"":""=his brother""},{""reason"":""timeout""}]"` + "\n",
		"c-2,'+33612345679,,,new,0,,,,0,,,,,\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("export lacks %q:\n%s", want, got)
		}
	}
	if got := write(plain); strings.Contains(got, "skip") {
		t.Errorf("a list with no skips has skip columns:\n%s", got)
	}
	// A settled lead has no next attempt, whatever time it keeps; one due
	// again has it.
	due := t0.Add(time.Hour).UTC().Format(time.RFC3339)
	got = write(Lead{ID: "c-3", Campaign: "c", Phone: "+33612345670", State: Failed, Attempts: 2, NextAttempt: t0.Add(time.Hour)},
		Lead{ID: "c-4", Campaign: "c", Phone: "+33612345671", State: Scheduled, Attempts: 1, NextAttempt: t0.Add(time.Hour)})
	if !strings.Contains(got, "c-3,'+33612345670,,,failed,2,,") || !strings.Contains(got, "c-4,'+33612345671,,,scheduled,1,"+due+",") {
		t.Errorf("next attempts:\n%s", got)
	}
}

// An export of leads with no custom fields (so no field:X columns), with
// progress, skips and survey answers, imported again gives leads with no
// custom fields: its own columns (id, state, attempts, skips, answers...)
// are not read as fields. Before, each became one, shown to agents and
// exported again as field:state, field:attempts, and so on.
func TestExportImportWithoutCustomFields(t *testing.T) {
	l, err := Skip(Lead{ID: "c-1", Campaign: "c", Phone: "+12125550187", Name: "Ann", State: New}, t0, SkipNote{Agent: "alice", At: t0, Reason: "busy"})
	if err != nil {
		t.Fatal(err)
	}
	l.Attempts, l.Disposition, l.Answers = 2, "sale", map[string]string{"q1": "5"}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, func(fn func(Lead) bool) error { fn(l); return nil }); err != nil {
		t.Fatal(err)
	}
	exported := buf.String()
	res, err := ImportCSV(&buf, ImportOptions{Campaign: "c", Region: "US"}, nil)
	if err != nil || len(res.Errors) > 0 || len(res.Leads) != 1 {
		t.Fatalf("import of the export: %+v %v\n%s", res, err, exported)
	}
	if got := res.Leads[0]; got.Name != "Ann" || len(got.Fields) != 0 {
		t.Errorf("lead %q with fields %v, want Ann with none\n%s", got.Name, got.Fields, exported)
	}
	// A list of the user's own with a state column (of an address) keeps it.
	res, err = ImportCSV(strings.NewReader("phone,state\n+12125550187,NY\n"), ImportOptions{Campaign: "c", Region: "US"}, nil)
	if err != nil || len(res.Leads) != 1 || res.Leads[0].Fields["state"] != "NY" {
		t.Errorf("a list's own state column: %+v %v", res, err)
	}
}
