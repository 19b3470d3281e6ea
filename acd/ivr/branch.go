package ivr

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

func init() {
	Register(Kind{Name: "condition", New: func() Node { return new(Condition) }})
	Register(Kind{Name: "hours", New: func() Node { return new(Hours) }})
}

// Condition sends the call to the first case that holds, else to Else.
type Condition struct {
	Cases []Case `yaml:"cases"`
	Else  string `yaml:"else"`
}

// Case is one test on what is known of the call; every test set must hold.
type Case struct {
	Known   *bool  `yaml:"known"`   // the caller is (true) / is not (false) a known customer
	Tag     string `yaml:"tag"`     // the caller carries this tag (VIP)
	Var     string `yaml:"var"`     // a variable ...
	Equals  string `yaml:"equals"`  // ... has this value
	Matches string `yaml:"matches"` // ... matches this regular expression
	Between string `yaml:"between"` // local time within "09:00-18:00"
	Zone    string `yaml:"zone"`    // time zone of Between, default UTC
	Goto    string `yaml:"goto"`
}

// Kind implements Node.
func (*Condition) Kind() string { return "condition" }

// Next implements Node.
func (c *Condition) Next() []Link {
	var next []Link
	for i, cs := range c.Cases {
		next = append(next, Link{Field: fmt.Sprintf("cases.%d.goto", i), Node: cs.Goto, Now: true})
	}
	return append(next, Link{Field: "else", Node: c.Else, Now: true})
}

// Validate implements Validator.
func (c *Condition) Validate() error {
	var problems []string
	if len(c.Cases) == 0 {
		problems = append(problems, "cases: none")
	}
	for i, cs := range c.Cases {
		p := fmt.Sprintf("cases.%d", i)
		if cs.Goto == "" {
			problems = append(problems, p+".goto: missing")
		}
		if cs.Known == nil && cs.Tag == "" && cs.Var == "" && cs.Between == "" {
			problems = append(problems, p+": tests nothing; set known, tag, var or between")
		}
		if (cs.Equals != "" || cs.Matches != "") && cs.Var == "" {
			problems = append(problems, p+": equals or matches without var")
		}
		if cs.Matches != "" {
			if _, err := regexp.Compile(cs.Matches); err != nil {
				problems = append(problems, fmt.Sprintf("%s.matches: %v", p, err))
			}
		}
		if cs.Between != "" {
			if _, _, err := parseSpan(cs.Between); err != nil {
				problems = append(problems, fmt.Sprintf("%s.between: %v", p, err))
			}
		}
		if _, err := zone(cs.Zone); err != nil {
			problems = append(problems, fmt.Sprintf("%s.zone: %v", p, err))
		}
	}
	if c.Else == "" {
		problems = append(problems, "else: missing")
	}
	return bad(problems)
}

// Enter implements Node.
func (c *Condition) Enter(at At, st State) (State, []Action) {
	for i, cs := range c.Cases {
		if cs.holds(st, at.Now) {
			return st, []Action{Note{Kind: "condition", Detail: fmt.Sprintf("case %d → %s", i, cs.Goto)}, Goto{Node: cs.Goto}}
		}
	}
	return st, []Action{Note{Kind: "condition", Detail: "else → " + c.Else}, Goto{Node: c.Else}}
}

// Step implements Node.
func (*Condition) Step(_ At, st State, _ Input) (State, []Action) { return st, nil }

func (cs Case) holds(st State, now time.Time) bool {
	if cs.Known != nil && (st.Var(VarKnown) == "yes") != *cs.Known {
		return false
	}
	if cs.Tag != "" && !slices.ContainsFunc(strings.Split(st.Var(VarTags), ","), func(t string) bool {
		return strings.EqualFold(strings.TrimSpace(t), cs.Tag)
	}) {
		return false
	}
	if cs.Var != "" {
		v, set := st.Vars[cs.Var]
		switch {
		case cs.Equals != "" && v != cs.Equals:
			return false
		case cs.Matches != "":
			if re, err := regexp.Compile(cs.Matches); err != nil || !re.MatchString(v) {
				return false
			}
		case cs.Equals == "" && cs.Matches == "" && (!set || v == ""):
			return false
		}
	}
	if cs.Between != "" {
		from, to, err := parseSpan(cs.Between)
		loc, zerr := zone(cs.Zone)
		if err != nil || zerr != nil || !within(now.In(loc), from, to) {
			return false
		}
	}
	return true
}

// Hours sends the call to Open within the opening hours of its time zone
// and to Closed outside them and on holidays.
type Hours struct {
	Zone     string            `yaml:"zone"`     // IANA name, e.g. Europe/Berlin; default UTC
	Week     map[string]string `yaml:"week"`     // mon..sun → "09:00-13:00,14:00-18:00"; a day left out is closed
	Holidays []string          `yaml:"holidays"` // 2026-12-25: closed all day
	Open     string            `yaml:"open"`
	Closed   string            `yaml:"closed"`
}

var weekdays = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// Kind implements Node.
func (*Hours) Kind() string { return "hours" }

// Next implements Node.
func (h *Hours) Next() []Link {
	return []Link{{Field: "open", Node: h.Open, Now: true}, {Field: "closed", Node: h.Closed, Now: true}}
}

// Validate implements Validator.
func (h *Hours) Validate() error {
	var problems []string
	if _, err := zone(h.Zone); err != nil {
		problems = append(problems, fmt.Sprintf("zone: %v", err))
	}
	for day, spans := range h.Week {
		if !slices.Contains(weekdays, day) {
			problems = append(problems, fmt.Sprintf("week.%s: not a day; use %s", day, strings.Join(weekdays, ", ")))
			continue
		}
		for span := range strings.SplitSeq(spans, ",") {
			if _, _, err := parseSpan(span); err != nil {
				problems = append(problems, fmt.Sprintf("week.%s: %v", day, err))
			}
		}
	}
	for i, d := range h.Holidays {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			problems = append(problems, fmt.Sprintf("holidays.%d: %q is not a date like 2026-12-25", i, d))
		}
	}
	if h.Open == "" {
		problems = append(problems, "open: missing")
	}
	if h.Closed == "" {
		problems = append(problems, "closed: missing")
	}
	return bad(problems)
}

// IsOpen reports whether now falls within the opening hours.
func (h *Hours) IsOpen(now time.Time) bool {
	loc, err := zone(h.Zone)
	if err != nil {
		return false
	}
	local := now.In(loc)
	if slices.Contains(h.Holidays, local.Format(time.DateOnly)) {
		return false
	}
	spans, ok := h.Week[weekdays[local.Weekday()]]
	if !ok {
		return false
	}
	for span := range strings.SplitSeq(spans, ",") {
		if from, to, err := parseSpan(span); err == nil && within(local, from, to) {
			return true
		}
	}
	return false
}

// Enter implements Node.
func (h *Hours) Enter(at At, st State) (State, []Action) {
	if h.IsOpen(at.Now) {
		return st, []Action{Note{Kind: "hours", Detail: "open"}, Goto{Node: h.Open}}
	}
	return st, []Action{Note{Kind: "hours", Detail: "closed"}, Goto{Node: h.Closed}}
}

// Step implements Node.
func (*Hours) Step(_ At, st State, _ Input) (State, []Action) { return st, nil }

// parseSpan reads "09:00-18:00" as minutes of the day; "00:00-24:00" is
// the whole day.
func parseSpan(s string) (from, to int, err error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return 0, 0, fmt.Errorf("%q is not a span like 09:00-18:00", s)
	}
	if from, err = clock(a); err == nil {
		to, err = clock(b)
	}
	if err == nil && to <= from {
		err = fmt.Errorf("%q ends before it starts", s)
	}
	return from, to, err
}

func clock(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || hh == 24 && mm != 0 {
		return 0, fmt.Errorf("%q is not a time like 09:30", s)
	}
	return hh*60 + mm, nil
}

func within(t time.Time, from, to int) bool {
	m := t.Hour()*60 + t.Minute()
	return m >= from && m < to
}

// zone loads a time zone by name; "" is UTC.
func zone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	return time.LoadLocation(name)
}
