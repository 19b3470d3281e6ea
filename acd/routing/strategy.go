package routing

import (
	"fmt"
	"strings"
)

// Strategy decides which eligible members of a queue are rung. The zero
// Strategy is RingAll, app_queue's default.
type Strategy uint8

// The strategies. Within the lowest eligible penalty:
const (
	RingAll           Strategy = iota // every eligible member at once
	LongestIdle                       // the member idle the longest
	RoundRobin                        // the member after the one last offered, by Order
	FewestCalls                       // the member who answered the fewest calls
	LeastTalkTime                     // the member with the least total talk time
	TopDown                           // always the first member by Order
	Random                            // a uniformly random member
	WeightedRandom                    // a random member, chance proportional to Agent.Weight
	RingProgressively                 // every member of the first tier, one more tier each RingStep
	SkillsBest                        // the member with the highest levels in the needed skills
	numStrategies
)

var strategyNames = [numStrategies]string{
	RingAll:           "ring-all",
	LongestIdle:       "longest-idle",
	RoundRobin:        "round-robin",
	FewestCalls:       "fewest-calls",
	LeastTalkTime:     "least-talk-time",
	TopDown:           "top-down",
	Random:            "random",
	WeightedRandom:    "weighted-random",
	RingProgressively: "ring-progressively",
	SkillsBest:        "skills-best",
}

// strategyAliases are the names Asterisk's app_queue and FreeSWITCH's
// mod_callcenter give the same strategies, so a configuration carried over
// from either reads as intended.
var strategyAliases = map[string]Strategy{
	"ringall":                     RingAll,
	"leastrecent":                 LongestIdle,
	"longest-idle-agent":          LongestIdle,
	"rrmemory":                    RoundRobin,
	"rrordered":                   RoundRobin,
	"fewestcalls":                 FewestCalls,
	"agent-with-fewest-calls":     FewestCalls,
	"agent-with-least-talk-time":  LeastTalkTime,
	"linear":                      TopDown,
	"sequentially-by-agent-order": TopDown,
	"wrandom":                     WeightedRandom,
}

// Strategies lists the canonical strategy names in declaration order.
func Strategies() []string {
	return append([]string(nil), strategyNames[:]...)
}

// ParseStrategy reads a strategy name: a canonical one from Strategies, or an
// app_queue / mod_callcenter alias. Case and surrounding space are ignored.
func ParseStrategy(s string) (Strategy, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	for i, n := range strategyNames {
		if n == name {
			return Strategy(i), nil
		}
	}
	if st, ok := strategyAliases[name]; ok {
		return st, nil
	}
	return 0, fmt.Errorf("%w %q; known: %s", ErrUnknownStrategy, s, strings.Join(strategyNames[:], ", "))
}

// String returns the canonical name.
func (s Strategy) String() string {
	if s < numStrategies {
		return strategyNames[s]
	}
	return fmt.Sprintf("strategy(%d)", uint8(s))
}

// Valid reports whether s is one of the declared strategies.
func (s Strategy) Valid() bool { return s < numStrategies }

// MarshalText writes the canonical name.
func (s Strategy) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("%w %d", ErrUnknownStrategy, uint8(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText reads a name as ParseStrategy does.
func (s *Strategy) UnmarshalText(b []byte) error {
	st, err := ParseStrategy(string(b))
	if err != nil {
		return err
	}
	*s = st
	return nil
}
