package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/acd/campaign"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/store"
)

func TestLeadsImportExport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "h.db")
	csvFile := filepath.Join(dir, "leads.csv")
	data := "Tel,Full Name,Plan\n(212) 555-0187,Ann Lee,gold\n12,Too Short,\n212-555-0187,Ann Again,gold\n+44 20 7946 0958,Bob Smith,silver\n"
	if err := os.WriteFile(csvFile, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"leads", "import", csvFile, "--campaign", "spring", "--map", "phone=Tel,name=Full Name", "--store", db, "--create"}, &out, &errb)
	if code != exitFailure {
		t.Fatalf("exit %d (want 1: one row had an error): %s %s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "4 rows, imported 2 leads into \"spring\"; 1 duplicate skipped") ||
		!strings.Contains(errb.String(), `row 3, column "Tel": "12": not a valid phone number`) {
		t.Fatalf("out %q\nerr %q", out.String(), errb.String())
	}
	// Importing again adds nothing.
	out.Reset()
	errb.Reset()
	run(context.Background(), []string{"leads", "import", csvFile, "--campaign", "spring", "--map", "phone=Tel,name=Full Name", "--store", db}, &out, &errb)
	if !strings.Contains(out.String(), "imported 0 leads") || !strings.Contains(out.String(), "2 already in the campaign") {
		t.Fatalf("second import: %q", out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"leads", "export", "--campaign", "spring", "--store", db}, &out, &errb); code != 0 {
		t.Fatalf("export exit %d: %s", code, errb.String())
	}
	want := "id,phone,name,timezone,state,attempts,next_attempt,last_outcome,disposition,Plan\n" +
		"spring-1,'+12125550187,Ann Lee,America/New_York,new,0,,,,gold\n" +
		"spring-2,'+442079460958,Bob Smith,Europe/London,new,0,,,,silver\n"
	if out.String() != want {
		t.Fatalf("export:\n%s\nwant:\n%s", out.String(), want)
	}

	// A survey's answers come out in their own columns.
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var l *campaign.Lead
	err = st.View(func(tx *store.Tx) (err error) { l, err = tx.Lead("spring", "spring-2"); return err })
	if err == nil {
		l.State, l.Attempts, l.Disposition, l.Answers = campaign.Done, 1, "completed", map[string]string{"satisfaction": "4", "recommend": "yes",
			"recommend.transcript": "yes, of course", "recommend.confidence": "0.82"} // said, not keyed
		err = st.Write([]store.Op{store.PutLead(l)})
	}
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run(context.Background(), []string{"leads", "export", "--campaign", "spring", "--store", db}, &out, &errb); code != 0 {
		t.Fatalf("export exit %d: %s", code, errb.String())
	}
	want = "id,phone,name,timezone,state,attempts,next_attempt,last_outcome,disposition,Plan,answer:recommend,answer:recommend.confidence,answer:recommend.transcript,answer:satisfaction\n" +
		"spring-1,'+12125550187,Ann Lee,America/New_York,new,0,,,,gold,,,,\n" +
		"spring-2,'+442079460958,Bob Smith,Europe/London,done,1,,,completed,silver,yes,0.82,\"yes, of course\",4\n"
	if out.String() != want {
		t.Fatalf("export with answers:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestLeadsImportRefused(t *testing.T) {
	dir := t.TempDir()
	csvFile := filepath.Join(dir, "leads.csv")
	os.WriteFile(csvFile, []byte("name\nAnn\n"), 0o600)
	headerOnly := filepath.Join(dir, "header.csv")
	os.WriteFile(headerOnly, []byte("phone,name\n"), 0o600)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"leads", "import", csvFile}, "--campaign is required"},
		// A header alone is the wrong file or one cut short, not "imported 0".
		{[]string{"leads", "import", headerOnly, "--campaign", "c", "--store", filepath.Join(dir, "h.db")}, headerOnly + ": campaign: bad lead file: the file has a header and no rows below it"},
		{[]string{"dnc", "import", headerOnly, "--store", filepath.Join(dir, "h.db")}, "the file has a header and no rows below it"},
		{[]string{"leads", "import", csvFile, "--campaign", "c", "--map", "phone"}, "want FIELD=COLUMN"},
		{[]string{"leads", "import", csvFile, "--campaign", "c", "--map", "phone=name,name=Name"}, `--map: column "name" mapped to 2 fields, "phone", "name"`},
		{[]string{"leads", "import", csvFile, "--campaign", "c", "--map", "phone=Tel,Phone=Mobile,phone=Cell"}, `--map: field "phone" given 3 times (phone=Tel, Phone=Mobile, phone=Cell)`},
		{[]string{"leads", "import", csvFile, "--campaign", "c", "--store", filepath.Join(dir, "h.db")}, "no phone column"},
		{[]string{"leads", "import", csvFile, "--campaign", "c", "--max-rows", "-1"}, "--max-rows -1: want a count of rows (0 for the default, 1,000,000)"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), tc.args, &out, &errb); code != exitInvalid || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d %q, want 2 and %q", tc.args, code, errb.String(), tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "h.db")); err == nil {
		t.Error("a refused import created the store")
	}
}

// An exported list comes out in the order it was imported (spring-2 before
// spring-10), so it lines up with the file it came from.
func TestLeadsExportInImportOrder(t *testing.T) {
	dir := t.TempDir()
	db, csvFile := filepath.Join(dir, "h.db"), filepath.Join(dir, "leads.csv")
	var b strings.Builder
	b.WriteString("phone,name\n")
	for i := range 12 {
		fmt.Fprintf(&b, "+1212555%04d,Lead %d\n", i, i)
	}
	if err := os.WriteFile(csvFile, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"leads", "import", csvFile, "--campaign", "spring", "--store", db, "--create"}, &out, &errb); code != 0 {
		t.Fatalf("import exit %d: %s", code, errb.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"leads", "export", "--campaign", "spring", "--store", db}, &out, &errb); code != 0 {
		t.Fatalf("export exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")[1:]
	for i, line := range lines {
		if want := fmt.Sprintf("spring-%d,'+1212555%04d,Lead %d,", i+1, i, i); !strings.HasPrefix(line, want) {
			t.Fatalf("row %d: %q, want it to start %q", i+2, line, want)
		}
	}
	if len(lines) != 12 {
		t.Fatalf("%d leads exported", len(lines))
	}
}

// With a config, leads and do-not-call numbers for a campaign it does not
// have (a typo) are refused by name: nothing would ever dial or read them.
func TestLeadsUnknownCampaign(t *testing.T) {
	dir := t.TempDir()
	cfg, csvFile := filepath.Join(dir, "hotline.yaml"), filepath.Join(dir, "leads.csv")
	os.WriteFile(cfg, []byte(`
store: {path: `+filepath.Join(dir, "h.db")+`}
queues: [{name: q}]
agents: [{id: a, endpoint: sim/a, queues: [{queue: q}]}]
campaigns:
  - {name: spring, endpoint: "sim/{number}", queues: [q], safe_harbour: ["sound:x"]}
`), 0o600)
	os.WriteFile(csvFile, []byte("phone\n+12125550100\n"), 0o600)
	emptyStore(t, filepath.Join(dir, "h.db"))
	if code, _, errs := hotline(t, nil, "dnc", "add", "+12125550199", "--list", "autumn", "--store", filepath.Join(dir, "h.db")); code != 0 {
		t.Fatalf("a campaign's list before the campaign was removed: %d %s", code, errs)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"leads", "import", csvFile, "--campaign", "sprnig"}, exitInvalid, `campaign "sprnig" is not in ` + cfg + `; known: spring`},
		{[]string{"leads", "import", csvFile, "--campaign", "sprnig", "--dry-run"}, exitInvalid, `campaign "sprnig" is not in`},
		{[]string{"dnc", "add", "+12125550100", "--list", "sprnig"}, exitInvalid, `do-not-call list "sprnig" is neither global nor a campaign in ` + cfg + `; known: global, spring`},
		{[]string{"dnc", "import", csvFile, "--list", "sprnig"}, exitInvalid, `do-not-call list "sprnig" is neither`},
		{[]string{"leads", "export", "--campaign", "sprnig"}, exitInvalid, `campaign "sprnig" is not in ` + cfg + `; known: spring`},
		{[]string{"leads", "export", "--campaign", "spring"}, 0, `id,phone`}, // a campaign of the config with no leads yet
		{[]string{"leads", "import", csvFile, "--campaign", "spring"}, 0, `imported 1 lead into "spring"`},
		{[]string{"leads", "export", "--campaign", "spring"}, 0, `+12125550100`},
		{[]string{"dnc", "add", "+12125550100", "--list", "spring"}, 0, `1 added to "spring"`},
		{[]string{"dnc", "add", "+12125550100"}, 0, `1 added to "global"`},
		// Reading a list the config lacks would answer for a list no one
		// keeps: on no list, an empty export.
		{[]string{"dnc", "check", "+12125550177", "--list", "sprnig"}, exitInvalid, `do-not-call list "sprnig" is neither global nor a campaign in`},
		{[]string{"dnc", "export", "--list", "sprnig"}, exitInvalid, `do-not-call list "sprnig" is neither`},
		{[]string{"dnc", "remove", "+12125550100", "--list", "sprnig"}, exitInvalid, `do-not-call list "sprnig" is neither`},
		{[]string{"dnc", "check", "+12125550177", "--list", "spring"}, 0, `+12125550177 is on neither do-not-call list "global" nor "spring"`},
		// A removed campaign's list that still holds numbers is read.
		{[]string{"dnc", "check", "+12125550199", "--list", "autumn"}, exitFailure, `is on do-not-call list "autumn"`},
		{[]string{"dnc", "export", "--list", "autumn"}, 0, `+12125550199`},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), append(tc.args, "--config", cfg), &out, &errb)
		if code != tc.code || !strings.Contains(out.String()+errb.String(), tc.want) {
			t.Errorf("%v: exit %d %q %q, want %d and %q", tc.args, code, out.String(), errb.String(), tc.code, tc.want)
		}
	}
}

// While Hotline runs, its store is locked: the refusal says how to import
// into the running daemon instead.
func TestLeadsImportWhileServing(t *testing.T) {
	dir := t.TempDir()
	db, csvFile := filepath.Join(dir, "h.db"), filepath.Join(dir, "leads.csv")
	os.WriteFile(csvFile, []byte("phone\n+12125550100\n"), 0o600)
	held, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"leads", "import", csvFile, "--campaign", "spring", "--store", db}, &out, &errb)
	if code == 0 || !strings.Contains(errb.String(), "locked") || !strings.Contains(errb.String(), "POST /api/v1/campaigns/spring/leads") {
		t.Fatalf("exit %d %q", code, errb.String())
	}
	// export too says where to get the leads while Hotline runs
	errb.Reset()
	code = run(context.Background(), []string{"leads", "export", "--campaign", "spring", "--store", db}, &out, &errb)
	if code == 0 || !strings.Contains(errb.String(), "locked") || !strings.Contains(errb.String(), "GET /api/v1/campaigns/spring/leads.csv") {
		t.Fatalf("export: exit %d %q", code, errb.String())
	}
}

// Without a config, a name no config may give a campaign ("spring 2026",
// "bad!") is refused all the same: leads or numbers filed under it would
// never be dialed or read.
func TestLeadsCampaignNameNoConfigCouldHave(t *testing.T) {
	dir := t.TempDir()
	db, csvFile := filepath.Join(dir, "h.db"), filepath.Join(dir, "leads.csv")
	os.WriteFile(csvFile, []byte("phone\n+12125550100\n"), 0o600)
	emptyStore(t, db)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"leads", "import", csvFile, "--campaign", "spring 2026"}, exitInvalid, `--campaign "spring 2026": no campaign can have that name (letters, digits, '-', '_' and '.', starting with a letter or digit)`},
		{[]string{"leads", "import", csvFile, "--campaign", "-x", "--dry-run"}, exitInvalid, `--campaign "-x": no campaign can have that name`},
		{[]string{"dnc", "add", "+12125550100", "--list", "bad!"}, exitInvalid, `--list "bad!": no campaign can have that name`},
		{[]string{"dnc", "import", csvFile, "--list", "bad!"}, exitInvalid, `--list "bad!": no campaign can have that name`},
		{[]string{"leads", "import", csvFile, "--campaign", "spring", "--region", "ZZ"}, exitInvalid, `--region: region "ZZ" is not a country`},
		{[]string{"dnc", "import", csvFile, "--region", "ZZ"}, exitInvalid, `--region: region "ZZ" is not a country`},
		{[]string{"dnc", "add", "2125550100", "--region", "ZZ"}, exitInvalid, `--region: region "ZZ" is not a country`},
		{[]string{"leads", "import", csvFile, "--campaign", "global"}, exitInvalid, `--campaign "global": no campaign can have that name: it is the global do-not-call list's`},
		{[]string{"leads", "import", csvFile, "--campaign", "GLOBAL", "--dry-run"}, exitInvalid, `--campaign "GLOBAL": no campaign can have that name`},
		{[]string{"dnc", "add", "+12125550100", "--list", "Global"}, exitInvalid, `--list "Global": the global list is written global`},
		{[]string{"dnc", "add", "+12125550100", "--list", "global"}, 0, `1 added to "global"`},
		{[]string{"leads", "import", csvFile, "--campaign", "spring-2026.b_1"}, 0, `imported 1 lead into "spring-2026.b_1"`},
		// Without a config, a campaign the store has no leads of is a typo
		// as far as anyone can tell: an empty export exited 0.
		{[]string{"leads", "export", "--campaign", "spring-2026.b_2"}, exitInvalid, `campaign "spring-2026.b_2": the store has no leads of it`},
		{[]string{"leads", "export", "--campaign", "spring-2026.b_1"}, 0, `+12125550100`},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), append(tc.args, "--store", db), &out, &errb)
		if code != tc.code || !strings.Contains(out.String()+errb.String(), tc.want) {
			t.Errorf("%v: exit %d %q %q, want %d and %q", tc.args, code, out.String(), errb.String(), tc.code, tc.want)
		}
	}
	leads := 0
	if code, out, _ := hotline(t, nil, "leads", "export", "--campaign", "spring 2026", "--store", db); code == 0 {
		leads = strings.Count(out, "\n") - 1
	}
	if leads != 0 {
		t.Errorf("%d leads stored under a name no campaign can have", leads)
	}
}

// A dry run counts what the import would do, numbers the campaign already
// has included: it counted them as leads it would import.
func TestLeadsImportDryRunCountsTheStore(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "h.db")
	first, second := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	os.WriteFile(first, []byte("phone\n2125550100\n2125550101\n"), 0o600)
	os.WriteFile(second, []byte("phone\n2125550100\n2125550100\n2125550102\n2125550101\n"), 0o600)
	do := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), args, &out, &errb)
		return code, out.String(), errb.String()
	}
	if code, out, errs := do("leads", "import", first, "--campaign", "spring", "--store", db, "--create"); code != 0 {
		t.Fatalf("import: %d %q %q", code, out, errs)
	}
	const want = `, %s 1 lead into "spring"; 3 duplicates skipped (1 in the file, 2 already in the campaign)`
	code, out, errs := do("leads", "import", second, "--campaign", "spring", "--store", db, "--dry-run")
	if code != 0 || !strings.Contains(out, fmt.Sprintf(want, "would import")) {
		t.Fatalf("dry run: %d %q %q", code, out, errs)
	}
	if code, out, errs := do("leads", "import", second, "--campaign", "spring", "--store", db); code != 0 || !strings.Contains(out, fmt.Sprintf(want, "imported")) {
		t.Fatalf("import: %d %q %q", code, out, errs)
	}
	// With no store yet, nothing is in the campaign, and it says so.
	code, out, errs = do("leads", "import", second, "--campaign", "spring", "--store", filepath.Join(dir, "none.db"), "--dry-run")
	if code != 0 || !strings.Contains(out, `would import 3 leads`) || !strings.Contains(errs, "no store yet") {
		t.Fatalf("dry run without a store: %d %q %q", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "none.db")); err == nil {
		t.Error("a dry run made a store")
	}
	// While hotline serve holds the store and its API does not answer, the
	// file is still checked.
	held, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	code, out, errs = do("leads", "import", second, "--campaign", "spring", "--store", db, "--dry-run", "--api", "127.0.0.1:1")
	if code != 0 || !strings.Contains(out, `would import 3 leads`) || !strings.Contains(errs, "the store is in use") {
		t.Fatalf("dry run beside a running daemon: %d %q %q", code, out, errs)
	}
}

// The config's reserved campaign name is the store's global list.
func TestGlobalListName(t *testing.T) {
	if config.GlobalDNCList != store.GlobalDNC {
		t.Fatalf("config reserves %q, the store's global list is %q", config.GlobalDNCList, store.GlobalDNC)
	}
}
