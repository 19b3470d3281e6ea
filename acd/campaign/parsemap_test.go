package campaign

import (
	"strings"
	"testing"
)

// A field or column given twice, in any case, is refused naming each and
// how often: read on, one of the two would be left unread.
func TestParseMapGivenTwice(t *testing.T) {
	for _, tc := range []struct {
		pairs []string
		want  []string
	}{
		{[]string{"phone=Tel", "phone=Tel"}, []string{`field "phone" given 2 times (phone=Tel, phone=Tel)`}},
		{[]string{"phone=Tel", "Phone=Mobile"}, []string{`field "phone" given 2 times (phone=Tel, Phone=Mobile)`}},
		{[]string{"note=A", "NOTE=B", "Note=C", "name=N", "name=M"},
			[]string{`field "note" given 3 times (note=A, NOTE=B, Note=C)`, `field "name" given 2 times (name=N, name=M)`}},
		{[]string{"phone=Tel", "x=tel"}, []string{`column "Tel" mapped to 2 fields, "phone", "x"`}},
		{[]string{"phone=Tel", "x=Name", "X=Name"}, []string{`field "x" given 2 times (x=Name, X=Name)`}},
	} {
		_, err := ParseMap(tc.pairs)
		if err == nil {
			t.Errorf("%q: accepted", tc.pairs)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q: %v; want %q", tc.pairs, err, w)
			}
		}
	}
	if m, err := ParseMap([]string{"phone=Tel", "name=Full Name", "region=State"}); err != nil || len(m) != 3 {
		t.Errorf("a good mapping: %v %v", m, err)
	}
}

// A mapping built by a program, not ParseMap, with two keys differing in
// case is refused too.
func TestImportMapFieldsDifferingInCase(t *testing.T) {
	_, err := ImportCSV(strings.NewReader("Tel,Mobile\n+12125550101,+12125550102\n"),
		ImportOptions{Campaign: "c", Map: map[string]string{"phone": "Tel", "Phone": "Mobile"}}, nil)
	if err == nil || !strings.Contains(err.Error(), `fields "Phone" and "phone" differ only in case`) {
		t.Fatalf("%v", err)
	}
}
