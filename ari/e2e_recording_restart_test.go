package ari_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/store"
)

// A recorded conversation that ends while Hotline is down (killed), both
// parties gone: the restarted daemon ends the call, and its recording guard
// asks Asterisk about the recording whose RecordingFinished nobody heard.
// The record gets the stored file's path, not a failure, and the file holds
// the conversation.
func TestAsteriskE2ERecordingAcrossRestart(t *testing.T) {
	const ring, talk = 500 * time.Millisecond, 6 * time.Second
	s := newE2E(t, "recording", map[string]e2ePhone{"alice": {Answer: ring, Hangup: talk}}, "")
	s.start()
	pc := s.call(e2eCaller{Number: "6500", HangupAfter: talk + 2*time.Second})
	call, _ := s.bridged(pc, "alice", 10*time.Second)
	s.agentAction("alice", "recording/start")
	time.Sleep(time.Second)
	s.durable()
	s.d.kill(t)
	s.eventually(talk+5*time.Second, "both hang up while Hotline is down", func() (bool, string) {
		return !s.ast.hasChannel(t, call.AgentChannel) && !s.ast.hasChannel(t, pc.Far), "channels still up"
	})
	s.start()
	rec := s.waitRecord(pc.Far, 40*time.Second, "the recording settled after the restart", func(r store.CallRecord) bool {
		return e2eEnded(r) && r.Recording.Name != "" && (r.Recording.Path != "" || r.Recording.Failed)
	})
	var steps []string
	for _, st := range rec.Timeline {
		steps = append(steps, st.Kind+" "+st.Detail)
	}
	t.Logf("timeline after the restart: %q; the guard asked Asterisk %d times", steps, s.d.logLines("no finish reported", rec.Recording.Name))
	if rec.Recording.Failed || rec.Recording.Path == "" {
		t.Fatalf("recording after the restart %+v; want its path", rec.Recording)
	}
	file := filepath.Join(s.ast.root, "var/spool/asterisk/recording", rec.Recording.Name+".wav")
	t.Cleanup(func() { _ = os.Remove(file) })
	// Over a second of 8 kHz 16-bit audio; a header alone is 44 bytes.
	if fi, err := os.Stat(file); err != nil || fi.Size() < 16000 {
		t.Errorf("recording file %s: %v, %v", file, err, fi)
	}
}
