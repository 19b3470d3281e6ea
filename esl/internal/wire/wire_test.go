package wire

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"github.com/hotline-cc/hotline/internal/golden"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const corpusDir = "../../../testdata/esl/frames"
const goldenDir = "../../../testdata/esl/golden"

// decoded is what the golden files record for one frame.
type decoded struct {
	ContentType string   `json:"content_type"`
	Headers     []Header `json:"headers"`
	Body        string   `json:"body,omitempty"`
	Event       *Event   `json:"event,omitempty"`
}

func decodeStream(t *testing.T, data []byte) []decoded {
	t.Helper()
	r := bufio.NewReader(bytes.NewReader(data))
	var out []decoded
	for {
		f, err := ReadFrame(r)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("frame %d: %v", len(out)+1, err)
		}
		d := decoded{ContentType: f.ContentType(), Headers: f.Headers, Body: string(f.Body)}
		switch {
		case d.ContentType == TypeEventPlain:
			e, err := ParsePlain(f.Body)
			if err != nil {
				t.Fatalf("frame %d: plain event: %v", len(out)+1, err)
			}
			d.Event, d.Body = &e, ""
		case d.ContentType == TypeEventJSON:
			e, err := ParseJSON(f.Body)
			if err != nil {
				t.Fatalf("frame %d: json event: %v", len(out)+1, err)
			}
			d.Event, d.Body = &e, ""
		case f.Get("Event-Name") != "":
			e := EventFromFrame(f)
			d.Event = &e
		}
		out = append(out, d)
	}
}

func TestCorpusGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.frames"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus in %s: %v", corpusDir, err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".frames")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(decodeStream(t, data), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden.Check(t, filepath.Join(goldenDir, name+".json"), got)
		})
	}
}

// TestCorpusRoundTrip re-serializes every event of the corpus and checks
// that parsing gives the same event back, in both formats.
func TestCorpusRoundTrip(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.frames"))
	n := 0
	for _, file := range files {
		data, _ := os.ReadFile(file)
		for _, d := range decodeStream(t, data) {
			if d.Event == nil {
				continue
			}
			n++
			checkRoundTrip(t, *d.Event)
		}
	}
	if n < 10 {
		t.Fatalf("only %d events in the corpus", n)
	}
}

func checkRoundTrip(t *testing.T, e Event) {
	t.Helper()
	p, err := ParsePlain(AppendPlain(nil, e))
	if err != nil {
		t.Fatalf("plain round trip of %s: %v", e.Name(), err)
	}
	if !sameEvent(p, e) {
		t.Errorf("plain round trip of %s:\n got %+v\nwant %+v", e.Name(), p, e)
	}
	j, err := ParseJSON(AppendJSON(nil, e))
	if err != nil {
		t.Fatalf("json round trip of %s: %v", e.Name(), err)
	}
	if !sameEvent(j, e) {
		t.Errorf("json round trip of %s:\n got %+v\nwant %+v", e.Name(), j, e)
	}
}

func sameEvent(a, b Event) bool {
	if a.Body != b.Body || len(a.Headers) != len(b.Headers) {
		return false
	}
	for i := range a.Headers {
		if a.Headers[i] != b.Headers[i] {
			return false
		}
	}
	return true
}

func TestEncodeMatchesFreeSWITCH(t *testing.T) {
	cases := map[string]string{
		"2023-11-14 22:13:20":   "2023-11-14%2022%3A13%3A20",
		"sofia/internal/1001@x": "sofia/internal/1001%40x",
		"+OK\n":                 "%2BOK%0A",
		"entry,100":             "entry,100",
		"a%b":                   "a%25b",
		"é":                     "%C3%A9",
		"{a=b}":                 "%7Ba%3Db%7D",
	}
	for in, want := range cases {
		if got := Encode(in); got != want {
			t.Errorf("Encode(%q) = %q, want %q", in, got, want)
		}
		if got := Decode(want); got != in {
			t.Errorf("Decode(%q) = %q, want %q", want, got, in)
		}
	}
	if got := Decode("100%zz+1%4"); got != "100%zz+1%4" {
		t.Errorf("Decode kept bad escapes badly: %q", got)
	}
}

func TestReadFrameErrors(t *testing.T) {
	cases := map[string]error{
		"Content-Type: api/response\nContent-Length: x\n\n":  ErrBadLength,
		"Content-Type: api/response\nContent-Length: -1\n\n": ErrBadLength,
		"no colon here\n\n": ErrMalformed,
		"Content-Type: api/response\nContent-Length: 10\n\n+": io.ErrUnexpectedEOF,
		"Content-Type: api/resp":                              io.ErrUnexpectedEOF,
	}
	for in, want := range cases {
		_, err := ReadFrame(bufio.NewReader(strings.NewReader(in)))
		if !errors.Is(err, want) {
			t.Errorf("ReadFrame(%q) = %v, want %v", in, err, want)
		}
	}
}

func TestReadCommand(t *testing.T) {
	in := "sendmsg agent-7\ncall-command: execute\nexecute-app-name: playback\nContent-Length: 5\n\nhello\n\napi status\n\n"
	r := bufio.NewReader(strings.NewReader(in))
	c, err := ReadCommand(r)
	if err != nil {
		t.Fatal(err)
	}
	if c.Line != "sendmsg agent-7" || c.Get("Execute-App-Name") != "playback" || string(c.Body) != "hello" {
		t.Fatalf("got %+v", c)
	}
	c, err = ReadCommand(r)
	if err != nil || c.Line != "api status" {
		t.Fatalf("second command %+v, %v", c, err)
	}
	var buf []byte
	buf = AppendCommand(buf, Command{Line: "bgapi originate x", Headers: []Header{{"Job-UUID", "j1"}}})
	c, err = ReadCommand(bufio.NewReader(bytes.NewReader(buf)))
	if err != nil || c.Get("job-uuid") != "j1" {
		t.Fatalf("AppendCommand round trip: %+v %v", c, err)
	}
}

// TestReadCommandSplitsLikeFreeSWITCH: header lines ended with "\n" in a
// block ended with "\r\n\r\n" are one line to FreeSWITCH, since it splits
// on "\r" whenever one appears; "\r\n" throughout reads as headers.
func TestReadCommandSplitsLikeFreeSWITCH(t *testing.T) {
	mixed := "bgapi originate x\nJob-UUID: j1\r\n\r\n"
	c, err := ReadCommand(bufio.NewReader(strings.NewReader(mixed)))
	if err != nil {
		t.Fatal(err)
	}
	if c.Line != "bgapi originate x\nJob-UUID: j1" || c.Get("Job-UUID") != "" {
		t.Errorf("mixed line ends read as %+v; FreeSWITCH reads one command line and no header", c)
	}
	crlf := "bgapi originate x\r\nJob-UUID: j1\r\n\r\napi status\r\n\r\n"
	r := bufio.NewReader(strings.NewReader(crlf))
	if c, err = ReadCommand(r); err != nil || c.Line != "bgapi originate x" || c.Get("Job-UUID") != "j1" {
		t.Errorf("CRLF command read as %+v, %v", c, err)
	}
	if c, err = ReadCommand(r); err != nil || c.Line != "api status" {
		t.Errorf("second CRLF command read as %+v, %v", c, err)
	}
	if got := string(AppendCommand(nil, Command{Line: "sendmsg u", Headers: []Header{{"call-command", "execute"}}})); got != "sendmsg u\r\ncall-command: execute\r\n\r\n" {
		t.Errorf("AppendCommand = %q, want CRLF line ends", got)
	}
}
