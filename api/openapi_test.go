package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// The OpenAPI document served at /api/v1/openapi.json names exactly the
// routes the server registers, each with a summary, and both ways in.
func TestOpenAPIListsEveryRoute(t *testing.T) {
	d := newTestDaemon(t, cfgYAML)
	h := New(d.rt, d.db, zerolog.Nop())
	h.EnableAuth(d.db, time.Now)
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			SecuritySchemes map[string]struct {
				Type   string `json:"type"`
				Scheme string `json:"scheme"`
				In     string `json:"in"`
				Name   string `json:"name"`
			} `json:"securitySchemes"`
		} `json:"components"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	if b := doc.Components.SecuritySchemes["bearer"]; b.Type != "http" || b.Scheme != "bearer" {
		t.Errorf("bearer scheme %+v", b)
	}
	if c := doc.Components.SecuritySchemes["session"]; c.Type != "apiKey" || c.In != "cookie" || c.Name != SessionCookie {
		t.Errorf("session scheme %+v", c)
	}

	var want []string
	for _, r := range registeredRoutes(t) {
		m, p := openAPIPath(r)
		want = append(want, m+" "+p)
		if routeSummary[r] == "" {
			t.Errorf("route %q has no summary in routeSummary", r)
		}
	}
	var got []string
	for p, ops := range doc.Paths {
		for m, raw := range ops {
			got = append(got, m+" "+p)
			var op struct {
				Summary  string `json:"summary"`
				Security *[]any `json:"security"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Errorf("%s %s: %v", m, p, err)
			}
			if op.Summary == "" {
				t.Errorf("%s %s: no summary", m, p)
			}
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("document lists\n%v\nthe server registers\n%v", got, want)
	}
	for r := range routeSummary {
		if _, ok := routeAccess[r]; !ok {
			t.Errorf("routeSummary names %q, which is no route", r)
		}
	}
	// Public routes say so; the others need the bearer token or the session.
	var login struct {
		Security []any `json:"security"`
	}
	json.Unmarshal(doc.Paths["/api/v1/login"]["post"], &login)
	if login.Security == nil || len(login.Security) != 0 {
		t.Errorf("login security %v, want []", login.Security)
	}
}
