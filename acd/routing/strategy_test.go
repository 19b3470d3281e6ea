package routing

import (
	"errors"
	"strings"
	"testing"
)

func TestParseStrategy(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Strategy
	}{
		{"ring-all", RingAll},
		{"longest-idle", LongestIdle},
		{"round-robin", RoundRobin},
		{"fewest-calls", FewestCalls},
		{"least-talk-time", LeastTalkTime},
		{"top-down", TopDown},
		{"random", Random},
		{"weighted-random", WeightedRandom},
		{"ring-progressively", RingProgressively},
		{"skills-best", SkillsBest},
		{" Longest-Idle ", LongestIdle},
		{"ringall", RingAll},
		{"leastrecent", LongestIdle},
		{"rrmemory", RoundRobin},
		{"linear", TopDown},
		{"wrandom", WeightedRandom},
		{"agent-with-least-talk-time", LeastTalkTime},
		{"sequentially-by-agent-order", TopDown},
	} {
		got, err := ParseStrategy(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseStrategy(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseStrategyUnknown(t *testing.T) {
	_, err := ParseStrategy("fastest")
	if !errors.Is(err, ErrUnknownStrategy) {
		t.Fatalf("got %v, want ErrUnknownStrategy", err)
	}
	want := `routing: unknown strategy "fastest"; known: ring-all, longest-idle, round-robin, fewest-calls, least-talk-time, top-down, random, weighted-random, ring-progressively, skills-best`
	if err.Error() != want {
		t.Errorf("message\n got %s\nwant %s", err, want)
	}
}

func TestStrategyText(t *testing.T) {
	names := Strategies()
	if len(names) != int(numStrategies) {
		t.Fatalf("%d names for %d strategies", len(names), numStrategies)
	}
	names[0] = "mutated" // callers get a copy
	if Strategies()[0] != "ring-all" {
		t.Error("Strategies returns the package's own slice")
	}
	for i := range numStrategies {
		b, err := i.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Strategy
		if err := back.UnmarshalText(b); err != nil || back != i {
			t.Errorf("round trip of %v: %v, %v", i, back, err)
		}
	}
	if _, err := numStrategies.MarshalText(); err == nil || !strings.Contains(numStrategies.String(), "strategy(") || numStrategies.Valid() {
		t.Error("an undeclared strategy passes as valid")
	}
	var s Strategy
	if err := s.UnmarshalText([]byte("nope")); !errors.Is(err, ErrUnknownStrategy) {
		t.Errorf("UnmarshalText: %v", err)
	}
}
