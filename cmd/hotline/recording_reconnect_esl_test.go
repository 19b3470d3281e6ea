package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/api"
	"github.com/hotline-cc/hotline/esl/esltest"
	"github.com/hotline-cc/hotline/store"
)

// TestRecordingAcrossLinkCutOnESLFake: through "hotline serve" on the
// event-socket wire fake, the link to the switch is cut for 2 s while two
// recorded calls talk. The first caller hangs up during the cut (the test
// hangs it up then: one timed from its answer, which Hotline gives on
// arrival, may come before its agent does on a loaded machine, and then
// nothing is recorded): its RECORD_STOP reaches no one. Once the link is
// back, Hotline finds the call gone and ends it; its stop of the
// recording finds no channel, and the recording guard then asks the
// switch about the recording (10 s after the end): the adapter finds it
// over and written in the recordings directory, and the record gets its
// path, not a failure. The second call's recording runs on across the
// cut, untouched, and ends with the call after it.
func TestRecordingAcrossLinkCutOnESLFake(t *testing.T) {
	dir := t.TempDir()
	fs, err := esltest.New(esltest.Options{Password: "ClueCon", RecordingDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	for _, a := range []string{"alice", "bob"} {
		fs.AddPhone("user/"+a, esltest.Phone{Mode: esltest.Answer, AnswerDelay: 50 * time.Millisecond})
	}
	cfg := fmt.Sprintf(`
pbx: {type: freeswitch, freeswitch: {recording_dir: %q}}
recordings: {template: "{call}-{agent}"}
entries: [{number: "200", queue: support}]
queues:
  - {name: support, recording: always, wrap_up: 500ms, announce: {interval: 0s}}
agents:
  - {id: alice, endpoint: user/alice, queues: [{queue: support}], logged_in: true}
  - {id: bob, endpoint: user/bob, queues: [{queue: support}], logged_in: true}
`, dir)
	base, stop := serveOnFake(t, fs, filepath.Join(t.TempDir(), "h.db"), writeFile(t, "hotline.yaml", cfg))
	defer stop()
	uuids := map[string]string{}
	for _, c := range []struct {
		from string
		talk time.Duration
	}{{"5550101", 0}, {"5550102", 10 * time.Second}} { // the first is hung up at the cut; the second outlasts it even if the calls were slow to start
		uuid, err := fs.PlaceCall(esltest.Call{From: c.from, To: "200", Vars: map[string]string{"hotline_args": "entry,200"}, HangupAfter: c.talk})
		if err != nil {
			t.Fatal(err)
		}
		uuids[c.from] = uuid
	}
	records := func() map[string]store.CallRecord {
		var calls []api.Call
		out := map[string]store.CallRecord{}
		if getJSON(base+"/api/v1/calls?queue=support", &calls) {
			for _, r := range api.CallRecords(calls) {
				out[r.Caller] = r
			}
		}
		return out
	}
	// Hotline names a recording when it asks for it: the cut waits for both
	// to run on the switch, and a moment more for the switch's reply to
	// reach Hotline.
	waitUntil(t, 60*time.Second, "both calls recorded", func() bool {
		rs := records()
		for caller, uuid := range uuids {
			if st, _ := fs.Channel(uuid); rs[caller].Recording.Name == "" || len(st.Records) == 0 {
				return false
			}
		}
		return true
	})
	time.Sleep(500 * time.Millisecond)
	const cut = 2 * time.Second
	fs.CutLink(cut)
	if err := fs.Hangup(uuids["5550101"], ""); err != nil {
		t.Fatalf("the first caller: %v", err)
	}
	time.Sleep(cut - 200*time.Millisecond)
	if st, _ := fs.Channel(uuids["5550102"]); st.HungUp {
		t.Fatal("the second caller hung up during the cut")
	}
	settled := func(r store.CallRecord) bool {
		return !r.Ended.IsZero() && (r.Recording.Path != "" || r.Recording.Failed)
	}
	// The link is back a reconnect delay (1 s) after the cut ends, the
	// first call's end is found at the sync, and the guard asks 10 s
	// later: about 13 s at best. The bound leaves room for a loaded machine.
	waitUntil(t, 40*time.Second, "both records settled", func() bool {
		rs := records()
		return settled(rs["5550101"]) && settled(rs["5550102"])
	})
	rs := records()
	if len(rs) != 2 {
		t.Fatalf("records of %d callers, want 2: %+v", len(rs), rs)
	}
	for caller, r := range rs {
		if want := filepath.Join(dir, r.Recording.Name+".wav"); r.Recording.Failed || r.Recording.Path != want {
			t.Errorf("%s: recording %+v, want its file %s", caller, r.Recording, want)
		}
		if slices.ContainsFunc(r.Timeline, func(s store.Step) bool { return s.Kind == "recording-failed" }) {
			t.Errorf("%s: the recording was given up: %+v", caller, r.Timeline)
		}
	}
}
