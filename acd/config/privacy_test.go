package config

import (
	"strings"
	"testing"
	"time"
)

func TestPrivacySettings(t *testing.T) {
	cfg, err := Parse([]byte("privacy:\n  key_file: /etc/hotline/keys\n  region: de\n  retention: {age: 8760h, every: 12h}\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p := cfg.Privacy; p.KeyFile != "/etc/hotline/keys" || p.Region != "de" || p.Retention.Age != 8760*time.Hour || p.Retention.Every != 12*time.Hour {
		t.Fatalf("privacy %+v", p)
	}
	if d := Default().Privacy; d.Region != "US" || d.Retention.Age != 0 || d.Retention.Every != 24*time.Hour {
		t.Fatalf("defaults %+v", d)
	}
	_, err = Parse([]byte("privacy:\n  region: XX\n  retention: {age: 1h, every: 0s}\n  key: abc\n"), "bad.yaml")
	if err == nil || !strings.Contains(err.Error(), "key") {
		t.Fatalf("a key in the config file accepted: %v", err)
	}
	bad, err := Parse([]byte("privacy:\n  region: XX\n  retention: {age: 1h, every: 0s}\n"), "bad.yaml")
	if err == nil {
		err = bad.Validate()
	}
	for _, want := range []string{"bad.yaml:2", "privacy.region", "privacy.retention.every", "under a day"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}
