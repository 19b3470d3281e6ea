package main

import (
	"bytes"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionCommand(t *testing.T) {
	code, out, _ := hotline(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "hotline ") || !strings.Contains(out, runtime.Version()) {
		t.Errorf("exit %d, output %q", code, out)
	}
}

func TestVersionFlag(t *testing.T) {
	_, want, _ := hotline(t, nil, "version")
	for _, args := range [][]string{{"--version"}, {"-v"}} {
		code, out, errOut := hotline(t, nil, args...)
		if code != 0 || out != want || errOut != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 0 and what `hotline version` prints, %q", args, code, out, errOut, want)
		}
	}
}

func TestWriteVersion(t *testing.T) {
	info := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/hotline-cc/hotline", Version: "v0.3.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123abcd"},
			{Key: "vcs.time", Value: "2026-11-22T03:59:22Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	var b bytes.Buffer
	if err := writeVersion(&b, info); err != nil {
		t.Fatal(err)
	}
	want := "hotline v0.3.0\ncommit  0123abcd 2026-11-22T03:59:22Z (modified)\ngo      go1.26.8 " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}

	b.Reset()
	if err := writeVersion(&b, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "hotline (devel)\ncommit  unknown\n") {
		t.Errorf("without build info got %q", b.String())
	}
}
