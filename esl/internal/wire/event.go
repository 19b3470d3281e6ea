package wire

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Event is one FreeSWITCH event: headers in the order FreeSWITCH wrote them,
// decoded, and an optional body.
type Event struct {
	Headers []Header
	Body    string
}

// Get returns the first value of a header, matched without regard to case.
func (e *Event) Get(name string) string { return lookup(e.Headers, name) }

// Has reports whether a header is present.
func (e *Event) Has(name string) bool {
	for _, h := range e.Headers {
		if strings.EqualFold(h.Name, name) {
			return true
		}
	}
	return false
}

// Set replaces the first header of that name or appends one.
func (e *Event) Set(name, value string) {
	for i, h := range e.Headers {
		if strings.EqualFold(h.Name, name) {
			e.Headers[i].Value = value
			return
		}
	}
	e.Headers = append(e.Headers, Header{Name: name, Value: value})
}

// Name is the Event-Name header.
func (e *Event) Name() string { return e.Get("Event-Name") }

// Seq is the Event-Sequence header; ok is false when it is absent or not a
// number.
func (e *Event) Seq() (seq uint64, ok bool) {
	v := e.Get("Event-Sequence")
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseUint(v, 10, 64)
	return n, err == nil
}

// ParsePlain decodes the body of a text/event-plain frame (or the reply to an
// outbound "connect"): URL-encoded header lines, a blank line, and a nested
// body when the event has a Content-Length header.
func ParsePlain(b []byte) (Event, error) {
	r := bufio.NewReader(bytes.NewReader(b))
	var e Event
	length := ""
	for {
		line, err := r.ReadString('\n')
		if err != nil && err != io.EOF {
			return Event{}, err
		}
		trimmed := strings.TrimRight(line, "\r\n")
		if trimmed == "" {
			if err == io.EOF || len(e.Headers) > 0 || length != "" {
				break
			}
			continue
		}
		h, herr := splitHeader(trimmed)
		if herr != nil {
			return Event{}, herr
		}
		if strings.EqualFold(h.Name, "Content-Length") {
			length = h.Value
		} else {
			h.Value = Decode(h.Value)
			e.Headers = append(e.Headers, h)
		}
		if err == io.EOF {
			break
		}
	}
	if length != "" {
		body, err := readBody(r, length)
		if err != nil {
			return Event{}, fmt.Errorf("event body: %w", err)
		}
		e.Body = string(body)
	}
	return e, nil
}

// AppendPlain appends e serialized as FreeSWITCH serializes an event for
// text/event-plain: encoded header lines, then Content-Length and the body if
// there is one, else a blank line.
func AppendPlain(dst []byte, e Event) []byte {
	for _, h := range e.Headers {
		if strings.EqualFold(h.Name, "Content-Length") {
			continue
		}
		dst = append(dst, h.Name...)
		dst = append(dst, ": "...)
		dst = AppendEncoded(dst, h.Value)
		dst = append(dst, '\n')
	}
	if e.Body != "" {
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, int64(len(e.Body)), 10)
		dst = append(dst, "\n\n"...)
		return append(dst, e.Body...)
	}
	return append(dst, '\n')
}

// ParseJSON decodes the body of a text/event-json frame. Member order is
// kept. Array members (FreeSWITCH's multi-value headers) are joined in the
// plain form "ARRAY::a|:b"; numbers keep their text.
func ParseJSON(b []byte) (Event, error) {
	if e, ok := parseJSONFast(b); ok {
		return e, nil
	}
	return parseJSONSlow(b)
}

// parseJSONSlow is the general decoder behind ParseJSON.
func parseJSONSlow(b []byte) (Event, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return Event{}, fmt.Errorf("%w: %v", ErrBadJSONEvent, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return Event{}, fmt.Errorf("%w: not an object", ErrBadJSONEvent)
	}
	var e Event
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return Event{}, fmt.Errorf("%w: %v", ErrBadJSONEvent, err)
		}
		name, _ := tok.(string)
		value, err := jsonValue(dec)
		if err != nil {
			return Event{}, fmt.Errorf("%w: member %q: %v", ErrBadJSONEvent, clip(name), err)
		}
		if name == "_body" {
			e.Body = value
			continue
		}
		if name == "" {
			return Event{}, fmt.Errorf("%w: empty member name", ErrBadJSONEvent)
		}
		e.Headers = append(e.Headers, Header{Name: name, Value: value})
	}
	if _, err := dec.Token(); err != nil {
		return Event{}, fmt.Errorf("%w: %v", ErrBadJSONEvent, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Event{}, fmt.Errorf("%w: trailing data", ErrBadJSONEvent)
	}
	return e, nil
}

func jsonValue(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	switch v := tok.(type) {
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	case bool:
		return strconv.FormatBool(v), nil
	case nil:
		return "", nil
	case json.Delim:
		if v != '[' {
			return "", fmt.Errorf("unexpected %v", v)
		}
		var parts []string
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return "", err
			}
			s, ok := tok.(string)
			if !ok {
				if n, isNum := tok.(json.Number); isNum {
					s = n.String()
				} else {
					return "", fmt.Errorf("array element %v", tok)
				}
			}
			parts = append(parts, s)
		}
		if _, err := dec.Token(); err != nil {
			return "", err
		}
		return "ARRAY::" + strings.Join(parts, "|:"), nil
	}
	return "", fmt.Errorf("unexpected %v", tok)
}

// AppendJSON appends e as FreeSWITCH serializes an event for
// text/event-json: one object of string members, the body as "_body".
func AppendJSON(dst []byte, e Event) []byte {
	dst = append(dst, '{')
	for i, h := range e.Headers {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, h.Name)
		dst = append(dst, ':')
		dst = appendJSONString(dst, h.Value)
	}
	if e.Body != "" {
		if len(e.Headers) > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, "_body")
		dst = append(dst, ':')
		dst = appendJSONString(dst, e.Body)
	}
	return append(dst, '}')
}

// EventFromFrame decodes a frame whose headers are an encoded event, as in
// the reply FreeSWITCH sends to an outbound socket's "connect".
func EventFromFrame(f Frame) Event {
	e := Event{Headers: make([]Header, 0, len(f.Headers)), Body: string(f.Body)}
	for _, h := range f.Headers {
		if strings.EqualFold(h.Name, "Content-Length") {
			continue
		}
		e.Headers = append(e.Headers, Header{Name: h.Name, Value: Decode(h.Value)})
	}
	return e
}
