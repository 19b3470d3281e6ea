// Package pbx is Hotline's port to a telephone switch: the small set of
// call-control commands the engine issues and the closed set of normalized
// events it reacts to.
//
// # Basics
//
// A backend (the simulated switch in acd/sim, Asterisk over ARI in ari/,
// FreeSWITCH over ESL in esl/) implements [Switch]. Commands name channels
// and bridges by ids that Hotline chooses itself, so the events a command
// causes can never race ahead of the command's return: an [Originate] with
// ChannelID "agent-7" produces Ringing/Answered/OriginateFailed/HungUp events
// carrying "agent-7".
//
// Events arrive on one channel, in the order the switch produced them. A
// backend that loses its link to the switch emits [Synced] once it is back,
// listing what is live, so the engine can bring its state back in line.
//
// # Caveats
//
// Commands may block on the network; the engine never calls them from its own
// goroutine. A command error does not imply the call is gone: the engine
// waits for the HungUp event to decide that.
package pbx
