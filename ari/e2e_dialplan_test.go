package ari_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/dialplan"
)

// Issue 5, last point: the dialplan Hotline renders is loaded by a real
// Asterisk, and a call to a rendered entry number reaches Hotline.
//
// `hotline dialplan apply` runs on a scratch copy of an Asterisk config
// directory: on the shared test Asterisk its lint refuses to write, since
// extensions.conf sends calls to other Stasis applications (the contract
// and bench tests'). The test then installs what apply wrote, the managed
// file and its #include, into the test Asterisk's /etc/asterisk, reloads
// pbx_config through ARI, and puts everything back at the end.
func TestAsteriskE2EDialplanApplyReachesHotline(t *testing.T) {
	s := newE2E(t, "dialplan", map[string]e2ePhone{"lena": {Answer: time.Second, Hangup: 2 * time.Second}}, "")

	scratch := t.TempDir()
	main := filepath.Join(scratch, dialplan.AsteriskMainFile)
	if err := os.WriteFile(main, []byte("[general]\nstatic=yes\nwriteprotect=yes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := s.hotline(t, "dialplan", "apply", "--no-reload", "--config", s.config, "--asterisk-dir", scratch)
	cfg, err := config.Load(s.config)
	if err != nil {
		t.Fatal(err)
	}
	files, err := dialplan.RenderAsterisk(cfg)
	if err != nil {
		t.Fatal(err)
	}
	managed, _ := files.Managed()
	written, err := os.ReadFile(filepath.Join(scratch, managed.Name))
	if err != nil {
		t.Fatalf("apply wrote no %s: %v\n%s", managed.Name, err, out)
	}
	if !bytes.Equal(written, managed.Data) {
		t.Errorf("%s differs from RenderAsterisk's rendering:\n%s", managed.Name, written)
	}
	mainData, err := os.ReadFile(main)
	if err != nil {
		t.Fatal(err)
	}
	include := "#include \"" + managed.Name + "\""
	if !strings.Contains(string(mainData), include) {
		t.Fatalf("apply did not add %s to extensions.conf:\n%s", include, mainData)
	}
	if out := s.hotline(t, "dialplan", "apply", "--no-reload", "--config", s.config, "--asterisk-dir", scratch); !strings.Contains(out, "up to date") {
		t.Errorf("a second apply changed something:\n%s", out)
	}

	// Install into the test Asterisk and reload through ARI.
	etc := filepath.Join(s.ast.root, "etc/asterisk")
	restoreAsteriskDir(t, s, etc)
	if err := os.WriteFile(filepath.Join(etc, managed.Name), written, 0o644); err != nil {
		t.Fatal(err)
	}
	live, err := os.ReadFile(filepath.Join(etc, dialplan.AsteriskMainFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(live), include) {
		live = append(live, "\n"+include+"\n"...)
		if err := os.WriteFile(filepath.Join(etc, dialplan.AsteriskMainFile), live, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	reloader := dialplan.NewARIReloader(dialplan.ARIReloaderOptions{URL: s.ast.url, Username: s.ast.user, Password: s.ast.password})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := reloader.Reload(ctx); err != nil {
		t.Fatalf("reloading the dialplan: %v", err)
	}

	s.start()
	for _, number := range []string{"6700", "+15556700"} {
		pc := s.call(e2eCaller{Number: number, From: "5550701", Context: dialplan.AsteriskEntryContext})
		s.bridged(pc, "lena", 8*time.Second)
		rec := s.waitRecord(pc.Far, 8*time.Second, "the call through the rendered dialplan ends", e2eEnded)
		if rec.Entry != number || rec.Queue != "intake" || rec.Outcome != acd.OutcomeAnswered {
			t.Errorf("call to %s: entry %q, queue %q, outcome %s; want %s, intake, answered", number, rec.Entry, rec.Queue, rec.Outcome, number)
		}
		s.eventually(30*time.Second, "lena available again", func() (bool, string) {
			a := s.agent("lena")
			return a.State == "available", "lena: " + a.State
		})
	}
	s.noTaggedChannels(30 * time.Second)
}

// hotline runs a hotline command to completion and returns its output.
func (s *e2eScenario) hotline(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(s.bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOTLINE_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("hotline %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// restoreAsteriskDir puts the Asterisk config directory back at cleanup:
// extensions.conf as it was, and without the files the test added (the
// managed file, backups), then reloads the dialplan.
func restoreAsteriskDir(t *testing.T, s *e2eScenario, etc string) {
	t.Helper()
	before := map[string][]byte{}
	names, err := filepath.Glob(filepath.Join(etc, "extensions*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		before[n] = data
	}
	t.Cleanup(func() {
		after, _ := filepath.Glob(filepath.Join(etc, "extensions*"))
		for _, n := range after {
			if _, ok := before[n]; !ok {
				_ = os.Remove(n)
			}
		}
		for n, data := range before {
			if err := os.WriteFile(n, data, 0o644); err != nil {
				t.Errorf("restoring %s: %v", n, err)
			}
		}
		if err := s.ast.do(context.Background(), http.MethodPut, "/asterisk/modules/pbx_config", nil, nil, nil); err != nil {
			t.Errorf("reloading the restored dialplan: %v", err)
		}
	})
}
