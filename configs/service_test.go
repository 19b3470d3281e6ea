package configs

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The unit passes systemd's own check (where systemd-analyze is installed),
// with ExecStart pointed at an executable that exists here.
func TestServiceUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	unit, err := os.ReadFile("hotline.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Type=notify", "Restart=on-failure", "DynamicUser=yes", "StateDirectory=hotline",
		"ProtectSystem=strict", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX"} {
		if !strings.Contains(string(unit), "\n"+want+"\n") {
			t.Errorf("hotline.service lacks %s", want)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "hotline.service")
	text := strings.ReplaceAll(string(unit), "/usr/local/bin/hotline", self)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
