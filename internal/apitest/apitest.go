// Package apitest drives a running daemon's HTTP API from the end-to-end
// tests of every switch, and reads what its records say.
package apitest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/hotline-cc/hotline/store"
)

// Spy asks the daemon at base (http://host:port) to ring endpoint into
// agent's call in mode (listen | whisper | barge) and returns the
// supervisor's channel.
func Spy(base, agent, mode, endpoint string) (string, error) {
	return agentPost(base, agent, "spy", map[string]string{"mode": mode, "endpoint": endpoint})
}

// SpyStop asks the daemon at base to hang up endpoint's listen, whisper or
// barge in agent's call, and returns the channel it hung up.
func SpyStop(base, agent, endpoint string) (string, error) {
	return agentPost(base, agent, "spy-stop", map[string]string{"endpoint": endpoint})
}

// agentPost posts an agent action with body and returns the channel its
// answer names.
func agentPost(base, agent, action string, body map[string]string) (string, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return "", err
	}
	resp, err := http.Post(base+"/api/v1/agents/"+agent+"/"+action, "application/json", strings.NewReader(string(b)))
	if err != nil {
		return "", fmt.Errorf("%s on %s: %w", action, agent, err)
	}
	defer resp.Body.Close()
	b, _ = io.ReadAll(resp.Body)
	var out struct {
		Channel string `json:"channel"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &out) != nil || out.Channel == "" {
		return "", fmt.Errorf("%s on %s: %s: %s", action, agent, resp.Status, b)
	}
	return out.Channel, nil
}

// HasStep reports whether r's timeline has a step kind whose detail holds
// detail.
func HasStep(r store.CallRecord, kind, detail string) bool {
	for _, st := range r.Timeline {
		if st.Kind == kind && strings.Contains(st.Detail, detail) {
			return true
		}
	}
	return false
}
