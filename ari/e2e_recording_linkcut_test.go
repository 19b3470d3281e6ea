package ari_test

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/internal/linkcut"
	"github.com/hotline-cc/hotline/store"
)

// A recorded conversation on real Asterisk whose ARI link is cut (a TCP
// proxy closes every connection and refuses new ones) while it is
// recorded; both parties hang up during the cut, so RecordingFinished
// reaches no one. Once the link is back, Hotline closes the call, and its
// recording guard asks Asterisk about the recording: the record gets the
// stored file's path, not a failure, its span lies within the
// conversation, and no call, bridge side or channel is left behind.
func TestAsteriskE2ERecordingAcrossLinkCut(t *testing.T) {
	s, _, d, pc := recordedCallEndsInARICut(t)

	// The guard asks 10 s after the call's end, which Hotline learns at
	// the reconciliation.
	rec := s.waitRecord(pc.Far, 20*time.Second, "the recording settled after the cut", func(r store.CallRecord) bool {
		return e2eEnded(r) && r.Recording.Name != "" && (r.Recording.Path != "" || r.Recording.Failed)
	})
	// RecordingFinished went out during the cut: only the guard can have
	// learnt the stored file.
	if n := d.logLines("no finish reported", rec.Recording.Name); n == 0 {
		t.Errorf("the recording guard never asked Asterisk about %s", rec.Recording.Name)
	}
	if rec.Recording.Failed || rec.Recording.Path == "" {
		t.Fatalf("recording after the cut %+v, timeline %+v; want its path", rec.Recording, rec.Timeline)
	}
	file := filepath.Join(s.ast.root, "var/spool/asterisk/recording", rec.Recording.Name+".wav")
	t.Cleanup(func() { _ = os.Remove(file) })
	if slices.ContainsFunc(rec.Timeline, func(st store.Step) bool { return st.Kind == "recording-failed" }) {
		t.Errorf("the recording was given up: %+v", rec.Timeline)
	}
	// Alice left first, but Asterisk kept no word of it: not blamed on
	// the caller.
	if rec.Outcome != acd.OutcomeAnswered || rec.Agent != "alice" || rec.HangupBy != acd.HangupUnknown {
		t.Errorf("record: outcome %s agent %q hung up by %q, want unknown", rec.Outcome, rec.Agent, rec.HangupBy)
	}
	// Started a second into the talk, it ran at most to the end Hotline
	// learnt at the reconciliation.
	r := rec.Recording
	if r.End.IsZero() || r.End.Before(r.Start) || r.Start.Before(rec.Answered) || r.End.After(rec.Ended) {
		t.Errorf("recording from %v to %v; the call answered %v, ended %v", r.Start, r.End, rec.Answered, rec.Ended)
	}
	// Over half a second of 8 kHz 16-bit audio; a header alone is 44 bytes.
	if fi, err := os.Stat(file); err != nil || fi.Size() < 8000 {
		t.Errorf("recording file %s: %v, %v", file, err, fi)
	}

	s.noTaggedChannels(30 * time.Second)
	s.eventually(30*time.Second, "no live call, alice available", func() (bool, string) {
		st := s.status()
		a := s.agent("alice")
		return len(st.Calls) == 0 && a.State == acd.Available.String(), fmt.Sprintf("calls %+v, alice %s", st.Calls, a.State)
	})
}

// A second cut covers the guard's ask (10 s after the call's end, which
// Hotline learnt when the first cut ended): nothing is asked or counted
// while the link is down, and once it is back Hotline asks Asterisk at
// once: the record gets the stored file's path within seconds.
func TestAsteriskE2ERecordingGuardAcrossSecondCut(t *testing.T) {
	s, proxy, _, pc := recordedCallEndsInARICut(t)
	ended := s.waitRecord(pc.Far, 30*time.Second, "the call ended after the cut", e2eEnded)
	unsettled := func(r store.CallRecord) bool { return r.Recording.Path == "" && !r.Recording.Failed }
	if r := ended.Recording; r.Name == "" || !unsettled(ended) {
		t.Fatalf("the recording is not waiting for the guard's ask: %+v", r)
	}
	time.Sleep(time.Until(ended.Ended.Add(8 * time.Second)))
	proxy.Cut()
	time.Sleep(time.Until(ended.Ended.Add(12 * time.Second)))
	if r, _ := s.recordOf(pc.Far); !unsettled(r) {
		t.Fatalf("the recording settled while the link was down: %+v", r.Recording)
	}
	back := time.Now()
	proxy.Resume(t)
	rec := s.waitRecord(pc.Far, 30*time.Second, "the recording settled once the link was back", func(r store.CallRecord) bool {
		return !unsettled(r)
	})
	t.Logf("settled %v after the link was back", time.Since(back).Round(100*time.Millisecond))
	if rec.Recording.Failed || rec.Recording.Path == "" {
		t.Fatalf("recording after the second cut %+v, timeline %+v; want its path", rec.Recording, rec.Timeline)
	}
	file := filepath.Join(s.ast.root, "var/spool/asterisk/recording", rec.Recording.Name+".wav")
	t.Cleanup(func() { _ = os.Remove(file) })
	if fi, err := os.Stat(file); err != nil || fi.Size() < 8000 {
		t.Errorf("recording file %s: %v, %v", file, err, fi)
	}
}

// recordedCallEndsInARICut runs Hotline through a proxy to ARI, puts a
// caller through to alice, starts recording, cuts the link a second later,
// waits for both parties to hang up (alice 4 s after answering, the caller
// 2 s after her), restores the link and waits for Hotline to reconnect.
func recordedCallEndsInARICut(t *testing.T) (*e2eScenario, *linkcut.Relay, *e2eDaemon, e2ePlaced) {
	t.Helper()
	const ring, talk = 500 * time.Millisecond, 4 * time.Second
	ast := e2eNeed(t)
	u, err := url.Parse(ast.url)
	if err != nil {
		t.Fatal(err)
	}
	proxy := linkcut.New(t, u.Host)
	s := newE2E(t, "recording", map[string]e2ePhone{"alice": {Answer: ring, Hangup: talk}}, "http://"+proxy.Addr+u.Path)
	d := s.start()
	pc := s.call(e2eCaller{Number: "6500", HangupAfter: talk + 2*time.Second})
	call, _ := s.bridged(pc, "alice", 10*time.Second)
	s.agentAction("alice", "recording/start")
	time.Sleep(time.Second)

	proxy.Cut()
	cutAt := time.Now()
	s.eventually(talk+5*time.Second, "both hang up during the cut", func() (bool, string) {
		return !s.ast.hasChannel(t, call.AgentChannel) && !s.ast.hasChannel(t, pc.Far), "channels still up"
	})
	proxy.Resume(t)
	t.Logf("link back after %v", time.Since(cutAt).Round(100*time.Millisecond))
	s.eventually(10*time.Second, "Hotline reconnects", func() (bool, string) {
		return d.logLines("connected to ARI", "reconnect=true") > 0, "no reconnect in the log yet"
	})
	return s, proxy, d, pc
}
