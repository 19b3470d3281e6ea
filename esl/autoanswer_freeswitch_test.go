package esl_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx"
	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/esl"
	"github.com/hotline-cc/hotline/internal/sipptest"
)

// sipProfile is the SIP profile the tests add to the real FreeSWITCH
// (mod_sofia ships in the bundle but is not loaded at start): UDP on
// loopback, PCMU, registrations checked against the vanilla directory;
// calls from loopback (SIPp callers) need no authentication and go to the
// context given.
const sipProfile = `<include>
  <profile name="hotline-test">
    <settings>
      <param name="sip-ip" value="127.0.0.1"/>
      <param name="rtp-ip" value="127.0.0.1"/>
      <param name="ext-sip-ip" value="127.0.0.1"/>
      <param name="ext-rtp-ip" value="127.0.0.1"/>
      <param name="sip-port" value="%d"/>
      <param name="context" value="%s"/>
      <param name="dialplan" value="XML"/>
      <param name="inbound-codec-prefs" value="PCMU"/>
      <param name="outbound-codec-prefs" value="PCMU"/>
      <param name="auth-calls" value="true"/>
      <param name="apply-inbound-acl" value="loopback.auto"/>
      <param name="force-register-domain" value="$${domain}"/>
      <param name="force-register-db-domain" value="$${domain}"/>
      <param name="challenge-realm" value="auto_from"/>
    </settings>
  </profile>
</include>
`

// needSofia loads mod_sofia with the test profile on a free port and
// returns its SIP address; the module is unloaded again at cleanup, as
// a FreeSWITCH left with SIP profiles takes longer to shut down.
func (fs *freeSWITCH) needSofia(t *testing.T) string { return fs.needSofiaInto(t, "hotline-test-in") }

// needSofiaInto is needSofia with the profile's calls going to context.
func (fs *freeSWITCH) needSofiaInto(t *testing.T, context string) string {
	t.Helper()
	if reply := fs.api(t, "module_exists mod_sofia"); strings.TrimSpace(reply) == "true" {
		// Left loaded by a run that was killed: start afresh.
		fs.api(t, "unload mod_sofia")
	}
	port := sipptest.FreeUDP(t)
	file := filepath.Join(fs.conf, "sip_profiles", "hotline-test.xml")
	if err := os.WriteFile(file, fmt.Appendf(nil, sipProfile, port, context), 0o644); err != nil {
		t.Fatal(err)
	}
	if reply := fs.api(t, "reloadxml"); !strings.HasPrefix(reply, "+OK") {
		t.Fatalf("reloadxml: %s", reply)
	}
	if reply := fs.api(t, "load mod_sofia"); !strings.HasPrefix(reply, "+OK") {
		t.Fatalf("load mod_sofia: %s", reply)
	}
	t.Cleanup(func() {
		if reply := fs.api(t, "unload mod_sofia"); !strings.HasPrefix(reply, "+OK") {
			t.Errorf("unload mod_sofia: %s", reply)
		}
	})
	for deadline := time.Now().Add(30 * time.Second); !fs.sofiaRunning(t); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("SIP profile hotline-test not running 30 s after loading mod_sofia:\n%s", fs.api(t, "sofia status"))
		}
	}
	return "127.0.0.1:" + strconv.Itoa(port)
}

// sofiaRunning tells whether the test profile runs.
func (fs *freeSWITCH) sofiaRunning(t *testing.T) bool {
	for line := range strings.Lines(fs.api(t, "sofia status")) {
		if f := strings.Fields(line); len(f) >= 4 && f[0] == "hotline-test" && f[1] == "profile" && f[3] == "RUNNING" {
			return true
		}
	}
	return false
}

// TestFreeSWITCHSIPAutoAnswer: two SIP phones (SIPp) register as users 1000
// and 1001. An originate with AutoAnswer (an agent answering from the desk,
// or a supervisor's listen) reaches 1000's phone with the auto-answer
// headers mod_sofia makes of sip_auto_answer, and that phone, which answers
// only when asked to, picks up; a plain originate reaches 1001 without them
// and rings until it times out.
func TestFreeSWITCHSIPAutoAnswer(t *testing.T) {
	fs := needFreeSWITCH(t)
	sip := fs.needSofia(t)
	ports := map[string]int{"1000": sipptest.FreeUDP(t), "1001": sipptest.FreeUDP(t)}
	env := sipptest.Local(t, sip, ports)
	phones := map[string]*sipptest.Proc{}
	for user, port := range ports {
		env.Register(t, user, "127.0.0.1", "hotline-e2e", port)
		phones[user] = env.Phone(t, user, sipptest.Phone{Mode: "autoanswer", TalkMs: 1000})
	}
	sw := fs.newSwitch(t, esl.Options{})
	rec := pbxtest.NewRecorder(sw.Events(), 30*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	stamp := time.Now().UnixNano()
	auto := pbx.ChannelID(fmt.Sprintf("sip-auto-%d", stamp))
	ring := pbx.ChannelID(fmt.Sprintf("sip-ring-%d", stamp))
	for _, req := range []pbx.OriginateRequest{
		{ChannelID: auto, Endpoint: "user/1000@127.0.0.1", AutoAnswer: true, Timeout: 20 * time.Second},
		{ChannelID: ring, Endpoint: "user/1001@127.0.0.1", Timeout: 2 * time.Second},
	} {
		if err := sw.Originate(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	rec.WaitFor(t, ctx, pbxtest.On[pbx.Answered](auto))
	f := rec.WaitFor(t, ctx, pbxtest.On[pbx.OriginateFailed](ring)).(pbx.OriginateFailed)
	if f.Reason != pbx.FailNoAnswer {
		t.Errorf("plain originate: reason %s (cause %s), want no-answer", f.Reason, f.Cause)
	}
	rec.WaitFor(t, ctx, pbxtest.On[pbx.HungUp](auto)) // the phone hangs up after 1 s
	// The rung-out phone answers FreeSWITCH's CANCEL with 487, which
	// FreeSWITCH acknowledges. Killed before its 487, the phone would leave
	// FreeSWITCH's INVITE transaction open, and mod_sofia would not unload
	// until it timed out (32 s).
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(phones["1001"].Trace(), "ACK sip:"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("phone 1001 got no ACK of its 487 within 30 s:\n%s", phones["1001"].Trace())
		}
	}
	invite := func(user string) string {
		tr := phones[user].Trace()
		i := strings.Index(tr, "INVITE sip:")
		if i < 0 {
			t.Fatalf("phone %s got no INVITE:\n%s", user, tr)
		}
		head, _, _ := strings.Cut(tr[i:], "\r\n\r\n")
		return head
	}
	autoInv, ringInv := invite("1000"), invite("1001")
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?mi)^Call-Info:.*;\s*answer-after=0`),
		regexp.MustCompile(`(?mi)^Alert-Info:.*info=alert-autoanswer`),
	} {
		if !want.MatchString(autoInv) {
			t.Errorf("auto-answer INVITE lacks %s:\n%s", want, autoInv)
		}
	}
	if strings.Contains(ringInv, "answer-after") || strings.Contains(ringInv, "autoanswer") {
		t.Errorf("plain INVITE carries an auto-answer header:\n%s", ringInv)
	}
}
