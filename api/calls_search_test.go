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
