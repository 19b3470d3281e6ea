package dialplan_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/dialplan/diag"
	"github.com/hotline-cc/hotline/dialplan/extconf"
	"github.com/hotline-cc/hotline/internal/golden"
)

const testdata = "../testdata/dialplan"

// testConfig is the fixed config every golden file is rendered from.
func testConfig() config.Config {
	return config.Config{
		PBX: config.PBX{
			Type: "asterisk",
			Asterisk: config.Asterisk{
				URL: "http://127.0.0.1:8088/ari", Username: "hotline", Password: "s3cret;x", App: "hotline",
			},
			FreeSWITCH: config.FreeSWITCH{
				Address: "127.0.0.1:8021", Password: "ClueCon", OutboundListen: "127.0.0.1:8084",
			},
		},
		Entries: []config.Entry{
			{Number: "100", Queue: "sales"},
			{Number: "200", Menu: "main"},
			{Number: "+15551230000", Queue: "support"},
		},
	}
}

func renderText(files dialplan.Files) []byte {
	var b bytes.Buffer
	for _, f := range files {
		b.WriteString("==== " + f.Name + " (" + f.Note + ")\n")
		b.Write(f.Data)
	}
	return b.Bytes()
}

func TestRenderGolden(t *testing.T) {
	cfg := testConfig()
	ast, err := dialplan.RenderAsterisk(cfg)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join(testdata, "golden", "render-asterisk.txt"), renderText(ast))
	// The corpus dialplan that includes Hotline's part uses this rendering.
	managed, _ := ast.Managed()
	golden.Check(t, filepath.Join(testdata, "asterisk", "hotline", dialplan.AsteriskManagedFile), managed.Data)

	for _, mode := range []dialplan.FreeSWITCHMode{dialplan.ModeSocket, dialplan.ModePark} {
		fs, err := dialplan.RenderFreeSWITCH(cfg, mode)
		if err != nil {
			t.Fatal(err)
		}
		golden.Check(t, filepath.Join(testdata, "golden", "render-freeswitch-"+string(mode)+".txt"), renderText(fs))
	}
}

// TestRenderedReadsBack: what is rendered parses cleanly and routes every
// entry to Hotline, on both PBXs.
func TestRenderedReadsBack(t *testing.T) {
	cfg := testConfig()
	ast, _ := dialplan.RenderAsterisk(cfg)
	managed, _ := ast.Managed()
	d := extconf.Build(extconf.Parse(dialplan.AsteriskManagedFile, managed.Data))
	if fs := dialplan.LintAsterisk(d, dialplan.LintOptions{Config: &cfg}); len(fs) != 0 {
		t.Errorf("rendered Asterisk dialplan has findings: %v", fs)
	}
	for _, e := range cfg.Entries {
		tr := dialplan.TraceAsterisk(d, dialplan.AsteriskEntryContext, e.Number, "", &cfg)
		ends := tr.Ends()
		if len(ends) != 1 || ends[0].End != dialplan.EndHotline || strings.Join(ends[0].Args, ",") != "entry,"+e.Number {
			t.Errorf("entry %s ends %+v", e.Number, ends)
		}
	}
	for _, mode := range []dialplan.FreeSWITCHMode{dialplan.ModeSocket, dialplan.ModePark} {
		files, _ := dialplan.RenderFreeSWITCH(cfg, mode)
		dir := t.TempDir()
		for _, f := range files {
			writeFile(t, filepath.Join(dir, f.Name), string(f.Data))
		}
		fs, err := dialplan.Lint(dialplan.OSSource{}, []string{filepath.Join(dir, dialplan.FreeSWITCHManagedFile)}, dialplan.LintOptions{Config: &cfg})
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 0 {
			t.Errorf("rendered FreeSWITCH dialplan (%s) has findings: %v", mode, fs)
		}
	}
}

func TestRenderRefusesBadConfig(t *testing.T) {
	for name, mutate := range map[string]func(*config.Config){
		"no app":        func(c *config.Config) { c.PBX.Asterisk.App = "" },
		"pattern entry": func(c *config.Config) { c.Entries[0].Number = "_X." },
		"comma":         func(c *config.Config) { c.Entries[0].Number = "1,2" },
		"duplicate":     func(c *config.Config) { c.Entries[1].Number = c.Entries[0].Number },
		"empty number":  func(c *config.Config) { c.Entries[0].Number = "" },
	} {
		cfg := testConfig()
		mutate(&cfg)
		if _, err := dialplan.RenderAsterisk(cfg); err == nil {
			t.Errorf("%s: rendered anyway", name)
		}
	}
	cfg := testConfig()
	cfg.PBX.FreeSWITCH.OutboundListen = ""
	if _, err := dialplan.RenderFreeSWITCH(cfg, dialplan.ModeSocket); err == nil {
		t.Error("socket mode without a listener rendered")
	}
	if _, err := dialplan.RenderFreeSWITCH(cfg, dialplan.ModePark); err != nil {
		t.Errorf("park mode needs no listener: %v", err)
	}
}

// TestLintGolden lints each corpus directory without and with the config.
func TestLintGolden(t *testing.T) {
	cfg := testConfig()
	cases := []struct{ name, root string }{
		{"asterisk-sample", "asterisk/sample/extensions.conf"},
		{"asterisk-bad", "asterisk/bad/extensions.conf"},
		{"asterisk-order", "asterisk/order/extensions.conf"},
		{"asterisk-hotline", "asterisk/hotline/extensions.conf"},
		{"freeswitch-sample", "freeswitch/sample/dialplan/*.xml"},
		{"freeswitch-bad", "freeswitch/bad/dialplan/*.xml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Lint from inside testdata so that file names in the golden
			// output do not depend on where the repository lives.
			want, err := filepath.Abs(filepath.Join(testdata, "golden", "lint-"+c.name+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			root := filepath.Join(testdata, filepath.Dir(c.root))
			paths, _ := filepath.Glob(filepath.Join(root, filepath.Base(c.root)))
			for i := range paths {
				paths[i], _ = filepath.Rel(root, paths[i])
			}
			t.Chdir(root)
			var b bytes.Buffer
			for _, withConfig := range []bool{false, true} {
				opts := dialplan.LintOptions{}
				if withConfig {
					opts = dialplan.LintOptions{Config: &cfg, ConfigPath: "hotline.yaml"}
					b.WriteString("\n-- with config\n")
				}
				fs, err := dialplan.Lint(dialplan.OSSource{}, paths, opts)
				if err != nil {
					t.Fatal(err)
				}
				dialplan.WriteFindings(&b, fs)
			}
			golden.Check(t, want, b.Bytes())
		})
	}
}

func TestLintExpectations(t *testing.T) {
	cfg := testConfig()
	fs, err := dialplan.Lint(dialplan.OSSource{}, []string{filepath.Join(testdata, "asterisk/bad/extensions.conf")}, dialplan.LintOptions{Config: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	has := map[string]int{}
	for _, f := range fs {
		has[f.Code+"@"+itoa(f.Line)]++
	}
	for _, want := range []string{
		"dup-priority@9", "no-priority-1@11", "priority-gap@13", "goto-context@16", "goto-exten@17",
		"goto-label@18", "goto-label@19", "goto-context@20", "include-context@25", "stasis-app@29",
		"orphan-same@36", "next-first@37", "include-file@41", "continuation@32", "stasis-entry@30",
	} {
		if has[want] == 0 {
			t.Errorf("missing finding %s", want)
		}
	}
	for _, unwanted := range []string{"goto-context@21", "goto-label@22"} { // dynamic target, existing label
		if has[unwanted] != 0 {
			t.Errorf("unexpected finding %s", unwanted)
		}
	}
	if !diag.HasErrors(fs) {
		t.Error("no errors")
	}
	b, err := json.Marshal(fs)
	if err != nil {
		t.Fatal(err)
	}
	var back []diag.Finding
	if err := json.Unmarshal(b, &back); err != nil || len(back) != len(fs) || back[0] != fs[0] {
		t.Errorf("JSON round trip: %v", err)
	}
	if !strings.Contains(string(b), `"severity":"error"`) || !strings.Contains(string(b), `"file":`) {
		t.Errorf("JSON shape: %s", b[:min(200, len(b))])
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func writeFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLintForeignStasisApp: another ARI application is normal on a shared
// PBX (a warning, apply goes on) but a mistake inside Hotline's own contexts.
func TestLintForeignStasisApp(t *testing.T) {
	cfg := testConfig()
	dir := t.TempDir()
	path := filepath.Join(dir, "extensions.conf")
	conf := "[ivr]\nexten => 1,1,Stasis(other-app)\n\n[hotline-entries]\nexten => 2,1,Stasis(other-app)\n"
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	fs, err := dialplan.Lint(dialplan.OSSource{}, []string{path}, dialplan.LintOptions{Config: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	sev := map[int]diag.Severity{}
	for _, f := range fs {
		if f.Code == "stasis-app" {
			sev[f.Line] = f.Severity
		}
	}
	if sev[2] != diag.Warning || sev[5] != diag.Error {
		t.Errorf("stasis-app severities by line = %v; want warning at 2 ([ivr]), error at 5 ([hotline-entries])", sev)
	}
}

// TestLintPJSIP checks a pjsip.conf against the agents dialed over PJSIP.
func TestLintPJSIP(t *testing.T) {
	cfg := testConfig()
	cfg.Agents = []config.Agent{
		{ID: "alice", Endpoint: "PJSIP/1001"},
		{ID: "bob", Endpoint: "PJSIP/1002"},
		{ID: "carol", Endpoint: "PJSIP/1003"},
		{ID: "dave", Endpoint: "Local/1004@agents"},
	}
	t.Chdir(filepath.Join(testdata, "pjsip"))
	fs, err := dialplan.Lint(dialplan.OSSource{}, nil, dialplan.LintOptions{Config: &cfg, ConfigPath: "hotline.yaml", PJSIP: "pjsip.conf"})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	dialplan.WriteFindings(&b, fs)
	golden.Check(t, filepath.Join("..", "golden", "lint-pjsip.txt"), b.Bytes())
}

// An entry into a self-service flow is named as such in the rendered
// files' comments (it read "no target").
func TestRenderNamesFlowEntries(t *testing.T) {
	cfg := testConfig()
	cfg.Entries = append(cfg.Entries, config.Entry{Number: "300", Flow: "hours"})
	ast, err := dialplan.RenderAsterisk(cfg)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := dialplan.RenderFreeSWITCH(cfg, dialplan.ModeSocket)
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string][]byte{"asterisk": renderText(ast), "freeswitch": renderText(fs)} {
		if !bytes.Contains(out, []byte("300 -> flow hours")) || bytes.Contains(out, []byte("no target")) {
			t.Errorf("%s: entry 300 not named flow hours:\n%s", name, out)
		}
	}
}
