package api

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hotline-cc/hotline/internal/textcheck"
)

// checkBody refuses, in a body that decoded, a key given twice in one
// object and a text holding a character textcheck refuses, each named by
// its path (leads[2].name). Go's decoder keeps the last of two keys and
// matches keys to fields regardless of case, so "reason" and "Reason" (or
// "reaſon") count as the same key: the client meant one of them and only
// it knows which. A password is never shown, so any character it holds is
// left to the password rules.
//
// It scans the bytes once (the body is valid JSON: it decoded), and a
// text of plain ASCII without escapes, the common case, is neither copied
// nor checked character by character.
func checkBody(b []byte) error {
	w := bodyWalker{b: b}
	return w.value()
}

// pathAt is the path (leads[2].phone) of the innermost value of the
// valid JSON text b that holds the byte offset off, as a decoder's error
// gives it; "" if it cannot tell.
func pathAt(b []byte, off int64) string {
	w := bodyWalker{b: b, at: int(off)}
	_ = w.value() // a refused text stops the walk; what was found stands
	return w.found
}

// bodyWalker walks a valid JSON text; path holds the keys and indexes
// down to the value being read, for the messages.
type bodyWalker struct {
	b    []byte
	i    int
	path []pathStep
	// at, when set, asks for the path of the innermost value that starts
	// before the offset at and ends at or after it; found is that path.
	at    int
	found string
}

type pathStep struct {
	key   string
	index int // -1: a key
}

func (w *bodyWalker) pathString() string {
	var sb strings.Builder
	for i, s := range w.path {
		switch {
		case s.index >= 0:
			sb.WriteString("[" + strconv.Itoa(s.index) + "]")
		case i > 0:
			sb.WriteString("." + s.key)
		default:
			sb.WriteString(s.key)
		}
	}
	return sb.String()
}

func (w *bodyWalker) space() {
	for w.i < len(w.b) {
		switch w.b[w.i] {
		case ' ', '\t', '\n', '\r':
			w.i++
		default:
			return
		}
	}
}

// text reads the string at w.i; plain says it is ASCII without escapes,
// which textcheck passes as it is.
func (w *bodyWalker) text() (s string, plain bool) {
	start, plain := w.i, true
	j := start + 1
	for ; j < len(w.b) && w.b[j] != '"'; j++ {
		switch c := w.b[j]; {
		case c == '\\':
			plain = false
			j++
		case c >= 0x7f:
			plain = false
		}
	}
	w.i = j + 1
	if plain {
		return string(w.b[start+1 : j]), true
	}
	_ = json.Unmarshal(w.b[start:j+1], &s) // valid: the body decoded
	return s, false
}

func (w *bodyWalker) value() error {
	w.space()
	if w.i >= len(w.b) {
		return nil
	}
	if start := w.i; w.at > 0 {
		defer func() {
			if w.found == "" && start < w.at && w.at <= w.i {
				w.found = w.pathString()
			}
		}()
	}
	switch w.b[w.i] {
	case '{':
		return w.object()
	case '[':
		w.i++
		w.path = append(w.path, pathStep{index: 0})
		defer func() { w.path = w.path[:len(w.path)-1] }()
		for n := 0; ; n++ {
			w.space()
			if w.b[w.i] == ']' {
				w.i++
				return nil
			}
			w.path[len(w.path)-1].index = n
			if err := w.value(); err != nil {
				return err
			}
			w.space()
			if w.b[w.i] == ',' {
				w.i++
			}
		}
	case '"':
		s, plain := w.text()
		if plain {
			return nil
		}
		if n := len(w.path); n > 0 && w.path[n-1].index < 0 && strings.EqualFold(w.path[n-1].key, "password") {
			return nil
		}
		if err := textcheck.Check(s); err != nil {
			return badRequest("body: field %q %v", w.pathString(), err)
		}
		return nil
	}
	for w.i < len(w.b) && !strings.ContainsRune(",]} \t\n\r", rune(w.b[w.i])) {
		w.i++ // a number, true, false or null
	}
	return nil
}

func (w *bodyWalker) object() error {
	w.i++
	w.path = append(w.path, pathStep{index: -1})
	defer func() { w.path = w.path[:len(w.path)-1] }()
	var folded []string        // the keys so far, folded, in order
	var sent []string          // and as sent
	var many map[string]string // folded → as sent, once there are many
	for {
		w.space()
		if w.b[w.i] == '}' {
			w.i++
			return nil
		}
		key, plain := w.text()
		w.path[len(w.path)-1].key = key
		if !plain {
			if err := textcheck.Check(key); err != nil {
				return badRequest("body: key %+q (at %+q) %v", key, w.pathString(), err)
			}
		}
		f := foldKey(key)
		first, dup := "", false
		if many != nil {
			first, dup = many[f]
		} else {
			for i, k := range folded {
				if k == f {
					first, dup = sent[i], true
					break
				}
			}
		}
		if dup {
			if first == key {
				return badRequest("body: key %+q is given twice (at %s)", key, w.pathString())
			}
			return badRequest("body: keys %+q and %+q are the same key: keys match regardless of case (at %s)", first, key, w.pathString())
		}
		switch {
		case many != nil:
			many[f] = key
		case len(folded) < 16:
			folded, sent = append(folded, f), append(sent, key)
		default:
			many = make(map[string]string, 2*len(folded))
			for i, k := range folded {
				many[k] = sent[i]
			}
			many[f] = key
		}
		w.space()
		w.i++ // ':'
		if err := w.value(); err != nil {
			return err
		}
		w.space()
		if w.b[w.i] == ',' {
			w.i++
		}
	}
}

// foldKey is key with every letter replaced by the smallest letter it
// matches regardless of case, so that two keys Go's decoder takes for the
// same field fold to the same string.
func foldKey(key string) string {
	ascii := true
	for i := 0; i < len(key); i++ {
		if c := key[i]; c >= utf8.RuneSelf || 'a' <= c && c <= 'z' {
			ascii = false
			break
		}
	}
	if ascii {
		return key // nothing to fold
	}
	return strings.Map(func(r rune) rune {
		if r < utf8.RuneSelf {
			return unicode.ToUpper(r)
		}
		for {
			f := unicode.SimpleFold(r)
			if f <= r {
				return f
			}
			r = f
		}
	}, key)
}
