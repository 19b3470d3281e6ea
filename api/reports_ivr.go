package api

import (
	"bytes"
	"net/http"
	"time"

	"github.com/hotline-cc/hotline/acd/report"
	"github.com/hotline-cc/hotline/store"
)

// reportIVR answers GET /api/v1/reports/ivr: the IVR flows' figures
// (report.FigureIVR) over from..to (either may be left out; tz reads them),
// for one flow if asked, as JSON unless format says csv or table. A team
// supervisor's counts the calls that reached the team's queues or agents.
func (s *Server) reportIVR(w http.ResponseWriter, r *http.Request, src report.Source) {
	q := r.URL.Query()
	loc := time.UTC
	if tz := q.Get("tz"); tz != "" {
		l, err := report.LoadZone(tz)
		if err != nil {
			s.fail(w, badRequest("%v", err))
			return
		}
		loc = l
	}
	var f store.Filter
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := q.Get(p.name); v != "" {
			t, err := report.ParseWhen(v, loc, time.Now())
			if err != nil {
				s.fail(w, badRequest("%s %v", p.name, err))
				return
			}
			*p.dst = t
		}
	}
	format := q.Get("format")
	if format == "" {
		format = report.FormatJSON
	}
	calls := src.Calls(f)
	if t := s.teamOf(r); t != nil {
		calls = t.records(s.eng.Snapshot().Members, calls)
	}
	figures, err := report.FigureIVR(calls, q.Get("flow"))
	if err != nil {
		s.fail(w, err)
		return
	}
	var buf bytes.Buffer
	if err := report.WriteIVR(&buf, figures, format); err != nil {
		s.fail(w, badRequest("%v", err))
		return
	}
	w.Header().Set("Content-Type", map[string]string{report.FormatJSON: "application/json",
		report.FormatCSV: "text/csv; charset=utf-8", report.FormatTable: "text/plain; charset=utf-8"}[format])
	_, _ = w.Write(buf.Bytes())
}
