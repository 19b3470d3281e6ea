package configs

import (
	"testing"

	"github.com/hotline-cc/hotline/acd/config"
)

func TestShippedConfigsValidate(t *testing.T) {
	for name, data := range map[string][]byte{"demo.yaml": Demo, "hotline.example.yaml": Example} {
		cfg, err := config.Parse(data, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
