package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseValidate checks that no input makes Parse or Validate panic, and
// that every failure is a *ValidationError with at least one problem, and
// that what Parse accepts it decodes as yaml's own decoder does.
func FuzzParseValidate(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.yaml")
	seeds = append(seeds, examplePath)
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("queues:\n  - &a {name: a}\n  - <<: *a\n    name: b\n"))
	f.Add([]byte("store: &s\n  <<: *s\n"))
	f.Add([]byte("menus:\n  - name: m\n    options: {\"#\": {menu: m}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAgainstReference(t, data)
		c, err := Parse(data, "fuzz.yaml")
		if err == nil {
			err = c.Validate()
		}
		if err == nil {
			return
		}
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.Problems) == 0 {
			t.Fatalf("error %T %q is not a *ValidationError with problems", err, err)
		}
	})
}
