package ari_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/speech"
	"github.com/hotline-cc/hotline/store"
)

// promptLog serves the daemon's rendered prompts to Asterisk, as Hotline's
// own /prompts/ does, and notes each file Asterisk fetched: a prompt Asterisk
// fetched is one it was asked to play.
type promptLog struct {
	dir     string
	mu      sync.Mutex // guards fetched
	fetched map[string]int
}

func (p *promptLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := filepath.Base(r.URL.Path)
	p.mu.Lock()
	p.fetched[name]++
	p.mu.Unlock()
	w.Header().Set("Content-Type", "audio/wav")
	http.ServeFile(w, r, filepath.Join(p.dir, name))
}

func (p *promptLog) saw(t *testing.T, text string) bool {
	t.Helper()
	name, err := (&speech.Prompts{Speed: 150}).File("en", text)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fetched[name] > 0
}

// newIVRE2E is the "ivr" scenario with its prompt directory, the prompt
// server Asterisk fetches from and the order service the flow looks up.
func newIVRE2E(t *testing.T, phones map[string]e2ePhone) (*e2eScenario, *promptLog) {
	t.Helper()
	if err := speech.CheckTools(); err != nil {
		t.Skip(err)
	}
	s := newE2E(t, "ivr", phones, "")
	prompts := &promptLog{dir: filepath.Join(s.dir, "prompts"), fetched: map[string]int{}}
	ps := httptest.NewServer(prompts)
	t.Cleanup(ps.Close)
	orders := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/orders/4711" {
			w.Write([]byte(`{"status": "on its way"}`))
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(orders.Close)
	body, err := os.ReadFile(s.config)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer("@PROMPTS@", prompts.dir, "@PROMPTURL@", ps.URL+"/prompts/", "@LOOKUP@", orders.URL,
		"@TODAY@", time.Now().UTC().Format(time.DateOnly)).Replace(string(body))
	if err := os.WriteFile(s.config, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return s, prompts
}

func e2eSteps(r store.CallRecord) string {
	var out []string
	for _, s := range r.Timeline {
		out = append(out, strings.TrimSpace(s.Kind+" "+s.Detail))
	}
	return strings.Join(out, " | ")
}

// Issue 11 on a real Asterisk: spoken FAQ answers, a person with the
// flow's skill, retries on silence, and a looked-up value spoken back.
func TestAsteriskE2EIVR(t *testing.T) {
	s, prompts := newIVRE2E(t, map[string]e2ePhone{
		"alice": {Answer: time.Second}, // would stay on the line: if alice took the call, the test fails
		"bob":   {Answer: time.Second, Hangup: 3 * time.Second},
	})
	s.start()
	time.Sleep(time.Second) // alice has idled longer than bob
	s.agentAction("bob", "login")

	faq := s.call(e2eCaller{Number: "6500", From: "5550601", DTMF: "1", DTMFAfter: 4 * time.Second, HangupAfter: 8 * time.Second})
	person := s.call(e2eCaller{Number: "6500", From: "5550602", DTMF: "0", DTMFAfter: 2 * time.Second})
	silent := s.call(e2eCaller{Number: "6500", From: "5550603"})
	order := s.call(e2eCaller{Number: "6501", From: "5550604", DTMF: "4711", DTMFAfter: 3 * time.Second})
	closed := s.call(e2eCaller{Number: "6502", From: "5550605", HangupAfter: 12 * time.Second})

	// 0: queued with the flow's skill, answered by bob, who sees the path.
	rec, _ := s.bridged(person, "bob", 20*time.Second)
	if live, ok := s.liveCall(person.Far); !ok || !strings.Contains(live.IVR, "faq-agent key 0") || !strings.Contains(live.IVR, "flow-skills map[orders:2]") {
		t.Errorf("the agent's view of the call lacks its IVR path: %+v (live %v)", live, ok)
	}
	if rec.Queue != "support" {
		t.Errorf("queue %q", rec.Queue)
	}

	// 1: the answer is played (Asterisk fetched it), the caller hangs up.
	rec = s.waitRecord(faq.Far, 20*time.Second, "the FAQ caller hangs up", e2eEnded)
	if !prompts.saw(t, "We are open from nine to six.") {
		t.Errorf("Asterisk never fetched the answer's prompt (fetched %v)", prompts.fetched)
	}
	if rec.Outcome != acd.OutcomeSelfService || rec.HangupBy != acd.HangupCaller || !strings.Contains(e2eSteps(rec), "faq-answer hours by key 1") {
		t.Errorf("FAQ call: outcome %s by %s; %s", rec.Outcome, rec.HangupBy, e2eSteps(rec))
	}

	// A lookup's value is spoken: the prompt rendered for this call was played.
	rec = s.waitRecord(order.Far, 30*time.Second, "the order call ends", e2eEnded)
	if !prompts.saw(t, "Your order 4711 is on its way.") || !strings.Contains(e2eSteps(rec), "lookup lookup-result state=on its way") {
		t.Errorf("order call: the looked-up status was not spoken; %s", e2eSteps(rec))
	}

	// Silence: asked again, then the fallback says goodbye.
	rec = s.waitRecord(silent.Far, 30*time.Second, "the silent call ends", e2eEnded)
	steps := e2eSteps(rec)
	if !strings.Contains(steps, "faq-retry timeout") || !strings.Contains(steps, "faq-fallback timeout") || !strings.Contains(steps, "hangup faq/bye") || !prompts.saw(t, "Goodbye.") {
		t.Errorf("silent call: %s", steps)
	}
	// After hours: the closed branch, a message recorded until the caller
	// hangs up, and a callback task of the queue with the recording.
	rec = s.waitRecord(closed.Far, 30*time.Second, "the after-hours call ends", e2eEnded)
	steps = e2eSteps(rec)
	if rec.Outcome != acd.OutcomeCallback || !strings.Contains(steps, "hours closed") || !strings.Contains(steps, "voicemail-left hung up") ||
		rec.Recording.Name == "" || !prompts.saw(t, "We are closed. Please leave a message after the tone.") {
		t.Errorf("after hours: outcome %s recording %+v; %s", rec.Outcome, rec.Recording, steps)
	}
	s.eventually(10*time.Second, "the message's recording written", func() (bool, string) {
		r, _ := s.recordOf(closed.Far)
		return r.Recording.Path != "", fmt.Sprintf("recording %+v", r.Recording)
	})
	if q := s.queueStatus("messages"); q.PendingCB != 1 {
		t.Errorf("queue messages: %d pending callbacks, want the voicemail's", q.PendingCB)
	}
	voicemail, _ := s.recordOf(closed.Far)
	if w := s.status().Warnings; w["playback-failed"] != 0 || w["prompt-render"] != 0 {
		t.Errorf("warnings %v", w)
	}

	// The FAQ caller counts as contained, the others not.
	s.d.stop(t)
	out, err := exec.Command(s.bin, "ivr", "report", "--config", s.config, "--format", "json").CombinedOutput()
	if err != nil {
		t.Fatalf("ivr report: %v\n%s", err, out)
	}
	var rep struct {
		Flows []struct {
			Flow                          string
			Calls, FAQAnswered, Contained int
		} `json:"flows"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	db, err := store.Open(filepath.Join(s.dir, "hotline.db"), store.Options{ReadOnly: true, LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cbs, err := db.Callbacks()
	db.Close()
	if err != nil || len(cbs) != 1 || cbs[0].Queue != "messages" || cbs[0].Number != "5550605" || cbs[0].Recording != voicemail.Recording.Name {
		t.Errorf("callback tasks %+v (%v), want the voicemail's for messages with its recording %q", cbs, err, voicemail.Recording.Name)
	}
	found := false
	for _, f := range rep.Flows {
		if f.Flow == "faq" {
			found = true
			if f.Calls != 3 || f.Contained != 1 {
				t.Errorf("faq flow: %+v, want 3 calls, 1 contained\n%s", f, out)
			}
		}
	}
	if !found {
		t.Errorf("no faq flow in the report:\n%s", out)
	}
}

// queueStatus is the status of queue name.
func (s *e2eScenario) queueStatus(name string) engine.QueueStatus {
	s.t.Helper()
	for _, q := range s.status().Queues {
		if q.Name == name {
			return q
		}
	}
	s.t.Fatalf("status lists no queue %q", name)
	return engine.QueueStatus{}
}
