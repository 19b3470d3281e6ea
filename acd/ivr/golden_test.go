package ivr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/hotline-cc/hotline/internal/golden"
)

// walk runs a caller through the flow and writes each input with the
// actions and state it leads to.
func walk(f *Flow, start string, inputs []Input) []byte {
	var out bytes.Buffer
	st, acts := f.Start(start, t0)
	trace := func(in string) {
		fmt.Fprintf(&out, "%s\n", in)
		for _, a := range acts {
			fmt.Fprintf(&out, "  → %v\n", a)
		}
		fmt.Fprintf(&out, "  = %+v\n", st)
	}
	trace("start " + start)
	for _, in := range inputs {
		st, acts = f.Step(st, in, t0)
		trace(fmt.Sprint(in))
	}
	return out.Bytes()
}

func TestGoldenWalks(t *testing.T) {
	f := mustFlow(t)
	walks := []struct {
		name   string
		start  string
		inputs []Input
	}{
		{"choice-after-prompt", "main", []Input{PlaybackDone{}, Digit{Key: "1"}}},
		{"barge-in", "main", []Input{Digit{Key: "2"}}},
		{"silence-to-default", "main", []Input{PlaybackDone{}, Timeout{}, PlaybackDone{}, Timeout{}}},
		{"invalid-then-submenu-and-back", "main", []Input{
			Digit{Key: "5"}, PlaybackDone{}, Digit{Key: "3"}, Digit{Key: "*"}, PlaybackDone{}, Timeout{}, Digit{Key: "1"},
		}},
		{"submenu-timeout-message", "main", []Input{Digit{Key: "3"}, PlaybackDone{}, Timeout{}, Digit{Key: "1"}}},
		{"silent-menu", "silent", []Input{Timeout{}, Timeout{}, Timeout{}}},
	}
	for _, w := range walks {
		t.Run(w.name, func(t *testing.T) {
			golden.Check(t, filepath.Join("testdata", w.name+".golden"), walk(f, w.start, w.inputs))
		})
	}
}

// A call's place in a flow survives being stored and read back, and the
// flow carries on from it as if nothing happened.
func TestStateRoundTrip(t *testing.T) {
	f := mustFlow(t)
	st, _ := f.Step(State{Node: "main"}, Timeout{}, t0)
	raw, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if string(raw) != `{"node":"main","tries":1}` {
		t.Errorf("stored as %s", raw)
	}
	var back State
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	a, actsA := f.Step(st, Timeout{}, t0)
	b, actsB := f.Step(back, Timeout{}, t0)
	if !a.Equal(b) || fmt.Sprint(actsA) != fmt.Sprint(actsB) {
		t.Errorf("after restore: %+v %v, want %+v %v", b, actsB, a, actsA)
	}
}

func TestResume(t *testing.T) {
	f := mustFlow(t)
	st, acts := f.Resume(State{Node: "billing", Tries: 0}, t0)
	if want := "[enter menu billing play sound:billing]"; !st.Equal(State{Node: "billing"}) || fmt.Sprint(acts) != want {
		t.Errorf("resume = %+v %v, want billing and %s", st, acts, want)
	}
	st, acts = f.Resume(State{Node: "main", Tries: 1}, t0)
	if st.Tries != 1 || len(acts) != 2 {
		t.Errorf("resume kept %+v %v, want the tries spent", st, acts)
	}
	if st, acts = f.Resume(State{Node: "closed"}, t0); !st.Done() || fmt.Sprint(acts) != `[warn unknown-node: node "closed" leave (failed)]` {
		t.Errorf("resume at a node the flow lost = %+v %v", st, acts)
	}
}
