package api

import (
	"encoding/json"
	"strings"
	"testing"
)

// The routes that read query parameters refuse one they do not read, by
// name: a typo (queu=, answerd=) was ignored and the whole list answered.
// The OpenAPI document lists the ones they read.
func TestUnknownQueryParameters(t *testing.T) {
	d := newTestDaemon(t, cfgYAML)
	for _, tc := range []struct{ method, path, want string }{
		{"GET", "/api/v1/calls?queu=support", `query parameter \"queu\": not one of from, to, queue, agent`},
		{"GET", "/api/v1/calls?limit=5&limit=10", `query parameter \"limit\" given 2 times`},
		{"GET", "/api/v1/campaigns/spring/leads?answerd=1", `query parameter \"answerd\": not one of answered, limit, offset`},
		{"POST", "/api/v1/campaigns/spring/leads?regoin=GB", `query parameter \"regoin\": not one of region, map`},
		{"GET", "/api/v1/campaigns/spring/leads.csv?answered=1", `query parameter \"answered\": this route reads none`},
		{"POST", "/api/v1/campaigns/spring/start?force=1", `query parameter \"force\": this route reads none`},
	} {
		if code, body := send(t, tc.method, d.srv.URL+tc.path, ""); code != 400 || !strings.Contains(body, tc.want) {
			t.Errorf("%s %s: %d %s; want 400 and %s", tc.method, tc.path, code, body, tc.want)
		}
	}
	if code, body := send(t, "GET", d.srv.URL+"/api/v1/calls?queue=support&limit=5", ""); code != 200 {
		t.Errorf("known parameters: %d %s", code, body)
	}
	code, body := send(t, "GET", d.srv.URL+"/api/v1/openapi.json", "")
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct{ Name, In string }
		}
	}
	if code != 200 || json.Unmarshal([]byte(body), &doc) != nil {
		t.Fatalf("openapi: %d", code)
	}
	var names []string
	for _, p := range doc.Paths["/api/v1/dnc/{list}"]["get"].Parameters {
		names = append(names, p.In+":"+p.Name)
	}
	if strings.Join(names, " ") != "path:list query:limit query:offset" {
		t.Errorf("GET /api/v1/dnc/{list} parameters in the OpenAPI document: %v", names)
	}
}
