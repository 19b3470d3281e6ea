package ari_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/store"
)

// e2eAttempts lists a record's attempts as "agent:result".
func e2eAttempts(r store.CallRecord) []string {
	var out []string
	for _, a := range r.Attempts {
		out = append(out, a.Agent+":"+string(a.Result))
	}
	return out
}

// bridged waits until the record names an agent and Asterisk holds the
// caller and that agent's channel in one bridge; it returns the record and
// the bridge's id.
func (s *e2eScenario) bridged(pc e2ePlaced, agent string, timeout time.Duration) (store.CallRecord, string) {
	s.t.Helper()
	rec := s.waitRecord(pc.Far, timeout, agent+" answers", func(r store.CallRecord) bool {
		return r.Agent == agent && !r.Answered.IsZero() && r.AgentChannel != ""
	})
	var bridge string
	s.eventually(30*time.Second, "Asterisk bridges the caller with "+agent, func() (bool, string) {
		b, ok := s.ast.bridgeWith(s.t, pc.Far, rec.AgentChannel)
		bridge = b.ID
		return ok, "no bridge holds " + pc.Far + " and " + rec.AgentChannel
	})
	return rec, bridge
}

// queued places c and waits until it waits in its queue.
func (s *e2eScenario) queued(c e2eCaller) e2ePlaced {
	s.t.Helper()
	pc := s.call(c)
	s.eventually(30*time.Second, "the caller "+c.From+" waits in the queue", func() (bool, string) {
		call, ok := s.liveCall(pc.Far)
		return ok && call.Phase == "queued", "status: " + call.Phase
	})
	return pc
}

// bridgeGone waits until Asterisk no longer has the bridge.
func (s *e2eScenario) bridgeGone(id string, timeout time.Duration) {
	s.t.Helper()
	s.eventually(timeout, "bridge "+id+" left in Asterisk", func() (bool, string) {
		for _, b := range s.ast.bridges(s.t) {
			if b.ID == id {
				return false, "still there with channels " + strings.Join(b.Channels, ",")
			}
		}
		return true, ""
	})
}

// Issue scenario 1: caller → queue → the longest-idle agent answers → bridged
// → the agent hangs up → a record with the wait and talk the phones scripted,
// the agent's id, and a recording Asterisk wrote.
func TestAsteriskE2EAnsweredLongestIdle(t *testing.T) {
	const ring, talk = 1 * time.Second, 3 * time.Second
	s := newE2E(t, "answered", map[string]e2ePhone{
		"alice": {Answer: ring, Hangup: talk},
		"bob":   {Answer: ring}, // would stay on the line: if bob took the call, the test fails
	}, "")
	s.start()
	time.Sleep(time.Second) // alice has been idle a second longer than bob
	s.agentAction("bob", "login")
	if st := s.agent("bob").State; st != "available" {
		t.Fatalf("bob after login: %s, want available", st)
	}

	pc := s.call(e2eCaller{Number: "6100"})
	rec, bridge := s.bridged(pc, "alice", 10*time.Second)
	if !strings.Contains(s.channelName(rec.AgentChannel), s.tag+"alice") {
		t.Errorf("agent channel %s is not alice's phone (%s)", rec.AgentChannel, s.channelName(rec.AgentChannel))
	}

	rec = s.waitRecord(pc.Far, talk+10*time.Second, "the call ends when alice hangs up", e2eEnded)
	if rec.Outcome != acd.OutcomeAnswered || rec.HangupBy != acd.HangupAgent || rec.Agent != "alice" || rec.Queue != "sales" {
		t.Errorf("record: outcome %s, hangup by %s, agent %q, queue %q; want answered, agent, alice, sales",
			rec.Outcome, rec.HangupBy, rec.Agent, rec.Queue)
	}
	if got := e2eAttempts(rec); !slices.Equal(got, []string{"alice:answered"}) {
		t.Errorf("attempts %v, want [alice:answered]", got)
	}
	t.Logf("record: wait %v, talk %v, attempts %v", rec.Wait, rec.Talk, e2eAttempts(rec))
	// Wait: the phone rings `ring` before it answers, plus originate and
	// Local channel set-up. Talk: the phone hangs up `talk` after answering.
	if rec.Wait < ring-100*time.Millisecond || rec.Wait > ring+1500*time.Millisecond {
		t.Errorf("wait %v, want %v (+1.5 s at most)", rec.Wait, ring)
	}
	if !e2eWithin(rec.Talk, talk, time.Second) {
		t.Errorf("talk %v, want %v ± 1 s", rec.Talk, talk)
	}
	// Durations come from the monotonic clock, times from the wall clock.
	// Talk counts from the moment both parties are in the bridge.
	if rec.Bridged.Before(rec.Answered) || !e2eWithin(rec.Answered.Sub(rec.Entered), rec.Wait, time.Millisecond) ||
		!e2eWithin(rec.Ended.Sub(rec.Bridged), rec.Talk, time.Millisecond) {
		t.Errorf("times disagree: entered %v answered %v bridged %v ended %v, wait %v talk %v",
			rec.Entered, rec.Answered, rec.Bridged, rec.Ended, rec.Wait, rec.Talk)
	}

	// The recording: named by Hotline, written by Asterisk where it said.
	// Asterisk reports the path once the recording is finished, which may
	// be just after the call ended.
	rec = s.waitRecord(pc.Far, 30*time.Second, "the record gets the recording's path", func(r store.CallRecord) bool {
		return r.Recording.Name != "" && r.Recording.Path != ""
	})
	file := filepath.Join(s.ast.root, rec.Recording.Path)
	t.Logf("recording %s", rec.Recording.Path)
	s.eventually(30*time.Second, "recording file "+file, func() (bool, string) {
		fi, err := os.Stat(file)
		if err != nil {
			return false, err.Error()
		}
		// 3 s of 8 kHz 16-bit audio is 48 kB; a header alone is 44 bytes.
		return fi.Size() > 8000, "size " + fi.Name()
	})
	t.Cleanup(func() { _ = os.Remove(file) })

	// Asterisk's view: the caller was hung up, the bridge destroyed.
	s.noTaggedChannels(30 * time.Second)
	s.bridgeGone(bridge, 30*time.Second)
	if a := s.agent("bob"); a.Offered != 0 {
		t.Errorf("bob was offered %d calls, want 0", a.Offered)
	}
}

// channelName is the name Asterisk gives the channel, "" if it is gone.
func (s *e2eScenario) channelName(id string) string {
	s.t.Helper()
	for _, ch := range s.ast.channels(s.t) {
		if ch.ID == id {
			return ch.Name
		}
	}
	return ""
}

// phoneChannels are the legs Hotline dialed to an agent's phone in this
// test: the ;1 halves of its Local channels.
func (s *e2eScenario) phoneChannels(agent string) []e2eChannel {
	s.t.Helper()
	var out []e2eChannel
	for _, ch := range s.ast.channels(s.t) {
		if strings.Contains(ch.Name, s.tag+agent+"@") && strings.HasSuffix(ch.Name, ";1") {
			out = append(out, ch)
		}
	}
	return out
}

// Issue scenario 2: the first agent does not answer, the next is rung and
// answers; once the first has missed max_no_answer calls in a row it is
// paused with reason no-answer and rung no more.
func TestAsteriskE2ENoAnswerNextAgentThenPause(t *testing.T) {
	const ringTimeout = 3 * time.Second
	s := newE2E(t, "noanswer", map[string]e2ePhone{
		"carl": e2eNeverAnswers,
		"dana": {Answer: time.Second}, // stays on the line: busy for the second caller
	}, "")
	s.start()
	time.Sleep(time.Second)
	s.agentAction("dana", "login")

	first := s.call(e2eCaller{Number: "6200", From: "5550201"})
	s.eventually(30*time.Second, "carl's phone rings first", func() (bool, string) {
		return len(s.phoneChannels("carl")) == 1, "carl's phone channels: " + e2eChannelIDs(s.phoneChannels("carl"))
	})
	// Asterisk cannot pick up carl's ringing phone (answer: phone): the
	// desk's Answer is refused, not answered 200 for nothing.
	if s.agent("carl").DeskAnswer {
		t.Error("carl's status says the desk can answer for him on Asterisk")
	}
	if resp, err := http.Post(s.d.api+"/api/v1/agents/carl/call/answer", "application/json", nil); err != nil {
		t.Error(err)
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusConflict || !strings.Contains(string(b), "answers on the phone (answer: phone)") {
			t.Errorf("the desk's Answer for carl's ringing phone: %s %s; want 409, answers on the phone", resp.Status, b)
		}
	}
	rec, _ := s.bridged(first, "dana", ringTimeout+8*time.Second)
	if got := e2eAttempts(rec); !slices.Equal(got, []string{"carl:no-answer", "dana:answered"}) {
		t.Errorf("first call's attempts %v, want [carl:no-answer dana:answered]", got)
	}
	if w := rec.Answered.Sub(rec.Entered); w < ringTimeout {
		t.Errorf("first call waited %v, less than carl's ring timeout %v", w, ringTimeout)
	}
	if chs := s.phoneChannels("carl"); len(chs) != 0 {
		t.Errorf("carl's phone still rings after the ring timeout: %s", e2eChannelIDs(chs))
	}
	if a := s.agent("carl"); a.State == "paused" || a.NoAnswer != 1 {
		t.Errorf("carl after one missed call: %s (%s), %d no-answers; want not paused, 1", a.State, a.Reason, a.NoAnswer)
	}

	// dana is busy: the second caller can only go to carl, who misses it too.
	second := s.call(e2eCaller{Number: "6200", From: "5550202"})
	s.eventually(ringTimeout+8*time.Second, "carl paused after his second missed call", func() (bool, string) {
		a := s.agent("carl")
		return a.State == "paused" && a.Reason == "no-answer", "carl: " + a.State + " " + a.Reason
	})
	// Paused, carl is rung no more: the caller keeps waiting, unrung.
	time.Sleep(2 * time.Second)
	if chs := s.phoneChannels("carl"); len(chs) != 0 {
		t.Errorf("paused carl's phone rings: %s", e2eChannelIDs(chs))
	}
	if !s.ast.hasChannel(t, second.Far) {
		t.Fatalf("the waiting caller's channel is gone from Asterisk")
	}
	if c, ok := s.liveCall(second.Far); !ok || c.Phase != "queued" {
		t.Errorf("second call in status: %+v (found %v), want queued", c, ok)
	}
	s.ast.hangup(t, second.Near)
	rec = s.waitRecord(second.Far, 30*time.Second, "the second call ends as abandoned", e2eEnded)
	if got := e2eAttempts(rec); !slices.Equal(got, []string{"carl:no-answer"}) || rec.Outcome != acd.OutcomeAbandoned {
		t.Errorf("second call: attempts %v, outcome %s; want [carl:no-answer], abandoned", got, rec.Outcome)
	}
}

func e2eChannelIDs(chs []e2eChannel) string {
	var ids []string
	for _, ch := range chs {
		ids = append(ids, ch.ID+"("+ch.Name+" "+ch.State+")")
	}
	return strings.Join(ids, ", ")
}

// An administrator hangs a waiting caller up from Asterisk's console
// ("channel request hangup"): the record says the system hung up, not the
// caller, and the queue counts no abandon.
func TestAsteriskE2EConsoleHangup(t *testing.T) {
	root := os.Getenv("HOTLINE_ASTERISK_ROOT")
	s := newE2E(t, "abandon", map[string]e2ePhone{"erin": e2eNeverAnswers}, "") // its queue, nobody logged in
	if root == "" {
		t.Skip("HOTLINE_ASTERISK_ROOT must name the chroot Asterisk runs in (asterisk.sh env)")
	}
	s.start()
	c := s.call(e2eCaller{Number: "6300", From: "5550311", HangupAfter: time.Minute})
	s.eventually(20*time.Second, "the caller waiting", func() (bool, string) {
		call, ok := s.liveCall(c.Far)
		return ok && call.Phase == "queued", fmt.Sprintf("%+v", call)
	})
	name := s.channelName(c.Far)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "chroot", root, "/usr/sbin/asterisk", "-rx", "channel request hangup "+name).CombinedOutput()
	if err != nil {
		t.Fatalf("channel request hangup %s: %v: %s", name, err, out)
	}
	rec := s.waitRecord(c.Far, 15*time.Second, "the caller hung up from the console", e2eEnded)
	if rec.Outcome != acd.OutcomeFailed || rec.HangupBy != acd.HangupSystem || rec.Cause != "manager-request" {
		t.Errorf("outcome %s, hung up by %s, cause %q; want failed, by the system, manager-request", rec.Outcome, rec.HangupBy, rec.Cause)
	}
	if q := s.status().Queues; len(q) == 0 || q[0].Abandoned != 0 {
		t.Errorf("queues %+v: want no abandon", q)
	}
}

// An administrator hangs an agent's phone channel up from Asterisk's
// console during a conversation: the agent did not end it, so the record
// says the system did (cause manager-request, a switch-hangup step); the
// call ends answered and alice goes to wrap-up as after any call.
func TestAsteriskE2EConsoleHangupAgent(t *testing.T) {
	root := os.Getenv("HOTLINE_ASTERISK_ROOT")
	s := newE2E(t, "answered", map[string]e2ePhone{
		"alice": {Answer: 500 * time.Millisecond},
		"bob":   e2eNeverAnswers,
	}, "")
	if root == "" {
		t.Skip("HOTLINE_ASTERISK_ROOT must name the chroot Asterisk runs in (asterisk.sh env)")
	}
	s.start()
	c := s.call(e2eCaller{Number: "6100", From: "5550321", HangupAfter: time.Minute})
	rec, _ := s.bridged(c, "alice", 30*time.Second)
	name := s.channelName(rec.AgentChannel)
	if name == "" {
		t.Fatalf("alice's channel %s is not in Asterisk", rec.AgentChannel)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "chroot", root, "/usr/sbin/asterisk", "-rx", "channel request hangup "+name).CombinedOutput()
	if err != nil {
		t.Fatalf("channel request hangup %s: %v: %s", name, err, out)
	}
	rec = s.waitRecord(c.Far, 15*time.Second, "the conversation ended from the console", e2eEnded)
	switchHangup := false
	for _, st := range rec.Timeline {
		switchHangup = switchHangup || st.Kind == "switch-hangup"
	}
	if rec.Outcome != acd.OutcomeAnswered || rec.HangupBy != acd.HangupSystem || rec.Cause != "manager-request" || !switchHangup {
		t.Errorf("outcome %s, hung up by %s, cause %q, timeline %+v; want answered, by the system, manager-request, a switch-hangup step",
			rec.Outcome, rec.HangupBy, rec.Cause, rec.Timeline)
	}
	// The status is the snapshot the engine publishes, up to 100 ms behind
	// the record.
	s.eventually(5*time.Second, "alice in wrap-up or past it", func() (bool, string) {
		a := s.agent("alice")
		return a.State == "wrap-up" || a.State == "available", "alice " + a.State
	})
}

// Issue scenario 3: a caller hangs up while waiting → an abandoned record,
// and the agent is never rung for it afterwards; a caller who hangs up while
// an agent's phone rings stops the ring.
func TestAsteriskE2EAbandonWhileWaiting(t *testing.T) {
	const patience = 2 * time.Second
	s := newE2E(t, "abandon", map[string]e2ePhone{"erin": e2eNeverAnswers}, "")
	s.start()

	// Nobody logged in: the caller waits, then hangs up.
	first := s.call(e2eCaller{Number: "6300", From: "5550301", HangupAfter: patience})
	rec := s.waitRecord(first.Far, patience+30*time.Second, "the first caller abandons", e2eEnded)
	if rec.Outcome != acd.OutcomeAbandoned || rec.HangupBy != acd.HangupCaller || len(rec.Attempts) != 0 {
		t.Errorf("first call: outcome %s, hangup by %s, attempts %v; want abandoned by the caller, none",
			rec.Outcome, rec.HangupBy, e2eAttempts(rec))
	}
	if rec.Wait < patience-200*time.Millisecond {
		t.Errorf("first call: wait %v, want about the caller's patience %v", rec.Wait, patience)
	}
	if s.ast.hasChannel(t, first.Far) {
		t.Errorf("the abandoned caller's channel is still in Asterisk")
	}

	// erin logs in: nothing is waiting, her phone must stay silent.
	s.agentAction("erin", "login")
	time.Sleep(2 * time.Second)
	if chs := s.phoneChannels("erin"); len(chs) != 0 {
		t.Fatalf("erin's phone rings for an abandoned call: %s", e2eChannelIDs(chs))
	}
	if a := s.agent("erin"); a.State != "available" || a.Offered != 0 {
		t.Errorf("erin: %s, offered %d; want available, 0", a.State, a.Offered)
	}
	if rec, _ = s.recordOf(first.Far); len(rec.Attempts) != 0 {
		t.Errorf("abandoned call got attempts after the hang-up: %v", e2eAttempts(rec))
	}

	// The second caller hangs up while erin's phone rings. It waits long
	// enough for her phone to be seen ringing on a busy machine, and hangs
	// up well before her ring timeout (30 s in abandon.yaml) would end the
	// ring: her phone must stop because the caller left.
	const ringTimeout, secondPatience = 30 * time.Second, 8 * time.Second
	second := s.call(e2eCaller{Number: "6300", From: "5550302", HangupAfter: secondPatience})
	s.eventually(secondPatience, "erin's phone rings for the second caller", func() (bool, string) {
		return len(s.phoneChannels("erin")) == 1, "erin's legs: " + e2eChannelIDs(s.phoneChannels("erin"))
	})
	rec = s.waitRecord(second.Far, secondPatience+30*time.Second, "the second caller abandons", e2eEnded)
	if got := e2eAttempts(rec); rec.Outcome != acd.OutcomeAbandoned || !slices.Equal(got, []string{"erin:cancelled"}) {
		t.Errorf("second call: outcome %s, attempts %v; want abandoned, [erin:cancelled]", rec.Outcome, got)
	}
	s.eventually(ringTimeout/2, "erin's phone stops ringing", func() (bool, string) {
		return len(s.phoneChannels("erin")) == 0, "erin's legs: " + e2eChannelIDs(s.phoneChannels("erin"))
	})
	s.noTaggedChannels(30 * time.Second)
	s.eventually(30*time.Second, "erin available again", func() (bool, string) {
		a := s.agent("erin")
		return a.State == "available" && a.NoAnswer == 0, fmt.Sprintf("erin: %s (%s), %d no-answers", a.State, a.Reason, a.NoAnswer)
	})
}

// Issue scenario 4: a DTMF choice in a menu routes the caller to a queue
// whose skill only one agent has.
func TestAsteriskE2EMenuRoutesBySkill(t *testing.T) {
	agentPhone := e2ePhone{Answer: time.Second, Hangup: 2 * time.Second}
	s := newE2E(t, "menu", map[string]e2ePhone{"frank": agentPhone, "gina": agentPhone}, "")
	s.start()
	time.Sleep(time.Second)
	s.agentAction("gina", "login")

	for _, tc := range []struct{ key, queue, agent string }{
		{"2", "support", "gina"},
		{"1", "sales", "frank"},
	} {
		pc := s.call(e2eCaller{Number: "6400", From: "555040" + tc.key, DTMF: tc.key, DTMFAfter: 1500 * time.Millisecond})
		rec, _ := s.bridged(pc, tc.agent, 12*time.Second)
		if rec.Entry != "6400" || rec.Queue != tc.queue {
			t.Errorf("key %s: entry %q, queue %q; want 6400, %s", tc.key, rec.Entry, rec.Queue, tc.queue)
		}
		if got := e2eAttempts(rec); !slices.Equal(got, []string{tc.agent + ":answered"}) {
			t.Errorf("key %s: attempts %v, want only %s", tc.key, got, tc.agent)
		}
		rec = s.waitRecord(pc.Far, 10*time.Second, "the call ends when "+tc.agent+" hangs up", e2eEnded)
		if rec.Outcome != acd.OutcomeAnswered || rec.Agent != tc.agent {
			t.Errorf("key %s: outcome %s, agent %s; want answered by %s", tc.key, rec.Outcome, rec.Agent, tc.agent)
		}
		s.noTaggedChannels(30 * time.Second)
		// Let the agent's wrap-up pass before the next caller.
		s.eventually(30*time.Second, tc.agent+" available again", func() (bool, string) {
			a := s.agent(tc.agent)
			return a.State == "available", tc.agent + ": " + a.State
		})
	}
	for _, id := range []string{"frank", "gina"} {
		if a := s.agent(id); a.Offered != 1 || a.Answered != 1 {
			t.Errorf("%s: offered %d, answered %d; want 1, 1", id, a.Offered, a.Answered)
		}
	}
}

// Issue 9.5: on a stock Debian Asterisk the recording directory does not
// exist and starting a recording fails (HTTP 500). The record says so, with
// the reason in its timeline, and the call goes on.
func TestAsteriskE2ERecordingDirMissing(t *testing.T) {
	s := newE2E(t, "answered", map[string]e2ePhone{
		"alice": {Answer: 500 * time.Millisecond, Hangup: 2 * time.Second},
		"bob":   {Answer: 500 * time.Millisecond, Hangup: 2 * time.Second},
	}, "")
	dir := filepath.Join(s.ast.root, "var/spool/asterisk/recording")
	hidden := dir + ".hidden-by-test"
	if err := os.Rename(dir, hidden); err != nil {
		t.Fatalf("hiding the recording directory: %v", err)
	}
	t.Cleanup(func() {
		if err := os.Rename(hidden, dir); err != nil {
			t.Errorf("restoring the recording directory: %v", err)
		}
	})
	s.start()
	pc := s.call(e2eCaller{Number: "6100"})
	rec := s.waitRecord(pc.Far, 15*time.Second, "the call ends", e2eEnded)
	failed := false
	for _, st := range rec.Timeline {
		failed = failed || st.Kind == "recording-failed"
	}
	if rec.Outcome != acd.OutcomeAnswered || !rec.Recording.Failed || rec.Recording.Path != "" || !failed {
		t.Errorf("record: outcome %s, recording %+v, timeline %+v; want answered, recording failed, a recording-failed step",
			rec.Outcome, rec.Recording, rec.Timeline)
	}
}
