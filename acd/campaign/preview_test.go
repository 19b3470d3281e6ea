package campaign

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// TestLeadPreviewReservation: a lead shown to an agent is held for them
// until its reservation ends, and the hold survives a round trip through
// JSON (the store's form); dialing or skipping it ends the hold, a skip
// keeps its state and attempts; a lead that cannot be dialed cannot be
// shown or skipped.
func TestLeadPreviewReservation(t *testing.T) {
	l := Lead{ID: "l1", State: Scheduled, Attempts: 1, NextAttempt: t0.Add(-time.Minute)}
	if got := l.ReservedFor(t0); got != "" {
		t.Fatalf("a lead never shown is reserved for %q", got)
	}
	r, err := Reserve(l, "a1", t0.Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Lead
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   time.Time
		want string
	}{{t0, "a1"}, {t0.Add(29 * time.Second), "a1"}, {t0.Add(30 * time.Second), ""}, {t0.Add(time.Hour), ""}} {
		if got := back.ReservedFor(c.at); got != c.want {
			t.Errorf("reserved at %s: %q, want %q", c.at.Sub(t0), got, c.want)
		}
	}

	d, err := StartDial(back, t0.Add(time.Second))
	if err != nil || d.State != Dialing || d.Attempts != 2 || d.PreviewAgent != "" || !d.PreviewUntil.IsZero() {
		t.Errorf("dialed: %+v %v; want dialing, attempt 2, no reservation", d, err)
	}
	s, err := Skip(back, t0.Add(5*time.Minute))
	if err != nil || s.State != Scheduled || s.Attempts != 1 || !s.NextAttempt.Equal(t0.Add(5*time.Minute)) || s.ReservedFor(t0) != "" {
		t.Errorf("skipped: %+v %v; want scheduled, 1 attempt, next in 5 min, no reservation", s, err)
	}
	if rl := Release(back); rl.ReservedFor(t0) != "" || rl.NextAttempt != back.NextAttempt || rl.State != back.State {
		t.Errorf("released: %+v", rl)
	}

	done := Lead{ID: "l2", State: Done}
	if _, err := Reserve(done, "a1", t0.Add(time.Minute)); !errors.Is(err, ErrIllegalTransition) {
		t.Errorf("a done lead shown: %v", err)
	}
	if _, err := Skip(Lead{ID: "l3", State: Dialing}, t0); !errors.Is(err, ErrIllegalTransition) {
		t.Errorf("a dialing lead skipped: %v", err)
	}
	if _, err := Reserve(l, "", t0.Add(time.Minute)); err == nil {
		t.Error("a reservation for no agent was accepted")
	}
}
