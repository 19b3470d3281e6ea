package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version is set at release time with -ldflags "-X main.version=v1.2.3";
// otherwise the module version from the build info is used.
var version = ""

func newVersionCmd(*globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go version of this binary",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			info, _ := debug.ReadBuildInfo()
			return writeVersion(cmd.OutOrStdout(), info)
		},
	}
}

// versionText is what writeVersion prints for this binary.
func versionText() string {
	var b strings.Builder
	info, _ := debug.ReadBuildInfo()
	_ = writeVersion(&b, info) // a strings.Builder does not fail
	return b.String()
}

// writeVersion prints what this binary is; info may be nil (no build info).
func writeVersion(w io.Writer, info *debug.BuildInfo) error {
	v, commit, when, modified := version, "unknown", "", false
	goVersion := runtime.Version()
	if info != nil {
		if v == "" {
			v = info.Main.Version
		}
		goVersion = info.GoVersion
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	if when != "" {
		commit += " " + when
	}
	if modified {
		commit += " (modified)"
	}
	_, err := fmt.Fprintf(w, "hotline %s\ncommit  %s\ngo      %s %s/%s\n", v, commit, goVersion, runtime.GOOS, runtime.GOARCH)
	return err
}
