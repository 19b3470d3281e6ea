package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotline-cc/hotline/acd/config"
)

// hotline runs the CLI in-process with a clean HOTLINE_* environment plus env.
func hotline(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Setenv("HOTLINE_CONFIG", "")
	for _, o := range overrides {
		t.Setenv(o.env, "")
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// showConfig runs `hotline config show` and parses what it prints.
func showConfig(t *testing.T, env map[string]string, args ...string) config.Config {
	t.Helper()
	code, out, errOut := hotline(t, env, append([]string{"config", "show"}, args...)...)
	if code != 0 {
		t.Fatalf("config show exited %d: %s", code, errOut)
	}
	cfg, err := config.Parse([]byte(out), "shown")
	if err != nil {
		t.Fatalf("config show printed YAML that does not parse back: %v\n%s", err, out)
	}
	return cfg
}

const layered = `server:
  log_format: console
  log_level: warn
store:
  path: file.db
pbx:
  type: sim
`

func TestPrecedence(t *testing.T) {
	file := writeFile(t, "h.yaml", layered)
	tests := []struct {
		name                    string
		env                     map[string]string
		args                    []string
		level, format, store, p string
	}{
		{"defaults", nil, nil, "info", "json", "hotline.db", "asterisk"},
		{"file over defaults", nil, []string{"--config", file}, "warn", "console", "file.db", "sim"},
		{"HOTLINE_CONFIG names the file", map[string]string{"HOTLINE_CONFIG": file}, nil, "warn", "console", "file.db", "sim"},
		{"env over file", map[string]string{"HOTLINE_LOG_LEVEL": "debug", "HOTLINE_STORE_PATH": "env.db", "HOTLINE_PBX_TYPE": "freeswitch"},
			[]string{"--config", file}, "debug", "console", "env.db", "freeswitch"},
		{"flag over env", map[string]string{"HOTLINE_LOG_LEVEL": "debug", "HOTLINE_LOG_FORMAT": "console"},
			[]string{"--config", file, "--log-level", "error", "--log-format", "json"}, "error", "json", "file.db", "sim"},
		{"an unset flag's default does not beat the file", nil, []string{"--config", file, "--log-level", "warn"}, "warn", "console", "file.db", "sim"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := showConfig(t, tt.env, tt.args...)
			got := []string{c.Server.LogLevel, c.Server.LogFormat, c.Store.Path, c.PBX.Type}
			want := []string{tt.level, tt.format, tt.store, tt.p}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("level, format, store, pbx = %v, want %v", got, want)
			}
		})
	}
}

func TestEveryOverrideApplies(t *testing.T) {
	env := map[string]string{}
	for _, o := range overrides {
		env[o.env] = "x"
	}
	// Values that pass validation where validation looks.
	env["HOTLINE_LOG_FORMAT"], env["HOTLINE_LOG_LEVEL"], env["HOTLINE_PBX_TYPE"] = "console", "debug", "freeswitch"
	env["HOTLINE_SPEECH_PROMPT_URL"], env["HOTLINE_SPEECH_URL"] = "http://x/prompts/", "http://x"
	env["HOTLINE_SERVER_LISTEN"], env["HOTLINE_FREESWITCH_ADDRESS"], env["HOTLINE_FREESWITCH_OUTBOUND_LISTEN"] = "127.0.0.1:1", "10.0.0.1:8021", "127.0.0.1:8084"
	c := showConfig(t, env)
	got := map[string]string{
		"HOTLINE_LOG_FORMAT": c.Server.LogFormat, "HOTLINE_LOG_LEVEL": c.Server.LogLevel, "HOTLINE_SERVER_LISTEN": c.Server.Listen,
		"HOTLINE_STORE_PATH": c.Store.Path, "HOTLINE_PBX_TYPE": c.PBX.Type,
		"HOTLINE_ASTERISK_URL": c.PBX.Asterisk.URL, "HOTLINE_ASTERISK_WEBSOCKET_URL": c.PBX.Asterisk.WebsocketURL,
		"HOTLINE_ASTERISK_USERNAME": c.PBX.Asterisk.Username, "HOTLINE_ASTERISK_APP": c.PBX.Asterisk.App,
		"HOTLINE_FREESWITCH_ADDRESS": c.PBX.FreeSWITCH.Address, "HOTLINE_FREESWITCH_OUTBOUND_LISTEN": c.PBX.FreeSWITCH.OutboundListen,
		// show masks secrets
		"HOTLINE_ASTERISK_PASSWORD":   strings.Replace(c.PBX.Asterisk.Password, "********", "x", 1),
		"HOTLINE_FREESWITCH_PASSWORD": strings.Replace(c.PBX.FreeSWITCH.Password, "********", "x", 1),
		"HOTLINE_SPEECH_TOKEN":        strings.Replace(c.Speech.Recognizer.Token, "********", "x", 1),
		"HOTLINE_SPEECH_PROMPTS":      c.Speech.Prompts, "HOTLINE_SPEECH_PROMPT_URL": c.Speech.PromptURL,
		"HOTLINE_SPEECH_URL": c.Speech.Recognizer.URL,
	}
	for _, o := range overrides {
		if got[o.env] != env[o.env] {
			t.Errorf("%s=%q: setting is %q", o.env, env[o.env], got[o.env])
		}
	}
}

func TestBadOverrideNamesTheVariable(t *testing.T) {
	code, _, errOut := hotline(t, map[string]string{"HOTLINE_PBX_TYPE": "pabx"}, "config", "show")
	want := `HOTLINE_PBX_TYPE: pbx.type: unknown switch type "pabx"`
	if code != exitInvalid || !strings.HasPrefix(errOut, want) {
		t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, exitInvalid, want)
	}
	code, _, errOut = hotline(t, map[string]string{"HOTLINE_LOG_LEVEL": "debug"}, "config", "show", "--log-level", "loud")
	want = `--log-level: server.log_level: unknown log level "loud"`
	if code != exitInvalid || !strings.HasPrefix(errOut, want) {
		t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, exitInvalid, want)
	}
}

func TestConfigShowMasksPasswords(t *testing.T) {
	code, out, _ := hotline(t, map[string]string{"HOTLINE_ASTERISK_PASSWORD": "s3cret"}, "config", "show")
	if code != 0 || strings.Contains(out, "s3cret") || !strings.Contains(out, "password: '********'") {
		t.Errorf("exit %d, password shown or not masked:\n%s", code, out)
	}
	// One written into a URL too, the user and the rest kept.
	cfg := writeFile(t, "u.yaml", "pbx:\n  asterisk: {url: \"http://ari:urlpass@127.0.0.1:8088/ari\"}\nspeech:\n  recognizer: {url: \"https://u:sp33ch@asr.example/v1?x=1\"}\n")
	code, out, _ = hotline(t, nil, "config", "show", "--config", cfg)
	if code != 0 || strings.Contains(out, "urlpass") || strings.Contains(out, "sp33ch") ||
		!strings.Contains(out, "url: http://ari:********@127.0.0.1:8088/ari") || !strings.Contains(out, "url: https://u:********@asr.example/v1?x=1") {
		t.Errorf("exit %d, a URL's password shown or the URL changed:\n%s", code, out)
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{errors.New("boom"), exitFailure},
		{fmt.Errorf("serve: %w", &config.ValidationError{Problems: []config.Problem{{Message: "x"}}}), exitInvalid},
		{fmt.Errorf("wrapped: %w", config.ErrInvalid), exitInvalid},
		{&exitError{code: 3, err: errors.New("lint")}, 3},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
	// A word that is no command is a bad argument, at the top as in a
	// group: a group showed its help and exited 0, the top exited 1.
	for _, tc := range []struct{ args, want []string }{
		{[]string{"no-such-command"}, []string{`unknown command "no-such-command" for "hotline"`}},
		{[]string{"lead", "import"}, []string{`unknown command "lead" for "hotline"`, "did you mean leads?"}},
		{[]string{"leads", "frobnicate"}, []string{`unknown command "frobnicate" for "hotline leads"; known: export, import, show`}},
		{[]string{"dnc", "zap", "+12125550100"}, []string{`unknown command "zap" for "hotline dnc"`}},
		{[]string{"campaign", "xyz"}, []string{`unknown action "xyz"`}},
	} {
		if code, out, errOut := hotline(t, nil, tc.args...); code != exitInvalid || out != "" || !containsAll(errOut, tc.want) {
			t.Errorf("hotline %s: exit %d, stdout %q, stderr %q; want %d and %q", strings.Join(tc.args, " "), code, out, errOut, exitInvalid, tc.want)
		}
	}
	if code, out, _ := hotline(t, nil, "leads"); code != exitOK || !strings.Contains(out, "Available Commands") {
		t.Errorf("a group alone: exit %d %q; want its help", code, out)
	}
	// A count of arguments a command does not take is a bad argument, in
	// every command (1 is an answer for some: dnc check's "listed").
	for _, args := range [][]string{{"campaign"}, {"leads", "export", "spring"}, {"dnc", "check", "+12125550100", "+12125550101"}, {"users", "disable"}} {
		if code, _, errOut := hotline(t, nil, args...); code != exitInvalid || !strings.Contains(errOut, "arg") && !strings.Contains(errOut, "unknown command") {
			t.Errorf("hotline %s: exit %d, stderr %q; want %d", strings.Join(args, " "), code, errOut, exitInvalid)
		}
	}
}

// A flag value that does not parse is a bad argument like one out of range:
// exit 2. "--duration abc" exited 1 where "--duration -5m" exited 2.
func TestFlagThatDoesNotParseIsInvalid(t *testing.T) {
	for _, args := range [][]string{
		{"demo", "--duration", "abc"},
		{"staffing", "--calls-per-hour", "many"},
		{"status", "--no-such-flag"},
	} {
		code, _, errOut := hotline(t, nil, args...)
		if code != exitInvalid || !strings.Contains(errOut, args[1]) {
			t.Errorf("%v: exit %d, stderr %q; want %d naming %s", args, code, errOut, exitInvalid, args[1])
		}
	}
}

// An unknown agent action and a negative --limit are bad arguments, found
// before the daemon is asked: they exited 1, as a refusal by the daemon
// does.
func TestClientMisuseIsInvalid(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"agent", "dance", "alice"}, `unknown action "dance"`},
		{[]string{"calls", "--limit", "-1"}, "--limit -1: want 0 (all) or more"},
	} {
		code, _, errOut := hotline(t, nil, append(tc.args, "--api", "127.0.0.1:1")...)
		if code != exitInvalid || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, code, errOut, exitInvalid, tc.want)
		}
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// TestInputFileUnreadable: the commands that read a file a user names
// (leads, contacts, do-not-call imports) answer one that is missing or a
// directory alike, with exit code 1 naming it (2 is for a file read and
// found bad), and write no store.
func TestInputFileUnreadable(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "hotline.db")
	missing := filepath.Join(dir, "nope.csv")
	for _, tc := range []struct {
		cmd  []string
		file string
		want string
	}{
		{[]string{"leads", "import"}, missing, "open " + missing + ": no such file or directory"},
		{[]string{"leads", "import"}, dir, dir + ": is a directory, not a file"},
		{[]string{"contacts", "import"}, missing, "open " + missing + ": no such file or directory"},
		{[]string{"contacts", "import"}, dir, dir + ": is a directory, not a file"},
		{[]string{"dnc", "import"}, missing, "open " + missing + ": no such file or directory"},
		{[]string{"dnc", "import"}, dir, dir + ": is a directory, not a file"},
	} {
		args := append(append([]string{}, tc.cmd...), tc.file, "--store", db)
		if tc.cmd[0] == "leads" {
			args = append(args, "--campaign", "spring")
		}
		code, out, errs := hotline(t, nil, args...)
		if code != exitFailure || out != "" || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d naming %q", args, code, out, errs, exitFailure, tc.want)
		}
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a store was written: %v", err)
	}
}
