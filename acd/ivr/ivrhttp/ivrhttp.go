// Package ivrhttp carries out an IVR flow's lookups: the HTTP request to
// the business's own service and the reading of its JSON answer into
// variables. It runs wherever the host lets slow work run (never on the
// engine's loop); the flow gets the result back as an ivr.LookupResult.
package ivrhttp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/hotline-cc/hotline/acd/ivr"
)

// MaxAnswer is the most of a service's answer that is read; MaxValue the
// longest value a flow takes from it, in bytes: a value is said to the
// caller and kept in the call's timeline, and a page of text is neither
// something to speak nor to keep per call (the speech engine refuses it).
const (
	MaxAnswer = 1 << 20
	MaxValue  = 1000
)

// Do runs the lookup (the flow has escaped the values it put in the URL).
// A transport error, a status other than 2xx, an answer that is not JSON
// or a Read path that finds no text (see Read) is a failed result naming
// the cause: a flow would otherwise say nothing where the caller expects
// their order's status. A value present but empty ("") is read as such.
func Do(ctx context.Context, client *http.Client, l ivr.Lookup) ivr.LookupResult {
	if client == nil {
		client = http.DefaultClient
	}
	var body io.Reader
	if l.Method == http.MethodPost {
		raw, err := json.Marshal(l.Body)
		if err != nil {
			return ivr.LookupResult{Err: err.Error()}
		}
		body = bytes.NewReader(raw)
	}
	u, err := url.Parse(l.URL)
	if err != nil {
		return ivr.LookupResult{Err: fmt.Sprintf("url %q: %v", l.URL, err)}
	}
	req, err := http.NewRequestWithContext(ctx, l.Method, u.String(), body)
	if err != nil {
		return ivr.LookupResult{Err: err.Error()}
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return ivr.LookupResult{Err: err.Error()}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer+1))
	if err != nil {
		return ivr.LookupResult{Err: err.Error()}
	}
	if resp.StatusCode/100 != 2 {
		return ivr.LookupResult{Err: "HTTP " + strconv.Itoa(resp.StatusCode)}
	}
	if len(raw) > MaxAnswer {
		return ivr.LookupResult{Err: fmt.Sprintf("answer over %d bytes", MaxAnswer)}
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return ivr.LookupResult{Err: "answer is not JSON: " + err.Error()}
	}
	values := make(map[string]string, len(l.Read))
	for _, name := range slices.Sorted(maps.Keys(l.Read)) {
		path := l.Read[name]
		v, missing := Read(doc, path)
		if missing != "" {
			return ivr.LookupResult{Err: fmt.Sprintf("value %s (%s): %s", name, path, missing)}
		}
		if len(v) > MaxValue {
			return ivr.LookupResult{Err: fmt.Sprintf("value %s (%s) is %d bytes; a flow reads at most %d", name, path, len(v), MaxValue)}
		}
		values[name] = v
	}
	return ivr.LookupResult{Values: values}
}

// Read is the value at a dotted path ("order.items.0.name") in a decoded
// JSON document, as text (a string, a number, true or false), or why there
// is none to say: the path leads nowhere, to null, or to an object or an
// array.
func Read(doc any, path string) (value, missing string) {
	at := ""
	for _, key := range strings.Split(path, ".") {
		switch v := doc.(type) {
		case map[string]any:
			next, ok := v[key]
			if !ok {
				return "", "the answer has no " + strconv.Quote(key) + inside(at)
			}
			doc = next
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(v) {
				return "", fmt.Sprintf("the answer's list%s has no item %s (it has %d)", inside(at), key, len(v))
			}
			doc = v[i]
		default:
			return "", fmt.Sprintf("the answer's %s is %s, not an object or a list", strings.TrimPrefix(at, "."), kind(doc))
		}
		at += "." + key
	}
	switch v := doc.(type) {
	case string:
		return v, ""
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), ""
	case bool:
		return strconv.FormatBool(v), ""
	default:
		return "", "it is " + kind(doc) + ", not text to say"
	}
}

// inside names where in the answer a key was looked for.
func inside(at string) string {
	if at == "" {
		return ""
	}
	return " in " + strings.TrimPrefix(at, ".")
}

// kind names a decoded JSON value's type.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "text"
	case float64:
		return "a number"
	case bool:
		return "true or false"
	}
	return fmt.Sprintf("%T", v)
}
