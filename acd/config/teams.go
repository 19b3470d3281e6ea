package config

import "slices"

// Team is who a supervisor oversees: the team's queues, its agents (those
// listed and the members of its queues) and the calls in them. A user
// named among a team's supervisors sees and acts on those only (the API,
// the wallboard, reports); a supervisor in no team sees everything.
type Team struct {
	Name        string   `yaml:"name"`
	Queues      []string `yaml:"queues"`
	Agents      []string `yaml:"agents"`
	Supervisors []string `yaml:"supervisors"` // user names (hotline users)
}

func (v *validator) teams() {
	queues := v.queueNames()
	agents := make([]string, len(v.cfg.Agents))
	for i, a := range v.cfg.Agents {
		agents[i] = a.ID
	}
	seen := map[string]firstName{}
	for i, t := range v.cfg.Teams {
		p := indexPath("teams", i)
		v.name(joinPath(p, "name"), "team", t.Name, seen, i)
		for j, q := range t.Queues {
			v.known(indexPath(joinPath(p, "queues"), j), "queue", q, queues)
		}
		for j, a := range t.Agents {
			v.known(indexPath(joinPath(p, "agents"), j), "agent", a, agents)
		}
		if len(t.Queues)+len(t.Agents) == 0 {
			v.add(p, "team %q has no queues and no agents; its supervisors would oversee nothing", t.Name)
		}
	}
}

// CheckSupervisors reports every team supervisor who is not one of users
// (the user names of the store), as Validate reports its problems; nil when
// each is known.
func (c Config) CheckSupervisors(users []string) error {
	v := validator{report: &report{src: c.src}, cfg: &c}
	for i, t := range c.Teams {
		for j, u := range t.Supervisors {
			v.known(indexPath(joinPath(indexPath("teams", i), "supervisors"), j), "user", u, users)
		}
	}
	return v.err()
}

// TeamsOf are the teams user supervises.
func (c Config) TeamsOf(user string) []Team {
	var out []Team
	for _, t := range c.Teams {
		if slices.Contains(t.Supervisors, user) {
			out = append(out, t)
		}
	}
	return out
}
