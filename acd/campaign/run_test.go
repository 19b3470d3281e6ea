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
