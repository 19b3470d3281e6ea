package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestDialerSimulateCompare(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"dialer", "simulate", "--agents", "5", "--hours", "0.5", "--compare"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"progressive", "power", "predictive", "ceiling 53.3"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestDialerSimulateBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"dialer", "simulate", "--mode", "turbo"}, `unknown dial mode "turbo"`},
		{[]string{"dialer", "simulate", "--mode", "preview"}, "nothing to pace"},
		{[]string{"dialer", "simulate", "--answer-rate", "0"}, "answer rate 0"},
		{[]string{"dialer", "simulate", "--agents", "0"}, "agents 0"},
		{[]string{"dialer", "simulate", "--hours", "-2"}, "hours -2"},
		// a day of no time printed 1e12 dials per agent-hour
		{[]string{"dialer", "simulate", "--hours", "1e-12"}, "hours 1e-12: want a minute"},
		{[]string{"dialer", "simulate", "--abandon-cap", "0"}, "--abandon-cap 0"},
		{[]string{"dialer", "simulate", "--seeds", "0"}, "--seeds 0"},
		{[]string{"dialer", "simulate", "--prior", "1.5"}, "--prior 1.5"},
		{[]string{"dialer", "simulate", "--prior", "-0.3"}, "--prior -0.3"},
		// talk drawn past time.Duration's range came out negative
		{[]string{"dialer", "simulate", "--talk", "1000000h", "--hours", "0.01"}, "talk time 1000000h0m0s"},
		{[]string{"dialer", "simulate", "--wrap", "1000000h", "--hours", "0.01"}, "wrap-up 1000000h0m0s"},
		{[]string{"dialer", "simulate", "--by-hour", "--engine"}, "--by-hour"},
		{[]string{"dialer", "simulate", "--days", "0"}, "--days 0: want 1 to 31"},
		{[]string{"dialer", "simulate", "--days", "2", "--engine"}, "--days: the engine runs one stretch"},
		{[]string{"dialer", "simulate", "--engine", "--hours", "744"}, "agent-hours, want at most 2000"},
		{[]string{"dialer", "simulate", "--days", "2", "--hours", "30"}, "--hours 30 with --days 2: want at most 24"},
		{[]string{"dialer", "simulate", "--restart-nightly"}, "--restart-nightly: restarts between days; add --days 2 or more"},
		// a flag the run would not read: the figures were those of another run
		{[]string{"dialer", "simulate", "--ratio", "3", "--hours", "0.02"}, "--ratio 3: only power mode dials a ratio; add --mode power"},
		{[]string{"dialer", "simulate", "--mode", "progressive", "--ratio", "2", "--hours", "0.02"}, "--ratio 2: only power mode"},
		{[]string{"dialer", "simulate", "--compare", "--mode", "power", "--hours", "0.02"}, "--mode power: --compare runs every mode"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), tc.args, &out, &errb); code != exitInvalid || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, errb.String(), tc.want)
		}
	}
}

func TestDialerSimulateOnEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("a simulated hour on the engine")
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"dialer", "simulate", "--agents", "3", "--hours", "0.25", "--mode", "progressive", "--engine"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "progressive") || !strings.Contains(out.String(), "0.00%") {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestDialerSimulateSeeds(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"dialer", "simulate", "--agents", "5", "--hours", "0.5", "--seeds", "3", "--seed", "4"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"seeds 4-6", "predictive", "±"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// --by-hour prints each hour of the days and the hours after the first
// together: a mean of those hours, the worst day no better than the mean.
func TestDialerSimulateByHour(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"dialer", "simulate", "--agents", "5", "--hours", "2.5", "--seeds", "2", "--by-hour"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	talk := map[string][2]float64{} // hour: mean, worst day
	after := false
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.Contains(line, "predictive by hour") {
			after = true
		}
		f := strings.Fields(line)
		if !after || len(f) != 5 || f[0] == "hour" {
			continue
		}
		var mean, worst float64
		if _, err := fmt.Sscanf(f[1]+" "+f[2], "%f %f", &mean, &worst); err != nil || worst > mean {
			t.Fatalf("row %q (%v):\n%s", line, err, out.String())
		}
		talk[f[0]] = [2]float64{mean, worst}
	}
	if len(talk) != 4 {
		t.Fatalf("want hours 1, 2, 3 (half an hour) and 2-3, got %v:\n%s", talk, out.String())
	}
	// Hours 2-3 are an hour and a half hour: their talk lies between.
	lo, hi := min(talk["2"][0], talk["3"][0]), max(talk["2"][0], talk["3"][0])
	if m := talk["2-3"][0]; m < lo-0.02 || m > hi+0.02 || math.Abs(m-(2*talk["2"][0]+talk["3"][0])/3) > 0.02 {
		t.Errorf("hours 2-3 talk %v from hour 2 %v and half hour 3 %v", m, talk["2"][0], talk["3"][0])
	}
	if !strings.Contains(out.String(), "worst day") {
		t.Errorf("no worst day:\n%s", out.String())
	}
}

// --days prints each working day and the days after the first together,
// their mean between the days it holds; --by-hour names each day's hours.
func TestDialerSimulateDays(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"dialer", "simulate", "--agents", "10", "--hours", "0.5", "--days", "3", "--seeds", "2", "--by-hour"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	talk := map[string]float64{}
	section := ""
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasSuffix(line, ":") {
			section = line
			continue
		}
		f := strings.Fields(line)
		if section == "predictive by day:" && len(f) == 5 && f[0] != "day" {
			var mean, worst float64
			if _, err := fmt.Sscanf(f[1]+" "+f[2], "%f %f", &mean, &worst); err != nil || worst > mean {
				t.Fatalf("row %q (%v):\n%s", line, err, out.String())
			}
			talk[f[0]] = mean
		}
	}
	if len(talk) != 4 {
		t.Fatalf("want days 1, 2, 3 and 2-3, got %v:\n%s", talk, out.String())
	}
	if m := talk["2-3"]; math.Abs(m-(talk["2"]+talk["3"])/2) > 0.01 {
		t.Errorf("days 2-3 talk %v from days %v and %v", m, talk["2"], talk["3"])
	}
	for _, want := range []string{"3 days of 0.5 h", "worst run", "day 3 hour 1"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// --prior sets the answer rate the pacer starts from apart from the true
// one: leads that all answer, on a campaign that expects 30 %, stay under
// the cap, and the day differs from one whose prior is right.
func TestDialerSimulatePrior(t *testing.T) {
	day := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		base := []string{"dialer", "simulate", "--agents", "20", "--hours", "0.2", "--answer-rate", "1"}
		if code := run(context.Background(), append(base, args...), &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		return out.String()
	}
	wrong, right := day("--prior", "0.3"), day()
	if !strings.Contains(wrong, "answer rate 100% (the pacer's prior 30%)") || strings.Contains(right, "prior") {
		t.Fatalf("header:\n%s\n%s", wrong, right)
	}
	if wrong == right {
		t.Fatalf("the prior changed nothing:\n%s", wrong)
	}
	for _, line := range strings.Split(wrong, "\n") {
		if f := strings.Fields(line); len(f) > 4 && f[0] == "predictive" {
			var worst float64
			if _, err := fmt.Sscanf(f[4], "%f%%", &worst); err != nil || worst > 3 {
				t.Fatalf("worst moment %q with a wrong prior (%v):\n%s", f[4], err, wrong)
			}
			return
		}
	}
	t.Fatalf("no predictive row:\n%s", wrong)
}

// A worst rate over the cap never prints as the cap: it rounds up.
func TestRoundUpWorstRate(t *testing.T) {
	for in, want := range map[float64]string{3.0004: "3.001", 2.9996: "3.000", 100 * 0.03: "3.000", 0: "0.000", 2.9991: "3.000"} {
		if got := fmt.Sprintf("%.3f", roundUp(in)); got != want {
			t.Errorf("roundUp(%v) = %s, want %s", in, got, want)
		}
	}
}

// --restart-nightly runs the days with a restart between them and says so.
func TestDialerSimulateRestartNightly(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"dialer", "simulate", "--agents", "10", "--hours", "0.5", "--days", "2", "--restart-nightly"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "2 days of 0.5 h, restarted each night") {
		t.Errorf("output does not say the days were restarted:\n%s", out.String())
	}
}
