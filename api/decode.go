package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
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
func checkBody(b []byte) error {
	type frame struct {
		object  bool
		keys    map[string]string // folded key → the key as sent
		key     string            // the member being read
		wantKey bool
		index   int
	}
	var stack []frame
	path := func() string {
		var sb strings.Builder
		for i, f := range stack {
			switch {
			case !f.object:
				sb.WriteString("[" + strconv.Itoa(f.index) + "]")
			case i > 0:
				sb.WriteString("." + f.key)
			default:
				sb.WriteString(f.key)
			}
		}
		return sb.String()
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return badRequest("body: %v", err) // not reached: the body decoded
		}
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{object: true, wantKey: true})
				continue
			case '[':
				stack = append(stack, frame{})
				continue
			}
			stack = stack[:len(stack)-1] // '}' or ']' ends a value of the frame below
			if len(stack) == 0 {
				continue
			}
			top = &stack[len(stack)-1]
		case string:
			if top != nil && top.object && top.wantKey {
				top.key, top.wantKey = t, false
				if err := textcheck.Check(t); err != nil {
					return badRequest("body: key %+q (at %+q) %v", t, path(), err)
				}
				folded := foldKey(t)
				if first, ok := top.keys[folded]; ok {
					if first == t {
						return badRequest("body: key %+q is given twice (at %s)", t, path())
					}
					return badRequest("body: keys %+q and %+q are the same key: keys match regardless of case (at %s)", first, t, path())
				}
				if top.keys == nil {
					top.keys = map[string]string{}
				}
				top.keys[folded] = t
				continue
			}
			if top == nil || !top.object || !strings.EqualFold(top.key, "password") {
				if err := textcheck.Check(t); err != nil {
					return badRequest("body: field %q %v", path(), err)
				}
			}
		}
		if top != nil { // a value of top is read
			if top.object {
				top.wantKey = true
			} else {
				top.index++
			}
		}
	}
}

// foldKey is key with every letter replaced by the smallest letter it
// matches regardless of case, so that two keys Go's decoder takes for the
// same field fold to the same string.
func foldKey(key string) string {
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
