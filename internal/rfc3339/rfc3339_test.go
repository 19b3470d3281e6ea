package rfc3339

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	utc := func(h, m, s int) time.Time { return time.Date(2026, 12, 31, h, m, s, 0, time.UTC) }
	for _, c := range []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{in: "2026-12-31T15:00:00Z", want: utc(15, 0, 0)},
		{in: "2026-12-31t15:00:00z", want: utc(15, 0, 0)},
		{in: "2026-12-31T10:00:00-05:00", want: utc(15, 0, 0)},
		{in: "2026-12-31T23:59:60Z", want: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{in: "2026-12-31T18:59:60-05:00", want: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{in: "2026-12-31T23:59:60+01:00", bad: true}, // 22:59:60 UTC: no leap second then
		{in: "2026-12-31T23:59:60.5Z", want: time.Date(2027, 1, 1, 0, 0, 0, 5e8, time.UTC)},
		{in: "2026-12-31T12:30:60Z", bad: true},
		{in: "2026-12-31T15:00:00", bad: true},
		{in: "2026-12-31x15:00:00Z", bad: true},
		{in: "tomorrow", bad: true},
	} {
		got, err := Parse(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("%s: %v; want refused", c.in, got)
			}
			continue
		}
		if err != nil || !got.Equal(c.want) {
			t.Errorf("%s: %v %v; want %v", c.in, got, err, c.want)
		}
	}
}
