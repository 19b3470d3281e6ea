package ari_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path"
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

// promptLog stands between Asterisk and the daemon's own /prompts/ (a
// proxy, so Hotline's handler and its caching headers are what Asterisk
// sees) and notes each file Asterisk fetched; it also watches Asterisk's
// playback events, the proof that a prompt was played to a caller.
type promptLog struct {
	url     string // base of the media items: sound:<url><name>
	proxy   http.Handler
	mu      sync.Mutex     // guards fetched and plays
	fetched map[string]int // GETs by file name
	plays   []e2ePlayback  // every PlaybackStarted and PlaybackFinished, in order
}

// e2ePlayback is one of Asterisk's playback events.
type e2ePlayback struct {
	Type     string `json:"type"`
	Playback struct {
		ID        string `json:"id"`
		MediaURI  string `json:"media_uri"`
		TargetURI string `json:"target_uri"`
		State     string `json:"state"`
	} `json:"playback"`
}

func (p *promptLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		p.mu.Lock()
		p.fetched[path.Base(r.URL.Path)]++
		p.mu.Unlock()
	}
	p.proxy.ServeHTTP(w, r)
}

// media is the media item Hotline plays for text.
func (p *promptLog) media(t *testing.T, text string) string {
	t.Helper()
	name, err := (&speech.Prompts{Speed: 150}).File("en", text)
	if err != nil {
		t.Fatal(err)
	}
	return "sound:" + p.url + name
}

// played reports whether Asterisk played text's prompt to channel ch to
// its end (PlaybackStarted, then PlaybackFinished "done" for the same
// playback), and lists what it played there.
func (p *promptLog) played(t *testing.T, ch, text string) (bool, string) {
	t.Helper()
	return p.playedMedia(ch, p.media(t, text))
}

func (p *promptLog) playedMedia(ch, media string) (bool, string) {
	n, seen := p.completed(ch, media)
	return n > 0, fmt.Sprintf("%s not played to its end; on %s Asterisk played: %s", path.Base(media), ch, seen)
}

// completed counts the playbacks of media on channel ch that Asterisk
// played to their end, and lists every playback event of the channel.
func (p *promptLog) completed(ch, media string) (int, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	started := map[string]bool{}
	var seen []string
	n := 0
	for _, e := range p.plays {
		if e.Playback.TargetURI != "channel:"+ch {
			continue
		}
		seen = append(seen, e.Type+" "+path.Base(e.Playback.MediaURI)+" "+e.Playback.State)
		switch {
		case e.Playback.MediaURI != media:
		case e.Type == "PlaybackStarted":
			started[e.Playback.ID] = true
		case e.Type == "PlaybackFinished" && e.Playback.State == "done" && started[e.Playback.ID]:
			n++
		}
	}
	return n, strings.Join(seen, ", ")
}

// whenPlayed runs then as soon as Asterisk has played text's prompt to
// channel ch to its end, without waiting for the test; the channel it
// returns says "" then, or why not once timeout has passed.
func (p *promptLog) whenPlayed(t *testing.T, ch, text string, timeout time.Duration, then func()) <-chan string {
	t.Helper()
	media := p.media(t, text)
	out := make(chan string, 1)
	go func() {
		deadline := time.Now().Add(timeout)
		for {
			ok, why := p.playedMedia(ch, media)
			if ok {
				then()
				out <- ""
				return
			}
			if time.Now().After(deadline) {
				out <- fmt.Sprintf("after %v: %q: %s", timeout, text, why)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return out
}

// starts counts the playbacks of text's prompt Asterisk started, on any channel.
func (p *promptLog) starts(t *testing.T, text string) int {
	t.Helper()
	media := p.media(t, text)
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, e := range p.plays {
		if e.Type == "PlaybackStarted" && e.Playback.MediaURI == media {
			n++
		}
	}
	return n
}

// watch subscribes an application of its own to all of Asterisk's events
// and keeps the playback events.
func (p *promptLog) watch(t *testing.T, a *asterisk, app string) {
	t.Helper()
	conn := a.subscribeAll(t, app)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			var e e2ePlayback
			if json.Unmarshal(msg, &e) != nil || !strings.HasPrefix(e.Type, "Playback") {
				continue
			}
			p.mu.Lock()
			p.plays = append(p.plays, e)
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = conn.Close()
		<-done
	})
}

// newIVRE2E is the "ivr" scenario with its prompt directory, the prompt
// log Asterisk fetches through and the order service the flow looks up.
func newIVRE2E(t *testing.T, phones map[string]e2ePhone) (*e2eScenario, *promptLog) {
	t.Helper()
	if err := speech.CheckTools(); err != nil {
		t.Skip(err)
	}
	s := newE2E(t, "ivr", phones, "")
	prompts := newPromptLog(t, s)
	orders := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/orders/4711" {
			w.Write([]byte(`{"status": "on its way"}`))
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(orders.Close)
	s.fillConfig("@PROMPTS@", filepath.Join(s.dir, "prompts"), "@PROMPTURL@", prompts.url, "@LOOKUP@", orders.URL,
		"@TODAY@", time.Now().UTC().Format(time.DateOnly))
	return s, prompts
}

// newPromptLog puts a prompt log between Asterisk and the daemon of s,
// watching Asterisk's playbacks.
func newPromptLog(t *testing.T, s *e2eScenario) *promptLog {
	t.Helper()
	daemon, err := url.Parse("http://" + s.listen)
	if err != nil {
		t.Fatal(err)
	}
	prompts := &promptLog{proxy: httputil.NewSingleHostReverseProxy(daemon), fetched: map[string]int{}}
	ps := httptest.NewServer(prompts)
	t.Cleanup(ps.Close)
	prompts.url = ps.URL + "/prompts/"
	prompts.watch(t, s.ast, s.app+"-watch")
	return prompts
}

// fillConfig replaces the placeholders of the scenario's config (old,
// new pairs).
func (s *e2eScenario) fillConfig(pairs ...string) {
	s.t.Helper()
	body, err := os.ReadFile(s.config)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(s.config, []byte(strings.NewReplacer(pairs...).Replace(string(body))), 0o600); err != nil {
		s.t.Fatal(err)
	}
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
		"alice": {Answer: time.Second},                           // would stay on the line: if alice took the call, the test fails
		"bob":   {Answer: time.Second, Hangup: 15 * time.Second}, // on the line while the test looks at the call
	})
	s.start()
	time.Sleep(time.Second) // alice has idled longer than bob
	s.agentAction("bob", "login")

	faq := s.call(e2eCaller{Number: "6500", From: "5550601", DTMF: "1", DTMFAfter: 4 * time.Second})
	// The FAQ caller hangs up once the answer has been played to its end
	// (Asterisk's playback events say so), before the flow would end the
	// call itself.
	faqHeard := prompts.whenPlayed(t, faq.Far, "We are open from nine to six.", 30*time.Second, func() {
		_ = s.ast.do(context.Background(), http.MethodDelete, "/channels/"+url.PathEscape(faq.Near), nil, nil, nil)
	})
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

	// 1: the answer is played, the caller hangs up: contained.
	if why := <-faqHeard; why != "" {
		t.Fatalf("the FAQ answer was not played: %s", why)
	}
	rec = s.waitRecord(faq.Far, 20*time.Second, "the FAQ caller hangs up", e2eEnded)
	if rec.Outcome != acd.OutcomeSelfService || rec.HangupBy != acd.HangupCaller || !strings.Contains(e2eSteps(rec), "faq-answer hours by key 1") {
		t.Errorf("FAQ call: outcome %s by %s; %s", rec.Outcome, rec.HangupBy, e2eSteps(rec))
	}

	// A lookup's value is spoken: the prompt rendered for this call, with
	// the value in its text, was played to the caller.
	rec = s.waitRecord(order.Far, 30*time.Second, "the order call ends", e2eEnded)
	if !strings.Contains(e2eSteps(rec), "lookup lookup-result state=on its way") {
		t.Errorf("order call: no lookup result; %s", e2eSteps(rec))
	}
	if ok, why := prompts.played(t, order.Far, "Your order 4711 is on its way."); !ok {
		t.Errorf("order call: the looked-up status was not spoken: %s", why)
	}

	// Silence: asked again, then the fallback says goodbye.
	rec = s.waitRecord(silent.Far, 30*time.Second, "the silent call ends", e2eEnded)
	steps := e2eSteps(rec)
	if !strings.Contains(steps, "faq-retry timeout") || !strings.Contains(steps, "faq-fallback timeout") || !strings.Contains(steps, "hangup faq/bye") {
		t.Errorf("silent call: %s", steps)
	}
	if ok, why := prompts.played(t, silent.Far, "Goodbye."); !ok {
		t.Errorf("silent call: no goodbye: %s", why)
	}
	menu := "Press 1 for our opening hours, or 0 for a person."
	if n, seen := prompts.completed(silent.Far, prompts.media(t, menu)); n != 2 {
		t.Errorf("silent call: the menu played %d times to its end, want 2 (asked again once): %s", n, seen)
	}
	// After hours: the closed branch, a message recorded until the caller
	// hangs up, and a callback task of the queue with the recording.
	rec = s.waitRecord(closed.Far, 30*time.Second, "the after-hours call ends", e2eEnded)
	steps = e2eSteps(rec)
	if rec.Outcome != acd.OutcomeCallback || !strings.Contains(steps, "hours closed") || !strings.Contains(steps, "voicemail-left hung up") || rec.Recording.Name == "" {
		t.Errorf("after hours: outcome %s recording %+v; %s", rec.Outcome, rec.Recording, steps)
	}
	if ok, why := prompts.played(t, closed.Far, "We are closed. Please leave a message after the tone."); !ok {
		t.Errorf("after hours: the closed message was not played: %s", why)
	}
	// Every caller to 6500 heard the menu, the silent one twice; Asterisk's
	// media cache kept the prompt rather than fetching it for each playback
	// (and deleting the copy another call was about to play).
	prompts.mu.Lock()
	fetched := maps.Clone(prompts.fetched)
	prompts.mu.Unlock()
	if n, name := prompts.starts(t, menu), path.Base(prompts.media(t, menu)); n < 4 || fetched[name] >= n {
		t.Errorf("the menu prompt %s: %d playbacks, %d fetches; want 4 or more, each fetch serving several (fetches %v)", name, n, fetched[name], fetched)
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
