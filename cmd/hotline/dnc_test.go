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
	if code, out, errs := do("dnc", "add", "(212) 555-0100", "+44 20 7946 0958"); code != 0 || !strings.Contains(out, "2 added to \"global\"") {
		t.Fatalf("add: %d %q %q", code, out, errs)
	}
	if code, out, _ := do("dnc", "check", "212-555-0100"); code != exitFailure || !strings.Contains(out, `+12125550100 is on do-not-call list "global"`) {
		t.Fatalf("check listed: %d %q", code, out)
	}
	if code, out, _ := do("dnc", "check", "212-555-0199"); code != 0 || !strings.Contains(out, "may be called") {
		t.Fatalf("check free: %d %q", code, out)
	}
	csvFile := filepath.Join(dir, "dnc.csv")
	os.WriteFile(csvFile, []byte("Number\n+1 646 555 0100\nnot a number\n"), 0o600)
	if code, out, errs := do("dnc", "import", csvFile, "--list", "spring", "--map", "phone=Number"); code != exitFailure ||
		!strings.Contains(out, `1 numbers added to "spring"`) || !strings.Contains(errs, "row 3") {
		t.Fatalf("import: %d %q %q", code, out, errs)
	}
	if code, out, _ := do("dnc", "check", "+16465550100", "--list", "spring"); code != exitFailure || !strings.Contains(out, `"spring"`) {
		t.Fatalf("campaign list: %d %q", code, out)
	}
	if code, out, _ := do("dnc", "remove", "+16465550100", "--list", "spring"); code != 0 || !strings.Contains(out, "removed") {
		t.Fatalf("remove: %d %q", code, out)
	}
	code, out, _ := do("dnc", "export")
	if code != 0 || !strings.HasPrefix(out, "phone,added,source\n+12125550100,") || strings.Count(out, "\n") != 3 {
		t.Fatalf("export: %d %q", code, out)
	}
	if code, _, errs := do("dnc", "add", "12"); code != exitInvalid || !strings.Contains(errs, "not a valid phone number") {
		t.Fatalf("bad number: %d %q", code, errs)
	}
}
