package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/contact"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/api/auth"
	"github.com/hotline-cc/hotline/internal/seal"
	"github.com/hotline-cc/hotline/store"
	"github.com/rs/zerolog"
)

// An agent opens the contact of the caller it is rung for and of the
// callback tasks on its desk, and no other: walking ids or numbers gets the
// same refusal whether the contact exists or not. A team's supervisor opens
// the contacts of the team's calls only; an admin every one.
func TestContactsScopedToCallsAndTasks(t *testing.T) {
	key, _ := seal.Generate("k1")
	keys, _ := seal.New(key)
	d := newTestDaemonWith(t, teamsYAML, func(o *engine.Options, db *store.DB) {
		db.SealCalls(keys, "US")
		o.MatchCaller = db.Contacts(keys).CallerMatcher("US")
	})
	h := New(d.rt, d.db, zerolog.Nop())
	h.EnableAuth(d.db, time.Now)
	h.SetTeams(d.cfg)
	h.EnableContacts(d.db, d.db.Contacts(keys), "US")
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	base := srv.URL + "/api/v1"
	as := func(secret string) http.Header { return http.Header{"Authorization": {"Bearer " + secret}} }
	al := as(addUser(t, d.db, auth.User{Name: "al", Role: auth.Agent, Agent: "alice"}))
	bo := as(addUser(t, d.db, auth.User{Name: "bo", Role: auth.Agent, Agent: "bob"}))
	tina := as(addUser(t, d.db, auth.User{Name: "tina", Role: auth.Supervisor}))
	root := as(addUser(t, d.db, auth.User{Name: "root", Role: auth.Admin}))

	ids := map[string]contact.ID{}
	for name, phone := range map[string]string{"carla": "+12125550101", "dan": "+12125550102", "sam": "+12125550103"} {
		code, body := sendAs(t, "POST", base+"/contacts", fmt.Sprintf(`{"phones":[%q],"name":%q,"notes":"note on %s"}`, phone, name, name), root)
		var ct contact.Contact
		if code != http.StatusCreated || json.Unmarshal([]byte(body), &ct) != nil {
			t.Fatalf("create %s: %d %s", name, code, body)
		}
		ids[name] = ct.ID
	}
	url := func(name string) string { return fmt.Sprintf("%s/contacts/%d", base, ids[name]) }
	refused := func(who http.Header, method, url, body string) {
		t.Helper()
		if code, got := sendAs(t, method, url, body, who); code != http.StatusForbidden || strings.Contains(got, "note on") {
			t.Errorf("%s %s: %d %s, want 403", method, url, code, got)
		}
	}
	opened := func(who http.Header, method, url, body string) string {
		t.Helper()
		code, got := sendAs(t, method, url, body, who)
		if code != http.StatusOK {
			t.Errorf("%s %s: %d %s, want 200", method, url, code, got)
		}
		return got
	}

	// No call yet: every contact, known or not, is refused to an agent alike.
	for _, u := range []string{url("carla"), url("carla") + "/interactions", base + "/contacts/999", base + "/contacts?number=2125550101", base + "/contacts?number=2125550199"} {
		refused(al, "GET", u, "")
	}
	refused(al, "PUT", url("carla"), `{"phones":["+12125550101"],"notes":"mine now"}`)
	refused(al, "POST", base+"/contacts", `{"phones":["+12125550177"]}`)

	// Carla calls support and alice is rung: alice opens and edits Carla.
	if _, err := engine.Send(t.Context(), d.rt, engine.Login{Agent: "alice"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "+12125550101", To: "100"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		code, body := sendAs(t, "GET", base+"/agents/alice/offer", "", al)
		return code == http.StatusOK && strings.Contains(body, "note on carla")
	}, "alice's screen pop with Carla")
	opened(al, "GET", url("carla"), "")
	opened(al, "GET", url("carla")+"/interactions", "")
	opened(al, "GET", base+"/contacts?number=212-555-0101", "")
	if got := opened(al, "PUT", url("carla"), `{"phones":["+12125550101"],"name":"carla","notes":"wants a refund"}`); !strings.Contains(got, "wants a refund") {
		t.Errorf("alice's edit: %s", got)
	}
	// A number on another contact is refused without naming that contact.
	code, body := sendAs(t, "PUT", url("carla"), `{"phones":["+12125550101","+12125550102"],"name":"carla"}`, al)
	if code != http.StatusConflict || strings.Contains(body, fmt.Sprintf("contact %d", ids["dan"])) {
		t.Errorf("alice adds Dan's number to Carla: %d %s, want 409 naming no contact", code, body)
	}
	refused(al, "GET", url("dan"), "")
	refused(bo, "GET", url("carla"), "")
	refused(bo, "GET", base+"/contacts?number=2125550101", "")
	opened(tina, "GET", url("carla"), "") // support is her team's

	// Sam waits in sales: not alice's, nor the support team's.
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "+12125550103", To: "200"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		return slices.ContainsFunc(d.rt.Snapshot().Calls, func(c engine.CallStatus) bool { return c.Caller == "+12125550103" && c.Contact != nil })
	}, "Sam's call in sales")
	refused(al, "GET", url("sam"), "")
	refused(tina, "GET", url("sam"), "")
	opened(root, "GET", url("sam"), "")
	// Nor may the team's supervisor learn which contact holds Sam's number,
	// by adding it to Carla or to a new contact; an admin is told.
	samID := fmt.Sprintf("contact %d", ids["sam"])
	for _, try := range []struct{ method, url, body string }{
		{"PUT", url("carla"), `{"phones":["+12125550101","+12125550103"],"name":"carla"}`},
		{"POST", base + "/contacts", `{"phones":["+12125550103"],"name":"sam again"}`},
	} {
		if code, body := sendAs(t, try.method, try.url, try.body, tina); code != http.StatusConflict || strings.Contains(body, samID) {
			t.Errorf("tina %s %s with Sam's number: %d %s, want 409 naming no contact", try.method, try.url, code, body)
		}
		if code, body := sendAs(t, try.method, try.url, try.body, root); code != http.StatusConflict || !strings.Contains(body, samID) {
			t.Errorf("root %s %s with Sam's number: %d %s, want 409 naming %s", try.method, try.url, code, body, samID)
		}
	}

	// Dan hangs up waiting in support while alice is busy: his callback
	// task is on alice's desk, not on bob's.
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "+12125550102", To: "100", HangupAfter: 300 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		tasks, _ := d.db.Tasks(contact.TaskOpen)
		return slices.ContainsFunc(tasks, func(tk contact.Task) bool { return tk.Contact == ids["dan"] })
	}, "Dan's callback task")
	opened(al, "GET", url("dan"), "")
	opened(al, "GET", base+"/contacts?number=2125550102", "")
	refused(bo, "GET", url("dan"), "")
	opened(tina, "GET", url("dan"), "")
	// Dan's contact is the team's now: its supervisor is told which one
	// holds his number, to merge the two.
	if code, body := sendAs(t, "PUT", url("carla"), `{"phones":["+12125550101","+12125550102"],"name":"carla"}`, tina); code != http.StatusConflict || !strings.Contains(body, fmt.Sprintf("contact %d", ids["dan"])) {
		t.Errorf("tina adds Dan's number to Carla: %d %s, want 409 naming Dan's contact", code, body)
	}
}

// After the call, in its wrap-up and for the rest of the shift, alice still
// opens the contact of the caller she took; not twelve hours later. The
// support team's supervisor opens it from the stored call alone, and not
// the contact of a caller who only reached sales.
func TestContactsAfterTheCall(t *testing.T) {
	key, _ := seal.Generate("k1")
	keys, _ := seal.New(key)
	d := newTestDaemonWith(t, teamsYAML, func(o *engine.Options, db *store.DB) {
		db.SealCalls(keys, "US")
		o.MatchCaller = db.Contacts(keys).CallerMatcher("US")
	})
	h := New(d.rt, d.db, zerolog.Nop())
	h.EnableAuth(d.db, time.Now)
	h.SetTeams(d.cfg)
	book := d.db.Contacts(keys)
	h.EnableContacts(d.db, book, "US")
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	base := srv.URL + "/api/v1"
	as := func(secret string) http.Header { return http.Header{"Authorization": {"Bearer " + secret}} }
	al := as(addUser(t, d.db, auth.User{Name: "al", Role: auth.Agent, Agent: "alice"}))
	tina := as(addUser(t, d.db, auth.User{Name: "tina", Role: auth.Supervisor}))

	if err := d.sw.SetPhone("sim/alice", farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 10 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if _, err := engine.Send(t.Context(), d.rt, engine.Login{Agent: "alice"}); err != nil {
		t.Fatal(err)
	}
	for _, call := range []farend.CallScript{
		{From: "+12125550101", To: "100", HangupAfter: 500 * time.Millisecond}, // Carla, to alice
		{From: "+12125550103", To: "200", HangupAfter: 300 * time.Millisecond}, // Sam, in sales: nobody there
	} {
		if _, err := d.sw.PlaceCall(call); err != nil {
			t.Fatal(err)
		}
	}
	var carla, sam contact.Contact
	waitFor(t, func() bool {
		var err error
		if carla, err = book.ByPhone("+12125550101"); err != nil {
			return false
		}
		if sam, err = book.ByPhone("+12125550103"); err != nil {
			return false
		}
		hc, _ := book.History(carla.ID, 0, 1)
		hs, _ := book.History(sam.ID, 0, 1)
		return len(hc) == 1 && hc[0].Agent == "alice" && len(hs) == 1 && !slices.ContainsFunc(d.rt.Snapshot().Calls, func(c engine.CallStatus) bool {
			return c.Caller == "+12125550101" || c.Caller == "+12125550103"
		})
	}, "both calls ended and filed in their contacts' histories")

	url := func(ct contact.Contact) string { return fmt.Sprintf("%s/contacts/%d", base, ct.ID) }
	for _, tc := range []struct {
		who  http.Header
		url  string
		code int
	}{
		{al, url(carla), http.StatusOK},
		{al, url(carla) + "/interactions", http.StatusOK},
		{al, base + "/contacts?number=2125550101", http.StatusOK},
		{al, url(sam), http.StatusForbidden},
		{tina, url(carla), http.StatusOK},
		{tina, url(sam), http.StatusForbidden},
	} {
		if code, body := sendAs(t, "GET", tc.url, "", tc.who); code != tc.code {
			t.Errorf("GET %s: %d %s, want %d", tc.url, code, body, tc.code)
		}
	}
	h.contacts.now = func() time.Time { return time.Now().Add(handledWindow + time.Hour) }
	if code, body := sendAs(t, "GET", url(carla), "", al); code != http.StatusForbidden {
		t.Errorf("alice's caller of a past shift: %d %s, want 403", code, body)
	}
}

// A team's supervisor opening a customer of the team sees the customer's
// calls to other teams as times alone: not their agent, disposition,
// topic, notes or recordings, which the call records refuse to it too. An
// admin sees them whole; talk is in seconds.
func TestContactHistoryWithholdsOtherTeamsCalls(t *testing.T) {
	key, _ := seal.Generate("k1")
	keys, _ := seal.New(key)
	d := newTestDaemonWith(t, teamsYAML, func(o *engine.Options, db *store.DB) { db.SealCalls(keys, "US") })
	h := New(d.rt, d.db, zerolog.Nop())
	h.EnableAuth(d.db, time.Now)
	h.SetTeams(d.cfg)
	book := d.db.Contacts(keys)
	h.EnableContacts(d.db, book, "US")
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	as := func(secret string) http.Header { return http.Header{"Authorization": {"Bearer " + secret}} }
	tina := as(addUser(t, d.db, auth.User{Name: "tina", Role: auth.Supervisor}))
	root := as(addUser(t, d.db, auth.User{Name: "root", Role: auth.Admin}))

	carla := contact.Contact{Phones: []string{"+12125550101"}, Name: "carla"}
	if err := book.Create(&carla, time.Now()); err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Hour)
	for _, rec := range []store.CallRecord{
		{ID: "in-support", Entered: at, Queue: "support", Agent: "alice", Caller: "+12125550101", Contact: carla.ID,
			Talk: 43 * time.Second, Disposition: "solved", Notes: "support's own note"},
		{ID: "in-sales", Entered: at.Add(time.Minute), Queue: "sales", Agent: "bob", Caller: "+12125550101", Contact: carla.ID,
			Talk: 61 * time.Second, Disposition: "refund", Reason: "billing dispute", Notes: "sales' private note",
			Recording: store.Recording{Name: "in-sales", Path: "/rec/in-sales.wav", Agent: "bob"}},
	} {
		if err := d.db.SaveCall(&rec); err != nil {
			t.Fatal(err)
		}
		if err := book.AddInteraction(carla.ID, store.Interaction{CallID: rec.ID, At: rec.Entered, Direction: "inbound", Queue: rec.Queue,
			Agent: rec.Agent, Disposition: rec.Disposition, Topic: rec.Reason}); err != nil {
			t.Fatal(err)
		}
	}
	history := func(who http.Header, path string) map[string]map[string]any {
		t.Helper()
		code, body := sendAs(t, "GET", fmt.Sprintf("%s/api/v1/contacts/%d%s", srv.URL, carla.ID, path), "", who)
		var v struct {
			Interactions []map[string]any `json:"interactions"`
		}
		if code != http.StatusOK || json.Unmarshal([]byte(body), &v) != nil {
			t.Fatalf("GET contact %s: %d %s", path, code, body)
		}
		out := map[string]map[string]any{}
		for _, in := range v.Interactions {
			out[in["call_id"].(string)] = in
		}
		return out
	}
	for _, path := range []string{"", "/interactions"} {
		got := history(tina, path)
		if in := got["in-support"]; in["notes"] != "support's own note" || in["talk"] != 43.0 || in["withheld"] != nil {
			t.Errorf("tina%s, her team's call: %v", path, in)
		}
		sales := got["in-sales"]
		for _, field := range []string{"agent", "queue", "disposition", "topic", "notes", "recordings", "talk", "outcome"} {
			if sales[field] != nil {
				t.Errorf("tina%s sees the sales call's %s: %v", path, field, sales)
			}
		}
		if sales["withheld"] != "another team's call" || sales["at"] == nil {
			t.Errorf("tina%s, the sales call: %v", path, sales)
		}
	}
	if in := history(root, "")["in-sales"]; in["notes"] != "sales' private note" || in["topic"] != "billing dispute" || in["talk"] != 61.0 {
		t.Errorf("root, the sales call: %v", in)
	}
}
