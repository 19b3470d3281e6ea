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

// TestStaffingNearTheLoad: with a load a hair under the agents the mean
// wait is beyond any clock; the table says so (it printed a negative wait).
func TestStaffingNearTheLoad(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"staffing", "--calls-per-hour", "3599.9999999999", "--aht", "5s", "--around", "2"}, &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "over 292 years") || strings.Contains(out.String(), "-2562047h") {
		t.Errorf("exit %d: %s%s", code, out.String(), errb.String())
	}
	out.Reset()
	code = run(context.Background(), []string{"staffing", "--calls-per-hour", "3599.9999999999", "--aht", "5s", "--around", "2", "--format", "json"}, &out, &errb)
	if code != 0 || strings.Contains(out.String(), `"asa_seconds": -`) {
		t.Errorf("json: exit %d: %s%s", code, out.String(), errb.String())
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
		{[]string{"staffing", "--calls-per-hour", "-5", "--aht", "3m"}, "--calls-per-hour -5: want more than 0 calls an hour"},
		// Given as 0, a flag is not missing: the message names the value.
		{[]string{"staffing", "--calls-per-hour", "0", "--aht", "3m"}, "--calls-per-hour 0: want more than 0 calls an hour"},
		{[]string{"staffing", "--calls-per-hour", "200", "--aht", "0s"}, "--aht 0s: want a handle time above 0"},
		// 120/20 is no share of 1.2: the percent is named as written.
		{[]string{"staffing", "--calls-per-hour", "200", "--aht", "3m", "--target", "120/20"}, `--target "120/20": percent 120: want more than 0 and less than 100`},
		{[]string{"staffing", "--calls-per-hour", "200", "--aht", "3m", "--target", "0/20"}, `--target "0/20": percent 0: want more than 0`},
		{[]string{"staffing", "--calls-per-hour", "200", "--aht", "3m", "--max-abandon", "5"}, "--max-abandon needs --patience"},
		{[]string{"staffing", "--calls-per-hour", "200", "--aht", "3m", "--format", "xml"}, "want table, csv or json"},
		{[]string{"staffing", "--calls-per-hour", "200", "--aht", "3m", "--target", "80/1e300"}, `seconds "1e300" is beyond what Hotline counts`},
		{[]string{"staffing", "--calls-per-hour", "200", "--aht", "3m", "--target", "80/NaN"}, `seconds "NaN" is not a number`},
		{[]string{"staffing", "--calls-per-hour", "1e-322", "--aht", "3m", "--patience", "1m"}, "calls per hour must be at least 1e-06"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), tc.args, &out, &errb)
		if code != exitInvalid || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errb.String(), tc.want)
		}
	}
}
