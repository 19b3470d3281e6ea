package api

import (
	"bytes"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd/report"
	"github.com/hotline-cc/hotline/store"
)

// report answers GET /api/v1/reports/{kind} (queues, agents,
// dispositions, campaigns, or queue-log: the period as an Asterisk queue_log) from the stored records; the query is report.ParseQuery's
// (from, to, interval, tz, short_abandon, format: json unless asked),
// and the kind's filter (report.Filters).
// Queues' service-level thresholds and campaigns' caps and sale
// dispositions are those of the running config.
func (s *Server) report(w http.ResponseWriter, r *http.Request) {
	kinds := reportKinds()
	if kind := r.PathValue("kind"); !slices.ContainsFunc(kinds, func(k ReportKind) bool { return k.Kind == kind }) {
		known := make([]string, 0, len(kinds))
		for _, k := range kinds {
			known = append(known, k.Kind)
		}
		writeJSON(w, http.StatusNotFound, Error{Error: fmt.Sprintf("no report %q; known: %s", kind, strings.Join(known, ", "))})
		return
	}
	if err := checkReportQuery(kinds, r.PathValue("kind"), r.URL.Query()); err != nil {
		s.fail(w, err)
		return
	}
	src, ok := s.rec.(report.Source)
	if !ok {
		s.fail(w, fmt.Errorf("reports: %w: this daemon keeps no store", store.ErrNotFound))
		return
	}
	kind := r.PathValue("kind")
	if kind == "ivr" {
		s.reportIVR(w, r, src)
		return
	}
	queueLog := kind == "queue-log"
	if queueLog {
		kind = string(report.KindQueues) // for the period; the log has no rows or format
	}
	f, err := report.ParseFilter(r.PathValue("kind"), r.URL.Query())
	if err != nil {
		s.fail(w, badRequest("%v", err))
		return
	}
	if tz := r.URL.Query().Get("tz"); tz != "" {
		if _, err := report.LoadZone(tz); err != nil {
			s.fail(w, badRequest("%v", err))
			return
		}
	}
	q, err := report.ParseQuery(kind, s.reportDefaults(r.URL.Query()), time.Now(), s.thresholds())
	if err != nil {
		s.fail(w, badRequest("%v", err))
		return
	}
	if queueLog {
		var buf bytes.Buffer
		_, skipped, err := report.WriteQueueLog(&buf, src, q.Options.From, q.Options.To)
		if err != nil {
			s.fail(w, err)
			return
		}
		if skipped > 0 {
			w.Header().Set(SkippedHeader, strconv.Itoa(skipped))
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		out := buf.Bytes()
		if t := s.teamOf(r); t != nil {
			out = t.queueLog(out, s.eng.Snapshot().Members)
		}
		_, _ = w.Write(out)
		return
	}
	if q.Format == "" {
		q.Format = report.FormatJSON
	}
	q.Options.Now = time.Now()
	if sc := s.teams.Load(); sc != nil {
		q.Options.Campaigns = report.CampaignRules(sc.cfg.Campaigns)
	}
	rep, skipped, err := report.Build(src, q.Options)
	if err != nil {
		s.fail(w, err)
		return
	}
	if t := s.teamOf(r); t != nil {
		t.report(rep, s.eng.Snapshot().Members)
	}
	f.Cut(rep)
	var buf bytes.Buffer
	if err := report.Write(&buf, rep, q.Kind, q.Format); err != nil {
		s.fail(w, err)
		return
	}
	if skipped > 0 {
		w.Header().Set(SkippedHeader, strconv.Itoa(skipped))
	}
	w.Header().Set("Content-Type", map[string]string{report.FormatJSON: "application/json",
		report.FormatCSV: "text/csv; charset=utf-8", report.FormatTable: "text/plain; charset=utf-8"}[q.Format])
	_, _ = w.Write(buf.Bytes())
}

// checkReportQuery refuses a parameter the report of kind does not read
// (a filter it has no column for, a typo) or one given twice, naming it.
func checkReportQuery(kinds []ReportKind, kind string, v url.Values) error {
	i := slices.IndexFunc(kinds, func(k ReportKind) bool { return k.Kind == kind })
	names := make([]string, len(kinds[i].Params))
	for j, p := range kinds[i].Params {
		names[j] = p.Name
	}
	name, times := strayParam(v, names, nil)
	switch {
	case name == "":
		return nil
	case times > 1:
		return badRequest("query parameter %q given %d times: give it once", name, times)
	case slices.Contains([]string{"queue", "agent", "campaign", "flow"}, name):
		known := "none"
		if fs := report.Filters[kind]; len(fs) > 0 {
			known = strings.Join(fs, ", ")
		}
		return badRequest("%s: the %s report is not cut by %s; its filters: %s", name, kind, name, known)
	}
	return badRequest("query parameter %q: the %s report reads %s", name, kind, strings.Join(names, ", "))
}

// ReportKind is one report GET /api/v1/reports/{kind} gives: what it
// counts, the formats it is written in and the query it takes.
type ReportKind struct {
	Kind    string        `json:"kind"`
	Summary string        `json:"summary"`
	Formats []string      `json:"formats"`
	Params  []ReportParam `json:"params"`
}

// ReportParam is one query parameter of a report.
type ReportParam struct {
	Name     string   `json:"name"`
	Summary  string   `json:"summary"`
	Required bool     `json:"required,omitempty"`
	Values   []string `json:"values,omitempty"` // the closed set it takes, when it has one
}

// reportKinds lists the reports in the order the page offers them.
func reportKinds() []ReportKind {
	when := "2006-01-02, 2006-01-02T15:04 (in tz), RFC 3339, or a duration back from now (24h)"
	period := []ReportParam{
		{Name: "from", Summary: "start of the period: " + when, Required: true},
		{Name: "to", Summary: "end of the period, not included (default now after a duration from): " + when},
		{Name: "tz", Summary: "IANA time zone of the dates and the intervals (default the config's reports.timezone, else UTC)"},
	}
	tables := []string{report.FormatJSON, report.FormatCSV, report.FormatTable}
	counted := append(slices.Clone(period),
		ReportParam{Name: "interval", Summary: "length of the rows (default one row for the whole period)",
			Values: []string{string(report.IntervalPeriod), string(report.Interval15m), string(report.IntervalHour),
				string(report.IntervalDay), string(report.IntervalWeek), string(report.IntervalMonth)}},
		ReportParam{Name: "short_abandon", Summary: "callers who hung up sooner are counted apart, not as abandoned (a duration: 5s)"},
		ReportParam{Name: "format", Summary: "json (default), csv or table", Values: tables})
	filter := map[string]string{
		"queue":    "only this queue's rows",
		"agent":    "only this agent's rows",
		"campaign": "only this campaign's rows",
		"flow":     "only this IVR flow's nodes",
	}
	summary := map[string]string{
		string(report.KindQueues):       "calls offered, answered and abandoned, service level, waits and handling time per queue",
		string(report.KindAgents):       "calls offered, answered and missed, talk, hold and wrap-up, time by state, occupancy per agent",
		string(report.KindDispositions): "calls per disposition and queue",
		string(report.KindCampaigns):    "dials, contacts, connected, abandoned against the cap, sales and talk per outbound campaign",
		"ivr":                           "visits, exits, timeouts and invalid keys per IVR node",
	}
	var out []ReportKind
	for _, k := range report.Kinds {
		out = append(out, ReportKind{Kind: string(k), Summary: summary[string(k)], Formats: tables, Params: counted})
	}
	ivrParams := append(slices.Clone(period), ReportParam{Name: "format", Summary: "json (default), csv or table", Values: tables})
	ivrParams[0].Required = false // without from it counts every stored call
	out = append(out, ReportKind{Kind: "ivr", Summary: summary["ivr"], Formats: tables, Params: ivrParams})
	for i := range out {
		out[i].Params = slices.Clone(out[i].Params)
		for _, name := range report.Filters[out[i].Kind] {
			out[i].Params = append(out[i].Params, ReportParam{Name: name, Summary: filter[name]})
		}
	}
	out = append(out, ReportKind{Kind: "queue-log", Summary: "the period as an Asterisk queue_log, for tools that read Asterisk's queues",
		Formats: []string{"text"}, Params: period})
	return out
}

// reports answers GET /api/v1/reports: the kinds of report, each with the
// formats it is written in and the query parameters it takes.
func (s *Server) reports(w http.ResponseWriter, r *http.Request) {
	if err := chartParams(r.URL.Query()); err != nil {
		s.fail(w, err) // it takes none: a kind or period here is a mistaken URL
		return
	}
	writeJSON(w, http.StatusOK, reportKinds())
}

// reportDefaults fills in a report query's zone and short abandons from
// the config (reports.timezone, reports.short_abandon) when it does not
// give them, as hotline report does: the API's days were cut at UTC
// midnight while the wallboard's charts used the config's zone.
func (s *Server) reportDefaults(v url.Values) url.Values {
	s.charts.mu.Lock()
	o := s.charts.opts
	s.charts.mu.Unlock()
	v = maps.Clone(v)
	if v.Get("tz") == "" && o.Location != nil && o.Location.String() != "Local" {
		v.Set("tz", o.Location.String())
	}
	if v.Get("short_abandon") == "" && o.ShortAbandon > 0 {
		v.Set("short_abandon", o.ShortAbandon.String())
	}
	return v
}
