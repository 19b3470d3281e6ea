package api

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/engine"
)

// sseEvent is one parsed Server-Sent Event.
type sseEvent struct {
	id, event, data string
}

// sseClient reads an event stream in the background.
type sseClient struct {
	events   chan sseEvent
	comments chan string
	resp     *http.Response
}

func openEvents(t *testing.T, url, lastID string) *sseClient {
	t.Helper()
	return openEventsAs(t, url, lastID, "")
}

// openEventsAs opens the stream with a token ("" = none).
func openEventsAs(t *testing.T, url, lastID, token string) *sseClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/api/v1/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %s, %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	c := &sseClient{events: make(chan sseEvent, 1024), comments: make(chan string, 1024), resp: resp}
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.event != "" {
					c.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, ":"):
				select {
				case c.comments <- line:
				default:
				}
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[6:]
			}
		}
		close(c.events)
	}()
	return c
}

// next waits for the next event of one of the kinds.
func (c *sseClient) next(t *testing.T, kinds ...string) sseEvent {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case ev, ok := <-c.events:
			if !ok {
				t.Fatalf("stream ended waiting for %v", kinds)
			}
			for _, k := range kinds {
				if ev.event == k {
					return ev
				}
			}
		case <-timeout:
			t.Fatalf("no %v event within 30 s", kinds)
		}
	}
}

// agentChange waits for a change of agent id to state.
func (c *sseClient) agentChange(t *testing.T, id, state string) engine.AgentStatus {
	t.Helper()
	for {
		ev := c.next(t, "agent")
		var ch engine.Change
		if err := json.Unmarshal([]byte(ev.data), &ch); err != nil {
			t.Fatalf("agent event %q: %v", ev.data, err)
		}
		if ch.Agent == nil {
			t.Fatalf("agent event without agent: %s", ev.data)
		}
		if ch.Agent.ID == id && ch.Agent.State == state {
			return *ch.Agent
		}
	}
}

func TestEventsStreamAgentChanges(t *testing.T) {
	srv, _ := newTestServer(t)
	c := openEvents(t, srv.URL, "")
	first := c.next(t, "snapshot", "agent", "queue", "call", "call-ended")
	if first.event != "snapshot" {
		t.Fatalf("first event %q, want snapshot", first.event)
	}
	var snap engine.Snapshot
	if err := json.Unmarshal([]byte(first.data), &snap); err != nil {
		t.Fatal(err)
	}
	if len(snap.Agents) != 1 || snap.Agents[0].State != "logged-out" || first.id == "" {
		t.Fatalf("snapshot %s (id %q)", first.data, first.id)
	}
	if code, body := post(t, srv.URL+"/api/v1/agents/alice/login", ""); code != 200 {
		t.Fatalf("login: %d %s", code, body)
	}
	c.agentChange(t, "alice", "available")
	if code, body := post(t, srv.URL+"/api/v1/agents/alice/pause", `{"reason":"coffee"}`); code != 200 {
		t.Fatalf("pause: %d %s", code, body)
	}
	if a := c.agentChange(t, "alice", "paused"); a.Reason != "coffee" {
		t.Errorf("paused agent change has reason %q, want coffee", a.Reason)
	}
	// An idle stream gets keep-alives, as events a page sees (a comment
	// line it would not): a page hearing none knows its stream stalled.
	if ka := c.next(t, "keep-alive"); !strings.HasPrefix(ka.data, `{"every_s":`) {
		t.Errorf("keep-alive data %q, want the interval", ka.data)
	}
}

func TestEventsResumeFromLastEventID(t *testing.T) {
	srv, _ := newTestServer(t)
	c := openEvents(t, srv.URL, "")
	snap := c.next(t, "snapshot")
	c.resp.Body.Close()
	if code, body := post(t, srv.URL+"/api/v1/agents/alice/login", ""); code != 200 {
		t.Fatalf("login: %d %s", code, body)
	}
	c2 := openEvents(t, srv.URL, snap.id)
	ev := c2.next(t, "snapshot", "agent")
	if ev.event != "agent" || !strings.Contains(ev.data, `"available"`) {
		t.Errorf("resumed stream starts with %s %s, want the missed agent change", ev.event, ev.data)
	}
	resp, err := http.Get(srv.URL + "/api/v1/events?last_event_id=" + snap.id)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "event: ") {
	}
	if sc.Text() != "event: agent" {
		t.Errorf("resumed by parameter: first event %q, want the missed agent change", sc.Text())
	}
	resp.Body.Close()
	head, err := (&http.Client{Timeout: 30 * time.Second}).Head(srv.URL + "/api/v1/events")
	if err != nil || head.StatusCode != 200 || head.Header.Get("Content-Type") != "text/event-stream" {
		t.Errorf("HEAD of the stream: %v %v", head, err)
	}
	c3 := openEvents(t, srv.URL, "12") // from a position this run never had
	if ev := c3.next(t, "snapshot", "agent"); ev.event != "snapshot" {
		t.Errorf("unknown Last-Event-ID: first event %s, want snapshot", ev.event)
	}
}

// A client that opens the stream and never reads must not slow the engine:
// agent requests keep being answered promptly while it sits there.
func TestEventsSlowClientDoesNotBlockEngine(t *testing.T) {
	srv, _ := newTestServer(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(1024)
	}
	if _, err := io.WriteString(conn, "GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 30 * time.Second} // a request the stuck client held would never end
	for i := range 400 {
		action := "login"
		if i%2 == 1 {
			action = "logout"
		}
		resp, err := client.Post(srv.URL+"/api/v1/agents/alice/"+action, "application/json", nil)
		if err != nil {
			t.Fatalf("%s #%d with a stuck event client: %v", action, i, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s #%d: %s", action, i, resp.Status)
		}
	}
	// A new client still gets a current snapshot.
	c := openEvents(t, srv.URL, "")
	var snap engine.Snapshot
	if err := json.Unmarshal([]byte(c.next(t, "snapshot").data), &snap); err != nil {
		t.Fatal(err)
	}
	if snap.Agents[0].State != "logged-out" {
		t.Errorf("snapshot after 400 requests: alice %s, want logged-out", snap.Agents[0].State)
	}
}

// Status, agents, queues and metrics are read from the published snapshot:
// they answer while the engine goroutine is busy.
func TestReadsDoNotWaitForEngine(t *testing.T) {
	d := newTestDaemon(t, cfgYAML)
	release := make(chan struct{})
	busy := make(chan struct{})
	go func() {
		_ = d.rt.Do(context.Background(), func(*engine.Core, time.Time) error {
			close(busy)
			<-release
			return nil
		})
	}()
	<-busy
	defer close(release)
	client := &http.Client{Timeout: 30 * time.Second} // a read that waited for the engine would never end
	for _, path := range []string{"/api/v1/status", "/api/v1/agents", "/api/v1/queues", "/metrics"} {
		resp, err := client.Get(d.srv.URL + path)
		if err != nil {
			t.Errorf("%s while the engine is busy: %v", path, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s while the engine is busy: %s", path, resp.Status)
		}
	}
}
