package api

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hotline-cc/hotline/acd/pbx"
)

// Link reports the state of the link to the switch; the ARI client has it.
type Link interface {
	LinkState() pbx.LinkState
}

// WatchLink makes /healthz and /metrics report l. Call it before serving.
func (s *Server) WatchLink(l Link) { s.link = l }

// Health is the body of /healthz.
type Health struct {
	Status string         `json:"status"` // "ok", "pbx-link-down" or "store-failing"
	PBX    *pbx.LinkState `json:"pbx_link,omitempty"`
	Store  *StoreHealth   `json:"store,omitempty"`
}

// healthz answers 200 while Hotline can take calls and 503 while its link
// to the switch is down or its records cannot be written, saying why.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	h := Health{Status: "ok"}
	code := http.StatusOK
	if s.link != nil {
		ls := s.link.LinkState()
		h.PBX = &ls
		if !ls.Up {
			h.Status, code = "pbx-link-down", http.StatusServiceUnavailable
		}
	}
	if s.writes != nil {
		h.Store = s.storeHealth(s.writes)
		if h.Store.Failing && code == http.StatusOK {
			h.Status, code = "store-failing", http.StatusServiceUnavailable
		}
	}
	writeJSON(w, code, h)
}

var descLinkUp = prometheus.NewDesc("hotline_pbx_link_up", "1 while the link to the switch is up, else 0.", nil, nil)

// linkCollector exports the link state.
type linkCollector struct{ s *Server }

func (c linkCollector) Describe(ch chan<- *prometheus.Desc) { ch <- descLinkUp }

func (c linkCollector) Collect(ch chan<- prometheus.Metric) {
	if c.s.link == nil {
		return
	}
	up := 0.0
	if c.s.link.LinkState().Up {
		up = 1
	}
	ch <- prometheus.MustNewConstMetric(descLinkUp, prometheus.GaugeValue, up)
}
