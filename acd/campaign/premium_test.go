package campaign

import (
	"errors"
	"strings"
	"testing"
)

// A premium-rate number is refused as a lead, each on its row, as
// libphonenumber classes it; a do-not-call list still takes it.
func TestImportRefusesPremiumRate(t *testing.T) {
	for _, tc := range []struct{ region, data, lead, refused string }{
		{"US", "phone\n1-900-200-1234\n(212) 555-0100\n", "+12125550100", `row 2, column "phone": "1-900-200-1234" (+19002001234): a premium-rate number`},
		{"GB", "phone\n09065 551234\n020 7946 0958\n", "+442079460958", `row 2, column "phone": "09065 551234" (+449065551234): a premium-rate number`},
	} {
		res, err := ImportCSV(strings.NewReader(tc.data), ImportOptions{Campaign: "c", Region: tc.region}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Leads) != 1 || res.Leads[0].Phone != tc.lead || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Error(), tc.refused) ||
			!errors.Is(res.Errors[0].Err, ErrPremiumRate) {
			t.Errorf("%s: leads %v, errors %v; want %s and %q", tc.region, res.Leads, res.Errors, tc.lead, tc.refused)
		}
		var dnc []string
		if _, err := ScanNumbers(strings.NewReader(tc.data), tc.region, nil, nil, func(n NumberRow) error { dnc = append(dnc, n.Phone); return nil },
			func(e RowError) { t.Errorf("%s: do-not-call: %v", tc.region, e) }); err != nil || len(dnc) != 2 {
			t.Errorf("%s: do-not-call numbers %v, %v; want both", tc.region, dnc, err)
		}
	}
	if e, _, err := NormalizePhone("+19002001234", "US"); err != nil || e != "+19002001234" {
		t.Errorf("NormalizePhone of a premium-rate number: %q %v", e, err)
	}
}
