package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/hotline-cc/hotline/api"
	"github.com/rs/zerolog"
	"image/png"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/config"
	"github.com/hotline-cc/hotline/configs"
	"github.com/hotline-cc/hotline/internal/golden"
	"github.com/hotline-cc/hotline/store"
)

// reportDay is a store of a working day made by the simulator (the demo,
// inbound only, 09:00 to 17:00 UTC), with dispositions set on answered
// calls as agents would, and the demo config for the queues' thresholds.
// It is made once per test binary.
var reportDay = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "hotline-report")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "day.db")
	var out, errOut strings.Builder
	if code := run(context.Background(), []string{"demo", "--speed", "0", "--duration", "8h", "--plain", "--every", "8h",
		"--seed", "5", "--leads", "0", "--store", path}, &out, &errOut); code != 0 {
		return "", fmt.Errorf("demo exited %d: %s", code, errOut.String())
	}
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		return "", err
	}
	defer db.Close()
	recs, err := db.CollectCalls(store.Filter{})
	if err != nil {
		return "", err
	}
	for i, rec := range recs {
		if rec.Answered.IsZero() {
			continue
		}
		rec.Disposition = []string{"sale", "no-sale", "follow-up", "sale"}[i%4]
		if err := db.SaveCall(&rec); err != nil {
			return "", err
		}
	}
	return path, nil
})

func dayStore(t *testing.T) (path, cfgPath string) {
	t.Helper()
	if testing.Short() {
		t.Skip("makes a simulated day (a few seconds)")
	}
	path, err := reportDay()
	if err != nil {
		t.Fatal(err)
	}
	return path, writeFile(t, "demo.yaml", string(configs.Demo))
}

var dayArgs = []string{"--from", "2026-01-05T10:00", "--to", "2026-01-06", "--tz", "Europe/Berlin", "--short-abandon", "5s"}

func TestReportGolden(t *testing.T) {
	path, cfg := dayStore(t)
	for _, c := range []struct {
		file string
		args []string
	}{
		{"queues-hour.txt", []string{"queues", "--interval", "hour"}},
		{"queues-15m.csv", []string{"queues", "--interval", "15m", "--format", "csv"}},
		{"queues-day.json", []string{"queues", "--interval", "day", "--format", "json"}},
		{"agents-hour.txt", []string{"agents", "--interval", "hour"}},
		{"agents-day.csv", []string{"agents", "--interval", "day", "--format", "csv"}},
		{"dispositions-day.txt", []string{"dispositions", "--interval", "day"}},
		{"dispositions-hour.json", []string{"dispositions", "--interval", "hour", "--format", "json"}},
	} {
		t.Run(c.file, func(t *testing.T) {
			args := append(append([]string{"--config", cfg, "report"}, c.args...), append(dayArgs, "--store", path)...)
			code, out, errOut := hotline(t, nil, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			golden.Check(t, filepath.Join("testdata", "report", c.file), []byte(out))
		})
	}
}

// The report's figures agree with a second computation straight from the
// raw records and state changes, written here without package report.
func TestReportMatchesRawRecords(t *testing.T) {
	path, cfgPath := dayStore(t)
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip(err)
	}
	cfg, err := config.Parse(configs.Demo, "demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	threshold := map[string]time.Duration{}
	for _, q := range cfg.Queues {
		threshold[q.Name] = q.ServiceLevel
	}
	report := func(kind string, into any) {
		t.Helper()
		args := append([]string{"--config", cfgPath, "report", kind, "--interval", "hour", "--format", "json", "--store", path}, dayArgs...)
		code, out, errOut := hotline(t, nil, args...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if err := json.Unmarshal([]byte(out), into); err != nil {
			t.Fatal(err)
		}
	}
	var queues struct {
		Rows []struct {
			Start                        time.Time
			Queue                        string
			Offered, Answered, Abandoned int
			InSL                         int     `json:"in_sl"`
			ShortAbandoned               int     `json:"short_abandoned"`
			SLAnswered                   float64 `json:"sl_answered"`
			SLOffered                    float64 `json:"sl_offered"`
			ASA                          float64 `json:"asa_s"`
			P90                          float64 `json:"p90_wait_s"`
			Max                          float64 `json:"max_wait_s"`
			AHT                          float64 `json:"aht_s"`
		}
	}
	report("queues", &queues)
	var agents struct {
		Rows []struct {
			Start    time.Time
			Agent    string
			Answered int
			LoggedIn float64 `json:"logged_in_s"`
			OnCall   float64 `json:"on_call_s"`
			Paused   float64 `json:"paused_s"`
		}
	}
	report("agents", &agents)

	db, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := db.CollectCalls(store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	changes, err := db.AgentChanges("", time.Time{}, time.Time{})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	// Queues: the hour a call entered, by the local clock's hour.
	type qk struct{ hour, queue string }
	type tally struct {
		offered, answered, abandoned, short, inSL, handled int
		waitAnswered, handle                               time.Duration
		waits                                              []time.Duration
	}
	hourOf := func(t time.Time) string { return t.In(loc).Format("2006-01-02 15") }
	want := map[qk]*tally{}
	get := func(h, q string) *tally {
		if want[qk{h, q}] == nil {
			want[qk{h, q}] = &tally{}
		}
		return want[qk{h, q}]
	}
	for _, r := range recs {
		h := hourOf(r.Entered)
		for _, s := range r.Timeline {
			if s.Kind == "enqueue" {
				get(h, s.Detail).offered++
			}
		}
		if r.Queue == "" || r.Direction == acd.DirectionCallback {
			continue
		}
		x := get(h, r.Queue)
		switch {
		case !r.Answered.IsZero():
			x.answered++
			x.waitAnswered += r.Wait
			x.waits = append(x.waits, r.Wait)
			if r.Wait <= threshold[r.Queue] {
				x.inSL++
			}
			x.handled++
			x.handle += r.Talk + r.WrapUp
		case r.Outcome == acd.OutcomeAbandoned && r.Wait < 5*time.Second:
			x.short++
		case r.Outcome == acd.OutcomeAbandoned:
			x.abandoned++
			x.waits = append(x.waits, r.Wait)
		}
	}
	if len(queues.Rows) != len(want) {
		t.Errorf("%d queue rows, %d hours and queues in the records", len(queues.Rows), len(want))
	}
	near := func(a, b, tol float64) bool { return math.Abs(a-b) <= tol }
	for _, row := range queues.Rows {
		x := want[qk{hourOf(row.Start), row.Queue}]
		if x == nil {
			t.Errorf("row %s %s has no records", row.Start, row.Queue)
			continue
		}
		slices.Sort(x.waits)
		p90 := x.waits[int(math.Ceil(0.9*float64(len(x.waits))))-1].Seconds()
		asa := (x.waitAnswered / time.Duration(x.answered)).Seconds()
		aht := (x.handle / time.Duration(x.handled)).Seconds()
		if row.Offered != x.offered || row.Answered != x.answered || row.Abandoned != x.abandoned || row.ShortAbandoned != x.short ||
			row.InSL != x.inSL || !near(row.SLAnswered, float64(x.inSL)/float64(x.answered), 1e-9) ||
			!near(row.SLOffered, float64(x.inSL)/float64(x.answered+x.abandoned), 1e-9) ||
			!near(row.ASA, asa, 1e-3) || !near(row.AHT, aht, 1e-3) || !near(row.P90, p90, 5) ||
			!near(row.Max, x.waits[len(x.waits)-1].Seconds(), 1e-6) {
			t.Errorf("%s %s: report %+v\nrecords: offered %d answered %d abandoned %d short %d in SL %d ASA %.3f AHT %.3f p90 %.1f max %v",
				hourOf(row.Start), row.Queue, row, x.offered, x.answered, x.abandoned, x.short, x.inSL, asa, aht, p90, x.waits[len(x.waits)-1])
		}
	}

	// Agents: walk each agent's changes from the period's start, cutting
	// spans at UTC hours (Berlin's offset is whole hours).
	from := time.Date(2026, 1, 5, 10, 0, 0, 0, loc)
	to := time.Date(2026, 1, 6, 0, 0, 0, 0, loc)
	type ak struct{ hour, agent string }
	logged, onCall, paused := map[ak]float64{}, map[ak]float64{}, map[ak]float64{}
	add := func(agent string, s acd.AgentState, a, b time.Time) {
		if a.Before(from) {
			a = from
		}
		if b.After(to) {
			b = to
		}
		for a.Before(b) {
			end := a.Truncate(time.Hour).Add(time.Hour)
			if end.After(b) {
				end = b
			}
			k := ak{hourOf(a), agent}
			d := end.Sub(a).Seconds()
			if s != acd.LoggedOut {
				logged[k] += d
			}
			if s == acd.OnCall {
				onCall[k] += d
			}
			if s == acd.Paused {
				paused[k] += d
			}
			a = end
		}
	}
	last := map[string]store.AgentChange{}
	for _, ch := range changes {
		prev, ok := last[ch.Agent]
		if !ok { // the agent's first change ever: not logged in before it
			prev = store.AgentChange{At: from, To: acd.LoggedOut}
		}
		add(ch.Agent, prev.To, prev.At, ch.At)
		last[ch.Agent] = ch
	}
	for _, ch := range last {
		add(ch.Agent, ch.To, ch.At, to)
	}
	answered := map[ak]int{}
	for _, r := range recs {
		if !r.Answered.IsZero() && r.Agent != "" {
			answered[ak{hourOf(r.Entered), r.Agent}]++
		}
	}
	if len(agents.Rows) < len(logged) {
		t.Errorf("%d agent rows, %d hours and agents logged in", len(agents.Rows), len(logged))
	}
	for _, row := range agents.Rows {
		k := ak{hourOf(row.Start), row.Agent}
		if !near(row.LoggedIn, logged[k], 1e-3) || !near(row.OnCall, onCall[k], 1e-3) || !near(row.Paused, paused[k], 1e-3) ||
			row.Answered != answered[k] {
			t.Errorf("%s %s: report answered %d logged in %.3f on call %.3f paused %.3f; changes say %d %.3f %.3f %.3f", k.hour, k.agent,
				row.Answered, row.LoggedIn, row.OnCall, row.Paused, answered[k], logged[k], onCall[k], paused[k])
		}
	}
}

// reportAPI serves the store file at path read-only, as a daemon's API
// would, until the test ends.
func reportAPI(t *testing.T, path string) *httptest.Server {
	t.Helper()
	db, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(nil, db, zerolog.Nop()))
	t.Cleanup(func() { srv.Close(); db.Close() })
	return srv
}

// The same report through a daemon's API prints what the store gives.
func TestReportThroughAPI(t *testing.T) {
	path, _ := dayStore(t)
	srv := reportAPI(t, path)
	args := append([]string{"report", "agents", "--interval", "hour", "--format", "csv"}, dayArgs...)
	code, viaAPI, errOut := hotline(t, nil, append(args, "--api", srv.URL)...)
	if code != 0 {
		t.Fatalf("through the API: exit %d: %s", code, errOut)
	}
	// Both open the file read-only, so they can share it.
	code, fromStore, errOut := hotline(t, nil, append(args, "--store", path)...)
	if code != 0 {
		t.Fatalf("from the store: exit %d: %s", code, errOut)
	}
	if viaAPI != fromStore || !strings.Contains(viaAPI, "total,") {
		t.Errorf("through the API:\n%s\nfrom the store:\n%s", viaAPI, fromStore)
	}
}

func TestReportChart(t *testing.T) {
	path, _ := dayStore(t)
	dir := t.TempDir()
	for _, name := range []string{"day.png", "day.svg"} {
		file := filepath.Join(dir, name)
		code, _, errOut := hotline(t, nil, append([]string{"report", "queues", "--interval", "15m", "--store", path, "--chart", file}, dayArgs...)...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, errOut)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(name, ".png") {
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if b := img.Bounds(); b.Dx() != 1100 || b.Dy() != 1100 {
				t.Errorf("%s is %v", name, b)
			}
			continue
		}
		for _, want := range []string{"<svg", "Service level", "target 80%", "Agents by state", "abandoned", "Jan 05 10:00"} {
			if !strings.Contains(string(data), want) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
	}
	// A chart it cannot draw is refused before the report is written: the
	// report went to standard output, then the command failed.
	code, out, errOut := hotline(t, nil, append([]string{"report", "queues", "--store", path, "--chart", filepath.Join(dir, "day.gif")}, dayArgs...)...)
	if code != exitInvalid || !strings.Contains(errOut, ".svg or .png") || out != "" {
		t.Errorf("a .gif chart: exit %d: %s; wrote %q", code, errOut, out)
	}
	// Ten million bars (300 years by 15 minutes) are refused before the
	// report: listing them ran out of memory.
	code, out, errOut = hotline(t, nil, "report", "queues", "--store", path, "--from", "1900-01-01", "--to", "2199-12-31", "--interval", "15m",
		"--chart", filepath.Join(dir, "long.svg"))
	if code != exitInvalid || !strings.Contains(errOut, "--chart: chart: interval 15m: more than 744 bars") || out != "" {
		t.Errorf("a chart of ten million bars: exit %d: %s; wrote %q", code, errOut, out)
	}
}

func TestReportRefusesBadFlags(t *testing.T) {
	code, _, errOut := hotline(t, nil, "report", "queues", "--from", "monday", "--interval", "fortnight", "--tz", "Mars/Olympus", "--store", "x.db")
	if code != exitInvalid {
		t.Errorf("exit %d, want %d", code, exitInvalid)
	}
	for _, want := range []string{`--from "monday"`, "--to is required, unless --from is a duration back from now", "fortnight", "Mars/Olympus", "or a duration back from now (24h)"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("error %q does not name %s", errOut, want)
		}
	}
	if strings.Contains(errOut, "back --from") {
		t.Errorf("error %q: the flag's name put into the words of the hint", errOut)
	}
	code, _, errOut = hotline(t, nil, "report", "ivr", "--from", "monday", "--to", "2026-01-06", "--store", "x.db")
	if code != exitInvalid || !strings.Contains(errOut, `--from "monday"`) {
		t.Errorf("ivr: exit %d: %s", code, errOut)
	}
	// A flag the report does not use is refused, not passed over: report
	// ivr --chart exited 0 and wrote no chart.
	for _, c := range []struct{ args []string }{
		{[]string{"report", "ivr", "--chart", "x.svg"}},
		{[]string{"report", "ivr", "--interval", "hour"}},
		{[]string{"report", "ivr", "--short-abandon", "5s"}},
		{[]string{"report", "queue-log", "--format", "json"}},
		{[]string{"report", "queue-log", "--interval", "hour"}},
	} {
		args := append(c.args, "--from", "2026-01-05", "--to", "2026-01-06", "--store", "x.db")
		flag := c.args[2]
		code, out, errOut := hotline(t, nil, args...)
		if code != exitInvalid || out != "" || !strings.Contains(errOut, flag+": report "+c.args[1]+" does not take it") {
			t.Errorf("%v: exit %d %q %q; want 2 naming %s", c.args, code, out, errOut, flag)
		}
	}
}

// The queue_log export, read by a parser of the format written here, counts
// what Hotline's own report counts.
func TestQueueLogAgreesWithReport(t *testing.T) {
	path, cfgPath := dayStore(t)
	code, logText, errOut := hotline(t, nil, append([]string{"--config", cfgPath, "report", "queue-log", "--store", path}, dayArgs...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// Asterisk's queue_log: epoch|callid|queue|agent|event|data1|...
	type queueCounts struct{ enter, connect, complete, abandon, exits, holdSum int }
	queues := map[string]*queueCounts{}
	missed := map[string]int{}
	// Member lines come one per queue the agent is in: pauses are kept per
	// queue and agent, and each queue must see the agent's whole pause time.
	type member struct{ queue, agent string }
	pausedAt, pauses := map[member]int64{}, map[string]int{}
	paused := map[member]int64{}
	inQueues := map[string]map[string]bool{} // agent → the queues its member lines name
	// A caller's place in line on entering (ENTERQUEUE's last field) comes
	// back as the original position of the line that ends its wait.
	entered, deepest := map[string]int{}, 0 // call|queue → place on entering
	events := map[string]int{}
	var last int64
	for n, line := range strings.Split(strings.TrimSuffix(logText, "\n"), "\n") {
		f := strings.Split(line, "|")
		if len(f) < 5 {
			t.Fatalf("line %d %q: %d fields", n+1, line, len(f))
		}
		epoch, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || epoch < last {
			t.Fatalf("line %d %q: time %q not a number or before the line above (%d)", n+1, line, f[0], last)
		}
		last = epoch
		queue, agent, event, data := f[2], f[3], f[4], f[5:]
		events[event]++
		if queues[queue] == nil {
			queues[queue] = &queueCounts{}
		}
		q := queues[queue]
		num := func(i int) int {
			t.Helper()
			if i >= len(data) {
				t.Fatalf("line %d %q: %s without data field %d", n+1, line, event, i+1)
			}
			v, err := strconv.Atoi(data[i])
			if err != nil {
				t.Fatalf("line %d %q: data field %d %q is not a number", n+1, line, i+1, data[i])
			}
			return v
		}
		origPos := func(i int) {
			t.Helper()
			if p, ok := entered[f[1]+"|"+queue]; ok && num(i) != p {
				t.Errorf("line %d %q: original position %d; the call entered %s at %d", n+1, line, num(i), queue, p)
			}
		}
		switch event {
		case "ENTERQUEUE":
			q.enter++
			entered[f[1]+"|"+queue] = num(2)
			deepest = max(deepest, num(2))
		case "CONNECT":
			q.connect++
			q.holdSum += num(0)
		case "COMPLETECALLER", "COMPLETEAGENT":
			q.complete++
			num(1)
			origPos(2)
		case "ABANDON":
			q.abandon++
			num(2)
			if num(0) < 1 {
				t.Errorf("line %d %q: position %d", n+1, line, num(0))
			}
			origPos(1)
		case "EXITWITHTIMEOUT", "EXITEMPTY":
			q.exits++
			origPos(1)
		case "EXITWITHKEY":
			q.exits++
			origPos(2)
		case "FULL":
			q.exits++
		case "RINGNOANSWER":
			missed[agent]++
		case "PAUSE", "UNPAUSE", "REMOVEMEMBER", "ADDMEMBER":
			if f[1] != "NONE" {
				t.Errorf("line %d %q: a member line with call id %q", n+1, line, f[1])
			}
			if inQueues[agent] == nil {
				inQueues[agent] = map[string]bool{}
			}
			inQueues[agent][queue] = true
			m := member{queue, agent}
			switch event {
			case "PAUSE":
				if data[0] == "" {
					t.Errorf("line %d %q: a pause without its reason", n+1, line)
				}
				pauses[agent]++
				if _, open := pausedAt[m]; !open {
					pausedAt[m] = epoch
				}
			case "UNPAUSE", "REMOVEMEMBER":
				if at, open := pausedAt[m]; open {
					paused[m] += epoch - at
					delete(pausedAt, m)
				}
			}
		default:
			t.Errorf("line %d: unknown event %q", n+1, event)
		}
	}
	end := time.Date(2026, 1, 6, 0, 0, 0, 0, time.FixedZone("CET", 3600)).Unix()
	for m, at := range pausedAt {
		paused[m] += end - at
	}
	cfg, err := config.Parse(configs.Demo, "demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range cfg.Agents {
		if inQueues[a.ID] == nil {
			continue // no change in the period
		}
		var want, got []string
		for _, m := range a.Queues {
			want = append(want, m.Queue)
		}
		for q := range inQueues[a.ID] {
			got = append(got, q)
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: member lines name queues %q; the agent is a member of %q", a.ID, got, want)
		}
	}
	if events["ENTERQUEUE"] < 100 || events["PAUSE"] == 0 || events["RINGNOANSWER"] == 0 {
		t.Fatalf("a simulated day should give many lines of each kind: %v", events)
	}
	if deepest < 2 {
		t.Errorf("no caller of a busy day entered a queue behind another (deepest position %d)", deepest)
	}

	var rep struct {
		Totals []struct {
			Queue          string
			Offered        int
			Answered       int
			Abandoned      int
			ShortAbandoned int     `json:"short_abandoned"`
			Overflowed     int     `json:"overflowed"`
			Callbacks      int     `json:"callbacks"`
			WaitAnswered   float64 `json:"wait_answered_s"`
		}
	}
	code, out, errOut := hotline(t, nil, append([]string{"--config", cfgPath, "report", "queues", "--format", "json", "--store", path}, dayArgs...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Totals {
		q := queues[r.Queue]
		if q == nil {
			t.Errorf("queue %s is not in the queue_log", r.Queue)
			continue
		}
		if q.enter != r.Offered || q.connect != r.Answered || q.complete != r.Answered || q.abandon != r.Abandoned+r.ShortAbandoned ||
			q.exits != r.Overflowed+r.Callbacks {
			t.Errorf("%s: queue_log enter %d connect %d complete %d abandon %d exits %d; report offered %d answered %d abandoned %d+%d short, overflowed %d, callbacks %d",
				r.Queue, q.enter, q.connect, q.complete, q.abandon, q.exits, r.Offered, r.Answered, r.Abandoned, r.ShortAbandoned, r.Overflowed, r.Callbacks)
		}
		// Hold times are whole seconds, each within half a second.
		if diff := math.Abs(float64(q.holdSum) - r.WaitAnswered); diff > float64(r.Answered)/2 {
			t.Errorf("%s: queue_log hold times sum to %d s, the report's waits of answered calls to %.1f s", r.Queue, q.holdSum, r.WaitAnswered)
		}
	}
	var agents struct {
		Totals []struct {
			Agent  string
			Missed int
			Paused float64 `json:"paused_s"`
		}
	}
	code, out, errOut = hotline(t, nil, append([]string{"report", "agents", "--format", "json", "--store", path}, dayArgs...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if err := json.Unmarshal([]byte(out), &agents); err != nil {
		t.Fatal(err)
	}
	for _, a := range agents.Totals {
		if missed[a.Agent] != a.Missed {
			t.Errorf("%s: queue_log %d rings not answered; report %d", a.Agent, missed[a.Agent], a.Missed)
		}
		for q := range inQueues[a.Agent] {
			// Times are whole seconds: two per pause at most.
			if p := paused[member{q, a.Agent}]; math.Abs(float64(p)-a.Paused) > 2*float64(pauses[a.Agent]) {
				t.Errorf("%s in %s: queue_log %d s paused; report %.0f s", a.Agent, q, p, a.Paused)
			}
		}
	}
}

// The config's reports section gives the time zone and short abandons
// when the flags do not; a flag still wins.
func TestReportTakesConfigSettings(t *testing.T) {
	path, _ := dayStore(t)
	cfg := writeFile(t, "hotline.yaml", "reports: {timezone: Asia/Tokyo, short_abandon: 7s, service_level_target: 90}\n")
	var got struct {
		Location     string  `json:"timezone"`
		ShortAbandon float64 `json:"short_abandon_s"`
		Rows         []struct {
			Start time.Time `json:"start"`
		} `json:"rows"`
	}
	for _, c := range []struct {
		flags    []string
		zone     string
		short    float64
		startsAt int
	}{
		{nil, "Asia/Tokyo", 7, 0},
		{[]string{"--tz", "UTC", "--short-abandon", "0s"}, "UTC", 0, 0},
	} {
		args := append([]string{"--config", cfg, "report", "queues", "--format", "json", "--interval", "day",
			"--from", "2026-01-05", "--to", "2026-01-07", "--store", path}, c.flags...)
		code, out, errOut := hotline(t, nil, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", c.flags, code, errOut)
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		if got.Location != c.zone || got.ShortAbandon != c.short || len(got.Rows) == 0 || got.Rows[0].Start.Hour() != c.startsAt {
			t.Errorf("%v: zone %q short abandon %v, first row %v; want %s, %v, days from local midnight", c.flags, got.Location, got.ShortAbandon, got.Rows, c.zone, c.short)
		}
	}
}

// A campaign's abandonment cap and sale dispositions come from the config.
func TestReportCampaignsTakeConfigRules(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	for i, d := range []struct {
		outcome     acd.Outcome
		disposition string
	}{{acd.OutcomeAnswered, "sale"}, {acd.OutcomeAnswered, "not-interested"}, {acd.OutcomeAbandoned, ""}, {acd.OutcomeFailed, ""}} {
		at := day.Add(time.Duration(i) * time.Minute)
		rec := &store.CallRecord{ID: fmt.Sprint("d", i), Direction: acd.DirectionOutbound, Entry: "campaign:renewals", Entered: at,
			Ended: at.Add(time.Minute), Outcome: d.outcome, Disposition: d.disposition, Cause: "busy",
			Timeline: []store.Step{{At: at, Kind: "dial"}}}
		if d.outcome != acd.OutcomeFailed {
			rec.Cause = ""
			rec.Timeline = append(rec.Timeline, store.Step{At: at.Add(5 * time.Second), Kind: "lead-answered"})
		}
		if d.outcome == acd.OutcomeAnswered {
			rec.Answered, rec.Agent, rec.Talk = at.Add(6*time.Second), "ann", 30*time.Second
		}
		if err := db.SaveCall(rec); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	code, out, errOut := hotline(t, nil, "--config", "../../configs/hotline.example.yaml", "report", "campaigns", "--format", "csv",
		"--from", "2026-01-05", "--to", "2026-01-06", "--tz", "UTC", "--store", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// 4 dials, 1 busy, 3 contacts, 2 connected, 1 abandoned (33% over the
	// example's 3% cap), 1 sale
	if want := "total,2026-01-05T00:00:00Z,2026-01-06T00:00:00Z,renewals,4,1,0,0,0,3,0.7500,2,1,0.3333,0.0300,true,1,0.5000,"; !strings.Contains(out, want) {
		t.Errorf("campaigns report:\n%s\nwant a line starting %s", out, want)
	}
}

// --queue, --agent and --campaign cut the rows as the API's filters do,
// from the store and through the daemon alike; a filter the report has no
// column for is refused naming the flag.
func TestReportFilterFlags(t *testing.T) {
	path, _ := dayStore(t)
	srv := reportAPI(t, path)
	for _, c := range []struct {
		kind, flag, name, col string
	}{
		{"agents", "--agent", "ben", "agent"},
		{"queues", "--queue", "billing", "queue"},
		{"dispositions", "--queue", "sales", "queue"},
	} {
		args := append([]string{"report", c.kind, "--interval", "hour", "--format", "csv", c.flag, c.name}, dayArgs...)
		code, fromStore, errOut := hotline(t, nil, append(args, "--store", path)...)
		if code != 0 {
			t.Fatalf("%s %s from the store: exit %d: %s", c.kind, c.flag, code, errOut)
		}
		code, viaAPI, errOut := hotline(t, nil, append(args, "--api", srv.URL)...)
		if code != 0 {
			t.Fatalf("%s %s through the API: exit %d: %s", c.kind, c.flag, code, errOut)
		}
		if viaAPI != fromStore {
			t.Errorf("%s %s through the API:\n%s\nfrom the store:\n%s", c.kind, c.flag, viaAPI, fromStore)
		}
		lines := strings.Split(strings.TrimSpace(fromStore), "\n")
		col := slices.Index(strings.Split(lines[0], ","), c.col)
		if col < 0 || len(lines) < 3 {
			t.Fatalf("%s %s: %s", c.kind, c.flag, fromStore)
		}
		for _, l := range lines[1:] {
			if got := strings.Split(l, ",")[col]; got != c.name {
				t.Errorf("%s %s %s: a row of %s: %s", c.kind, c.flag, c.name, got, l)
			}
		}
	}
	for _, c := range []struct{ kind, flag, want string }{
		{"queues", "--agent", "--agent: the queues report is not cut by agent; its filters: --queue"},
		{"agents", "--campaign", "--campaign: the agents report is not cut by campaign; its filters: --agent"},
		{"ivr", "--queue", "--queue: the ivr report is not cut by queue; its filters: --flow"},
		{"queue-log", "--queue", "--queue: the queue-log report is not cut by queue; its filters: none"},
		{"queues", "--flow", "--flow: the queues report is not cut by flow; its filters: --queue"},
		{"campaigns", "--flow", "--flow: the campaigns report is not cut by flow; its filters: --campaign"},
	} {
		for _, from := range [][]string{{"--store", path}, {"--api", srv.URL}} {
			args := append(append([]string{"report", c.kind, c.flag, "x"}, dayArgs...), from...)
			if code, out, errOut := hotline(t, nil, args...); code != exitInvalid || !strings.Contains(errOut, c.want) || out != "" {
				t.Errorf("%s %s %s: exit %d: %s; wrote %q", c.kind, c.flag, from[0], code, errOut, out)
			}
		}
	}
}

// A report through the daemon says, as one from the store file does, that
// it left out records it could not read (the API's X-Hotline-Skipped), for
// the queue_log too.
func TestReportThroughAPIWarnsOfSkipped(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(api.SkippedHeader, "2")
		if strings.HasSuffix(r.URL.Path, "/queue-log") {
			w.Write([]byte("1767600000|c1|support|NONE|ENTERQUEUE||555|1\n"))
			return
		}
		w.Write([]byte("start,end,queue\n"))
	}))
	defer srv.Close()
	for _, args := range [][]string{{"queues", "--format", "csv"}, {"queue-log"}} {
		kind := args[0]
		code, _, errOut := hotline(t, nil, append(append([]string{"report"}, args...), append([]string{"--api", srv.URL}, dayArgs...)...)...)
		if code != 0 || !strings.Contains(errOut, "warning: 2 unreadable records left out") {
			t.Errorf("report %s: exit %d, stderr %q; want the skipped records named", kind, code, errOut)
		}
	}
}
