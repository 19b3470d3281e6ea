package campaign

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestRunAction(t *testing.T) {
	for _, tc := range []struct {
		from   RunState
		action string
		want   RunState
		err    error
	}{
		{Stopped, ActionStart, Running, nil},
		{Stopped, ActionStop, Stopped, nil},
		{Stopped, ActionPause, Stopped, ErrIllegalTransition},
		{Stopped, ActionResume, Stopped, ErrIllegalTransition},
		{Running, ActionStart, Running, nil},
		{Running, ActionPause, Paused, nil},
		{Running, ActionResume, Running, nil}, // a no-op, as pausing a paused one
		{Running, ActionStop, Stopped, nil},
		{Paused, ActionResume, Running, nil},
		{Paused, ActionStart, Running, nil},
		{Paused, ActionPause, Paused, nil},
		{Paused, ActionStop, Stopped, nil},
		{Running, "restart", Running, ErrUnknown},
	} {
		got, err := RunAction(tc.from, tc.action)
		if got != tc.want || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("%s %s: %s, %v; want %s, %v", tc.from, tc.action, got, err, tc.want, tc.err)
		}
	}
}

// A refused action says what the campaign is and what to do instead, not
// that a lead moved wrongly.
func TestRunActionRefusedSays(t *testing.T) {
	for _, tc := range []struct {
		from   RunState
		action string
		want   string
	}{
		{Stopped, ActionResume, "a stopped campaign cannot resume (start it): campaign: illegal transition"},
		{Stopped, ActionPause, "a stopped campaign cannot pause (start it): campaign: illegal transition"},
	} {
		if _, err := RunAction(tc.from, tc.action); err == nil || err.Error() != tc.want {
			t.Errorf("%s %s: %v, want %q", tc.from, tc.action, err, tc.want)
		}
	}
}

// Counts go out under snake_case keys like every other API body, and read
// back from those and from the field names earlier versions stored.
func TestCountsJSON(t *testing.T) {
	c := Counts{Dialed: 1, Answered: 2, Connected: 3, Abandoned: 4, Busy: 5, NoAnswer: 6, Failed: 7, Machine: 8, SkippedDNC: 9, SkippedWindow: 10, SkippedPreview: 11, SwitchShutdown: 12}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"dialed":1,"answered":2,"connected":3,"abandoned":4,"busy":5,"no_answer":6,"failed":7,"machine":8,"skipped_dnc":9,"skipped_window":10,"skipped_preview":11,"switch_shutdown":12}`
	if string(b) != want {
		t.Errorf("encoded as %s\nwant       %s", b, want)
	}
	for _, in := range []string{want, `{"Dialed":1,"Answered":2,"Connected":3,"Abandoned":4,"Busy":5,"NoAnswer":6,"Failed":7,"Machine":8,"SkippedDNC":9,"SkippedWindow":10,"SkippedPreview":11,"SwitchShutdown":12}`} {
		var got Counts
		if err := json.Unmarshal([]byte(in), &got); err != nil || got != c {
			t.Errorf("%s read as %+v, %v", in, got, err)
		}
	}
	var got Counts
	if err := json.Unmarshal([]byte(`{"dialed":2,"Dialed":1}`), &got); err != nil || got.Dialed != 2 {
		t.Errorf("both keys read as %+v, %v; the snake_case one should win", got, err)
	}
	if err := json.Unmarshal([]byte(`{"dialed":"two"}`), &got); err == nil || !strings.Contains(err.Error(), "campaign counts") {
		t.Errorf("a count that is no number: %v; want an error naming campaign counts", err)
	}
}
