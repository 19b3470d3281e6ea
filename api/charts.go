package api

import (
	"bytes"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
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
	opts    ChartOptions
	mu      sync.Mutex               // guards opts, drawn and drawing
	drawn   map[string]drawnChart    // by interval and team
	drawing map[string]*chartDrawing // being drawn, by the same key
}

// chartDrawing is a drawing under way, which the requests for the same
// chart wait for and share: a long period takes a while, and the other
// charts (and a reload's options) must not wait behind it.
type chartDrawing struct {
	done chan struct{}
	svg  []byte
	err  error
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
	if err := chartParams(r.URL.Query(), "interval"); err != nil {
		s.fail(w, err)
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
	loc := s.chartLocation()
	now := time.Now()
	local := now.In(loc)
	from := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	s.drawChart(w, r, chartAsk{key: string(iv), o: report.Options{From: from, To: now.Add(time.Second), Interval: iv, Location: loc}})
}

// hourlyChartTo is the longest span GET /api/v1/charts/period draws by
// hour rather than by day (the bars a chart shows: chart.MaxBars).
const hourlyChartTo = 48 * time.Hour

// chartPeriod answers GET /api/v1/charts/period: the charts of
// /api/v1/charts/today over from..to (as the reports read them, in tz or
// reports.timezone), by hour up to two days and by day beyond unless
// interval says (15m, hour or day), for one queue if asked.
func (s *Server) chartPeriod(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	if err := chartParams(v, "from", "to", "tz", "interval", "queue"); err != nil {
		s.fail(w, err)
		return
	}
	loc := s.chartLocation()
	if tz := v.Get("tz"); tz != "" {
		l, err := report.LoadZone(tz)
		if err != nil {
			s.fail(w, badRequest("%v", err))
			return
		}
		loc = l
	}
	now := time.Now()
	var from, to time.Time
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &from}, {"to", &to}} {
		val := v.Get(p.name)
		if val == "" && p.name == "to" {
			*p.dst = now
			continue
		}
		if val == "" {
			s.fail(w, badRequest("from is required (2006-01-02, 2006-01-02T15:04, RFC 3339 or a duration back from now: 24h)"))
			return
		}
		t, err := report.ParseWhen(val, loc, now)
		if err != nil {
			s.fail(w, badRequest("%s %v", p.name, err))
			return
		}
		*p.dst = t
	}
	if !to.After(from) {
		s.fail(w, badRequest("to %s is not after from %s", to.Format(time.RFC3339), from.Format(time.RFC3339)))
		return
	}
	iv := report.IntervalDay
	if to.Sub(from) <= hourlyChartTo {
		iv = report.IntervalHour
	}
	if val := v.Get("interval"); val != "" {
		var err error
		if iv, err = report.ParseInterval(val); err != nil || (iv != report.Interval15m && iv != report.IntervalHour && iv != report.IntervalDay) {
			s.fail(w, badRequest("interval %q: want 15m, hour or day", val))
			return
		}
	}
	if err := chart.TooManyBars(iv, loc, from, to); err != nil {
		s.fail(w, badRequest("%v", strings.TrimPrefix(err.Error(), "chart: ")))
		return
	}
	queue := v.Get("queue")
	ask := chartAsk{key: fmt.Sprintf("%d/%d/%s/%s/%s", from.Unix(), to.Unix(), loc, iv, queue),
		o: report.Options{From: from, To: to, Interval: iv, Location: loc}}
	if queue != "" {
		// The queue's calls, and its members (as configured now) by state.
		var members map[string][]string
		if s.eng != nil {
			if snap := s.eng.Snapshot(); snap != nil {
				members = snap.Members
			}
		}
		ask.cut = func(rep *report.Report) {
			report.CutRows(rep, func(q string) bool { return q == queue }, func(id string) bool { return slices.Contains(members[id], queue) }, nil)
		}
	}
	s.drawChart(w, r, ask)
}

// chartAsk is a chart to draw: its options (the period, interval and zone),
// what the rows are cut to, and its cache key (the team is added).
type chartAsk struct {
	key string
	o   report.Options
	cut func(*report.Report)
}

func (s *Server) chartLocation() *time.Location {
	s.charts.mu.Lock()
	defer s.charts.mu.Unlock()
	if s.charts.opts.Location == nil {
		return time.Local
	}
	return s.charts.opts.Location
}

// drawChart draws the charts of a report, or serves the same drawing made
// less than chartCacheFor ago.
func (s *Server) drawChart(w http.ResponseWriter, r *http.Request, ask chartAsk) {
	src, ok := s.rec.(report.Source)
	if !ok {
		s.fail(w, fmt.Errorf("charts: %w: this daemon keeps no store", store.ErrNotFound))
		return
	}
	tm := s.teamOf(r)
	key := ask.key
	if tm != nil {
		key += "/" + strings.Join(tm.queues, ",")
	}
	c := &s.charts
	c.mu.Lock()
	now := time.Now()
	if d, ok := c.drawn[key]; ok && now.Sub(d.at) < chartCacheFor {
		c.mu.Unlock()
		writeSVG(w, d.svg)
		return
	}
	if d := c.drawing[key]; d != nil {
		c.mu.Unlock()
		select {
		case <-d.done:
		case <-r.Context().Done():
			return
		}
		if d.err != nil {
			s.fail(w, d.err)
			return
		}
		writeSVG(w, d.svg)
		return
	}
	d := &chartDrawing{done: make(chan struct{})}
	if c.drawing == nil {
		c.drawing = map[string]*chartDrawing{}
	}
	c.drawing[key] = d
	opts := c.opts
	c.mu.Unlock()

	d.svg, d.err = s.draw(src, ask, opts, tm)
	c.mu.Lock()
	delete(c.drawing, key)
	if d.err == nil {
		// Periods asked for once would pile up: the stale drawings go.
		maps.DeleteFunc(c.drawn, func(_ string, d drawnChart) bool { return now.Sub(d.at) >= chartCacheFor })
		if c.drawn == nil {
			c.drawn = map[string]drawnChart{}
		}
		c.drawn[key] = drawnChart{svg: d.svg, at: now}
	}
	c.mu.Unlock()
	close(d.done)
	if d.err != nil {
		s.fail(w, d.err)
		return
	}
	writeSVG(w, d.svg)
}

// draw builds the report a chart asks for and draws it as SVG.
func (s *Server) draw(src report.Source, ask chartAsk, opts ChartOptions, tm *team) ([]byte, error) {
	o := ask.o
	o.ShortAbandon, o.Threshold = opts.ShortAbandon, s.thresholds()
	o.Now = time.Now() // a period that runs on past now draws no agents there
	rep, _, err := report.Build(src, o)
	if err != nil {
		return nil, err
	}
	if tm != nil {
		tm.report(rep, s.eng.Snapshot().Members)
	}
	if ask.cut != nil {
		ask.cut(rep)
	}
	var buf bytes.Buffer
	if err := chart.Write(&buf, "svg", rep, chart.Options{Target: opts.Target / 100}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
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

// chartParams refuses a chart query parameter not in known (or "_", a
// browser's cache buster) and one given twice, naming it.
func chartParams(v url.Values, known ...string) error {
	switch name, times := strayParam(v, append(known, "_"), nil); {
	case times > 1:
		return badRequest("%s given %d times: give it once", name, times)
	case name != "" && len(known) == 0:
		return badRequest("%s: unknown parameter; this takes none", name)
	case name != "":
		return badRequest("%s: unknown parameter; known: %s", name, strings.Join(known, ", "))
	}
	return nil
}
