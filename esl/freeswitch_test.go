package esl_test

// Tests against a real FreeSWITCH, the one ../shared/freeswitch/freeswitch.sh
// starts (CI does):
//
//	freeswitch.sh start && eval "$(freeswitch.sh env)"
//	go test ./esl -run FreeSWITCH -count=1 -v
//
// They add the contexts of testdata/esl/freeswitch/hotline_test.xml to its
// dialplan. People are loopback channels: a caller is the far half of
// "originate loopback/<number>/hotline-test-in", whose near half plays the
// caller's script (DTMF, hang up); a phone is "loopback/<behaviour>/
// hotline-test-phone", or an error/ endpoint for one that never rings.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/acd/pbx/pbxtest"
	"github.com/hotline-cc/hotline/esl"
	"github.com/hotline-cc/hotline/esl/internal/wire"
)

// freeSWITCH is the real switch under test.
type freeSWITCH struct {
	addr, password, conf, root string
}

var fsSetup sync.Mutex

// needFreeSWITCH returns the FreeSWITCH named by HOTLINE_FREESWITCH_* or
// skips, and makes sure it has the test contexts and the contract's prompt.
func needFreeSWITCH(t testing.TB) *freeSWITCH {
	t.Helper()
	fs := &freeSWITCH{
		addr:     os.Getenv("HOTLINE_FREESWITCH_ADDRESS"),
		password: os.Getenv("HOTLINE_FREESWITCH_PASSWORD"),
		conf:     os.Getenv("HOTLINE_FREESWITCH_CONF"),
		root:     os.Getenv("HOTLINE_FREESWITCH_ROOT"),
	}
	if fs.addr == "" {
		t.Skip("HOTLINE_FREESWITCH_ADDRESS not set; run ../shared/freeswitch/freeswitch.sh start and eval its env")
	}
	if fs.conf == "" || fs.root == "" {
		t.Fatal("HOTLINE_FREESWITCH_CONF and HOTLINE_FREESWITCH_ROOT must be set too: the tests write dialplan and sounds under them")
	}
	if fs.password == "" {
		fs.password = "ClueCon"
	}
	fsSetup.Lock()
	defer fsSetup.Unlock()
	src, err := os.ReadFile("../testdata/esl/freeswitch/hotline_test.xml")
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(fs.conf, "dialplan", "hotline_test.xml")
	if have, _ := os.ReadFile(dst); !bytes.Equal(have, src) {
		if err := os.WriteFile(dst, src, 0o644); err != nil {
			t.Fatal(err)
		}
		if reply := fs.api(t, "reloadxml"); !strings.HasPrefix(reply, "+OK") {
			t.Fatalf("reloadxml: %s", reply)
		}
	}
	// The contract plays sound:hello-world, which Asterisk ships; the
	// bundle's prompts are generated tones under other names.
	sounds := filepath.Join(fs.root, "share/freeswitch/sounds/en/us/callie")
	if _, err := os.Stat(filepath.Join(sounds, "hello-world.wav")); err != nil {
		tone, err := os.ReadFile(filepath.Join(sounds, "queue-thankyou.wav"))
		if err != nil {
			t.Fatalf("the bundle's prompts: %v", err)
		}
		if err := os.WriteFile(filepath.Join(sounds, "hello-world.wav"), tone, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return fs
}

// api runs one API command on its own connection.
func (fs *freeSWITCH) api(t testing.TB, line string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	reply, err := esl.API(ctx, fs.addr, fs.password, line)
	if err != nil {
		t.Fatalf("api %s: %v", line, err)
	}
	return reply
}

// newSwitch starts a Switch on the real FreeSWITCH.
func (fs *freeSWITCH) newSwitch(t testing.TB, opts esl.Options) *esl.Switch {
	t.Helper()
	opts.Address, opts.Password, opts.Log = fs.addr, fs.password, testLog(t)
	if opts.ReconnectDelay == 0 {
		opts.ReconnectDelay = 100 * time.Millisecond
	}
	sw, err := esl.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sw.Close() })
	select {
	case <-sw.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("switch never synced with FreeSWITCH")
	}
	return sw
}

// call places a test caller: the far half of a loopback channel reaches
// hotline-test-in (parked, or handed to socket when set), the near half
// plays the script once the call is answered.
func (fs *freeSWITCH) call(ctx context.Context, c pbxtest.CallScript, socket, tag string) error {
	var steps []string
	if c.DTMF != "" {
		steps = append(steps, fmt.Sprintf("sleep:%d", c.DTMFDelay.Milliseconds()), "send_dtmf:"+c.DTMF)
	}
	if c.HangupAfter > 0 {
		d := c.HangupAfter
		if c.DTMF != "" {
			d -= c.DTMFDelay
		}
		steps = append(steps, fmt.Sprintf("sleep:%d", max(d.Milliseconds(), 1)), "hangup")
	} else {
		steps = append(steps, "park")
	}
	vars := "origination_caller_id_number=" + c.From + ",hotline_test_run=" + tag
	if socket != "" {
		vars += ",hotline_test_socket=" + socket
	}
	line := fmt.Sprintf("bgapi originate {%s}loopback/%s/hotline-test-in %s inline", vars, c.To, strings.Join(steps, ","))
	if reply := fs.command(ctx, line); !strings.HasPrefix(reply, "+OK") {
		return fmt.Errorf("%s: %s", line, reply)
	}
	return nil
}

// command sends one command line on a connection of its own and returns
// the reply text, or the error as text.
func (fs *freeSWITCH) command(ctx context.Context, line string) string {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", fs.addr)
	if err != nil {
		return "-ERR " + err.Error()
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(nc)
	for _, cmd := range []string{"auth " + fs.password, line} {
		for {
			f, err := wire.ReadFrame(r)
			if err != nil {
				return "-ERR " + err.Error()
			}
			if f.ContentType() == wire.TypeAuthRequest {
				break
			}
			if f.ContentType() == wire.TypeReply || f.ContentType() == wire.TypeAPIResponse {
				if reply := f.ReplyText(); !strings.HasPrefix(reply, "+OK") {
					return reply
				}
				break
			}
		}
		if _, err := nc.Write(wire.AppendCommand(nil, wire.Command{Line: cmd})); err != nil {
			return "-ERR " + err.Error()
		}
	}
	for {
		f, err := wire.ReadFrame(r)
		if err != nil {
			return "-ERR " + err.Error()
		}
		if f.ContentType() == wire.TypeReply || f.ContentType() == wire.TypeAPIResponse {
			return f.ReplyText()
		}
	}
}

// runTag names the channels of one test, which hangUpRun ends.
func runTag() string {
	return fmt.Sprintf("t%d", time.Now().UnixNano())
}

// hangUpRun ends every channel tagged with tag (callers, phones and, through
// inheritance, the loopback halves Hotline's originates made).
func (fs *freeSWITCH) hangUpRun(t testing.TB, tag string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if reply := fs.command(ctx, "api hupall NORMAL_CLEARING hotline_test_run "+tag); strings.HasPrefix(reply, "-ERR") {
		t.Errorf("hupall for %s: %s", tag, reply)
	}
}

// endpoint is the dial string of a phone that behaves as p; its channels
// carry tag.
func (fs *freeSWITCH) endpoint(p pbxtest.Phone, tag string) string {
	switch p.Mode {
	case pbxtest.PhoneBusy:
		return "error/user_busy" // fails before any channel exists
	case pbxtest.PhoneNoAnswer:
		return "[hotline_test_run=" + tag + "]loopback/noanswer/hotline-test-phone"
	case pbxtest.PhoneUnreachable:
		return "error/user_not_registered"
	}
	num := fmt.Sprintf("answer-%d", max(p.AnswerDelay.Milliseconds(), 1))
	if p.HangupAfter > 0 {
		num += fmt.Sprintf("-hangup-%d", p.HangupAfter.Milliseconds())
	}
	return "[hotline_test_run=" + tag + "]loopback/" + num + "/hotline-test-phone"
}

func TestFreeSWITCHContract(t *testing.T) {
	fs := needFreeSWITCH(t)
	for _, mode := range []struct {
		name   string
		listen string
	}{{"park", ""}, {"socket", "127.0.0.1:0"}} {
		t.Run(mode.name, func(t *testing.T) {
			pbxtest.RunSwitchContract(t, func(t *testing.T) *pbxtest.Harness {
				sw := fs.newSwitch(t, esl.Options{OutboundListen: mode.listen})
				tag := runTag()
				t.Cleanup(func() { fs.hangUpRun(t, tag) })
				socket := ""
				if a := sw.OutboundAddr(); a != nil {
					socket = a.String()
				}
				return &pbxtest.Harness{
					Switch:    sw,
					PlaceCall: func(ctx context.Context, c pbxtest.CallScript) error { return fs.call(ctx, c, socket, tag) },
					Endpoint:  func(p pbxtest.Phone) string { return fs.endpoint(p, tag) },
					Patience:  5 * time.Second,
				}
			})
		})
	}
}
