package esl

import (
	"bufio"
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/percipia/eslgo/command"

	"github.com/hotline-cc/hotline/esl/internal/wire"
)

// longArg is over the 2048 bytes call.Execute puts in a header, so it
// goes in a body.
var longArg = "hotline_long=" + strings.Repeat("x", 2100)

// commandGoldens are the bytes of every kind of command Hotline sends.
// Header lines may come in any order (eslgo writes sendmsg headers from a
// map); everything else is compared byte for byte.
var commandGoldens = []struct {
	name string
	cmd  command.Command
	want string
}{
	{"auth", command.Auth{Password: "ClueCon"}, "auth ClueCon\r\n\r\n"},
	{"subscription", subscription, "event json CHANNEL_CREATE CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA CHANNEL_ANSWER " +
		"CHANNEL_PARK CHANNEL_BRIDGE CHANNEL_UNBRIDGE CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE CHANNEL_STATE " +
		"CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE DTMF BACKGROUND_JOB RECORD_START RECORD_STOP SHUTDOWN\r\n\r\n"},
	// eslgo's API always writes "api <command> <arguments>": a command
	// without arguments ends in a space, which FreeSWITCH ignores.
	{"api without arguments", command.API{Command: "status"}, "api status \r\n\r\n"},
	{"api", apiCommand("uuid_kill 9f6f0d2c-1 NORMAL_CLEARING"), "api uuid_kill 9f6f0d2c-1 NORMAL_CLEARING\r\n\r\n"},
	{"api show", apiCommand("show channels as json"), "api show channels as json\r\n\r\n"},
	{"bgapi with Job-UUID", bgapi{Command: "originate", Arguments: "{origination_uuid=c1}user/1001 &park()", JobUUID: "j-1"},
		"bgapi originate {origination_uuid=c1}user/1001 &park()\r\nJob-UUID: j-1\r\n\r\n"},
	{"sendmsg execute", execute("c1", "playback", "/tmp/hello.wav", "p-1"),
		"sendmsg c1\r\nCall-Command: execute\r\nExecute-App-Name: playback\r\nLoops: 1\r\nEvent-Uuid: p-1\r\nExecute-App-Arg: /tmp/hello.wav\r\n\r\n"},
	{"sendmsg execute with a body", execute("c1", "set", longArg, "p-2"),
		"sendmsg c1\r\nContent-Length: 2113\r\nCall-Command: execute\r\nExecute-App-Name: set\r\nLoops: 1\r\nEvent-Uuid: p-2\r\nContent-Type: text/plain\r\n\r\n" +
			longArg + "\r\n\r\n"},
	{"connect", command.Connect{}, "connect\r\n\r\n"},
	{"exit", command.Exit{}, "exit\r\n\r\n"},
}

// TestCommandBytes checks each command's bytes against its golden, that
// every line ends in "\r\n", and that the fake reads them as FreeSWITCH
// does, with the command after it intact (the "\r\n\r\n" our writer adds
// after a body is skipped as blank lines).
func TestCommandBytes(t *testing.T) {
	for _, g := range commandGoldens {
		t.Run(g.name, func(t *testing.T) {
			got := string(message(g.cmd))
			if !sameMessage(got, g.want) {
				t.Errorf("bytes:\n got %q\nwant %q", got, g.want)
			}
			head, _, _ := strings.Cut(got, "\r\n\r\n")
			if strings.ContainsAny(strings.ReplaceAll(head, "\r\n", ""), "\r\n") {
				t.Errorf("a line end other than \\r\\n in %q: FreeSWITCH would read one long command line", head)
			}
			r := bufio.NewReader(strings.NewReader(got + "api status\r\n\r\n"))
			c, err := wire.ReadCommand(r)
			if err != nil {
				t.Fatalf("the fake cannot read it: %v", err)
			}
			lines := strings.Split(head, "\r\n")
			if c.Line != lines[0] {
				t.Errorf("command line %q, want %q", c.Line, lines[0])
			}
			if len(c.Headers) != len(lines)-1 {
				t.Errorf("%d headers read, want %d: %+v", len(c.Headers), len(lines)-1, c.Headers)
			}
			for _, l := range lines[1:] {
				name, value, _ := strings.Cut(l, ": ")
				if c.Get(name) != value {
					t.Errorf("header %s read as %q, want %q", name, c.Get(name), value)
				}
			}
			if want := bodyOf(g.want); !bytes.Equal(c.Body, []byte(want)) {
				t.Errorf("body of %d bytes read, want %d", len(c.Body), len(want))
			}
			if next, err := wire.ReadCommand(r); err != nil || next.Line != "api status" {
				t.Errorf("the command after it read as %+v, %v", next, err)
			}
		})
	}
}

// sameMessage compares two messages with their header lines in any order.
func sameMessage(got, want string) bool {
	norm := func(m string) string {
		head, rest, _ := strings.Cut(m, "\r\n\r\n")
		lines := strings.Split(head, "\r\n")
		slices.Sort(lines[1:])
		return strings.Join(lines, "\r\n") + "\r\n\r\n" + rest
	}
	return norm(got) == norm(want)
}

// bodyOf is the Content-Length bytes after the header block, if any.
func bodyOf(m string) string {
	head, rest, _ := strings.Cut(m, "\r\n\r\n")
	if !strings.Contains(head, "Content-Length: ") {
		return ""
	}
	return strings.TrimSuffix(rest, "\r\n\r\n")
}
