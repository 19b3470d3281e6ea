package esl_test

// End-to-end tests: the real hotline binary, started as a daemon with
// --pbx freeswitch, drives the real FreeSWITCH (see freeswitch_test.go).
// Each scenario runs its own daemon and store, and callers reach it through
// the dialplan "hotline dialplan render" makes for its config (park or
// socket mode, fallback included); its callers and phones carry
// the scenario's tag, and whatever is left of them is hung up at the end.
// Assertions are on what Hotline stored (the calls API) and on what
// FreeSWITCH itself reports.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/acd/engine"
	"github.com/hotline-cc/hotline/acd/pbx/farend"
	"github.com/hotline-cc/hotline/api"
	"github.com/hotline-cc/hotline/internal/linkcut"
	"github.com/hotline-cc/hotline/store"
)

var (
	hotlineBinOnce sync.Once
	hotlineBin     string
	hotlineBinErr  error
)

// buildHotline builds cmd/hotline once per test binary.
func buildHotline(t *testing.T) string {
	t.Helper()
	hotlineBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hotline-e2e-")
		if err != nil {
			hotlineBinErr = err
			return
		}
		hotlineBin = filepath.Join(dir, "hotline")
		cmd := exec.Command("go", "build", "-o", hotlineBin, "./cmd/hotline")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			hotlineBinErr = fmt.Errorf("go build ./cmd/hotline: %v\n%s", err, out)
		}
	})
	if hotlineBinErr != nil {
		t.Fatal(hotlineBinErr)
	}
	return hotlineBin
}

// fsScenario is one end-to-end test: its FreeSWITCH, tag, config and daemon.
type fsScenario struct {
	t      *testing.T
	fs     *freeSWITCH
	tag    string
	socket string // outbound listen address in socket mode, "" in park mode
	config string
	api    string
	d      *fsDaemon
	placed int            // callers placed
	relay  *linkcut.Relay // between Hotline and the switch, if the test cuts the link
	before string         // the logs of daemons this scenario already replaced
	down   bool           // the test shut FreeSWITCH down: no channel is left to hang up
}

type fsDaemon struct {
	cmd    *exec.Cmd
	log    *e2eLog
	exited chan struct{}
}

// e2eLog collects the daemon's output.
type e2eLog struct {
	mu sync.Mutex // guards b
	b  strings.Builder
}

func (l *e2eLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *e2eLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newScenario writes a config: the FreeSWITCH link, then body, in which
// @PHONE:<spec>@ becomes the dial string of a test phone (answer-<ms>,
// answer-<ms>-hangup-<ms>, noanswer, busy) and @TAG@ the scenario's tag
// (for dial strings of its own: hltest_run=@TAG@).
func newScenario(t *testing.T, mode, body string) *fsScenario {
	t.Helper()
	fs := needFreeSWITCH(t)
	s := &fsScenario{t: t, fs: fs, tag: runTag()}
	s.api = freeAddr(t)
	out := ""
	if mode == "socket" {
		s.socket = freeAddr(t)
		out = s.socket
	}
	for {
		i := strings.Index(body, "@PHONE:")
		if i < 0 {
			break
		}
		j := strings.Index(body[i+1:], "@")
		spec := body[i+len("@PHONE:") : i+1+j]
		var ep string
		switch spec {
		case "busy":
			ep = fs.endpoint(farend.Phone{Mode: farend.PhoneBusy}, s.tag)
		case "noanswer":
			ep = fs.endpoint(farend.Phone{Mode: farend.PhoneNoAnswer}, s.tag)
		default:
			ep = "[hltest_run=" + s.tag + "]loopback/" + spec + "/hotline-test-phone"
		}
		body = body[:i] + ep + body[i+2+j:]
	}
	body = strings.ReplaceAll(body, "@TAG@", s.tag)
	dir := t.TempDir()
	head := fmt.Sprintf(`server:
  listen: %q
  log_format: console
  log_level: debug
store:
  path: %q
pbx:
  type: freeswitch
  freeswitch:
    address: %q
    password: %q
    outbound_listen: %q
`, s.api, filepath.Join(dir, "hotline.db"), fs.addr, fs.password, out)
	s.config = filepath.Join(dir, "hotline.yaml")
	if err := os.WriteFile(s.config, []byte(head+body), 0o600); err != nil {
		t.Fatal(err)
	}
	s.installDialplan(mode, dir)
	t.Cleanup(func() {
		if s.d != nil && mode == "socket" && s.placed > 0 && !t.Failed() &&
			!strings.Contains(s.before+s.d.log.String(), "outbound socket: call handed over") {
			t.Errorf("socket mode, yet no call reached Hotline through its outbound socket")
		}
		if s.d != nil {
			if t.Failed() {
				log := s.d.log.String()
				if lines := strings.Split(log, "\n"); len(lines) > 120 {
					log = strings.Join(lines[len(lines)-120:], "\n")
				}
				t.Logf("hotline's log (end):\n%s", log)
				b, _ := json.MarshalIndent(s.records(), "", "  ")
				t.Logf("records:\n%s", b)
			}
			s.d.stop()
		}
		if !s.down {
			fs.hangUpRun(t, s.tag)
		}
	})
	return s
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// installDialplan renders Hotline's own dialplan for the config
// (hotline dialplan render) into FreeSWITCH's dialplan directory and
// reloads it: callers reach Hotline through context "hotline" as rendered.
func (s *fsScenario) installDialplan(mode, dir string) {
	t := s.t
	t.Helper()
	out := filepath.Join(dir, "rendered")
	cmd := exec.Command(buildHotline(t), "dialplan", "render", "--config", s.config, "--pbx", "freeswitch", "--freeswitch-mode", mode, "--out", out)
	cmd.Env = withoutHotlineEnv()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("hotline dialplan render: %v\n%s", err, b)
	}
	xml, err := os.ReadFile(filepath.Join(out, "dialplan", "hotline.xml"))
	if err != nil {
		t.Fatal(err)
	}
	fsSetup.Lock()
	defer fsSetup.Unlock()
	if err := os.WriteFile(filepath.Join(s.fs.conf, "dialplan", "hotline.xml"), xml, 0o644); err != nil {
		t.Fatal(err)
	}
	if reply := s.fs.api(t, "reloadxml"); !strings.HasPrefix(reply, "+OK") {
		t.Fatalf("reloadxml: %s", reply)
	}
}

// withoutHotlineEnv is the environment less HOTLINE_* variables, which
// would override a config.
func withoutHotlineEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOTLINE_") {
			env = append(env, kv)
		}
	}
	return env
}

// start runs `hotline serve` and waits until its API answers and its link
// to FreeSWITCH is up.
func (s *fsScenario) start() {
	t := s.t
	t.Helper()
	if s.d != nil {
		s.before += s.d.log.String()
	}
	d := &fsDaemon{log: &e2eLog{}, exited: make(chan struct{})}
	d.cmd = exec.Command(buildHotline(t), "serve", "--config", s.config)
	d.cmd.Env = withoutHotlineEnv()
	d.cmd.Stdout, d.cmd.Stderr = d.log, d.log
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = d.cmd.Wait(); close(d.exited) }()
	s.d = d
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-d.exited:
			t.Fatalf("hotline exited during start-up:\n%s", d.log.String())
		default:
		}
		if resp, err := http.Get("http://" + s.api + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && strings.Contains(d.log.String(), "event socket connected") {
				time.Sleep(300 * time.Millisecond) // the first snapshot
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("hotline not ready within 20 s:\n%s", d.log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (d *fsDaemon) kill() {
	_ = d.cmd.Process.Signal(syscall.SIGKILL)
	<-d.exited
}

func (d *fsDaemon) stop() {
	select {
	case <-d.exited:
		return
	default:
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.exited:
	case <-time.After(30 * time.Second):
		d.kill()
	}
}

// call places a caller (from, to) with a script.
func (s *fsScenario) call(c farend.CallScript) {
	s.t.Helper()
	if err := s.fs.callInto(context.Background(), c, "hotline", "", s.tag); err != nil {
		s.t.Fatal(err)
	}
	s.placed++
}

func (s *fsScenario) records() []store.CallRecord {
	resp, err := http.Get("http://" + s.api + "/api/v1/calls?limit=100")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var calls []api.Call
	if json.NewDecoder(resp.Body).Decode(&calls) != nil {
		return nil
	}
	return api.CallRecords(calls)
}

// waitRecord waits for the ended record of the call from caller.
func (s *fsScenario) waitRecord(caller string, timeout time.Duration) store.CallRecord {
	s.t.Helper()
	return s.waitRecordWhere(caller, timeout, "ended", func(store.CallRecord) bool { return true })
}

// waitSettled waits for the ended record of the call from caller whose
// recordings are all over (a path, or failed). Hotline writes a record
// when the call ends and again when a recording's finish comes; FreeSWITCH
// reports it (RECORD_STOP) only once the recorded caller's channel is hung
// up, which Hotline does after the agent's hang-up ended the call.
func (s *fsScenario) waitSettled(caller string, timeout time.Duration) store.CallRecord {
	s.t.Helper()
	return s.waitRecordWhere(caller, timeout, "settled", func(r store.CallRecord) bool {
		for _, rec := range r.AllRecordings() {
			if rec.Path == "" && !rec.Failed {
				return false
			}
		}
		return true
	})
}

func (s *fsScenario) waitRecordWhere(caller string, timeout time.Duration, what string, cond func(store.CallRecord) bool) store.CallRecord {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, r := range s.records() {
			if r.Caller == caller && !r.Ended.IsZero() && cond(r) {
				return r
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("no %s record for caller %s within %v", what, caller, timeout)
	return store.CallRecord{}
}

// eventually polls cond until it holds or timeout passes.
func (s *fsScenario) eventually(timeout time.Duration, what string, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			s.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// channels lists FreeSWITCH's channels as "show channels" has them.
func (s *fsScenario) channels() []map[string]string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var list struct {
		Rows []map[string]string `json:"rows"`
	}
	_ = json.Unmarshal([]byte(s.fs.command(ctx, "api show channels as json")), &list)
	return list.Rows
}

func (s *fsScenario) channelOf(caller string) (map[string]string, bool) {
	for _, c := range s.channels() {
		if c["cid_num"] == caller && strings.HasSuffix(c["name"], "-b") {
			return c, true
		}
	}
	return nil, false
}

func attempts(r store.CallRecord) string {
	var out []string
	for _, a := range r.Attempts {
		out = append(out, a.Agent+":"+string(a.Result))
	}
	return strings.Join(out, ",")
}

// watch collects events of the given names on a connection of its own
// until the returned stop is called. When names include
// CHANNEL_HANGUP_COMPLETE, stop first waits (up to 30 s) for that event of
// every channel a collected event named: FreeSWITCH sends it after the
// hang-up Hotline acts on, on this other connection, so a test that stops
// watching as soon as Hotline counts its calls over could miss it.
func (fs *freeSWITCH) watch(t *testing.T, names string) (stop func() []timedEvent) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	seen, gone := map[string]bool{}, map[string]bool{}
	got := make(chan []timedEvent, 1)
	var evs []timedEvent
	fs.onEvents(t, ctx, names, func(ev timedEvent) {
		mu.Lock()
		defer mu.Unlock()
		evs = append(evs, ev)
		if id := ev.Get("Unique-ID"); id != "" {
			seen[id] = true
			if ev.Get("Event-Name") == "CHANNEL_HANGUP_COMPLETE" {
				gone[id] = true
			}
		}
	}, func() { got <- evs })
	return func() []timedEvent {
		if strings.Contains(names, "CHANNEL_HANGUP_COMPLETE") {
			for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
				mu.Lock()
				settled := len(gone) == len(seen)
				mu.Unlock()
				if settled {
					break
				}
			}
		}
		cancel()
		return <-got
	}
}

const e2eQueue = `
queues:
  - name: sales
    strategy: top-down
    ring_timeout: 3s
    retry_delay: 200ms
    wrap_up: 500ms
    record: true
    moh: default
    announce: {interval: 0s}
`

// e2eScenarios run in park and in socket mode alike.
var e2eScenarios = []struct {
	name string
	run  func(t *testing.T, mode string)
}{
	{"AnsweredRecorded", e2eAnsweredRecorded},
	{"KillWaitingAndTalking", e2eKillWaitingAndTalking},
	{"StopWhileTalking", e2eStopWhileTalking},
	{"BusyThenNext", e2eBusyThenNext},
	{"NoAnswerThenNext", e2eNoAnswerThenNext},
	{"AbandonWithMOH", e2eAbandonWithMOH},
	{"ConsoleKillsWaiting", e2eConsoleKillsWaiting},
	{"Menu", e2eMenu},
	{"MenuPromptMissing", e2eMenuPromptMissing},
	{"LinkCut", e2eLinkCut},
}

func TestFreeSWITCHE2E(t *testing.T) {
	for _, mode := range []string{"park", "socket"} {
		t.Run(mode, func(t *testing.T) {
			for _, sc := range e2eScenarios {
				t.Run(sc.name, func(t *testing.T) { sc.run(t, mode) })
			}
		})
	}
}

// An agent answers, talks 1.5 s and hangs up; the call is recorded.
func e2eAnsweredRecorded(t *testing.T, mode string) {
	s := newScenario(t, mode, `entries: [{number: "7100", queue: sales}]`+e2eQueue+`
agents:
  - {id: alice, name: Alice, endpoint: "@PHONE:answer-300-hangup-1500@", queues: [{queue: sales}], logged_in: true}
`)
	s.start()
	s.call(farend.CallScript{From: "5557101", To: "7100"})
	first, seen := s.waitRecord("5557101", 15*time.Second), time.Now()
	// Within 5 s of the end, before the recording guard asks (10 s): the
	// path comes with RECORD_STOP.
	r := s.waitSettled("5557101", 5*time.Second)
	if first.Recording.Path == "" {
		t.Logf("the record ended before RECORD_STOP; its path came within %v", time.Since(seen))
	}
	if r.Outcome != acd.OutcomeAnswered || r.Agent != "alice" || r.HangupBy != acd.HangupAgent {
		t.Errorf("record: outcome %s agent %q hung up by %s", r.Outcome, r.Agent, r.HangupBy)
	}
	if r.Talk < 1200*time.Millisecond || r.Talk > 2500*time.Millisecond {
		t.Errorf("talk %v, want about 1.5 s", r.Talk)
	}
	if r.Cause == "" {
		t.Errorf("the record of a call the agent hung up has no cause")
	}
	if r.Recording.Path == "" {
		t.Fatalf("no recording in the record")
	}
	st, err := os.Stat(r.Recording.Path)
	if err != nil || st.Size() < 8000 {
		t.Errorf("recording %s: %v (size %d): want a file with sound", r.Recording.Path, err, sizeOf(st))
	}
	t.Logf("answered: wait %v talk %v cause %s recording %s", r.Wait, r.Talk, r.Cause, r.Recording.Path)
}

func sizeOf(st os.FileInfo) int64 {
	if st == nil {
		return 0
	}
	return st.Size()
}

// The first agent's phone is busy: noticed at once, recorded as busy, and
// the next agent is rung. The ring timeout is long (20 s) so that a busy
// phone taken for one that does not answer is plain to see.
func e2eBusyThenNext(t *testing.T, mode string) {
	const ringTimeout = 20 * time.Second
	s := newScenario(t, mode, `entries: [{number: "7200", queue: sales}]`+strings.Replace(e2eQueue, "ring_timeout: 3s", "ring_timeout: 20s", 1)+`
agents:
  - {id: bob, name: Bob, endpoint: "@PHONE:busy@", queues: [{queue: sales}], logged_in: true}
  - {id: carol, name: Carol, endpoint: "@PHONE:answer-200-hangup-800@", queues: [{queue: sales}], logged_in: true}
`)
	s.start()
	s.call(farend.CallScript{From: "5557201", To: "7200"})
	r := s.waitRecord("5557201", ringTimeout+30*time.Second)
	if got := attempts(r); !strings.HasPrefix(got, "bob:busy,carol:answered") {
		t.Fatalf("attempts %s, want bob busy then carol answered", got)
	}
	if gap := r.Attempts[1].At.Sub(r.Attempts[0].At); gap > ringTimeout/2 {
		t.Errorf("carol rung %v after bob: the busy phone was not noticed well before the %v ring timeout", gap, ringTimeout)
	} else {
		t.Logf("busy bob → carol rung after %v", gap)
	}
	if r.Outcome != acd.OutcomeAnswered || r.Agent != "carol" {
		t.Errorf("outcome %s agent %s", r.Outcome, r.Agent)
	}
}

// The first agent does not answer within the ring timeout; the next does.
func e2eNoAnswerThenNext(t *testing.T, mode string) {
	s := newScenario(t, mode, `entries: [{number: "7300", queue: sales}]`+strings.Replace(e2eQueue, "ring_timeout: 3s", "ring_timeout: 2s", 1)+`
agents:
  - {id: dave, name: Dave, endpoint: "@PHONE:noanswer@", queues: [{queue: sales}], logged_in: true}
  - {id: erin, name: Erin, endpoint: "@PHONE:answer-200-hangup-800@", queues: [{queue: sales}], logged_in: true}
`)
	s.start()
	s.call(farend.CallScript{From: "5557301", To: "7300"})
	// FreeSWITCH cannot pick up dave's ringing phone (answer: phone): the
	// desk's Answer is refused, not answered 200 for nothing.
	var dave engine.AgentStatus
	s.eventually(30*time.Second, "dave's phone rings", func() bool {
		var agents []engine.AgentStatus
		s.getJSON("/api/v1/agents", &agents)
		for _, a := range agents {
			if a.ID == "dave" {
				dave = a
			}
		}
		return dave.State == "ringing"
	})
	if dave.DeskAnswer {
		t.Error("dave's status says the desk can answer for him on FreeSWITCH")
	}
	if resp, err := http.Post("http://"+s.api+"/api/v1/agents/dave/call/answer", "application/json", nil); err != nil {
		t.Error(err)
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusConflict || !strings.Contains(string(b), "answers on the phone (answer: phone)") {
			t.Errorf("the desk's Answer for dave's ringing phone: %s %s; want 409, answers on the phone", resp.Status, b)
		}
	}
	r := s.waitRecord("5557301", 20*time.Second)
	if got := attempts(r); !strings.HasPrefix(got, "dave:no-answer,erin:answered") {
		t.Fatalf("attempts %s, want dave no-answer then erin answered", got)
	}
	if r.Outcome != acd.OutcomeAnswered || r.Agent != "erin" {
		t.Errorf("outcome %s agent %s", r.Outcome, r.Agent)
	}
}

// No agent is free: the caller hears music on hold, gives up, and the call
// is recorded abandoned by the caller.
func e2eAbandonWithMOH(t *testing.T, mode string) {
	s := newScenario(t, mode, `entries: [{number: "7400", queue: sales}]`+e2eQueue+`
agents:
  - {id: frank, name: Frank, endpoint: "@PHONE:answer-200@", queues: [{queue: sales}]}
`)
	s.start()
	s.call(farend.CallScript{From: "5557401", To: "7400", HangupAfter: 3 * time.Second})
	s.eventually(30*time.Second, "music on hold on the caller", func() bool {
		c, ok := s.channelOf("5557401")
		return ok && c["application"] == "playback" && strings.HasPrefix(c["application_data"], "local_stream://")
	})
	r := s.waitRecord("5557401", 10*time.Second)
	if r.Outcome != acd.OutcomeAbandoned || r.HangupBy != acd.HangupCaller {
		t.Errorf("outcome %s hung up by %s, want abandoned by the caller", r.Outcome, r.HangupBy)
	}
	if r.Wait < 2*time.Second || r.Wait > 4*time.Second {
		t.Errorf("wait %v, want about 3 s", r.Wait)
	}
}

// An administrator kills a waiting caller's channel from the console with
// cause MANAGER_REQUEST: the record says the system hung up, not the
// caller, and the queue counts no abandon. (On these loopback callers a
// bare uuid_kill says NORMAL_CLEARING on FreeSWITCH 1.11, as a caller's
// hang-up does, and is counted as the caller's; on SIP callers it is not,
// see TestFreeSWITCHE2ESIPConsoleKill.)
func e2eConsoleKillsWaiting(t *testing.T, mode string) {
	s := newScenario(t, mode, `entries: [{number: "7450", queue: sales}]`+e2eQueue+`
agents:
  - {id: fred, name: Fred, endpoint: "@PHONE:answer-200@", queues: [{queue: sales}]}
`)
	s.start()
	s.call(farend.CallScript{From: "5557451", To: "7450", HangupAfter: 30 * time.Second})
	var ch map[string]string
	s.eventually(30*time.Second, "music on hold on the caller", func() bool {
		c, ok := s.channelOf("5557451")
		ch = c
		return ok && c["application"] == "playback" && strings.HasPrefix(c["application_data"], "local_stream://")
	})
	t.Logf("uuid_kill: %s", strings.TrimSpace(s.fs.api(t, "uuid_kill "+ch["uuid"]+" MANAGER_REQUEST")))
	r := s.waitRecord("5557451", 10*time.Second)
	if r.Outcome != acd.OutcomeFailed || r.HangupBy != acd.HangupSystem || r.Cause != "manager-request" {
		t.Errorf("outcome %s hung up by %s cause %q, want failed, by the system, manager-request", r.Outcome, r.HangupBy, r.Cause)
	}
	var st engine.Status
	if !s.getJSON("/api/v1/status", &st) || len(st.Queues) != 1 || st.Queues[0].Abandoned != 0 {
		t.Errorf("queues %+v: want sales with no abandon", st.Queues)
	}
}

// A menu plays its prompt; the caller's key takes the call to a queue.
func e2eMenu(t *testing.T, mode string) {
	s := newScenario(t, mode, `entries: [{number: "7500", menu: main}]
menus:
  - name: main
    prompt: [sound:queue-thankyou, sound:queue-youarenext]
    timeout: 5s
    retries: 1
    options:
      "1": {queue: sales}
`+e2eQueue+`
agents:
  - {id: gina, name: Gina, endpoint: "@PHONE:answer-200-hangup-800@", queues: [{queue: sales}], logged_in: true}
`)
	stop := s.fs.watch(t, "CHANNEL_EXECUTE_COMPLETE")
	s.start()
	s.call(farend.CallScript{From: "5557501", To: "7500", DTMF: "1", DTMFDelay: 2500 * time.Millisecond})
	r := s.waitRecord("5557501", 15*time.Second)
	if r.Queue != "sales" || r.Outcome != acd.OutcomeAnswered || r.Agent != "gina" {
		t.Errorf("record: queue %q outcome %s agent %q", r.Queue, r.Outcome, r.Agent)
	}
	played := false
	for _, ev := range stop() {
		// sound:queue-thankyou plays as the stock pack's "thank you for
		// holding" (sound_names: freeswitch, the default).
		if ev.Get("Unique-ID") == r.Channel && ev.Get("Application") == "playback" &&
			strings.Contains(ev.Get("Application-Data"), "ivr-thank_you_for_holding") && ev.Get("Application-Response") == "FILE PLAYED" {
			played = true
		}
	}
	if !played {
		t.Errorf("FreeSWITCH reported no played prompt on the caller's channel %s", r.Channel)
	}
}

// A menu whose prompt cannot play (no such file) goes on as if it had
// played: its timeout runs and the default takes the caller to a queue.
func e2eMenuPromptMissing(t *testing.T, mode string) {
	s := newScenario(t, mode, `entries: [{number: "7550", menu: main}]
menus:
  - name: main
    prompt: [sound:no-such-prompt]
    timeout: 1s
    retries: 0
    options:
      "1": {queue: sales}
    default: {queue: sales}
`+e2eQueue+`
agents:
  - {id: jill, name: Jill, endpoint: "@PHONE:answer-200-hangup-800@", queues: [{queue: sales}], logged_in: true}
`)
	s.start()
	s.call(farend.CallScript{From: "5557551", To: "7550"})
	r := s.waitRecord("5557551", 15*time.Second)
	if r.Queue != "sales" || r.Outcome != acd.OutcomeAnswered || r.Agent != "jill" {
		t.Errorf("record: queue %q outcome %s agent %q", r.Queue, r.Outcome, r.Agent)
	}
}

// kill -9 while one caller talks and one waits: the conversation goes on
// (the agent's phone half is not taken for a stranded leg), the waiting
// caller is served when the agent is free, and both records are right.
func e2eKillWaitingAndTalking(t *testing.T, mode string) {
	s := newScenario(t, mode, `entries: [{number: "7600", queue: sales}]`+e2eQueue+`
agents:
  - {id: hank, name: Hank, endpoint: "@PHONE:answer-200-hangup-5000@", queues: [{queue: sales}], logged_in: true}
`)
	s.start()
	s.call(farend.CallScript{From: "5557601", To: "7600"})
	s.eventually(30*time.Second, "the first caller talking", func() bool {
		c, ok := s.channelOf("5557601")
		return ok && c["application"] != "playback" && c["callstate"] == "ACTIVE" && strings.Contains(fmt.Sprint(s.records()), "5557601")
	})
	time.Sleep(800 * time.Millisecond)
	s.call(farend.CallScript{From: "5557602", To: "7600"})
	s.eventually(30*time.Second, "the second caller waiting", func() bool {
		c, ok := s.channelOf("5557602")
		return ok && c["application"] == "playback"
	})
	s.d.kill()
	killed := time.Now()
	s.start()
	first := s.waitRecord("5557601", 15*time.Second)
	if first.Outcome != acd.OutcomeAnswered || first.Agent != "hank" || first.HangupBy != acd.HangupAgent {
		t.Errorf("talking call: outcome %s agent %q hung up by %s", first.Outcome, first.Agent, first.HangupBy)
	}
	if first.Ended.Before(killed.Add(time.Second)) {
		t.Errorf("talking call ended %v after the kill: the conversation was cut", first.Ended.Sub(killed))
	}
	if first.Talk < 4*time.Second {
		t.Errorf("talking call: talk %v, want about 5 s", first.Talk)
	}
	second := s.waitRecord("5557602", 20*time.Second)
	if second.Outcome != acd.OutcomeAnswered || second.Agent != "hank" {
		t.Errorf("waiting call: outcome %s agent %q attempts %s", second.Outcome, second.Agent, attempts(second))
	}
	t.Logf("after kill -9: talking call talk %v ended by %s; waiting call waited %v, answered by %s", first.Talk, first.HangupBy, second.Wait, second.Agent)
}

// "hotline serve" is stopped (SIGTERM) while a caller talks to an agent,
// and started again. The two stay joined all along, in both modes: in
// socket mode the caller's channel has socket_resume=false while it is in
// a bridge, so the close of Hotline's socket does not send it on to the
// dialplan's fallback park (it did before, leaving both in silence until
// the restarted Hotline joined them again). The restarted Hotline finds
// them joined and leaves them so (no rebridged step).
func e2eStopWhileTalking(t *testing.T, mode string) {
	s := newScenario(t, mode, `entries: [{number: "7650", queue: sales}]`+e2eQueue+`
agents:
  - {id: hope, name: Hope, endpoint: "@PHONE:answer-200-hangup-8000@", queues: [{queue: sales}], logged_in: true}
`)
	s.start()
	s.call(farend.CallScript{From: "5557651", To: "7650"})
	s.eventually(30*time.Second, "the caller talking", func() bool { return bridged(s.records(), "5557651") })
	var caller string
	for _, r := range s.records() {
		if r.Caller == "5557651" {
			caller = r.Channel
		}
	}
	joined := func() bool { return strings.Contains(s.fs.api(t, "show bridged_calls"), caller) }
	s.d.stop()
	time.Sleep(time.Second)
	if !joined() {
		t.Errorf("%s mode, Hotline stopped: caller and agent no longer joined", mode)
	}
	s.start()
	s.eventually(10*time.Second, "caller and agent joined", joined)
	r := s.waitRecord("5557651", 20*time.Second)
	for _, st := range r.Timeline {
		if st.Kind == "rebridged" {
			t.Errorf("%s mode: a rebridged step (they were parted), timeline %+v", mode, r.Timeline)
		}
	}
	if r.Outcome != acd.OutcomeAnswered || r.HangupBy != acd.HangupAgent || r.Talk < 6*time.Second {
		t.Errorf("outcome %s, hung up by %s, talk %v; want answered, ended by the agent after about 8 s", r.Outcome, r.HangupBy, r.Talk)
	}
}

// The event-socket link is cut (mod_event_socket reloaded) during a
// conversation: Hotline reconnects, the call's end is recorded, and the
// next call is served. The reload waits for the bridge: until then, in
// socket mode, the caller's channel is inside the outbound "socket"
// application, and FreeSWITCH refuses to unload a module in use ("Module
// mod_event_socket is in use, cannot unload."), so the link would not be
// cut at all.
func e2eLinkCut(t *testing.T, mode string) {
	s := newScenario(t, mode, `entries: [{number: "7700", queue: sales}]`+e2eQueue+`
agents:
  - {id: ivan, name: Ivan, endpoint: "@PHONE:answer-200-hangup-3000@", queues: [{queue: sales}], logged_in: true}
`)
	s.start()
	s.call(farend.CallScript{From: "5557701", To: "7700"})
	s.eventually(30*time.Second, "the caller talking", func() bool {
		c, ok := s.channelOf("5557701")
		return ok && c["application"] != "playback" && c["callstate"] == "ACTIVE" && bridged(s.records(), "5557701")
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	before := strings.Count(s.d.log.String(), "event socket connected")
	t.Logf("reload mod_event_socket: %s", strings.TrimSpace(s.fs.command(ctx, "bgapi reload mod_event_socket")))
	s.eventually(30*time.Second, "hotline reconnected", func() bool {
		return strings.Count(s.d.log.String(), "event socket connected") > before
	})
	r := s.waitRecord("5557701", 15*time.Second)
	if r.Outcome != acd.OutcomeAnswered || r.Agent != "ivan" {
		t.Errorf("call across the cut: outcome %s agent %q", r.Outcome, r.Agent)
	}
	s.call(farend.CallScript{From: "5557702", To: "7700"})
	if r := s.waitRecord("5557702", 15*time.Second); r.Outcome != acd.OutcomeAnswered {
		t.Errorf("call after the cut: outcome %s", r.Outcome)
	}
}

// bridged reports whether the live call from caller is talking to an agent.
func bridged(records []store.CallRecord, caller string) bool {
	for _, r := range records {
		if r.Caller == caller && r.Ended.IsZero() && !r.Bridged.IsZero() {
			return true
		}
	}
	return false
}
