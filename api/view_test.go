package api

import (
	"bufio"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/api/auth"
)

// An agent's status and change stream show the live calls the agent is
// rung for or on, never another caller's number, IVR path or contact: the
// desk shows the agent's own call only, and the call records are a
// supervisor's.
func TestAgentSeesOwnCallsOnly(t *testing.T) {
	d := newTestDaemon(t, teamsYAML)
	srv := authServer(t, d)
	al := addUser(t, d.db, auth.User{Name: "al", Role: auth.Agent, Agent: "alice"})
	hdr := http.Header{"Authorization": {"Bearer " + al}}

	events := streamData(t, srv.URL+"/api/v1/events", hdr)

	// A caller waits in sales, where nobody is logged in.
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "5550001", To: "200"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		return slices.ContainsFunc(d.rt.Snapshot().Calls, func(c engine.CallStatus) bool { return c.Caller == "5550001" })
	}, "the sales caller queued")
	// Alice logs in; a support caller is offered to her.
	if _, err := engine.Send(t.Context(), d.rt, engine.Login{Agent: "alice"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "5550002", To: "100"}); err != nil {
		t.Fatal(err)
	}
	var status string
	waitFor(t, func() bool {
		_, status = sendAs(t, "GET", srv.URL+"/api/v1/status", "", hdr)
		return strings.Contains(status, "5550002")
	}, "alice's call in her status")
	if strings.Contains(status, "5550001") {
		t.Errorf("alice's status shows the sales caller she is not rung for: %s", status)
	}
	deadline := time.After(30 * time.Second)
	for seen := false; !seen; {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("the stream ended")
			}
			if strings.Contains(ev, "5550001") {
				t.Fatalf("alice's stream shows the sales caller: %s", ev)
			}
			seen = strings.Contains(ev, "5550002")
		case <-deadline:
			t.Fatal("alice's stream never showed her call")
		}
	}
}

// streamData opens url's event stream with hdr and returns the data lines
// of its events, in order; the channel closes with the stream, which the
// test's end closes.
func streamData(t *testing.T, url string, hdr http.Header) <-chan string {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header = hdr
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return dataLines(resp.Body)
}

// dataLines sends the data lines of the event stream r, closing the
// channel at its end.
func dataLines(r io.Reader) <-chan string {
	events := make(chan string, 1024)
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				events <- data
			}
		}
		close(events)
	}()
	return events
}
