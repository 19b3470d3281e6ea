package config

import (
	"errors"
	"testing"
)

// A form's settings merge into an item's text: changed ones are rewritten
// (keeping a flow style and the line's comment), unchanged ones keep their
// text, empty ones go, unknown ones are refused, and settings the form does
// not send stay as written.
func TestMergeFields(t *testing.T) {
	item := "id: alice\nendpoint: sim/alice   # desk phone\nskills: {billing: 5}\nqueues: [{queue: support}]\nweight: 3 # keep\n"
	got, err := MergeFields("agents", item, map[string]any{
		"id":       "alice",
		"name":     "Alice Smith",
		"endpoint": "sim/alice",
		"skills":   map[string]any{"billing": float64(7), "french": float64(2)},
		"queues":   []any{map[string]any{"queue": "support", "penalty": float64(0)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "id: alice\nname: Alice Smith\nendpoint: sim/alice # desk phone\nskills: {billing: 7, french: 2}\nqueues: [{queue: support}]\nweight: 3 # keep\n"
	if got != want {
		t.Errorf("merged:\n%s\nwant:\n%s", got, want)
	}
	got, err = MergeFields("agents", got, map[string]any{"skills": map[string]any{}, "name": nil,
		"queues": []any{map[string]any{"penalty": float64(2), "queue": "sales"}}})
	if want := "id: alice\nendpoint: sim/alice # desk phone\nqueues: [{queue: sales, penalty: 2}]\nweight: 3 # keep\n"; err != nil || got != want {
		t.Errorf("emptied: %q %v\nwant %q", got, err, want)
	}
	got, err = MergeFields("queues", "", map[string]any{"name": "vip", "strategy": "ring-all",
		"announce": map[string]any{"position": true, "interval": "30s"}, "targets": []any{},
		"overflow": map[string]any{"action": nil, "queue": "", "message": nil}})
	if want := "name: vip\nstrategy: ring-all\nannounce:\n  interval: 30s\n  position: true\n"; err != nil || got != want {
		t.Errorf("new queue: %q %v\nwant %q", got, err, want)
	}
	if _, err := MergeFields("agents", item, map[string]any{"skils": map[string]any{}}); !errors.Is(err, ErrBadItem) {
		t.Errorf("an unknown setting: %v", err)
	}
	if _, err := MergeFields("menus", "", nil); !errors.Is(err, ErrUnknownSection) {
		t.Errorf("menus as a form: %v", err)
	}
}

// A form saved without a change leaves the item's text as it was.
func TestMergeFieldsUnchanged(t *testing.T) {
	item := "id: alice\nendpoint: sim/alice   # desk phone\nqueues: [{queue: support}]\n"
	fields, err := ItemFields(item)
	if err != nil {
		t.Fatal(err)
	}
	fields["queues"] = []any{map[string]any{"queue": "support", "penalty": float64(0)}}
	if got, err := MergeFields("agents", item, fields); err != nil || got != item {
		t.Errorf("unchanged: %q %v", got, err)
	}
}
