package ivr

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

func testMenus() map[string]Node {
	return map[string]Node{
		"main": &Menu{
			Prompt: []string{"sound:welcome"}, Timeout: 4 * time.Second, Retries: 1,
			Invalid: []string{"sound:invalid"},
			Options: map[string]Target{
				"1": {Queue: "english"},
				"2": {Queue: "spanish"},
				"3": {Node: "billing"},
				"9": {Message: []string{"sound:goodbye"}},
				"0": {},
			},
			Default: Target{Queue: "english"},
		},
		"billing": &Menu{
			Prompt: []string{"sound:billing"}, Timeout: 2 * time.Second, Retries: 0,
			Options: map[string]Target{"1": {Queue: "billing"}, "*": {Node: "main"}},
			Default: Target{Message: []string{"sound:sorry"}},
		},
		"silent": &Menu{
			Timeout: time.Second, Retries: 2,
			Options: map[string]Target{"#": {Queue: "english"}},
		},
	}
}

func mustFlow(t *testing.T) *Flow {
	t.Helper()
	f, err := Build(testMenus())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestMenuStep(t *testing.T) {
	f := mustFlow(t)
	cases := []struct {
		name      string
		st        State
		in        Input
		wantState State
		want      []Action
	}{
		{"prompt ends, wait for a key", State{Node: "main"}, PlaybackDone{},
			State{Node: "main"}, []Action{StartTimer{After: 4 * time.Second}}},
		{"known key to a queue", State{Node: "main"}, Digit{Key: "2"},
			State{}, []Action{CancelTimer{}, StopPlay{}, Note{"menu-choice", "2"}, ToQueue{Queue: "spanish"}}},
		{"known key to a menu", State{Node: "main", Tries: 1}, Digit{Key: "3"},
			State{Node: "billing"}, []Action{CancelTimer{}, StopPlay{}, Note{"menu-choice", "3"}, Enter{"menu", "billing"}, Play{Media: []string{"sound:billing"}}}},
		{"message target leaves with it", State{Node: "main"}, Digit{Key: "9"},
			State{}, []Action{CancelTimer{}, StopPlay{}, Note{"menu-choice", "9"}, Leave{Media: []string{"sound:goodbye"}}}},
		{"empty target leaves without media", State{Node: "main"}, Digit{Key: "0"},
			State{}, []Action{CancelTimer{}, StopPlay{}, Note{"menu-choice", "0"}, Leave{}}},
		{"unknown key replays with the invalid media first", State{Node: "main"}, Digit{Key: "7"},
			State{Node: "main", Tries: 1}, []Action{CancelTimer{}, StopPlay{},
				Warn{"dtmf-no-meaning", `key 7 means nothing in menu "main"`}, Note{"menu-retry", "invalid key 7"},
				Play{Media: []string{"sound:invalid", "sound:welcome"}}}},
		{"unknown key after the last retry takes the default", State{Node: "main", Tries: 1}, Digit{Key: "7"},
			State{}, []Action{CancelTimer{}, StopPlay{},
				Warn{"dtmf-no-meaning", `key 7 means nothing in menu "main"`}, Note{"menu-default", "invalid key 7"},
				ToQueue{Queue: "english"}}},
		{"timeout replays the prompt alone", State{Node: "main"}, Timeout{},
			State{Node: "main", Tries: 1}, []Action{Note{"menu-retry", "timeout"}, Play{Media: []string{"sound:welcome"}}}},
		{"timeout with no retries takes the default message", State{Node: "billing"}, Timeout{},
			State{}, []Action{Note{"menu-default", "timeout"}, Leave{Media: []string{"sound:sorry"}}}},
		{"nothing to play: the wait starts at once", State{Node: "silent"}, Timeout{},
			State{Node: "silent", Tries: 1}, []Action{Note{"menu-retry", "timeout"}, StartTimer{After: time.Second}}},
		{"back to a menu resets its tries", State{Node: "billing"}, Digit{Key: "*"},
			State{Node: "main"}, []Action{CancelTimer{}, StopPlay{}, Note{"menu-choice", "*"}, Enter{"menu", "main"}, Play{Media: []string{"sound:welcome"}}}},
		{"a call outside the flow ignores input", State{}, Digit{Key: "1"}, State{}, nil},
		{"a state at a node the flow lacks leaves", State{Node: "gone"}, Timeout{},
			State{}, []Action{Warn{"unknown-node", `node "gone"`}, Leave{Failed: true}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, acts := f.Step(tc.st, tc.in, t0)
			if !st.Equal(tc.wantState) {
				t.Errorf("state = %+v, want %+v", st, tc.wantState)
			}
			if !reflect.DeepEqual(acts, tc.want) {
				t.Errorf("actions:\n got %v\nwant %v", acts, tc.want)
			}
		})
	}
}

func TestStart(t *testing.T) {
	f := mustFlow(t)
	st, acts := f.Start("main", t0)
	if want := (State{Node: "main"}); !st.Equal(want) {
		t.Errorf("state = %+v, want %+v", st, want)
	}
	if want := []Action{Enter{"menu", "main"}, Play{Media: []string{"sound:welcome"}}}; !reflect.DeepEqual(acts, want) {
		t.Errorf("actions = %v, want %v", acts, want)
	}
	st, acts = f.Start("night", t0)
	if want := []Action{Warn{"unknown-node", `node "night"`}, Leave{Failed: true}}; !st.Done() || !reflect.DeepEqual(acts, want) {
		t.Errorf("start at unknown node: %+v %v, want done and %v", st, acts, want)
	}
}

func TestMenuBuildErrors(t *testing.T) {
	_, err := Build(map[string]Node{"main": &Menu{Timeout: 0, Retries: -1,
		Options: map[string]Target{"x": {Queue: "q"}, "1": {Node: "nowhere"}}, Default: Target{Node: "lost"}}})
	if err == nil {
		t.Fatal("Build accepted a broken menu")
	}
	for _, want := range []string{
		`main: invalid node: timeout 0s: must be positive; retries -1: must be 0 or more; option "x": not a DTMF key`,
		`main.options.1: unknown node "nowhere"`,
		`main.default: unknown node "lost"`,
	} {
		if !slices.Contains(strings.Split(err.Error(), "\n"), want) {
			t.Errorf("error %q lacks line %q", err, want)
		}
	}
}

// loopNode jumps to its target without waiting for input.
type loopNode struct{ to string }

func (n loopNode) Kind() string                           { return "loop" }
func (n loopNode) Enter(_ At, st State) (State, []Action) { return st, []Action{Goto{Node: n.to}} }
func (n loopNode) Step(_ At, st State, _ Input) (State, []Action) {
	return st, []Action{Note{"dropped", "after goto"}}
}
func (n loopNode) Next() []Link { return []Link{{Field: "to", Node: n.to, Now: true}} }

func TestLoopWithoutInputLeaves(t *testing.T) {
	f, err := Build(map[string]Node{"a": loopNode{to: "b"}, "b": loopNode{to: "a"}})
	if err != nil {
		t.Fatal(err)
	}
	st, acts := f.Start("a", t0)
	if !st.Done() {
		t.Errorf("state = %+v, want done", st)
	}
	if n := len(acts); n != MaxHops+2 {
		t.Errorf("%d actions, want %d (every hop entered, a warning, leave)", n, MaxHops+2)
	}
	last := fmt.Sprint(acts[len(acts)-2:])
	if want := `[warn flow-loop: more than 32 nodes without input, last "a" leave (failed)]`; last != want {
		t.Errorf("last actions = %s, want %s", last, want)
	}
}
