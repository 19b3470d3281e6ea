package main

import (
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/api"
	"github.com/hotline-cc/hotline/store"
)

// hotline report ivr asks the daemon's API, or reads --store; hotline ivr
// report stays as the store-reading alias. Containment and the recognition
// rate are in every format.
func TestReportIVR(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	step := func(kind, detail string) store.Step { return store.Step{At: day, Kind: kind, Detail: detail} }
	for i, rec := range []store.CallRecord{
		{Outcome: acd.OutcomeSelfService, Timeline: []store.Step{step("faq", "shop/faq"), step("faq-recognized", `"when are you open" → hours (0.9)`),
			step("faq-answer", "hours by phrase"), step("caller-hangup", "served hours")}},
		{Outcome: acd.OutcomeAnswered, Timeline: []store.Step{step("faq", "shop/faq"), step("faq-not-understood", `"hm"`),
			step("faq-agent", "key 0"), step("queue", "shop/agent"), step("enqueue", "support")}},
		{Outcome: acd.OutcomeSelfService, Entered: day.AddDate(0, 0, 5), Timeline: []store.Step{step("faq", "shop/faq"), step("faq-answer", "hours by key 1")}},
	} {
		rec.ID, rec.Direction = string(rune('a'+i)), acd.DirectionInbound
		if rec.Entered.IsZero() {
			rec.Entered = day
		}
		if err := db.SaveCall(&rec); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(api.New(nil, db, zerolog.Nop()))
	code, out, errOut := hotline(t, nil, "report", "ivr", "--api", strings.TrimPrefix(srv.URL, "http://"), "--from", "2026-12-01", "--to", "2026-12-02", "--tz", "UTC")
	want := "shop  2      1             1          50.0%        1        1               50.0%"
	if code != 0 || !strings.Contains(out, want) {
		t.Errorf("report ivr through the API: exit %d %s\n%s\nwant %q", code, errOut, out, want)
	}
	srv.Close()
	db.Close()
	code, out, errOut = hotline(t, nil, "report", "ivr", "--store", path, "--format", "csv", "--flow", "shop")
	if code != 0 || !strings.Contains(out, "shop,,flow,3,,,,1,1,50.0,2,2,66.7\n") {
		t.Errorf("report ivr --store: exit %d %s\n%s", code, errOut, out)
	}
	code, out, errOut = hotline(t, nil, "ivr", "report", "--store", path, "--format", "json", "--to", "2026-12-02")
	if code != 0 || !strings.Contains(out, `"containment": 0.5`) || !strings.Contains(out, `"recognition": 0.5`) {
		t.Errorf("ivr report: exit %d %s\n%s", code, errOut, out)
	}
	if code, _, errOut = hotline(t, nil, "report", "ivr", "--store", path, "--format", "xml"); code != exitInvalid || !strings.Contains(errOut, `format "xml"`) {
		t.Errorf("bad format: exit %d %s", code, errOut)
	}
}

// The demo's FAQ line: callers press its keys or say their questions,
// most hear their answer and hang up, and the closing table shows the
// containment and the recognition.
func TestDemoShowsContainment(t *testing.T) {
	code, out, errOut := hotline(t, nil, "demo", "--speed", "0", "--duration", "30m", "--plain")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	_, table, ok := strings.Cut(out, "Self-service (IVR)\n")
	if !ok {
		t.Fatalf("no IVR table:\n%s", out)
	}
	var calls, answered, contained, spoken int
	var share, recognized float64
	line := strings.Split(table, "\n")[1]
	if n, err := fmt.Sscanf(strings.TrimSpace(line), "faq %d %d %d %f%% %d %f%%", &calls, &answered, &contained, &share, &spoken, &recognized); n != 6 || err != nil {
		t.Fatalf("faq row %q: %v", line, err)
	}
	if calls == 0 || contained == 0 || contained > answered || answered > calls || share <= 0 || share >= 100 {
		t.Errorf("faq row %q: want some calls, some contained, not all", line)
	}
	// Some callers say their question (some one the FAQ does not know).
	if spoken == 0 || spoken > calls || recognized <= 0 || recognized >= 100 {
		t.Errorf("faq row %q: want some questions spoken, most recognized, not all", line)
	}
}
