package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/store"
)

func TestReportQueues(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "h.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	day := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	// The fourth call's agent is a name a spreadsheet would run.
	dde := "=cmd|' /C calc'!A0"
	for i, outcome := range []acd.Outcome{acd.OutcomeAnswered, acd.OutcomeAnswered, acd.OutcomeAbandoned, acd.OutcomeAnswered} {
		at := day.Add(time.Duration(i) * 40 * time.Minute)
		rec := &store.CallRecord{ID: string(rune('a' + i)), Direction: acd.DirectionInbound, Queue: "sales", Entered: at,
			Ended: at.Add(time.Minute), Wait: 30 * time.Second, Outcome: outcome,
			Timeline: []store.Step{{At: at, Kind: "enqueue", Detail: "sales"}}}
		if outcome == acd.OutcomeAnswered {
			rec.Answered, rec.Agent = at.Add(30*time.Second), "ann"
		}
		if i == 3 {
			rec.Agent = dde
		}
		if err := db.SaveCall(rec); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(New(nil, db, zerolog.Nop()))
	defer srv.Close()

	if local, err := http.Get(srv.URL + "/api/v1/reports/queues?from=2026-01-05&to=2026-01-06&tz=Local"); err != nil || local.StatusCode != http.StatusBadRequest {
		t.Errorf("tz=Local (the daemon's zone, unseen by the asker): %v %v, want 400", local.Status, err)
	}
	resp, err := http.Get(srv.URL + "/api/v1/reports/queues?from=2026-01-05&to=2026-01-06&interval=hour&tz=UTC")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET reports/queues = %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	var got struct {
		Rows []struct {
			Start     time.Time `json:"start"`
			Offered   int       `json:"offered"`
			Answered  int       `json:"answered"`
			Abandoned int       `json:"abandoned"`
		} `json:"rows"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	// calls at 9:00, 9:40 (answered), 10:20 (abandoned) and 11:00 (answered)
	if len(got.Rows) != 3 || got.Rows[0].Offered != 2 || got.Rows[0].Answered != 2 || got.Rows[1].Abandoned != 1 || got.Rows[1].Start.Hour() != 10 {
		t.Errorf("rows %+v", got.Rows)
	}

	bad, err := http.Get(srv.URL + "/api/v1/reports/queues?from=yesterday&interval=fortnight")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(bad.Body)
	bad.Body.Close()
	for _, want := range []string{"yesterday", "to is required", "fortnight"} {
		if bad.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), want) {
			t.Errorf("bad query: %s %s, want 400 naming %q", bad.Status, body, want)
		}
	}
	csvResp, err := http.Get(srv.URL + "/api/v1/reports/agents?from=2026-01-05&to=2026-01-06&format=csv")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(csvResp.Body)
	csvResp.Body.Close()
	if !strings.HasPrefix(string(body), "row,start,end,agent,offered,answered") || !strings.Contains(string(body), "total,") ||
		!strings.Contains(string(body), ",'"+dde+",0,1,0,") || strings.Contains(string(body), ","+dde) {
		t.Errorf("agents CSV:\n%s", body)
	}
}

// The daemon's campaign report knows each campaign's cap and sale
// dispositions from the running config, as the CLI's --store report does:
// it answered abandon_cap 0 and over_cap false, whatever the abandons.
func TestReportCampaignsRules(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "h.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for i, outcome := range []acd.Outcome{acd.OutcomeAbandoned, acd.OutcomeAnswered} {
		rec := &store.CallRecord{ID: string(rune('a' + i)), Direction: acd.DirectionOutbound, Entry: "campaign:spring",
			Entered: at, Ended: at.Add(time.Minute), Outcome: outcome,
			Timeline: []store.Step{{At: at, Kind: "dial", Detail: "campaign=spring"}, {At: at.Add(5 * time.Second), Kind: "lead-answered"}}}
		if outcome == acd.OutcomeAnswered {
			rec.Answered, rec.Agent, rec.Talk, rec.Disposition = at.Add(6*time.Second), "ann", time.Minute, "won"
		}
		if err := db.SaveCall(rec); err != nil {
			t.Fatal(err)
		}
	}
	h := New(nil, db, zerolog.Nop())
	h.SetTeams(config.Config{Campaigns: []config.Campaign{{Name: "spring", AbandonCap: 0.03,
		Dispositions: []config.Disposition{{Name: "won", Sale: true}}}}})
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/v1/reports/campaigns?from=2026-01-05&to=2026-01-06&interval=period&tz=UTC")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Totals []struct {
			Campaign   string  `json:"campaign"`
			AbandonCap float64 `json:"abandon_cap"`
			OverCap    bool    `json:"over_cap"`
			Sales      int     `json:"sales"`
		} `json:"totals"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if len(got.Totals) != 1 || got.Totals[0].AbandonCap != 0.03 || !got.Totals[0].OverCap || got.Totals[0].Sales != 1 {
		t.Errorf("campaign totals %+v; want spring with cap 0.03, over it, 1 sale", got.Totals)
	}
}

// A report the API does not have is a 404 naming every one it has: the
// 400 named four, leaving out ivr and queue-log, which it serves too.
func TestReportUnknownKind(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "h.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv := httptest.NewServer(New(nil, db, zerolog.Nop()))
	defer srv.Close()
	code, body := sendAs(t, "GET", srv.URL+"/api/v1/reports/nonsense?from=2026-01-05&to=2026-01-06", "", nil)
	want := `no report \"nonsense\"; known: queues, agents, dispositions, campaigns, ivr, queue-log`
	if code != http.StatusNotFound || !strings.Contains(body, want) {
		t.Errorf("GET reports/nonsense: %d %s; want 404 with %s", code, body, want)
	}
}
