package esl

import (
	"testing"
	"time"
)

// TestUptime reads FreeSWITCH's uptime out of the first line of "status",
// with its singular and plural units.
func TestUptime(t *testing.T) {
	for _, tc := range []struct {
		status string
		want   time.Duration
		ok     bool
	}{
		{"UP 0 years, 0 days, 0 hours, 0 minutes, 35 seconds, 574 milliseconds, 401 microseconds\nFreeSWITCH (Version 1.11.0) is ready\n",
			35*time.Second + 574*time.Millisecond + 401*time.Microsecond, true},
		{"UP 1 year, 1 day, 1 hour, 1 minute, 1 second, 1 millisecond, 1 microsecond\n",
			366*24*time.Hour + time.Hour + time.Minute + time.Second + time.Millisecond + time.Microsecond, true},
		{"UP 0 years, 2 days, 3 hours, 0 minutes, 0 seconds, 0 milliseconds, 0 microseconds\n", 51 * time.Hour, true},
		{"UP 0 years, 0 fortnights, 1 second\n", 0, false},
		{"-ERR no reply\n", 0, false},
		{"", 0, false},
	} {
		got, ok := uptime(tc.status)
		if got != tc.want || ok != tc.ok {
			t.Errorf("uptime(%q) = %v, %v; want %v, %v", tc.status, got, ok, tc.want, tc.ok)
		}
	}
}
