// Package speech turns a caller's recorded words into text for the IVR's
// FAQ matcher. Recognizers are adapters behind [Recognizer]; the first,
// [HTTP], speaks the widely served transcription API (POST
// /v1/audio/transcriptions with a multipart file and model, answered with
// JSON {"text": ...}) that whisper.cpp's server, faster-whisper servers
// and hosted speech services accept. With no recognizer configured the IVR
// works by DTMF keys alone.
package speech

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"path"
	"strings"
)

// Recognizer transcribes one utterance. lang ("en", "ru") is a hint; "" lets
// the service guess.
type Recognizer interface {
	Recognize(ctx context.Context, audio io.Reader, filename, lang string) (string, error)
}

// ErrRecognizer is a recognizer that answered, but not with a transcript.
var ErrRecognizer = errors.New("speech recognizer")

// HTTP is a client of the transcription API at URL (the service's base,
// e.g. http://127.0.0.1:8080; the path /v1/audio/transcriptions is added
// unless URL already ends with it).
type HTTP struct {
	URL    string
	Model  string // e.g. whisper-1; sent as the model field
	Token  string // sent as a Bearer token when set
	Client *http.Client
}

var _ Recognizer = (*HTTP)(nil)

const endpoint = "/v1/audio/transcriptions"

// Recognize implements Recognizer.
func (h *HTTP) Recognize(ctx context.Context, audio io.Reader, filename, lang string) (string, error) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, err := w.CreateFormFile("file", path.Base(filename))
	if err == nil {
		_, err = io.Copy(part, audio)
	}
	if err != nil {
		return "", fmt.Errorf("speech: reading %s: %w", filename, err)
	}
	model := h.Model
	if model == "" {
		model = "whisper-1"
	}
	fields := map[string]string{"model": model, "response_format": "json"}
	if lang != "" {
		fields["language"] = lang
	}
	for _, k := range []string{"model", "language", "response_format"} {
		if v, ok := fields[k]; ok {
			if err := w.WriteField(k, v); err != nil {
				return "", err
			}
		}
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	url := strings.TrimRight(h.URL, "/")
	if !strings.HasSuffix(url, endpoint) {
		url += endpoint
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, &body)
	if err != nil {
		return "", fmt.Errorf("speech: %w", err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	if h.Token != "" {
		req.Header.Set("Authorization", "Bearer "+h.Token)
	}
	client := h.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("speech: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("speech: %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%w: %s answered %s: %s", ErrRecognizer, url, resp.Status, strings.TrimSpace(string(raw)))
	}
	var answer struct {
		Text *string `json:"text"`
	}
	if err := json.Unmarshal(raw, &answer); err != nil || answer.Text == nil {
		return "", fmt.Errorf("%w: %s answered without a JSON text field: %.200s", ErrRecognizer, url, raw)
	}
	return strings.TrimSpace(*answer.Text), nil
}
