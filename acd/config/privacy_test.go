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

// privacy.spy_phones takes dial strings and patterns of them, names the bad
// ones by line, and lets only what it lists listen in.
func TestSpyPhones(t *testing.T) {
	cfg, err := Parse([]byte("privacy:\n  spy_phones: [\"PJSIP/11??\", PJSIP/sue]\n"), "p.yaml")
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		t.Fatal(err)
	}
	for ep, want := range map[string]bool{"PJSIP/1100": true, "PJSIP/sue": true, "PJSIP/110": false,
		"PJSIP/+33612345678@trunk": false, "PJSIP/1100@trunk": false, "SIP/1100": false} {
		if got := cfg.Privacy.SpyPhoneAllowed(ep); got != want {
			t.Errorf("%s allowed %v, want %v", ep, got, want)
		}
	}
	if !Default().Privacy.SpyPhoneAllowed("PJSIP/+33612345678@trunk") {
		t.Error("without spy_phones any phone is allowed")
	}
	bad, err := Parse([]byte("privacy:\n  spy_phones:\n    - PJSIP/1100\n    - \"PJSIP/[11\"\n    - sue\n    - \"PJSIP/a b\"\n"), "bad.yaml")
	if err == nil {
		err = bad.Validate()
	}
	for _, want := range []string{"bad.yaml:4", "privacy.spy_phones[1]", "bad.yaml:5", "privacy.spy_phones[2]", "bad.yaml:6", "privacy.spy_phones[3]"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), "spy_phones[0]") {
		t.Errorf("a good phone refused: %v", err)
	}
}
