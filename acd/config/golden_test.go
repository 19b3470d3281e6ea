package config

import (
	"github.com/hotline-cc/hotline/internal/golden"
	"path/filepath"
	"strings"
	"testing"
)

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
			golden.Check(t, strings.TrimSuffix(file, ".yaml")+".golden", []byte(got))
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
