package campaign

import (
	"sync"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// loadedZones caches the zones LeadZones loads, by name: the engine asks
// at every dial, and time.LoadLocation reads the zone database each time.
var loadedZones sync.Map // zone name → *time.Location

// LeadZones are the zones whose hours a lead is called in: its own zone;
// without one, every zone of its number's area (Alaska's numbers ring in
// Anchorage or in Adak); else, for a number that says nothing of where it
// rings (toll-free, or not a number), none, and the caller takes the
// campaign's.
func LeadZones(l Lead) []*time.Location {
	names := []string{l.TimeZone}
	if l.TimeZone == "" {
		names = nil
		if n, err := phonenumbers.Parse(l.Phone, ""); err == nil {
			switch phonenumbers.GetNumberType(n) {
			case phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
				names, _ = phonenumbers.GetTimezonesForNumber(n)
			}
		}
	}
	var out []*time.Location
	for _, name := range names {
		if name == "" || name == "Local" || name == phonenumbers.UNKNOWN_TIMEZONE {
			continue
		}
		if loc, ok := loadedZones.Load(name); ok {
			out = append(out, loc.(*time.Location))
			continue
		}
		if loc, err := time.LoadLocation(name); err == nil {
			loadedZones.Store(name, loc)
			out = append(out, loc)
		}
	}
	return out
}
