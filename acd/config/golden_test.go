package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// TestGolden loads each testdata/*.yaml, validates it and compares every
// reported problem with the .golden file next to it.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			got := loadReport(file)
			golden := strings.TrimSuffix(file, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("report for %s changed (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", file, got, want)
			}
		})
	}
}

func loadReport(file string) string {
	c, err := Load(file)
	if err == nil {
		err = c.Validate()
	}
	if err == nil {
		return "ok\n"
	}
	return err.Error() + "\n"
}
