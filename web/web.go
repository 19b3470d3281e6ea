// Package web is Hotline's browser desk: the sign-in page, the agent
// desktop and the supervisor wallboard, embedded in the binary (plain HTML,
// CSS and JavaScript; no build step). The pages hold no data of their own:
// they read the API and follow the engine's change stream
// (GET /api/v1/events), so what they show is what the API allows the
// signed-in user to see.
package web

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var files embed.FS

// Handler serves the pages at / and their files at /static/.
func Handler() http.Handler {
	sub, _ := fs.Sub(files, "static")
	static := http.FileServerFS(sub)
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", static))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'")
		w.Header().Set("X-Frame-Options", "DENY")
		http.ServeFileFS(w, r, sub, "index.html")
	})
	return mux
}
