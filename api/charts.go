package api

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/acd/report"
	"github.com/hotline-cc/hotline/acd/report/chart"
	"github.com/hotline-cc/hotline/store"
)

// ChartOptions are what the wallboard's charts take from the config.
type ChartOptions struct {
	Location     *time.Location // the call center's zone (reports.timezone); nil = the machine's
	Target       float64        // service-level target in percent (reports.service_level_target); 0 = none drawn
	ShortAbandon time.Duration  // reports.short_abandon
}

// chartCacheFor is how long a drawn chart is served to every wallboard
// before it is drawn again: many open wallboards cost one report.
const chartCacheFor = 10 * time.Second

// charts holds the options and the last drawn chart per interval.
type charts struct {
	opts  ChartOptions
	mu    sync.Mutex            // guards drawn
	drawn map[string]drawnChart // by interval and team
}

type drawnChart struct {
	svg []byte
	at  time.Time
}

// SetChartOptions sets the wallboard charts' zone, target and short abandon.
func (s *Server) SetChartOptions(o ChartOptions) {
	s.charts.mu.Lock()
	defer s.charts.mu.Unlock()
	s.charts.opts = o
	s.charts.drawn = nil
}

// chartToday answers GET /api/v1/charts/today: calls offered, answered and
// abandoned per interval since midnight, service level against the target,
// and agents by state, as SVG drawn from the stored records (the same
// charts as `hotline report --chart`). interval is 15m or hour (default).
func (s *Server) chartToday(w http.ResponseWriter, r *http.Request) {
	src, ok := s.rec.(report.Source)
	if !ok {
		s.fail(w, fmt.Errorf("charts: %w: this daemon keeps no store", store.ErrNotFound))
		return
	}
	iv := report.IntervalHour
	if v := r.URL.Query().Get("interval"); v != "" {
		var err error
		if iv, err = report.ParseInterval(v); err != nil || (iv != report.Interval15m && iv != report.IntervalHour) {
			s.fail(w, badRequest("interval %q: want 15m or hour", v))
			return
		}
	}
	tm := s.teamOf(r)
	key := string(iv)
	if tm != nil {
		key += "/" + strings.Join(tm.queues, ",")
	}
	c := &s.charts
	c.mu.Lock()
	defer c.mu.Unlock() // one drawing at a time; the others wait for it and share it
	now := time.Now()
	if d, ok := c.drawn[key]; ok && now.Sub(d.at) < chartCacheFor {
		writeSVG(w, d.svg)
		return
	}
	loc := c.opts.Location
	if loc == nil {
		loc = time.Local
	}
	local := now.In(loc)
	from := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	rep, _, err := report.Build(src, report.Options{From: from, To: now.Add(time.Second), Interval: iv, Location: loc,
		ShortAbandon: c.opts.ShortAbandon, Threshold: s.thresholds()})
	if err != nil {
		s.fail(w, err)
		return
	}
	if tm != nil {
		tm.report(rep, s.eng.Snapshot().Members)
	}
	var buf bytes.Buffer
	if err := chart.Write(&buf, "svg", rep, chart.Options{Target: c.opts.Target / 100}); err != nil {
		s.fail(w, err)
		return
	}
	if c.drawn == nil {
		c.drawn = map[string]drawnChart{}
	}
	c.drawn[key] = drawnChart{svg: buf.Bytes(), at: now}
	writeSVG(w, buf.Bytes())
}

func writeSVG(w http.ResponseWriter, svg []byte) {
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(svg)
}

// thresholds are the running queues' service-level thresholds.
func (s *Server) thresholds() func(queue string) time.Duration {
	th := map[string]time.Duration{}
	if s.eng != nil {
		if snap := s.eng.Snapshot(); snap != nil {
			for _, q := range snap.Queues {
				th[q.Name] = q.SLThreshold
			}
		}
	}
	return func(queue string) time.Duration {
		if d, ok := th[queue]; ok {
			return d
		}
		return report.DefaultThreshold
	}
}
