package contact

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"

	"github.com/hotline-cc/hotline/internal/textcheck"
)

// ID identifies a contact; the store assigns it.
type ID uint64

// Well-known tags. Tags are free text; these ones mean something to routing.
const (
	TagVIP     = "vip"
	TagBlocked = "blocked"
)

// Contact is one customer. Everything but ID, Created and Updated is
// personal data: the store seals it.
type Contact struct {
	ID             ID                `json:"id"`
	Phones         []string          `json:"phones"` // E.164, the first is the main one
	Name           string            `json:"name,omitempty"`
	Company        string            `json:"company,omitempty"`
	Email          string            `json:"email,omitempty"`
	Language       string            `json:"language,omitempty"`
	Tags           []string          `json:"tags,omitempty"` // lower case, sorted, unique
	PreferredAgent string            `json:"preferred_agent,omitempty"`
	Fields         map[string]string `json:"fields,omitempty"`
	Notes          string            `json:"notes,omitempty"`
	Created        time.Time         `json:"created"`
	Updated        time.Time         `json:"updated"`
}

// NormalizePhone returns raw in E.164; region is the country (ISO code) of
// numbers written without a country code.
//
// A number written in E.164 already (+ and 8 to 15 digits) is taken as it
// is when libphonenumber does not know its range (a new range, a test
// number such as +1 555 01xx): a caller's contact is made under the caller
// ID as it came, and must be found and edited under it.
func NormalizePhone(raw, region string) (string, error) {
	raw = strings.TrimSpace(raw)
	n, err := phonenumbers.Parse(raw, strings.ToUpper(region))
	switch {
	case err == nil && phonenumbers.IsValidNumber(n):
		return phonenumbers.Format(n, phonenumbers.E164), nil
	case e164.MatchString(raw):
		return raw, nil
	case err != nil:
		return "", fmt.Errorf("%q: %w (%v)", raw, ErrBadNumber, err)
	}
	return "", fmt.Errorf("%q: %w", raw, ErrBadNumber)
}

// e164 is the form of an international number: + and 8 to 15 digits.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

// Normalize puts numbers in E.164 (dropping repeats), tags in lower case,
// sorted and unique, trims text, and checks what can be checked. Every
// problem is reported, joined in one error.
func (c *Contact) Normalize(region string) error {
	var problems []string
	var phones []string
	for _, p := range c.Phones {
		if strings.TrimSpace(p) == "" {
			continue
		}
		e, err := NormalizePhone(p, region)
		if err != nil {
			problems = append(problems, "phone "+err.Error())
			continue
		}
		if !slices.Contains(phones, e) {
			phones = append(phones, e)
		}
	}
	c.Phones = phones
	if len(phones) == 0 && len(problems) == 0 {
		problems = append(problems, ErrNoNumber.Error())
	}
	c.Name = strings.TrimSpace(c.Name)
	c.Company = strings.TrimSpace(c.Company)
	c.Email = strings.TrimSpace(c.Email)
	c.Language = strings.TrimSpace(c.Language)
	c.PreferredAgent = strings.TrimSpace(c.PreferredAgent)
	if c.Email != "" {
		local, domain, ok := strings.Cut(c.Email, "@")
		if !ok || local == "" || !strings.Contains(domain, ".") || strings.ContainsAny(c.Email, " ,;") {
			problems = append(problems, fmt.Sprintf("email %q: %v", c.Email, ErrBadEmail))
		}
	}
	if c.Language != "" {
		if tag, err := language.Parse(c.Language); err != nil {
			problems = append(problems, fmt.Sprintf("language %q: %v", c.Language, ErrBadLanguage))
		} else {
			c.Language = tag.String()
		}
	}
	c.Tags = normalizeTags(c.Tags)
	for k := range c.Fields {
		if strings.TrimSpace(k) == "" || slices.Contains(columns, k) {
			problems = append(problems, fmt.Sprintf("field %q: %v", k, ErrBadField))
		}
	}
	if len(c.Fields) == 0 {
		c.Fields = nil
	}
	problems = append(problems, c.badText()...)
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}

// badText names the texts holding a character textcheck refuses (a
// direction override, an invisible character): a contact's name and notes
// show on the agent's screen and in exports as typed.
func (c *Contact) badText() []string {
	var out []string
	check := func(what, v string) {
		if err := textcheck.Check(v); err != nil {
			out = append(out, what+" "+err.Error())
		}
	}
	for _, f := range []struct{ what, v string }{{"name", c.Name}, {"company", c.Company}, {"email", c.Email},
		{"language", c.Language}, {"preferred_agent", c.PreferredAgent}, {"notes", c.Notes}} {
		check(f.what, f.v)
	}
	for _, t := range c.Tags {
		check(fmt.Sprintf("tag %q", t), t)
	}
	for _, k := range slices.Sorted(maps.Keys(c.Fields)) {
		check(fmt.Sprintf("field name %+q", k), k)
		check(fmt.Sprintf("field %+q", k), c.Fields[k])
	}
	return out
}

func normalizeTags(tags []string) []string {
	var out []string
	for _, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t != "" {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// HasTag reports whether the contact carries tag (case-insensitive).
func (c Contact) HasTag(tag string) bool {
	_, ok := slices.BinarySearch(c.Tags, strings.ToLower(tag))
	return ok
}

// Merge folds dup into keep, for two contacts that are one person: keep's
// values win where both have one; numbers, tags and fields are united;
// notes are both kept. The result has keep's ID and the earlier Created.
func Merge(keep, dup Contact, now time.Time) (Contact, error) {
	if keep.ID != 0 && keep.ID == dup.ID {
		return Contact{}, fmt.Errorf("contact %d: %w", keep.ID, ErrSameContact)
	}
	out := keep
	out.Phones = slices.Clone(keep.Phones)
	for _, p := range dup.Phones {
		if !slices.Contains(out.Phones, p) {
			out.Phones = append(out.Phones, p)
		}
	}
	for _, f := range []struct {
		dst *string
		src string
	}{
		{&out.Name, dup.Name}, {&out.Company, dup.Company}, {&out.Email, dup.Email},
		{&out.Language, dup.Language}, {&out.PreferredAgent, dup.PreferredAgent},
	} {
		if *f.dst == "" {
			*f.dst = f.src
		}
	}
	out.Tags = normalizeTags(append(slices.Clone(keep.Tags), dup.Tags...))
	if len(dup.Fields) > 0 {
		out.Fields = maps.Clone(dup.Fields)
		if out.Fields == nil {
			out.Fields = map[string]string{}
		}
		maps.Copy(out.Fields, keep.Fields)
	}
	switch {
	case out.Notes == "":
		out.Notes = dup.Notes
	case dup.Notes != "" && dup.Notes != out.Notes:
		out.Notes += "\n" + dup.Notes
	}
	if !dup.Created.IsZero() && (out.Created.IsZero() || dup.Created.Before(out.Created)) {
		out.Created = dup.Created
	}
	out.Updated = now
	return out, nil
}
