package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/store"
)

// fullDisk is a store.Target that fails with ENOSPC until freed.
type fullDisk struct {
	mu   sync.Mutex // guards full
	full bool
}

func (d *fullDisk) Write([]store.Op) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.full {
		return &fs.PathError{Op: "write", Path: "/var/lib/hotline/hotline.db", Err: syscall.ENOSPC}
	}
	return nil
}

func (d *fullDisk) Call(string) (*store.CallRecord, error) { return nil, store.ErrNotFound }

func (d *fullDisk) set(full bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.full = full
}

func TestHealthzReportsFailingWrites(t *testing.T) {
	disk := &fullDisk{full: true}
	w := store.NewWriter(disk, store.WriterOptions{RetryMin: time.Millisecond, RetryMax: time.Millisecond})
	w.Start()
	t.Cleanup(func() { _ = w.Close(context.Background()) })
	s := &Server{}
	s.WatchWrites(w)
	if _, err := w.Submit(store.PutCall(&store.CallRecord{ID: "c1", Direction: acd.DirectionInbound, Entered: time.Now(),
		Outcome: acd.OutcomeAnswered})); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !w.Failing() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	get := func() (int, Health) {
		t.Helper()
		rec := httptest.NewRecorder()
		s.healthz(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		var h Health
		if err := json.Unmarshal(rec.Body.Bytes(), &h); err != nil {
			t.Fatalf("/healthz body %q: %v", rec.Body.String(), err)
		}
		return rec.Code, h
	}
	code, h := get()
	if code != http.StatusServiceUnavailable || h.Status != "store-failing" || h.Store == nil ||
		h.Store.Reason != store.ReasonNoSpace || h.Store.Queued != 1 {
		t.Errorf("disk full: %d %+v %+v, want 503 store-failing, no-space, 1 queued", code, h, h.Store)
	}
	m := scrapeWrites(t, s)
	if m[`hotline_store_write_failures_total{reason="no-space"}`] < 1 || m["hotline_store_failing"] != 1 {
		t.Errorf("metrics while the disk is full: %v", m)
	}

	disk.set(false)
	deadline = time.Now().Add(30 * time.Second)
	for w.Failing() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if code, h := get(); code != http.StatusOK || h.Status != "ok" || h.Store == nil || h.Store.Failing || h.Store.Queued != 0 {
		t.Errorf("disk freed: %d %+v %+v, want 200 ok, nothing queued", code, h, h.Store)
	}
	if m := scrapeWrites(t, s); m["hotline_store_failing"] != 0 || m["hotline_store_queued_ops"] != 0 {
		t.Errorf("metrics once the disk is freed: %v", m)
	}
	if _, h := get(); h.Store.UnreadableAtStart != nil {
		t.Errorf("nothing left out at start, yet %v", h.Store.UnreadableAtStart)
	}

	// Records serve left out at its start are reported, healthy all the
	// same: the callbacks among them will not be called back.
	s.NoteUnreadableAtStart([]*store.DecodeError{{Bucket: "callbacks", Key: "cb-1"}, {Bucket: "callbacks", Key: "cb-2"}, {Bucket: "agents", Key: "alice"}})
	if code, h := get(); code != http.StatusOK || h.Status != "ok" || h.Store.UnreadableAtStart["callbacks"] != 2 || h.Store.UnreadableAtStart["agents"] != 1 {
		t.Errorf("after records left out at start: %d %+v %+v", code, h, h.Store)
	}
	if m := scrapeWrites(t, s); m[`hotline_store_unreadable_at_start{bucket="callbacks"}`] != 2 || m[`hotline_store_unreadable_at_start{bucket="agents"}`] != 1 {
		t.Errorf("metrics after records left out at start: %v", m)
	}
}

// scrapeWrites gathers the writes collector into name{labels} -> value.
func scrapeWrites(t *testing.T, s *Server) map[string]float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(writesCollector{s})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			name := mf.GetName()
			for _, l := range m.GetLabel() {
				name += "{" + l.GetName() + `="` + l.GetValue() + `"}`
			}
			switch {
			case m.GetCounter() != nil:
				out[name] = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				out[name] = m.GetGauge().GetValue()
			}
		}
	}
	return out
}

// A change made while the store fails is answered 507 with what happened,
// not 503, which clients and proxies repeat: a repeated request could make
// the change twice.
func TestNotSavedIsNotRetryable(t *testing.T) {
	s := &Server{log: zerolog.Nop()}
	rec := httptest.NewRecorder()
	s.fail(rec, fmt.Errorf("%w: the store is failing (disk full); it is saved once writes succeed again", engine.ErrNotSaved))
	if rec.Code != http.StatusInsufficientStorage || !strings.Contains(rec.Body.String(), "saved once writes succeed") {
		t.Errorf("%d %s, want 507 saying the change is saved later", rec.Code, rec.Body)
	}
}
