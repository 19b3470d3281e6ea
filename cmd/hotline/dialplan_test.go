package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hotline-cc/hotline/dialplan/diag"
)

const dialplanTestdata = "../../testdata/dialplan"

// runDialplan runs the CLI in process with the dialplan test config.
func runDialplan(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	full := append([]string{"--config", filepath.Join(dialplanTestdata, "hotline.yaml")}, args...)
	code = run(context.Background(), full, &out, &errb)
	return out.String(), errb.String(), code
}

func TestDialplanRender(t *testing.T) {
	out, errs, code := runDialplan(t, "dialplan", "render", "--pbx", "asterisk")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"[hotline-entries]", "exten => 100,1,NoOp(Hotline entry 100)", " same => n,Stasis(hotline,entry,200)", "[hotline-amd]", "bindport = 8088", "password = secret"} {
		if !strings.Contains(out, want) {
			t.Errorf("render lacks %q:\n%s", want, out)
		}
	}
	out, _, code = runDialplan(t, "dialplan", "render", "--pbx", "freeswitch", "--freeswitch-mode", "park")
	if code != 0 || !strings.Contains(out, `<action application="park"/>`) || !strings.Contains(out, `name="listen-port" value="8021"`) {
		t.Errorf("freeswitch render (exit %d):\n%s", code, out)
	}
	dir := t.TempDir()
	if _, errs, code := runDialplan(t, "dialplan", "render", "--pbx", "freeswitch", "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "dialplan", "hotline.xml")); err != nil {
		t.Error(err)
	}
	if _, _, code := runDialplan(t, "dialplan", "render", "--pbx", "nope"); code != exitInvalid {
		t.Errorf("unknown pbx: exit %d", code)
	}
}

func TestDialplanLint(t *testing.T) {
	bad := filepath.Join(dialplanTestdata, "asterisk", "bad", "extensions.conf")
	out, _, code := runDialplan(t, "dialplan", "lint", bad)
	if code != 1 {
		t.Errorf("errors must exit 1, got %d", code)
	}
	if !strings.Contains(out, bad+":16: error: Goto(nowhere,s,1) jumps to context [nowhere]") {
		t.Errorf("text output:\n%s", out)
	}
	out, _, code = runDialplan(t, "dialplan", "lint", "--format", "json", bad)
	var findings []diag.Finding
	if err := json.Unmarshal([]byte(out), &findings); err != nil || code != 1 || len(findings) == 0 {
		t.Fatalf("json (exit %d, %v):\n%s", code, err, out)
	}
	var raw []map[string]any
	_ = json.Unmarshal([]byte(out), &raw)
	for _, k := range []string{"file", "line", "severity", "code", "message"} {
		if _, ok := raw[0][k]; !ok {
			t.Errorf("json finding lacks %q: %v", k, raw[0])
		}
	}
	// Warnings alone exit 0.
	sample := filepath.Join(dialplanTestdata, "asterisk", "sample", "extensions.conf")
	var outb, errb bytes.Buffer
	if code := run(context.Background(), []string{"dialplan", "lint", sample}, &outb, &errb); code != 0 {
		t.Errorf("warnings only: exit %d\n%s%s", code, outb.String(), errb.String())
	}
	// With the config the third test entry is missing from the sample.
	out, _, code = runDialplan(t, "dialplan", "lint", filepath.Join(dialplanTestdata, "freeswitch", "sample", "dialplan", "hotline.xml"),
		filepath.Join(dialplanTestdata, "freeswitch", "sample", "dialplan", "public.xml"))
	if code != 0 {
		t.Errorf("freeswitch sample: exit %d\n%s", code, out)
	}
}

func TestDialplanShow(t *testing.T) {
	order := filepath.Join(dialplanTestdata, "asterisk", "order", "extensions.conf")
	out, errs, code := runDialplan(t, "dialplan", "show", "--file", order, "--context", "order", "5559999")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "1. _555XXXX") || !strings.Contains(out, "5. 5559999          [later] via include later") {
		t.Errorf("show:\n%s", out)
	}
	sample := filepath.Join(dialplanTestdata, "asterisk", "sample", "extensions.conf")
	out, _, code = runDialplan(t, "dialplan", "show", "--pbx", "asterisk", "--file", sample, "100")
	if code != 0 || !strings.Contains(out, "100 in [from-trunk]") || !strings.Contains(out, "Hotline entry 100 → queue sales") {
		t.Errorf("show across contexts (exit %d):\n%s", code, out)
	}
	if _, _, code := runDialplan(t, "dialplan", "show", "--file", sample, "abc"); code != 1 {
		t.Errorf("no match: exit %d", code)
	}
	fsDir := filepath.Join(dialplanTestdata, "freeswitch", "sample")
	out, errs, code = runDialplan(t, "dialplan", "show", "--pbx", "freeswitch", "--freeswitch-dir", fsDir, "--context", "public", "200")
	if code != 0 || !strings.Contains(out, "transfer 200 XML hotline") {
		t.Errorf("freeswitch show (exit %d): %s\n%s", code, errs, out)
	}
}

// Without --config, show does not claim the config lacks an entry: it says
// none was given. With one, it names the file it looked in.
func TestDialplanShowNamesTheConfig(t *testing.T) {
	sample := filepath.Join(dialplanTestdata, "asterisk", "sample", "extensions.conf")
	code, out, errOut := hotline(t, nil, "dialplan", "show", "--pbx", "asterisk", "--file", sample, "--context", "from-trunk", "100")
	if code != 0 || strings.Contains(out, "does not have") || !strings.Contains(out, "Hotline entry 100 (no config given; --config checks it)") {
		t.Errorf("exit %d, stderr %q:\n%s", code, errOut, out)
	}
	other := writeFile(t, "other.yaml", "pbx: {type: asterisk}\nqueues: [{name: q}]\nentries: [{number: \"7\", queue: q}]\n")
	code, out, errOut = hotline(t, nil, "--config", other, "dialplan", "show", "--file", sample, "--context", "from-trunk", "100")
	if code != 0 || !strings.Contains(out, "Hotline entry 100, which "+other+" does not have") {
		t.Errorf("exit %d, stderr %q:\n%s", code, errOut, out)
	}
}

func TestDialplanShowUnknownContext(t *testing.T) {
	sample := filepath.Join(dialplanTestdata, "asterisk", "sample", "extensions.conf")
	_, errs, code := runDialplan(t, "dialplan", "show", "--file", sample, "--context", "nope", "100")
	if code == 0 || !strings.Contains(errs, `context "nope" is not in `+sample+`; contexts: `) {
		t.Errorf("asterisk: exit %d, stderr %q", code, errs)
	}
	fsDir := filepath.Join(dialplanTestdata, "freeswitch", "sample")
	_, errs, code = runDialplan(t, "dialplan", "show", "--pbx", "freeswitch", "--freeswitch-dir", fsDir, "--context", "nope", "200")
	if code == 0 || !strings.Contains(errs, `context "nope" is not in `) {
		t.Errorf("freeswitch: exit %d, stderr %q", code, errs)
	}
}

func TestDialplanApply(t *testing.T) {
	var reloads atomic.Int32
	ari := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.URL.Path == "/ari/asterisk/modules/pbx_config" {
			reloads.Add(1)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		http.NotFound(w, r)
	}))
	defer ari.Close()
	t.Setenv("HOTLINE_ASTERISK_URL", ari.URL+"/ari")

	dir := t.TempDir()
	main := "[from-trunk]\ninclude => hotline-entries\n"
	if err := os.WriteFile(filepath.Join(dir, "extensions.conf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := runDialplan(t, "dialplan", "apply", "--pbx", "asterisk", "--asterisk-dir", dir, "--dry-run")
	if code != 0 || !strings.Contains(out, "+#include \"extensions_hotline.conf\"") || !strings.Contains(out, "dry run: nothing written") {
		t.Fatalf("dry run (exit %d): %s\n%s", code, errs, out)
	}
	out, errs, code = runDialplan(t, "dialplan", "apply", "--pbx", "asterisk", "--asterisk-dir", dir)
	if code != 0 || !strings.Contains(out, "dialplan reloaded") || reloads.Load() != 1 {
		t.Fatalf("apply (exit %d, reloads %d): %s\n%s", code, reloads.Load(), errs, out)
	}
	out, _, code = runDialplan(t, "dialplan", "apply", "--pbx", "asterisk", "--asterisk-dir", dir)
	if code != 0 || !strings.Contains(out, "up to date") || reloads.Load() != 1 {
		t.Errorf("second apply (exit %d):\n%s", code, out)
	}
	// A broken dialplan blocks apply.
	if err := os.WriteFile(filepath.Join(dir, "extensions.conf"), []byte(main+"exten => 1,1,Goto(ghost,s,1)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, code = runDialplan(t, "dialplan", "apply", "--pbx", "asterisk", "--asterisk-dir", dir, "--no-reload")
	if code != 1 || !strings.Contains(out, "goto-context") {
		t.Errorf("lint failure (exit %d):\n%s", code, out)
	}
}

// lint --pjsip needs no dialplan files; the test Asterisk's own pjsip.conf
// is as Hotline wants it.
func TestDialplanLintPJSIP(t *testing.T) {
	if _, errs, code := runDialplan(t, "dialplan", "lint"); code != exitInvalid || !strings.Contains(errs, "nothing to lint") {
		t.Errorf("lint without files: exit %d, %q; want %d and 'nothing to lint'", code, errs, exitInvalid)
	}
	out, errs, code := runDialplan(t, "dialplan", "lint", "--pjsip", "../../testdata/asterisk/pjsip.conf")
	if code != 0 || !strings.Contains(out, "0 error(s), 0 warning(s)") {
		t.Errorf("lint of testdata/asterisk/pjsip.conf: exit %d\n%s%s", code, out, errs)
	}
	out, _, _ = runDialplan(t, "dialplan", "lint", "--pjsip", filepath.Join(dialplanTestdata, "pjsip/pjsip.conf"))
	if !strings.Contains(out, "trunk endpoint carrier has no rtp_timeout") {
		t.Errorf("lint of a trunk without rtp_timeout:\n%s", out)
	}
}
