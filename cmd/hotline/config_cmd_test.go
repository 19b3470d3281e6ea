package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/configs"
)

const example = "../../configs/hotline.example.yaml"

func TestConfigValidateExample(t *testing.T) {
	code, out, errOut := hotline(t, nil, "config", "validate", example)
	want := example + ": ok (3 queues, 4 agents, 4 entries)\n"
	if code != 0 || out != want || errOut != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0 and %q", code, out, errOut, want)
	}
}

func TestConfigValidateUsesConfigFlag(t *testing.T) {
	code, out, _ := hotline(t, map[string]string{"HOTLINE_CONFIG": example}, "config", "validate")
	if code != 0 || !strings.HasPrefix(out, example+": ok") {
		t.Errorf("exit %d, stdout %q", code, out)
	}
	if code, _, errOut := hotline(t, nil, "config", "validate"); code != exitFailure || !strings.Contains(errOut, "name a file") {
		t.Errorf("no file: exit %d, stderr %q", code, errOut)
	}
}

// Every problem the config package finds is printed, then a summary, and
// the exit code is 2.
func TestConfigValidateInvalid(t *testing.T) {
	for _, file := range []string{"../../acd/config/testdata/bad-rules.yaml", "../../acd/config/testdata/bad-keys.yaml"} {
		t.Run(file, func(t *testing.T) {
			cfg, err := config.Load(file)
			if err == nil {
				err = cfg.Validate()
			}
			var ve *config.ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) < 5 {
				t.Fatalf("%s should have many problems, got %v", file, err)
			}

			code, out, errOut := hotline(t, nil, "config", "validate", file)
			if code != exitInvalid {
				t.Errorf("exit %d, want %d", code, exitInvalid)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
			if len(lines) != len(ve.Problems)+1 {
				t.Fatalf("stderr has %d lines, want %d problems and a summary:\n%s", len(lines), len(ve.Problems), errOut)
			}
			for i, p := range ve.Problems {
				if lines[i] != p.String() {
					t.Errorf("line %d = %q, want %q", i, lines[i], p.String())
				}
			}
			summary := fmt.Sprintf("hotline: %d problems in 1 file", len(ve.Problems))
			if lines[len(lines)-1] != summary {
				t.Errorf("last line %q, want %q", lines[len(lines)-1], summary)
			}
		})
	}
}

func TestConfigValidateUnknownKeyNamesLine(t *testing.T) {
	file := writeFile(t, "h.yaml", "store:\n  path: x.db\n  colour: red\nqueues:\n  - name: a\n    ring_timout: 10s\n")
	code, _, errOut := hotline(t, nil, "config", "validate", file)
	for _, want := range []string{
		file + ":3: store.colour: unknown key; known: path\n",
		file + `:6: queues[0].ring_timout: unknown key; did you mean "ring_timeout"?` + "\n",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr does not contain %q:\n%s", want, errOut)
		}
	}
	if code != exitInvalid {
		t.Errorf("exit %d, want %d", code, exitInvalid)
	}
}

func TestConfigValidateSeveralFiles(t *testing.T) {
	bad := writeFile(t, "bad.yaml", "pbx:\n  type: pabx\n")
	code, out, errOut := hotline(t, nil, "config", "validate", example, bad)
	if code != exitInvalid || !strings.HasPrefix(out, example+": ok") || !strings.HasPrefix(errOut, bad+":2: pbx.type") ||
		!strings.HasSuffix(errOut, "hotline: 1 problem in 1 file\n") {
		t.Errorf("exit %d\nstdout %q\nstderr %q", code, out, errOut)
	}
}

func TestConfigValidateUnreadable(t *testing.T) {
	code, _, errOut := hotline(t, nil, "config", "validate", "does-not-exist.yaml")
	if code != exitFailure || !strings.Contains(errOut, "does-not-exist.yaml") {
		t.Errorf("exit %d, stderr %q; want %d naming the file", code, errOut, exitFailure)
	}
}

func TestConfigExample(t *testing.T) {
	code, out, _ := hotline(t, nil, "config", "example")
	onDisk, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 || out != string(configs.Example) || !bytes.Equal(configs.Example, onDisk) {
		t.Errorf("config example (exit %d) does not print the shipped example", code)
	}
}

// config validate checks what serve would run: the file with HOTLINE_*
// variables and flags applied, naming the variable a problem comes from.
func TestConfigValidateAppliesOverrides(t *testing.T) {
	code, out, errOut := hotline(t, map[string]string{"HOTLINE_PBX_TYPE": "pabx"}, "config", "validate", example)
	if code != exitInvalid || out != "" || !strings.HasPrefix(errOut, `HOTLINE_PBX_TYPE: pbx.type: unknown switch type "pabx"`) {
		t.Errorf("exit %d\nstdout %q\nstderr %q; want 2 naming HOTLINE_PBX_TYPE", code, out, errOut)
	}
	code, _, errOut = hotline(t, nil, "config", "validate", "--log-level", "loud", example)
	if code != exitInvalid || !strings.Contains(errOut, `--log-level: server.log_level: unknown log level "loud"`) {
		t.Errorf("exit %d, stderr %q; want 2 naming --log-level", code, errOut)
	}
	code, out, _ = hotline(t, map[string]string{"HOTLINE_STORE_PATH": "/tmp/x.db"}, "config", "validate", "--log-level", "warn", example)
	if want := example + ": ok (3 queues, 4 agents, 4 entries; with --log-level, HOTLINE_STORE_PATH)\n"; code != 0 || out != want {
		t.Errorf("exit %d, stdout %q; want 0 and %q", code, out, want)
	}
	code, serveOut, serveErr := hotline(t, map[string]string{"HOTLINE_PBX_TYPE": "pabx", "HOTLINE_CONFIG": example}, "serve")
	if code != exitInvalid {
		t.Errorf("serve with the same environment: exit %d (%s%s), want 2 like validate", code, serveOut, serveErr)
	}
}

func TestConfigValidateEmptyFile(t *testing.T) {
	for _, text := range []string{"", "# only a comment\n"} {
		file := writeFile(t, "empty.yaml", text)
		code, out, errOut := hotline(t, nil, "config", "validate", file)
		if code != exitInvalid || out != "" || !strings.HasPrefix(errOut, file+": the file is empty") {
			t.Errorf("%q: exit %d\nstdout %q\nstderr %q; want 2 and the file named empty", text, code, out, errOut)
		}
	}
}

func TestConfigValidateWarnsShortCampaignRing(t *testing.T) {
	body := "store: {path: x.db}\nagents:\n  - {id: bob, endpoint: PJSIP/1002}\ncampaigns:\n  - name: c\n    caller_id: \"+33140000000\"\n    endpoint: PJSIP/{number}@trunk\n    ring_timeout: 5s\n    safe_harbour: [sound:hotline-safe-harbour]\n    agents: [bob]\n"
	file := writeFile(t, "h.yaml", body)
	code, out, errOut := hotline(t, nil, "config", "validate", file)
	want := file + ":8: warning: campaigns[0].ring_timeout: 5s gives up unanswered leads before 15s"
	if code != 0 || !strings.HasPrefix(out, file+": ok") || !strings.HasPrefix(errOut, want) {
		t.Errorf("exit %d\nstdout %q\nstderr %q\nwant exit 0, ok and a warning starting %q", code, out, errOut, want)
	}
	if code, _, errOut := hotline(t, nil, "config", "validate", writeFile(t, "g.yaml", strings.Replace(body, "5s", "20s", 1))); code != 0 || errOut != "" {
		t.Errorf("20 s ring: exit %d, stderr %q; want 0 and nothing", code, errOut)
	}
}
