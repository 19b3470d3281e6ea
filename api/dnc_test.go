package api

import (
	"io"
	"net/http"
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
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
