// Package ivr is Hotline's call-flow interpreter: what a caller hears and
// where the call goes while it is answered by Hotline itself, before (or
// instead of) a queue.
//
// # Basics
//
// A [Flow] is a set of named nodes. [Flow.Step] is pure: given a call's
// [State], one [Input] (a DTMF digit, a timeout, a playback that finished)
// and the time, it returns the next State and the [Action]s the host must
// carry out (play media, start a timer, route to a queue, leave). There are
// no goroutines, clocks, logs or PBX calls in here; the engine hosts the
// interpreter and turns actions into commands and timers. State is a plain
// struct that encodes as JSON, so a call in a flow can be persisted and
// continue after a restart.
//
// Node kinds are registered by name ([Register]) the way Caddy registers
// modules: a kind is a type implementing [Node], decoded from its config and
// checked by [Build]. Adding a kind (play, collect digits, business hours,
// lookup, ...) needs no change to the engine as long as it speaks in the
// existing actions.
//
// # Node kinds
//
// menu (DTMF choice), play (prompt files and/or text per language), collect
// (digits by length or terminator, pattern and Luhn checks, into a
// variable), hours (opening hours and holidays in a time zone), condition
// (known caller, tag, variable, time of day), set (variables), language
// (prompt language and a required skill), lookup (HTTP request by the
// host, JSON answer into variables, timeout and failure branches), queue
// (with skills and priority), transfer, callback, voicemail (a message
// recorded for a callback task), hangup, and faq (answers
// by key or by a recognized phrase, ranked by [Matcher]). [Check] lists
// every problem of a flow with its path.
//
// # Adding a node kind
//
// Write a type with the node's settings (YAML tags) implementing [Node]:
// Enter says what happens on arrival, Step what each input does, Next
// which nodes it may lead to; implement [Validator] to check settings.
// Register it in an init function. To move on, return [Goto] (another
// node), [ToQueue] or [Leave]. Keep it pure: anything that waits (a
// lookup, a recognizer) is an action the host carries out and an input that
// comes back. Cover it with a table test and a golden walk (testdata).
//
// # Caveats
//
// Inputs that a node does not expect are ignored, without actions. A flow
// may pass through at most [MaxHops] nodes on one input; more is reported
// as a loop and the call leaves the flow.
package ivr
