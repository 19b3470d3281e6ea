package ari_test

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/speech"
)

// transcriber is the test's speech recognizer: the transcription API
// (POST /v1/audio/transcriptions, multipart file and model). It knows the
// questions by the length of their speech: it answers the text of the
// question whose recording is nearest in length to what it got, and
// refuses anything that is not a WAV file with a voice in it.
type transcriber struct {
	questions map[string]time.Duration // text → length of its speech
	mu        sync.Mutex
	heard     []string // what it answered, in order
	refused   []string // why it refused a request
}

func (tr *transcriber) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	refuse := func(why string) {
		tr.mu.Lock()
		tr.refused = append(tr.refused, why)
		tr.mu.Unlock()
		http.Error(w, why, http.StatusBadRequest)
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v1/audio/transcriptions" {
		refuse(r.Method + " " + r.URL.Path)
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		refuse("no file: " + err.Error())
		return
	}
	audio, _ := io.ReadAll(f)
	if m := r.FormValue("model"); m != "hotline-test" {
		refuse(fmt.Sprintf("model %q", m))
		return
	}
	span, err := speechSpan(audio)
	switch {
	case err != nil:
		refuse(fmt.Sprintf("%s: %v", hdr.Filename, err))
		return
	case span < 300*time.Millisecond:
		refuse(fmt.Sprintf("%s: %d bytes with %v of voice: no question in it", hdr.Filename, len(audio), span))
		return
	}
	best, gap := "", time.Duration(math.MaxInt64)
	for text, d := range tr.questions {
		if g := (span - d).Abs(); g < gap {
			best, gap = text, g
		}
	}
	tr.mu.Lock()
	tr.heard = append(tr.heard, fmt.Sprintf("%s (%v of voice)", best, span))
	tr.mu.Unlock()
	fmt.Fprintf(w, `{"text": %q}`, best)
}

// speechSpan is how long the voice in a WAV file lasts: from the first to
// the last 20 ms frame louder than line noise.
func speechSpan(audio []byte) (time.Duration, error) {
	l, err := speech.WAVLevel(audio)
	if err != nil {
		return 0, err
	}
	i := strings.Index(string(audio), "data")
	if i < 0 || l.Rate == 0 {
		return 0, fmt.Errorf("no data chunk")
	}
	data := audio[i+8:]
	frame := l.Rate / 50 * 2
	first, last := -1, -1
	for n := 0; (n+1)*frame <= len(data); n++ {
		var sum float64
		for j := n * frame; j+1 < (n+1)*frame; j += 2 {
			v := float64(int16(uint16(data[j]) | uint16(data[j+1])<<8))
			sum += v * v
		}
		if math.Sqrt(sum/float64(frame/2)) > 400 {
			if first < 0 {
				first = n
			}
			last = n
		}
	}
	if first < 0 {
		return 0, nil
	}
	return time.Duration(last-first+1) * 20 * time.Millisecond, nil
}

// Issue 11's spoken question on a real Asterisk: callers play an
// espeak-ng recording of their question after the prompt and the beep;
// Asterisk records it until silence, Hotline fetches the file and sends
// it to the test's recognizer, and the answer of the entry matched is
// played to each caller, who hangs up: contained, with the phrase and
// its confidence in the record.
func TestAsteriskE2ESpokenQuestion(t *testing.T) {
	if err := speech.CheckTools(); err != nil {
		t.Skip(err)
	}
	s := newE2E(t, "speech", map[string]e2ePhone{"alice": {Answer: time.Second}}, "")

	// The questions, rendered where the callers' dialplan plays them from.
	questions := map[string]string{ // text → file inside Asterisk's root, without extension
		"When are you open?": "",
		"Where is your office? I would like to come and see you next week.": "",
	}
	dir := filepath.Join(s.ast.root, "tmp", "hotline-"+s.tag)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	render := &speech.Prompts{Dir: dir, Speed: 150}
	tr := &transcriber{questions: map[string]time.Duration{}}
	for text := range questions {
		if _, err := render.Render(context.Background(), "en", text); err != nil {
			t.Fatal(err)
		}
		name, _ := render.File("en", text)
		audio, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if tr.questions[text], err = speechSpan(audio); err != nil {
			t.Fatal(err)
		}
		rel, err := filepath.Rel(s.ast.root, filepath.Join(dir, strings.TrimSuffix(name, ".wav")))
		if err != nil {
			t.Fatal(err)
		}
		questions[text] = "/" + filepath.ToSlash(rel)
	}
	recognizer := httptest.NewServer(tr)
	t.Cleanup(recognizer.Close)

	prompts := newPromptLog(t, s)
	s.fillConfig("@PROMPTS@", filepath.Join(s.dir, "prompts"), "@PROMPTURL@", prompts.url, "@RECOGNIZER@", recognizer.URL)
	s.start()

	hours := s.call(e2eCaller{Number: "6600", From: "5550701", Say: questions["When are you open?"]})
	office := s.call(e2eCaller{Number: "6600", From: "5550702", Say: questions["Where is your office? I would like to come and see you next week."]})
	// Each caller hangs up once its answer was played to its end.
	hangUp := func(c e2ePlaced) func() {
		return func() {
			_ = s.ast.do(context.Background(), http.MethodDelete, "/channels/"+url.PathEscape(c.Near), nil, nil, nil)
		}
	}
	heardHours := prompts.whenPlayed(t, hours.Far, "We are open from nine to six.", 45*time.Second, hangUp(hours))
	heardOffice := prompts.whenPlayed(t, office.Far, "We are at one Main Street.", 45*time.Second, hangUp(office))
	for _, w := range []<-chan string{heardHours, heardOffice} {
		if why := <-w; why != "" {
			tr.mu.Lock()
			t.Errorf("a spoken question's answer was not played: %s (recognizer answered %q, refused %q)", why, tr.heard, tr.refused)
			tr.mu.Unlock()
		}
	}
	for c, want := range map[e2ePlaced]string{
		hours:  `faq-recognized "When are you open?" → hours (`,
		office: `faq-recognized "Where is your office? I would like to come and see you next week." → address (`,
	} {
		rec := s.waitRecord(c.Far, 20*time.Second, "the caller hangs up", e2eEnded)
		if steps := e2eSteps(rec); rec.Outcome != acd.OutcomeSelfService || !strings.Contains(steps, want) || !strings.Contains(steps, "by phrase") {
			t.Errorf("%s: outcome %s; want %s and the answer by phrase in %s", c.Far, rec.Outcome, want, steps)
		}
	}
	tr.mu.Lock()
	t.Logf("questions %v; the recognizer heard %q", tr.questions, tr.heard)
	if len(tr.heard) != 2 || len(tr.refused) != 0 {
		t.Errorf("recognizer answered %q and refused %q; want each question once", tr.heard, tr.refused)
	}
	tr.mu.Unlock()
	if w := s.status().Warnings; w["speech"] != 0 {
		t.Errorf("warnings %v", w)
	}
}
