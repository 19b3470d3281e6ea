package routing

import "errors"

// Errors returned by this package; they are wrapped with the offending name
// or value.
var (
	ErrUnknownStrategy = errors.New("routing: unknown strategy")
	ErrEmptySkill      = errors.New("routing: empty skill name")
	ErrTooManySkills   = errors.New("routing: too many skills")
	ErrLevelRange      = errors.New("routing: skill level out of range")
	ErrUnknownJoinRule = errors.New("routing: unknown join_empty rule")
)
