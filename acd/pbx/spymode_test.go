package pbx

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestSpyModeText(t *testing.T) {
	for _, m := range []SpyMode{SpyListen, SpyWhisper, SpyBarge} {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var back SpyMode
		if err := json.Unmarshal(b, &back); err != nil || back != m {
			t.Errorf("%s: wrote %s, read back %v (%v)", m, b, back, err)
		}
	}
	var m SpyMode
	if err := json.Unmarshal([]byte(`"shout"`), &m); !errors.Is(err, ErrBadRequest) {
		t.Errorf("unknown mode read: %v", err)
	}
	if _, err := json.Marshal(SpyMode(0)); err == nil {
		t.Error("the zero mode was written")
	}
}
