package api

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestParseCallQuerySearchKeys(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	v := url.Values{"number": {"+12125550101"}, "contact": {"7"}, "campaign": {"renewals"}, "disposition": {"solved"},
		"text": {"router"}, "agent": {"alice"}, "from": {"720h"}}
	q, err := ParseCallQuery(v.Get, now)
	f := q.Filter
	if err != nil || f.Number != "+12125550101" || f.Contact != 7 || f.Campaign != "renewals" || f.Disposition != "solved" ||
		f.Text != "router" || f.Agent != "alice" || !f.From.Equal(now.Add(-720*time.Hour)) {
		t.Fatalf("%+v %v", f, err)
	}
	for _, bad := range []string{"0", "-3", "x7"} {
		if _, err := ParseCallQuery(url.Values{"contact": {bad}}.Get, now); err == nil || !strings.Contains(err.Error(), "contact") {
			t.Errorf("contact=%s: %v", bad, err)
		}
	}
}

// A time past what the store's keys hold (nanoseconds since 1970 in an
// int64) is refused by name: to=9999-12-31 meant "no end" and listed nothing.
func TestParseCallQueryTimeRange(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, v := range []url.Values{{"to": {"9999-12-31T00:00:00Z"}}, {"from": {"1000-01-01T00:00:00Z"}}, {"from": {"0001-01-01T00:00:00Z"}}} {
		if _, err := ParseCallQuery(v.Get, now); err == nil || !strings.Contains(err.Error(), "years 1900 to 2200") {
			t.Errorf("%v: %v; want it refused naming the years", v, err)
		}
	}
}
