package chart

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/hotline-cc/hotline/acd/report"
)

// Collect sums queues and agents per interval, leaves the service level of
// an interval without calls undefined, and keeps empty intervals.
func TestCollect(t *testing.T) {
	h := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	q := func(start time.Time, name string, offered, answered, abandoned, inSL int) report.QueueRow {
		return report.QueueRow{Start: start, End: start.Add(time.Hour), Queue: name, Offered: offered, Answered: answered, Abandoned: abandoned, InSL: inSL}
	}
	r := &report.Report{From: h, To: h.Add(3 * time.Hour), Location: "UTC", Interval: report.IntervalHour}
	r.Rows.Queues = []report.QueueRow{q(h, "a", 10, 8, 1, 6), q(h, "b", 5, 4, 1, 4), q(h.Add(2*time.Hour), "a", 3, 3, 0, 3)}
	r.Rows.Agents = []report.AgentRow{
		{Start: h, End: h.Add(time.Hour), Agent: "x", OnCall: 1800, Available: 1800},
		{Start: h, End: h.Add(time.Hour), Agent: "y", OnCall: 3600},
	}
	s, err := Collect(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Starts) != 3 || s.Offered[0] != 15 || s.Answered[0] != 12 || s.Abandoned[0] != 2 || s.Other[0] != 1 || s.Offered[1] != 0 {
		t.Errorf("volume %+v", s)
	}
	if s.SLOffered[0] != 100*10.0/14 || s.SLAnswered[0] != 100*10.0/12 || !math.IsNaN(s.SLOffered[1]) || s.SLOffered[2] != 100 {
		t.Errorf("service level %v %v", s.SLOffered, s.SLAnswered)
	}
	if s.OnCall[0] != 1.5 || s.Available[0] != 0.5 || s.OnCall[1] != 0 {
		t.Errorf("agents on call %v available %v", s.OnCall, s.Available)
	}
	var b bytes.Buffer
	if err := Write(&b, "svg", r, Options{Target: 0.8}); err != nil || !strings.Contains(b.String(), "target 80%") {
		t.Errorf("svg: %v", err)
	}
	if _, err := Format("day.gif"); !errors.Is(err, ErrFormat) {
		t.Errorf("gif: %v", err)
	}
}

// The interval under way when the report ends (today's chart, drawn at
// 09:10) counts its agents over the part that has passed: two agents on
// calls since 09:00 are two, not a third of one for the hour still to come.
func TestCollectIntervalUnderWay(t *testing.T) {
	h := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	r := &report.Report{From: h.Add(-9 * time.Hour), To: h.Add(10 * time.Minute), Location: "UTC", Interval: report.IntervalHour}
	r.Rows.Agents = []report.AgentRow{
		{Start: h.Add(-time.Hour), End: h, Agent: "x", OnCall: 1800},
		{Start: h, End: h.Add(time.Hour), Agent: "x", OnCall: 600},
		{Start: h, End: h.Add(time.Hour), Agent: "y", OnCall: 300, Paused: 300},
	}
	s, err := Collect(r)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.Starts); n != 10 || s.OnCall[8] != 0.5 || s.OnCall[9] != 1.5 || s.Paused[9] != 0.5 {
		t.Errorf("%d intervals; on call 08:00 %v, 09:00 %v, paused 09:00 %v; want 0.5, 1.5, 0.5", n, s.OnCall[8], s.OnCall[9], s.Paused[9])
	}
}

// A day with no call yet (the wallboard at opening time) draws its count
// and agent axes from 0 up, not from -1 to 1 around nothing.
func TestEmptyChartsStartAtZero(t *testing.T) {
	h := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	s, err := Collect(&report.Report{From: h, To: h.Add(3 * time.Hour), Location: "UTC", Interval: report.IntervalHour})
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]*plot.Plot{"volume": volume(s, "", vg.Points(10)), "agents": agents(s, vg.Points(10))} {
		if p.Y.Min != 0 || p.Y.Max <= 0 {
			t.Errorf("%s: y from %v to %v, want from 0 up", name, p.Y.Min, p.Y.Max)
		}
	}
}

// A period that starts inside an interval (--from 09:30 by hour) counts the
// first bar's agents over the half hour inside it, and one that runs on
// past now (Until) counts the last bar's up to now: an agent on a call
// throughout is one agent in both, not a half.
func TestCollectClipsToPeriodAndNow(t *testing.T) {
	h := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	r := &report.Report{From: h.Add(30 * time.Minute), To: h.Add(3 * time.Hour), Until: h.Add(90 * time.Minute),
		Location: "UTC", Interval: report.IntervalHour}
	r.Rows.Agents = []report.AgentRow{
		{Start: h, End: h.Add(time.Hour), Agent: "x", OnCall: 1800},
		{Start: h.Add(time.Hour), End: h.Add(2 * time.Hour), Agent: "x", OnCall: 1800},
	}
	s, err := Collect(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Starts) != 3 || s.OnCall[0] != 1 || s.OnCall[1] != 1 || s.OnCall[2] != 0 {
		t.Errorf("%d bars, on call %v; want 3 bars, 1 1 0", len(s.Starts), s.OnCall)
	}
	// The whole period as one bar: 30 min on call of the hour that passed.
	r.Interval = report.IntervalPeriod
	r.Rows.Agents = []report.AgentRow{{Start: r.From, End: r.To, Agent: "x", OnCall: 1800}}
	if s, err = Collect(r); err != nil || s.OnCall[0] != 0.5 {
		t.Errorf("period: on call %v (%v), want 0.5", s.OnCall, err)
	}
}
