package config

import (
	"path"
	"strings"
	"time"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// Privacy is how Hotline keeps customers' personal data. The key that seals
// it never comes from this file: only the path of a key file may, and
// HOTLINE_KEY_FILE or HOTLINE_KEY override it.
type Privacy struct {
	KeyFile   string    `yaml:"key_file"`  // "id:base64" lines, mode 600; "" = HOTLINE_KEY_FILE / HOTLINE_KEY only
	Region    string    `yaml:"region"`    // country (ISO code) of caller numbers without a country code
	Retention Retention `yaml:"retention"` // how long personal data stays
	// SpyPhones are the phones that may be rung into a customer's call to
	// listen, whisper or barge: dial strings or path.Match patterns of
	// them (PJSIP/11??). Empty: any one phone that is not an agent's.
	SpyPhones []string `yaml:"spy_phones"`
}

// SpyPhoneAllowed reports whether endpoint may be rung into a call to
// listen, whisper or barge (privacy.spy_phones).
func (p Privacy) SpyPhoneAllowed(endpoint string) bool {
	if len(p.SpyPhones) == 0 {
		return true
	}
	for _, pat := range p.SpyPhones {
		if ok, err := path.Match(pat, endpoint); ok && err == nil {
			return true
		}
	}
	return false
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
	for i, pat := range p.SpyPhones {
		tech, res, _ := strings.Cut(pat, "/")
		if _, err := path.Match(pat, ""); err != nil || tech == "" || res == "" || strings.ContainsFunc(pat, unicode.IsSpace) {
			v.add(indexPath("privacy.spy_phones", i), "%q: want a supervisor's phone, TECH/resource, or a pattern of them with * ? [...] (e.g. PJSIP/1100, PJSIP/11??)", pat)
		}
	}
	if p.Retention.Age > 0 && p.Retention.Age < 24*time.Hour {
		v.add("privacy.retention.age", "%v: under a day would erase calls still being worked on", p.Retention.Age)
	}
}
