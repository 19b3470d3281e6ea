package routing

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// SkillID is an interned skill name; see [Catalog].
type SkillID uint16

// MaxLevel is the highest skill level Levels can hold.
const MaxLevel = math.MaxUint8

// AnyPenalty as a Requirement's MaxPenalty admits members of any penalty.
const AnyPenalty = -1

// Catalog interns skill names into dense SkillIDs so that agent skills can be
// a slice indexed by id. The zero Catalog is ready to use. A Catalog only
// grows: ids stay valid for its lifetime.
type Catalog struct {
	ids   map[string]SkillID
	names []string
}

// ID returns the id of a known skill.
func (c *Catalog) ID(name string) (SkillID, bool) {
	id, ok := c.ids[name]
	return id, ok
}

// Intern returns the id of name, adding the skill if it is new.
func (c *Catalog) Intern(name string) (SkillID, error) {
	if name == "" {
		return 0, ErrEmptySkill
	}
	if id, ok := c.ids[name]; ok {
		return id, nil
	}
	if len(c.names) > math.MaxUint16 {
		return 0, fmt.Errorf("skill %q: %w (limit %d)", name, ErrTooManySkills, math.MaxUint16+1)
	}
	if c.ids == nil {
		c.ids = make(map[string]SkillID)
	}
	id := SkillID(len(c.names))
	c.ids[name] = id
	c.names = append(c.names, name)
	return id, nil
}

// Name returns the name of id, or "" if the catalog does not hold it.
func (c *Catalog) Name(id SkillID) string {
	if int(id) >= len(c.names) {
		return ""
	}
	return c.names[id]
}

// Len is the number of skills interned so far.
func (c *Catalog) Len() int { return len(c.names) }

// Levels interns an agent's skills (name → level 0..MaxLevel, 0 = lacks it)
// and returns them as dense Levels. Levels are sized to the catalog at the
// time of the call; skills interned later read as 0.
func (c *Catalog) Levels(skills map[string]int) (Levels, error) {
	ids := make(map[SkillID]uint8, len(skills))
	for _, name := range sortedKeys(skills) {
		level := skills[name]
		if level < 0 || level > MaxLevel {
			return nil, fmt.Errorf("skill %q level %d: %w (0..%d)", name, level, ErrLevelRange, MaxLevel)
		}
		id, err := c.Intern(name)
		if err != nil {
			return nil, err
		}
		ids[id] = uint8(level)
	}
	l := make(Levels, c.Len())
	for id, level := range ids {
		l[id] = level
	}
	return l, nil
}

// Requirement interns a queue's required skills (name → minimum level) into
// a Requirement with the given penalty ceiling. A minimum below 1 means the
// agent must have the skill at any level. Needs are ordered by SkillID so
// that equal maps give equal requirements.
func (c *Catalog) Requirement(skills map[string]int, maxPenalty int) (Requirement, error) {
	r := Requirement{MaxPenalty: maxPenalty}
	if len(skills) > 0 {
		r.Needs = make([]Need, 0, len(skills))
	}
	for _, name := range sortedKeys(skills) {
		level := skills[name]
		if level > MaxLevel {
			return Requirement{}, fmt.Errorf("skill %q level %d: %w (1..%d)", name, level, ErrLevelRange, MaxLevel)
		}
		id, err := c.Intern(name)
		if err != nil {
			return Requirement{}, err
		}
		r.Needs = append(r.Needs, Need{Skill: id, Min: uint8(max(level, 1))})
	}
	slices.SortFunc(r.Needs, func(a, b Need) int { return int(a.Skill) - int(b.Skill) })
	return r, nil
}

// sortedKeys makes interning order, and so SkillIDs, independent of Go's map
// iteration order.
func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Levels are one agent's skill levels indexed by SkillID; 0 or an id past the
// end means the agent lacks the skill.
type Levels []uint8

// Level returns the agent's level in skill id.
func (l Levels) Level(id SkillID) uint8 {
	if int(id) >= len(l) {
		return 0
	}
	return l[id]
}

// Need is one required skill and the lowest level that satisfies it.
type Need struct {
	Skill SkillID
	Min   uint8
}

// Requirement is what a caller needs from an agent.
type Requirement struct {
	Needs      []Need // all must be met
	MaxPenalty int    // members with a higher penalty are not offered; AnyPenalty = no ceiling
}

// MetBy reports whether levels satisfy every need.
func (r *Requirement) MetBy(l Levels) bool {
	for _, n := range r.Needs {
		if int(n.Skill) >= len(l) || l[n.Skill] < n.Min {
			return false
		}
	}
	return true
}

// admits reports whether a caller with r may be offered to agent a through
// membership m. The cheap checks come first: most agents of a busy center
// are not available, and the skill loop touches a second cache line.
func (r *Requirement) admits(a *Agent, m *Member) bool {
	return a.Available && (r.MaxPenalty < 0 || m.Penalty <= r.MaxPenalty) && r.MetBy(a.Levels)
}

// score is the sum of a's levels in the needed skills, the skills-best key.
func (r *Requirement) score(l Levels) int {
	s := 0
	for _, n := range r.Needs {
		s += int(l.Level(n.Skill))
	}
	return s
}

// With returns r with the extra needs added (a skill needed by both at the
// higher level): a caller's own needs, e.g. the language an IVR flow chose,
// on top of its queue's. r itself is not changed.
func (r Requirement) With(extra []Need) Requirement {
	if len(extra) == 0 {
		return r
	}
	needs := slices.Clone(r.Needs)
	for _, n := range extra {
		i := slices.IndexFunc(needs, func(m Need) bool { return m.Skill == n.Skill })
		if i < 0 {
			needs = append(needs, n)
		} else {
			needs[i].Min = max(needs[i].Min, n.Min)
		}
	}
	slices.SortFunc(needs, func(a, b Need) int { return int(a.Skill) - int(b.Skill) })
	r.Needs = needs
	return r
}

// Target replaces a caller's requirement once the caller has waited After.
type Target struct {
	After time.Duration
	Req   Requirement
}

// Relax returns the requirement that applies after waiting: the target with
// the greatest After not past waited (the later one on a tie), or base when
// none has been reached yet. Targets need not be sorted.
func Relax(base Requirement, targets []Target, waited time.Duration) Requirement {
	best := -1
	for i := range targets {
		if targets[i].After <= waited && (best < 0 || targets[i].After >= targets[best].After) {
			best = i
		}
	}
	if best < 0 {
		return base
	}
	return targets[best].Req
}
