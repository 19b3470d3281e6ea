package wire

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func addCorpus(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.frames"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// FuzzReadFrame feeds arbitrary bytes to the frame reader and, for every
// event found, checks that re-serializing it parses back to the same event.
func FuzzReadFrame(f *testing.F) {
	addCorpus(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bufio.NewReader(bytes.NewReader(data))
		for i := 0; i < 64; i++ {
			fr, err := ReadFrame(r)
			if err != nil {
				return
			}
			again, err := ReadFrame(bufio.NewReader(bytes.NewReader(AppendFrame(nil, fr))))
			if err != nil {
				t.Fatalf("re-read of a written frame: %v", err)
			}
			if len(again.Headers) < len(fr.Headers) || !bytes.Equal(again.Body, fr.Body) {
				t.Fatalf("frame changed on rewrite: %+v vs %+v", fr, again)
			}
			switch fr.ContentType() {
			case TypeEventPlain:
				if e, err := ParsePlain(fr.Body); err == nil {
					stable(t, e)
				}
			case TypeEventJSON:
				if e, err := ParseJSON(fr.Body); err == nil {
					stable(t, e)
				}
			}
		}
	})
}

// FuzzParseEvent feeds arbitrary event bodies to both event decoders.
func FuzzParseEvent(f *testing.F) {
	f.Add([]byte("Event-Name: DTMF\nDTMF-Digit: %23\n\n"))
	f.Add([]byte(`{"Event-Name":"DTMF","DTMF-Digit":"#","_body":"x"}`))
	f.Add([]byte("Event-Name: X\nContent-Length: 3\n\nabc"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if e, err := ParsePlain(data); err == nil {
			stable(t, e)
		}
		if e, err := ParseJSON(data); err == nil {
			stable(t, e)
		}
		if fast, ok := parseJSONFast(data); ok {
			slow, err := parseJSONSlow(data)
			if err != nil || !sameEvent(fast, slow) {
				t.Fatalf("fast and general JSON decoders disagree on %q:\n%+v\n%+v (%v)", data, fast, slow, err)
			}
		}
	})
}

// stable checks that an event survives a second trip through each format.
// Only a header set a reader could have produced is checked: names without
// line ends or colons, as the wire allows no others.
func stable(t *testing.T, e Event) {
	t.Helper()
	for _, h := range e.Headers {
		if bytes.ContainsAny([]byte(h.Name), "\r\n:") || h.Name == "" || h.Name != trimLeft(h.Name) {
			return
		}
	}
	j, err := ParseJSON(AppendJSON(nil, e))
	if err != nil {
		t.Fatalf("json re-parse: %v", err)
	}
	j2, err := ParseJSON(AppendJSON(nil, j))
	if err != nil || !sameEvent(j, j2) {
		t.Fatalf("json not stable: %+v vs %+v (%v)", j, j2, err)
	}
	p, err := ParsePlain(AppendPlain(nil, j))
	if err != nil {
		t.Fatalf("plain re-parse of %+v: %v", j, err)
	}
	if !sameEvent(p, dropLength(j)) {
		t.Fatalf("plain not stable:\n got %+v\nwant %+v", p, j)
	}
}

func trimLeft(s string) string { return string(bytes.TrimLeft([]byte(s), " \t")) }

func dropLength(e Event) Event {
	out := Event{Body: e.Body}
	for _, h := range e.Headers {
		if !bytes.EqualFold([]byte(h.Name), []byte("Content-Length")) {
			out.Headers = append(out.Headers, h)
		}
	}
	return out
}
