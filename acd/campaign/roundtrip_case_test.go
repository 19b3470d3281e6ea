package campaign

import (
	"bytes"
	"strings"
	"testing"
)

// Fields named alike but for case, as two imports into one campaign may
// name them, export to one column and import again whole: as two columns,
// the import took Region for the export's own column beside field:region
// and dropped its values.
func TestExportImportFieldsDifferingInCase(t *testing.T) {
	leads := []Lead{
		{ID: "c-1", Campaign: "c", Phone: "+12125550101", State: New, Fields: map[string]string{"Region": "NY"}},
		{ID: "c-2", Campaign: "c", Phone: "+12125550102", State: New, Fields: map[string]string{"region": "NJ", "State": "CT"}},
	}
	var b bytes.Buffer
	err := WriteCSV(&b, func(fn func(Lead) bool) error {
		for _, l := range leads {
			if !fn(l) {
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if head, _, _ := strings.Cut(b.String(), "\n"); !strings.HasSuffix(head, ",Region,field:State") {
		t.Fatalf("header %q; want one Region column and field:State", head)
	}
	res, err := ImportCSV(strings.NewReader(b.String()), ImportOptions{Campaign: "d", Region: "US"}, nil)
	if err != nil || len(res.Leads) != 2 || len(res.Errors) != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	if got := res.Leads[0].Fields["Region"]; got != "NY" {
		t.Errorf("lead 1 Region %q, want NY (fields %v)", got, res.Leads[0].Fields)
	}
	if got := res.Leads[1].Fields; got["Region"] != "NJ" || got["State"] != "CT" {
		t.Errorf("lead 2 fields %v, want Region NJ and State CT", got)
	}
}
