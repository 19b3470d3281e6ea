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
	// UnreadableAtStart counts, by bucket, the saved records serve left out
	// at its start because they could not be read (an agent's state, a
	// callback request: hotline store check names them); they stay out
	// until the store is repaired and Hotline restarted.
	UnreadableAtStart map[string]int `json:"unreadable_at_start,omitempty"`
}

// NoteUnreadableAtStart makes /healthz and /metrics report the saved
// records left out at start (serve read them with engine.LoadSaved).
func (s *Server) NoteUnreadableAtStart(skipped []*store.DecodeError) {
	m := map[string]int{}
	for _, de := range skipped {
		m[de.Bucket]++
	}
	s.unreadable.Store(&m)
}

func (s *Server) storeHealth(w Writes) *StoreHealth {
	h := storeHealth(w)
	if m := s.unreadable.Load(); m != nil && len(*m) > 0 {
		h.UnreadableAtStart = *m
	}
	return h
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
	descUnreadableAtStart = prometheus.NewDesc("hotline_store_unreadable_at_start",
		"Saved records left out at start because they could not be read, by bucket (agents, callbacks, ...): see hotline store check.",
		[]string{"bucket"}, nil)
)

// writesCollector exports the store writer's failures.
type writesCollector struct{ s *Server }

func (c writesCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descWriteFailures
	ch <- descWritesFailing
	ch <- descWritesQueued
	ch <- descUnreadableAtStart
}

func (c writesCollector) Collect(ch chan<- prometheus.Metric) {
	if m := c.s.unreadable.Load(); m != nil {
		for bucket, n := range *m {
			ch <- prometheus.MustNewConstMetric(descUnreadableAtStart, prometheus.GaugeValue, float64(n), bucket)
		}
	}
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
