package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The daemon must not link test-only packages: our own test helpers
// (acd/pbx/pbxtest, internal/golden, internal/linkcut, internal/apitest, acd/speech/speechtest) and package
// testing stay out of every production import path, libraries' included.
func TestBinaryDoesNotLinkTesting(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 10 {
		t.Fatalf("go list -deps printed %d packages, want the binary's whole dependency list", len(lines))
	}
	banned := map[string]bool{"github.com/hotline-cc/hotline/acd/pbx/pbxtest": true, "github.com/hotline-cc/hotline/internal/golden": true,
		"github.com/hotline-cc/hotline/acd/speech/speechtest": true, "github.com/hotline-cc/hotline/internal/linkcut": true,
		"github.com/hotline-cc/hotline/internal/apitest": true}
	for _, line := range lines {
		fields := strings.Fields(line)
		pkg, imports := fields[0], fields[1:]
		if banned[pkg] {
			t.Errorf("the hotline binary links %s; production code must not import test packages", pkg)
		}
		for _, imp := range imports {
			if imp == "testing" {
				t.Errorf("%s imports testing, and the hotline binary links it", pkg)
			}
		}
	}
}
