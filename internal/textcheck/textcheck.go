// Package textcheck decides which characters a text typed by a person (a
// pause reason, a note, a disposition, a name) may hold. Such texts are shown
// on every screen, written to logs and exported to CSV, so Hotline refuses
// the characters that change how the text around them reads without being
// seen themselves:
//
//   - control characters other than a tab or a line break (a NUL, an
//     escape sequence that drives a terminal);
//   - direction controls: the embeddings and overrides U+202A-U+202E, the
//     isolates U+2066-U+2069 and the marks U+200E, U+200F and U+061C, which
//     can make "lunch" read as anything in a log or a table ("Trojan
//     Source"). Names in right-to-left scripts need none of them: the
//     bidirectional algorithm orders Arabic or Hebrew letters by itself;
//   - invisible formatting characters (Unicode category Cf: the zero-width
//     space U+200B, the word joiner U+2060, the byte order mark U+FEFF, the
//     tag characters U+E0000-U+E007F that can smuggle a hidden ASCII text),
//     the line and paragraph separators U+2028 and U+2029, and the
//     default-ignorable fillers such as U+3164 that show as nothing.
//
// Two formatting characters are part of ordinary writing and stay allowed
// where they do that work: the zero-width non-joiner U+200C (Persian
// "می\u200cخواهم") and the zero-width joiner U+200D (Indic conjuncts such as
// Malayalam chillus, emoji sequences such as 👩\u200d💻). Each must follow a
// letter, mark or symbol that is not ASCII: between two ASCII letters
// ("al\u200dice") a joiner does nothing but make the text differ from how it
// looks. The prepended concatenation marks of Arabic, Syriac and Kaithi
// (U+0600-U+0605, U+06DD, U+070F, U+08E2, U+110BD, U+110CD) are visible signs
// and allowed.
package textcheck

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// BadChar is a character a text may not hold.
type BadChar struct {
	Rune rune
	At   int    // its position in the text, in characters from 1
	What string // "control character", "direction control character", ...
	Why  string // what would make it allowed, if anything
}

func (e *BadChar) Error() string {
	return fmt.Sprintf("holds the %s %U at character %d%s", e.What, e.Rune, e.At, e.Why)
}

// Check returns a *BadChar for the first character of s that a typed text
// may not hold, or nil.
func Check(s string) error {
	var prev rune = -1
	i := 0
	for _, r := range s {
		i++
		if what := kind(r, prev); what != "" {
			e := &BadChar{Rune: r, At: i, What: what}
			if r == 0x200C || r == 0x200D {
				e.Why = ", allowed only after a letter, mark or symbol that is not ASCII"
			}
			return e
		}
		prev = r
	}
	return nil
}

// kind names what makes r refused after prev (-1 at the start), or "".
func kind(r, prev rune) string {
	if r < utf8.RuneSelf {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return "control character"
		}
		return ""
	}
	switch {
	case unicode.IsControl(r):
		return "control character"
	case r == 0x061C || r == 0x200E || r == 0x200F || 0x202A <= r && r <= 0x202E || 0x2066 <= r && r <= 0x2069:
		return "direction control character"
	case r == 0x200C || r == 0x200D:
		if prev >= utf8.RuneSelf && (unicode.IsLetter(prev) || unicode.IsMark(prev) || unicode.IsSymbol(prev)) {
			return ""
		}
		if r == 0x200C {
			return "zero-width non-joiner"
		}
		return "zero-width joiner"
	case unicode.Is(unicode.Prepended_Concatenation_Mark, r):
		return ""
	case unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r):
		return "invisible formatting character"
	case r == 0x2028 || r == 0x2029:
		return "line or paragraph separator"
	}
	return ""
}
