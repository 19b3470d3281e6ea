package api

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/internal/seal"
	"github.com/hotline-cc/hotline/store"
)

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v in %s", url, err, b)
		}
	}
	return resp.StatusCode
}

func send(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A known caller's call is offered to alice: the screen pop carries the
// contact, the call lands in the contact's history, and reads are audited.
func TestContactsScreenPopAndHistory(t *testing.T) {
	key, _ := seal.Generate("k1")
	keys, _ := seal.New(key)
	d := newTestDaemonWith(t, "entries:\n  - {number: \"100\", queue: support}\n"+cfgYAML, func(o *engine.Options, db *store.DB) {
		o.MatchCaller = db.Contacts(keys).CallerMatcher("US")
	})
	if code, body := send(t, "GET", d.srv.URL+"/api/v1/contacts?number=2125550101", ""); code != http.StatusServiceUnavailable || !strings.Contains(body, "HOTLINE_KEY") {
		t.Fatalf("contacts without a key: %d %s", code, body)
	}
	book := d.db.Contacts(keys)
	d.api.EnableContacts(d.db, book, "US")
	base := d.srv.URL + "/api/v1"

	code, body := send(t, "POST", base+"/contacts", `{"phones":["(212) 555-0101"],"name":"Carla Customer","tags":["VIP"]}`)
	if code != http.StatusCreated || !strings.Contains(body, `"+12125550101"`) {
		t.Fatalf("create: %d %s", code, body)
	}
	if code, body := send(t, "POST", base+"/contacts", `{"phones":["+12125550101"]}`); code != http.StatusConflict {
		t.Fatalf("second contact with one number: %d %s", code, body)
	}
	if code, body := send(t, "POST", base+"/contacts", `{"phones":["12"],"email":"x"}`); code != http.StatusBadRequest || !strings.Contains(body, `phone \"12\"`) {
		t.Fatalf("bad contact: %d %s", code, body)
	}
	// A preferred agent the config lacks is refused; one a contact has
	// already stays through a change of its other fields.
	if code, body := send(t, "POST", base+"/contacts", `{"phones":["+12125550160"],"preferred_agent":"ghost"}`); code != http.StatusBadRequest || !strings.Contains(body, `unknown agent \"ghost\"`) {
		t.Fatalf("preferred agent ghost: %d %s", code, body)
	}
	if code, body := send(t, "POST", base+"/contacts", `{"phones":["+12125550160"],"language":"zzzz"}`); code != http.StatusBadRequest || !strings.Contains(body, `language \"zzzz\"`) {
		t.Fatalf("language zzzz: %d %s", code, body)
	}
	left := contact.Contact{Phones: []string{"+12125550161"}, PreferredAgent: "left-us"}
	if err := book.Create(&left, time.Now()); err != nil {
		t.Fatal(err)
	}
	if code, body := send(t, "PUT", fmt.Sprintf("%s/contacts/%d", base, left.ID), `{"phones":["+12125550161"],"name":"Kept","preferred_agent":"left-us"}`); code != http.StatusOK {
		t.Fatalf("a change keeping a departed preferred agent: %d %s", code, body)
	}
	if code, body := send(t, "PUT", fmt.Sprintf("%s/contacts/%d", base, left.ID), `{"phones":["+12125550161"],"preferred_agent":"ghost"}`); code != http.StatusBadRequest {
		t.Fatalf("a change to an unknown preferred agent: %d %s", code, body)
	}
	if code, body := send(t, "PUT", fmt.Sprintf("%s/contacts/%d", base, left.ID), `{"phones":["+12125550161"],"preferred_agent":"alice"}`); code != http.StatusOK {
		t.Fatalf("a change to alice: %d %s", code, body)
	}

	if code, body := post(t, base+"/agents/alice/login", ""); code != 200 {
		t.Fatalf("login: %d %s", code, body)
	}
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "+12125550101", To: "100"}); err != nil {
		t.Fatal(err)
	}
	var offer Offer
	deadline := time.Now().Add(30 * time.Second)
	for getJSON(t, base+"/agents/alice/offer", &offer) != 200 {
		if time.Now().After(deadline) {
			b, _ := json.Marshal(d.rt.Snapshot())
			t.Fatalf("alice was never offered the call: %s", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if offer.Contact == nil || offer.Contact.Name != "Carla Customer" || offer.Call.Caller != "+12125550101" {
		t.Fatalf("screen pop %+v", offer)
	}

	// The call carries Carla's contact, and is in her history.
	if offer.Call.Contact == nil || offer.Call.Contact.ID != offer.Contact.ID || !offer.Call.Contact.Known || !offer.Call.Contact.HasTag("vip") {
		t.Fatalf("the call's contact %+v, want Carla's (%d), known, vip", offer.Call.Contact, offer.Contact.ID)
	}
	var page InteractionPage
	for {
		if getJSON(t, fmt.Sprintf("%s/contacts/%d/interactions", base, offer.Contact.ID), &page); len(page.Interactions) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("call not in the history: %+v", page)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if page.Interactions[0].CallID != offer.Call.ID || page.Interactions[0].Queue != "support" {
		t.Fatalf("interaction %+v, call %+v", page.Interactions[0], offer.Call)
	}
	// A parameter the history does not read, or given twice, is a 400,
	// not ignored.
	for _, q := range []string{"?limt=5", "?limit=5&limit=6"} {
		if code := getJSON(t, fmt.Sprintf("%s/contacts/%d/interactions%s", base, offer.Contact.ID, q), nil); code != http.StatusBadRequest {
			t.Errorf("interactions%s: %d, want 400", q, code)
		}
	}

	// An unknown caller gets a contact with the number only.
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "+12125550177", To: "100"}); err != nil {
		t.Fatal(err)
	}
	// The contact is made before the call is added to its history: wait
	// for both.
	var found ContactView
	for getJSON(t, base+"/contacts?number=212-555-0177", &found) != 200 || len(found.Interactions) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("unknown caller got no contact with the call; %+v", found)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if found.Name != "" || len(found.Interactions) != 1 {
		t.Fatalf("new caller's contact %+v", found)
	}
	if code := getJSON(t, base+"/agents/nobody/offer", nil); code != http.StatusNotFound {
		t.Fatalf("unknown agent: %d", code)
	}

	log, err := d.db.AuditLog(time.Time{}, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, e := range log {
		actions[e.Action]++
		if e.Who != "api" {
			t.Errorf("audit who %q", e.Who)
		}
	}
	if actions["screen-pop"] == 0 || actions["history"] == 0 || actions["find"] == 0 {
		t.Fatalf("audit log %+v", log)
	}
}

// A history entry lists every recording of its call, numbered as
// GET /api/v1/calls/ID/recording?n=N serves them; one with no file has no url.
func TestInteractionRecordings(t *testing.T) {
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	rec := store.CallRecord{ID: "c 1", Agent: "bob",
		Recording: store.Recording{Name: "a", Path: "/rec/a.wav", Start: at, End: at.Add(time.Minute), Leg: 1},
		MoreRecordings: []store.Recording{{Name: "a-2", Path: "/rec/a-2.wav", Agent: "dave", Leg: 2},
			{Name: "a-3", Failed: true, Agent: "dave", Leg: 2}, {Name: "a-4", Agent: "dave", Leg: 2}}}
	want := []InteractionRecording{
		{N: 1, Agent: "bob", Leg: 1, Start: at, End: at.Add(time.Minute), URL: "/api/v1/calls/c%201/recording?n=1"},
		{N: 2, Agent: "dave", Leg: 2, URL: "/api/v1/calls/c%201/recording?n=2"},
		{N: 3, Agent: "dave", Leg: 2, Failed: true},
		{N: 4, Agent: "dave", Leg: 2},
	}
	if got := interactionRecordings(&rec); !slices.Equal(got, want) {
		t.Errorf("recordings\n%+v\nwant\n%+v", got, want)
	}
}
