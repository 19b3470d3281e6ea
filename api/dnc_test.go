package api

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/api/auth"
)

// An admin puts numbers on a do-not-call list (written locally or in
// E.164), lists them, and takes one off; a bad number is refused by name.
func TestDNCAdmin(t *testing.T) {
	d := newTestDaemon(t, cfgYAML)
	srv := authServer(t, d)
	root := addUser(t, d.db, auth.User{Name: "root", Role: auth.Admin})
	hdr := http.Header{"Authorization": {"Bearer " + root}}
	call := func(method, path, body string) (int, string) {
		return sendAs(t, method, srv.URL+path, body, hdr)
	}
	if code, body := call("POST", "/api/v1/dnc/global", `{"phones":["(212) 555-0187","+442071838750"]}`); code != 200 || !strings.Contains(body, `"added": 2`) {
		t.Fatalf("add: %d %s", code, body)
	}
	if code, body := call("POST", "/api/v1/dnc/global", `{"phones":["+12125550187","12"]}`); code != 400 || !strings.Contains(body, "phones[1]") {
		t.Errorf("a bad number: %d %s", code, body)
	}
	// A number given twice in one body is listed once and counted apart,
	// not as already listed; as written or in another form, it is one number.
	if code, body := call("POST", "/api/v1/dnc/global", `{"phones":["+12125550188","(212) 555-0188","+12125550187","+12125550188"]}`); code != 200 ||
		!strings.Contains(body, `"added": 1`) || !strings.Contains(body, `"already_listed": 1`) || !strings.Contains(body, `"duplicates": 2`) {
		t.Errorf("a number given twice: %d %s", code, body)
	}
	// A number that is not text is named by its place in the list.
	if code, body := call("POST", "/api/v1/dnc/global", `{"phones":["+12125550189", 12125550190]}`); code != 400 || !strings.Contains(body, `field \"phones[1]\" must be`) {
		t.Errorf("a number as a JSON number: %d %s", code, body)
	}
	code, body := call("GET", "/api/v1/dnc/global", "")
	if code != 200 || !strings.Contains(body, "+12125550187") || !strings.Contains(body, "+442071838750") || !strings.Contains(body, "API (root)") {
		t.Fatalf("list: %d %s", code, body)
	}
	if code, body := call("DELETE", "/api/v1/dnc/global/+12125550187", ""); code != 200 {
		t.Fatalf("remove: %d %s", code, body)
	}
	if code, _ := call("DELETE", "/api/v1/dnc/global/+12125550187", ""); code != 404 {
		t.Errorf("removing it again: %d", code)
	}
	if _, blocked, err := d.db.Blocked("+12125550187", "global"); err != nil || blocked {
		t.Errorf("still blocked: %v %v", blocked, err)
	}
}

// sendAs is send with request headers.
func sendAs(t *testing.T, method, url, body string, hdr http.Header) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	for k, v := range hdr {
		req.Header[k] = v
	}
	if h := hdr.Get("Host"); h != "" {
		req.Host = h // the client sends this, not the header
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A number is taken off a list as it was put on, in any format; a list
// that is neither global nor a campaign's is refused by name, so a typo
// does not leave numbers on a list no campaign reads.
func TestDNCListsAndFormats(t *testing.T) {
	d := newTestDaemon(t, campaignYAML)
	srv := authServer(t, d)
	root := addUser(t, d.db, auth.User{Name: "root", Role: auth.Admin})
	hdr := http.Header{"Authorization": {"Bearer " + root}}
	call := func(method, path, body string) (int, string) {
		return sendAs(t, method, srv.URL+path, body, hdr)
	}
	if code, body := call("POST", "/api/v1/dnc/spring", `{"phones":["(212) 555-0187","+44 20 7183 8750"]}`); code != 200 || !strings.Contains(body, `"added": 2`) {
		t.Fatalf("add to the campaign's list: %d %s", code, body)
	}
	for _, list := range []string{"sprnig", "a%00b"} {
		if code, body := call("POST", "/api/v1/dnc/"+list, `{"phones":["+12125550187"]}`); code != 404 || !strings.Contains(body, "known: global, spring") {
			t.Errorf("add to list %s: %d %s", list, code, body)
		}
		// Read back, a typo is named too rather than shown as an empty list.
		if code, body := call("GET", "/api/v1/dnc/"+list, ""); code != 404 || !strings.Contains(body, "known: global, spring") {
			t.Errorf("read list %s: %d %s", list, code, body)
		}
	}
	if code, body := call("DELETE", "/api/v1/dnc/spring/"+url.PathEscape("212-555-0187"), ""); code != 200 || !strings.Contains(body, `"removed": "+12125550187"`) {
		t.Errorf("remove as written locally: %d %s", code, body)
	}
	if code, body := call("DELETE", "/api/v1/dnc/spring/"+url.PathEscape("020 7183 8750")+"?region=GB", ""); code != 200 || !strings.Contains(body, `"removed": "+442071838750"`) {
		t.Errorf("remove as written in GB: %d %s", code, body)
	}
	if code, body := call("DELETE", "/api/v1/dnc/nope/"+url.PathEscape("+12125550187"), ""); code != 404 || !strings.Contains(body, `do-not-call list \"nope\": no campaign has it`) {
		t.Errorf("remove from an unknown list: %d %s; want it named unknown", code, body)
	}
	if code, body := call("DELETE", "/api/v1/dnc/spring/"+url.PathEscape("212-555-0187")+"?region=", ""); code != 400 || !strings.Contains(body, `\"region\" is empty`) {
		t.Errorf("remove with an empty region: %d %s; want 400 (it meant US)", code, body)
	}
	if code, body := call("DELETE", "/api/v1/dnc/spring/12", ""); code != 400 || !strings.Contains(body, `not a valid phone number`) {
		t.Errorf("remove a bad number: %d %s", code, body)
	}
	if code, body := call("POST", "/api/v1/dnc/spring", `{"phones":["+12125550187"],"region":"XX"}`); code != 400 || !strings.Contains(body, `region \"XX\" is not a country`) {
		t.Errorf("unknown region: %d %s", code, body)
	}
}

// A do-not-call list is read a page at a time, the next page in the Link
// header; a query parameter the route does not read, or a region that is
// no country, is refused by name rather than ignored.
func TestDNCPagesAndParameters(t *testing.T) {
	d := newTestDaemon(t, cfgYAML)
	srv := d.srv.URL
	var phones []string
	for i := range 5 {
		phones = append(phones, fmt.Sprintf(`"+1212555010%d"`, i))
	}
	if code, body := send(t, "POST", srv+"/api/v1/dnc/global", `{"phones":[`+strings.Join(phones, ",")+`]}`); code != 200 {
		t.Fatalf("add: %d %s", code, body)
	}
	var got []string
	next := "/api/v1/dnc/global?limit=2"
	for pages := 0; next != ""; pages++ {
		if pages > 3 {
			t.Fatal("more pages than there are")
		}
		resp, err := http.Get(srv + next)
		if err != nil {
			t.Fatal(err)
		}
		var l DNCListing
		json.NewDecoder(resp.Body).Decode(&l)
		resp.Body.Close()
		for _, e := range l.Entries {
			got = append(got, e.Phone)
		}
		next = ""
		if link := resp.Header.Get("Link"); link != "" {
			next = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
			if !l.Truncated {
				t.Errorf("a page with a next one is not marked truncated")
			}
		}
	}
	if fmt.Sprint(got) != "[+12125550100 +12125550101 +12125550102 +12125550103 +12125550104]" {
		t.Fatalf("pages gave %v", got)
	}
	for _, tc := range []struct{ method, path, want string }{
		{"GET", "/api/v1/dnc/global?limt=2", `query parameter \"limt\": not one of limit, offset`},
		{"GET", "/api/v1/dnc/global?limit=0", `limit \"0\": want a whole number from 1 to 5000`},
		{"GET", "/api/v1/dnc/global?limit=5001", `limit \"5001\": want a whole number from 1 to 5000`},
		{"GET", "/api/v1/dnc/global?offset=-1", `offset \"-1\": want a whole number`},
		{"GET", "/api/v1/dnc/global?limit=1&limit=2", `query parameter \"limit\" given 2 times`},
		{"GET", "/api/v1/dnc/global?region=GB", `query parameter \"region\": not one of limit, offset`},
		{"POST", "/api/v1/dnc/global?region=GB", `query parameter \"region\": this route reads none`},
		{"DELETE", "/api/v1/dnc/global/2125550100?regoin=GB", `query parameter \"regoin\": not one of region`},
		{"DELETE", "/api/v1/dnc/global/2125550100?region=XX", `query parameter \"region\": region \"XX\" is not a country`},
	} {
		if code, body := send(t, tc.method, srv+tc.path, `{"phones":["+12125550199"]}`); code != 400 || !strings.Contains(body, tc.want) {
			t.Errorf("%s %s: %d %s; want 400 and %s", tc.method, tc.path, code, body, tc.want)
		}
	}
	if code, body := send(t, "POST", srv+"/api/v1/dnc/global", `{"phones":["2125550199"],"region":"XX"}`); code != 400 ||
		!strings.Contains(body, `body: field \"region\": region \"XX\" is not a country`) {
		t.Errorf("a body's bad region: %d %s", code, body)
	}
	if _, blocked, _ := d.db.Blocked("+12125550199", "global"); blocked {
		t.Error("a refused POST listed its number")
	}
}
