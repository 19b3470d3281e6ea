package main

import (
	"strings"
	"testing"
)

func TestCampaignCommandAgainstDaemon(t *testing.T) {
	addr, _ := startServe(t, "127.0.0.1:0", `
pbx: {type: sim, sim: {callers: {rate_per_minute: 0}}}
queues: [{name: q}]
agents: [{id: a, endpoint: sim/a, logged_in: true, queues: [{queue: q}]}]
campaigns:
  - name: spring
    endpoint: sim/{number}
    schedule: {hours: "00:00-24:00", time_zone: UTC}
    queues: [q]
    safe_harbour: [sound:safe-harbour]
`)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"campaign", "status"}, 0, "spring: stopped, progressive; hopper 0"},
		{[]string{"campaign", "start", "spring"}, 0, "spring: running, progressive"},
		{[]string{"campaign", "pause", "spring"}, 0, "spring: paused"},
		{[]string{"campaign", "resume", "spring"}, 0, "spring: running"},
		{[]string{"campaign", "stop", "spring"}, 0, "spring: stopped"},
		{[]string{"campaign", "start", "autumn"}, 1, `campaign "autumn": unknown campaign`},
		{[]string{"campaign", "launch", "spring"}, 1, `unknown action "launch"`},
		{[]string{"campaign", "start"}, 1, "name the campaign"},
	} {
		code, out, errOut := hotline(t, nil, append(tc.args, "--api", addr)...)
		if code != tc.code || !strings.Contains(out+errOut, tc.want) {
			t.Errorf("hotline %s: exit %d, %q %q; want exit %d and %q", strings.Join(tc.args, " "), code, out, errOut, tc.code, tc.want)
		}
	}
}
