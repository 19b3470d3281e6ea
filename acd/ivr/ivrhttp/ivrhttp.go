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
	"net/http"
	"net/url"
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
// A transport error, a status other than 2xx or an
// answer that is not JSON is a failed result naming the cause; a value a
// Read path does not find is left empty.
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
	for name, path := range l.Read {
		v := Read(doc, path)
		if len(v) > MaxValue {
			return ivr.LookupResult{Err: fmt.Sprintf("value %s (%s) is %d bytes; a flow reads at most %d", name, path, len(v), MaxValue)}
		}
		values[name] = v
	}
	return ivr.LookupResult{Values: values}
}

// Read is the value at a dotted path ("order.items.0.name") in a decoded
// JSON document, as text; "" if there is none.
func Read(doc any, path string) string {
	for _, key := range strings.Split(path, ".") {
		switch v := doc.(type) {
		case map[string]any:
			doc = v[key]
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(v) {
				return ""
			}
			doc = v[i]
		default:
			return ""
		}
	}
	switch v := doc.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	default:
		raw, _ := json.Marshal(v)
		return string(raw)
	}
}
