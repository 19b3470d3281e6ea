package routing

import "fmt"

// JoinRule is a queue's join_empty setting: may a caller join when no
// member able to serve the caller's requirement is free?
type JoinRule uint8

// Join rules.
const (
	JoinAlways   JoinRule = iota // "yes": always
	JoinStaffed                  // "no": an able member is logged in and not paused (free or busy)
	JoinLoggedIn                 // "paused": an able member is logged in, even paused
)

// ParseJoinRule reads a join_empty value; "" is "yes".
func ParseJoinRule(s string) (JoinRule, error) {
	switch s {
	case "", "yes":
		return JoinAlways, nil
	case "no":
		return JoinStaffed, nil
	case "paused":
		return JoinLoggedIn, nil
	}
	return 0, fmt.Errorf("%w %q (yes, no or paused)", ErrUnknownJoinRule, s)
}

// MayJoin reports whether a caller may join a queue whose members able to
// serve the caller count c (see [QueueState.Count]).
func (r JoinRule) MayJoin(c Counts) bool {
	switch r {
	case JoinStaffed:
		return c.Staffed > 0
	case JoinLoggedIn:
		return c.LoggedIn > 0
	}
	return true
}

// MustLeave reports whether a waiting caller leaves a queue with
// leave_empty set: no member able to serve the caller is logged in and not
// paused any more, so waiting would be in vain.
func MustLeave(leaveEmpty bool, c Counts) bool {
	return leaveEmpty && c.Staffed == 0
}
