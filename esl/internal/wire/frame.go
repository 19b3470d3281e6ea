package wire

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Limits that keep a broken or hostile peer from making a reader allocate
// without bound. mod_event_socket itself caps a command block at 1 MB.
const (
	MaxHeaderBytes = 1 << 20
	MaxBodyBytes   = 64 << 20
)

// Content types mod_event_socket sends.
const (
	TypeAuthRequest = "auth/request"
	TypeReply       = "command/reply"
	TypeAPIResponse = "api/response"
	TypeEventPlain  = "text/event-plain"
	TypeEventJSON   = "text/event-json"
	TypeEventXML    = "text/event-xml"
	TypeDisconnect  = "text/disconnect-notice"
	TypeLog         = "log/data"
	TypeRejection   = "text/rude-rejection"
)

// Header is one "Name: value" line.
type Header struct {
	Name  string
	Value string
}

// Frame is one message from FreeSWITCH: headers in wire order and a body.
type Frame struct {
	Headers []Header
	Body    []byte
}

// Get returns the first value of a header, matched without regard to case.
func (f Frame) Get(name string) string { return lookup(f.Headers, name) }

// ContentType is the frame's Content-Type header.
func (f Frame) ContentType() string { return f.Get("Content-Type") }

// Command is one message to FreeSWITCH: a command line ("api status",
// "sendmsg <uuid>"), optional headers and a body.
type Command struct {
	Line    string
	Headers []Header
	Body    []byte
}

// Get returns the first value of a header, matched without regard to case.
func (c Command) Get(name string) string { return lookup(c.Headers, name) }

func lookup(hs []Header, name string) string {
	for _, h := range hs {
		if h.Name == name {
			return h.Value
		}
	}
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// ReadFrame reads one frame sent by FreeSWITCH. Blank lines before a frame
// are skipped, as mod_event_socket skips them in the other direction.
func ReadFrame(r *bufio.Reader) (Frame, error) {
	lines, err := readBlock(r)
	if err != nil {
		return Frame{}, err
	}
	var f Frame
	f.Headers = make([]Header, 0, len(lines))
	for _, l := range lines {
		h, err := splitHeader(l)
		if err != nil {
			return Frame{}, err
		}
		f.Headers = append(f.Headers, h)
	}
	f.Body, err = readBody(r, f.Get("Content-Length"))
	return f, err
}

// ReadCommand reads one message sent to FreeSWITCH the way mod_event_socket's
// read_packet does: the block ends at two line feeds with nothing but
// carriage returns between them, and its lines are split on "\r" whenever
// one appears in the block, else on "\n". A client that ends its header
// lines with "\n" but the block with "\r\n\r\n" is therefore read as one
// long command line, as FreeSWITCH reads it.
func ReadCommand(r *bufio.Reader) (Command, error) {
	block, err := readCommandBlock(r)
	if err != nil {
		return Command{}, err
	}
	sep := "\n"
	if strings.Contains(block, "\r") {
		sep = "\r"
	}
	var lines []string
	for _, l := range strings.Split(block, sep) {
		if l = strings.Trim(l, "\r\n"); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return Command{}, fmt.Errorf("empty command block: %w", ErrMalformed)
	}
	c := Command{Line: lines[0]}
	for _, l := range lines[1:] {
		h, err := splitHeader(l)
		if err != nil {
			return Command{}, err
		}
		c.Headers = append(c.Headers, h)
	}
	c.Body, err = readBody(r, c.Get("Content-Length"))
	return c, err
}

// readCommandBlock reads up to the second of two line feeds separated by
// nothing but carriage returns, skipping line ends before the block.
func readCommandBlock(r *bufio.Reader) (string, error) {
	var b strings.Builder
	feeds := 0
	for {
		c, err := r.ReadByte()
		if err != nil {
			if err == io.EOF && b.Len() > 0 {
				return "", io.ErrUnexpectedEOF
			}
			return "", err
		}
		switch c {
		case '\r':
		case '\n':
			feeds++
		default:
			feeds = 0
		}
		if b.Len() == 0 && (c == '\r' || c == '\n') {
			feeds = 0
			continue
		}
		b.WriteByte(c)
		if b.Len() > MaxHeaderBytes {
			return "", fmt.Errorf("command block over %d bytes: %w", MaxHeaderBytes, ErrTooLarge)
		}
		if feeds == 2 {
			return b.String(), nil
		}
	}
}

// readBlock returns the non-empty lines up to the blank line that ends a block.
func readBlock(r *bufio.Reader) ([]string, error) {
	var lines []string
	total := 0
	for {
		line, err := r.ReadString('\n')
		total += len(line)
		if total > MaxHeaderBytes {
			return nil, fmt.Errorf("header block over %d bytes: %w", MaxHeaderBytes, ErrTooLarge)
		}
		if err != nil {
			if err == io.EOF && (len(lines) > 0 || line != "") {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if len(lines) == 0 {
				continue
			}
			return lines, nil
		}
		lines = append(lines, line)
	}
}

func splitHeader(line string) (Header, error) {
	name, value, ok := strings.Cut(line, ":")
	if !ok || name == "" {
		return Header{}, fmt.Errorf("header line %q: %w", clip(line), ErrMalformed)
	}
	return Header{Name: name, Value: strings.TrimLeft(value, " \t")}, nil
}

func readBody(r *bufio.Reader, length string) ([]byte, error) {
	if length == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(length))
	if err != nil || n < 0 || n > MaxBodyBytes {
		return nil, fmt.Errorf("Content-Length %q: %w", clip(length), ErrBadLength)
	}
	if n == 0 {
		return nil, nil
	}
	// Grow with the data that actually arrives rather than trusting the
	// announced length with one big allocation.
	var body bytes.Buffer
	if _, err := io.CopyN(&body, r, int64(n)); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return body.Bytes(), nil
}

// AppendFrame appends f as FreeSWITCH sends it. Header values are written
// verbatim; a Content-Length header is added when there is a body and none
// was given.
func AppendFrame(dst []byte, f Frame) []byte {
	hasLen := false
	for _, h := range f.Headers {
		if strings.EqualFold(h.Name, "Content-Length") {
			hasLen = true
		}
		dst = append(dst, h.Name...)
		dst = append(dst, ": "...)
		dst = append(dst, h.Value...)
		dst = append(dst, '\n')
	}
	if len(f.Body) > 0 && !hasLen {
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, int64(len(f.Body)), 10)
		dst = append(dst, '\n')
	}
	dst = append(dst, '\n')
	return append(dst, f.Body...)
}

// AppendCommand appends c as a client should send it: every line ended with
// "\r\n", and the block with a blank line.
func AppendCommand(dst []byte, c Command) []byte {
	dst = append(dst, c.Line...)
	dst = append(dst, "\r\n"...)
	hasLen := false
	for _, h := range c.Headers {
		if strings.EqualFold(h.Name, "Content-Length") {
			hasLen = true
		}
		dst = append(dst, h.Name...)
		dst = append(dst, ": "...)
		dst = append(dst, h.Value...)
		dst = append(dst, "\r\n"...)
	}
	if len(c.Body) > 0 && !hasLen {
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, int64(len(c.Body)), 10)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "\r\n"...)
	return append(dst, c.Body...)
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// trimCRLF drops one trailing line end, as FreeSWITCH writes "+OK\n" bodies.
func trimCRLF(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// ReplyText is the text of a command/reply or api/response: the Reply-Text
// header if present, else the body without its final line end.
func (f Frame) ReplyText() string {
	if v := f.Get("Reply-Text"); v != "" {
		return v
	}
	return string(trimCRLF(f.Body))
}
