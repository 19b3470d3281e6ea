package campaign

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestLeadPreviewReservation: a lead shown to an agent is held for them
// until its reservation ends, and the hold survives a round trip through
// JSON (the store's form); dialing or skipping it ends the hold, a skip
// keeps its state and attempts; a lead that cannot be dialed cannot be
// shown or skipped.
func TestLeadPreviewReservation(t *testing.T) {
	l := Lead{ID: "l1", State: Scheduled, Attempts: 1, NextAttempt: t0.Add(-time.Minute)}
	if got := l.ReservedFor(t0); got != "" {
		t.Fatalf("a lead never shown is reserved for %q", got)
	}
	r, err := Reserve(l, "a1", t0.Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Lead
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   time.Time
		want string
	}{{t0, "a1"}, {t0.Add(29 * time.Second), "a1"}, {t0.Add(30 * time.Second), ""}, {t0.Add(time.Hour), ""}} {
		if got := back.ReservedFor(c.at); got != c.want {
			t.Errorf("reserved at %s: %q, want %q", c.at.Sub(t0), got, c.want)
		}
	}

	d, err := StartDial(back, t0.Add(time.Second))
	if err != nil || d.State != Dialing || d.Attempts != 2 || d.PreviewAgent != "" || !d.PreviewUntil.IsZero() {
		t.Errorf("dialed: %+v %v; want dialing, attempt 2, no reservation", d, err)
	}
	s, err := Skip(back, t0.Add(5*time.Minute), SkipNote{Agent: "a1", At: t0, Reason: "wrong person"})
	if err != nil || s.State != Scheduled || s.Attempts != 1 || !s.NextAttempt.Equal(t0.Add(5*time.Minute)) || s.ReservedFor(t0) != "" {
		t.Errorf("skipped: %+v %v; want scheduled, 1 attempt, next in 5 min, no reservation", s, err)
	}
	if rl := Release(back); rl.ReservedFor(t0) != "" || rl.NextAttempt != back.NextAttempt || rl.State != back.State {
		t.Errorf("released: %+v", rl)
	}

	done := Lead{ID: "l2", State: Done}
	if _, err := Reserve(done, "a1", t0.Add(time.Minute)); !errors.Is(err, ErrIllegalTransition) {
		t.Errorf("a done lead shown: %v", err)
	}
	if _, err := Skip(Lead{ID: "l3", State: Dialing}, t0, SkipNote{}); !errors.Is(err, ErrIllegalTransition) {
		t.Errorf("a dialing lead skipped: %v", err)
	}
	if _, err := Reserve(l, "", t0.Add(time.Minute)); err == nil {
		t.Error("a reservation for no agent was accepted")
	}
}

// A skip is counted under its reason and remembered as the lead's last,
// through JSON too; a second skip adds to the counts without touching the
// first lead's map (leads are passed by value).
func TestSkipCountsReasons(t *testing.T) {
	l := Lead{ID: "l1", State: New}
	a, err := Skip(l, t0, SkipNote{Agent: "a1", At: t0, Reason: "wrong person", Note: "a fax"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Skip(a, t0, SkipNote{Agent: "a2", At: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Skip(b, t0, SkipNote{Reason: "wrong person"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Skips["wrong person"] != 1 || len(a.Skips) != 1 || b.Skips[""] != 1 || c.Skips["wrong person"] != 2 || c.Skips[""] != 1 {
		t.Fatalf("skips: %v then %v then %v", a.Skips, b.Skips, c.Skips)
	}
	data, _ := json.Marshal(a)
	var back Lead
	if err := json.Unmarshal(data, &back); err != nil || back.LastSkip == nil || *back.LastSkip != *a.LastSkip || back.Skips["wrong person"] != 1 {
		t.Fatalf("round trip: %+v %v", back, err)
	}
	var counts LeadCounts
	counts.Count(c, t0)
	counts.Count(a, t0)
	if counts.Skips["wrong person"] != 3 || counts.Skips[""] != 1 {
		t.Fatalf("counted: %v", counts.Skips)
	}
}

// A skip's reason must be one of the campaign's (and given, when the
// campaign requires one); a note is bounded and plain text. Each refusal
// names its field.
func TestSkipRuleCheck(t *testing.T) {
	rule := SkipRule{Reasons: []string{"wrong person", "already customer"}}
	for _, c := range []struct {
		rule         SkipRule
		reason, note string
		field        string // "" = accepted
	}{
		{rule, "", "", ""},
		{rule, "wrong person", "  his brother  ", ""},
		{rule, "already customer", strings.Repeat("é", MaxSkipNote), ""},
		{rule, "Wrong person", "", "reason"},
		{rule, "timeout", "", "reason"},
		{rule, "wrong\x00person", "", "reason"},
		{rule, strings.Repeat("x", 500), "", "reason"},
		{rule, "", strings.Repeat("é", MaxSkipNote+1), "note"},
		{rule, "", "two\nlines", ""},                   // a note may span lines, as a contact's notes do
		{rule, "", "می\u200cخواهم با او صحبت کنم", ""}, // Persian: a zero-width non-joiner between letters
		{rule, "", "👩\u200d💻 busy", ""},
		{rule, "", "al\u200dice", "note"},
		{rule, "", "lun\u200bch", "note"},
		{rule, "wrong\nperson", "", "reason"},
		{SkipRule{Reasons: []string{"شخص\u200cدیگر"}}, "شخص\u200cدیگر", "", ""},
		{rule, "", "evil \u202egnp.exe", "note"},
		{rule, "", "bad \xff utf-8", "note"},
		{SkipRule{Reasons: rule.Reasons, Required: true}, "", "only a note", "reason"},
		{SkipRule{Reasons: rule.Reasons, Required: true}, "wrong person", "", ""},
		{SkipRule{}, "anything", "", "reason"},
	} {
		note, err := c.rule.Check(c.reason, c.note)
		var se *SkipError
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%q %q refused: %v", c.reason, c.note, err)
		case c.field == "" && note != strings.TrimSpace(c.note):
			t.Errorf("%q: note %q", c.note, note)
		case c.field != "" && (!errors.As(err, &se) || se.Field != c.field || !errors.Is(err, ErrBadSkip) || !strings.Contains(err.Error(), `field "`+c.field+`"`)):
			t.Errorf("%q %q: %v, want field %s refused", c.reason, c.note, err, c.field)
		}
	}
}

// A refused skip names the field and the character's position in it.
func TestSkipRuleCheckMessages(t *testing.T) {
	rule := SkipRule{Reasons: []string{"wrong person"}}
	for _, c := range []struct{ reason, note, want string }{
		{"", "al\u200dice", `field "note": holds the zero-width joiner U+200D at character 3, allowed only after`},
		{"", "ok \u202egnp.exe", `field "note": holds the direction control character U+202E at character 4`},
		{"", "a\x00", `field "note": holds the control character U+0000 at character 2`},
		{"wrong\nperson", "", `field "reason": holds the line break U+000A at character 6; a reason is one line`},
		{"wrong\tperson", "", `field "reason": holds the tab U+0009 at character 6; a reason is one line`},
		{"x\u200by", "", `field "reason": holds the invisible formatting character U+200B at character 2`},
	} {
		_, err := rule.Check(c.reason, c.note)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q %q: %v, want %q...", c.reason, c.note, err, c.want)
		}
	}
}

// A lead keeps its latest MaxSkipHistory skips, oldest first, each with
// who, when and why; a lead stored when only the last skip was kept reads
// that one as its history and keeps it under the next skip. A skip leaves
// the history of the lead it was given untouched.
func TestSkipHistory(t *testing.T) {
	old := Lead{ID: "l1", State: New, Skips: map[string]int{"wrong person": 1}}
	if err := json.Unmarshal([]byte(`{"id":"l1","state":"new","skips":{"wrong person":1},"last_skip":{"agent":"a1","at":"2026-03-01T09:00:00Z","reason":"wrong person"}}`), &old); err != nil {
		t.Fatal(err)
	}
	first := SkipNote{Agent: "a1", At: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), Reason: "wrong person"}
	if got := old.SkipLog(); len(got) != 1 || got[0] != first {
		t.Fatalf("the old lead's history: %+v, want its last skip", got)
	}
	l := old
	var notes []SkipNote
	for i := range MaxSkipHistory + 3 {
		n := SkipNote{Agent: fmt.Sprintf("a%d", i%3), At: t0.Add(time.Duration(i) * time.Minute), Reason: "busy line", Note: fmt.Sprint("try ", i)}
		before := slices.Clone(l.SkipLog())
		next, err := Skip(l, t0, n)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(l.SkipLog(), before) {
			t.Fatalf("skip %d changed the history of the lead it was given", i)
		}
		l, notes = next, append(notes, n)
		if i == 0 {
			if got := l.SkipLog(); len(got) != 2 || got[0] != first || got[1] != n {
				t.Fatalf("after the old lead's next skip: %+v", got)
			}
		}
	}
	got := l.SkipLog()
	if want := notes[len(notes)-MaxSkipHistory:]; !slices.Equal(got, want) {
		t.Fatalf("history after %d skips: %+v\nwant the last %d: %+v", len(notes)+1, got, MaxSkipHistory, want)
	}
	if l.Skips["busy line"] != MaxSkipHistory+3 || l.Skips["wrong person"] != 1 || *l.LastSkip != notes[len(notes)-1] {
		t.Errorf("counts %v, last %+v", l.Skips, l.LastSkip)
	}
	data, _ := json.Marshal(l)
	var back Lead
	if err := json.Unmarshal(data, &back); err != nil || !slices.Equal(back.SkipLog(), got) {
		t.Fatalf("round trip: %+v %v", back.SkipHistory, err)
	}
}
