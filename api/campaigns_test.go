package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/api/auth"
	"github.com/hotline-cc/hotline/store"
)

const campaignYAML = `
queues:
  - {name: outbound, wrap_up: 0s}
agents:
  - {id: alice, endpoint: sim/alice, logged_in: true, queues: [{queue: outbound}]}
campaigns:
  - name: spring
    endpoint: sim/{number}
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    lead_hours: "00:00-24:00"
    queues: [outbound]
    safe_harbour: [sound:safe-harbour]
`

// serveSpring imports leads of the spring campaign whose phones answer at
// once and talk briefly, readies alice's phone and serves the leads.
func serveSpring(t *testing.T, d *testDaemon, phones []string) {
	t.Helper()
	var leads []campaign.Lead
	for _, p := range phones {
		leads = append(leads, campaign.Lead{Campaign: "spring", Phone: p, Name: "Lead " + p[len(p)-1:]})
		if err := d.sw.SetPhone("sim/"+p, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 20 * time.Millisecond, HangupAfter: 100 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.sw.SetPhone("sim/alice", farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 10 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.db.ImportLeads(leads); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- d.rt.ServeLeads(ctx, d.db, 20*time.Millisecond) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve leads: %v", err)
		}
	})
}

func TestCampaignControl(t *testing.T) {
	d := newTestDaemon(t, campaignYAML)
	phones := []string{"+12125550101", "+12125550102"}
	serveSpring(t, d, phones)

	action := func(name, act string, wantCode int) CampaignAnswer {
		t.Helper()
		code, body := post(t, d.srv.URL+"/api/v1/campaigns/"+name+"/"+act, "")
		if code != wantCode {
			t.Fatalf("%s %s: %d %s, want %d", act, name, code, body, wantCode)
		}
		var st CampaignAnswer
		if code == http.StatusOK {
			if err := json.Unmarshal([]byte(body), &st); err != nil {
				t.Fatal(err)
			}
		}
		return st
	}
	// An action that finds the campaign already so answers 200 saying so;
	// one it cannot do from there (pause or resume a stopped one) 409.
	noop := func(act string, want engine.CampaignState) {
		t.Helper()
		if st := action("spring", act, http.StatusOK); st.State != want || !st.Unchanged {
			t.Errorf("%s again: %+v, want %s and unchanged", act, st, want)
		}
	}
	if st := action("spring", "status", http.StatusOK); st.State != engine.CampaignStopped {
		t.Errorf("before start: %+v", st)
	}
	action("spring", "pause", http.StatusConflict)  // not started
	action("spring", "resume", http.StatusConflict) // start reads the leads; resume does not
	noop("stop", engine.CampaignStopped)
	action("autumn", "start", http.StatusNotFound)
	action("spring", "launch", http.StatusBadRequest)
	if st := action("spring", "start", http.StatusOK); st.State != engine.CampaignRunning || st.Mode != "progressive" || st.Unchanged {
		t.Errorf("after start: %+v", st)
	}
	noop("resume", engine.CampaignRunning) // was a 409 while pause and stop again were 200
	noop("start", engine.CampaignRunning)

	deadline := time.Now().Add(30 * time.Second)
	for {
		done := 0
		_ = d.db.CampaignLeads("spring", func(l campaign.Lead) bool {
			if l.State == campaign.Done {
				done++
			}
			return true
		})
		if done == len(phones) {
			break
		}
		if time.Now().After(deadline) {
			var states []string
			_ = d.db.CampaignLeads("spring", func(l campaign.Lead) bool { states = append(states, l.State.String()); return true })
			t.Fatalf("%d of %d leads done after 10 s: %v %+v", done, len(phones), states, action("spring", "status", http.StatusOK))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st := action("spring", "pause", http.StatusOK); st.State != engine.CampaignPaused || st.Stats.Dialed != 2 || st.Stats.Connected != 2 || st.Unchanged {
		t.Errorf("after pause: %+v", st)
	}
	noop("pause", engine.CampaignPaused)
	// The counts' keys are snake_case like the rest of the body.
	_, body := post(t, d.srv.URL+"/api/v1/campaigns/spring/status", "")
	var raw struct{ Stats map[string]int }
	if err := json.Unmarshal([]byte(body), &raw); err != nil || raw.Stats["dialed"] != 2 || raw.Stats["connected"] != 2 || len(raw.Stats) != 12 {
		t.Errorf("status body %s; want the 12 stats under snake_case keys", body)
	}
	for k := range raw.Stats {
		if strings.ToLower(k) != k {
			t.Errorf("stats key %q is not snake_case", k)
		}
	}
	if st := action("spring", "resume", http.StatusOK); st.State != engine.CampaignRunning || st.Unchanged {
		t.Errorf("after resume: %+v", st)
	}
	if st := action("spring", "stop", http.StatusOK); st.State != engine.CampaignStopped || st.Unchanged {
		t.Errorf("after stop: %+v", st)
	}
	noop("stop", engine.CampaignStopped)
	resp, err := http.Get(d.srv.URL + "/api/v1/campaigns")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []engine.CampaignStatus
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || len(list) != 1 || list[0].Name != "spring" {
		t.Fatalf("list: %+v %v", list, err)
	}
}

func TestCampaignLeadsImport(t *testing.T) {
	d := newTestDaemon(t, campaignYAML)
	csv := "Tel,Name\n(212) 555-0100,Ann\n12,Bob\n212-555-0101,Cy\n212 555 0100,Ann again\n"
	send := func(path, body string) (int, LeadImport, string) {
		t.Helper()
		resp, err := http.Post(d.srv.URL+path, "text/csv", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var li LeadImport
		_ = json.Unmarshal(raw, &li)
		return resp.StatusCode, li, string(raw)
	}
	// A dry run counts as the import will, and stores nothing.
	code, li, raw := send("/api/v1/campaigns/spring/leads?region=US&map=phone=Tel,name=Name&dry_run=1", csv)
	if code != http.StatusOK || !li.DryRun || li.Rows != 4 || li.Imported != 2 || li.DuplicatesInFile != 1 || li.AlreadyThere != 0 ||
		len(li.Errors) != 1 || li.Errors[0].Row != 3 {
		t.Fatalf("dry run: %d %s", code, raw)
	}
	if code, _, raw := send("/api/v1/campaigns/spring/leads?dry_run=yes", csv); code != http.StatusBadRequest || !strings.Contains(raw, `dry_run \"yes\"`) {
		t.Errorf("dry_run=yes: %d %s; want 400 naming it", code, raw)
	}
	code, li, raw = send("/api/v1/campaigns/spring/leads?region=US&map=phone=Tel,name=Name", csv)
	if code != http.StatusOK || li.DryRun || li.Rows != 4 || li.Imported != 2 || li.DuplicatesInFile != 1 || len(li.Errors) != 1 ||
		li.Errors[0].Row != 3 || li.Errors[0].Column != "Tel" {
		t.Fatalf("import: %d %s", code, raw)
	}
	var names []string
	_ = d.db.CampaignLeads("spring", func(l campaign.Lead) bool { names = append(names, l.Name+" "+l.Phone); return true })
	if strings.Join(names, ";") != "Ann +12125550100;Cy +12125550101" {
		t.Errorf("stored leads: %v", names)
	}
	if code, li, raw := send("/api/v1/campaigns/spring/leads?region=US&map=phone=Tel,name=Name&dry_run=1", csv); code != http.StatusOK || li.Imported != 0 || li.AlreadyThere != 2 {
		t.Errorf("dry run of a second import: %d %s", code, raw)
	}
	if code, li, raw := send("/api/v1/campaigns/spring/leads?region=US&map=phone=Tel,name=Name", csv); code != http.StatusOK || li.Imported != 0 || li.AlreadyThere != 2 {
		t.Errorf("second import: %d %s", code, raw)
	}
	if code, _, raw := send("/api/v1/campaigns/autumn/leads?region=US&dry_run=1", csv); code != http.StatusNotFound {
		t.Errorf("dry run into an unknown campaign: %d %s", code, raw)
	}
	if code, _, raw := send("/api/v1/campaigns/autumn/leads?region=US", csv); code != http.StatusNotFound {
		t.Errorf("unknown campaign: %d %s", code, raw)
	}
	if code, _, raw := send("/api/v1/campaigns/spring/leads?region=&map=phone=Tel", csv); code != http.StatusBadRequest || !strings.Contains(raw, `\"region\" is empty`) {
		t.Errorf("import with an empty region: %d %s; want 400 (it meant US)", code, raw)
	}
	if code, _, raw := send("/api/v1/campaigns/spring/leads?map=phone", csv); code != http.StatusBadRequest || !strings.Contains(raw, "want FIELD=COLUMN") {
		t.Errorf("bad map: %d %s", code, raw)
	}
	if code, _, raw := send("/api/v1/campaigns/spring/leads?map=phone=Tel,phone=Name", csv); code != http.StatusBadRequest || !strings.Contains(raw, `field \"phone\" given 2 times (phone=Tel, phone=Name)`) {
		t.Errorf("a field mapped twice: %d %s", code, raw)
	}
	// The mistakes of ?map= are named as the query has them, not as the
	// command line's --map.
	if code, _, raw := send("/api/v1/campaigns/spring/leads?map=phone=Mobile", csv); code != http.StatusBadRequest ||
		!strings.Contains(raw, `?map=phone=Mobile: no column \"Mobile\" in the header`) || strings.Contains(raw, "--map") {
		t.Errorf("a map naming no column: %d %s", code, raw)
	}
	if code, _, raw := send("/api/v1/campaigns/spring/leads", "Name\nAnn\n"); !strings.Contains(raw, "map it (?map=phone=COLUMN)") || strings.Contains(raw, "--map") {
		t.Errorf("no phone column: %d %s", code, raw)
	}
	// A body sent as a form (curl -d, which also drops the line breaks, or
	// curl -F) or as JSON is refused, saying how to send the file: read as
	// CSV, a form of one row was a header alone, nothing imported and 200.
	for _, ct := range []string{"application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json"} {
		resp, err := http.Post(d.srv.URL+"/api/v1/campaigns/spring/leads", ct, strings.NewReader("phone,name+12125550199,Ann"))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnsupportedMediaType || !strings.Contains(string(raw), "--data-binary @FILE") {
			t.Errorf("Content-Type %s: %d %s; want 415 saying how to send the file", ct, resp.StatusCode, raw)
		}
	}
	// A parameter given twice is read twice, and one the import does not
	// know (a typo of region) refuses it: read on, the numbers would be
	// taken as in the US.
	if code, li, raw := send("/api/v1/campaigns/spring/leads?map=phone=Tel&map=name=Nick", "Tel,Nick\n(212) 555-0190,Al\n"); code != http.StatusOK || li.Imported != 1 {
		t.Errorf("map given twice: %d %s", code, raw)
	}
	_ = d.db.CampaignLeads("spring", func(l campaign.Lead) bool {
		if l.Phone == "+12125550190" && (l.Name != "Al" || len(l.Fields) != 0) {
			t.Errorf("lead of map given twice: %+v; want the name Al from Nick", l)
		}
		return true
	})
	if code, _, raw := send("/api/v1/campaigns/spring/leads?regoin=GB", "phone\n020 7946 0958\n"); code != http.StatusBadRequest ||
		!strings.Contains(raw, `query parameter \"regoin\": not one of region, map`) {
		t.Errorf("a mistyped region: %d %s", code, raw)
	}
	if code, _, raw := send("/api/v1/campaigns/spring/leads?region=GB&region=US", "phone\n020 7946 0958\n"); code != http.StatusBadRequest || !strings.Contains(raw, `query parameter \"region\" given 2 times`) {
		t.Errorf("region twice: %d %s", code, raw)
	}
	if code, _, raw := send("/api/v1/campaigns/spring/leads?region=US", "Name\nAnn\n"); code != http.StatusBadRequest {
		t.Errorf("no phone column: %d %s", code, raw)
	}
	if code, _, raw := send("/api/v1/campaigns/spring/leads", "phone,name\n"); code != http.StatusBadRequest || !strings.Contains(raw, "the file has a header and no rows below it") {
		t.Errorf("a header alone: %d %s, want 400 naming it", code, raw)
	}
	// A cell over the limit is a row error naming row and column; a header
	// over the column limit refuses the file.
	if code, li, raw := send("/api/v1/campaigns/spring/leads?region=US", "phone,notes\n(212) 555-0104,"+strings.Repeat("x", 2<<20)+"\n"); code != http.StatusOK ||
		li.Imported != 0 || len(li.Errors) != 1 || li.Errors[0].Row != 2 || li.Errors[0].Column != "notes" || !strings.Contains(li.Errors[0].Error, "a cell may hold at most") {
		t.Errorf("a 2 MB cell: %d %.300s", code, raw)
	}
	if code, _, raw := send("/api/v1/campaigns/spring/leads?region=US", "phone"+strings.Repeat(",c", 5000)+"\n(212) 555-0104\n"); code != http.StatusBadRequest ||
		!strings.Contains(raw, "the header has 5001 columns; a file may have at most 1000") {
		t.Errorf("5,000 columns: %d %.300s", code, raw)
	}
	// Without ?region numbers are read as in the US, as the CLI reads them.
	if code, li, raw := send("/api/v1/campaigns/spring/leads", "phone\n(212) 555-0102\n"); code != http.StatusOK || li.Imported != 1 {
		t.Errorf("no region: %d %s", code, raw)
	}
	// A second import into the campaign while one is under way is refused,
	// not run over the first's leads.
	im, err := d.db.BeginLeadImport("spring")
	if err != nil {
		t.Fatal(err)
	}
	if code, _, raw := send("/api/v1/campaigns/spring/leads?region=US", "phone\n(212) 555-0103\n"); code != http.StatusConflict || !strings.Contains(raw, "under way") {
		t.Errorf("import during another: %d %s", code, raw)
	}
	if _, err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	if code, li, raw := send("/api/v1/campaigns/spring/leads?region=US", "phone\n(212) 555-0103\n"); code != http.StatusOK || li.Imported != 1 {
		t.Errorf("import after the other: %d %s", code, raw)
	}
}

// The CSV export writes formula cells behind an apostrophe and the import
// reads them back: the exported list imported again finds its own numbers.
func TestCampaignLeadsCSVRoundTrip(t *testing.T) {
	d := newTestDaemon(t, campaignYAML)
	get := func(path string, v any) string {
		t.Helper()
		resp, err := http.Get(d.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, raw)
		}
		if v != nil {
			if err := json.Unmarshal(raw, v); err != nil {
				t.Fatal(err)
			}
		}
		return string(raw)
	}
	post := func(body string) LeadImport {
		t.Helper()
		resp, err := http.Post(d.srv.URL+"/api/v1/campaigns/spring/leads", "text/csv", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var li LeadImport
		if err := json.NewDecoder(resp.Body).Decode(&li); err != nil || resp.StatusCode != http.StatusOK || len(li.Errors) > 0 {
			t.Fatalf("import: %d %+v %v", resp.StatusCode, li, err)
		}
		return li
	}
	post("phone,name,note\n+33612345678,=SUM(1),@x\n(212) 555-0100,'Tis,-1\n")
	exported := get("/api/v1/campaigns/spring/leads.csv", nil)
	for _, want := range []string{"'+33612345678,'=SUM(1),", ",'@x\n", "'+12125550100,'Tis,", ",'-1\n"} {
		if !strings.Contains(exported, want) {
			t.Errorf("export lacks %q:\n%s", want, exported)
		}
	}
	if li := post(exported); li.Imported != 0 || li.AlreadyThere != 2 {
		t.Errorf("the export imported again: %+v, want both numbers already there", li)
	}
	var names []string
	_ = d.db.CampaignLeads("spring", func(l campaign.Lead) bool { names = append(names, l.Name+" "+l.Fields["note"]); return true })
	if strings.Join(names, ";") != "=SUM(1) @x;'Tis -1" {
		t.Errorf("stored leads: %q", names)
	}
	var ls LeadStates
	get("/api/v1/campaigns/spring/lead-states", &ls)
	if ls.Total != 2 || ls.States["new"] != 2 || ls.Due != 2 {
		t.Errorf("lead states: %+v", ls)
	}
}

// shownAlice waits for a lead other than not to be shown to alice.
func shownAlice(t *testing.T, d *testDaemon, not string) Preview {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(d.srv.URL + "/api/v1/agents/alice/preview")
		if err != nil {
			t.Fatal(err)
		}
		var p Preview
		_ = json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK && p.Preview != nil && p.Preview.Lead.ID != not {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("no new lead shown to alice in 5 s (last answer %d)", resp.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCampaignPreviewRoutes: an agent of a preview campaign reads the lead
// shown to them and dials or skips it.
func TestCampaignPreviewRoutes(t *testing.T) {
	d := newTestDaemon(t, strings.Replace(campaignYAML, "    queues: [outbound]\n", "    queues: [outbound]\n    mode: preview\n", 1))
	serveSpring(t, d, []string{"+12125550101", "+12125550102", "+12125550103"})
	if code, body := post(t, d.srv.URL+"/api/v1/campaigns/spring/start", ""); code != http.StatusOK {
		t.Fatalf("start: %d %s", code, body)
	}
	shown := func(not string) Preview { return shownAlice(t, d, not) }
	first := shown("")
	if first.Agent != "alice" || first.Preview.Campaign != "spring" || first.Preview.Lead.Name == "" || first.Preview.Expires.IsZero() {
		t.Fatalf("preview: %+v", first.Preview)
	}
	if code, body := post(t, d.srv.URL+"/api/v1/agents/alice/preview/later", ""); code != http.StatusBadRequest {
		t.Errorf("unknown decision: %d %s", code, body)
	}
	if code, body := post(t, d.srv.URL+"/api/v1/agents/alice/preview/skip", ""); code != http.StatusOK || !strings.Contains(body, first.Preview.Lead.ID) {
		t.Fatalf("skip: %d %s", code, body)
	}
	second := shown(first.Preview.Lead.ID)
	if code, body := post(t, d.srv.URL+"/api/v1/agents/alice/preview/dial", ""); code != http.StatusOK {
		t.Fatalf("dial: %d %s", code, body)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var got campaign.Lead
		_ = d.db.CampaignLeads("spring", func(l campaign.Lead) bool {
			if l.ID == second.Preview.Lead.ID {
				got = l
			}
			return true
		})
		if got.State == campaign.Done && got.Attempts == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the dialed lead is %s after %d attempts; want done after 1", got.State, got.Attempts)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, body := post(t, d.srv.URL+"/api/v1/campaigns/spring/stop", ""); code != http.StatusOK {
		t.Fatalf("stop: %d %s", code, body)
	}
	if code, body := post(t, d.srv.URL+"/api/v1/agents/alice/preview/dial", ""); code != http.StatusConflict {
		t.Errorf("dial with no lead shown: %d %s", code, body)
	}
	if resp, err := http.Get(d.srv.URL + "/api/v1/agents/zed/preview"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown agent: %v %v", resp.StatusCode, err)
	}
}

// TestCampaignLeadsResults: GET /api/v1/campaigns/{name}/leads lists the
// leads with their answers, a spoken one with what was heard and its
// score; ?answered=1 keeps those with answers; an unknown campaign is 404,
// a bad limit 400.
func TestCampaignLeadsResults(t *testing.T) {
	d := newTestDaemon(t, campaignYAML)
	if _, err := d.db.ImportLeads([]campaign.Lead{{Campaign: "spring", Phone: "+12125550100"}, {Campaign: "spring", Phone: "+12125550101"}}); err != nil {
		t.Fatal(err)
	}
	var first campaign.Lead
	_ = d.db.CampaignLeads("spring", func(l campaign.Lead) bool { first = l; return false })
	first.State, first.Disposition = campaign.Done, "completed"
	first.Answers = map[string]string{"recommend": "yes", "recommend.transcript": "sure thing", "recommend.confidence": "0.67"}
	if err := d.db.Write([]store.Op{store.PutLead(&first)}); err != nil {
		t.Fatal(err)
	}
	get := func(path string) (int, []campaign.Lead, string) {
		t.Helper()
		resp, err := http.Get(d.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var leads []campaign.Lead
		_ = json.Unmarshal(raw, &leads)
		return resp.StatusCode, leads, string(raw)
	}
	if code, leads, raw := get("/api/v1/campaigns/spring/leads"); code != http.StatusOK || len(leads) != 2 {
		t.Fatalf("all leads: %d %s", code, raw)
	}
	code, leads, raw := get("/api/v1/campaigns/spring/leads?answered=1")
	if code != http.StatusOK || len(leads) != 1 || leads[0].ID != first.ID || leads[0].Answers["recommend.transcript"] != "sure thing" ||
		leads[0].Answers["recommend.confidence"] != "0.67" || leads[0].State != campaign.Done {
		t.Fatalf("answered leads: %d %s", code, raw)
	}
	// true is 1, and a value that is neither is refused, not read as "all".
	if code, leads, raw := get("/api/v1/campaigns/spring/leads?answered=true"); code != http.StatusOK || len(leads) != 1 || leads[0].ID != first.ID {
		t.Errorf("answered=true: %d %s; want the answered lead alone", code, raw)
	}
	if code, leads, raw := get("/api/v1/campaigns/spring/leads?answered=0"); code != http.StatusOK || len(leads) != 2 {
		t.Errorf("answered=0: %d %s; want every lead", code, raw)
	}
	if code, _, raw := get("/api/v1/campaigns/spring/leads?answered=yes"); code != http.StatusBadRequest || !strings.Contains(raw, `answered \"yes\": want 1 or 0`) {
		t.Errorf("answered=yes: %d %s; want 400 naming it", code, raw)
	}
	if code, leads, _ := get("/api/v1/campaigns/spring/leads?limit=1"); code != http.StatusOK || len(leads) != 1 {
		t.Errorf("limit=1: %d, %d leads", code, len(leads))
	}
	if code, _, raw := get("/api/v1/campaigns/autumn/leads"); code != http.StatusNotFound {
		t.Errorf("unknown campaign: %d %s", code, raw)
	}
	if code, _, raw := get("/api/v1/campaigns/spring/leads?limit=-3"); code != http.StatusBadRequest || !strings.Contains(raw, "limit") {
		t.Errorf("bad limit: %d %s", code, raw)
	}
}

// TestCampaignLeadsPaged: the leads list answers 100 at a time by default
// (a million-lead campaign is not built in memory), at most 1000, with a
// Link to the next page; bad paging values are 400 naming the parameter.
func TestCampaignLeadsPaged(t *testing.T) {
	d := newTestDaemon(t, campaignYAML)
	var leads []campaign.Lead
	for i := range 150 {
		leads = append(leads, campaign.Lead{Campaign: "spring", Phone: fmt.Sprintf("+1212555%04d", i)})
	}
	if _, err := d.db.ImportLeads(leads); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var pages []int
	for next := "/api/v1/campaigns/spring/leads"; next != ""; {
		resp, err := http.Get(d.srv.URL + next)
		if err != nil {
			t.Fatal(err)
		}
		var page []campaign.Lead
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %v", next, resp.StatusCode, err)
		}
		for _, l := range page {
			if seen[l.Phone] {
				t.Fatalf("%s: lead %s listed twice", next, l.Phone)
			}
			seen[l.Phone] = true
		}
		pages = append(pages, len(page))
		next = ""
		if link := resp.Header.Get("Link"); link != "" {
			next = strings.TrimPrefix(strings.TrimSuffix(link, `>; rel="next"`), "<")
		}
		if len(pages) > 3 {
			t.Fatalf("pages %v: the Link never ends", pages)
		}
	}
	if !slices.Equal(pages, []int{100, 50}) || len(seen) != 150 {
		t.Fatalf("pages %v, %d leads; want 100 then 50, all 150", pages, len(seen))
	}
	for _, tc := range []struct{ query, want string }{
		{"limit=1001", `limit \"1001\": want a whole number from 1 to 1000`},
		{"limit=-1", `limit \"-1\": want a whole number from 1 to 1000`},
		{"limit=0", `limit \"0\": want a whole number from 1 to 1000`},
		{"limit=ten", `limit \"ten\"`},
		{"offset=-1", `offset \"-1\"`},
	} {
		resp, err := http.Get(d.srv.URL + "/api/v1/campaigns/spring/leads?" + tc.query)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(raw), tc.want) {
			t.Errorf("?%s: %d %s, want 400 and %q", tc.query, resp.StatusCode, raw, tc.want)
		}
	}
}

// talkingLead starts the spring campaign with one lead, who answers, and
// returns its call once alice talks to it.
func talkingLead(t *testing.T, d *testDaemon) string {
	t.Helper()
	p := "+12125550101"
	if err := d.sw.SetPhone("sim/"+p, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 20 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if err := d.sw.SetPhone("sim/alice", farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 10 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.db.ImportLeads([]campaign.Lead{{Campaign: "spring", Phone: p}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- d.rt.ServeLeads(ctx, d.db, 20*time.Millisecond) }()
	t.Cleanup(func() { cancel(); <-served })
	if code, body := post(t, d.srv.URL+"/api/v1/campaigns/spring/start", ""); code != http.StatusOK {
		t.Fatalf("start: %d %s", code, body)
	}
	var call string
	waitFor(t, func() bool {
		for _, a := range d.rt.Snapshot().Agents {
			if a.ID == "alice" && a.Call != "" && a.State == "on-call" {
				call = a.Call
				return true
			}
		}
		return false
	}, "alice talking to the lead")
	return call
}

// A disposition a campaign does not list is the client's mistake: 400
// naming the campaign's dispositions, not a server error, and the call keeps
// none.
func TestCampaignUnknownDisposition(t *testing.T) {
	d := newTestDaemon(t, strings.Replace(campaignYAML, "    safe_harbour:", "    dispositions: [{name: sale, final: true}, {name: later, callback: true}]\n    safe_harbour:", 1))
	call := talkingLead(t, d)
	code, body := post(t, d.srv.URL+"/api/v1/calls/"+call+"/disposition", `{"disposition":"bogus"}`)
	if code != http.StatusBadRequest || !strings.Contains(body, `disposition \"bogus\"`) || !strings.Contains(body, "known: sale") {
		t.Errorf("unknown disposition: %d %s; want 400 naming it and the campaign's", code, body)
	}
	// A callback time is RFC 3339, after now, with a callback disposition.
	soon := time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
	for _, c := range []struct{ body, want string }{
		{`{"disposition":"later","callback_at":"tomorrow 3pm"}`, `field \"callback_at\": \"tomorrow 3pm\": want a time with its offset`},
		{`{"disposition":"later","callback_at":"2026-12-03T15:00:00"}`, `field \"callback_at\"`},
		{`{"disposition":"later","callback_at":"2020-01-01T00:00:00Z"}`, "2020-01-01T00:00:00Z is not after now"},
		{`{"disposition":"later","callback_at":"2999-01-01T00:00:00Z"}`, "more than 90 days ahead"},
		{`{"disposition":"sale","callback_at":"` + soon + `"}`, `goes with a callback disposition (later); \"sale\" is none`},
		// callback_to is me, anyone or an agent of the campaign, with a
		// callback disposition.
		{`{"disposition":"later","callback_to":"bob"}`, `callback_to \"bob\": want me, anyone or an agent of the campaign (alice)`},
		{`{"disposition":"sale","callback_to":"me"}`, `callback_to goes with a callback disposition; \"sale\" is none`},
	} {
		if code, body := post(t, d.srv.URL+"/api/v1/calls/"+call+"/disposition", c.body); code != http.StatusBadRequest || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s; want 400 and %q", c.body, code, body, c.want)
		}
	}
	if code, body := post(t, d.srv.URL+"/api/v1/calls/"+call+"/disposition", `{"disposition":"later","callback_at":"`+soon+`"}`); code != http.StatusOK || !strings.Contains(body, soon) {
		t.Errorf("a callback in two hours: %d %s", code, body)
	}
	for to, want := range map[string]string{"me": "alice", "alice": "alice", "anyone": "anyone"} {
		code, body := post(t, d.srv.URL+"/api/v1/calls/"+call+"/disposition", `{"disposition":"later","callback_at":"`+soon+`","callback_to":"`+to+`"}`)
		if code != http.StatusOK || !strings.Contains(body, `"callback_to": "`+want+`"`) {
			t.Errorf("a callback kept for %q: %d %s; want it kept for %s", to, code, body, want)
		}
	}
	// RFC 3339 allows a lower-case t and z.
	if code, body := post(t, d.srv.URL+"/api/v1/calls/"+call+"/disposition", `{"disposition":"later","callback_at":"`+strings.ToLower(soon)+`"}`); code != http.StatusOK || !strings.Contains(body, soon) {
		t.Errorf("a callback at %s: %d %s", strings.ToLower(soon), code, body)
	}
	// The answer says the disposition as filed: the campaign's name.
	if code, body := post(t, d.srv.URL+"/api/v1/calls/"+call+"/disposition", `{"disposition":"SALE "}`); code != http.StatusOK || !strings.Contains(body, `"disposition": "sale"`) {
		t.Errorf("known disposition in capitals: %d %s; want it filed and named sale", code, body)
	}
}

// GET /api/v1/calls/ID/dispositions offers, for a campaign's call, the
// campaign's dispositions with the callback ones marked and the agents a
// callback may be kept for; a call of no campaign takes any disposition.
func TestCallDispositionChoices(t *testing.T) {
	d := newTestDaemon(t, strings.Replace(campaignYAML, "    safe_harbour:", "    dispositions: [{name: sale, final: true}, {name: later, callback: true}]\n    safe_harbour:", 1))
	call := talkingLead(t, d)
	var got engine.DispositionChoices
	if code := getJSON(t, d.srv.URL+"/api/v1/calls/"+call+"/dispositions", &got); code != http.StatusOK ||
		fmt.Sprint(got) != "{spring [{sale false} {later true}] [alice]}" {
		t.Errorf("a campaign's call: %d %v", code, got)
	}
	if code := getJSON(t, d.srv.URL+"/api/v1/calls/nope/dispositions", &got); code != http.StatusNotFound {
		t.Errorf("an unknown call: %d %v; want 404", code, got)
	}
}

// A number put on a do-not-call list through the API while the campaign
// runs is not dialed, even when its lead was already read into the hopper
// (with the verdict of that moment): it becomes do-not-call at its turn.
func TestCampaignDNCWhileRunning(t *testing.T) {
	d := newTestDaemon(t, campaignYAML)
	first, second := "+12125550101", "+12125550102"
	if err := d.sw.SetPhone("sim/"+first, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 20 * time.Millisecond, HangupAfter: time.Second}); err != nil {
		t.Fatal(err)
	}
	if err := d.sw.SetPhone("sim/"+second, farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 20 * time.Millisecond, HangupAfter: 100 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if err := d.sw.SetPhone("sim/alice", farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 10 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.db.ImportLeads([]campaign.Lead{{Campaign: "spring", Phone: first}, {Campaign: "spring", Phone: second}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- d.rt.ServeLeads(ctx, d.db, 20*time.Millisecond) }()
	defer func() { cancel(); <-served }()
	if code, body := post(t, d.srv.URL+"/api/v1/campaigns/spring/start", ""); code != http.StatusOK {
		t.Fatalf("start: %d %s", code, body)
	}
	lead := func(phone string) (l campaign.Lead) {
		_ = d.db.CampaignLeads("spring", func(x campaign.Lead) bool {
			if x.Phone == phone {
				l = x
			}
			return true
		})
		return l
	}
	// Progressive with one agent: the first lead is dialed, the second
	// waits in the hopper for alice.
	waitFor(t, func() bool { return lead(first).Attempts == 1 }, "the first lead dialed")
	if code, body := post(t, d.srv.URL+"/api/v1/dnc/global", `{"phones":["`+second+`"]}`); code != http.StatusOK {
		t.Fatalf("dnc add: %d %s", code, body)
	}
	waitFor(t, func() bool { s := lead(second).State; return s != campaign.New && s != campaign.Dialing }, "the second lead settled")
	if l := lead(second); l.State != campaign.DoNotCall || l.Attempts != 0 {
		t.Errorf("second lead %s, %d attempts; want do-not-call, never dialed", l.State, l.Attempts)
	}
	for rec, err := range d.db.Calls(store.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		if rec.Called == second {
			t.Errorf("call %s dialed %s after it was put on the do-not-call list", rec.ID, second)
		}
	}
}

// "callback_to": "me" is the agent signed in: alice filing on her call
// keeps the callback for herself, a supervisor who is also agent bob keeps
// it for bob, and a supervisor who is no agent keeps it for the call's
// agent, alice.
func TestCampaignCallbackToMe(t *testing.T) {
	d := newTestDaemon(t, strings.NewReplacer("    safe_harbour:", "    dispositions: [{name: later, callback: true}]\n    safe_harbour:",
		"agents:\n", "agents:\n  - {id: bob, endpoint: sim/bob, queues: [{queue: outbound}]}\n").Replace(campaignYAML))
	srv := authServer(t, d)
	call := talkingLead(t, d)
	bearer := func(s string) http.Header { return http.Header{"Authorization": {"Bearer " + s}} }
	al := bearer(addUser(t, d.db, auth.User{Name: "al", Role: auth.Agent, Agent: "alice"}))
	sam := bearer(addUser(t, d.db, auth.User{Name: "sam", Role: auth.Supervisor, Agent: "bob"}))
	sue := bearer(addUser(t, d.db, auth.User{Name: "sue", Role: auth.Supervisor}))
	soon := time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
	for _, c := range []struct {
		who  string
		hdr  http.Header
		want string
	}{{"al", al, "alice"}, {"sam", sam, "bob"}, {"sue", sue, "alice"}} {
		code, body := sendAs(t, "POST", srv.URL+"/api/v1/calls/"+call+"/disposition", `{"disposition":"later","callback_at":"`+soon+`","callback_to":"me"}`, c.hdr)
		if code != http.StatusOK || !strings.Contains(body, `"callback_to": "`+c.want+`"`) {
			t.Errorf("%s keeps the callback for me: %d %s; want it kept for %s", c.who, code, body, c.want)
		}
	}
}
