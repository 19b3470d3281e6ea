package pbx

import (
	"fmt"
	"strings"
)

// CheckRecordingName reports a recording name a switch could not take, or
// one that could write outside its recording directory: names are
// relative paths of plain segments ("2026-11-30/support/c1"), without
// spaces, control characters, "." or ".." segments or a leading "/".
func CheckRecordingName(name string) error {
	if name == "" {
		return fmt.Errorf("recording name is empty: %w", ErrBadRequest)
	}
	if strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '\\' }) {
		return fmt.Errorf("recording name %q has a space, a backslash or a control character: %w", name, ErrBadRequest)
	}
	for seg := range strings.SplitSeq(name, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("recording name %q: empty, \".\" or \"..\" path segment: %w", name, ErrBadRequest)
		}
	}
	return nil
}
