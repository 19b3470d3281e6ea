package dialer

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// What a pacer learned comes back whole after a restart: the encoding of
// the restored pacer is the original's, and the two pace every moment
// alike; a new pacer given the same abandonment window alone dials as a
// new campaign does, fewer calls ahead.
func TestLearnedSurvivesARestart(t *testing.T) {
	now := t0.Add(3 * time.Hour)
	p := seasoned(t, 2*keep+37, now) // past keep: the talk ring has wrapped
	// Dials not yet ripe, and a bias learned.
	p.DialEnded(now.Add(-20*time.Second), now.Add(-5*time.Second), true)
	p.DialEnded(now.Add(-12*time.Second), now.Add(-time.Second), false)
	p.bias, p.learnedAt = 0.37, 1234
	for range 300 {
		p.Connected(now.Add(-time.Minute), false)
	}
	p.Connected(now.Add(-time.Minute), true)

	data := p.MarshalLearned()
	restarted := func() *Pacer {
		q := newPacer(t, Predictive)
		for h := now.Add(-2 * time.Hour); !h.After(now); h = h.Add(time.Hour) {
			if live, ab := p.AbandonHour(h); live+ab > 0 {
				q.RestoreHour(h, live, ab)
			}
		}
		return q
	}
	q := restarted()
	if err := q.RestoreLearned(data); err != nil {
		t.Fatal(err)
	}
	if again := q.MarshalLearned(); !bytes.Equal(again, data) {
		t.Fatalf("restored pacer encodes to %d bytes unlike the original's %d", len(again), len(data))
	}
	if q.DialSamples() != p.DialSamples() || q.Changes() != 0 {
		t.Errorf("restored: %d dial samples (want %d), %d changes (want 0)", q.DialSamples(), p.DialSamples(), q.Changes())
	}
	fresh := restarted()
	p.tab = tables{} // the original's tables rebuilt, as the restored pacer's are
	ahead := 0
	for free := 0; free <= 10; free++ {
		for talking := 0; talking <= 30; talking += 10 {
			s := Snapshot{Now: now, FreeAgents: free, Busy: ago(now, spread(talking, 200)...), Ringing: ago(now, 1, 3, 5)}
			want, got := p.Pace(s), q.Pace(s)
			if got != want {
				t.Errorf("%d free, %d talking: restored pacer places %d, the original %d", free, talking, got, want)
			}
			ahead += got - fresh.Pace(s)
		}
	}
	if ahead <= 0 {
		t.Errorf("a pacer with only the window back dials as far ahead as the restored one (%d calls more in all)", ahead)
	}
}

// spread returns n ages from 1 s to most s.
func spread(n int, most float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = 1 + most*float64(i)/float64(max(1, n))
	}
	return out
}

// A damaged encoding is refused, naming what could not be read, and leaves
// the pacer as it was.
func TestRestoreLearnedRefusesDamage(t *testing.T) {
	now := t0.Add(time.Hour)
	good := seasoned(t, 50, now).MarshalLearned()
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "version: cut short"},
		{"version", append([]byte{9}, good[1:]...), "version 9"},
		{"cut", good[:len(good)-3], "cut short"},
		{"trailing", append(append([]byte(nil), good...), 0), "1 bytes after the end"},
		{"count", []byte{1, 0xff, 0xff, 0xff, 0x7f}, "dial outcomes: 268435455, more than 8000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := seasoned(t, 20, now)
			before := p.MarshalLearned()
			err := p.RestoreLearned(tc.data)
			if !errors.Is(err, ErrBadLearned) || !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
				t.Fatalf("error %v; want ErrBadLearned naming %q", err, tc.want)
			}
			if !bytes.Equal(p.MarshalLearned(), before) {
				t.Error("a refused restore changed the pacer")
			}
		})
	}
}
