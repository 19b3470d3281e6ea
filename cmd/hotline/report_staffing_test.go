package main

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/report"
	"github.com/hotline-cc/hotline/acd/staffing"
)

func TestStaffingCheckRows(t *testing.T) {
	h := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	rep := &report.Report{From: h, To: h.Add(2 * time.Hour), Location: "UTC", Interval: report.IntervalHour}
	rep.Rows.Queues = []report.QueueRow{
		// 9:00: two queues sharing 10 agents, 180 calls, 3 min each
		{Start: h, End: h.Add(time.Hour), Queue: "a", Offered: 100, Answered: 90, Abandoned: 10, InSL: 72, Handled: 90,
			WaitAnswered: 900, Handle: 90 * 180},
		{Start: h, End: h.Add(time.Hour), Queue: "b", Offered: 80, Answered: 80, InSL: 70, Handled: 80, WaitAnswered: 400, Handle: 80 * 180},
	}
	for i := range 11 {
		rep.Rows.Agents = append(rep.Rows.Agents,
			report.AgentRow{Start: h, End: h.Add(time.Hour), Agent: string(rune('a' + i)), LoggedIn: 3600, Paused: report.Seconds(3600.0 / 11)},
			report.AgentRow{Start: h.Add(time.Hour), End: h.Add(2 * time.Hour), Agent: string(rune('a' + i)), LoggedIn: 3600})
	}
	target := staffing.Target{Share: 0.8, Within: 20 * time.Second}
	rows := staffingCheck(rep, target, 0)
	if len(rows) != 2 {
		t.Fatalf("%d rows: %+v", len(rows), rows)
	}
	r := rows[0]
	tr := staffing.Traffic{CallsPerHour: 180, AHT: 3 * time.Minute}
	best, _ := staffing.Agents(tr, target, 0)
	model, _ := staffing.Model(tr, 10, target.Within) // 10 staffed: 11 agents, an eleventh of their time paused
	if r.CallsPerHour != 180 || r.AHTSeconds != 180 || math.Abs(r.Staffed-10) > 1e-6 || r.Needed != best.Agents ||
		r.SL != 142.0/180 || r.ASASeconds != 1300.0/170 || r.Abandon != 10.0/180 ||
		r.ModelSL != model.ServiceLevel || r.ModelASA != model.ASA.Seconds() {
		t.Errorf("9:00: %+v\nwant 180 calls/h, AHT 180 s, 10 staffed, %d needed, model SL %v ASA %v", r, best.Agents, model.ServiceLevel, model.ASA)
	}
	if r.Note != fmt.Sprintf("understaffed by %d", best.Agents-10) {
		t.Errorf("9:00 note %q", r.Note)
	}
	if rows[1].Needed != 0 || rows[1].Note != "no calls handled" || rows[1].Staffed != 11 {
		t.Errorf("10:00: %+v", rows[1])
	}
}

// A call that overflowed from one queue into another is one call, not two;
// a period that starts inside an hour measures that hour from its start,
// and the hours after now are left out.
func TestStaffingCheckOverflowAndClipping(t *testing.T) {
	h := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	rep := &report.Report{From: h.Add(30 * time.Minute), To: h.Add(3 * time.Hour), Until: h.Add(90 * time.Minute),
		Location: "UTC", Interval: report.IntervalHour}
	rep.Rows.Queues = []report.QueueRow{
		// 09:30-10:00: 60 calls, 20 of them overflowed from a into b
		{Start: h, End: h.Add(time.Hour), Queue: "a", Offered: 60, Answered: 40, Overflowed: 20, Handled: 40, Handle: 40 * 60},
		{Start: h, End: h.Add(time.Hour), Queue: "b", Offered: 20, OverflowIn: 20, Answered: 20, Handled: 20, Handle: 20 * 60},
		// 10:00-10:30 (now): 30 calls
		{Start: h.Add(time.Hour), End: h.Add(2 * time.Hour), Queue: "a", Offered: 30, Answered: 30, Handled: 30, Handle: 30 * 60},
	}
	for _, start := range []time.Time{h, h.Add(time.Hour), h.Add(2 * time.Hour)} {
		rep.Rows.Agents = append(rep.Rows.Agents, report.AgentRow{Start: start, End: start.Add(time.Hour), Agent: "x", LoggedIn: 1800})
	}
	rows := staffingCheck(rep, staffing.Target{Share: 0.8, Within: 20 * time.Second}, 0)
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 09:00 and 10:00 (11:00 is ahead): %+v", len(rows), rows)
	}
	if rows[0].CallsPerHour != 120 || rows[0].Staffed != 1 || rows[1].CallsPerHour != 60 || rows[1].Staffed != 1 {
		t.Errorf("calls/h %v %v, staffed %v %v; want 120 60, 1 1", rows[0].CallsPerHour, rows[1].CallsPerHour, rows[0].Staffed, rows[1].Staffed)
	}
}

func TestStaffingCheckOnSimulatedDay(t *testing.T) {
	path, _ := dayStore(t)
	code, out, errOut := hotline(t, nil, "staffing", "--from", "2026-01-05T10:00", "--to", "2026-01-05T18:00", "--tz", "Europe/Berlin",
		"--store", path, "--format", "json", "--target", "80/20")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rows []staffingCheckRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 8 {
		t.Fatalf("%d hourly rows, want 8", len(rows))
	}
	for _, r := range rows {
		if r.CallsPerHour < 50 || r.Staffed < 5 || r.Staffed > 10 || r.Needed < 1 || r.ModelSL <= 0 || r.ModelSL > 1 {
			t.Errorf("%s: %+v", r.Start, r)
		}
	}
	code, _, errOut = hotline(t, nil, "staffing", "--from", "2026-01-05", "--to", "2026-01-06", "--calls-per-hour", "100", "--store", path)
	if code != exitInvalid || !strings.Contains(errOut, "leave out --calls-per-hour") {
		t.Errorf("--from with --calls-per-hour: exit %d: %s", code, errOut)
	}
}

// The check's CSV escapes its note, the one text column, and writes its
// figures as they are, a negative one too.
func TestStaffingCheckCSVFormulaCells(t *testing.T) {
	h := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	var b strings.Builder
	err := writeStaffingCheckCSV(&b, []staffingCheckRow{{Start: h, CallsPerHour: 12, Staffed: -0.5, Needed: 2, Note: "-1 agent: =SUM(1)"}})
	want := "start,calls_per_hour,aht_s,staffed,needed,sl,model_sl,asa_s,model_asa_s,abandon,model_abandon,note\n" +
		"2026-01-05T09:00:00Z,12.0000,0.0000,-0.5000,2,0.0000,0.0000,0.0000,0.0000,0.0000,0.0000,'-1 agent: =SUM(1)\n"
	if err != nil || b.String() != want {
		t.Errorf("csv (%v):\n%s\nwant:\n%s", err, b.String(), want)
	}
}
