package routing

import (
	"errors"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestCatalog(t *testing.T) {
	var c Catalog
	if _, ok := c.ID("english"); ok {
		t.Error("empty catalog knows a skill")
	}
	en, _ := c.Intern("english")
	es, _ := c.Intern("spanish")
	if again, _ := c.Intern("english"); again != en || en == es || c.Len() != 2 {
		t.Errorf("intern: english %d again %d spanish %d len %d", en, again, es, c.Len())
	}
	if id, ok := c.ID("spanish"); !ok || id != es || c.Name(es) != "spanish" || c.Name(99) != "" {
		t.Errorf("lookup: id %d ok %v name %q", id, ok, c.Name(es))
	}
	if _, err := c.Intern(""); !errors.Is(err, ErrEmptySkill) {
		t.Errorf("empty name: %v", err)
	}
}

func TestCatalogFull(t *testing.T) {
	var c Catalog
	for i := range math.MaxUint16 + 1 {
		if _, err := c.Intern(string(rune(i + 0x10000))); err != nil {
			t.Fatalf("skill %d: %v", i, err)
		}
	}
	if _, err := c.Intern("one too many"); !errors.Is(err, ErrTooManySkills) {
		t.Errorf("got %v, want ErrTooManySkills", err)
	}
}

func TestCatalogLevelsAndRequirement(t *testing.T) {
	var c Catalog
	l, err := c.Levels(map[string]int{"spanish": 7, "billing": 3, "french": 0})
	if err != nil {
		t.Fatal(err)
	}
	// Names are interned in sorted order: billing 0, french 1, spanish 2.
	if want := (Levels{3, 0, 7}); !slices.Equal(l, want) {
		t.Errorf("levels %v, want %v", l, want)
	}
	r, err := c.Requirement(map[string]int{"spanish": 5, "billing": 0, "tech": 2}, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := Requirement{Needs: []Need{{0, 1}, {2, 5}, {3, 2}}, MaxPenalty: 3}
	if !slices.Equal(r.Needs, want.Needs) || r.MaxPenalty != 3 {
		t.Errorf("requirement %+v, want %+v", r, want)
	}
	if r.MetBy(l) {
		t.Error("levels lacking tech (interned after them) meet the requirement")
	}
	if !r.MetBy(Levels{1, 0, 5, 2}) || r.MetBy(Levels{1, 0, 4, 2}) {
		t.Error("MetBy misjudges the minimum level")
	}
	for _, bad := range []map[string]int{{"x": -1}, {"x": 256}} {
		if _, err := c.Levels(bad); !errors.Is(err, ErrLevelRange) {
			t.Errorf("Levels(%v): %v, want ErrLevelRange", bad, err)
		}
	}
	if _, err := c.Requirement(map[string]int{"x": 300}, 0); !errors.Is(err, ErrLevelRange) {
		t.Errorf("Requirement level 300: %v, want ErrLevelRange", err)
	}
	if _, err := c.Levels(map[string]int{"": 1}); !errors.Is(err, ErrEmptySkill) {
		t.Errorf("Levels empty name: %v, want ErrEmptySkill", err)
	}
}

func TestRelax(t *testing.T) {
	base := Requirement{Needs: []Need{{0, 8}}, MaxPenalty: 0}
	step1 := Requirement{Needs: []Need{{0, 5}}, MaxPenalty: 1}
	step2 := Requirement{Needs: nil, MaxPenalty: AnyPenalty}
	other := Requirement{Needs: []Need{{1, 1}}, MaxPenalty: 9}
	targets := []Target{{After: 30 * time.Second, Req: step1}, {After: 2 * time.Minute, Req: step2}}
	for _, tc := range []struct {
		name    string
		targets []Target
		waited  time.Duration
		want    Requirement
	}{
		{"no targets", nil, time.Hour, base},
		{"before the first", targets, 29 * time.Second, base},
		{"at the first", targets, 30 * time.Second, step1},
		{"between", targets, time.Minute, step1},
		{"after the last", targets, time.Hour, step2},
		{"unsorted", []Target{targets[1], targets[0]}, time.Minute, step1},
		{"unsorted past both", []Target{targets[1], targets[0]}, time.Hour, step2},
		{"equal After: later wins", []Target{{After: 0, Req: step1}, {After: 0, Req: other}}, 0, other},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Relax(base, tc.targets, tc.waited)
			if !slices.Equal(got.Needs, tc.want.Needs) || got.MaxPenalty != tc.want.MaxPenalty {
				t.Errorf("Relax = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestRequirementWith(t *testing.T) {
	var c Catalog
	base, _ := c.Requirement(map[string]int{"orders": 2, "billing": 1}, 3)
	extra, _ := c.Requirement(map[string]int{"orders": 4, "russian": 1}, AnyPenalty)
	got := base.With(extra.Needs)
	want, _ := c.Requirement(map[string]int{"orders": 4, "billing": 1, "russian": 1}, 3)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("With = %+v, want %+v", got, want)
	}
	if again, _ := c.Requirement(map[string]int{"orders": 2, "billing": 1}, 3); !reflect.DeepEqual(base, again) {
		t.Errorf("With changed its receiver: %+v", base)
	}
	if r := base.With(nil); !reflect.DeepEqual(r, base) {
		t.Errorf("With(nil) = %+v", r)
	}
}
