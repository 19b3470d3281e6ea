package config

import (
	"strings"
	"testing"
)

// A campaign's skip reasons are plain, distinct, bounded texts other than
// the timeout's; a required reason needs a list to pick from. Each problem
// names the entry.
func TestCampaignSkipReasons(t *testing.T) {
	base := `
pbx: {type: sim}
queues: [{name: q}]
campaigns:
  - name: c
    mode: preview
    endpoint: PJSIP/{number}@trunk
    queues: [q]
    safe_harbour: [sound:sh]
%SKIP%
`
	for _, tc := range []struct{ skip, want string }{
		{"", ""},
		{`    skip_reasons: ["wrong person", "already customer"]`, ""},
		{`    skip_reasons: ["wrong person"]
    skip_reason_required: true`, ""},
		{`    skip_reason_required: true`, `campaigns[0].skip_reason_required: true, but skip_reasons lists none`},
		{`    skip_reasons: ["a", "a"]`, `campaigns[0].skip_reasons[1]: "a" is listed twice`},
		{`    skip_reasons: ["ok", ""]`, `campaigns[0].skip_reasons[1]: empty`},
		{`    skip_reasons: ["timeout"]`, `campaigns[0].skip_reasons[0]: "timeout" is the reason of a preview no agent decided`},
		{`    skip_reasons: ["bad\u0007bell"]`, `c.yaml:10: campaigns[0].skip_reasons[0]: holds the control character U+0007 at character 4`},
		{`    skip_reasons: ["wrong\nperson"]`, `campaigns[0].skip_reasons[0]: "wrong\nperson": holds the line break U+000A at character 6; a reason is one line`},
		{`    skip_reasons: ["شخص\u200cدیگر", "می\u200cخواهد بعدا"]`, ""}, // Persian: a zero-width non-joiner between letters
		{`    skip_reasons: ["a\u200db"]`, `holds the zero-width joiner U+200D at character 2`},
		{`    skip_reasons: [" padded"]`, `campaigns[0].skip_reasons[0]: " padded": spaces around it`},
		{`    skip_reasons: ["` + strings.Repeat("x", 61) + `"]`, `campaigns[0].skip_reasons[0]: "xxx`},
	} {
		cfg, err := Parse([]byte(strings.Replace(base, "%SKIP%", tc.skip, 1)), "c.yaml")
		if err == nil {
			err = cfg.Validate()
		}
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want %q", tc.skip, err, tc.want)
		}
	}
}
