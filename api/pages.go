package api

import "github.com/hotline-cc/hotline/web"

// servePages mounts the browser desk (package web). The pages are public:
// they hold no data, and every request they make for data is checked.
func (s *Server) servePages() {
	h := web.Handler()
	s.mux.Handle("GET /{$}", h)
	s.mux.Handle("GET /static/", h)
}
