package main

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/api"
	"github.com/hotline-cc/hotline/esl/esltest"
	"github.com/hotline-cc/hotline/store"
)

// TestRecordingStopAfterCallEndOnESLFake: through "hotline serve" on the
// event-socket wire fake, the agent hangs up a recorded call. Hotline ends
// the call at that hang-up and stops the recording (uuid_record stop);
// the recording's path comes only with its RECORD_STOP, which a loaded
// FreeSWITCH sends after the ended record is written (here the stop is
// held 1.5 s). The record is written twice: ended, with its recording not
// yet over (no path, not failed), then with the path RECORD_STOP gave,
// well before the recording guard would ask (10 s). A reader of the
// record must wait for the second.
func TestRecordingStopAfterCallEndOnESLFake(t *testing.T) {
	fs, err := esltest.New(esltest.Options{Password: "ClueCon"})
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	fs.AddPhone("user/alice", esltest.Phone{Mode: esltest.Answer, AnswerDelay: 50 * time.Millisecond, HangupAfter: 500 * time.Millisecond})
	base, stop := serveOnFake(t, fs, filepath.Join(t.TempDir(), "h.db"), writeFile(t, "hotline.yaml", eslRecordingConfig))
	defer stop()
	caller, err := fs.PlaceCall(esltest.Call{From: "5550100", To: "200", Vars: map[string]string{"hotline_args": "entry,200"}, HangupAfter: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	const stopDelay = 1500 * time.Millisecond
	fs.DelayReplies("api uuid_record "+caller+" stop", stopDelay, 1)
	record := func() (store.CallRecord, bool) {
		var calls []api.Call
		if !getJSON(base+"/api/v1/calls?queue=support", &calls) || len(calls) != 1 {
			return store.CallRecord{}, false
		}
		return api.CallRecords(calls)[0], true
	}
	var first, settled store.CallRecord
	var ended time.Time
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		r, ok := record()
		if ok && !r.Ended.IsZero() {
			if ended.IsZero() {
				first, ended = r, time.Now()
			}
			if r.Recording.Path != "" || r.Recording.Failed {
				settled = r
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no settled record within 60 s; first ended %+v, last %+v\nswitch commands %q", first.Recording, r.Recording, fs.Commands())
		}
	}
	if first.Recording.Name == "" || first.Recording.Path != "" || first.Recording.Failed {
		t.Errorf("the first ended record's recording %+v: want it named and not yet over (its RECORD_STOP was %v away)", first.Recording, stopDelay)
	}
	if want := "/rec/" + settled.Recording.Name + ".wav"; settled.Recording.Failed || settled.Recording.Path != want {
		t.Errorf("settled recording %+v, want the path %s from RECORD_STOP", settled.Recording, want)
	}
	// The guard counts a warning before it asks: none means RECORD_STOP
	// settled it, however long a loaded machine took.
	var st engine.Status
	if !getJSON(base+"/api/v1/status", &st) {
		t.Fatal("no status")
	}
	if n := st.Warnings["recording-guard"]; n != 0 {
		t.Errorf("the recording settled %v after the call ended, after %d recording-guard warnings: the guard, not RECORD_STOP, finished it", time.Since(ended).Round(time.Millisecond), n)
	}
	if slices.ContainsFunc(settled.Timeline, func(s store.Step) bool { return s.Kind == "recording-failed" }) {
		t.Errorf("timeline %+v: the recording was given up", settled.Timeline)
	}
}
