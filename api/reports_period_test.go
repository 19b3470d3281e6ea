package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/store"
)

// reportServer serves a store of seedReportCalls(sales, support).
func reportServer(t *testing.T) string {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "h.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	seedReportCalls(t, db, "sales", "support")
	srv := httptest.NewServer(New(nil, db, zerolog.Nop()))
	t.Cleanup(srv.Close)
	return srv.URL
}

// seedReportCalls stores calls over three days from Jan 5 2026: each day
// at 9:00 and 10:00 UTC one answered by ann in queue answered, at 11:00
// one abandoned in queue abandoned.
func seedReportCalls(t *testing.T, db *store.DB, answered, abandoned string) {
	t.Helper()
	for day := range 3 {
		for i, queue := range []string{answered, answered, abandoned} {
			at := time.Date(2026, 1, 5+day, 9+i, 0, 0, 0, time.UTC)
			rec := &store.CallRecord{ID: at.Format("0102-15"), Direction: acd.DirectionInbound, Queue: queue, Entered: at,
				Ended: at.Add(time.Minute), Wait: 20 * time.Second, Outcome: acd.OutcomeAbandoned,
				Timeline: []store.Step{{At: at, Kind: "enqueue", Detail: queue}}}
			if i < 2 {
				rec.Outcome, rec.Answered, rec.Agent = acd.OutcomeAnswered, at.Add(20*time.Second), "ann"
			}
			if err := db.SaveCall(rec); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// The charts of a period come by hour for a day and by day for longer,
// unless the interval is asked; a bad parameter is a 400 that names it.
func TestChartPeriod(t *testing.T) {
	url := reportServer(t)
	get := func(query string) (int, string) {
		t.Helper()
		code, body := sendAs(t, "GET", url+"/api/v1/charts/period?"+query, "", nil)
		return code, body
	}
	code, day := get("from=2026-01-05&to=2026-01-06&tz=UTC")
	if code != 200 || !strings.Contains(day, "<svg") || !strings.Contains(day, "10:00") {
		t.Fatalf("one day: %d %.300s; want an SVG by hour", code, day)
	}
	code, days := get("from=2026-01-05&to=2026-01-08&tz=UTC")
	if code != 200 || !strings.Contains(days, "Tue 06 Jan") || strings.Contains(days, "10:00") {
		t.Errorf("three days: %d; want an SVG by day (Tue 06 Jan, no hours)", code)
	}
	if code, hourly := get("from=2026-01-05&to=2026-01-08&tz=UTC&interval=hour"); code != 200 || !strings.Contains(hourly, "Jan 06 00:00") {
		t.Errorf("three days by hour: %d; want hours", code)
	}
	if code, sales := get("from=2026-01-05&to=2026-01-08&tz=UTC&queue=sales"); code != 200 || sales == days {
		t.Errorf("sales alone: %d, same drawing as every queue's: %v", code, sales == days)
	}
	for _, c := range []struct{ query, want string }{
		{"to=2026-01-06", "from is required"},
		{"from=monday", `from \"monday\"`},
		{"from=2026-01-05&to=soon", `to \"soon\"`},
		{"from=2026-01-06&to=2026-01-05", "is not after from"},
		{"from=2026-01-05&tz=Mars/Olympus", `tz \"Mars/Olympus\"`},
		{"from=2026-01-05&tz=Local", `Local would be the server's`},
		{"from=2026-01-05&to=2026-01-06&interval=week", `interval \"week\"`},
		{"from=2026-01-01&to=2026-03-01&interval=15m", "interval 15m"},
		// Ten million bars: refused before they are listed (it took 800 MB).
		{"from=1900-01-01&to=2199-12-31&interval=15m", "interval 15m: more than 744 bars"},
		{"from=2026-01-05&agent=ann", "agent: unknown parameter"},
		{"from=2026-01-05&queue=sales&queue=support", "queue given 2 times"},
	} {
		if code, body := get(c.query); code != http.StatusBadRequest || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s; want 400 with %s", c.query, code, body, c.want)
		}
	}
}

// GET /api/v1/reports lists every report GET /api/v1/reports/{kind}
// serves, with the filters each takes; a report's rows are cut to the
// filter's queue, agent or campaign, and a filter a report has no column
// for is a 400 that names it.
func TestReportKindsAndFilters(t *testing.T) {
	url := reportServer(t)
	code, body := sendAs(t, "GET", url+"/api/v1/reports", "", nil)
	var kinds []ReportKind
	if err := json.Unmarshal([]byte(body), &kinds); code != 200 || err != nil {
		t.Fatalf("GET reports: %d %s %v", code, body, err)
	}
	if code, body := sendAs(t, "GET", url+"/api/v1/reports?kind=agents", "", nil); code != 400 || !strings.Contains(body, "kind: unknown parameter; this takes none") {
		t.Errorf("GET reports?kind=agents: %d %s; want 400 naming kind", code, body)
	}
	var names []string
	for _, k := range kinds {
		names = append(names, k.Kind)
		query := "?from=2026-01-05&to=2026-01-08&tz=UTC"
		for _, p := range k.Params {
			if p.Name == "queue" || p.Name == "agent" || p.Name == "campaign" || p.Name == "flow" {
				query += "&" + p.Name + "=x"
			}
		}
		if code, body := sendAs(t, "GET", url+"/api/v1/reports/"+k.Kind+query, "", nil); code != 200 {
			t.Errorf("listed %s%s: %d %s", k.Kind, query, code, body)
		}
	}
	if want := []string{"queues", "agents", "dispositions", "campaigns", "ivr", "queue-log"}; !slices.Equal(names, want) {
		t.Errorf("kinds %v, want %v", names, want)
	}
	var rep struct {
		Rows   []struct{ Queue string } `json:"rows"`
		Totals []struct {
			Queue   string `json:"queue"`
			Offered int    `json:"offered"`
		} `json:"totals"`
	}
	_, body = sendAs(t, "GET", url+"/api/v1/reports/queues?from=2026-01-05&to=2026-01-08&tz=UTC&interval=day&queue=sales", "", nil)
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 3 || len(rep.Totals) != 1 || rep.Totals[0].Queue != "sales" || rep.Totals[0].Offered != 6 {
		t.Errorf("sales alone: %s", body)
	}
	for _, c := range []struct{ path, want string }{
		{"queues?agent=ann", "agent: the queues report is not cut by agent; its filters: queue"},
		{"agents?campaign=spring", "campaign: the agents report is not cut by campaign; its filters: agent"},
		{"ivr?queue=sales", "queue: the ivr report is not cut by queue; its filters: flow"},
		{"queues?quue=sales", `query parameter \"quue\": the queues report reads from, to, tz, interval`},
		{"queues?queue=sales&queue=support", `query parameter \"queue\" given 2 times`},
		{"queue-log?interval=day", `query parameter \"interval\": the queue-log report reads from, to, tz`},
	} {
		code, body := sendAs(t, "GET", url+"/api/v1/reports/"+c.path+"&from=2026-01-05&to=2026-01-08", "", nil)
		if code != http.StatusBadRequest || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s; want 400 with %s", c.path, code, body, c.want)
		}
	}
}

// A report asked without tz or short_abandon takes the config's
// (reports.timezone, reports.short_abandon, set with SetChartOptions), as
// hotline report does and the wallboard's charts did: the API cut its days
// at UTC midnight. A query's own tz still wins.
func TestReportTakesTheConfigsZone(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "h.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	seedReportCalls(t, db, "sales", "support")
	h := New(nil, db, zerolog.Nop())
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	h.SetChartOptions(ChartOptions{Location: tokyo, ShortAbandon: 30 * time.Second})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	get := func(q string) map[string]any {
		code, body := sendAs(t, "GET", srv.URL+"/api/v1/reports/queues?"+q, "", nil)
		var rep map[string]any
		if code != 200 || json.Unmarshal([]byte(body), &rep) != nil {
			t.Fatalf("%s: %d %s", q, code, body)
		}
		return rep
	}
	rep := get("from=2026-01-05&to=2026-01-08&interval=day")
	if rep["timezone"] != "Asia/Tokyo" || rep["short_abandon_s"] != 30.0 {
		t.Errorf("defaults: timezone %v, short_abandon_s %v; want Asia/Tokyo and 30", rep["timezone"], rep["short_abandon_s"])
	}
	if rep := get("from=2026-01-05&to=2026-01-08&interval=day&tz=UTC"); rep["timezone"] != "UTC" {
		t.Errorf("tz=UTC asked: timezone %v", rep["timezone"])
	}
}
