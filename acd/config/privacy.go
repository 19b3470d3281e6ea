package config

import (
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// Privacy is how Hotline keeps customers' personal data. The key that seals
// it never comes from this file: only the path of a key file may, and
// HOTLINE_KEY_FILE or HOTLINE_KEY override it.
type Privacy struct {
	KeyFile   string    `yaml:"key_file"`  // "id:base64" lines, mode 600; "" = HOTLINE_KEY_FILE / HOTLINE_KEY only
	Region    string    `yaml:"region"`    // country (ISO code) of caller numbers without a country code
	Retention Retention `yaml:"retention"` // how long personal data stays
}

// Retention purges personal data older than Age, every Every; figures stay.
type Retention struct {
	Age   time.Duration `yaml:"age"`   // 0 = kept forever
	Every time.Duration `yaml:"every"` // how often serve runs the purge
}

func (v *validator) privacy() {
	p := v.cfg.Privacy
	if phonenumbers.GetCountryCodeForRegion(strings.ToUpper(p.Region)) == 0 {
		v.add("privacy.region", "%q is not a country code libphonenumber knows (e.g. US, DE, GB)", p.Region)
	}
	if p.Retention.Age < 0 {
		v.add("privacy.retention.age", "%v: want 0 (keep) or a positive age such as 8760h", p.Retention.Age)
	}
	if p.Retention.Age > 0 && p.Retention.Every <= 0 {
		v.add("privacy.retention.every", "%v: want a positive interval such as 24h", p.Retention.Every)
	}
	if p.Retention.Age > 0 && p.Retention.Age < 24*time.Hour {
		v.add("privacy.retention.age", "%v: under a day would erase calls still being worked on", p.Retention.Age)
	}
}
