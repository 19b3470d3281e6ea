package ivr

import "testing"

// FuzzStep drives the test menus with arbitrary key presses, timeouts and
// playback ends: the interpreter never panics, never strands a call at a
// node the flow lacks, never counts more tries than a menu allows, and once
// a call has left, it stays out.
func FuzzStep(f *testing.F) {
	f.Add("1", "main")
	f.Add("p7p7t", "main")
	f.Add("3*ttt", "main")
	f.Add("tttt#", "silent")
	flow, err := Build(testMenus())
	if err != nil {
		f.Fatal(err)
	}
	retries := map[string]int{}
	for name, n := range testMenus() {
		retries[name] = n.(*Menu).Retries
	}
	f.Fuzz(func(t *testing.T, script, start string) {
		st, _ := flow.Start(start, t0)
		for i := 0; i < len(script); i++ {
			var in Input
			switch b := script[i]; b {
			case 't':
				in = Timeout{}
			case 'p':
				in = PlaybackDone{}
			default:
				in = Digit{Key: string(b)}
			}
			was := st
			var acts []Action
			st, acts = flow.Step(st, in, t0)
			if was.Done() && (!st.Done() || len(acts) > 0) {
				t.Fatalf("a call outside the flow got %+v %v on %v", st, acts, in)
			}
			if !st.Done() && (!flow.Has(st.Node) || st.Tries > retries[st.Node]) {
				t.Fatalf("after %v: state %+v", in, st)
			}
		}
	})
}
