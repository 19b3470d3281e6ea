package store

import (
	"errors"
	"fmt"
	"io"
	"testing"
)

func TestSkipped(t *testing.T) {
	a := &DecodeError{Bucket: "calls", Key: "c2", Err: io.ErrUnexpectedEOF}
	b := &DecodeError{Bucket: "agents", Key: "a9", Err: io.ErrUnexpectedEOF}
	other := errors.New("disk on fire")
	tests := []struct {
		name      string
		err       error
		skipped   int
		wantOther bool
	}{
		{"nil", nil, 0, false},
		{"one", a, 1, false},
		{"joined", errors.Join(a, b), 2, false},
		{"wrapped", fmt.Errorf("listing: %w", a), 1, false},
		{"mixed", errors.Join(a, other), 1, true},
		{"other", other, 0, true},
	}
	for _, tt := range tests {
		skipped, rest := Skipped(tt.err)
		if len(skipped) != tt.skipped || (rest != nil) != tt.wantOther {
			t.Errorf("%s: Skipped = %v, %v; want %d skipped, other error %v", tt.name, skipped, rest, tt.skipped, tt.wantOther)
		}
		if tt.wantOther && !errors.Is(rest, other) {
			t.Errorf("%s: rest = %v, want %v", tt.name, rest, other)
		}
	}
}
