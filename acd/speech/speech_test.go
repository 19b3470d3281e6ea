package speech

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// transcriber is a stand-in for a transcription service: it checks the
// request as the real API would and answers what the test sets.
type transcriber struct {
	status int
	answer string
	got    struct{ file, name, model, lang, auth string }
}

func (tr *transcriber) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/audio/transcriptions" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		http.Error(w, "no file: "+err.Error(), http.StatusBadRequest)
		return
	}
	data, _ := io.ReadAll(f)
	tr.got.file, tr.got.name = string(data), hdr.Filename
	tr.got.model, tr.got.lang = r.FormValue("model"), r.FormValue("language")
	tr.got.auth = r.Header.Get("Authorization")
	w.WriteHeader(tr.status)
	io.WriteString(w, tr.answer)
}

func TestHTTPRecognizer(t *testing.T) {
	tr := &transcriber{status: 200, answer: `{"text": " What are your opening hours? "}`}
	srv := httptest.NewServer(tr)
	defer srv.Close()
	h := &HTTP{URL: srv.URL, Model: "base.en", Token: "secret"}
	text, err := h.Recognize(context.Background(), strings.NewReader("RIFF...audio"), "/var/spool/hotline/utt-1.wav", "en")
	if err != nil {
		t.Fatal(err)
	}
	if text != "What are your opening hours?" {
		t.Errorf("text = %q", text)
	}
	if g := tr.got; g.file != "RIFF...audio" || g.name != "utt-1.wav" || g.model != "base.en" || g.lang != "en" || g.auth != "Bearer secret" {
		t.Errorf("service got %+v", g)
	}
}

func TestHTTPRecognizerErrors(t *testing.T) {
	for _, tc := range []struct {
		name, answer string
		status       int
		want         string
	}{
		{"server error", `model not loaded`, 500, "500 Internal Server Error: model not loaded"},
		{"not json", `<html>`, 200, "without a JSON text field"},
		{"no text", `{"error": "x"}`, 200, "without a JSON text field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(&transcriber{status: tc.status, answer: tc.answer})
			defer srv.Close()
			_, err := (&HTTP{URL: srv.URL + "/v1/audio/transcriptions"}).Recognize(context.Background(), strings.NewReader("x"), "a.wav", "")
			if !errors.Is(err, ErrRecognizer) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrRecognizer with %q", err, tc.want)
			}
		})
	}
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(300 * time.Millisecond) }))
	defer slow.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := (&HTTP{URL: slow.URL}).Recognize(ctx, strings.NewReader("x"), "a.wav", ""); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow service: err = %v, want the deadline", err)
	}
}

// Without a model or a language the service gets whisper-1 and no
// language field; a service that is not there is an error naming it.
func TestHTTPRecognizerDefaults(t *testing.T) {
	tr := &transcriber{status: 200, answer: `{"text": "opening hours"}`}
	srv := httptest.NewServer(tr)
	if text, err := (&HTTP{URL: srv.URL + "/"}).Recognize(context.Background(), strings.NewReader("RIFF"), "u.wav", ""); err != nil || text != "opening hours" {
		t.Fatalf("Recognize = %q, %v", text, err)
	}
	if g := tr.got; g.model != "whisper-1" || g.lang != "" || g.auth != "" {
		t.Errorf("service got %+v, want model whisper-1, no language, no token", g)
	}
	srv.Close()
	_, err := (&HTTP{URL: srv.URL}).Recognize(context.Background(), strings.NewReader("RIFF"), "u.wav", "en")
	if err == nil || !strings.Contains(err.Error(), srv.URL+"/v1/audio/transcriptions") {
		t.Errorf("a service that is gone: %v, want an error naming its URL", err)
	}
}
