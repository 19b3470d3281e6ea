package api

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/api/auth"
	"github.com/hotline-cc/hotline/store"
)

// get does a GET with headers and returns the response and its body.
func get(t *testing.T, url string, hdr http.Header) (*http.Response, []byte) {
	t.Helper()
	r, _ := http.NewRequest(http.MethodGet, url, nil)
	for k, v := range hdr {
		r.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// A recording plays (whole, or a range) for its agent and for a
// supervisor, not for another agent; each read is in the audit log.
func TestRecordingFile(t *testing.T) {
	d := newTestDaemon(t, cfgYAML)
	dir := t.TempDir()
	audio := bytes.Repeat([]byte("RIFFwave"), 200)
	name := "2026-11-30/support/c1-alice"
	if err := os.MkdirAll(filepath.Join(dir, "2026-11-30/support"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".wav"), audio, 0o644); err != nil {
		t.Fatal(err)
	}
	second := bytes.Repeat([]byte("RIFF2nd!"), 10)
	if err := os.WriteFile(filepath.Join(dir, name+"-2.gsm"), second, 0o644); err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Hour)
	for _, c := range []store.CallRecord{
		{ID: "c1", Entered: at, Queue: "support", Agent: "alice", Recording: store.Recording{Name: name, Path: "/var/spool/asterisk/recording/" + name + ".wav"},
			MoreRecordings: []store.Recording{{Name: name + "-2", Path: "/var/spool/asterisk/recording/" + name + "-2.gsm", Agent: "alice", Leg: 1}}},
		{ID: "c2", Entered: at.Add(time.Minute), Queue: "support", Agent: "bob", Recording: store.Recording{Name: "c2", Failed: true}},
		{ID: "c3", Entered: at.Add(2 * time.Minute), Queue: "support", Agent: "bob", Recording: store.Recording{Name: "gone", Path: "/x/gone.wav"}},
	} {
		if err := d.db.SaveCall(&c); err != nil {
			t.Fatal(err)
		}
	}
	h := New(d.rt, d.db, zerolog.Nop())
	h.EnableAuth(d.db, time.Now)
	h.EnableRecordings(d.db, dir)
	srv := httptest.NewServer(h)
	defer srv.Close()
	bearer := func(s string) http.Header { return http.Header{"Authorization": {"Bearer " + s}} }
	al := bearer(addUser(t, d.db, auth.User{Name: "al", Role: auth.Agent, Agent: "alice"}))
	bo := bearer(addUser(t, d.db, auth.User{Name: "bo", Role: auth.Agent, Agent: "bob"}))
	sue := bearer(addUser(t, d.db, auth.User{Name: "sue", Role: auth.Supervisor}))

	resp, body := get(t, srv.URL+"/api/v1/calls/c1/recording", al)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "audio/wav" || !bytes.Equal(body, audio) {
		t.Fatalf("alice's recording: %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
	ranged := bearer(addUser(t, d.db, auth.User{Name: "sue2", Role: auth.Supervisor}))
	ranged.Set("Range", "bytes=8-15")
	resp, body = get(t, srv.URL+"/api/v1/calls/c1/recording?download=1", ranged)
	if resp.StatusCode != http.StatusPartialContent || string(body) != "RIFFwave" || resp.Header.Get("Content-Range") != "bytes 8-15/1600" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("range: %d %q %q %q", resp.StatusCode, body, resp.Header.Get("Content-Range"), resp.Header.Get("Content-Disposition"))
	}
	resp, body = get(t, srv.URL+"/api/v1/calls/c1/recording?n=2&download=1", al)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "audio/x-gsm" || !bytes.Equal(body, second) ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), `filename=c1-2.gsm`) {
		t.Errorf("alice's second recording: %d %s %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"), len(body))
	}
	for _, tc := range []struct {
		path string
		who  http.Header
		code int
		says string
	}{
		{"c1", bo, http.StatusForbidden, "own calls only"},
		{"c1/recording?n=2", bo, http.StatusForbidden, "own calls only"},
		{"c1/recording?n=3", sue, http.StatusNotFound, "has 2 recordings, no number 3"},
		{"c1/recording?n=first", sue, http.StatusBadRequest, "recording's number"},
		{"c2", bo, http.StatusNotFound, "failed"},
		{"c3", sue, http.StatusNotFound, "recording file"},
		{"nope", sue, http.StatusNotFound, "not found"},
		// An agent learns nothing of which call ids exist.
		{"nope", bo, http.StatusForbidden, "own calls only"},
	} {
		u := srv.URL + "/api/v1/calls/" + tc.path
		if !strings.Contains(tc.path, "/") {
			u += "/recording"
		}
		if resp, body := get(t, u, tc.who); resp.StatusCode != tc.code || !strings.Contains(string(body), tc.says) {
			t.Errorf("GET %s: %d %s; want %d saying %q", tc.path, resp.StatusCode, body, tc.code, tc.says)
		}
	}
	if resp, body := get(t, srv.URL+"/api/v1/recordings?from=2h", sue); resp.StatusCode != 200 || !strings.Contains(string(body), `"call": "c1"`) ||
		!strings.Contains(string(body), `"call": "c3"`) || !strings.Contains(string(body), `"n": 2`) || !strings.Contains(string(body), name+"-2") {
		t.Errorf("list: %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, srv.URL+"/api/v1/recordings", al); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an agent listed recordings: %d", resp.StatusCode)
	}
	// Parameters the list does not read are refused rather than ignored
	// (a limit or queue that filters nothing), as is a period that ends
	// before it begins.
	for _, tc := range []struct{ query, says string }{
		{"limit=2", `limit\": not one of from, to`},
		{"queue=billing", `queue\": not one of from, to`},
		{"from=2h&from=3h", `from\" given 2 times`},
		{"from=1h&to=2h", "is not after from"},
	} {
		if resp, body := get(t, srv.URL+"/api/v1/recordings?"+tc.query, sue); resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), tc.says) {
			t.Errorf("recordings?%s: %d %s; want 400 saying %q", tc.query, resp.StatusCode, body, tc.says)
		}
	}
	if resp, body := get(t, srv.URL+"/api/v1/calls/c1/recording?m=2", sue); resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `not one of n, download`) {
		t.Errorf("recording?m=2: %d %s", resp.StatusCode, body)
	}
	log, err := d.db.AuditLog(time.Time{}, time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, e := range log {
		n[e.Action+" "+e.Subject]++
	}
	// Alice's read and the supervisor's range; not bob's refused reads.
	if n["recording call c1"] != 2 || n["recording call c1 recording 2"] != 1 || n["recording call c2"] != 0 || n["recording call c3"] != 0 {
		t.Errorf("audit log counts %v; want two reads of c1, one of its second recording, and no other recording", n)
	}
	if lists := len(log) - n["recording call c1"] - n["recording call c1 recording 2"]; lists != 1 {
		t.Errorf("audit log %+v; want one list besides the reads", log)
	}
}

// The agent starts, pauses, resumes and stops the recording of a call of
// an on-demand queue through the API; each is a step of the record.
func TestRecordingControl(t *testing.T) {
	d := newTestDaemon(t, `
entries:
  - {number: "100", queue: support}
queues:
  - {name: support, recording: on_demand, wrap_up: 1s}
agents:
  - {id: alice, endpoint: sim/alice, queues: [{queue: support}]}
`)
	if err := d.sw.SetPhone("sim/alice", farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 10 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	base := d.srv.URL + "/api/v1/agents/alice/"
	if code, body := post(t, base+"login", ""); code != 200 {
		t.Fatalf("login: %d %s", code, body)
	}
	if code, body := post(t, base+"recording/start", ""); code != http.StatusConflict || !strings.Contains(body, "agent has no call") {
		t.Fatalf("start without a call: %d %s", code, body)
	}
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "5550100", To: "100", HangupAfter: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		code, body := post(t, base+"recording/start", "")
		if code == 200 {
			if !strings.Contains(body, `"recording": "on"`) {
				t.Fatalf("start answered %s", body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the call never took a start: %d %s", code, body)
		}
	}
	for _, tc := range []struct {
		action string
		code   int
		says   string
	}{
		{"pause", 200, `"recording": "paused"`},
		{"pause", http.StatusConflict, "paused already"},
		{"resume", 200, `"recording": "on"`},
		{"rewind", http.StatusBadRequest, "unknown recording action"},
		{"stop", 200, `"phase": "bridged"`},
		{"start", 200, `"recording": "on"`}, // a second recording
		{"start", http.StatusConflict, "on already"},
		{"stop", 200, `"phase": "bridged"`},
	} {
		if code, body := post(t, base+"recording/"+tc.action, ""); code != tc.code || !strings.Contains(body, tc.says) {
			t.Errorf("%s: %d %s; want %d saying %q", tc.action, code, body, tc.code, tc.says)
		}
	}
	var rec store.CallRecord
	finished := func() bool {
		all := rec.AllRecordings()
		return len(all) == 2 && all[0].Path != "" && all[1].Path != ""
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && !finished(); time.Sleep(20 * time.Millisecond) {
		for r, err := range d.db.Calls(store.Filter{}) {
			if err == nil && !r.Ended.IsZero() {
				rec = r
			}
		}
	}
	var steps []string
	for _, s := range rec.Timeline {
		if strings.HasPrefix(s.Kind, "recording-") {
			steps = append(steps, s.Kind)
		}
	}
	if got := strings.Join(steps, " "); got != "recording-start recording-pause recording-resume recording-stop recording-start recording-stop" || !finished() {
		t.Errorf("steps %q, recordings %+v", got, rec.AllRecordings())
	}
}
