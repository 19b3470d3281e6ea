package api

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// queryParam is a query parameter a route reads.
type queryParam struct {
	name, typ, desc string
	many            bool // may be given more than once
}

// routeQuery lists the query parameters of the routes that read some.
// The server refuses any other on those routes, and one given twice that
// is read once (a typo of region would read numbers as in the US, a
// second limit would be ignored), with a 400 naming it; the OpenAPI
// document lists them.
var routeQuery = map[string][]queryParam{
	"GET /api/v1/calls": {
		{name: "from", typ: "string", desc: "RFC 3339, or a duration back from now (24h)"},
		{name: "to", typ: "string", desc: "RFC 3339, or a duration back from now"},
		{name: "queue", typ: "string"}, {name: "agent", typ: "string"},
		{name: "outcome", typ: "string"}, {name: "direction", typ: "string"},
		{name: "number", typ: "string", desc: "the customer's number, any spelling"},
		{name: "contact", typ: "integer"}, {name: "campaign", typ: "string"}, {name: "disposition", typ: "string"},
		{name: "text", typ: "string", desc: "in the notes, any case"},
		{name: "order", typ: "string", desc: "desc (newest first, the default) or asc"},
		{name: "limit", typ: "integer", desc: "default 100, at most 1000"},
		{name: "offset", typ: "integer"},
	},
	"GET /api/v1/campaigns/{name}/leads": {
		{name: "answered", typ: "string", desc: "1: only the leads with survey answers"},
		{name: "limit", typ: "integer", desc: "default 100, at most 1000"},
		{name: "offset", typ: "integer"},
	},
	"POST /api/v1/campaigns/{name}/leads": {
		{name: "region", typ: "string", desc: "default country of numbers written without one (ISO code, default US)"},
		{name: "map", typ: "string", desc: "FIELD=COLUMN pairs, comma-separated", many: true},
		{name: "dry_run", typ: "string", desc: "1: check the file against the campaign and count what would be imported, store nothing"},
	},
	"GET /api/v1/dnc/{list}": {
		{name: "limit", typ: "integer", desc: "default and at most 5000"},
		{name: "offset", typ: "integer"},
	},
	"POST /api/v1/dnc/{list}":                  {},
	"GET /api/v1/campaigns":                    {},
	"POST /api/v1/campaigns/{name}/{action}":   {},
	"GET /api/v1/campaigns/{name}/lead-states": {},
	"GET /api/v1/campaigns/{name}/leads.csv":   {},
	"GET /api/v1/campaigns/{name}/leads/{id}":  {},
	"DELETE /api/v1/dnc/{list}/{phone}":        {{name: "region", typ: "string", desc: "the country the number is written in when not E.164 (ISO code, default US)"}},
	"GET /api/v1/recordings": {
		{name: "from", typ: "string", desc: "RFC 3339, or a duration back from now (default 24h)"},
		{name: "to", typ: "string", desc: "RFC 3339, or a duration back from now (default now)"},
	},
	"GET /api/v1/contacts/{id}/interactions": {
		{name: "limit", typ: "integer", desc: "default 20, at most 500"},
		{name: "offset", typ: "integer"},
	},
	"GET /api/v1/calls/{id}/recording": {
		{name: "n", typ: "integer", desc: "the recording's number in its call, 1 (the default) for the first"},
		{name: "download", typ: "string", desc: "1: as an attachment"},
	},
}

// checkQuery refuses a query parameter the route does not read, or one
// given twice that it reads once; routes not in routeQuery are not
// checked.
func checkQuery(r *http.Request, pattern string) error {
	params, ok := routeQuery[pattern]
	if !ok {
		return nil
	}
	names := make([]string, len(params))
	for j, p := range params {
		names[j] = p.name
	}
	k, times := strayParam(r.URL.Query(), names, func(k string) bool {
		return slices.ContainsFunc(params, func(p queryParam) bool { return p.name == k && p.many })
	})
	switch {
	case k == "":
		return nil
	case times > 1:
		return badRequest("query parameter %q given %d times: give it once", k, times)
	case len(params) == 0:
		return badRequest("query parameter %q: this route reads none", k)
	}
	return badRequest("query parameter %q: not one of %s", k, strings.Join(names, ", "))
}

// strayParam finds, in name order, the first query parameter of q that is
// not one of known, or one given more than once that many does not allow
// (nil: none); times is how often that one was given ("" when none is).
func strayParam(q url.Values, known []string, many func(string) bool) (name string, times int) {
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if !slices.Contains(known, k) {
			return k, 1
		}
		if len(q[k]) > 1 && (many == nil || !many(k)) {
			return k, len(q[k])
		}
	}
	return "", 0
}

// queryParams is the OpenAPI description of a route's query parameters.
func queryParams(pattern string) []any {
	var out []any
	for _, p := range routeQuery[pattern] {
		param := map[string]any{"name": p.name, "in": "query", "schema": map[string]any{"type": p.typ}}
		if p.desc != "" {
			param["description"] = p.desc
		}
		if p.many {
			param["schema"] = map[string]any{"type": "array", "items": map[string]any{"type": p.typ}}
			param["explode"] = true
		}
		out = append(out, param)
	}
	return out
}

// parsePage reads a paged list's limit (def unless given, 1 to most) and
// offset.
func parsePage(q url.Values, def, most int) (limit, offset int, err error) {
	limit, err = parseLimit(q.Get("limit"), def, most)
	if err != nil {
		return 0, 0, err
	}
	offset, err = parseCount("offset", q.Get("offset"), 0)
	return limit, offset, err
}
