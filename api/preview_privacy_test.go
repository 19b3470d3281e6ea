package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/api/auth"
)

// TestAgentSeesNoOtherAgentsPreview: the lead a preview campaign shows an
// agent (its number, name, fields, skip notes) is theirs and a
// supervisor's to read: another agent's status, agent list and change
// stream show that agent without it, while alice's own show hers.
func TestAgentSeesNoOtherAgentsPreview(t *testing.T) {
	yaml := strings.Replace(campaignYAML, "    queues: [outbound]\n", "    queues: [outbound]\n    mode: preview\n", 1)
	yaml = strings.Replace(yaml, "agents:\n", "agents:\n  - {id: bob, endpoint: sim/bob, logged_in: true, queues: [{queue: other}]}\n", 1)
	yaml = strings.Replace(yaml, "queues:\n", "queues:\n  - {name: other}\n", 1)
	d := newTestDaemon(t, yaml)
	srv := authServer(t, d)
	bob := http.Header{"Authorization": {"Bearer " + addUser(t, d.db, auth.User{Name: "bo", Role: auth.Agent, Agent: "bob"})}}
	al := http.Header{"Authorization": {"Bearer " + addUser(t, d.db, auth.User{Name: "al", Role: auth.Agent, Agent: "alice"})}}
	sup := http.Header{"Authorization": {"Bearer " + addUser(t, d.db, auth.User{Name: "su", Role: auth.Supervisor})}}

	events := streamData(t, srv.URL+"/api/v1/events", bob)

	serveSpring(t, d, []string{"+12125550101"})
	if code, body := sendAs(t, "POST", srv.URL+"/api/v1/campaigns/spring/start", "", sup); code != http.StatusOK {
		t.Fatalf("start: %d %s", code, body)
	}
	const phone = "2125550101" // as any reader would find it in the JSON
	waitFor(t, func() bool {
		_, body := sendAs(t, "GET", srv.URL+"/api/v1/agents", "", sup)
		return strings.Contains(body, phone)
	}, "the lead shown to alice, as a supervisor sees it")
	for _, path := range []string{"/api/v1/agents", "/api/v1/status"} {
		if _, body := sendAs(t, "GET", srv.URL+path, "", bob); strings.Contains(body, phone) || strings.Contains(body, "Lead 1") {
			t.Errorf("bob's %s shows alice's preview lead: %s", path, body)
		} else if !strings.Contains(body, `"alice"`) {
			t.Errorf("bob's %s does not show alice at all: %s", path, body)
		}
		if _, body := sendAs(t, "GET", srv.URL+path, "", al); !strings.Contains(body, phone) {
			t.Errorf("alice's %s does not show her own preview lead: %s", path, body)
		}
	}
	// bob's stream began before the lead was shown: the agent change that
	// showed it came to him, cut.
	deadline := time.After(2 * time.Second)
	for n := 0; ; {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("bob's stream ended")
			}
			if strings.Contains(ev, phone) {
				t.Fatalf("bob's stream shows alice's preview lead: %s", ev)
			}
			if strings.Contains(ev, `"alice"`) {
				n++
			}
			continue
		case <-deadline:
			if n == 0 {
				t.Fatal("bob's stream showed nothing of alice")
			}
		}
		break
	}
}
