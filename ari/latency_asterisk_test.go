package ari_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestAsteriskLatencyVsAppQueue measures Hotline and app_queue side by side
// on the same real Asterisk, with the same Local-channel callers and the
// same agent phones (the members of [hotline-bench] in
// testdata/asterisk/queues.conf):
//
//   - entry → agent: a caller enters the queue (its channel starts Stasis or
//     Queue) while agents are free, until the agent's channel is created;
//   - free → agent: with every agent busy and callers waiting, an agent's
//     phone hangs up, until the next agent channel is created.
//
// Both are read from Asterisk's own event timestamps, seen by a separate ARI
// application subscribed to everything, so neither system is timed by
// itself. The test prints the figures and the CPU time of the hotline
// process; it asserts only that every call was served, never a duration.
//
// It needs a running Asterisk started by testdata/asterisk/asterisk.sh (so
// that queues.conf and extensions.conf are loaded) and HOTLINE_BENCH=1:
//
//	testdata/asterisk/asterisk.sh start && eval "$(testdata/asterisk/asterisk.sh env)"
//	HOTLINE_BENCH=1 go test ./ari -run TestAsteriskLatencyVsAppQueue -v -count=1
//
// HOTLINE_BENCH_CALLS sets the callers per scenario (default 30).
func TestAsteriskLatencyVsAppQueue(t *testing.T) {
	ast := benchAsterisk(t)
	members := queueMembers(t, filepath.Join(moduleRoot(t), "testdata/asterisk/queues.conf"), benchQueue)
	calls := 30
	if s := os.Getenv("HOTLINE_BENCH_CALLS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < len(members)+1 {
			t.Fatalf("HOTLINE_BENCH_CALLS=%q: want a whole number above the %d agents", s, len(members))
		}
		calls = n
	}
	cl := newClassifier(members)
	t.Cleanup(func() { hangupBench(t, ast, cl) })
	p := startProbe(t, ast, cl)

	hl := startHotline(t, buildHotline(t), ast, members)
	hlCPU0, astCPU0, start := hl.cpu(t), asteriskCPU(ast), time.Now()
	hlFree := runOneAtATime(t, ast, p, "hotline", calls)
	hlBusy := runBacklog(t, ast, p, "hotline", calls)
	hlWall, hlCPU, hlAst := time.Since(start), hl.cpu(t)-hlCPU0, asteriskCPU(ast)-astCPU0
	hl.checkAnswered(t, 2*calls)
	hl.stop(t)

	astCPU0, start = asteriskCPU(ast), time.Now()
	aqFree := runOneAtATime(t, ast, p, "queue", calls)
	aqBusy := runBacklog(t, ast, p, "queue", calls)
	aqWall, aqAst := time.Since(start), asteriskCPU(ast)-astCPU0

	var b strings.Builder
	fmt.Fprintf(&b, "Hotline vs app_queue on Asterisk, %d agents, %d callers per scenario (Asterisk's event timestamps, 1 ms resolution)\n", len(members), calls)
	fmt.Fprintf(&b, "%-14s %-10s %4s %10s %10s %10s\n", "figure", "system", "n", "p50", "p90", "max")
	for _, f := range []struct {
		name   string
		hl, aq []time.Duration
	}{
		{"entry→agent", hlFree, aqFree},
		{"free→agent", hlBusy, aqBusy},
	} {
		h, a := summarize(f.hl), summarize(f.aq)
		fmt.Fprintf(&b, "%-14s %-10s %4d %10s %10s %10s\n", f.name, "Hotline", h.n, ms(h.p50), ms(h.p90), ms(h.max))
		fmt.Fprintf(&b, "%-14s %-10s %4d %10s %10s %10s\n", "", "app_queue", a.n, ms(a.p50), ms(a.p90), ms(a.max))
		fmt.Fprintf(&b, "%-14s %-10s %4s %10s %10s %10s\n", "", "ratio", "", ratio(a.p50, h.p50), ratio(a.p90, h.p90), ratio(a.max, h.max))
	}
	fmt.Fprintf(&b, "hotline process CPU: %.2f s over %.1f s = %.1f%% of one core\n",
		hlCPU.Seconds(), hlWall.Seconds(), 100*hlCPU.Seconds()/hlWall.Seconds())
	if hlAst >= 0 && aqAst >= 0 {
		fmt.Fprintf(&b, "Asterisk CPU (the whole process, other load on it included): %.2f s over %.1f s with Hotline, %.2f s over %.1f s with app_queue\n",
			hlAst.Seconds(), hlWall.Seconds(), aqAst.Seconds(), aqWall.Seconds())
	}
	t.Log("\n" + b.String())
}

const (
	benchQueue    = "hotline-bench"  // app_queue's queue in queues.conf
	benchContext  = "hotline-bench"  // extensions.conf: exten hotline → Stasis, queue → Queue()
	benchApp      = "hotline-bench"  // the Stasis application of the hotline under test
	probeApp      = "hotline-probe"  // the observer's application
	agentsContext = "hotline-agents" // where the phones live
)

// benchAsterisk is the Asterisk named by HOTLINE_ASTERISK_*; the test skips
// without it or without HOTLINE_BENCH=1.
func benchAsterisk(t *testing.T) *asterisk {
	t.Helper()
	if os.Getenv("HOTLINE_BENCH") != "1" {
		t.Skip("HOTLINE_BENCH=1 not set; the latency comparison takes about two minutes")
	}
	a := &asterisk{
		url:      strings.TrimSuffix(os.Getenv("HOTLINE_ASTERISK_URL"), "/"),
		user:     os.Getenv("HOTLINE_ASTERISK_USERNAME"),
		password: os.Getenv("HOTLINE_ASTERISK_PASSWORD"),
		root:     os.Getenv("HOTLINE_ASTERISK_ROOT"),
		http:     &http.Client{Timeout: 5 * time.Second},
	}
	if a.url == "" {
		t.Skip("HOTLINE_ASTERISK_URL not set; run testdata/asterisk/asterisk.sh start and eval its env")
	}
	return a
}

// queueMembers reads the member interfaces of one queue in queues.conf, so
// that Hotline is given exactly the phones app_queue rings.
func queueMembers(t *testing.T, path, queue string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var members []string
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), ";")
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = line[1 : len(line)-1]
			continue
		}
		k, v, ok := strings.Cut(line, "=>")
		if section != queue || !ok || strings.TrimSpace(k) != "member" {
			continue
		}
		iface, _, _ := strings.Cut(strings.TrimSpace(v), ",")
		members = append(members, iface)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(members) == 0 {
		t.Fatalf("%s: no member lines in [%s]", path, queue)
	}
	return members
}

// phoneExten is the [hotline-agents] extension a member interface dials:
// Local/<exten>@hotline-agents/n.
func phoneExten(member string) string {
	s := strings.TrimPrefix(member, "Local/")
	s, _, _ = strings.Cut(s, "@")
	return s
}

// --- callers ---

var benchCallers atomic.Int64

// placeBenchCaller originates a test caller whose far half dials
// [hotline-bench] exten (hotline or queue) while its near half runs
// [hotline-caller] and stays on the line until the system hangs it up.
func placeBenchCaller(a *asterisk, exten string) error {
	n := benchCallers.Add(1)
	id := fmt.Sprintf("hotline-bench-caller-%d-%d", os.Getpid(), n)
	q := url.Values{
		"endpoint":  {"Local/" + exten + "@" + benchContext + "/n"},
		"context":   {"hotline-caller"},
		"extension": {"s"},
		"priority":  {"1"},
		"callerId":  {fmt.Sprintf("bench <%d>", 5550000+n)},
		"timeout":   {"120"},
	}
	vars := map[string]any{"variables": map[string]string{"CALLER_REST": "120"}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return a.do(ctx, http.MethodPost, "/channels/"+url.PathEscape(id), q, vars, nil)
}

// hangupBench hangs up whatever bench channel a failed run left behind,
// and no other: the Asterisk may be shared with other tests.
func hangupBench(t *testing.T, a *asterisk, cl classifier) {
	for _, ch := range a.channels(t) {
		if cl.role(ch.Name) != roleNone {
			_ = a.do(context.Background(), http.MethodDelete, "/channels/"+url.PathEscape(ch.ID), nil, nil, nil)
		}
	}
}

// --- the observer ---

type role uint8

const (
	roleNone role = iota
	roleCaller
	roleAgent
)

// classifier tells bench channels from others by name: callers are
// Local/<exten>@hotline-bench-<n>;<half>, agents
// Local/<phone>@hotline-agents-<n>;<half> for the bench's phones.
type classifier struct{ agentPrefixes []string }

func newClassifier(members []string) classifier {
	var c classifier
	for _, m := range members {
		c.agentPrefixes = append(c.agentPrefixes, "Local/"+phoneExten(m)+"@"+agentsContext+"-")
	}
	return c
}

func (c classifier) role(name string) role {
	if strings.HasPrefix(name, "Local/") && strings.Contains(name, "@"+benchContext+"-") {
		return roleCaller
	}
	for _, p := range c.agentPrefixes {
		if strings.HasPrefix(name, p) {
			return roleAgent
		}
	}
	return roleNone
}

// probeEvent is one ARI event about a bench channel, reduced to what the
// figures need. pair names the Local channel both halves belong to.
type probeEvent struct {
	kind   string // created, entered (Stasis or Queue), up, bridged, destroyed
	at     time.Time
	role   role
	pair   string
	bridge string
}

type probe struct {
	cl classifier

	mu     sync.Mutex // guards events, live, err
	events []probeEvent
	live   map[string]bool // bench channels created and not yet destroyed, by name
	err    error           // why the event stream ended
}

// startProbe subscribes a separate ARI application to all of Asterisk's
// events and records those about bench channels.
func startProbe(t *testing.T, a *asterisk, cl classifier) *probe {
	t.Helper()
	conn := a.subscribeAll(t, probeApp)
	p := &probe{cl: cl, live: map[string]bool{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			msg, err := conn.ReadMessage()
			if err != nil {
				p.mu.Lock()
				p.err = err
				p.mu.Unlock()
				return
			}
			p.handle(msg)
		}
	}()
	t.Cleanup(func() {
		_ = conn.Close()
		<-done
	})
	return p
}

type ariMessage struct {
	Type        string `json:"type"`
	Timestamp   string `json:"timestamp"`
	DialplanApp string `json:"dialplan_app"`
	Channel     *struct {
		Name  string `json:"name"`
		State string `json:"state"`
	} `json:"channel"`
	Bridge *struct {
		ID string `json:"id"`
	} `json:"bridge"`
}

func (p *probe) handle(msg []byte) {
	var m ariMessage
	if json.Unmarshal(msg, &m) != nil || m.Channel == nil {
		return
	}
	r := p.cl.role(m.Channel.Name)
	if r == roleNone {
		return
	}
	at, err := parseARITime(m.Timestamp)
	if err != nil {
		p.mu.Lock()
		p.err = fmt.Errorf("event %s: %w", m.Type, err)
		p.mu.Unlock()
		return
	}
	e := probeEvent{at: at, role: r}
	e.pair, _, _ = strings.Cut(m.Channel.Name, ";")
	switch {
	case m.Type == "ChannelCreated":
		e.kind = "created"
	case m.Type == "ChannelDestroyed":
		e.kind = "destroyed"
	case m.Type == "ChannelDialplan" && (m.DialplanApp == "Stasis" || m.DialplanApp == "Queue"):
		e.kind = "entered"
	case m.Type == "ChannelStateChange" && m.Channel.State == "Up":
		e.kind = "up"
	case m.Type == "ChannelEnteredBridge" && m.Bridge != nil:
		e.kind, e.bridge = "bridged", m.Bridge.ID
	default:
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e.kind {
	case "created":
		p.live[m.Channel.Name] = true
	case "destroyed":
		delete(p.live, m.Channel.Name)
	}
	p.events = append(p.events, e)
}

// parseARITime reads Asterisk's event timestamps,
// e.g. 2025-11-22T04:10:11.123+0000 (milliseconds, or finer).
func parseARITime(s string) (time.Time, error) {
	return time.Parse("2006-01-02T15:04:05.999999999-0700", s)
}

// mark returns the position of the next event, to slice a scenario's events.
func (p *probe) mark() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.events)
}

func (p *probe) since(i int) []probeEvent {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.events[i:])
}

// waitFor polls cond over the events recorded since mark until it holds.
func (p *probe) waitFor(t *testing.T, mark int, limit time.Duration, what string, cond func(ev []probeEvent, live int) bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		p.mu.Lock()
		ok, err := cond(p.events[mark:], len(p.live)), p.err
		p.mu.Unlock()
		switch {
		case ok:
			return
		case err != nil:
			t.Fatalf("probe stopped while waiting for %s: %v", what, err)
		case time.Now().After(deadline):
			t.Fatalf("waited %s for %s; recorded events: %s", limit, what, describe(p.since(mark)))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func count(ev []probeEvent, kind string, r role) int {
	seen := map[string]bool{}
	for _, e := range ev {
		if e.kind == kind && e.role == r {
			seen[e.pair] = true
		}
	}
	return len(seen)
}

func describe(ev []probeEvent) string {
	if len(ev) > 40 {
		ev = ev[len(ev)-40:]
	}
	var b strings.Builder
	for _, e := range ev {
		fmt.Fprintf(&b, "\n  %s %s %s", e.at.Format("15:04:05.000"), e.kind, e.pair)
	}
	return b.String()
}

// --- scenarios ---

// runOneAtATime places callers one by one, each after the previous call
// ended, so every caller finds free agents; it returns entry → agent.
func runOneAtATime(t *testing.T, a *asterisk, p *probe, exten string, calls int) []time.Duration {
	t.Helper()
	mark := p.mark()
	for i := 1; i <= calls; i++ {
		if err := placeBenchCaller(a, exten); err != nil {
			t.Fatalf("%s caller %d: %v", exten, i, err)
		}
		p.waitFor(t, mark, 10*time.Second, fmt.Sprintf("%s caller %d to be served and gone", exten, i)+hint(exten),
			func(ev []probeEvent, live int) bool { return count(ev, "created", roleAgent) >= i && live == 0 })
	}
	ev := p.since(mark)
	checkServed(t, exten+", agents free", ev, calls)
	return entryToAgent(ev)
}

// runBacklog places callers faster than the agents can serve them: the
// first few take the free agents, the rest wait; it returns agent free →
// next agent channel. Arrivals are random (Poisson, a caller every 150 ms
// on average, from a fixed seed), as real ones are: with evenly spaced
// callers, app_queue's once-a-second rechecks would fall at the same
// moment after every freed agent, and its figure would depend on the
// spacing chosen rather than on its design.
func runBacklog(t *testing.T, a *asterisk, p *probe, exten string, calls int) []time.Duration {
	t.Helper()
	mark := p.mark()
	rng := rand.New(rand.NewPCG(1, uint64(calls)))
	at := time.Now()
	for i := 1; i <= calls; i++ {
		time.Sleep(time.Until(at))
		if err := placeBenchCaller(a, exten); err != nil {
			t.Fatalf("%s caller %d: %v", exten, i, err)
		}
		at = at.Add(time.Duration(rng.ExpFloat64() * float64(150*time.Millisecond)))
	}
	p.waitFor(t, mark, time.Duration(calls)*time.Second+20*time.Second, fmt.Sprintf("%d %s callers to be served and gone", calls, exten)+hint(exten),
		func(ev []probeEvent, live int) bool { return count(ev, "created", roleAgent) >= calls && live == 0 })
	ev := p.since(mark)
	checkServed(t, exten+", agents busy", ev, calls)
	return freeToAgent(ev)
}

func hint(exten string) string {
	if exten == "queue" {
		return " (app_queue: was Asterisk started by asterisk.sh since queues.conf and [hotline-bench] exist? `asterisk -rx 'queue show hotline-bench'`)"
	}
	return ""
}

// checkServed asserts that every caller entered, got exactly one agent
// channel, and shared a bridge with an agent that answered.
func checkServed(t *testing.T, what string, ev []probeEvent, calls int) {
	t.Helper()
	members := map[string][]probeEvent{} // bridge → who entered it
	answered := map[string]bool{}
	for _, e := range ev {
		switch e.kind {
		case "bridged":
			members[e.bridge] = append(members[e.bridge], e)
		case "up":
			if e.role == roleAgent {
				answered[e.pair] = true
			}
		}
	}
	served := map[string]bool{}
	for _, in := range members {
		agent := slices.ContainsFunc(in, func(e probeEvent) bool { return e.role == roleAgent && answered[e.pair] })
		for _, e := range in {
			if agent && e.role == roleCaller {
				served[e.pair] = true
			}
		}
	}
	entered, agents := count(ev, "entered", roleCaller), count(ev, "created", roleAgent)
	if entered != calls || agents != calls || len(served) != calls {
		t.Errorf("%s: %d callers entered, %d agent channels, %d callers bridged with an answered agent; want %d each",
			what, entered, agents, len(served), calls)
	}
}

// entryToAgent pairs each caller's entry into the queue with the next
// agent channel created; callers come one at a time, so the pairs are
// exact.
func entryToAgent(ev []probeEvent) []time.Duration {
	var out []time.Duration
	var waiting []time.Time
	seen := map[string]bool{}
	for _, e := range ev {
		if seen[e.kind+e.pair] {
			continue // the other half of a Local channel
		}
		seen[e.kind+e.pair] = true
		switch {
		case e.kind == "entered" && e.role == roleCaller:
			waiting = append(waiting, e.at)
		case e.kind == "created" && e.role == roleAgent && len(waiting) > 0:
			out = append(out, e.at.Sub(waiting[0]))
			waiting = waiting[1:]
		}
	}
	return out
}

// freeToAgent measures, while callers wait, from an agent's phone hanging
// up (the first half of its Local channel destroyed) to the next agent
// channel created. A free agent counts only if a waiting caller is not
// already promised to an agent freed earlier.
func freeToAgent(ev []probeEvent) []time.Duration {
	var out []time.Duration
	waiting := 0
	var free []time.Time
	seen := map[string]bool{}
	for _, e := range ev {
		if seen[e.kind+e.pair] {
			continue
		}
		seen[e.kind+e.pair] = true
		switch {
		case e.kind == "entered" && e.role == roleCaller:
			waiting++
		case e.kind == "created" && e.role == roleAgent:
			if waiting > 0 {
				waiting--
			}
			if len(free) > 0 {
				out = append(out, e.at.Sub(free[0]))
				free = free[1:]
			}
		case e.kind == "destroyed" && e.role == roleAgent && waiting > len(free):
			free = append(free, e.at)
		}
	}
	return out
}

// --- figures ---

type summary struct {
	n             int
	p50, p90, max time.Duration
}

func summarize(d []time.Duration) summary {
	if len(d) == 0 {
		return summary{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	rank := func(p float64) time.Duration { // nearest rank
		i := int(p*float64(len(s))+0.999999) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	return summary{n: len(s), p50: rank(0.5), p90: rank(0.9), max: s[len(s)-1]}
}

func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) + " ms" }

func ratio(slow, fast time.Duration) string {
	if fast <= 0 {
		return "n/a"
	}
	return strconv.FormatFloat(float64(slow)/float64(fast), 'f', 1, 64) + "x"
}

// cpuTime reads utime+stime of a process from /proc (Linux; USER_HZ 100).
func cpuTime(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	_, after, ok := bytes.Cut(raw, []byte(") ")) // the command name may hold spaces
	f := strings.Fields(string(after))
	if !ok || len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, nil
}

// asteriskCPU is the CPU time of the Asterisk asterisk.sh started, or -1
// when its pid file is not readable.
func asteriskCPU(a *asterisk) time.Duration {
	if a.root == "" {
		return -1
	}
	raw, err := os.ReadFile(filepath.Join(a.root, ".hotline", "asterisk.pid"))
	if err != nil {
		return -1
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		return -1
	}
	d, err := cpuTime(pid)
	if err != nil {
		return -1
	}
	return d
}

// --- the hotline daemon ---

type hotlineProc struct {
	cmd     *exec.Cmd
	api     string
	logf    string
	exited  chan struct{} // closed once the process is reaped
	waitErr error         // how it ended; read after exited is closed
}

const benchConfig = `server:
  listen: %q
  log_format: json
  log_level: warn
store:
  path: %q
pbx:
  type: asterisk
  asterisk:
    url: %q
    username: %q
    password: %q
    app: %q
entries:
  - number: bench
    queue: bench
queues:
  - name: bench
    strategy: longest-idle
    ring_timeout: 15s
    wrap_up: 0s
    announce: {interval: 0s, position: false}
agents:
%s`

// startHotline runs `hotline serve` on the bench's Stasis application with
// the queue's members as agents, logged in, and waits until it is ready.
func startHotline(t *testing.T, bin string, a *asterisk, members []string) *hotlineProc {
	t.Helper()
	dir := t.TempDir()
	addr := freeAddr(t)
	var agents strings.Builder
	for i, m := range members {
		fmt.Fprintf(&agents, "  - {id: a%d, endpoint: %q, queues: [{queue: bench}], logged_in: true}\n", i+1, m)
	}
	cfg := fmt.Sprintf(benchConfig, addr, filepath.Join(dir, "hotline.db"), a.url, a.user, a.password, benchApp, agents.String())
	cfgPath := filepath.Join(dir, "hotline.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	h := &hotlineProc{api: "http://" + addr, logf: filepath.Join(dir, "hotline.log"), exited: make(chan struct{})}
	logFile, err := os.Create(h.logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = logFile.Close() })
	h.cmd = exec.Command(bin, "serve", "--config", cfgPath)
	for _, kv := range os.Environ() { // the file, not the test's HOTLINE_* variables, configures it
		if !strings.HasPrefix(kv, "HOTLINE_") {
			h.cmd.Env = append(h.cmd.Env, kv)
		}
	}
	h.cmd.Stdout, h.cmd.Stderr = logFile, logFile
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		h.waitErr = h.cmd.Wait()
		close(h.exited)
	}()
	t.Cleanup(func() { h.stop(t) })

	deadline := time.Now().Add(20 * time.Second)
	for {
		if h.ready(a, len(members)) {
			return h
		}
		select {
		case <-h.exited:
			t.Fatalf("hotline serve exited: %v\n%s", h.waitErr, h.logTail())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("hotline serve not ready within 20 s\n%s", h.logTail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ready: the Stasis application is registered and every agent is available.
func (h *hotlineProc) ready(a *asterisk, agents int) bool {
	if a.do(context.Background(), http.MethodGet, "/applications/"+benchApp, nil, nil, nil) != nil {
		return false
	}
	st, err := h.status()
	if err != nil {
		return false
	}
	avail := 0
	for _, a := range st.Agents {
		if a.State == "available" {
			avail++
		}
	}
	return avail == agents
}

type benchStatus struct {
	Queues []struct {
		Name     string `json:"name"`
		Answered int    `json:"answered"`
	} `json:"queues"`
	Agents []struct {
		State string `json:"state"`
	} `json:"agents"`
}

func (h *hotlineProc) status() (benchStatus, error) {
	var st benchStatus
	resp, err := http.Get(h.api + "/api/v1/status")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("status: %s", resp.Status)
	}
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

// checkAnswered asserts Hotline's own count of answered calls.
func (h *hotlineProc) checkAnswered(t *testing.T, want int) {
	t.Helper()
	st, err := h.status()
	if err != nil {
		t.Fatalf("hotline status: %v", err)
	}
	for _, q := range st.Queues {
		if q.Name == "bench" && q.Answered != want {
			t.Errorf("hotline counts %d answered calls in queue bench; want %d", q.Answered, want)
		}
	}
}

func (h *hotlineProc) cpu(t *testing.T) time.Duration {
	t.Helper()
	d, err := cpuTime(h.cmd.Process.Pid)
	if err != nil {
		t.Fatalf("hotline CPU: %v", err)
	}
	return d
}

// stop ends the daemon with SIGTERM (a kill after 5 s); safe to call twice.
func (h *hotlineProc) stop(t *testing.T) {
	select {
	case <-h.exited:
		return
	default:
	}
	_ = h.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-h.exited:
	case <-time.After(5 * time.Second):
		_ = h.cmd.Process.Kill()
		<-h.exited
	}
	if h.waitErr != nil {
		t.Logf("hotline serve ended: %v\n%s", h.waitErr, h.logTail())
	}
}

func (h *hotlineProc) logTail() string {
	raw, _ := os.ReadFile(h.logf)
	if len(raw) > 4000 {
		raw = raw[len(raw)-4000:]
	}
	return string(raw)
}

// TestLatencyPairing checks how the comparison turns events into figures,
// without Asterisk.
func TestLatencyPairing(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ev := func(ms int, kind string, r role, pair string) probeEvent {
		return probeEvent{kind: kind, at: t0.Add(time.Duration(ms) * time.Millisecond), role: r, pair: pair}
	}
	// Two agents. c1 and c2 find them free; c3 and c4 wait. a1 hangs up
	// (both halves destroyed: one free agent) and c3 gets a3 10 ms later;
	// a2 and then a3 hang up while only c4 waits: the second does not
	// count, c4 gets a4 100 ms after the first.
	backlog := []probeEvent{
		ev(0, "entered", roleCaller, "c1"), ev(1, "created", roleAgent, "a1"), ev(1, "created", roleAgent, "a1"),
		ev(2, "entered", roleCaller, "c2"), ev(4, "created", roleAgent, "a2"),
		ev(5, "entered", roleCaller, "c3"), ev(6, "entered", roleCaller, "c4"),
		ev(600, "destroyed", roleAgent, "a1"), ev(601, "destroyed", roleAgent, "a1"),
		ev(610, "created", roleAgent, "a3"),
		ev(800, "destroyed", roleAgent, "a2"), ev(805, "destroyed", roleAgent, "a3"),
		ev(900, "created", roleAgent, "a4"),
		ev(1500, "destroyed", roleAgent, "a4"),
	}
	if got, want := freeToAgent(backlog), []time.Duration{10 * time.Millisecond, 100 * time.Millisecond}; !slices.Equal(got, want) {
		t.Errorf("freeToAgent = %v, want %v", got, want)
	}
	oneByOne := []probeEvent{
		ev(0, "entered", roleCaller, "c1"), ev(3, "created", roleAgent, "a1"), ev(3, "created", roleAgent, "a1"),
		ev(700, "destroyed", roleAgent, "a1"),
		ev(1000, "entered", roleCaller, "c2"), ev(1001, "entered", roleCaller, "c2"), ev(1007, "created", roleAgent, "a2"),
	}
	if got, want := entryToAgent(oneByOne), []time.Duration{3 * time.Millisecond, 7 * time.Millisecond}; !slices.Equal(got, want) {
		t.Errorf("entryToAgent = %v, want %v", got, want)
	}

	var d []time.Duration
	for i := 10; i >= 1; i-- {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	if got, want := summarize(d), (summary{n: 10, p50: 5 * time.Millisecond, p90: 9 * time.Millisecond, max: 10 * time.Millisecond}); got != want {
		t.Errorf("summarize = %+v, want %+v", got, want)
	}
}

// TestBenchMembers checks that the app_queue members in testdata are
// phones the comparison recognizes, so both systems ring the same ones.
func TestBenchMembers(t *testing.T) {
	members := queueMembers(t, "../testdata/asterisk/queues.conf", benchQueue)
	if len(members) < 2 {
		t.Fatalf("queues.conf [%s]: %d members; the backlog scenario needs several agents", benchQueue, len(members))
	}
	cl := newClassifier(members)
	for _, m := range members {
		name := "Local/" + phoneExten(m) + "@" + agentsContext + "-0000002a;1"
		if cl.role(name) != roleAgent {
			t.Errorf("member %s: its channel %s is not seen as an agent", m, name)
		}
	}
	if r := cl.role("Local/hotline@" + benchContext + "-0000002b;2"); r != roleCaller {
		t.Errorf("a bench caller is seen as role %d", r)
	}
	if r := cl.role("Local/9-1-0-0-@" + agentsContext + "-0000002c;1"); r != roleNone {
		t.Errorf("another test's phone is seen as role %d", r)
	}
}
