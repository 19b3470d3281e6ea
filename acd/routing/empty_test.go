package routing

import (
	"errors"
	"fmt"
	"testing"
)

func TestParseJoinRule(t *testing.T) {
	for in, want := range map[string]JoinRule{"": JoinAlways, "yes": JoinAlways, "no": JoinStaffed, "paused": JoinLoggedIn} {
		if got, err := ParseJoinRule(in); err != nil || got != want {
			t.Errorf("ParseJoinRule(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseJoinRule("strict"); !errors.Is(err, ErrUnknownJoinRule) {
		t.Errorf("ParseJoinRule(strict) error = %v, want ErrUnknownJoinRule", err)
	}
}

// The join and leave rules decide on members able to serve the caller:
// members lacking the skill, or above the penalty ceiling, count for
// nothing, whatever their state.
func TestJoinAndLeaveEmpty(t *testing.T) {
	paused := func(levels ...uint8) Agent { return Agent{Levels: levels, LoggedIn: true, Paused: true} }
	loggedOut := func(levels ...uint8) Agent { return Agent{Levels: levels} }
	spanish := Requirement{Needs: []Need{{Skill: 0, Min: 5}}, MaxPenalty: AnyPenalty}
	upTo1 := Requirement{MaxPenalty: 1}
	cases := []struct {
		name   string
		agents []Agent
		pen    []int // member penalties; nil = all 0
		req    Requirement
		// want: join under yes, no, paused; leave under leave_empty
		yes, no, paused, leave bool
	}{
		{"nobody logged in", []Agent{loggedOut(9), loggedOut(9)}, nil, spanish, true, false, false, true},
		{"a free able agent", []Agent{ready(0, 9)}, nil, spanish, true, true, true, false},
		{"an able agent talking", []Agent{busy(9)}, nil, spanish, true, true, true, false},
		{"only an able agent paused", []Agent{paused(9), loggedOut(9)}, nil, spanish, true, false, true, true},
		{"free agents without the skill", []Agent{ready(0, 2), ready(0)}, nil, spanish, true, false, false, true},
		{"skilled agent paused, unskilled free", []Agent{paused(7), ready(0, 1)}, nil, spanish, true, false, true, true},
		{"able agent above the penalty ceiling", []Agent{ready(0)}, []int{2}, upTo1, true, false, false, true},
		{"able agent within the penalty ceiling", []Agent{ready(0), paused()}, []int{1, 0}, upTo1, true, true, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := QueueState{}
			for i := range tc.agents {
				m := Member{Agent: int32(i), Order: i}
				if tc.pen != nil {
					m.Penalty = tc.pen[i]
				}
				q.Members = append(q.Members, m)
			}
			c := q.Count(tc.agents, tc.req)
			got := fmt.Sprint(JoinAlways.MayJoin(c), JoinStaffed.MayJoin(c), JoinLoggedIn.MayJoin(c), MustLeave(true, c))
			if want := fmt.Sprint(tc.yes, tc.no, tc.paused, tc.leave); got != want {
				t.Errorf("counts %+v: join yes/no/paused, leave = %s, want %s", c, got, want)
			}
			if MustLeave(false, c) {
				t.Error("MustLeave without leave_empty = true")
			}
		})
	}
}
