package engine

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/store"
)

// spyThenRestart: alice talks to a caller (who hangs up after a minute);
// a supervisor on sim/sup whispers to her from 10 s; the daemon is killed
// at killAt and back 5 s later; during, if set, runs 1 s after the
// restart. It returns the run and the call's record once it is over.
func spyThenRestart(t *testing.T, killAt time.Duration, during func(r *SimRun, sup pbx.ChannelID)) (*SimRun, store.CallRecord) {
	t.Helper()
	r, st, sup := whisperToAlice(t, "")
	r.RunUntil(epoch.Add(killAt))
	kill(t, r)
	r.RunUntil(epoch.Add(killAt + 5*time.Second))
	restart(t, r, st, "run2", nil)
	if during != nil {
		r.RunUntil(epoch.Add(killAt + 6*time.Second))
		during(r, pbx.ChannelID(sup))
	}
	r.RunUntil(epoch.Add(2 * time.Minute))
	recs := records(st)
	if len(recs) != 1 {
		t.Fatalf("records %+v", recs)
	}
	return r, recs[0]
}

// whisperToAlice: alice talks to a caller (who hangs up after a minute);
// from 10 s a supervisor on sim/sup whispers to her, at by's request. It
// returns the run, its store and the supervisor's channel.
func whisperToAlice(t *testing.T, by string) (*SimRun, *memStore, string) {
	t.Helper()
	st := newMemStore()
	r := newRestartableRun(t, restartConfig, st)
	if err := r.Switch.SetPhone("sim/sup", answers(500*time.Millisecond, 10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	callAlice(t, r, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: time.Second, HangupAfter: time.Minute})
	r.RunUntil(epoch.Add(10 * time.Second))
	var sup string
	do(t, r, "whisper", func(c *Core, now time.Time) (err error) {
		sup, err = c.Spy(now, "alice", pbx.SpyWhisper, "sim/sup", by)
		return err
	})
	return r, st, sup
}

// TestRestartKeepsSpy: the daemon dies while a supervisor whispers to
// alice (killed at 30 s, back at 35 s). The restarted daemon keeps the
// supervisor's leg, still whispering to alice, instead of hanging it up
// as a leg it does not know; the record says the whisper was kept.
func TestRestartKeepsSpy(t *testing.T) {
	var sup pbx.ChannelID
	r, rec := spyThenRestart(t, 30*time.Second, func(r *SimRun, ch pbx.ChannelID) {
		sup = ch
		st, ok := r.Switch.Channel(ch)
		if !ok || st.SpyMode != pbx.SpyWhisper || !st.Answered {
			t.Errorf("after the restart the supervisor's leg %s: up %v, %+v; want still whispering", ch, ok, st)
		}
	})
	if !hasStep(rec, "spy-kept-after-restart", "whisper "+string(sup)) {
		t.Errorf("no spy-kept-after-restart step for the whisper of %s: %s", sup, timelineKinds(rec))
	}
	if w := r.Core.Warnings(); w["stranded-leg"] != 0 || w["unknown-channel"] != 0 {
		t.Errorf("warnings %v", w)
	}
}

// TestRestartEndsSpyOfEndedCall: alice hangs up (at 61 s) while the daemon
// is down (58 s to 63 s). The supervisor's leg goes with her channel, as on
// Asterisk and FreeSWITCH; the restarted daemon finds it gone, and the
// record says so.
func TestRestartEndsSpyOfEndedCall(t *testing.T) {
	_, rec := spyThenRestart(t, 58*time.Second, func(r *SimRun, ch pbx.ChannelID) {
		if _, ok := r.Switch.Channel(ch); ok {
			t.Errorf("the supervisor's leg %s is still up after the restart, listening to nothing", ch)
		}
	})
	if !hasStep(rec, "spy-gone-during-gap", "whisper") {
		t.Errorf("no spy-gone-during-gap step naming the whisper: %s", timelineKinds(rec))
	}
}
