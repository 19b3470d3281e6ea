package extconf

import (
	"bytes"
	"strings"
)

// IsPattern reports whether an extension name is a pattern ("_" prefix).
func IsPattern(ext string) bool { return strings.HasPrefix(ext, "_") }

// Compare orders two extension names as Asterisk sorts a context: plain
// extensions before patterns; plain ones by their text with '-' ignored;
// patterns position by position, the more specific position first.
func Compare(a, b string) int {
	switch pa, pb := IsPattern(a), IsPattern(b); {
	case !pa && pb:
		return -1
	case pa && !pb:
		return 1
	case !pa:
		return strings.Compare(stripDashes(a), stripDashes(b))
	}
	return comparePatterns(a[1:], b[1:])
}

func stripDashes(s string) string { return strings.ReplaceAll(s, "-", "") }

// Scores of one pattern position. A character set scores
// count<<8 | lowest member, so fewer members sort first and, for equal
// counts, the lower first member; the wildcards and the end of the pattern
// come after every set.
const (
	scoreDot   = 0x18000 // '.': one or more of anything
	scoreBang  = 0x28000 // '!': zero or more of anything
	scoreEnd   = 0x30000 // the pattern ended
	scoreError = 0x40000 // '[' without ']'
)

// charSet is a set of bytes, most significant bit first so that comparing
// two sets bytewise ranks the one with the lower members higher.
type charSet [32]byte

func (s *charSet) add(c byte) bool {
	mask := byte(1) << (7 - c%8)
	if s[c/8]&mask != 0 {
		return false
	}
	s[c/8] |= mask
	return true
}

// nextPosition scores the pattern position at the start of p and returns
// the rest of the pattern; ok is false once the pattern has ended.
func nextPosition(p string, set *charSet) (score int, rest string, ok bool) {
	for {
		p = strings.TrimLeft(p, "-")
		if p == "" {
			return scoreEnd, "", false
		}
		c := p[0]
		p = p[1:]
		switch c {
		case 'N', 'n':
			return setRange(set, '2', '9'), p, true
		case 'X', 'x':
			return setRange(set, '0', '9'), p, true
		case 'Z', 'z':
			return setRange(set, '1', '9'), p, true
		case '.':
			return scoreDot, p, true
		case '!':
			return scoreBang, p, true
		case '[':
		default:
			set.add(c)
			return 0x100 | int(c), p, true
		}
		end := strings.IndexByte(p, ']')
		if end < 0 {
			return scoreError, p, true
		}
		body := p[:end]
		p = p[end+1:]
		count, low := 0, 0xFF
		for i := 0; i < len(body); i++ {
			c1, c2 := body[i], body[i]
			if i+2 < len(body) && body[i+1] == '-' {
				c2 = body[i+2]
				i += 2
			}
			low = min(low, int(c1))
			for c := int(c1); c <= int(c2); c++ {
				if set.add(byte(c)) {
					count++
				}
			}
		}
		if count > 0 {
			return count<<8 | low, p, true
		}
		// an empty set is skipped, as Asterisk does
	}
}

func setRange(set *charSet, lo, hi byte) int {
	for c := lo; c <= hi; c++ {
		set.add(c)
	}
	return int(hi-lo+1)<<8 | int(lo)
}

func comparePatterns(a, b string) int {
	for {
		var sa, sb charSet
		scoreA, restA, okA := nextPosition(a, &sa)
		scoreB, restB, _ := nextPosition(b, &sb)
		if c := scoreA - scoreB; c != 0 {
			return c
		}
		// Equal scores, different members: the set holding the lower
		// characters first.
		if c := bytes.Compare(sb[:], sa[:]); c != 0 {
			return c
		}
		if !okA {
			return 0
		}
		a, b = restA, restB
	}
}

// MatchResult says how a number matched an extension.
type MatchResult int

// Match results.
const (
	NoMatch    MatchResult = iota
	Matched                // the whole number matched
	EarlyMatch             // matched through a '!'
)

// Match tells whether the dialed number data matches extension name, with
// Asterisk's rules: '-' is ignored on both sides; N is 2-9, Z 1-9, X 0-9;
// [..] is a set with ranges; '.' matches one or more characters and '!'
// zero or more.
func Match(name, data string) MatchResult {
	if !IsPattern(name) {
		if stripDashes(name) == stripDashes(data) {
			return Matched
		}
		return NoMatch
	}
	p := name[1:]
	for {
		data = strings.TrimLeft(data, "-")
		p = strings.TrimLeft(p, "-")
		if data == "" || p == "" || p[0] == '/' {
			break
		}
		c := data[0]
		switch p[0] {
		case '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return NoMatch
			}
			body := p[1:end]
			p = p[end+1:]
			if body == "" {
				continue // an empty set is ignored and consumes nothing
			}
			if !inSet(body, c) {
				return NoMatch
			}
			data = data[1:]
			continue
		case 'N', 'n':
			if c < '2' || c > '9' {
				return NoMatch
			}
		case 'X', 'x':
			if c < '0' || c > '9' {
				return NoMatch
			}
		case 'Z', 'z':
			if c < '1' || c > '9' {
				return NoMatch
			}
		case '.':
			return Matched
		case '!':
			return EarlyMatch
		default:
			if c != p[0] {
				return NoMatch
			}
		}
		data, p = data[1:], p[1:]
	}
	if data != "" {
		return NoMatch
	}
	switch {
	case p == "" || p[0] == '/':
		return Matched
	case p[0] == '!':
		return EarlyMatch
	}
	return NoMatch
}

func inSet(body string, c byte) bool {
	for i := 0; i < len(body); i++ {
		if i+2 < len(body) && body[i+1] == '-' {
			if c >= body[i] && c <= body[i+2] {
				return true
			}
			i += 2
			continue
		}
		if c == body[i] {
			return true
		}
	}
	return false
}

// Candidate is an extension that matches a number, with the chain of
// includes that led to it (empty when it is in the context asked about).
type Candidate struct {
	Ext *Extension
	Via []*Include
}

// Candidates lists every extension matching number (and callerID, for
// extensions with a caller-ID match) reachable from context, in the order
// Asterisk tries them. It is empty when the context does not exist.
func (d *Dialplan) Candidates(context, number, callerID string) []Candidate {
	var out []Candidate
	d.candidates(context, number, callerID, map[string]bool{}, nil, &out)
	return out
}

func (d *Dialplan) candidates(context, number, callerID string, seen map[string]bool, via []*Include, out *[]Candidate) {
	key := strings.ToLower(context)
	if seen[key] {
		return
	}
	c := d.Context(context)
	if c == nil {
		return
	}
	for _, e := range c.Extensions {
		if Match(e.Name, number) == NoMatch {
			continue
		}
		if e.HasCID && !matchCID(e.CID, callerID) {
			continue
		}
		*out = append(*out, Candidate{Ext: e, Via: via})
	}
	seen[key] = true
	for _, inc := range c.Includes {
		d.candidates(inc.Context, number, callerID, seen, append(via[:len(via):len(via)], inc), out)
	}
}

func matchCID(pattern, callerID string) bool {
	if callerID == "" {
		return pattern == ""
	}
	return Match(pattern, callerID) != NoMatch
}

// Find returns the priority Asterisk runs for number at priority n in
// context: the first candidate that has that priority.
func (d *Dialplan) Find(context, number, callerID string, n int) (*Priority, Candidate, bool) {
	for _, c := range d.Candidates(context, number, callerID) {
		if p := c.Ext.Priority(n); p != nil {
			return p, c, true
		}
	}
	return nil, Candidate{}, false
}

// FindLabel returns the priority carrying label for number in context: the
// first candidate that has the label.
func (d *Dialplan) FindLabel(context, number, callerID, label string) (*Priority, Candidate, bool) {
	for _, c := range d.Candidates(context, number, callerID) {
		if p := c.Ext.Label(label); p != nil {
			return p, c, true
		}
	}
	return nil, Candidate{}, false
}
