package api

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

var (
	descWaiting   = prometheus.NewDesc("hotline_queue_waiting", "Callers waiting in the queue now.", []string{"queue"}, nil)
	descLongest   = prometheus.NewDesc("hotline_queue_longest_wait_seconds", "Longest current wait.", []string{"queue"}, nil)
	descOffered   = prometheus.NewDesc("hotline_queue_offered_total", "Calls that entered the queue.", []string{"queue"}, nil)
	descAnswered  = prometheus.NewDesc("hotline_queue_answered_total", "Calls answered by an agent.", []string{"queue"}, nil)
	descAbandoned = prometheus.NewDesc("hotline_queue_abandoned_total", "Callers who hung up while waiting.", []string{"queue"}, nil)
	descSL        = prometheus.NewDesc("hotline_queue_service_level_ratio", "Share answered within the service level.", []string{"queue"}, nil)
	descAgents    = prometheus.NewDesc("hotline_agents", "Agents by state.", []string{"state"}, nil)
	descWarnings  = prometheus.NewDesc("hotline_warnings_total", "Counted problems by kind.", []string{"kind"}, nil)
	descStreams   = prometheus.NewDesc("hotline_event_streams", "Open /api/v1/events streams.", nil, nil)
	descResyncs   = prometheus.NewDesc("hotline_event_resyncs_total", "Times an event stream fell behind and was sent a snapshot instead of the changes it missed.", nil, nil)
	descReloads   = prometheus.NewDesc("hotline_config_reloads_total", "Config reloads by result (applied, refused).", []string{"result"}, nil)
)

// collector reads the engine's published snapshot at scrape time: a scrape
// never waits on the engine goroutine.
type collector struct {
	eng  Engine
	s    *Server
	team *team // nil: every queue and agent
}

// metricsHandler answers GET /metrics. A team supervisor's scrape has the
// team's queues and agents only; the process-wide figures (the link, store
// writes, warnings, event streams, reloads) name no queue, agent or caller
// and are everyone's.
func (s *Server) metricsHandler() http.Handler {
	handler := func(t *team) http.Handler {
		reg := prometheus.NewRegistry()
		reg.MustRegister(&collector{eng: s.eng, s: s, team: t}, linkCollector{s}, writesCollector{s})
		return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	}
	all := handler(nil)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if t := s.teamOf(r); t != nil {
			handler(t).ServeHTTP(w, r)
			return
		}
		all.ServeHTTP(w, r)
	})
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descWaiting, descLongest, descOffered, descAnswered, descAbandoned, descSL, descAgents,
		descWarnings, descStreams, descResyncs, descReloads} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	st := c.eng.Snapshot().Status
	if c.team != nil {
		st = c.team.status(st)
	}
	for _, q := range st.Queues {
		ch <- prometheus.MustNewConstMetric(descWaiting, prometheus.GaugeValue, float64(q.Waiting), q.Name)
		ch <- prometheus.MustNewConstMetric(descLongest, prometheus.GaugeValue, q.LongestWait.Seconds(), q.Name)
		ch <- prometheus.MustNewConstMetric(descOffered, prometheus.CounterValue, float64(q.Offered), q.Name)
		ch <- prometheus.MustNewConstMetric(descAnswered, prometheus.CounterValue, float64(q.Answered), q.Name)
		ch <- prometheus.MustNewConstMetric(descAbandoned, prometheus.CounterValue, float64(q.Abandoned), q.Name)
		ch <- prometheus.MustNewConstMetric(descSL, prometheus.GaugeValue, q.ServiceLevel, q.Name)
	}
	states := map[string]int{"logged-out": 0, "available": 0, "ringing": 0, "on-call": 0, "wrap-up": 0, "paused": 0}
	for _, a := range st.Agents {
		states[a.State]++
	}
	for s, n := range states {
		ch <- prometheus.MustNewConstMetric(descAgents, prometheus.GaugeValue, float64(n), s)
	}
	for k, n := range st.Warnings {
		ch <- prometheus.MustNewConstMetric(descWarnings, prometheus.CounterValue, float64(n), k)
	}
	hs := c.eng.HubStats()
	ch <- prometheus.MustNewConstMetric(descStreams, prometheus.GaugeValue, float64(hs.Subscribers))
	ch <- prometheus.MustNewConstMetric(descResyncs, prometheus.CounterValue, float64(hs.Resyncs))
	ch <- prometheus.MustNewConstMetric(descReloads, prometheus.CounterValue, float64(c.s.reloads[0].Load()), "applied")
	ch <- prometheus.MustNewConstMetric(descReloads, prometheus.CounterValue, float64(c.s.reloads[1].Load()), "refused")
}
