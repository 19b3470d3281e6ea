package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDNCCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "h.db")
	do := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), append(args, "--store", db), &out, &errb)
		return code, out.String(), errb.String()
	}
	if code, out, errs := do("dnc", "add", "(212) 555-0100", "+44 20 7946 0958", "--create"); code != 0 || !strings.Contains(out, "2 added to \"global\"") {
		t.Fatalf("add: %d %q %q", code, out, errs)
	}
	if code, out, _ := do("dnc", "check", "212-555-0100"); code != exitFailure || !strings.Contains(out, `+12125550100 is on do-not-call list "global"`) {
		t.Fatalf("check listed: %d %q", code, out)
	}
	if code, out, _ := do("dnc", "check", "212-555-0199"); code != 0 || out != "+12125550199 is not on do-not-call list \"global\" (a campaign's own list is checked with --list CAMPAIGN)\n" {
		t.Fatalf("check free: %d %q", code, out)
	}
	csvFile := filepath.Join(dir, "dnc.csv")
	os.WriteFile(csvFile, []byte("Number\n+1 646 555 0100\nnot a number\n"), 0o600)
	if code, out, errs := do("dnc", "import", csvFile, "--list", "spring", "--map", "phone=Number"); code != exitFailure ||
		!strings.Contains(out, `1 number added to "spring"`) || !strings.Contains(errs, "row 3") {
		t.Fatalf("import: %d %q %q", code, out, errs)
	}
	if code, out, _ := do("dnc", "check", "+16465550100", "--list", "spring"); code != exitFailure || !strings.Contains(out, `"spring"`) {
		t.Fatalf("campaign list: %d %q", code, out)
	}
	if code, out, _ := do("dnc", "remove", "+16465550100", "--list", "spring"); code != 0 || !strings.Contains(out, "removed") {
		t.Fatalf("remove: %d %q", code, out)
	}
	code, out, _ := do("dnc", "export")
	if code != 0 || !strings.HasPrefix(out, "phone,added,source\n'+12125550100,") || strings.Count(out, "\n") != 3 {
		t.Fatalf("export: %d %q", code, out)
	}
	// A number the file gives twice is not one the list held already.
	again := filepath.Join(dir, "again.csv")
	os.WriteFile(again, []byte("phone\n+12125550100\n+1 212 555 0801\n(212) 555-0801\n"), 0o600)
	if code, out, errs := do("dnc", "import", again); code != 0 ||
		!strings.Contains(out, `3 rows, 1 number added to "global", 1 already there, 1 given again in the file, 0 rows with errors`) {
		t.Fatalf("import with a repeat: %d %q %q", code, out, errs)
	}
	if code, _, errs := do("dnc", "add", "12"); code != exitInvalid || !strings.Contains(errs, "not a valid phone number") {
		t.Fatalf("bad number: %d %q", code, errs)
	}
	// A check that cannot be made (no store, or one a running Hotline
	// holds) is not exit code 1, which tells a script the number is listed.
	var stdout, errb bytes.Buffer
	if code := run(context.Background(), []string{"dnc", "check", "212-555-0199", "--store", filepath.Join(dir, "missing", "h.db")}, &stdout, &errb); code != exitUnchecked {
		t.Fatalf("check without a store: exit %d %q, want %d", code, errb.String(), exitUnchecked)
	}
	// A list no campaign can have is named before the store is opened (a
	// serving daemon holds it: the user was told the store was locked).
	stdout.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"dnc", "add", "+12125550199", "--list", "a/b", "--store", filepath.Join(dir, "missing", "h.db")}, &stdout, &errb); code != exitInvalid ||
		!strings.Contains(errb.String(), `--list "a/b": no campaign can have that name`) {
		t.Errorf("add to list a/b: exit %d %q; want %d naming the list", code, errb.String(), exitInvalid)
	}
	// Nor is a command line it cannot read: no number, two, a mistyped flag.
	for _, args := range [][]string{{"dnc", "check"}, {"dnc", "check", "212-555-0100", "212-555-0199"}, {"dnc", "check", "212-555-0100", "--lst", "spring"}} {
		if code, out, errs := do(args...); code != exitInvalid || out != "" {
			t.Errorf("%v: exit %d %q %q, want %d (1 says the number is listed)", args, code, out, errs, exitInvalid)
		}
	}
}

// A list exported and imported again (a backup restored, a list moved to
// another store) keeps when and how each number was added; a date that is
// not one is named with its row.
func TestDNCRoundTrip(t *testing.T) {
	dir := t.TempDir()
	do := func(db string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), append(args, "--store", filepath.Join(dir, db)), &out, &errb)
		return code, out.String(), errb.String()
	}
	if code, out, errs := do("a.db", "dnc", "add", "(212) 555-0100", "+44 20 7946 0958", "--list", "spring", "--create"); code != 0 {
		t.Fatalf("add: %d %q %q", code, out, errs)
	}
	_, exported, _ := do("a.db", "dnc", "export", "--list", "spring")
	file := filepath.Join(dir, "spring-dnc.csv")
	if err := os.WriteFile(file, []byte(exported), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := do("b.db", "dnc", "import", file, "--list", "spring", "--create"); code != 0 || !strings.Contains(out, "2 numbers added") {
		t.Fatalf("import: %d %q %q", code, out, errs)
	}
	if _, again, _ := do("b.db", "dnc", "export", "--list", "spring"); again != exported {
		t.Fatalf("exported again:\n%s\nwant:\n%s", again, exported)
	}
	// A source a spreadsheet would run comes out escaped and back as it was.
	formula := filepath.Join(dir, "formula.csv")
	os.WriteFile(formula, []byte("phone,added,source\n+12125550103,2026-01-02T03:04:05Z,=1+1\n"), 0o600)
	if code, out, errs := do("d.db", "dnc", "import", formula, "--create"); code != 0 {
		t.Fatalf("import: %d %q %q", code, out, errs)
	}
	_, exported, _ = do("d.db", "dnc", "export")
	if want := "phone,added,source\n'+12125550103,2026-01-02T03:04:05Z,'=1+1\n"; exported != want {
		t.Fatalf("export of a formula source:\n%s\nwant:\n%s", exported, want)
	}
	os.WriteFile(formula, []byte(exported), 0o600)
	do("e.db", "dnc", "import", formula, "--create")
	if _, again, _ := do("e.db", "dnc", "export"); again != exported {
		t.Fatalf("exported again:\n%s\nwant:\n%s", again, exported)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("phone,added\n+12125550101,2026-01-02T03:04:05Z\n+12125550102,yesterday\n"), 0o600)
	if code, out, errs := do("c.db", "dnc", "import", bad, "--create"); code != 0 || !strings.Contains(out, "2 numbers added") ||
		!strings.Contains(errs, `warning: row 3, column "added": "yesterday": not a time like 2006-01-02T15:04:05Z`) || !strings.Contains(errs, "listed as added now") {
		t.Fatalf("bad date: %d %q %q", code, out, errs)
	}
	odd := filepath.Join(dir, "odd.csv")
	os.WriteFile(odd, []byte("phone,added\n+12125550104,3000-01-01\n+12125550105,0001-01-01\n"), 0o600)
	if code, out, errs := do("f.db", "dnc", "import", odd, "--create"); code != 0 || !strings.Contains(out, "2 numbers added") ||
		!strings.Contains(errs, `row 2, column "added": "3000-01-01": not a date a number was listed on`) || !strings.Contains(errs, `row 3, column "added": "0001-01-01"`) {
		t.Fatalf("dates in the future and before 1900: %d %q %q", code, out, errs)
	}
}

// An opt-out list as other systems write it, with names, time zones and
// notes beside the numbers: only the numbers are read, and nothing in the
// other columns (a zone such as EST a lead file refuses, an escape
// sequence in a note) keeps a number off the list.
func TestDNCImportOtherColumns(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "optout.csv")
	os.WriteFile(file, []byte("\ufeffName;Phone Number;Time Zone;timezone;Notes;Added\r\n"+
		"\"Lee, Ann\";(212) 555-0100;EST;Eastern;\x1b[31mred;2025-11-30\r\n"+
		"Bob;646 555 0101;;Mars/Olympus;\"two\r\nlines\";\r\n"), 0o600)
	db := filepath.Join(dir, "h.db")
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"dnc", "import", file, "--map", "phone=phone number", "--store", db, "--create"}, &out, &errb)
	if code != 0 || !strings.Contains(out.String(), `2 rows, 2 numbers added to "global"`) {
		t.Fatalf("import: %d %q %q", code, out.String(), errb.String())
	}
	out.Reset()
	run(context.Background(), []string{"dnc", "export", "--store", db}, &out, &errb)
	if want := "phone,added,source\n'+12125550100,2025-11-30T00:00:00Z," + file + "\n'+16465550101,"; !strings.HasPrefix(out.String(), want) {
		t.Fatalf("export:\n%s\nwant it to start:\n%s", out.String(), want)
	}
	// A field the file is not read for is named, not taken for a column.
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"dnc", "import", file, "--map", "name=Name", "--store", db}, &out, &errb); code != exitInvalid ||
		!strings.Contains(errb.String(), "--map name=Name: this file is read for phone, added, source; no other field") {
		t.Fatalf("map of another field: %d %q", code, errb.String())
	}
}
