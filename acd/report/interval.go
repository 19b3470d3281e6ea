package report

import (
	"fmt"
	"time"
)

// Interval is the length of a report's rows.
type Interval string

// Intervals a report can be cut into. IntervalPeriod is one row for the
// whole period.
const (
	Interval15m    Interval = "15m"
	IntervalHour   Interval = "hour"
	IntervalDay    Interval = "day"
	IntervalWeek   Interval = "week"
	IntervalMonth  Interval = "month"
	IntervalPeriod Interval = "period"
)

// ParseInterval reads an interval by name ("1h" and "hour" alike).
func ParseInterval(s string) (Interval, error) {
	switch s {
	case "15m", "15min", "quarter":
		return Interval15m, nil
	case "hour", "1h", "60m":
		return IntervalHour, nil
	case "day", "24h":
		return IntervalDay, nil
	case "week":
		return IntervalWeek, nil
	case "month":
		return IntervalMonth, nil
	case "period", "total", "":
		return IntervalPeriod, nil
	}
	return "", fmt.Errorf("interval %q: %w (want 15m, hour, day, week, month or period)", s, ErrBadOption)
}

// clock cuts time into intervals of one kind in one time zone, and clips
// them to the period [from, to).
type clock struct {
	iv       Interval
	loc      *time.Location
	from, to time.Time
}

// start is the start of the interval holding t.
func (c clock) start(t time.Time) time.Time {
	switch c.iv {
	case Interval15m:
		return floorLocal(t, c.loc, 15*60)
	case IntervalHour:
		return floorLocal(t, c.loc, 3600)
	case IntervalDay:
		l := t.In(c.loc)
		return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, c.loc)
	case IntervalWeek:
		l := t.In(c.loc)
		back := (int(l.Weekday()) + 6) % 7 // days since Monday
		return time.Date(l.Year(), l.Month(), l.Day()-back, 0, 0, 0, 0, c.loc)
	case IntervalMonth:
		l := t.In(c.loc)
		return time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, c.loc)
	}
	return c.from
}

// next is the start of the interval after the one starting at s.
func (c clock) next(s time.Time) time.Time {
	switch c.iv {
	case Interval15m:
		return s.Add(15 * time.Minute)
	case IntervalHour:
		return s.Add(time.Hour)
	case IntervalDay:
		l := s.In(c.loc)
		return time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, c.loc)
	case IntervalWeek:
		l := s.In(c.loc)
		return time.Date(l.Year(), l.Month(), l.Day()+7, 0, 0, 0, 0, c.loc)
	case IntervalMonth:
		l := s.In(c.loc)
		return time.Date(l.Year(), l.Month()+1, 1, 0, 0, 0, 0, c.loc)
	}
	return c.to
}

// floorLocal floors t to a multiple of step seconds of the local clock. It
// works on the absolute time shifted by the offset in force at t, so the
// hour repeated when clocks go back gives two intervals, not one.
func floorLocal(t time.Time, loc *time.Location, step int64) time.Time {
	_, off := t.In(loc).Zone()
	local := t.Unix() + int64(off)
	r := ((local % step) + step) % step
	return time.Unix(t.Unix()-r, 0).In(loc)
}

// CountStarts counts the intervals that cover [from, to) in loc, up to
// max+1: enough to refuse a period of too many without listing them.
func CountStarts(iv Interval, loc *time.Location, from, to time.Time, max int) int {
	c := clock{iv: iv, loc: loc, from: from, to: to}
	n := 0
	for s := c.start(from); s.Before(to) && n <= max; s = c.next(s) {
		n++
	}
	return n
}

// Starts lists the starts of the intervals that cover [from, to) in loc.
func Starts(iv Interval, loc *time.Location, from, to time.Time) []time.Time {
	c := clock{iv: iv, loc: loc, from: from, to: to}
	var out []time.Time
	for s := c.start(from); s.Before(to); s = c.next(s) {
		out = append(out, s)
	}
	return out
}
