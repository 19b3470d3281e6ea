package config

import (
	"strings"
	"testing"
)

func TestCampaignAnsweringMachineConfig(t *testing.T) {
	base := `
pbx: {type: %PBX%}
queues: [{name: q}]
campaigns:
  - name: c
    endpoint: PJSIP/{number}@trunk
    queues: [q]
    safe_harbour: [sound:sh]
    answering_machine: %AM%
`
	for _, tc := range []struct{ pbx, am, want string }{
		{"asterisk", "hangup", ""},
		{"asterisk", "message", `campaigns[0].machine_message: missing`},
		{"asterisk", "maybe", `campaigns[0].answering_machine`},
		{"freeswitch", "hangup", `on Asterisk only`},
		{"freeswitch", "off", ""},
	} {
		y := strings.NewReplacer("%PBX%", tc.pbx, "%AM%", tc.am).Replace(base)
		cfg, err := Parse([]byte(y), "c.yaml")
		if err == nil {
			err = cfg.Validate()
		}
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s: %v; want %q", tc.pbx, tc.am, err, tc.want)
		}
	}
}
