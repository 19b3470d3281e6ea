package api

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd/report"
	"github.com/hotline-cc/hotline/store"
)

// report answers GET /api/v1/reports/{kind} (queues, agents,
// dispositions, campaigns, or queue-log: the period as an Asterisk queue_log) from the stored records; the query is report.ParseQuery's
// (from, to, interval, tz, short_abandon, format: json unless asked).
// Queues' service-level thresholds and campaigns' caps and sale
// dispositions are those of the running config.
func (s *Server) report(w http.ResponseWriter, r *http.Request) {
	if kind := r.PathValue("kind"); kind != "ivr" && kind != "queue-log" && !slices.Contains(report.Kinds, report.Kind(kind)) {
		known := make([]string, 0, len(report.Kinds)+2)
		for _, k := range report.Kinds {
			known = append(known, string(k))
		}
		writeJSON(w, http.StatusNotFound, Error{Error: fmt.Sprintf("no report %q; known: %s, ivr, queue-log", kind, strings.Join(known, ", "))})
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
	q, err := report.ParseQuery(kind, r.URL.Query(), time.Now(), s.thresholds())
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
