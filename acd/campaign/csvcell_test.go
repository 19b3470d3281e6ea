package campaign

import (
	"bytes"
	"testing"

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
