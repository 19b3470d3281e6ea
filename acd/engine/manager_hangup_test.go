package engine

import (
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/acd/sim"
)

// TestManagerHangupIsNotTheCaller: an administrator kills channels from the
// switch's console (FreeSWITCH uuid_kill: cause MANAGER_REQUEST) while ch-1
// talks to alice and ch-2 waits. Neither caller hung up: both records say
// the system did, ch-2 is not counted abandoned (its queue counts none) and
// ends failed, ch-1 ends answered with alice in wrap-up. A caller who hangs
// up (ch-3) is still abandoned.
func TestManagerHangupIsNotTheCaller(t *testing.T) {
	c, st, _ := talking(t, epoch.Add(2*time.Second))
	at := epoch.Add(4 * time.Second)
	c.Handle(at, pbx.CallArrived{Base: pbx.Base{Channel: "ch-2", At: at}, Caller: "556", Called: "100"})
	c.Handle(at, pbx.CallArrived{Base: pbx.Base{Channel: "ch-3", At: at}, Caller: "557", Called: "100"})
	kill := epoch.Add(10 * time.Second)
	for _, ch := range []pbx.ChannelID{"ch-2", "ch-1"} {
		c.Handle(kill, pbx.HungUp{Base: pbx.Base{Channel: ch, At: kill}, Cause: pbx.CauseManagerRequest})
	}
	c.Handle(kill, pbx.HungUp{Base: pbx.Base{Channel: "ch-3", At: kill}, Cause: pbx.CauseNormal})

	want := map[string]struct {
		by      acd.HangupBy
		outcome acd.Outcome
	}{
		"ch-1": {acd.HangupSystem, acd.OutcomeAnswered},
		"ch-2": {acd.HangupSystem, acd.OutcomeFailed},
		"ch-3": {acd.HangupCaller, acd.OutcomeAbandoned},
	}
	for _, r := range records(st) {
		w, ok := want[r.Channel]
		if !ok {
			continue
		}
		delete(want, r.Channel)
		if r.HangupBy != w.by || r.Outcome != w.outcome {
			t.Errorf("%s: hung up by %s, outcome %s (timeline %s); want %s, %s", r.Channel, r.HangupBy, r.Outcome, timelineKinds(r), w.by, w.outcome)
		}
		if w.by == acd.HangupSystem && (r.Cause != "manager-request" || !hasStepKind(&r, "switch-hangup")) {
			t.Errorf("%s: cause %q, timeline %s; want manager-request and a switch-hangup step", r.Channel, r.Cause, timelineKinds(r))
		}
	}
	if len(want) > 0 {
		t.Errorf("no record of %v", want)
	}
	s := c.Status(kill)
	if q := s.Queues[0]; q.Abandoned != 1 {
		t.Errorf("queue abandoned %d, want 1 (ch-3 alone)", q.Abandoned)
	}
	for _, a := range s.Agents {
		if a.ID == "alice" && a.State != acd.WrapUp.String() {
			t.Errorf("alice: %s; want in wrap-up after her call", a.State)
		}
	}
}

// TestManagerHangupKeepsVoicemail: a caller leaving a voicemail is killed
// from the switch's console: the message is kept and becomes the queue's
// callback task, as when the caller hangs up, and the record says the
// system hung up.
func TestManagerHangupKeepsVoicemail(t *testing.T) {
	night := time.Date(2026, 1, 5, 20, 0, 0, 0, time.UTC) // a Monday, after 17:00
	st := newMemStore()
	r, err := NewSimRun(SimOptions{Core: Options{Config: parseConfig(t, voicemailConfig), Store: st}, Start: night,
		Sim: sim.Options{PromptLength: 2 * time.Second, Latency: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Switch.PlaceCall(farend.CallScript{From: "5550001", To: "100", HangupAfter: time.Minute}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(night.Add(12 * time.Second))
	if err := r.Do(func(c *Core, now time.Time) error {
		for _, cl := range c.calls {
			c.Handle(now, pbx.HungUp{Base: pbx.Base{Channel: cl.ch, At: now}, Cause: pbx.CauseManagerRequest})
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r.RunUntil(night.Add(2 * time.Minute))
	recs := records(st)
	if len(recs) != 1 {
		t.Fatalf("records %+v", recs)
	}
	rec := recs[0]
	if rec.Outcome != acd.OutcomeCallback || rec.HangupBy != acd.HangupSystem || !hasStepKind(&rec, "switch-hangup") {
		t.Errorf("record: outcome %s, hung up by %s, timeline %s; want callback, by the system", rec.Outcome, rec.HangupBy, timelineKinds(rec))
	}
	st.mu.Lock()
	_, ok := st.callbacks["cb-"+rec.ID]
	st.mu.Unlock()
	if !ok {
		t.Errorf("no callback task for the voicemail left")
	}
}
