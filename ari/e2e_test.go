package ari_test

// End-to-end tests: the real hotline binary, started as a daemon, drives a
// real Asterisk over ARI. Each test asserts on what Hotline stored (the
// calls API) and on what Asterisk itself reports (ARI's channel and bridge
// lists). They need the Asterisk that testdata/asterisk/asterisk.sh starts:
//
//	testdata/asterisk/asterisk.sh start && eval "$(testdata/asterisk/asterisk.sh env)"
//	go test ./ari -count=1 -run AsteriskE2E -v
//
// Every test runs its own daemon under its own Stasis application (callers
// reach it through [hotline-e2e-entry], which enters the application the
// caller names in HOTLINE_E2E_APP) and tags its phones' extensions, so
// tests sharing the Asterisk never see each other's calls.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
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

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/api"
	"github.com/hotline-cc/hotline/ari/internal/ws"
	"github.com/hotline-cc/hotline/store"
)

// e2eEntryContext is the context test callers dial into (see
// testdata/asterisk/extensions.conf).
const e2eEntryContext = "hotline-e2e-entry"

// asterisk is the real Asterisk under test, seen through ARI's REST API.
type asterisk struct {
	url, user, password, root string
	http                      *http.Client
}

// e2eNeed returns the Asterisk named by HOTLINE_ASTERISK_* or skips the
// test, and makes sure the running Asterisk has the e2e entry context (it
// may have been started before the context was added to the testdata).
func e2eNeed(t *testing.T) *asterisk {
	t.Helper()
	a := &asterisk{
		url:      strings.TrimSuffix(os.Getenv("HOTLINE_ASTERISK_URL"), "/"),
		user:     os.Getenv("HOTLINE_ASTERISK_USERNAME"),
		password: os.Getenv("HOTLINE_ASTERISK_PASSWORD"),
		root:     os.Getenv("HOTLINE_ASTERISK_ROOT"),
		http:     &http.Client{Timeout: 30 * time.Second},
	}
	if a.url == "" {
		t.Skip("HOTLINE_ASTERISK_URL not set; run testdata/asterisk/asterisk.sh start and eval its env")
	}
	if a.root == "" {
		t.Fatal("HOTLINE_ASTERISK_ROOT not set: the end-to-end tests read recordings and write dialplan under it")
	}
	if err := a.do(context.Background(), http.MethodGet, "/asterisk/ping", nil, nil, nil); err != nil {
		t.Fatalf("Asterisk at %s does not answer (%v); if asterisk.sh restarted it, eval its env again", a.url, err)
	}
	e2eEnsureDialplan(t, a)
	return a
}

var e2eDialplanMu sync.Mutex

// e2eEnsureDialplan appends the testdata's e2e contexts to the running
// Asterisk's extensions.conf when they are missing, and reloads it.
func e2eEnsureDialplan(t *testing.T, a *asterisk) {
	t.Helper()
	e2eDialplanMu.Lock()
	defer e2eDialplanMu.Unlock()
	live := filepath.Join(a.root, "etc/asterisk/extensions.conf")
	have, err := os.ReadFile(live)
	if err != nil {
		t.Fatalf("reading the running Asterisk's dialplan: %v", err)
	}
	if bytes.Contains(have, []byte("["+e2eEntryContext+"]")) {
		return
	}
	src, err := os.ReadFile(filepath.Join(moduleRoot(t), "testdata/asterisk/extensions.conf"))
	if err != nil {
		t.Fatal(err)
	}
	// The e2e part starts at the comment block just above the context.
	i := bytes.Index(src, []byte("["+e2eEntryContext+"]"))
	if i < 0 {
		t.Fatalf("testdata/asterisk/extensions.conf has no [%s] context", e2eEntryContext)
	}
	if j := bytes.LastIndex(src[:i], []byte("\n\n")); j >= 0 {
		i = j
	}
	if err := os.WriteFile(live, append(have, src[i:]...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := a.do(context.Background(), http.MethodPut, "/asterisk/modules/pbx_config", nil, nil, nil); err != nil {
		t.Fatalf("reloading the dialplan: %v", err)
	}
	t.Logf("added [%s] to %s and reloaded the dialplan", e2eEntryContext, live)
}

// subscribeAll opens an event websocket for app, an observer subscribed
// to the events of every channel (Hotline's applications go on unaware):
// their states, dialplan steps and playbacks.
//
// Not subscribeAll=true: that subscribes every event source, device
// states included, and Asterisk 22 can hang its ARI for good when such a
// websocket closes while a device state is being dispatched to it (the
// lock cycle of asterisk/asterisk#2170), as the channels of a test end at
// its close. One such hang, as an observer's websocket closed, failed
// every Asterisk test after it.
func (a *asterisk) subscribeAll(t *testing.T, app string) *ws.Conn {
	t.Helper()
	r, _ := http.NewRequest(http.MethodGet, a.url, nil)
	r.SetBasicAuth(a.user, a.password)
	h := http.Header{"Authorization": r.Header["Authorization"]}
	q := url.Values{"app": {app}, "subscribeAll": {"false"}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := ws.Dial(ctx, a.url+"/events?"+q.Encode(), h, 0)
	if err != nil {
		t.Fatalf("subscribing %s to Asterisk's events: %v", app, err)
	}
	// "channel:" with no id is every channel.
	if err := a.do(ctx, http.MethodPost, "/applications/"+url.PathEscape(app)+"/subscription", url.Values{"eventSource": {"channel:"}}, nil, nil); err != nil {
		_ = conn.Close()
		t.Fatalf("subscribing %s to every channel's events: %v", app, err)
	}
	return conn
}

// e2eARIError is a non-2xx answer from ARI.
type e2eARIError struct {
	status int
	body   string
}

func (e *e2eARIError) Error() string { return fmt.Sprintf("ARI %d: %s", e.status, e.body) }

func e2eNotFound(err error) bool {
	var ae *e2eARIError
	return errors.As(err, &ae) && ae.status == http.StatusNotFound
}

// do sends one ARI request; body (if any) goes as JSON, a 2xx answer is
// decoded into out (if any).
func (a *asterisk) do(ctx context.Context, method, path string, q url.Values, body, out any) error {
	u := a.url + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	req.SetBasicAuth(a.user, a.password)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return &e2eARIError{status: resp.StatusCode, body: strings.TrimSpace(string(data))}
	}
	if out != nil && len(data) > 0 {
		return json.Unmarshal(data, out)
	}
	return nil
}

// e2eChannel and e2eBridge are the parts of ARI's models the tests read.
type e2eChannel struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	State    string `json:"state"`
	Dialplan struct {
		Context string `json:"context"`
		Exten   string `json:"exten"`
		AppName string `json:"app_name"`
		AppData string `json:"app_data"`
	} `json:"dialplan"`
}

type e2eBridge struct {
	ID       string   `json:"id"`
	Channels []string `json:"channels"`
}

// e2eOurs: the channel belongs to the test with tag and app.
func e2eOurs(ch e2eChannel, tag, app string) bool {
	return strings.Contains(ch.ID, tag) || strings.Contains(ch.Name, tag) ||
		strings.HasPrefix(ch.Dialplan.AppData, app+",")
}

func (a *asterisk) channels(t *testing.T) []e2eChannel {
	t.Helper()
	var out []e2eChannel
	if err := a.do(context.Background(), http.MethodGet, "/channels", nil, nil, &out); err != nil {
		t.Fatalf("GET /channels: %v", err)
	}
	return out
}

func (a *asterisk) bridges(t *testing.T) []e2eBridge {
	t.Helper()
	var out []e2eBridge
	if err := a.do(context.Background(), http.MethodGet, "/bridges", nil, nil, &out); err != nil {
		t.Fatalf("GET /bridges: %v", err)
	}
	return out
}

// channelsTagged are the channels whose id or name carries tag: a test's
// callers (ids) and agent phones (names, through the extension).
func (a *asterisk) channelsTagged(t *testing.T, tag string) []e2eChannel {
	t.Helper()
	var out []e2eChannel
	for _, ch := range a.channels(t) {
		if strings.Contains(ch.ID, tag) || strings.Contains(ch.Name, tag) {
			out = append(out, ch)
		}
	}
	return out
}

// hasChannel reports whether Asterisk still has the channel.
func (a *asterisk) hasChannel(t *testing.T, id string) bool {
	t.Helper()
	err := a.do(context.Background(), http.MethodGet, "/channels/"+url.PathEscape(id), nil, nil, nil)
	if err != nil && !e2eNotFound(err) {
		t.Fatalf("GET /channels/%s: %v", id, err)
	}
	return err == nil
}

// hangup hangs a channel up as a phone would.
func (a *asterisk) hangup(t *testing.T, id string) {
	t.Helper()
	if err := a.do(context.Background(), http.MethodDelete, "/channels/"+url.PathEscape(id), nil, nil, nil); err != nil {
		t.Fatalf("hanging up %s: %v", id, err)
	}
}

// bridgeWith is the bridge holding every one of ids, if any.
func (a *asterisk) bridgeWith(t *testing.T, ids ...string) (e2eBridge, bool) {
	t.Helper()
	for _, b := range a.bridges(t) {
		n := 0
		for _, id := range ids {
			for _, c := range b.Channels {
				if c == id {
					n++
				}
			}
		}
		if n == len(ids) {
			return b, true
		}
	}
	return e2eBridge{}, false
}

// clearTest hangs up what a test left in Asterisk: channels carrying its tag
// or in its application, and the bridges of its calls (Hotline names them
// b-<call id>).
func (a *asterisk) clearTest(t *testing.T, tag, app string, calls map[string]bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var chans []e2eChannel
	if err := a.do(ctx, http.MethodGet, "/channels", nil, nil, &chans); err != nil {
		t.Logf("cleanup: GET /channels: %v", err)
		return
	}
	for _, ch := range chans {
		if e2eOurs(ch, tag, app) {
			if err := a.do(ctx, http.MethodDelete, "/channels/"+url.PathEscape(ch.ID), nil, nil, nil); err != nil && !e2eNotFound(err) {
				t.Logf("cleanup: hangup %s: %v", ch.ID, err)
			}
		}
	}
	var brs []e2eBridge
	if err := a.do(ctx, http.MethodGet, "/bridges", nil, nil, &brs); err != nil {
		t.Logf("cleanup: GET /bridges: %v", err)
		return
	}
	for _, b := range brs {
		if calls[strings.TrimPrefix(b.ID, "b-")] {
			_ = a.do(ctx, http.MethodDelete, "/bridges/"+url.PathEscape(b.ID), nil, nil, nil)
		}
	}
}

// e2eCaller scripts a test caller: it dials number, and once Hotline answers it
// waits DTMFAfter, sends DTMF, and hangs up HangupAfter after the answer
// (0 = stays on the line until the test ends).
type e2eCaller struct {
	Number      string
	From        string
	DTMF        string
	DTMFAfter   time.Duration
	HangupAfter time.Duration
	Context     string // entry context; "" = [hotline-e2e-entry]
	// Say is a sound the caller plays (a path inside Asterisk's root,
	// without extension) once it heard Hotline's prompt end.
	Say string
}

// e2ePlaced names both halves of a test caller's Local channel: Near runs
// the script in [hotline-caller], Far is the channel Hotline gets.
type e2ePlaced struct{ Near, Far string }

var e2eCallerSeq atomic.Int64

// place originates a caller for app and hangs it up at cleanup.
func (a *asterisk) place(t *testing.T, app, tag string, c e2eCaller) e2ePlaced {
	t.Helper()
	ctxName := c.Context
	if ctxName == "" {
		ctxName = e2eEntryContext
	}
	vars := map[string]string{"HOTLINE_E2E_APP": app}
	if c.DTMF != "" {
		vars["CALLER_DTMF"] = c.DTMF
		vars["CALLER_DTMF_WAIT"] = e2eSecs(c.DTMFAfter)
	}
	if c.Say != "" {
		vars["CALLER_SAY"], vars["CALLER_SAY_WAIT"] = c.Say, "prompt"
	}
	if c.HangupAfter > 0 {
		rest := c.HangupAfter
		if c.DTMF != "" {
			rest -= c.DTMFAfter
		}
		vars["CALLER_REST"] = e2eSecs(max(rest, 10*time.Millisecond))
	}
	id := fmt.Sprintf("%s-caller-%d", tag, e2eCallerSeq.Add(1))
	pc := e2ePlaced{Near: id, Far: id + "-in"}
	q := url.Values{
		"endpoint":       {"Local/" + c.Number + "@" + ctxName + "/n"},
		"context":        {"hotline-caller"},
		"extension":      {"s"},
		"priority":       {"1"},
		"callerId":       {c.From},
		"timeout":        {"60"},
		"otherChannelId": {pc.Far},
	}
	if err := a.do(context.Background(), http.MethodPost, "/channels/"+url.PathEscape(id), q,
		map[string]any{"variables": vars}, nil); err != nil {
		t.Fatalf("placing caller %s to %s: %v", id, c.Number, err)
	}
	t.Cleanup(func() {
		for _, ch := range []string{pc.Near, pc.Far} {
			_ = a.do(context.Background(), http.MethodDelete, "/channels/"+url.PathEscape(ch), nil, nil, nil)
		}
	})
	return pc
}

// e2ePhone scripts an agent phone of [hotline-agents]: it rings Answer, answers,
// and hangs up Hangup later (0 = stays on the line).
type e2ePhone struct{ Answer, Hangup time.Duration }

// e2eNeverAnswers is a phone that rings for ten minutes.
var e2eNeverAnswers = e2ePhone{Answer: 10 * time.Minute}

// endpoint is the phone's dial string; the tag and the agent's name in the
// extension make the channel's name unique to the test and the agent.
func (p e2ePhone) endpoint(tag, agent string) string {
	rest := "0"
	if p.Hangup > 0 {
		rest = e2eSecs(p.Hangup)
	}
	return fmt.Sprintf("Local/9-%s-%s-0--%s%s@hotline-agents/n", e2eSecs(p.Answer), rest, tag, agent)
}

func e2eSecs(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

// moduleRoot is the directory of go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		t.Fatal("not inside the Hotline module")
	}
	return filepath.Dir(gomod)
}

// buildHotline builds cmd/hotline into the test's temp dir.
func buildHotline(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "hotline")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/hotline")
	cmd.Dir = moduleRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/hotline: %v\n%s", err, out)
	}
	return bin
}

// freeAddr is a loopback address nothing listens on (at the time asked).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// e2eScenario is one end-to-end test's setting: its Asterisk, tag, Stasis
// application, hotline binary and config file.
type e2eScenario struct {
	t      *testing.T
	ast    *asterisk
	tag    string // in every caller id and phone name of the test
	app    string
	bin    string
	dir    string
	config string
	listen string
	d      *e2eDaemon // the daemon running now, if any

	mu    sync.Mutex      // guards calls
	calls map[string]bool // ids of the calls the test has seen in records
}

var e2eScenarioSeq atomic.Int64

// newE2E builds hotline and writes its config: the common part
// (server, store, pbx) followed by testdata/asterisk/e2e/<name>.yaml with
// @TAG@ replaced and every "@PHONE:<agent>@" replaced by the dial string of
// phones[agent]. ariURL overrides the ARI address (a proxy); "" = Asterisk's
// own.
func newE2E(t *testing.T, name string, phones map[string]e2ePhone, ariURL string) *e2eScenario {
	t.Helper()
	ast := e2eNeed(t)
	n := e2eScenarioSeq.Add(1)
	s := &e2eScenario{
		t:      t,
		ast:    ast,
		tag:    fmt.Sprintf("e2e%d%sx%d", os.Getpid()%100000, strings.ReplaceAll(name, "-", ""), n),
		app:    fmt.Sprintf("hotline-e2e-%s-%d-%d", name, os.Getpid(), n),
		bin:    buildHotline(t),
		dir:    t.TempDir(),
		listen: freeAddr(t),
		calls:  map[string]bool{},
	}
	if ariURL == "" {
		ariURL = ast.url
	}
	body, err := os.ReadFile(filepath.Join(moduleRoot(t), "testdata/asterisk/e2e", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	pairs := []string{"@TAG@", s.tag}
	for agent, ep := range phones {
		pairs = append(pairs, "@PHONE:"+agent+"@", ep.endpoint(s.tag, agent))
	}
	text := strings.NewReplacer(pairs...).Replace(string(body))
	if i := strings.Index(text, "@PHONE:"); i >= 0 {
		t.Fatalf("%s.yaml: no phone given for %s", name, text[i:min(len(text), i+30)])
	}
	head := fmt.Sprintf(`server:
  listen: %q
  log_format: console
  log_level: debug
store:
  path: %q
pbx:
  type: asterisk
  asterisk:
    url: %q
    username: %q
    password: %q
    app: %q
    ping_interval: 500ms
`, s.listen, filepath.Join(s.dir, "hotline.db"), ariURL, ast.user, ast.password, s.app)
	s.config = filepath.Join(s.dir, "hotline.yaml")
	if err := os.WriteFile(s.config, []byte(head+text), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		ast.clearTest(t, s.tag, s.app, s.calls)
	})
	return s
}

// call places a caller to Hotline (number, from this test's tag).
func (s *e2eScenario) call(c e2eCaller) e2ePlaced {
	s.t.Helper()
	if c.From == "" {
		c.From = "5550100"
	}
	return s.ast.place(s.t, s.app, s.tag, c)
}

// e2eDaemon is one run of `hotline serve`.
type e2eDaemon struct {
	cmd    *exec.Cmd
	api    string
	log    *e2eLog
	exited chan struct{}
	err    error // Wait's result, once exited is closed
}

// e2eLog collects the daemon's output.
type e2eLog struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *e2eLog) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *e2eLog) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// start runs `hotline serve` on the scenario's config and waits until its
// API answers and Asterisk lists its Stasis application. At cleanup it is
// stopped (if still running) and, should the test have failed, its log, its
// records and Asterisk's channels are dumped.
func (s *e2eScenario) start() *e2eDaemon {
	t := s.t
	t.Helper()
	d := &e2eDaemon{api: "http://" + s.listen, log: &e2eLog{}, exited: make(chan struct{})}
	d.cmd = exec.Command(s.bin, "serve", "--config", s.config)
	// The test's own HOTLINE_* variables would override the config.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOTLINE_") {
			d.cmd.Env = append(d.cmd.Env, kv)
		}
	}
	d.cmd.Stdout, d.cmd.Stderr = d.log, d.log
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("starting hotline: %v", err)
	}
	go func() { d.err = d.cmd.Wait(); close(d.exited) }()
	run := s.d
	s.d = d
	if run == nil {
		// Registered once: dump first (while the daemon still answers),
		// then hang up what the test left and stop, so that the channels go
		// while Hotline's application is still up. Once, after a test whose
		// stopped application still had channels in it, Asterisk 22 hung
		// every later ARI request while tearing that application down as
		// the next test's was made (not reproduced; this avoids the case).
		t.Cleanup(func() {
			if s.d != nil {
				s.mu.Lock()
				s.ast.clearTest(t, s.tag, s.app, s.calls)
				s.mu.Unlock()
				s.d.stop(t)
			}
		})
		t.Cleanup(func() {
			var calls []api.Call
			if body, err := s.d.get("/api/v1/calls"); err == nil && json.Unmarshal(body, &calls) == nil {
				s.seen(api.CallRecords(calls))
			}
			if t.Failed() {
				s.dump()
			}
		})
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-d.exited:
			t.Fatalf("hotline exited during start-up: %v\n%s", d.err, d.log.String())
		default:
		}
		if s.ready() {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("hotline not ready within 20 s (API %s, ARI application %s)", d.api, s.app)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ready: the API answers /healthz and Asterisk has the Stasis application.
func (s *e2eScenario) ready() bool {
	resp, err := http.Get(s.d.api + "/healthz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	return s.ast.do(context.Background(), http.MethodGet, "/applications/"+url.PathEscape(s.app), nil, nil, nil) == nil
}

// durable waits until the daemon has committed every record write it
// queued (its /healthz says none is queued): what the API showed before
// is on disk, so a kill after it tests a crash, not a lost write.
func (s *e2eScenario) durable() {
	s.t.Helper()
	s.eventually(10*time.Second, "the daemon's records committed", func() (bool, string) {
		var h api.Health
		body, err := s.d.get("/healthz")
		if err != nil || json.Unmarshal(body, &h) != nil || h.Store == nil {
			return false, fmt.Sprintf("/healthz: %v %s", err, body)
		}
		return h.Store.Queued == 0, fmt.Sprintf("%d writes queued", h.Store.Queued)
	})
}

// kill ends the daemon with SIGKILL: no shutdown, no last writes.
func (d *e2eDaemon) kill(t *testing.T) {
	t.Helper()
	_ = d.cmd.Process.Signal(syscall.SIGKILL)
	<-d.exited
}

// stop ends the daemon with SIGTERM, then SIGKILL after 30 s.
func (d *e2eDaemon) stop(t *testing.T) {
	select {
	case <-d.exited:
		return
	default:
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.exited:
	case <-time.After(30 * time.Second):
		t.Logf("hotline ignored SIGTERM for 30 s; killing it")
		d.kill(t)
	}
}

// dump logs what helps to see why a test failed.
func (s *e2eScenario) dump() {
	t := s.t
	if s.d != nil {
		log := s.d.log.String()
		if lines := strings.Split(log, "\n"); len(lines) > 150 {
			log = "...\n" + strings.Join(lines[len(lines)-150:], "\n")
		}
		t.Logf("hotline log (last lines):\n%s", log)
		for _, p := range []string{"/api/v1/calls", "/api/v1/status"} {
			if body, err := s.d.get(p); err == nil {
				var b bytes.Buffer
				if json.Compact(&b, body) == nil {
					body = b.Bytes()
				}
				t.Logf("GET %s:\n%s", p, body)
			} else {
				t.Logf("GET %s: %v", p, err)
			}
		}
	}
	mine := map[string]bool{}
	var chans []json.RawMessage
	if err := s.ast.do(context.Background(), http.MethodGet, "/channels", nil, nil, &chans); err == nil {
		var b strings.Builder
		for _, c := range chans {
			var ch e2eChannel
			_ = json.Unmarshal(c, &ch)
			if e2eOurs(ch, s.tag, s.app) {
				mine[ch.ID] = true
				fmt.Fprintf(&b, "  %s\n", c)
			}
		}
		t.Logf("Asterisk's channels of this test:\n%s", b.String())
	}
	var brs []e2eBridge
	if err := s.ast.do(context.Background(), http.MethodGet, "/bridges", nil, nil, &brs); err == nil {
		var b strings.Builder
		for _, br := range brs {
			if slices.ContainsFunc(br.Channels, func(id string) bool { return mine[id] }) || s.sawCall(strings.TrimPrefix(br.ID, "b-")) {
				fmt.Fprintf(&b, "  %s: %v\n", br.ID, br.Channels)
			}
		}
		t.Logf("Asterisk's bridges of this test:\n%s", b.String())
	}
}

func (d *e2eDaemon) get(path string) ([]byte, error) {
	resp, err := http.Get(d.api + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(body))
	}
	return body, err
}

func (s *e2eScenario) getJSON(path string, out any) {
	s.t.Helper()
	body, err := s.d.get(path)
	if err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
	if err := json.Unmarshal(body, out); err != nil {
		s.t.Fatalf("GET %s: %v\n%s", path, err, body)
	}
}

func (s *e2eScenario) status() engine.Status {
	s.t.Helper()
	var st engine.Status
	s.getJSON("/api/v1/status", &st)
	return st
}

func (s *e2eScenario) agent(id string) engine.AgentStatus {
	s.t.Helper()
	for _, a := range s.status().Agents {
		if a.ID == id {
			return a
		}
	}
	s.t.Fatalf("status lists no agent %q", id)
	return engine.AgentStatus{}
}

func (s *e2eScenario) records() []store.CallRecord {
	s.t.Helper()
	var calls []api.Call
	s.getJSON("/api/v1/calls", &calls)
	recs := api.CallRecords(calls)
	s.seen(recs)
	return recs
}

func (s *e2eScenario) sawCall(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[id]
}

// seen notes the calls' ids, so cleanup can find their bridges.
func (s *e2eScenario) seen(recs []store.CallRecord) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range recs {
		s.calls[r.ID] = true
	}
}

// liveCall is the status of the live call on channel ch, if any.
func (s *e2eScenario) liveCall(ch string) (engine.CallStatus, bool) {
	s.t.Helper()
	rec, ok := s.recordOf(ch)
	if !ok {
		return engine.CallStatus{}, false
	}
	for _, c := range s.status().Calls {
		if c.ID == rec.ID {
			return c, true
		}
	}
	return engine.CallStatus{}, false
}

// recordOf is the record of the call whose channel is ch, if any.
func (s *e2eScenario) recordOf(ch string) (store.CallRecord, bool) {
	s.t.Helper()
	for _, r := range s.records() {
		if r.Channel == ch {
			return r, true
		}
	}
	return store.CallRecord{}, false
}

// agentAction posts login | logout | ready | pause for an agent.
func (s *e2eScenario) agentAction(id, action string) {
	s.t.Helper()
	resp, err := http.Post(s.d.api+"/api/v1/agents/"+url.PathEscape(id)+"/"+action, "application/json", nil)
	if err != nil {
		s.t.Fatalf("%s %s: %v", action, id, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		s.t.Fatalf("%s %s: %s: %s", action, id, resp.Status, body)
	}
}

// eventually polls cond every 200 ms until it holds or timeout passes; then
// the test fails with what and cond's last explanation.
func (s *e2eScenario) eventually(timeout time.Duration, what string, cond func() (bool, string)) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("after %v: %s: %s", timeout, what, why)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitRecord waits until the call on channel ch has a record for which
// cond holds, and returns it.
func (s *e2eScenario) waitRecord(ch string, timeout time.Duration, what string, cond func(store.CallRecord) bool) store.CallRecord {
	s.t.Helper()
	var rec store.CallRecord
	s.eventually(timeout, what, func() (bool, string) {
		r, ok := s.recordOf(ch)
		if !ok {
			return false, "no record for channel " + ch
		}
		rec = r
		b, _ := json.Marshal(r)
		return cond(r), "record: " + string(b)
	})
	return rec
}

// e2eEnded: the record is closed.
func e2eEnded(r store.CallRecord) bool {
	return !r.Ended.IsZero() && r.Outcome != acd.OutcomeInProgress && r.Outcome != ""
}

// noTaggedChannels waits until Asterisk holds no channel of the test.
func (s *e2eScenario) noTaggedChannels(timeout time.Duration) {
	s.t.Helper()
	s.eventually(timeout, "channels of the test left in Asterisk", func() (bool, string) {
		var names []string
		for _, ch := range s.ast.channelsTagged(s.t, s.tag) {
			names = append(names, ch.ID+" "+ch.Name+" "+ch.State)
		}
		return len(names) == 0, strings.Join(names, "; ")
	})
}

// logLines counts lines of the daemon's log that contain every one of words.
func (d *e2eDaemon) logLines(words ...string) int {
	n := 0
	sc := bufio.NewScanner(strings.NewReader(d.log.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(sc.Text(), w)
		}
		if ok {
			n++
		}
	}
	return n
}

// e2eWithin reports whether got is within tol of want.
func e2eWithin(got, want, tol time.Duration) bool {
	d := got - want
	return d >= -tol && d <= tol
}
