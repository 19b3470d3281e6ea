package esl

import "github.com/percipia/eslgo/command"

// What the tests against a real FreeSWITCH send over a raw connection, to
// check that it accepts the bytes of every kind of command Hotline writes.
var (
	Subscription command.Command = subscription
	Message                      = message
)

// ListenBeep is the tone a Listen plays before it records.
const ListenBeep = listenBeep

func Bgapi(cmd, args, job string) command.Command {
	return bgapi{Command: cmd, Arguments: args, JobUUID: job}
}

func Execute(ch, app, arg, eventUUID string) command.Command {
	return execute(ch, app, arg, eventUUID)
}
