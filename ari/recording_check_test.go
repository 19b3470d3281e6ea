package ari

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
)

var _ engine.RecordingChecker = (*Client)(nil)

// CheckRecording, asked about a recording whose RecordingFinished never
// came: one in Asterisk's store is reported with its path (also while
// Asterisk still lists it as live, done), one nowhere as failed, and one
// still running is stopped.
func TestCheckRecording(t *testing.T) {
	const name = "2026-11-30/desk/c1-alice-2"
	notFound := fakeAnswer{status: http.StatusNotFound, body: `{"message":"Recording not found"}`}
	for _, tc := range []struct {
		what          string
		live, stored  fakeAnswer
		path, request string
		failed        bool
	}{
		{what: "stored", live: notFound, stored: fakeAnswer{status: http.StatusOK, body: `{"name":"` + name + `","format":"wav"}`},
			path: "/var/spool/asterisk/recording/" + name + ".wav"},
		{what: "gone", live: notFound, stored: notFound, failed: true},
		// Asterisk lists a recording as live, done, a moment after it ended.
		{what: "live but done", live: fakeAnswer{status: http.StatusOK, body: `{"name":"` + name + `","state":"done"}`},
			stored: fakeAnswer{status: http.StatusOK, body: `{"name":"` + name + `","format":"wav"}`},
			path:   "/var/spool/asterisk/recording/" + name + ".wav"},
		{what: "live", live: fakeAnswer{status: http.StatusOK, body: `{"name":"` + name + `","state":"recording"}`},
			request: "POST /recordings/live/" + name + "/stop"},
	} {
		t.Run(tc.what, func(t *testing.T) {
			f := newFakeARI(t)
			f.answer(http.MethodGet, "/recordings/live/"+name, tc.live)
			f.answer(http.MethodGet, "/recordings/stored/"+name, tc.stored)
			c, rec := startFake(t, f)
			ctx := context.Background()
			rec.WaitFor(t, ctx, func(e pbx.Event) bool { _, ok := e.(pbx.Synced); return ok })
			if err := c.CheckRecording(ctx, name); err != nil {
				t.Fatalf("check: %v", err)
			}
			if tc.request != "" {
				if !slices.Contains(f.recorded(), tc.request) {
					t.Errorf("requests %q, want %s", f.recorded(), tc.request)
				}
				return
			}
			e := rec.WaitFor(t, ctx, func(e pbx.Event) bool { _, ok := e.(pbx.RecordingFinished); return ok }).(pbx.RecordingFinished)
			if e.Name != name || e.Path != tc.path || e.Failed != tc.failed {
				t.Errorf("reported %s, want path %q failed %v", pbxtest.Format(e), tc.path, tc.failed)
			}
		})
	}
}
