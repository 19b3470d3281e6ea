package config

import (
	"strings"
	"testing"
	"time"
)

func TestReportsSection(t *testing.T) {
	cfg, err := Parse([]byte("reports: {timezone: Europe/Berlin, short_abandon: 5s, service_level_target: 90}\n"), "r.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if r := cfg.Reports; r.Timezone != "Europe/Berlin" || r.ShortAbandon != 5*time.Second || r.ServiceLevelTarget != 90 {
		t.Errorf("reports %+v", r)
	}
	if Default().Reports.ServiceLevelTarget != 80 {
		t.Errorf("default target %v", Default().Reports.ServiceLevelTarget)
	}
	bad, err := Parse([]byte("reports:\n  timezone: Mars/Olympus\n  short_abandon: -1s\n  service_level_target: 180\n"), "r.yaml")
	if err == nil {
		err = bad.Validate()
	}
	for _, want := range []string{"reports.timezone", "r.yaml:2:", "Mars/Olympus", "reports.short_abandon", "reports.service_level_target"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
}
