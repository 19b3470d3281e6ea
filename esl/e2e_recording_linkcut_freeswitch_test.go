package esl_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/internal/linkcut"
	"github.com/hotline-cc/hotline/store"
)

// A recorded conversation on the real FreeSWITCH whose event-socket link
// is cut (a relay between Hotline and the switch closes every connection
// and refuses new ones) while the call is recorded. Both parties hang up
// during the cut, so FreeSWITCH writes the file and sends RECORD_STOP to
// no one. When the link is back, Hotline finds the call gone and ends it,
// and its recording guard finds the file in the recordings directory: the
// record has the file's path, not a failure, the recording's span is the
// conversation's, and no call, agent or channel is left behind.
func TestFreeSWITCHE2ERecordingAcrossLinkCut(t *testing.T) {
	const talk = 3 * time.Second
	s, leg := recordedCallEndsInCut(t, "7820", "5557821", talk, false)

	// A reconnect (1 s), the sync that ends the call, then the guard's
	// ask 10 s after the end: about 12 s at best.
	rec := s.waitRecordWhere("5557821", 25*time.Second, "the recording settled after the cut", func(r store.CallRecord) bool {
		return !r.Ended.IsZero() && r.Recording.Name != "" && (r.Recording.Path != "" || r.Recording.Failed)
	})
	if rec.Recording.Failed || rec.Recording.Path == "" {
		t.Fatalf("recording after the cut %+v, timeline %+v; want its path", rec.Recording, rec.Timeline)
	}
	t.Cleanup(func() { _ = os.Remove(rec.Recording.Path) })
	var steps []string
	for _, st := range rec.Timeline {
		steps = append(steps, st.Kind+" "+st.Detail)
	}
	t.Logf("timeline: %q", steps)
	// RECORD_STOP went out during the cut: only the guard can have found
	// the file.
	if !strings.Contains(s.d.log.String(), "no finish reported for recording "+rec.Recording.Name) {
		t.Errorf("the recording guard never asked about %s", rec.Recording.Name)
	}
	if slices.ContainsFunc(rec.Timeline, func(st store.Step) bool { return st.Kind == "recording-failed" }) {
		t.Errorf("the recording was given up: %+v", rec.Timeline)
	}
	// Nina left first, but FreeSWITCH kept no word of it: not blamed on
	// the caller.
	if rec.Outcome != acd.OutcomeAnswered || rec.Agent != "nina" || rec.HangupBy != acd.HangupUnknown {
		t.Errorf("record: outcome %s agent %q hung up by %q, want unknown", rec.Outcome, rec.Agent, rec.HangupBy)
	}
	// The recording ran from the bridge to the hang-up Hotline learnt at
	// the sync: the talk (3 s) plus at most the cut and reconnect.
	if span := rec.Recording.End.Sub(rec.Recording.Start); rec.Recording.End.IsZero() || span < talk-time.Second || span > talk+8*time.Second {
		t.Errorf("recording from %v to %v (%v); want about the %v talk", rec.Recording.Start, rec.Recording.End, span, talk)
	}
	// Two seconds of 8 kHz 16-bit audio at least; a header alone is 44 bytes.
	fi, err := os.Stat(rec.Recording.Path)
	if err != nil || fi.Size() < 32000 {
		t.Errorf("recording file %s: %v, size %d", rec.Recording.Path, err, sizeOf(fi))
	}
	// It ends when FreeSWITCH last wrote the file, not when Hotline, back
	// on the link, learnt that the call was over.
	if err == nil && rec.Recording.End.Sub(fi.ModTime()).Abs() > 50*time.Millisecond {
		t.Errorf("recording ends %v, %v after its file was last written (%v)", rec.Recording.End, rec.Recording.End.Sub(fi.ModTime()), fi.ModTime())
	}

	s.eventually(30*time.Second, "nothing left: no live call, nina available", func() bool {
		for _, r := range s.records() {
			if r.Ended.IsZero() {
				return false
			}
		}
		var agents []engine.AgentStatus
		s.getJSON("/api/v1/agents", &agents)
		return len(agents) == 1 && agents[0].State == acd.Available.String()
	})
	for _, c := range s.channels() {
		if strings.Contains(c["uuid"]+c["cid_num"]+c["name"], "5557821") || c["uuid"] == leg {
			t.Errorf("a channel of the call is left on FreeSWITCH: %v", c)
		}
	}
	if n := strings.Count(s.d.log.String(), "event socket connected"); n < 2 {
		t.Errorf("hotline connected %d times; the cut was not seen", n)
	}
}

// A second cut covers the guard's ask (10 s after the call's end, which
// Hotline learnt when the first cut ended): no ask is made, and none is
// counted, while the link is down; once it is back, Hotline asks at once,
// and the record gets its file's path within seconds, not a failure.
func TestFreeSWITCHE2ERecordingGuardAcrossSecondCut(t *testing.T) {
	s, _ := recordedCallEndsInCut(t, "7830", "5557831", 3*time.Second, false)
	ended := s.waitRecordWhere("5557831", 30*time.Second, "the call ended after the cut", func(r store.CallRecord) bool {
		return r.Recording.Name != ""
	})
	if r := ended.Recording; r.Path != "" || r.Failed {
		t.Fatalf("the recording settled before the guard's ask: %+v", r)
	}
	time.Sleep(time.Until(ended.Ended.Add(8 * time.Second)))
	s.relay.Cut()
	time.Sleep(time.Until(ended.Ended.Add(12 * time.Second)))
	unsettled := func(r store.CallRecord) bool { return r.Recording.Path == "" && !r.Recording.Failed }
	if !unsettled(s.record("5557831")) {
		t.Fatalf("the recording settled while the link was down: %+v", s.record("5557831").Recording)
	}
	back := time.Now()
	s.relay.Resume(t)
	rec := s.waitRecordWhere("5557831", 30*time.Second, "the recording settled once the link was back", func(r store.CallRecord) bool {
		return !unsettled(r)
	})
	t.Logf("settled %v after the link was back", time.Since(back).Round(100*time.Millisecond))
	if rec.Recording.Failed || rec.Recording.Path == "" {
		t.Fatalf("recording after the second cut %+v, timeline %+v; want its path", rec.Recording, rec.Timeline)
	}
	t.Cleanup(func() { _ = os.Remove(rec.Recording.Path) })
	if fi, err := os.Stat(rec.Recording.Path); err != nil || fi.Size() < 32000 {
		t.Errorf("recording file %s: %v, size %d", rec.Recording.Path, err, sizeOf(fi))
	}
}

// The link goes half-open while the call is recorded, and both parties
// hang up: Hotline notices the silent link by its pings, connects again,
// ends the call, and its recording guard finds the file.
func TestFreeSWITCHE2ERecordingAcrossLinkFreeze(t *testing.T) {
	s, _ := recordedCallEndsInCut(t, "7840", "5557841", 3*time.Second, true)
	// A ping within 5 s, its 5 s timeout, a reconnect (1 s), then the
	// guard's ask 10 s after the end.
	rec := s.waitRecordWhere("5557841", 25*time.Second, "the recording settled after the freeze", func(r store.CallRecord) bool {
		return r.Recording.Path != "" || r.Recording.Failed
	})
	if rec.Recording.Failed || rec.Recording.Path == "" {
		t.Fatalf("recording after the freeze %+v, timeline %+v; want its path", rec.Recording, rec.Timeline)
	}
	t.Cleanup(func() { _ = os.Remove(rec.Recording.Path) })
	if n := strings.Count(s.d.log.String(), "event socket connected"); n < 2 {
		t.Errorf("hotline connected %d times; the frozen link was not noticed", n)
	}
	if fi, err := os.Stat(rec.Recording.Path); err != nil || fi.Size() < 32000 {
		t.Errorf("recording file %s: %v, size %d", rec.Recording.Path, err, sizeOf(fi))
	}
}

// recordedCallEndsInCut runs Hotline on FreeSWITCH through a relay, puts
// a recorded call from caller to number through to an agent whose phone
// hangs up after talk (the caller a second later), cuts the link a second
// into the conversation, waits for both parties to hang up, and restores
// the link. With freeze, the link goes half-open instead (its bytes stop,
// nobody is told) and is left so: Hotline must notice it by itself. It
// returns the scenario and the agent's leg.
func recordedCallEndsInCut(t *testing.T, number, caller string, talk time.Duration, freeze bool) (*fsScenario, string) {
	t.Helper()
	s := newScenario(t, "park", `entries: [{number: "`+number+`", queue: sales}]`+e2eQueue+`
agents:
  - {id: nina, name: Nina, endpoint: "@PHONE:answer-300-hangup-`+fmt.Sprint(talk.Milliseconds())+`@", queues: [{queue: sales}], logged_in: true}
`)
	s.relay = linkcut.New(t, s.fs.addr)
	s.viaRelay(s.relay)
	s.start()
	s.call(farend.CallScript{From: caller, To: number, HangupAfter: talk + time.Second})
	leg := s.talkingLeg("nina")
	s.eventually(30*time.Second, "the call recorded", func() bool {
		return unfinished(s.record(caller))
	})
	time.Sleep(time.Second)
	cut := time.Now()
	if freeze {
		s.relay.Freeze()
	} else {
		s.relay.Cut()
	}
	s.legGone(leg, "nina hangs up during the cut")
	s.eventually(10*time.Second, "the caller's channel gone during the cut", func() bool {
		_, up := s.channelOf(caller)
		return !up
	})
	if !unfinished(s.record(caller)) {
		t.Fatalf("the record changed during the cut: %+v", s.record(caller))
	}
	if !freeze {
		s.relay.Resume(t)
	}
	t.Logf("both parties gone, link restored, %v after it went down (frozen: %v)", time.Since(cut).Round(100*time.Millisecond), freeze)
	return s, leg
}

// unfinished: a live call whose recording runs as far as Hotline knows.
func unfinished(r store.CallRecord) bool {
	return r.Ended.IsZero() && r.Recording.Name != "" && r.Recording.Path == "" && !r.Recording.Failed
}

// record is the latest record of caller's call, live or ended.
func (s *fsScenario) record(caller string) store.CallRecord {
	for _, r := range s.records() {
		if r.Caller == caller {
			return r
		}
	}
	return store.CallRecord{}
}

// viaRelay points the scenario's config at the relay instead of the
// switch's event socket.
func (s *fsScenario) viaRelay(r *linkcut.Relay) {
	s.t.Helper()
	b, err := os.ReadFile(s.config)
	if err != nil {
		s.t.Fatal(err)
	}
	old := "address: \"" + s.fs.addr + "\""
	if !strings.Contains(string(b), old) {
		s.t.Fatalf("config %s has no %s", s.config, old)
	}
	b = []byte(strings.Replace(string(b), old, "address: \""+r.Addr+"\"", 1))
	if err := os.WriteFile(s.config, b, 0o600); err != nil {
		s.t.Fatal(err)
	}
}
