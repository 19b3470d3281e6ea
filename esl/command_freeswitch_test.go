package esl_test

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/percipia/eslgo/command"

	"github.com/hotline-cc/hotline/esl"
	"github.com/hotline-cc/hotline/esl/internal/wire"
)

// TestFreeSWITCHCommandBytes sends every kind of command Hotline writes, as
// Hotline writes it, over a raw connection to a real FreeSWITCH, and checks
// that each does what it is for: headers read as headers (the Job-UUID is
// kept, the Event-UUID comes back as Application-UUID), a sendmsg body read
// through its Content-Length, and the command after it read intact.
func TestFreeSWITCHCommandBytes(t *testing.T) {
	fs := needFreeSWITCH(t)
	nc, err := net.DialTimeout("tcp", fs.addr, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(nc)
	var events []wire.Event
	// next returns the next frame that is not an event, keeping the events.
	next := func() wire.Frame {
		t.Helper()
		for {
			f, err := wire.ReadFrame(r)
			if err != nil {
				t.Fatal(err)
			}
			if f.ContentType() != wire.TypeEventJSON {
				return f
			}
			ev, err := wire.ParseJSON(f.Body)
			if err != nil {
				t.Fatal(err)
			}
			events = append(events, ev)
		}
	}
	send := func(cmd command.Command) string {
		t.Helper()
		if _, err := nc.Write(esl.Message(cmd)); err != nil {
			t.Fatal(err)
		}
		return next().ReplyText()
	}
	want := func(what, reply, prefix string) {
		t.Helper()
		if !strings.HasPrefix(reply, prefix) {
			t.Fatalf("%s: reply %q, want %q...", what, reply, prefix)
		}
	}
	// waitEvent waits for an event with the header set to value.
	waitEvent := func(name, header, value string) wire.Event {
		t.Helper()
		for i := 0; ; i++ {
			for _, ev := range events {
				if ev.Get("Event-Name") == name && ev.Get(header) == value {
					return ev
				}
			}
			if i == 50 {
				t.Fatalf("no %s with %s %s", name, header, value)
			}
			// An api round trip lets events arrive.
			send(command.API{Command: "status"})
			time.Sleep(20 * time.Millisecond)
		}
	}

	if f := next(); f.ContentType() != wire.TypeAuthRequest {
		t.Fatalf("got %q, want auth/request", f.ContentType())
	}
	want("auth", send(command.Auth{Password: fs.password}), "+OK accepted")
	want("subscription", send(esl.Subscription), "+OK event listener enabled json")
	want("api without arguments", send(command.API{Command: "status"}), "UP ")
	want("api", send(command.API{Command: "global_getvar", Arguments: "recordings_dir"}), "/")

	ch, job := "hotline-bytes-"+strings.ReplaceAll(time.Now().Format("150405.000"), ".", ""), "hotline-bytes-job"
	want("bgapi", send(esl.Bgapi("originate", "{origination_uuid="+ch+"}loopback/answer-0/hotline-test-phone &park()", job)), "+OK Job-UUID: "+job)
	if ev := waitEvent("BACKGROUND_JOB", "Job-UUID", job); !strings.HasPrefix(ev.Body, "+OK "+ch) {
		t.Fatalf("BACKGROUND_JOB %s: %q", job, ev.Body)
	}
	t.Cleanup(func() { fs.api(t, "uuid_kill "+ch) })

	want("sendmsg execute", send(esl.Execute(ch, "playback", "silence_stream://100", "hotline-bytes-play")), "+OK")
	waitEvent("CHANNEL_EXECUTE_COMPLETE", "Application-UUID", "hotline-bytes-play")

	long := strings.Repeat("x", 2100)
	want("sendmsg execute with a body", send(esl.Execute(ch, "set", "hotline_long="+long, "hotline-bytes-set")), "+OK")
	waitEvent("CHANNEL_EXECUTE_COMPLETE", "Application-UUID", "hotline-bytes-set")
	if got := send(command.API{Command: "uuid_getvar", Arguments: ch + " hotline_long"}); got != long {
		t.Fatalf("the variable set through a sendmsg body is %d bytes %.20q..., want the %d bytes sent", len(got), got, len(long))
	}

	want("api", send(command.API{Command: "uuid_kill", Arguments: ch}), "+OK")
	want("exit", send(command.Exit{}), "+OK bye")
}
