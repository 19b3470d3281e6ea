package main

import (
	"io/fs"
	"strings"
	"testing"
)

// TestLocalZoneName: a report with no --tz names this machine's zone as
// IANA does, never "Local" (which the daemon refuses, as it would be its
// own machine's zone): from TZ, the /etc/localtime link, /etc/timezone, or
// UTC on a machine with no zone set; a zone it cannot name is an error
// that says to give --tz.
func TestLocalZoneName(t *testing.T) {
	type machine struct {
		tz       *string
		link     string
		timezone string
		copied   bool // /etc/localtime a file, not a link
	}
	str := func(s string) *string { return &s }
	for _, c := range []struct {
		name    string
		m       machine
		want    string
		wantErr string
	}{
		{"TZ", machine{tz: str("Europe/Berlin"), link: "/usr/share/zoneinfo/Asia/Tokyo"}, "Europe/Berlin", ""},
		{"TZ with colon", machine{tz: str(":America/New_York")}, "America/New_York", ""},
		{"TZ empty", machine{tz: str(""), link: "/usr/share/zoneinfo/Asia/Tokyo"}, "UTC", ""},
		{"TZ bad", machine{tz: str("Mars/Olympus")}, "", "TZ variable"},
		{"link", machine{link: "/usr/share/zoneinfo/Etc/UTC"}, "Etc/UTC", ""},
		{"relative link", machine{link: "../usr/share/zoneinfo/Europe/Paris"}, "Europe/Paris", ""},
		{"timezone file", machine{copied: true, timezone: "Asia/Tokyo\n"}, "Asia/Tokyo", ""},
		{"none", machine{}, "UTC", ""},
		{"unnamed", machine{copied: true}, "", "--tz"},
	} {
		z := zoneSource{
			lookupEnv: func(string) (string, bool) {
				if c.m.tz == nil {
					return "", false
				}
				return *c.m.tz, true
			},
			readlink: func(string) (string, error) {
				if c.m.link == "" {
					return "", fs.ErrInvalid
				}
				return c.m.link, nil
			},
			readFile: func(name string) ([]byte, error) {
				switch {
				case name == "/etc/timezone" && c.m.timezone != "":
					return []byte(c.m.timezone), nil
				case name == "/etc/localtime" && (c.m.copied || c.m.link != ""):
					return []byte("TZif"), nil
				}
				return nil, fs.ErrNotExist
			},
		}
		got, err := z.localZoneName()
		if got != c.want || (err == nil) != (c.wantErr == "") || err != nil && !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s: %q, %v; want %q, error with %q", c.name, got, err, c.want, c.wantErr)
		}
	}
}
