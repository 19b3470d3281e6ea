package ari

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/hotline-cc/hotline/internal/golden"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
)

var (
	record = flag.Bool("record", false, "with a real Asterisk: record each contract case's ARI events and notes as testdata/ari/<case>.jsonl")
)

// trackedTypes are the ARI events the tracker reads; recordings keep only
// these, so the scripts stay small.
var trackedTypes = []string{
	"StasisStart", "StasisEnd", "ChannelDestroyed", "ChannelStateChange", "Dial",
	"ChannelHangupRequest", "ChannelDtmfReceived", "ChannelEnteredBridge", "ChannelLeftBridge",
	"PlaybackFinished", "RecordingStarted", "RecordingFinished", "RecordingFailed",
}

// recordTo makes c write its event script (ARI events and notes, one JSON
// object a line) to testdata/ari/<name>.jsonl.
func recordTo(t *testing.T, c *Client, name string) {
	t.Helper()
	path := filepath.Join("testdata", "ari", name+".jsonl")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex // guards f: notes come from command goroutines
	write := func(raw []byte) {
		var head struct {
			Type    string `json:"type"`
			Hotline string `json:"hotline"`
		}
		if json.Unmarshal(raw, &head) != nil || (head.Hotline == "" && !slices.Contains(trackedTypes, head.Type)) {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		_, _ = f.Write(append(bytes.TrimSpace(raw), '\n'))
	}
	c.trace.Store(&write)
	t.Cleanup(func() {
		c.trace.Store(nil)
		mu.Lock()
		defer mu.Unlock()
		_ = f.Close()
	})
}

// replay runs a script through a fresh tracker and renders what comes out,
// one line per pbx event or effect.
func replay(t *testing.T, script []byte) string {
	t.Helper()
	tr := newTracker(DefaultRecordingDir)
	var out strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(script))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		raw := sc.Bytes()
		var n note
		if err := json.Unmarshal(raw, &n); err == nil && n.Op != "" {
			if !tr.note(n) {
				fmt.Fprintf(&out, "note refused: %s %s\n", n.Op, n.ID)
			}
			continue
		}
		evs, effs, err := tr.apply(raw)
		if err != nil {
			t.Fatalf("line %d: %v", line, err)
		}
		for _, ev := range evs {
			fmt.Fprintln(&out, pbxtest.Format(ev))
		}
		for _, e := range effs {
			switch e.kind {
			case effectPlayNext:
				fmt.Fprintf(&out, "effect play-next channel=%s playback=%s media=%s\n", e.item.ch, e.item.id, e.item.media)
				continue
			case effectClearGone, effectEndFromNote:
				fmt.Fprintf(&out, "effect %s channel=%s\n", map[effectKind]string{effectClearGone: "clear-gone", effectEndFromNote: "end-from-note"}[e.kind], e.item.ch)
				continue
			}
			fmt.Fprintf(&out, "effect %s supervisor=%s snoop=%s bridge=%s\n",
				map[effectKind]string{effectConnectSpy: "connect-spy", effectTeardownSpy: "teardown-spy"}[e.kind],
				e.spy.supervisor, e.spy.snoop, e.spy.bridge)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// The event scripts in testdata/ari were recorded from Asterisk 22 (go test
// -run AsteriskContract -record); each .golden holds the pbx events the
// tracker made of them, reviewed by hand once and rewritten with -update.
func TestTrackerGolden(t *testing.T) {
	scripts, err := filepath.Glob(filepath.Join("testdata", "ari", "*.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(scripts) == 0 {
		t.Fatal("no event scripts in testdata/ari")
	}
	for _, script := range scripts {
		name := strings.TrimSuffix(filepath.Base(script), ".jsonl")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(script)
			if err != nil {
				t.Fatal(err)
			}
			got := replay(t, raw)
			golden.Check(t, strings.TrimSuffix(script, ".jsonl")+".golden", []byte(got))
		})
	}
}

// BenchmarkTrackerApply measures translating one ARI event, the work the
// websocket reader does per frame.
func BenchmarkTrackerApply(b *testing.B) {
	for name, raw := range map[string][]byte{
		"DTMF":        []byte(dtmfJSON("in-1", '5')),
		"StasisStart": []byte(stasisStartJSON("in-1", "Ring", "entry", "100")),
		"Ignored":     []byte(`{"type":"ChannelVarset",` + ts + `,"variable":"X","value":"1","channel":{"id":"in-1"}}`),
	} {
		b.Run(name, func(b *testing.B) {
			tr := newTracker(DefaultRecordingDir)
			tr.chans["in-1"] = &chanState{role: roleInbound, inStasis: true, answered: true}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := tr.apply(raw); err != nil {
					b.Fatal(err)
				}
				if name == "StasisStart" {
					tr.chans["in-1"].inStasis = false
				}
			}
		})
	}
}

// FuzzTrackerApply feeds the tracker arbitrary JSON after a real script's
// worth of state: it may refuse an event, never panic, and what it emits must
// name a channel unless it is about a bridge recording.
func FuzzTrackerApply(f *testing.F) {
	scripts, _ := filepath.Glob(filepath.Join("testdata", "ari", "*.jsonl"))
	for _, s := range scripts {
		raw, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		for line := range bytes.SplitSeq(raw, []byte("\n")) {
			if len(line) > 0 {
				f.Add(line)
			}
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		tr := newTracker(DefaultRecordingDir)
		tr.note(note{Op: opOriginate, ID: "leg-1"})
		tr.note(note{Op: opSpy, ID: "leg-1", Snoop: "hotline-snoop-leg-1", Bridge: "hotline-spy-leg-1"})
		tr.chans["in-1"] = &chanState{role: roleInbound, inStasis: true}
		evs, _, err := tr.apply(raw)
		if err != nil {
			return
		}
		for _, ev := range evs {
			_, started := ev.(pbx.RecordingStarted)
			if _, rec := ev.(pbx.RecordingFinished); ev.Chan() == "" && !rec && !started {
				t.Errorf("event without a channel: %s", pbxtest.Format(ev))
			}
		}
	})
}

// A caller's channel someone else asks Asterisk to hang up (the console's
// "channel request hangup", AMI, another ARI application: a soft hang-up,
// AST_SOFTHANGUP_EXPLICIT, that Hotline did not ask for) ends with cause
// manager-request, the system's; the same request from Hotline, and a
// caller hanging up, end normal.
func TestTrackerConsoleHangup(t *testing.T) {
	read := func(name string) string {
		raw, err := os.ReadFile(filepath.Join("testdata", "ari", name+".jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	}
	farEnd := read("contract-FarEndHangup")
	const caller = `{"cause":16,"type":"ChannelHangupRequest"`
	if !strings.Contains(farEnd, caller) {
		t.Fatalf("contract-FarEndHangup has no %s", caller)
	}
	console := strings.Replace(farEnd, caller, `{"cause":32,"soft":true,"type":"ChannelHangupRequest"`, 1)
	var withoutNote []string
	for _, l := range strings.Split(read("contract-Hangup"), "\n") {
		if !strings.HasPrefix(l, `{"hotline":"hangup"`) {
			withoutNote = append(withoutNote, l)
		}
	}
	for _, tc := range []struct{ name, script, want string }{
		{"the caller hangs up", farEnd, "cause=normal"},
		{"the console hangs it up", console, "cause=manager-request"},
		{"Hotline hangs it up", read("contract-Hangup"), "cause=normal"},
		{"the console, by the same request Hotline makes", strings.Join(withoutNote, "\n"), "cause=manager-request"},
	} {
		got := replay(t, []byte(tc.script))
		var hung string
		for _, l := range strings.Split(got, "\n") {
			if strings.HasPrefix(l, "HungUp ") {
				hung = l
			}
		}
		if !strings.HasSuffix(hung, tc.want) {
			t.Errorf("%s: %q; want HungUp with %s\n%s", tc.name, hung, tc.want, got)
		}
	}
}
