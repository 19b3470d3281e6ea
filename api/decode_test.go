package api

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCheckBody(t *testing.T) {
	var many strings.Builder
	for i := range 40 {
		fmt.Fprintf(&many, `"k%d":%d,`, i, i)
	}
	for _, tc := range []struct {
		body, want string // want: "" = accepted
	}{
		{`{"fields":{` + many.String() + `"K7":1}}`, `keys "k7" and "K7" are the same key: keys match regardless of case (at fields.K7)`},
		{`{"fields":{` + many.String() + `"x":1}}`, ""},
		{`{"a":"plain ascii","b":"tab\tand \"quotes\"","c":"\u00e9t\u00e9"}`, ""},
		{`{"a":"del\u007f"}`, `field "a" holds the control character U+007F at character 4`},
		{"{\"a\":\"del\x7f\"}", `field "a" holds the control character U+007F at character 4`},
		{`{"reason":"lunch"}`, ""},
		{`{"a":{"x":1},"b":{"x":2},"c":[{"x":1},{"x":2}]}`, ""}, // the same key in two objects
		{`{"name":"می\u200cخواهم","notes":"שלום"}`, ""},
		{`{"password":"p\u200bass\u202eword"}`, ""}, // a password is never shown
		{`[1,"two",{"k":[]}]`, ""},
		{`{"a":1,"b":2,"a":3}`, `key "a" is given twice (at a)`},
		{`{"fields":{"queues":[{"name":"x"},{"name":"y","skill":"s","name":"z"}]}}`, `key "name" is given twice (at fields.queues[1].name)`},
		{`{"fields":{"Max_Wait":1,"max_wait":2}}`, `keys "Max_Wait" and "max_wait" are the same key: keys match regardless of case (at fields.max_wait)`},
		{`{"fields":{"kind":1,"\u212aind":2}}`, `keys "kind" and "\u212aind" are the same key`},
		{`{"fields":{"a\u202e":1}}`, `key "a\u202e" (at "fields.a\u202e") holds the direction control character U+202E at character 2`},
		{`{"leads":[{"name":"ok"},{"name":"ev\u202eil"}]}`, `field "leads[1].name" holds the direction control character U+202E at character 3`},
		{`["ok","\u2066"]`, `field "[1]" holds the direction control character U+2066`},
		{`{"password":{"x":"\u0000"}}`, `field "password.x" holds the control character U+0000`},
	} {
		err := checkBody([]byte(tc.body))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.body, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want %q", tc.body, err, tc.want)
		case err != nil && !errors.Is(err, errBadRequest):
			t.Errorf("%s: %v is not a bad request", tc.body, err)
		}
	}
}

// A body of the wrong JSON type is named in JSON's words, with the field's
// path: Go's type names (api.AgentRequest, []string) mean nothing to a
// client, and the body itself has no field name.
func TestDecodeWrongType(t *testing.T) {
	type body struct {
		N int            `json:"n"`
		L []string       `json:"l"`
		M map[string]int `json:"m"`
		S struct {
			X bool `json:"x"`
		} `json:"s"`
		R string `json:"reason"`
		K []struct {
			L []string `json:"l"`
		} `json:"k"`
	}
	for _, tc := range []struct{ body, want string }{
		{`[]`, `bad request: body: want a JSON object, not a list`},
		{`"lunch"`, `bad request: body: want a JSON object, not a string`},
		{`{"reason":5}`, `bad request: body: field "reason" must be a string, not a number`},
		{`{"n":"5"}`, `bad request: body: field "n" must be a whole number, not a string`},
		{`{"n":1.5}`, `bad request: body: field "n" must be a whole number, not the number 1.5`},
		{`{"l":"x"}`, `bad request: body: field "l" must be a list, not a string`},
		{`{"m":[1]}`, `bad request: body: field "m" must be an object, not a list`},
		{`{"s":{"x":"yes"}}`, `bad request: body: field "s.x" must be true or false, not a string`},
		{`{"s":7}`, `bad request: body: field "s" must be an object, not a number`},
		{`{"l":[123]}`, `bad request: body: field "l[0]" must be a string, not a number`},
		{`{"l": [ "a" , "b",  true ] }`, `bad request: body: field "l[2]" must be a string, not true or false`},
		{`{"l":["a",["b"]]}`, `bad request: body: field "l[1]" must be a string, not a list`},
		{`{"k":[{"l":["a"]},{"l":["b",{}]}]}`, `bad request: body: field "k[1].l[1]" must be a string, not an object`},
		{`{"m":{"a":1,"b":"2"}}`, `bad request: body: field "m.b" must be a whole number, not a string`},
	} {
		r := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
		var v body
		err := decode(httptest.NewRecorder(), r, &v)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: %v, want %q", tc.body, err, tc.want)
		}
	}
}

// A body that is not JSON says what it was sent as when that is not JSON:
// "curl -d reason=lunch" sends a form, and "invalid character 'r'" left
// the sender to guess.
func TestDecodeNamesAFormBody(t *testing.T) {
	r := httptest.NewRequest("POST", "/", strings.NewReader("reason=lunch"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var v struct {
		Reason string `json:"reason"`
	}
	err := decode(httptest.NewRecorder(), r, &v)
	want := `bad request: body: not JSON (sent as application/x-www-form-urlencoded); send a JSON object: invalid JSON at byte 1`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("decode = %v, want %q", err, want)
	}
	// JSON sent as a form (curl -d '{...}' without -H) is read as JSON.
	r = httptest.NewRequest("POST", "/", strings.NewReader(`{"reason":"lunch"}`))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if err := decode(httptest.NewRecorder(), r, &v); err != nil || v.Reason != "lunch" {
		t.Errorf("JSON sent as a form: %v, %+v", err, v)
	}
}
