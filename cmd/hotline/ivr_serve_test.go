package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/acd/speech"
)

func ivrServeConfig(t *testing.T) config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(ivrTestConfig), "hotline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Speech.Prompts = t.TempDir()
	return cfg
}

// At start the flows' fixed texts are rendered, and a missing tool stops
// serve naming the flow and node that needs it.
func TestStartPrompts(t *testing.T) {
	if err := speech.CheckTools(); err != nil {
		t.Skip(err)
	}
	cfg := ivrServeConfig(t)
	p, err := startPrompts(context.Background(), cfg, zerolog.Nop())
	if err != nil || p == nil {
		t.Fatalf("start: %v, %v", p, err)
	}
	if m, ready := p.Media("en", "Open nine to six."); !ready || !strings.HasPrefix(m, "file:"+cfg.Speech.Prompts) {
		t.Errorf("a fixed text is not ready at start: %q %v", m, ready)
	}
	files, _ := filepath.Glob(filepath.Join(cfg.Speech.Prompts, "*.wav"))
	if len(files) != 5 {
		t.Errorf("%d prompts rendered, want 5: %v", len(files), files)
	}
	// Served to the switch beside the API, and nothing else under /prompts/.
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "api") })
	srv := httptest.NewServer(withPrompts(api, p))
	defer srv.Close()
	for path, want := range map[string]int{
		"/prompts/" + filepath.Base(files[0]): 200, "/prompts/../hotline.db": 404, "/prompts/": 404, "/api/v1/status": 200,
	} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want || want == 200 && strings.HasPrefix(path, "/prompts/") && string(body[:4]) != "RIFF" {
			t.Errorf("GET %s: %d %.20q, want %d", path, resp.StatusCode, body, want)
		}
	}
	// Cacheable by the switch, and revalidated cheaply: Asterisk's media
	// cache downloads a prompt served without a lifetime for every playback
	// and deletes the copy a concurrent playback is about to open.
	resp, err := http.Get(srv.URL + "/prompts/" + filepath.Base(files[0]))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	etag := resp.Header.Get("ETag")
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=86400") || etag == "" {
		t.Errorf("prompt served with Cache-Control %q, ETag %q; want a day's max-age and an ETag", cc, etag)
	}
	req, _ := http.NewRequest(http.MethodHead, srv.URL+"/prompts/"+filepath.Base(files[0]), nil)
	req.Header.Set("If-None-Match", etag)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNotModified {
		t.Errorf("revalidating with the ETag: %v %v, want 304", resp, err)
	} else {
		resp.Body.Close()
	}
	if resp, err := http.Get(srv.URL + "/prompts/" + strings.Repeat("0", 24) + ".wav"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("a prompt never rendered: %v %v, want 404", resp, err)
	} else {
		resp.Body.Close()
	}

	// A stale file and no tools to render it again: a clear error at start.
	if err := os.WriteFile(files[0], []byte("RIFF"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", t.TempDir())
	_, err = startPrompts(context.Background(), cfg, zerolog.Nop())
	if !errors.Is(err, speech.ErrPromptTool) || !strings.Contains(err.Error(), "flows.") || !strings.Contains(err.Error(), "espeak-ng not found") {
		t.Errorf("no tools at start: %v", err)
	}
}

// serve keeps the flows' fixed prompts and sweeps those rendered per call
// once old, those an earlier run left too: they stayed forever, a file per
// call, each speaking that caller's data.
func TestServeSweepsPerCallPrompts(t *testing.T) {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Skip("espeak-ng not installed")
	}
	cfg, err := config.Parse([]byte(ivrTestConfig), "hotline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := &speech.Prompts{Dir: t.TempDir(), Speed: 150}
	n, err := preparePrompts(t.Context(), cfg, p, nil)
	if err != nil || n.rendered == 0 {
		t.Fatalf("prepare: %+v, %v", n, err)
	}
	perCall := "Your order 4711 is on its way."
	if _, err := p.Render(t.Context(), "en", perCall); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * perCallPromptLife)
	entries, _ := os.ReadDir(p.Dir)
	for _, e := range entries {
		if err := os.Chtimes(filepath.Join(p.Dir, e.Name()), old, old); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // one sweep, at once
	sweepPrompts(ctx, p, zerolog.Nop())
	left, _ := os.ReadDir(p.Dir)
	name, _ := p.File("en", perCall)
	if len(left) != len(entries)-1 || slices.ContainsFunc(left, func(e os.DirEntry) bool { return e.Name() == name }) {
		t.Errorf("after the sweep %d of %d files are left, the per-call one (%s) among them: %v", len(left), len(entries), name, left)
	}
}
