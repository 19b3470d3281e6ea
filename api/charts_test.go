package api

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx/farend"
)

// The wallboard's chart of today is SVG drawn from the stored records,
// once per interval for every wallboard within the cache time.
func TestChartToday(t *testing.T) {
	d := newTestDaemon(t, browserYAML)
	d.api.SetChartOptions(ChartOptions{Location: time.UTC, Target: 80})
	if err := d.sw.SetPhone("sim/alice", farend.Phone{Mode: farend.PhoneAnswer, AnswerDelay: 50 * time.Millisecond, HangupAfter: 100 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if code, body := post(t, d.srv.URL+"/api/v1/agents/alice/login", ""); code != 200 {
		t.Fatalf("login: %d %s", code, body)
	}
	if _, err := d.sw.PlaceCall(farend.CallScript{From: "555", To: "100"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		for _, q := range d.rt.Snapshot().Queues {
			if q.Answered > 0 && len(d.rt.Snapshot().Calls) == 0 {
				return true
			}
		}
		return false
	}, "the call to be answered and over")
	get := func(query string) (int, string, string) {
		resp, err := http.Get(d.srv.URL + "/api/v1/charts/today" + query)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	code, ctype, svg := get("?interval=15m")
	if code != 200 || ctype != "image/svg+xml" || !strings.Contains(svg, "<svg") || !strings.Contains(svg, "Service level") {
		t.Fatalf("chart: %d %s %.200s", code, ctype, svg)
	}
	if _, _, again := get("?interval=15m"); again != svg {
		t.Error("a second wallboard within the cache time got another drawing")
	}
	if code, _, body := get("?interval=week"); code != 400 || !strings.Contains(body, "15m or hour") {
		t.Errorf("interval week: %d %s", code, body)
	}
	// A parameter it does not take is named, as the other charts do.
	if code, _, body := get("?interval=hour&from=2026-01-01"); code != 400 || !strings.Contains(body, "from: unknown parameter; known: interval") {
		t.Errorf("from on today's chart: %d %s", code, body)
	}
}
