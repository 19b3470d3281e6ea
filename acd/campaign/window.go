package campaign

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Hours is a daily calling window: from From to To (times of day, To
// after From) on the given weekdays, in some time zone.
type Hours struct {
	From, To time.Duration // since midnight
	Days     [7]bool       // by time.Weekday; all false = every day
}

// DefaultLeadHours is 08:00-21:00 every day, in the lead's local time.
func DefaultLeadHours() Hours { return Hours{From: 8 * time.Hour, To: 21 * time.Hour} }

// ParseHours reads "08:00-21:00" with optional days: "09:00-17:30 mon-fri",
// "10:00-14:00 sat,sun".
func ParseHours(s string) (Hours, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 || len(fields) > 2 {
		return Hours{}, fmt.Errorf("hours %q: want HH:MM-HH:MM [days]", s)
	}
	a, b, ok := strings.Cut(fields[0], "-")
	if !ok {
		return Hours{}, fmt.Errorf("hours %q: want HH:MM-HH:MM", s)
	}
	var h Hours
	var err error
	if h.From, err = parseClock(a); err != nil {
		return Hours{}, fmt.Errorf("hours %q: %w", s, err)
	}
	if h.To, err = parseClock(b); err != nil {
		return Hours{}, fmt.Errorf("hours %q: %w", s, err)
	}
	if h.To <= h.From {
		return Hours{}, fmt.Errorf("hours %q: the end must be after the start (no windows over midnight)", s)
	}
	if len(fields) == 2 {
		if h.Days, err = parseDays(fields[1]); err != nil {
			return Hours{}, fmt.Errorf("hours %q: %w", s, err)
		}
	}
	return h, nil
}

func parseClock(s string) (time.Duration, error) {
	hh, mm, ok := strings.Cut(s, ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || err1 != nil || err2 != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("time of day %q: want HH:MM", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

var dayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

func dayIndex(s string) (int, error) {
	for i, n := range dayNames {
		if strings.EqualFold(s, n) {
			return i, nil
		}
	}
	return 0, fmt.Errorf("day %q: want one of %s", s, strings.Join(dayNames, ", "))
}

func parseDays(s string) ([7]bool, error) {
	var days [7]bool
	for part := range strings.SplitSeq(s, ",") {
		a, b, isRange := strings.Cut(part, "-")
		i, err := dayIndex(a)
		if err != nil {
			return days, err
		}
		j := i
		if isRange {
			if j, err = dayIndex(b); err != nil {
				return days, err
			}
		}
		for d := i; ; d = (d + 1) % 7 {
			days[d] = true
			if d == j {
				break
			}
		}
	}
	return days, nil
}

func (h Hours) onDay(d time.Weekday) bool {
	return h.Days == [7]bool{} || h.Days[d]
}

// window returns the window of the calendar day of t in loc.
func (h Hours) window(t time.Time, loc *time.Location) (start, end time.Time) {
	y, m, d := t.In(loc).Date()
	// Add the clock time as wall time, so a DST change that day does not
	// move the window: 08:00 is 08:00 on the clock.
	at := func(off time.Duration) time.Time {
		v := time.Date(y, m, d, int(off/time.Hour), int(off%time.Hour/time.Minute), 0, 0, loc)
		wall := time.Date(v.Year(), v.Month(), v.Day(), v.Hour(), v.Minute(), 0, 0, time.UTC)
		want := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Add(off)
		if wall.Equal(want) {
			return v
		}
		// The clock skipped that time (a spring-forward night): the
		// window opens, or closes, as the clock jumps past it. time.Date
		// puts such a time before the jump west of Greenwich (01:30 EST
		// for 02:30 in New York), so the jump ends the zone it lies in,
		// and after it east (03:30 CEST for 02:30 in Berlin), so the jump
		// begins that zone.
		jump, to := v.ZoneBounds()
		if wall.Before(want) {
			jump = to
		}
		if jump.IsZero() { // no change of zone there: cannot happen
			return v
		}
		return jump
	}
	return at(h.From), at(h.To)
}

// Open reports whether t falls in the window, in loc.
func (h Hours) Open(t time.Time, loc *time.Location) bool {
	if !h.onDay(t.In(loc).Weekday()) {
		return false
	}
	start, end := h.window(t, loc)
	return !t.Before(start) && t.Before(end)
}

// NextOpen returns t if the window is open then, else the next time it
// opens (within two weeks; the zero time if it never does).
func (h Hours) NextOpen(t time.Time, loc *time.Location) time.Time {
	for day := range 15 {
		probe := t
		if day > 0 {
			y, m, d := t.In(loc).Date()
			probe = time.Date(y, m, d+day, 12, 0, 0, 0, loc)
		}
		if !h.onDay(probe.In(loc).Weekday()) {
			continue
		}
		start, end := h.window(probe, loc)
		if !start.Before(end) {
			continue // the clock skipped the whole window that day
		}
		switch {
		case day == 0 && !t.Before(start) && t.Before(end):
			return t
		case start.After(t) || (day > 0 && !start.Before(t)):
			return start
		}
	}
	return time.Time{}
}

// Windows is where a lead may be called: the campaign's schedule in the call
// center's zone, and the lead's own hours in the lead's zone.
type Windows struct {
	Campaign    Hours
	CampaignLoc *time.Location
	Lead        Hours
}

// NextCallable returns the first time at or after t when both windows are
// open for a lead in leadLoc, or the zero time if none within two weeks.
func (w Windows) NextCallable(t time.Time, leadLoc *time.Location) time.Time {
	return w.NextCallableIn(t, leadLoc)
}

// NextCallableIn is NextCallable for a lead that may be in any of leadLocs
// (the zones of its number's area): its hours must be open in every one.
// With none, the lead's hours are read in the campaign's zone.
func (w Windows) NextCallableIn(t time.Time, leadLocs ...*time.Location) time.Time {
	if len(leadLocs) == 0 {
		leadLocs = []*time.Location{w.CampaignLoc}
	}
	limit := t.Add(15 * 24 * time.Hour)
	for t.Before(limit) {
		next := w.Campaign.NextOpen(t, w.CampaignLoc)
		if next.IsZero() {
			return next
		}
		for _, loc := range leadLocs {
			b := w.Lead.NextOpen(next, loc)
			if b.IsZero() {
				return b
			}
			if b.After(next) {
				next = b
			}
		}
		if w.Campaign.Open(next, w.CampaignLoc) && !slices.ContainsFunc(leadLocs, func(loc *time.Location) bool { return !w.Lead.Open(next, loc) }) {
			return next
		}
		// A window closed at next opens later: t moves on (by a minute
		// at least, should a window say open and closed at once).
		if next.After(t) {
			t = next
		} else {
			t = next.Add(time.Minute)
		}
	}
	return time.Time{}
}
