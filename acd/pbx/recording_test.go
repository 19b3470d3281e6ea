package pbx_test

import (
	"errors"
	"testing"

	"github.com/hotline-cc/hotline/acd/pbx"
)

func TestCheckRecordingName(t *testing.T) {
	for name, ok := range map[string]bool{
		"hotline-c1": true, "2026-11-30/support/c1-alice": true, "a.b/c_d": true,
		"": false, "/etc/passwd": false, "a/../b": false, "../b": false, "a//b": false, "a/": false,
		"./a": false, "a b": false, "a\nb": false, `a\b`: false,
	} {
		err := pbx.CheckRecordingName(name)
		if (err == nil) != ok || (err != nil && !errors.Is(err, pbx.ErrBadRequest)) {
			t.Errorf("CheckRecordingName(%q) = %v, want ok=%t", name, err, ok)
		}
	}
}
