package ivrhttp

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/ivr"
)

func TestLookup(t *testing.T) {
	var gotBody map[string]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/orders/1234" && r.Method == http.MethodGet:
			w.Write([]byte(`{"status": "shipped", "eta": {"days": 2}, "items": [{"name": "kettle"}], "paid": true, "note": "", "gone": null}`))
		case r.URL.Path == "/verify" && r.Method == http.MethodPost:
			json.NewDecoder(r.Body).Decode(&gotBody)
			w.Write([]byte(`{"ok": "yes"}`))
		case r.URL.Path == "/slow":
			time.Sleep(200 * time.Millisecond)
		case r.URL.Path == "/html":
			w.Write([]byte(`<html>`))
		case r.URL.Path == "/long":
			w.Write([]byte(`{"status": "` + strings.Repeat("x", MaxValue+1) + `", "short": "ok"}`))
		case r.URL.Path == "/huge":
			w.Write([]byte(`{"pad": "` + strings.Repeat("x", MaxAnswer) + `", "status": "ok"}`))
		default:
			http.Error(w, "no", http.StatusNotFound)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	res := Do(ctx, nil, ivr.Lookup{Method: "GET", URL: srv.URL + "/orders/1234",
		Read: map[string]string{"status": "status", "days": "eta.days", "item": "items.0.name", "paid": "paid", "note": "note"}})
	want := map[string]string{"status": "shipped", "days": "2", "item": "kettle", "paid": "true", "note": ""}
	if res.Err != "" || len(res.Values) != len(want) {
		t.Fatalf("result %+v", res)
	}
	for k, v := range want {
		if res.Values[k] != v {
			t.Errorf("%s = %q, want %q", k, res.Values[k], v)
		}
	}
	res = Do(ctx, nil, ivr.Lookup{Method: "POST", URL: srv.URL + "/verify", Body: map[string]string{"order": "1234"}, Read: map[string]string{"ok": "ok"}})
	if res.Values["ok"] != "yes" || gotBody["order"] != "1234" {
		t.Errorf("POST: %+v, service got %v", res, gotBody)
	}
	// A value too long to say or keep per call fails the lookup, naming it;
	// an answer over the read limit is named as such, not as bad JSON.
	for _, tc := range []struct{ path, want string }{{"/nowhere", "HTTP 404"}, {"/html", "answer is not JSON"},
		{"/long", "value status (status) is 1001 bytes; a flow reads at most 1000"}, {"/huge", "answer over 1048576 bytes"}} {
		if res := Do(ctx, nil, ivr.Lookup{Method: "GET", URL: srv.URL + tc.path, Read: map[string]string{"status": "status"}}); !strings.Contains(res.Err, tc.want) {
			t.Errorf("%s: %+v, want %q", tc.path, res, tc.want)
		}
	}
	// A value the answer does not have (an order the service did not
	// find answers 200 with an error field), null, or not text fails the
	// lookup, naming the value and why: the flow takes on_failure rather
	// than saying nothing where the caller expects their order's status.
	for _, tc := range []struct{ path, want string }{
		{"state", `value v (state): the answer has no "state"`},
		{"eta.weeks", `value v (eta.weeks): the answer has no "weeks" in eta`},
		{"items.3.name", `value v (items.3.name): the answer's list in items has no item 3 (it has 1)`},
		{"status.x", `value v (status.x): the answer's status is text, not an object or a list`},
		{"gone", `value v (gone): it is null, not text to say`},
		{"eta", `value v (eta): it is an object, not text to say`},
		{"items", `value v (items): it is a list, not text to say`},
	} {
		res := Do(ctx, nil, ivr.Lookup{Method: "GET", URL: srv.URL + "/orders/1234", Read: map[string]string{"v": tc.path}})
		if res.Err != tc.want || res.Values != nil {
			t.Errorf("read %s: %+v, want the failure %q", tc.path, res, tc.want)
		}
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if res := Do(short, nil, ivr.Lookup{Method: "GET", URL: srv.URL + "/slow"}); !strings.Contains(res.Err, "deadline") {
		t.Errorf("slow: %+v", res)
	}
}
