package report

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/store"
)

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	return loc
}

// Days follow the local calendar: the day clocks go forward has 23 hours,
// the day they go back 25, and each is one row.
func TestDaysFollowDST(t *testing.T) {
	loc := berlin(t)
	from := time.Date(2026, 3, 28, 0, 0, 0, 0, loc)
	to := time.Date(2026, 3, 31, 0, 0, 0, 0, loc)
	starts := Starts(IntervalDay, loc, from, to)
	if len(starts) != 3 {
		t.Fatalf("%d days from %s to %s, want 3: %v", len(starts), from, to, starts)
	}
	c := clock{iv: IntervalDay, loc: loc}
	for i, want := range []time.Duration{24 * time.Hour, 23 * time.Hour, 24 * time.Hour} {
		if got := c.next(starts[i]).Sub(starts[i]); got != want {
			t.Errorf("day %s lasts %v, want %v", starts[i].Format("2006-01-02"), got, want)
		}
		if h := starts[i].Hour(); h != 0 {
			t.Errorf("day %d starts at local hour %d", i, h)
		}
	}
	autumn := time.Date(2026, 10, 25, 0, 0, 0, 0, loc)
	if got := c.next(autumn).Sub(autumn); got != 25*time.Hour {
		t.Errorf("25 October 2026 in Berlin lasts %v, want 25h", got)
	}
	hours := Starts(IntervalHour, loc, autumn, c.next(autumn))
	if len(hours) != 25 {
		t.Errorf("%d hour rows on the day clocks go back, want 25", len(hours))
	}
	quarters := Starts(Interval15m, loc, autumn, c.next(autumn))
	if len(quarters) != 100 {
		t.Errorf("%d 15-minute rows on the day clocks go back, want 100", len(quarters))
	}
	// Every start is on a local quarter-hour, and the two 02:00 rows differ.
	twoAM := 0
	for _, s := range quarters {
		if s.Minute()%15 != 0 || s.Second() != 0 {
			t.Errorf("15-minute row starts at %s", s)
		}
		if s.Hour() == 2 && s.Minute() == 0 {
			twoAM++
		}
	}
	if twoAM != 2 {
		t.Errorf("%d rows start at local 02:00 on the day clocks go back, want 2", twoAM)
	}
}

// A time zone half an hour off UTC still gets rows on its own hours.
func TestHoursAlignToLocalClock(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Skip(err)
	}
	c := clock{iv: IntervalHour, loc: loc}
	at := time.Date(2026, 5, 4, 10, 47, 12, 0, loc)
	if got, want := c.start(at), time.Date(2026, 5, 4, 10, 0, 0, 0, loc); !got.Equal(want) {
		t.Errorf("hour of %s starts %s, want %s", at, got, want)
	}
	c.iv = Interval15m
	if got, want := c.start(at), time.Date(2026, 5, 4, 10, 45, 0, 0, loc); !got.Equal(want) {
		t.Errorf("quarter of %s starts %s, want %s", at, got, want)
	}
}

func TestWeeksStartMondayMonthsOnTheFirst(t *testing.T) {
	loc := berlin(t)
	sunday := time.Date(2026, 11, 29, 23, 30, 0, 0, loc)
	c := clock{iv: IntervalWeek, loc: loc}
	if got, want := c.start(sunday), time.Date(2026, 11, 23, 0, 0, 0, 0, loc); !got.Equal(want) {
		t.Errorf("week of Sunday %s starts %s, want Monday %s", sunday, got, want)
	}
	c.iv = IntervalMonth
	if got, want := c.next(c.start(sunday)), time.Date(2026, 12, 1, 0, 0, 0, 0, loc); !got.Equal(want) {
		t.Errorf("month after that of %s starts %s, want %s", sunday, got, want)
	}
	// October 2026 in Berlin has 31 days and one extra hour.
	oct := time.Date(2026, 10, 1, 0, 0, 0, 0, loc)
	if got := c.next(oct).Sub(oct); got != 31*24*time.Hour+time.Hour {
		t.Errorf("October 2026 lasts %v", got)
	}
}

func TestParseInterval(t *testing.T) {
	for in, want := range map[string]Interval{"15m": Interval15m, "hour": IntervalHour, "1h": IntervalHour, "day": IntervalDay,
		"week": IntervalWeek, "month": IntervalMonth, "": IntervalPeriod} {
		if got, err := ParseInterval(in); err != nil || got != want {
			t.Errorf("ParseInterval(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseInterval("fortnight"); err == nil {
		t.Error("fortnight accepted")
	}
}

// A period outside the years the store's time keys hold (nanoseconds since
// 1970 in an int64) is refused by name: year 1000 wrapped around and read
// the agent changes out of order, year 1 read as no time at all.
func TestParseTimeOutOfRange(t *testing.T) {
	for _, s := range []string{"1000-01-01", "0001-01-01", "9999-01-01T00:00:00Z", "1600-06-01T10:00"} {
		if _, err := ParseTime(s, time.UTC); err == nil || !strings.Contains(err.Error(), "years 1900 to 2200") {
			t.Errorf("ParseTime(%q): %v; want it refused naming the years", s, err)
		}
	}
	if _, err := ParseTime("2026-11-30", time.UTC); err != nil {
		t.Error(err)
	}
}

// A period's rows start and end in the report's zone, though its end was
// given in another (a --to in UTC, or now): a CSV's start and end columns
// read alike.
func TestPeriodEndInReportZone(t *testing.T) {
	zone := berlin(t)
	rec := call("a", "sales", at(1, 0), time.Second, acd.OutcomeAnswered, "ann")
	r := build(t, Options{From: t0.In(zone), To: t0.Add(time.Hour).UTC(), Interval: IntervalPeriod, Location: zone},
		[]store.CallRecord{rec}, nil)
	if len(r.Rows.Queues) != 1 {
		t.Fatalf("rows %+v", r.Rows.Queues)
	}
	if q := r.Rows.Queues[0]; q.Start.Location() != zone || q.End.Location() != zone || !q.End.Equal(t0.Add(time.Hour)) {
		t.Errorf("start %v, end %v; want both in Europe/Berlin", q.Start, q.End)
	}
}

// A period that does not begin or end on its interval's edges (10:07 to
// 10:52 by 15 minutes, or "the last 24 h" by hour) has first and last rows
// that count only part of their interval: their start and end say which,
// rather than the whole interval's, whose figures they are not.
func TestRowsClippedToThePeriod(t *testing.T) {
	from, to := t0.Add(7*time.Minute), t0.Add(52*time.Minute)
	recs := []store.CallRecord{
		call("a", "sales", from.Add(time.Minute), time.Second, acd.OutcomeAnswered, "ann"),
		call("b", "sales", t0.Add(20*time.Minute), time.Second, acd.OutcomeAnswered, "ann"),
		call("c", "sales", to.Add(-time.Minute), time.Second, acd.OutcomeAnswered, "ann"),
	}
	r := build(t, Options{From: from, To: to, Interval: Interval15m, Location: time.UTC}, recs, nil)
	var got []string
	for _, q := range r.Rows.Queues {
		got = append(got, q.Start.Format("15:04")+"-"+q.End.Format("15:04"))
	}
	want := []string{"09:07-09:15", "09:15-09:30", "09:45-09:52"}
	if !slices.Equal(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
}
