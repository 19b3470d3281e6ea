package report

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// A report's from and to take a duration back from now, as the calls list
// does; after such a from, to may be left out for now. A date still needs
// its to, and a negative duration is refused by name.
func TestParseQueryDurations(t *testing.T) {
	now := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
	none := func(string) time.Duration { return 0 }
	q, err := ParseQuery("queues", url.Values{"from": {"24h"}}, now, none)
	if err != nil || !q.Options.From.Equal(now.Add(-24*time.Hour)) || !q.Options.To.Equal(now) {
		t.Errorf("from=24h: %v to %v, %v; want the last day to now", q.Options.From, q.Options.To, err)
	}
	q, err = ParseQuery("queues", url.Values{"from": {"48h"}, "to": {"24h"}}, now, none)
	if err != nil || !q.Options.From.Equal(now.Add(-48*time.Hour)) || !q.Options.To.Equal(now.Add(-24*time.Hour)) {
		t.Errorf("from=48h&to=24h: %v to %v, %v", q.Options.From, q.Options.To, err)
	}
	for _, tc := range []struct {
		v    url.Values
		want string
	}{
		{url.Values{"from": {"2026-03-09"}}, "to is required"},
		{url.Values{"from": {"-2h"}}, `from "-2h": a duration back from now must not be negative`},
		{url.Values{"from": {"monday"}, "to": {"1h"}}, "or a duration back from now (24h)"},
	} {
		if _, err := ParseQuery("queues", tc.v, now, none); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error saying %s", tc.v, err, tc.want)
		}
	}
}

// "Local" is whichever machine reads the query: the daemon's zone for one
// sent to it, which the asker cannot see. It is refused; an IANA name is not.
func TestLoadZoneRefusesLocal(t *testing.T) {
	if _, err := LoadZone("Local"); err == nil {
		t.Error("Local accepted")
	}
	if l, err := LoadZone("Europe/Berlin"); err != nil || l.String() != "Europe/Berlin" {
		t.Errorf("Europe/Berlin: %v %v", l, err)
	}
}
