package textcheck

import (
	"errors"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // "" = allowed; else the start of the error
	}{
		{"lunch", ""},
		{"line one\n\tline two\r\n", ""},
		{"שלום עולם", ""},          // Hebrew needs no direction control
		{"مرحبا بالعالم 2026", ""}, // nor Arabic with digits
		{"می\u200cخواهم", ""},      // Persian ZWNJ between letters
		{"ന്\u200d", ""},           // Malayalam chillu: ZWJ after a virama (a mark), at the end
		{"👩\u200d💻", ""},           // emoji sequence
		{"❤\ufe0f\u200d🔥", ""},     // after a variation selector (a mark)
		{"\u0600\u0661\u0662", ""}, // Arabic number sign, a visible prepended mark
		{"Zoë, naïve café", ""},
		{"lunch\u0000", "holds the control character U+0000 at character 6"},
		{"x\u007f", "holds the control character U+007F at character 2"},
		{"x\u0085", "holds the control character U+0085 at character 2"},
		{"lunch\u202egnikooc", "holds the direction control character U+202E at character 6"},
		{"\u202aa", "holds the direction control character U+202A at character 1"},
		{"a\u2066b\u2069", "holds the direction control character U+2066 at character 2"},
		{"a\u200fb", "holds the direction control character U+200F at character 2"},
		{"a\u200eb", "holds the direction control character U+200E at character 2"},
		{"a\u061cb", "holds the direction control character U+061C at character 2"},
		{"lun\u200bch", "holds the invisible formatting character U+200B at character 4"},
		{"\ufefflunch", "holds the invisible formatting character U+FEFF at character 1"},
		{"a\u2060b", "holds the invisible formatting character U+2060 at character 2"},
		{"a\u00adb", "holds the invisible formatting character U+00AD at character 2"},
		{"ok\U000E0041\U000E0042", "holds the invisible formatting character U+E0041 at character 3"},
		{"\u3164", "holds the invisible formatting character U+3164 at character 1"},
		{"a\u2028b", "holds the line or paragraph separator U+2028 at character 2"},
		{"al\u200dice", "holds the zero-width joiner U+200D at character 3, allowed only after"},
		{"\u200cx", "holds the zero-width non-joiner U+200C at character 1, allowed only after"},
		{"a \u200db", "holds the zero-width joiner U+200D at character 3"},
	} {
		err := Check(tc.in)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("Check(%q) = %v, want nil", tc.in, err)
		case tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want)):
			t.Errorf("Check(%q) = %v, want %q...", tc.in, err, tc.want)
		}
		var bc *BadChar
		if err != nil && !errors.As(err, &bc) {
			t.Errorf("Check(%q) = %T, want *BadChar", tc.in, err)
		}
	}
}

func FuzzCheck(f *testing.F) {
	f.Add("lunch\u202e")
	f.Add("می\u200cخواهم")
	f.Fuzz(func(t *testing.T, s string) {
		err := Check(s)
		var bc *BadChar
		if err == nil {
			return
		}
		if !errors.As(err, &bc) || bc.At < 1 || []rune(s)[bc.At-1] != bc.Rune {
			t.Fatalf("Check(%q) = %v: At does not point at the rune", s, err)
		}
	})
}
