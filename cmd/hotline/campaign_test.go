package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/engine"
)

// springCenter is a sim call center with one agent (logged in) and the
// campaign spring.
const springCenter = `
pbx: {type: sim, sim: {callers: {rate_per_minute: 0}}}
queues: [{name: q}]
agents: [{id: a, endpoint: sim/a, logged_in: true, queues: [{queue: q}]}]
campaigns:
  - name: spring
    endpoint: sim/{number}
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    queues: [q]
    safe_harbour: [sound:safe-harbour]
`

func TestCampaignCommandAgainstDaemon(t *testing.T) {
	addr, _ := startServe(t, "127.0.0.1:0", springCenter)
	csv := "phone\n+12125550101\n+12125550102\n"
	resp, err := http.Post("http://"+addr+"/api/v1/campaigns/spring/leads", "text/csv", strings.NewReader(csv))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("import: %v %v", resp, err)
	}
	resp.Body.Close()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"campaign", "status"}, 0, "spring: stopped, progressive; hopper 0"},
		{[]string{"campaign", "status"}, 0, "(0.00% over the window, cap 3.00% over 720h0m0s);"},
		{[]string{"campaign", "status"}, 0, "; agent campaign, 1 agent signed in\n"},
		{[]string{"campaign", "status", "spring"}, 0, "spring leads: 2 (2 due now, 2 new)\n"},
		{[]string{"campaign", "start", "spring"}, 0, "spring: running, progressive"},
		{[]string{"campaign", "pause", "spring"}, 0, "spring: paused"},
		{[]string{"campaign", "pause", "spring"}, 0, "spring was already paused; nothing changed\nspring: paused"},
		{[]string{"campaign", "resume", "spring"}, 0, "spring: running"},
		{[]string{"campaign", "resume", "spring"}, 0, "spring was already running; nothing changed\nspring: running"},
		{[]string{"campaign", "stop", "spring"}, 0, "spring: stopped"},
		{[]string{"campaign", "stop", "spring"}, 0, "spring was already stopped; nothing changed"},
		{[]string{"campaign", "resume", "spring"}, 1, "a stopped campaign cannot resume (start it)"},
		{[]string{"campaign", "start", "autumn"}, 1, `campaign "autumn": unknown campaign`},
		{[]string{"campaign", "launch", "spring"}, exitInvalid, `unknown action "launch"`},
		{[]string{"campaign", "start"}, exitInvalid, "name the campaign"},
		{[]string{"campaign", "results", "spring"}, 0, "no lead of spring has answers yet"},
		{[]string{"campaign", "results", "spring", "--json"}, 0, "[]\n"},
		{[]string{"campaign", "results", "autumn"}, 1, `campaign "autumn": unknown campaign`},
		{[]string{"campaign", "results"}, exitInvalid, "name the campaign"},
		// A name that is a path would reach another route (an agent's pause).
		{[]string{"campaign", "pause", "../agents/a"}, exitInvalid, `campaign pause "../agents/a": no campaign can have that name`},
		{[]string{"leads", "show", "x", "--campaign", "../agents/a"}, exitInvalid, `--campaign "../agents/a": no campaign can have that name`},
	} {
		code, out, errOut := hotline(t, nil, append(tc.args, "--api", addr)...)
		if code != tc.code || !strings.Contains(out+errOut, tc.want) {
			t.Errorf("hotline %s: exit %d, %q %q; want exit %d and %q", strings.Join(tc.args, " "), code, out, errOut, tc.code, tc.want)
		}
	}
}

func TestPreviewCommandAgainstDaemon(t *testing.T) {
	addr, _ := startServe(t, "127.0.0.1:0", `
pbx: {type: sim, sim: {callers: {rate_per_minute: 0}}}
queues: [{name: q}]
agents: [{id: a, endpoint: sim/a, logged_in: true, queues: [{queue: q}]}]
campaigns:
  - name: spring
    mode: preview
    endpoint: sim/{number}
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    lead_hours: "00:00-24:00"
    queues: [q]
    safe_harbour: [sound:safe-harbour]
    skip_reasons: [wrong person, already customer]
`)
	csv := "phone,name,plan\n+12125550101,Ann,gold\n+12125550102,Bob,silver\n"
	resp, err := http.Post("http://"+addr+"/api/v1/campaigns/spring/leads", "text/csv", strings.NewReader(csv))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("import: %v %v", resp, err)
	}
	resp.Body.Close()
	if code, out, errOut := hotline(t, nil, "campaign", "start", "spring", "--api", addr); code != 0 {
		t.Fatalf("start: %s %s", out, errOut)
	}
	var out string
	for deadline := time.Now().Add(60 * time.Second); ; {
		var code int
		code, out, _ = hotline(t, nil, "preview", "a", "--api", addr)
		if code == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no lead shown to a in 60 s: %s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(out, "campaign spring, lead spring-1 shown to a: +12125550101 Ann, attempts 0") ||
		!strings.Contains(out, "  plan: gold") || !strings.Contains(out, "skip on its own at") {
		t.Errorf("preview a:\n%s", out)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"preview", "a", "later"}, 2, `unknown decision "later"`},
		{[]string{"preview", "a", "dial", "--reason", "wrong person"}, 2, "--reason and --note go with skip"},
		{[]string{"preview", "a", "--note", "x"}, 2, "--reason and --note go with skip"},
		{[]string{"preview", "a", "skip", "--reason", "busy"}, 2, `--reason "busy": bad request: body: campaign spring: skip of lead spring-1: field "reason": "busy" is not one of the campaign's`},
		{[]string{"preview"}, 2, "accepts between 1 and 2 arg(s)"},
		{[]string{"preview", "a", "dial", "now"}, 2, "accepts between 1 and 2 arg(s)"},
		{[]string{"preview", "a", "skip", "--reason", "wrong person", "--note", "his brother"}, 0, "lead spring-1 skipped by a"},
		{[]string{"preview", "nobody"}, 1, "unknown agent"},
	} {
		code, out, errOut := hotline(t, nil, append(tc.args, "--api", addr)...)
		if code != tc.code || !strings.Contains(out+errOut, tc.want) {
			t.Errorf("hotline %s: exit %d, %q %q; want exit %d and %q", strings.Join(tc.args, " "), code, out, errOut, tc.code, tc.want)
		}
	}
	// The skip is saved through the writer: the counts follow shortly.
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, out, _ := hotline(t, nil, "campaign", "status", "spring", "--api", addr)
		if strings.Contains(out, "spring preview skips: 1 wrong person\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("campaign status after a skip for wrong person:\n%s", out)
		}
	}
	// The skipped lead, asked of the daemon: its skip, who and why.
	if code, out, errOut := hotline(t, nil, "leads", "show", "spring-1", "--campaign", "spring", "--api", addr); code != 0 ||
		!strings.Contains(out, "spring-1 +12125550101 Ann: new, attempts 0") || !strings.Contains(out, "  skipped once:\n") ||
		!strings.Contains(out, " by a: wrong person, \"his brother\"\n") {
		t.Errorf("leads show --api: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := hotline(t, nil, "leads", "show", "spring-9", "--campaign", "spring", "--api", addr); code == 0 || !strings.Contains(errOut, `lead "spring-9" of campaign "spring": not found`) {
		t.Errorf("leads show --api of an unknown lead: exit %d %q %q", code, out, errOut)
	}
}

// TestWriteResults: a survey's results, one lead a line, a spoken answer
// with what was heard and its match score, an open one without a score.
func TestWriteResults(t *testing.T) {
	var b strings.Builder
	writeResults(&b, "poll", []campaign.Lead{
		{ID: "poll-1", Phone: "+3314000001", State: campaign.Done, Disposition: "completed", Answers: map[string]string{
			"satisfaction": "good", "satisfaction.transcript": "it was very good", "satisfaction.confidence": "0.86",
			"recommend": "2", "comment": "call me later", "comment.transcript": "call me later"}},
		{ID: "poll-2", Phone: "+3314000002", State: campaign.Scheduled, Answers: map[string]string{"satisfaction": "bad"}},
	})
	want := `poll-1 +3314000001 done completed: comment=call me later (said "call me later"); recommend=2; satisfaction=good (said "it was very good", match 0.86)
poll-2 +3314000002 scheduled -: satisfaction=bad
`
	if b.String() != want {
		t.Errorf("results:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestWriteCampaignsLearned: once a predictive or power campaign's pacer
// has figures of its own, the status says what it paces by; before, and in
// the modes that dial one lead per agent, it says nothing of them.
func TestWriteCampaignsLearned(t *testing.T) {
	var b strings.Builder
	writeCampaigns(&b, []engine.CampaignStatus{
		{Name: "spring", State: engine.CampaignRunning, Mode: "predictive", Learned: &engine.CampaignLearned{Dials: 1834, AnswerRate: 0.2983, Talks: 540, MeanTalk: engine.Seconds(121 * time.Second), MeanWrap: engine.Seconds(15 * time.Second)}},
		{Name: "autumn", State: engine.CampaignRunning, Mode: "predictive", Learned: &engine.CampaignLearned{}},
		// One agent a lead: the figures pace nothing, so they are not said.
		{Name: "winter", State: engine.CampaignRunning, Mode: "progressive", Learned: &engine.CampaignLearned{Talks: 12, MeanTalk: engine.Seconds(time.Minute)}},
		{Name: "poll", State: engine.CampaignRunning, Mode: "predictive", Kind: "survey", Learned: &engine.CampaignLearned{Dials: 30, Talks: 12}},
	})
	lines := strings.Split(b.String(), "\n")
	if len(lines) != 6 || lines[1] != "  paced by its last 1834 dials (29.8% answered live) and 540 talks (mean 2m1s, wrap-up 15s)" || !strings.HasPrefix(lines[2], "autumn: running") {
		t.Errorf("status:\n%s", b.String())
	}
}

// TestWriteCampaignsKept: the due callbacks waiting for their agent show
// (the API had them, the status did not).
func TestWriteCampaignsKept(t *testing.T) {
	var b strings.Builder
	writeCampaigns(&b, []engine.CampaignStatus{{Name: "spring", State: engine.CampaignRunning, Mode: "progressive", Kept: 2}, {Name: "autumn"}})
	lines := strings.Split(b.String(), "\n")
	if len(lines) != 4 || lines[1] != "  2 callbacks due, waiting for the agent each is kept for" || !strings.HasPrefix(lines[2], "autumn:") {
		t.Errorf("status:\n%s", b.String())
	}
}

// A dry run while hotline serve holds the store asks the daemon, which
// counts the numbers the campaign has (the local check could not) and
// stores nothing; bad rows are listed as from a local check.
func TestLeadsDryRunThroughDaemon(t *testing.T) {
	db := t.TempDir() + "/h.db"
	addr, _ := startServeOn(t, "127.0.0.1:0", springCenter, db)
	resp, err := http.Post("http://"+addr+"/api/v1/campaigns/spring/leads", "text/csv", strings.NewReader("phone\n+12125550101\n+12125550102\n"))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("import: %v %v", resp, err)
	}
	resp.Body.Close()
	file := filepath.Join(t.TempDir(), "more.csv")
	if err := os.WriteFile(file, []byte("phone\n2125550101\n2125550103\n2125550103\nnot a number\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := hotline(t, nil, "leads", "import", file, "--campaign", "spring", "--store", db, "--dry-run", "--api", addr)
	if code != 1 || !strings.Contains(out, `4 rows, would import 1 lead into "spring"; 2 duplicates skipped (1 in the file, 1 already in the campaign), 1 row with errors`) ||
		!strings.Contains(errOut, "row 5") || strings.Contains(errOut, "store is in use") {
		t.Errorf("dry run through the daemon: exit %d, %q %q", code, out, errOut)
	}
	code, out, _ = hotline(t, nil, "campaign", "status", "spring", "--api", addr)
	if code != 0 || !strings.Contains(out, "spring leads: 2 ") {
		t.Errorf("after the dry run: exit %d %q; want the 2 leads imported before, no more", code, out)
	}
	// A daemon that does not answer: the file is still checked, and it says what it could not count.
	code, out, errOut = hotline(t, nil, "leads", "import", file, "--campaign", "spring", "--store", db, "--dry-run", "--api", "127.0.0.1:1")
	if code != 1 || !strings.Contains(out, "would import 2 leads") || !strings.Contains(errOut, "its API did not answer") {
		t.Errorf("dry run, daemon unreachable: exit %d, %q %q", code, out, errOut)
	}
}
