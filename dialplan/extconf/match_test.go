package extconf_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hotline-cc/hotline/dialplan/extconf"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		name, data string
		want       extconf.MatchResult
	}{
		{"100", "100", extconf.Matched},
		{"555-1212", "5551212", extconf.Matched},
		{"100", "1000", extconf.NoMatch},
		{"_X.", "1", extconf.NoMatch}, // '.' needs at least one more
		{"_X.", "12", extconf.Matched},
		{"_X.", "1234567890", extconf.Matched},
		{"_X!", "1", extconf.EarlyMatch}, // '!' takes zero or more
		{"_X!", "12", extconf.EarlyMatch},
		{"_X!", "", extconf.NoMatch},
		{"_NXX", "155", extconf.NoMatch},
		{"_NXX", "255", extconf.Matched},
		{"_nxx", "255", extconf.Matched},
		{"_Z", "0", extconf.NoMatch},
		{"_Z", "1", extconf.Matched},
		{"_X", "a", extconf.NoMatch},
		{"_[1-3a]", "a", extconf.Matched},
		{"_[1-3a]", "4", extconf.NoMatch},
		{"_[]1", "1", extconf.Matched}, // an empty set is skipped
		{"_1-0-X", "100", extconf.Matched},
		{"_NXXNXXXXXX", "2125551234", extconf.Matched},
		{"_NXXNXXXXXX", "1125551234", extconf.NoMatch},
		{"_NXXNXXXXXX", "212555123", extconf.NoMatch},
		{"_[12", "1", extconf.NoMatch},
		{"_9011.", "9011441234", extconf.Matched},
	}
	for _, tt := range tests {
		if got := extconf.Match(tt.name, tt.data); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.name, tt.data, got, tt.want)
		}
	}
}

func TestCompareOrder(t *testing.T) {
	// Each list is in Asterisk's order, most specific first.
	orders := [][]string{
		{"100", "_100"},          // plain before patterns
		{"_1", "_N", "_Z", "_X"}, // literal, then 8, 9, 10 members
		{"_[2-3]", "_N"},         // a 2-member set beats N
		{"_[13]X", "_[14]X"},     // same size: lower members first
		{"_X.", "_X!", "_X"},     // a pattern that ends scores after '.' and '!'
		{"_XX", "_X."},           // any set beats '.'
		{"_X.", "_X!"},           // '.' before '!'
		{"_9011.", "_911"},       // position by position: '0' < '1'
		{"_*X!", "_1XX"},         // literals by character code
		{"_555XXXX", "_55[5-6]XXXX", "_X."},
	}
	for _, order := range orders {
		for i := 0; i+1 < len(order); i++ {
			if c := extconf.Compare(order[i], order[i+1]); c >= 0 {
				t.Errorf("Compare(%q, %q) = %d, want < 0", order[i], order[i+1], c)
			}
			if c := extconf.Compare(order[i+1], order[i]); c <= 0 {
				t.Errorf("Compare(%q, %q) = %d, want > 0", order[i+1], order[i], c)
			}
		}
	}
	// Spellings Asterisk takes as the same extension.
	for _, same := range [][2]string{{"_1XX", "_1[0-9]X"}, {"_[13]XX", "_[31]XX"}, {"_1-0-X", "_10X"}, {"555-1212", "5551212"}, {"_N", "_n"}} {
		if c := extconf.Compare(same[0], same[1]); c != 0 {
			t.Errorf("Compare(%q, %q) = %d, want 0", same[0], same[1], c)
		}
	}
}

func TestCandidatesOrder(t *testing.T) {
	d, err := extconf.Load(extconf.FS{FS: os.DirFS(filepath.Join(corpus, "order"))}, "extensions.conf")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		context, number, caller string
		want                    []string
	}{
		{"order", "5551234", "", []string{"5551234", "_555XXXX", "_55[5-6]XXXX", "_X.", "_X!"}},
		// The included exact extension comes after every own pattern.
		{"order", "5559999", "", []string{"_555XXXX", "_55[5-6]XXXX", "_X.", "_X!", "5559999"}},
		{"order", "2125551234", "", []string{"_[2-3]XXNXXXXXX", "_NXXNXXXXXX", "_ZXXNXXXXXX", "_XXXNXXXXXX", "_X.", "_X!"}},
		// _1[0-9]X is the same extension as _1XX and _[31]XX as _[13]XX:
		// their lines were refused as duplicate priorities.
		{"order", "100", "", []string{"_1-0-X", "_1XX", "_[13]XX", "_X.", "_X!"}},
		{"order", "2", "5551234", []string{"2/_555X.", "2", "_X!"}},
		{"order", "2", "", []string{"2", "_X!"}},
		{"order", "600", "", []string{"_X.", "_X!", "_6XX"}},
		{"ORDER", "1", "", []string{"_X!"}},
		{"nowhere", "1", "", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, c := range d.Candidates(tt.context, tt.number, tt.caller) {
			got = append(got, c.Ext.String())
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Candidates(%s, %s, %q) = %v, want %v", tt.context, tt.number, tt.caller, got, tt.want)
		}
	}
}

func TestFindMixesExtensionsByPriority(t *testing.T) {
	d, err := extconf.Load(extconf.FS{FS: os.DirFS(filepath.Join(corpus, "order"))}, "extensions.conf")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"_X.", "42", "_X."}
	for i, w := range want {
		p, _, ok := d.Find("priority-mix", "42", "", i+1)
		if !ok || p.Ext.Name != w {
			t.Errorf("priority %d: got %v, want from %s", i+1, p, w)
		}
	}
	if _, _, ok := d.Find("priority-mix", "42", "", 4); ok {
		t.Error("priority 4 should not exist")
	}
}
