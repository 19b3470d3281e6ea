package main

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"time"
)

// zoneSource is where the machine's own time zone is read from; tests
// give their own.
type zoneSource struct {
	lookupEnv func(string) (string, bool)
	readlink  func(string) (string, error)
	readFile  func(string) ([]byte, error)
}

var systemZone = zoneSource{lookupEnv: os.LookupEnv, readlink: os.Readlink, readFile: os.ReadFile}

// localZoneName is the IANA name of this machine's time zone, the one Go
// reads as time.Local (whose String is only "Local"): TZ when set, else
// the zone /etc/localtime links to, else /etc/timezone, else UTC when the
// machine has no /etc/localtime at all (as Go takes it then). A report
// sent to the daemon names its zone so; "Local" would be the daemon's.
func (z zoneSource) localZoneName() (string, error) {
	valid := func(name string) bool {
		if name == "" || name == "Local" {
			return false
		}
		_, err := time.LoadLocation(name)
		return err == nil
	}
	if tz, set := z.lookupEnv("TZ"); set {
		tz = strings.TrimPrefix(tz, ":")
		switch {
		case tz == "":
			return "UTC", nil // TZ set empty: UTC, as Go reads it
		case valid(tz):
			return tz, nil
		}
		return "", errors.New("the TZ variable " + `"` + tz + `"` + " names no IANA time zone; give --tz (Europe/Berlin) or set reports.timezone")
	}
	if target, err := z.readlink("/etc/localtime"); err == nil {
		if _, name, ok := strings.Cut(target, "zoneinfo/"); ok && valid(name) {
			return name, nil
		}
	}
	if b, err := z.readFile("/etc/timezone"); err == nil {
		if name := strings.TrimSpace(string(b)); valid(name) {
			return name, nil
		}
	}
	if _, err := z.readFile("/etc/localtime"); errors.Is(err, fs.ErrNotExist) {
		return "UTC", nil
	}
	return "", errors.New("this machine's time zone has no name Hotline can read (/etc/localtime is no link to a zone); give --tz (Europe/Berlin) or set reports.timezone")
}
