package config

import (
	"strings"
	"testing"
)

// A team naming a queue, an agent or a supervisor that does not exist is
// refused with the setting's path and line; TeamsOf finds a user's teams.
func TestTeams(t *testing.T) {
	const file = `pbx: {type: sim}
store: {path: h.db}
queues:
  - {name: support}
  - {name: sales}
agents:
  - {id: alice, queues: [{queue: support}]}
teams:
  - name: front
    queues: [support, suport]
    agents: [alice, zed]
    supervisors: [sue, tess]
  - name: front
    supervisors: [sam]
`
	cfg, err := Parse([]byte(file), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	if err := cfg.Validate(); err != nil {
		got = err.Error()
	}
	for _, want := range []string{
		`t.yaml:10: teams[0].queues[1]: unknown queue "suport"; known: support, sales`,
		`t.yaml:11: teams[0].agents[1]: unknown agent "zed"; known: alice`,
		`t.yaml:13: teams[1].name: team "front" is already used by teams[0]`,
		`t.yaml:13: teams[1]: team "front" has no queues and no agents`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
	err = cfg.CheckSupervisors([]string{"sue", "sam"})
	if err == nil || err.Error() != `t.yaml:12: teams[0].supervisors[1]: unknown user "tess"; known: sue, sam` {
		t.Errorf("supervisors: %v", err)
	}
	if err := cfg.CheckSupervisors([]string{"sue", "sam", "tess"}); err != nil {
		t.Errorf("all known: %v", err)
	}
	if ts := cfg.TeamsOf("sue"); len(ts) != 1 || ts[0].Queues[0] != "support" {
		t.Errorf("sue's teams: %+v", ts)
	}
}
