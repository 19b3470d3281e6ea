package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hotline-cc/hotline/acd/pbx"
)

// fixedLink is a switch link whose state the test sets.
type fixedLink struct{ st pbx.LinkState }

func (l *fixedLink) LinkState() pbx.LinkState { return l.st }

func TestHealthzReportsLink(t *testing.T) {
	since := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)
	link := &fixedLink{st: pbx.LinkState{Since: since, Error: "ws: handshake refused: 127.0.0.1:8088 answered 503 Service Unavailable", Attempts: 3}}
	s := &Server{}
	get := func() (int, Health) {
		t.Helper()
		w := httptest.NewRecorder()
		s.healthz(w, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		var h Health
		if err := json.Unmarshal(w.Body.Bytes(), &h); err != nil {
			t.Fatalf("/healthz body %q: %v", w.Body.String(), err)
		}
		return w.Code, h
	}
	if code, h := get(); code != http.StatusOK || h.Status != "ok" || h.PBX != nil {
		t.Errorf("without a link: %d %+v, want 200 ok", code, h)
	}

	s.WatchLink(link)
	code, h := get()
	if code != http.StatusServiceUnavailable || h.Status != "pbx-link-down" || h.PBX == nil ||
		h.PBX.Up || !h.PBX.Since.Equal(since) || !strings.Contains(h.PBX.Error, "503") || h.PBX.Attempts != 3 {
		t.Errorf("link down: %d %+v %+v, want 503 pbx-link-down with since, error, attempts", code, h, h.PBX)
	}
	if got := linkUp(t, s); got != 0 {
		t.Errorf("hotline_pbx_link_up while down = %v, want 0", got)
	}

	link.st = pbx.LinkState{Up: true, Since: since.Add(time.Minute)}
	if code, h := get(); code != http.StatusOK || h.Status != "ok" || h.PBX == nil || !h.PBX.Up {
		t.Errorf("link up: %d %+v, want 200 ok with the link", code, h)
	}
	if got := linkUp(t, s); got != 1 {
		t.Errorf("hotline_pbx_link_up while up = %v, want 1", got)
	}
	if got := linkUp(t, &Server{}); got != -1 {
		t.Errorf("without a link the collector exports hotline_pbx_link_up = %v, want nothing", got)
	}
}

// linkUp scrapes hotline_pbx_link_up from s's link collector; -1 = absent.
func linkUp(t *testing.T, s *Server) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(linkCollector{s})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "hotline_pbx_link_up" && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return -1
}
