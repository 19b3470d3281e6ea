package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestStaffingCommand(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"staffing", "--calls-per-hour", "200", "--aht", "3m", "--target", "80/20", "--around", "4"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	// The textbook case: 10 Erlangs at 80/20 need 14 agents (88.8%); 13 give 79.6%.
	if !strings.Contains(out.String(), "14 agents answer 88.8%") || !strings.Contains(out.String(), "79.6%") {
		t.Fatalf("unexpected answer:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "queue grows without end") {
		t.Fatalf("10 agents on 10 Erlangs should be shown unstable:\n%s", out.String())
	}

	out.Reset()
	code = run(context.Background(), []string{"staffing", "--calls-per-hour", "200", "--aht", "3m", "--patience", "2m", "--format", "json"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var js struct {
		Model  string `json:"model"`
		Needed int    `json:"agents_needed"`
		Rows   []struct {
			Agents  int     `json:"agents"`
			Abandon float64 `json:"abandon"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(out.Bytes(), &js); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(js.Model, "Erlang A") || js.Needed < 10 || js.Needed > 13 || len(js.Rows) != 7 {
		t.Fatalf("json: %+v", js)
	}
	for i := 1; i < len(js.Rows); i++ {
		if js.Rows[i].Abandon >= js.Rows[i-1].Abandon {
			t.Fatalf("abandonment does not fall with more agents: %+v", js.Rows)
		}
	}
}

func TestStaffingBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"staffing", "--aht", "3m"}, "--calls-per-hour and --aht are required"},
		{[]string{"staffing", "--calls-per-hour", "200", "--aht", "3m", "--target", "80"}, "want PERCENT/SECONDS"},
		{[]string{"staffing", "--calls-per-hour", "200", "--aht", "3m", "--target", "x/20"}, "is not a number"},
		{[]string{"staffing", "--calls-per-hour", "-5", "--aht", "3m"}, "calls per hour must be a positive number"},
		{[]string{"staffing", "--calls-per-hour", "200", "--aht", "3m", "--max-abandon", "5"}, "--max-abandon needs --patience"},
		{[]string{"staffing", "--calls-per-hour", "200", "--aht", "3m", "--format", "xml"}, "want table, csv or json"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), tc.args, &out, &errb)
		if code != exitInvalid || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errb.String(), tc.want)
		}
	}
}
