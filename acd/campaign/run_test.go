package campaign

import (
	"errors"
	"testing"
)

func TestRunAction(t *testing.T) {
	for _, tc := range []struct {
		from   RunState
		action string
		want   RunState
		err    error
	}{
		{Stopped, ActionStart, Running, nil},
		{Stopped, ActionStop, Stopped, nil},
		{Stopped, ActionPause, Stopped, ErrIllegalTransition},
		{Stopped, ActionResume, Stopped, ErrIllegalTransition},
		{Running, ActionStart, Running, nil},
		{Running, ActionPause, Paused, nil},
		{Running, ActionResume, Running, ErrIllegalTransition},
		{Running, ActionStop, Stopped, nil},
		{Paused, ActionResume, Running, nil},
		{Paused, ActionStart, Running, nil},
		{Paused, ActionPause, Paused, nil},
		{Paused, ActionStop, Stopped, nil},
		{Running, "restart", Running, ErrUnknown},
	} {
		got, err := RunAction(tc.from, tc.action)
		if got != tc.want || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("%s %s: %s, %v; want %s, %v", tc.from, tc.action, got, err, tc.want, tc.err)
		}
	}
}

// A refused action says what the campaign is and what to do instead, not
// that a lead moved wrongly.
func TestRunActionRefusedSays(t *testing.T) {
	for _, tc := range []struct {
		from   RunState
		action string
		want   string
	}{
		{Stopped, ActionResume, "a stopped campaign cannot resume (start it): campaign: illegal transition"},
		{Stopped, ActionPause, "a stopped campaign cannot pause (start it): campaign: illegal transition"},
		{Running, ActionResume, "a running campaign cannot resume (it is dialing): campaign: illegal transition"},
	} {
		if _, err := RunAction(tc.from, tc.action); err == nil || err.Error() != tc.want {
			t.Errorf("%s %s: %v, want %q", tc.from, tc.action, err, tc.want)
		}
	}
}
