package esl

import (
	"strings"

	"github.com/percipia/eslgo/command"
	"github.com/percipia/eslgo/command/call"
)

// Every command Hotline sends is an eslgo command.Command: eslgo's own
// types where they say what Hotline means (Auth, Event, API, Exit, Connect,
// call.Execute), and the small types below where eslgo has no such
// command. Only the connection is Hotline's own (see link.go).
var (
	_ command.Command = command.Auth{}
	_ command.Command = command.Event{}
	_ command.Command = command.API{}
	_ command.Command = command.Exit{}
	_ command.Command = command.Connect{}
	_ command.Command = (*call.Execute)(nil)
	_ command.Command = bgapi{}
)

// endOfMessage ends every message, as eslgo's own connection ends them:
// BuildMessage leaves it out.
const endOfMessage = "\r\n\r\n"

// message is cmd as written to the socket. eslgo's commands end their lines
// with "\r\n" throughout, which matters: mod_event_socket splits a message
// on "\r" whenever one appears in it.
func message(cmd command.Command) []byte {
	return []byte(cmd.BuildMessage() + endOfMessage)
}

// commandLine is the first line of cmd, for errors and logs: never a body,
// which may be long.
func commandLine(cmd command.Command) string {
	line, _, _ := strings.Cut(cmd.BuildMessage(), "\r\n")
	return line
}

// apiCommand is "api <line>" as eslgo's command.API, the verb apart from
// its arguments.
func apiCommand(line string) command.API {
	verb, args, _ := strings.Cut(line, " ")
	return command.API{Command: verb, Arguments: args}
}

// bgapi is "bgapi <command> <args>" with a Job-UUID header, so that the
// BACKGROUND_JOB it ends with carries an id Hotline chose before sending.
// eslgo's command.API{Background: true} has no header: FreeSWITCH then
// picks the id and tells it only in the reply.
type bgapi struct {
	Command   string
	Arguments string
	JobUUID   string
}

func (b bgapi) BuildMessage() string {
	line := command.API{Command: b.Command, Arguments: b.Arguments, Background: true}.BuildMessage()
	return line + "\r\nJob-UUID: " + b.JobUUID
}

// execute is a dialplan application run on a channel through sendmsg,
// with eventUUID as the Application-UUID of its CHANNEL_EXECUTE and
// CHANNEL_EXECUTE_COMPLETE events. call.Execute moves arguments over
// 2048 bytes into a body with its Content-Length.
func execute(ch, app, arg, eventUUID string) *call.Execute {
	return &call.Execute{UUID: ch, AppName: app, AppArgs: arg, AppUUID: eventUUID}
}
