package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The daemon must not link test-only packages: package testing registers
// flags and pulls the test machinery into every production binary. Simulator
// types that both production code and tests need live outside acd/pbx/pbxtest
// for this reason.
func TestBinaryDoesNotLinkTesting(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	banned := map[string]bool{"testing": true, "github.com/hotline-cc/hotline/acd/pbx/pbxtest": true, "github.com/hotline-cc/hotline/internal/golden": true}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps printed %d packages, want the binary's whole dependency list", len(deps))
	}
	for _, dep := range deps {
		if banned[dep] {
			t.Errorf("the hotline binary links %s; production code must not import test packages", dep)
		}
	}
}
