package api

import (
	"net/http"
	"sort"
	"strings"
)

// routeSummary says in a line what each route does; the OpenAPI document
// is built from it and routeAccess, and a test checks both name exactly the
// routes the server registers, so the document cannot drift from the code.
var routeSummary = map[string]string{
	"GET /healthz":                                "Liveness and readiness: the switch link and the store writer",
	"GET /{$}":                                    "The browser desk (sign-in, agent desktop, wallboard)",
	"GET /static/":                                "The desk's scripts, styles and images",
	"GET /api/v1/audit":                           "The audit log: every change and every read of personal data (from, to)",
	"GET /api/v1/openapi.json":                    "This document",
	"POST /api/v1/login":                          "Sign in with name and password: sets the session cookie, returns the CSRF token",
	"POST /api/v1/logout":                         "End the browser session",
	"GET /api/v1/whoami":                          "The signed-in user, their role and agent",
	"GET /api/v1/status":                          "The engine's published snapshot: queues, agents, live calls",
	"GET /api/v1/queues":                          "Live figures per queue",
	"GET /api/v1/agents":                          "Agents with their state and time in state",
	"POST /api/v1/agents/{id}/{action}":           "Agent action: login, logout, ready, pause (reason), spy (mode, endpoint), spy-stop (endpoint: hang up that phone's listen, whisper or barge; 404 when it is not in the agent's call)",
	"POST /api/v1/agents/{id}/call/{action}":      "On the agent's call: hold, unhold, transfer (agent, queue or number; attended), complete or cancel a consult",
	"GET /api/v1/agents/{id}/offer":               "Screen pop: the contact behind the agent's offered or current call",
	"GET /api/v1/calls":                           "Stored call records, filtered and paged by the parameters below",
	"GET /api/v1/calls/{id}":                      "One stored call record",
	"GET /api/v1/calls/{id}/recording":            "A call's recording file, ?n=N its N-th (default 1; GET /api/v1/recordings numbers them); Range requests; ?download=1 as an attachment; audited",
	"GET /api/v1/recordings":                      "Recordings of the calls that entered between from and to (default the last 24 h); audited",
	"POST /api/v1/agents/{id}/recording/{action}": "Start, stop, pause or resume the recording of the agent's call",
	"POST /api/v1/calls/{id}/disposition":         "Set a call's disposition and notes",
	"GET /api/v1/calls/{id}/dispositions":         "What a call's disposition may be: its campaign's dispositions (callback ones marked) and the agents a callback may be kept for",
	"GET /api/v1/events":                          "The engine's change stream as Server-Sent Events (and each callback task the user sees, when it changes)",
	"GET /api/v1/store/backup":                    "A consistent copy of the store file",
	"POST /api/v1/config/reload":                  "Apply the configuration file again",
	"GET /api/v1/config/{section}":                "The items of a config section as written in the file (agents, queues, teams, entries, menus, flows, campaigns), with their settings for a form",
	"POST /api/v1/config/{section}":               "Add an item to the config file (YAML, or a form's fields): validated, backed up, written, applied",
	"PUT /api/v1/config/{section}/{name}":         "Change an item of the config file (YAML, or a form's fields): validated, backed up, written, applied",
	"DELETE /api/v1/config/{section}/{name}":      "Remove an item from the config file: validated, backed up, written, applied",
	"GET /api/v1/reports":                         "The kinds of report, each with its formats and query parameters (period, interval, filters)",
	"GET /api/v1/reports/{kind}":                  "A report (queues, agents, dispositions, campaigns, ivr, queue-log) over a time range, its rows cut to a queue, agent or campaign if asked",
	"GET /api/v1/charts/today":                    "Today's calls offered, answered and abandoned per interval, service level against target and agents by state, as SVG (interval: 15m or hour)",
	"GET /api/v1/charts/period":                   "The charts of charts/today over from..to (tz), by hour up to two days and by day beyond unless interval says (15m, hour, day), for one queue if asked, as SVG",
	"GET /api/v1/dnc/{list}":                      "The numbers on a do-not-call list (global: every campaign's), with when and how each was added, a page at a time (?limit=N, default and at most 5000; ?offset=N; Link rel=\"next\")",
	"POST /api/v1/dnc/{list}":                     "Put numbers on a do-not-call list (global or a campaign's; E.164, or written locally with region)",
	"DELETE /api/v1/dnc/{list}/{phone}":           "Take a number off a do-not-call list (E.164, or written locally with ?region=)",
	"GET /api/v1/users":                           "The users (name, role, agent, teams, disabled, lockout); never their passwords",
	"POST /api/v1/users":                          "Create a user (name, role, password; agent for an agent user, teams for a supervisor)",
	"PUT /api/v1/users/{name}":                    "Change a user's role, agent, teams or disabled flag, reset the password or lift a lockout",
	"GET /api/v1/campaigns":                       "Outbound campaigns and their state",
	"GET /metrics":                                "Prometheus metrics",
	"POST /api/v1/campaigns/{name}/leads":         "Import leads into a campaign from a CSV body",
	"POST /api/v1/campaigns/{name}/{action}":      "Campaign action: start, pause, resume, stop",
	"GET /api/v1/campaigns/{name}/lead-states":    "A campaign's leads counted by state (new, scheduled, dialing, callback, done, failed, do-not-call...), with those due now and those with survey answers",
	"GET /api/v1/campaigns/{name}/leads.csv":      "A campaign's leads as CSV: state, attempts, next attempt, last outcome, disposition, imported columns and survey answers (answer:NAME)",

	"GET /api/v1/contacts":                   "Find a contact by number (an agent: the number of its call or task)",
	"POST /api/v1/contacts":                  "Create a contact (an agent: for the caller of its call)",
	"GET /api/v1/contacts/{id}":              "One contact (an agent: of its call, task or a call it took in the last 12 hours)",
	"PUT /api/v1/contacts/{id}":              "Update a contact (an agent: of its call, task or a call it took in the last 12 hours)",
	"DELETE /api/v1/contacts/{id}":           "Delete a contact",
	"POST /api/v1/contacts/{id}/merge":       "Merge another contact into this one",
	"GET /api/v1/contacts/{id}/interactions": "A contact's calls, newest first",
}

// openAPIPath turns a mux pattern into its OpenAPI method and path:
// "GET /{$}" is "/", a subtree "/static/" is "/static/{path}".
func openAPIPath(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	path = strings.TrimSuffix(path, "{$}")
	if strings.HasSuffix(path, "/") && path != "/" {
		path += "{path}"
	}
	return strings.ToLower(method), path
}

// OpenAPI builds the OpenAPI 3.1 document of every route the server knows.
func OpenAPI() map[string]any {
	paths := map[string]map[string]any{}
	patterns := make([]string, 0, len(routeAccess))
	for p := range routeAccess {
		patterns = append(patterns, p)
	}
	sort.Strings(patterns)
	for _, pattern := range patterns {
		acc := routeAccess[pattern]
		method, path := openAPIPath(pattern)
		op := map[string]any{
			"summary":     routeSummary[pattern],
			"operationId": strings.Trim(strings.NewReplacer("/", "_", "{", "", "}", "", "$", "root", ".", "_").Replace(method+path), "_"),
			"responses": map[string]any{
				"200":     map[string]any{"description": "done"},
				"400":     errResponse("the request is wrong; the error names the field"),
				"401":     errResponse("no credentials, or they are wrong or expired"),
				"403":     errResponse("the caller's role may not do this (or a missing CSRF token on a session change)"),
				"default": errResponse("failure"),
			},
		}
		if acc.public {
			op["security"] = []any{} // nobody needs to sign in
		} else {
			role := acc.role.String()
			op["x-hotline-role"] = role
			desc := "Needs the " + role + " role or above."
			if acc.own {
				desc += " An agent acts on their own agent only."
			}
			op["description"] = desc
		}
		var params []any
		for _, seg := range strings.Split(path, "/") {
			if name, ok := strings.CutPrefix(seg, "{"); ok {
				params = append(params, map[string]any{"name": strings.TrimSuffix(name, "}"), "in": "path", "required": true,
					"schema": map[string]any{"type": "string"}})
			}
		}
		params = append(params, queryParams(pattern)...)
		if params != nil {
			op["parameters"] = params
		}
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][method] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "Hotline API",
			"version":     "v1",
			"description": "Every route but the public ones needs a bearer token (hotline users token) or a browser session; a change made with a session also needs the X-CSRF-Token header from the sign-in.",
		},
		"paths": paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer", "description": "An API token: Authorization: Bearer hl_..."},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": SessionCookie, "description": "The browser session set by POST /api/v1/login"},
			},
			"schemas": map[string]any{
				"Error": map[string]any{"type": "object", "required": []string{"error"},
					"properties": map[string]any{"error": map[string]any{"type": "string"}}},
			},
		},
		"security": []any{map[string]any{"bearer": []string{}}, map[string]any{"session": []string{}}},
	}
}

func errResponse(desc string) map[string]any {
	return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{
		"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
}

func (s *Server) openAPI(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, OpenAPI())
}
