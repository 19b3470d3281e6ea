// Package sipptest runs SIPp (Debian's sip-tester) as real SIP callers and
// agent phones against the test Asterisk of testdata/asterisk/asterisk.sh,
// for the tests named Asterisk. Scenarios are Go templates in
// testdata/sipp; tones are rendered by sox.
package sipptest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"
)

// Env is the SIP side of the test Asterisk.
type Env struct {
	Addr   string         // Asterisk's PJSIP UDP transport, host:port
	Agents map[string]int // agent endpoint (sip-agent1) → the port its phone answers on
	Tones  string         // directory of caller.wav (440 Hz) and agent.wav (1000 Hz)
}

// Need returns the SIP setting from HOTLINE_ASTERISK_SIP and
// HOTLINE_ASTERISK_SIP_AGENTS, or skips the test when they, sipp or sox are
// missing.
func Need(t testing.TB) Env {
	t.Helper()
	addr := os.Getenv("HOTLINE_ASTERISK_SIP")
	if addr == "" {
		t.Skip("HOTLINE_ASTERISK_SIP not set; run testdata/asterisk/asterisk.sh start and eval its env")
	}
	agents := map[string]int{}
	for _, kv := range strings.Split(os.Getenv("HOTLINE_ASTERISK_SIP_AGENTS"), ",") {
		name, port, _ := strings.Cut(kv, "=")
		p, err := strconv.Atoi(port)
		if err != nil {
			t.Fatalf("HOTLINE_ASTERISK_SIP_AGENTS: %q is not endpoint=port", kv)
		}
		agents[name] = p
	}
	return Local(t, addr, agents)
}

// Local is the SIP side of a switch listening on addr whose agent phones
// answer on the ports of agents, or skips the test when sipp or sox is
// missing.
func Local(t testing.TB, addr string, agents map[string]int) Env {
	t.Helper()
	for _, tool := range []string{"sipp", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not on PATH (apt-get install sip-tester sox)", tool)
		}
	}
	return Env{Addr: addr, Agents: agents, Tones: tones(t)}
}

// Register registers user@domain, whose phone answers on port, with the
// switch (testdata/sipp/register.xml, digest authentication), and fails
// the test unless the switch accepts it within a few seconds.
func (e Env) Register(t testing.TB, user, domain, password string, port int) {
	t.Helper()
	data := struct{ User, Domain, Password string }{user, domain, password}
	p := Run(t, "register "+user, "register", data, "-m", "1", "-p", strconv.Itoa(port), e.Addr)
	if err := p.Wait(t, 10*time.Second); err != nil {
		t.Fatalf("register %s@%s at %s: %v\n%s", user, domain, e.Addr, err, p.Messages())
	}
}

var (
	tonesOnce sync.Once
	tonesDir  string
	tonesErr  error
)

// tones renders the test tones once into a directory every run shares (so
// no run leaves one behind): 8 kHz u-law WAV files SIPp streams as RTP. The
// caller sends 440 Hz, agents 1000 Hz, so a recording shows who was heard.
func tones(t testing.TB) string {
	tonesOnce.Do(func() {
		tonesDir = filepath.Join(os.TempDir(), "hotline-sipp-tones-v1")
		if _, err := os.Stat(filepath.Join(tonesDir, "agent.wav")); err == nil {
			return
		}
		tmp, err := os.MkdirTemp("", "hotline-sipp-tones-")
		if err != nil {
			tonesErr = err
			return
		}
		defer os.RemoveAll(tmp)
		for name, freq := range map[string]string{"caller": "440", "agent": "1000"} {
			out, err := exec.Command("sox", "-n", "-r", "8000", "-c", "1", "-e", "u-law",
				filepath.Join(tmp, name+".wav"), "synth", "30", "sine", freq, "vol", "0.5").CombinedOutput()
			if err != nil {
				tonesErr = fmt.Errorf("sox: %v: %s", err, out)
				return
			}
		}
		// Another run may have made it meanwhile; either copy is the same.
		if err := os.Rename(tmp, tonesDir); err != nil {
			if _, serr := os.Stat(filepath.Join(tonesDir, "agent.wav")); serr != nil {
				tonesErr = err
			}
		}
	})
	if tonesErr != nil {
		t.Fatal(tonesErr)
	}
	return tonesDir
}

// Proc is one running sipp.
type Proc struct {
	name string
	cmd  *exec.Cmd
	dir  string
	out  lockedBuffer
	done chan struct{}
	err  error
}

type lockedBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var (
	givenMu sync.Mutex
	given   = map[int]bool{} // the bases FreeUDP handed out
)

// FreeUDP is a loopback UDP port base, outside Asterisk's RTP range, with
// base..base+3 free (RTP and RTCP for audio, and what sipp takes for video).
// It never hands out a base twice in one process: a base given for a
// phone's SIP port is free until that phone starts, and the media port of
// a sipp started meanwhile must not take it (a registration once failed
// so: its SIP and audio sockets given the same port).
func FreeUDP(t testing.TB) int {
	t.Helper()
	givenMu.Lock()
	defer givenMu.Unlock()
	for range 100 {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		base := c.LocalAddr().(*net.UDPAddr).Port &^ 3
		c.Close()
		if base < 20000 || given[base] {
			continue
		}
		ok := true
		for p := base; p < base+4 && ok; p++ {
			c, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", p))
			ok = err == nil
			if ok {
				c.Close()
			}
		}
		if ok {
			given[base] = true
			return base
		}
	}
	t.Fatal("no free UDP ports")
	return 0
}

// scenarioDir is testdata/sipp of this module.
func scenarioDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "sipp")
}

// Run starts sipp on the scenario testdata/sipp/<scenario>.xml
// rendered with data, in a directory of its own, answering OPTIONS by
// itself (-aa). It is killed at cleanup, and its messages logged if the test
// failed.
func Run(t testing.TB, name, scenario string, data any, args ...string) *Proc {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(scenarioDir(), scenario+".xml")
	tmpl, err := template.ParseFiles(src)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, data); err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	sf := filepath.Join(dir, scenario+".xml")
	if err := os.WriteFile(sf, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	p := &Proc{name: name, dir: dir, done: make(chan struct{})}
	all := append([]string{"-sf", sf, "-i", "127.0.0.1", "-mi", "127.0.0.1", "-mp", strconv.Itoa(FreeUDP(t)),
		"-nostdin", "-trace_err", "-trace_msg", "-message_file", filepath.Join(dir, "messages.log"),
		"-error_file", filepath.Join(dir, "errors.log"), "-aa"}, args...)
	p.cmd = exec.Command("sipp", all...)
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("sipp %s: %v", name, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("sipp %s: %v\n%s", name, p.err, p.Messages())
		}
	})
	return p
}

// Messages is what sipp said, its errors and the end of its SIP trace.
func (p *Proc) Messages() string {
	msgs, _ := os.ReadFile(filepath.Join(p.dir, "messages.log"))
	errs, _ := os.ReadFile(filepath.Join(p.dir, "errors.log"))
	if len(msgs) > 6000 {
		msgs = msgs[len(msgs)-6000:]
	}
	return fmt.Sprintf("%s\nerrors:\n%s\nmessages (end):\n%s", p.out.String(), errs, msgs)
}

// Trace is every SIP message sipp sent and received so far.
func (p *Proc) Trace() string {
	msgs, _ := os.ReadFile(filepath.Join(p.dir, "messages.log"))
	return string(msgs)
}

// Wait waits for sipp to end: nil when every call of its scenario went
// through.
func (p *Proc) Wait(t testing.TB, timeout time.Duration) error {
	t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		t.Fatalf("sipp %s still running after %v", p.name, timeout)
		return nil
	}
}

// Phone is an agent phone's behaviour (testdata/sipp/agent.xml).
type Phone struct {
	Mode   string // answer | busy (486) | decline (603) | noanswer | autoanswer (at once if asked, else rings on)
	RingMs int    // answer: rings this long first
	TalkMs int    // answer: hangs up after this long unless the far end does; 0 = 10 min
	Tone   string // "" = agent.wav
}

// Phone starts the phone of an agent endpoint (sip-agent1) on its port.
func (e Env) Phone(t testing.TB, endpoint string, ph Phone) *Proc {
	t.Helper()
	port, ok := e.Agents[endpoint]
	if !ok {
		t.Fatalf("no SIP agent port for %s in HOTLINE_ASTERISK_SIP_AGENTS", endpoint)
	}
	if ph.Tone == "" {
		ph.Tone = filepath.Join(e.Tones, "agent.wav")
	}
	if ph.TalkMs == 0 {
		ph.TalkMs = 600000
	}
	switch {
	case ph.Mode == "noanswer" || ph.Mode == "autoanswer":
		ph.RingMs = 600000
	case ph.RingMs == 0:
		ph.RingMs = 1
	}
	p := Run(t, endpoint, "agent", ph, "-p", strconv.Itoa(port))
	// A call sent before sipp binds its port meets an ICMP unreachable,
	// which a switch takes as a phone that is offline.
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		c, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("phone %s: sipp not listening on port %d after 3 s:\n%s", endpoint, port, p.Messages())
		}
	}
	return p
}

// Caller is a SIP caller (testdata/sipp/caller.xml).
type Caller struct {
	App    string // Stasis application, sent as X-Hotline-App
	From   string // caller number
	Name   string // display name
	HoldMs int64  // hangs up after this long unless Asterisk does first
	Tone   string // "" = caller.wav
	// MediaPort, if set, is where Asterisk is asked to send the audio the
	// caller hears (an RTPSink's port).
	MediaPort int
}

// Call places one SIP call to number.
func (e Env) Call(t testing.TB, number string, c Caller) *Proc {
	t.Helper()
	if c.Tone == "" {
		c.Tone = filepath.Join(e.Tones, "caller.wav")
	}
	return Run(t, "caller "+c.From, "caller", c, "-s", number, "-m", "1", "-p", strconv.Itoa(FreeUDP(t)), e.Addr)
}

var rmsRE = regexp.MustCompile(`RMS\s+amplitude:\s+([0-9.]+)`)

// ToneLevel is the RMS amplitude (0..1) of a sound file within a band of
// Hz, e.g. "400-480" (sox's sinc filter, then stat).
func ToneLevel(t testing.TB, file, band string) float64 {
	t.Helper()
	out, err := exec.Command("sox", file, "-n", "sinc", band, "stat").CombinedOutput()
	if err != nil {
		t.Fatalf("sox %s: %v: %s", file, err, out)
	}
	m := rmsRE.FindSubmatch(out)
	if m == nil {
		t.Fatalf("sox stat of %s: no RMS amplitude in %s", file, out)
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}
