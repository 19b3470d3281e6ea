package contact

import (
	"errors"
	"testing"
	"time"
)

func TestTaskMoves(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		moves func(*Task) error
		state TaskState
		ok    bool
	}{
		{"claim", func(k *Task) error { return k.Claim("ann", now) }, TaskClaimed, true},
		{"claim twice", func(k *Task) error { k.Claim("ann", now); return k.Claim("bob", now) }, TaskClaimed, false},
		{"close", func(k *Task) error { k.Claim("ann", now); return k.Close("ann", "reached", now) }, TaskClosed, true},
		{"close without result", func(k *Task) error { k.Claim("ann", now); return k.Close("ann", "", now) }, TaskClaimed, false},
		{"close by another", func(k *Task) error { k.Claim("ann", now); return k.Close("bob", "reached", now) }, TaskClaimed, false},
		{"close open", func(k *Task) error { return k.Close("ann", "reached", now) }, TaskOpen, false},
		{"release", func(k *Task) error { k.Claim("ann", now); return k.Release("ann") }, TaskOpen, true},
		{"release by another", func(k *Task) error { k.Claim("ann", now); return k.Release("bob") }, TaskClaimed, false},
		{"reopen closed", func(k *Task) error {
			k.Claim("ann", now)
			k.Close("ann", "reached", now)
			return k.Claim("bob", now)
		}, TaskClosed, false},
	} {
		k := &Task{ID: "t1", State: TaskOpen}
		err := tc.moves(k)
		if (err == nil) != tc.ok || k.State != tc.state || (err != nil && !errors.Is(err, ErrTaskMove)) {
			t.Errorf("%s: state %s, err %v; want %s, ok %t", tc.name, k.State, err, tc.state, tc.ok)
		}
	}
}
