package api

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hotline-cc/hotline/store"
)

// Writes reports how the store's writes fare; *store.Writer has it.
type Writes interface {
	Failing() bool
	Err() error
	Queued() int
	FailuresByReason() map[string]uint64
}

var _ Writes = (*store.Writer)(nil)

// WatchWrites makes /healthz and /metrics report w. Call it before serving.
func (s *Server) WatchWrites(w Writes) { s.writes = w }

// StoreHealth is the store part of /healthz.
type StoreHealth struct {
	// Failing is true while the last commit failed: the records wait in
	// memory (Queued) and are retried.
	Failing bool   `json:"failing"`
	Reason  string `json:"reason,omitempty"` // store.FailureReason of Error
	Error   string `json:"error,omitempty"`
	Queued  int    `json:"queued"`
}

func storeHealth(w Writes) *StoreHealth {
	h := &StoreHealth{Failing: w.Failing(), Queued: w.Queued()}
	if err := w.Err(); err != nil {
		h.Reason, h.Error = store.FailureReason(err), err.Error()
	}
	return h
}

var (
	descWriteFailures = prometheus.NewDesc("hotline_store_write_failures_total",
		"Store commits that failed (and were kept for retry), by reason: no-space, quota, read-only, io, corrupt, other.",
		[]string{"reason"}, nil)
	descWritesFailing = prometheus.NewDesc("hotline_store_failing",
		"1 while the last store commit failed and records wait in memory, else 0.", nil, nil)
	descWritesQueued = prometheus.NewDesc("hotline_store_queued_ops",
		"Store writes waiting to be committed.", nil, nil)
)

// writesCollector exports the store writer's failures.
type writesCollector struct{ s *Server }

func (c writesCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descWriteFailures
	ch <- descWritesFailing
	ch <- descWritesQueued
}

func (c writesCollector) Collect(ch chan<- prometheus.Metric) {
	w := c.s.writes
	if w == nil {
		return
	}
	for reason, n := range w.FailuresByReason() {
		ch <- prometheus.MustNewConstMetric(descWriteFailures, prometheus.CounterValue, float64(n), reason)
	}
	failing := 0.0
	if w.Failing() {
		failing = 1
	}
	ch <- prometheus.MustNewConstMetric(descWritesFailing, prometheus.GaugeValue, failing)
	ch <- prometheus.MustNewConstMetric(descWritesQueued, prometheus.GaugeValue, float64(w.Queued()))
}
