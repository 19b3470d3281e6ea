package report

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/internal/rfc3339"
	"github.com/hotline-cc/hotline/store"
)

// Query is a report asked for by name: the kind, the period, the interval
// and the counting rules, as the command line and the API spell them.
type Query struct {
	Kind    Kind
	Format  string
	Options Options
}

// ParseQuery reads a report request from URL query values: from, to
// (RFC 3339, a local date or date and time in tz: 2026-01-05,
// 2026-01-05T09:00, or a duration back from now: 24h; to defaults to now
// after such a from), interval, tz (an IANA zone name), short_abandon (a
// duration) and format. threshold gives each queue's service-level
// threshold. Every problem is named.
func ParseQuery(kind string, v url.Values, now time.Time, threshold func(string) time.Duration) (Query, error) {
	var q Query
	var problems []string
	bad := func(err error) {
		if err != nil {
			problems = append(problems, err.Error())
		}
	}
	k, err := ParseKind(kind)
	bad(err)
	q.Kind = k
	loc := time.UTC
	if tz := v.Get("tz"); tz != "" {
		if l, err := time.LoadLocation(tz); err != nil {
			bad(fmt.Errorf("tz %q: not a known time zone", tz))
		} else {
			loc = l
		}
	}
	q.Options.Location = loc
	back := false // from is a duration back from now: to may be left out, for now
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"from", &q.Options.From}, {"to", &q.Options.To}} {
		s := v.Get(f.name)
		if s == "" && f.name == "to" && back {
			*f.dst = now
			continue
		}
		if s == "" {
			if f.name == "to" {
				bad(errors.New("to is required, unless from is a duration back from now (24h)"))
			} else {
				bad(fmt.Errorf("%s is required", f.name))
			}
			continue
		}
		if _, err := time.ParseDuration(s); err == nil && f.name == "from" {
			back = true
		}
		t, err := ParseWhen(s, loc, now)
		if err != nil {
			bad(fmt.Errorf("%s %w", f.name, err))
		}
		*f.dst = t
	}
	iv, err := ParseInterval(v.Get("interval"))
	bad(err)
	q.Options.Interval = iv
	if s := v.Get("short_abandon"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			bad(fmt.Errorf("short_abandon %q: want a duration such as 5s", s))
		}
		q.Options.ShortAbandon = d
	}
	q.Format = v.Get("format")
	switch q.Format {
	case "", FormatTable, FormatCSV, FormatJSON:
	default:
		bad(fmt.Errorf("format %q: want table, csv or json", q.Format))
	}
	if len(problems) == 0 && !q.Options.To.After(q.Options.From) {
		to := v.Get("to")
		if to == "" {
			to = "(now)" // from a duration back, to left out
		}
		bad(fmt.Errorf("to %s is not after from %s", to, v.Get("from")))
	}
	q.Options.Threshold = threshold
	if len(problems) > 0 {
		return q, fmt.Errorf("%w: %s", ErrBadOption, strings.Join(problems, "; "))
	}
	return q, nil
}

// ParseTime reads RFC 3339, or a date or date and time of the local clock
// in loc.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	t, err := rfc3339.Parse(s)
	for _, layout := range []string{"2006-01-02", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if err == nil {
			break
		}
		t, err = time.ParseInLocation(layout, s, loc)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: want 2006-01-02, 2006-01-02T15:04 or RFC 3339", s)
	}
	if err := store.CheckTime(t); err != nil {
		return time.Time{}, fmt.Errorf("%q: %w", s, err)
	}
	return t, nil
}

// ParseWhen is ParseTime that also takes a duration back from now (24h).
func ParseWhen(s string, loc *time.Location, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("%q: a duration back from now must not be negative", s)
		}
		return now.Add(-d), nil
	}
	t, err := ParseTime(s, loc)
	if err != nil {
		return t, fmt.Errorf("%w, or a duration back from now (24h)", err)
	}
	return t, nil
}

// Values is q as URL query values, the inverse of ParseQuery.
func (q Query) Values() url.Values {
	v := url.Values{}
	loc := q.Options.Location
	if loc == nil {
		loc = time.UTC
	}
	v.Set("from", q.Options.From.Format(time.RFC3339))
	v.Set("to", q.Options.To.Format(time.RFC3339))
	v.Set("tz", loc.String())
	v.Set("interval", string(q.Options.Interval))
	if q.Options.ShortAbandon > 0 {
		v.Set("short_abandon", q.Options.ShortAbandon.String())
	}
	if q.Format != "" {
		v.Set("format", q.Format)
	}
	return v
}

// LoadZone is the IANA time zone named tz, as a query sent to the daemon
// names it. "Local" is refused there: it would be the daemon's machine's
// zone, which the asker cannot see (the CLI reads "Local" as its own and
// sends the zone's name).
func LoadZone(tz string) (*time.Location, error) {
	if tz == "Local" {
		return nil, fmt.Errorf("tz %q: name an IANA time zone (Europe/Berlin); Local would be the server's, which the report cannot show", tz)
	}
	l, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("tz %q: not a known time zone", tz)
	}
	return l, nil
}
