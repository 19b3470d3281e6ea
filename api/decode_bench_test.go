package api

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func BenchmarkDecode(b *testing.B) {
	for _, c := range []struct{ name, body string }{
		{"pause", `{"reason":"lunch"}`},
		{"notes", `{"disposition":"sale","notes":"` + strings.Repeat("a note of some length. ", 400) + `","reason":"billing"}`},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest("POST", "/", strings.NewReader(c.body))
				var v DispositionRequest
				var a AgentRequest
				var err error
				if c.name == "pause" {
					err = decode(httptest.NewRecorder(), r, &a)
				} else {
					err = decode(httptest.NewRecorder(), r, &v)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
